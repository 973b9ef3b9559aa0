"""The whole KFP pipeline under ``kfp.local`` with the optuna backend: real trials, export,
verification and report, on the demo data."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest
import yaml

from odsweep.pipeline import build_pipeline
from tests.conftest import DemoData

pytestmark = [pytest.mark.tf, pytest.mark.train]

LR = "train_config.optimizer.momentum_optimizer.learning_rate.cosine_decay_learning_rate"


def search_space(demo: DemoData) -> dict[str, Any]:
    # The YAML says 300 steps and 8 trials; the run's parameters cut it to 30 and 2.
    return {
        "apiVersion": "odsweep/v1alpha1",
        "kind": "SearchSpace",
        "metadata": {"name": "kfp-e2e"},
        "spec": {
            "pipelineConfigPath": demo.config,
            "trainInputPath": demo.train,
            "evalInputPath": demo.eval,
            "labelMapPath": demo.label_map,
            "numTrainSteps": 300,
            "checkpointEveryNSteps": 15,
            "overrides": {f"{LR}.warmup_steps": 5},
            "objective": {
                "type": "maximize",
                "objectiveMetricName": "DetectionBoxes_Precision/mAP",
                "additionalMetricNames": ["Loss/total_loss"],
            },
            "algorithm": {
                "algorithmName": "random",
                "algorithmSettings": [{"name": "random_state", "value": "3"}],
            },
            "parallelTrialCount": 2,
            "maxTrialCount": 8,
            "maxFailedTrialCount": 1,
            "parameters": [
                {
                    "name": "learning_rate",
                    "configPath": f"{LR}.learning_rate_base",
                    "parameterType": "double",
                    "feasibleSpace": {"min": 0.02, "max": 0.2, "distribution": "logUniform"},
                },
                {
                    "name": "batch_size",
                    "configPath": "train_config.batch_size",
                    "parameterType": "discrete",
                    "feasibleSpace": {"list": [4, 8]},
                },
            ],
        },
    }


def task_dir(root: Path, task: str) -> Path:
    (found,) = root.glob(f"*/{task}")
    return found


def test_pipeline_runs_locally(demo_data: DemoData, tmp_path: Path) -> None:
    import kfp.local

    root = tmp_path / "kfp_root"
    kfp.local.init(runner=kfp.local.SubprocessRunner(use_venv=False), pipeline_root=str(root))
    spec_path = tmp_path / "search.yaml"
    spec_path.write_text(yaml.safe_dump(search_space(demo_data)))
    model_dir, eval_dir, serving = tmp_path / "model_dir", tmp_path / "eval_dir", tmp_path / "ssd"

    started = time.monotonic()
    run = build_pipeline()(
        search_space=str(spec_path),
        model_dir=str(model_dir),
        eval_dir=str(eval_dir),
        inference_output_directory=str(serving),
        num_train_steps=30,
        max_trial_count=2,
        backend="optuna",
    )
    print(f"kfp.local pipeline run: {time.monotonic() - started:.0f} s")

    # Typed outputs.
    best_metric = run.outputs["best_metric"]
    assert isinstance(best_metric, float) and 0.0 <= best_metric <= 1.0
    params = json.loads(run.outputs["best_params"])
    assert set(params) == {"learning_rate", "batch_size"}
    assert 0.02 <= params["learning_rate"] <= 0.2 and params["batch_size"] in (4, 8)
    location = run.outputs["model_location"]
    assert location == str(serving / "1")
    assert (serving / "1" / "saved_model.pb").is_file()
    model = run.outputs["model"]
    assert model.metadata["base"] == str(serving) and model.metadata["version"] == "1"
    assert model.metadata["path"] == location
    assert json.loads(Path(model.path).read_text())["path"] == location

    # best.json agrees with the outputs and records the verification.
    best = json.loads((model_dir / "best.json").read_text())
    assert best["params"] == params and best["value"] == best_metric
    assert best["export"]["path"] == location and best["export"]["verified_images"] > 0
    assert sorted(p.name for p in (model_dir / "trials").iterdir()) == ["kfp-e2e-1", "kfp-e2e-2"]

    # Metrics artifact (metadata only under kfp.local), Markdown and HTML files.
    verify = json.loads((task_dir(root, "verify-model") / "executor_output.json").read_text())
    (metrics,) = verify["artifacts"]["metrics"]["artifacts"]
    values = metrics["metadata"]
    assert values["best_metric"] == pytest.approx(best_metric)
    assert values["verified_images"] > 0 and 0.0 <= values["max_score"] <= 1.0
    assert "num_detections_mean" in values
    report_task = task_dir(root, "sweep-report")
    markdown = (report_task / "markdown").read_text()
    html = (report_task / "html").read_text()
    assert best["trial"] in markdown and location in markdown
    assert "data:image/png;base64," in html

    # eval_dir: the winner's eval event files, best.json and the report.
    assert json.loads((eval_dir / "best.json").read_text())["trial"] == best["trial"]
    assert (eval_dir / "report.html").is_file() and (eval_dir / "report.md").is_file()
    assert list(eval_dir.rglob("events.out.tfevents.*"))
