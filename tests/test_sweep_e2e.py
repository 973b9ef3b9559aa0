"""A real sweep on the demo data: trials train, the best is exported, served, reported."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from odsweep.demodata._dataset import CLASS_NAMES
from odsweep.results import PER_CATEGORY_AP_PREFIX
from tests.conftest import DemoData, odsweep_cmd

pytestmark = [pytest.mark.tf, pytest.mark.train]

LR = "train_config.optimizer.momentum_optimizer.learning_rate.cosine_decay_learning_rate"

SERVE = """
import json, sys
import numpy as np, tensorflow as tf
model = tf.saved_model.load(sys.argv[1])
fn = model.signatures["serving_default"]
out = fn(tf.constant(np.zeros((1, 128, 128, 3), dtype=np.uint8)))
print(json.dumps(sorted(out)))
"""


def test_sweep_trains_selects_exports_and_reports(demo_data: DemoData, tmp_path: Path) -> None:
    spec = {
        "apiVersion": "odsweep/v1alpha1",
        "kind": "SearchSpace",
        "metadata": {"name": "e2e"},
        "spec": {
            "pipelineConfigPath": demo_data.config,
            "trainInputPath": demo_data.train,
            "evalInputPath": demo_data.eval,
            "labelMapPath": demo_data.label_map,
            "numTrainSteps": 30,
            "checkpointEveryNSteps": 15,
            "overrides": {f"{LR}.warmup_steps": 5},
            "objective": {
                "type": "maximize",
                "objectiveMetricName": "DetectionBoxes_Precision/mAP",
                "additionalMetricNames": ["Loss/total_loss"],
            },
            "algorithm": {
                "algorithmName": "random",
                "algorithmSettings": [{"name": "random_state", "value": "1"}],
            },
            "parallelTrialCount": 2,
            "maxTrialCount": 3,
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
    spec_path = tmp_path / "e2e.yaml"
    spec_path.write_text(yaml.safe_dump(spec))
    out = tmp_path / "out"
    proc = subprocess.run(
        odsweep_cmd("run", str(spec_path), "--output", str(out), "--no-progress"),
        capture_output=True,
        text=True,
        timeout=1500,
    )
    assert proc.returncode == 0, proc.stderr[-4000:]
    assert "best trial: e2e-" in proc.stdout

    best = json.loads((out / "best.json").read_text())
    results = {
        p.name: json.loads((p / "result.json").read_text()) for p in (out / "trials").iterdir()
    }
    assert sorted(results) == ["e2e-1", "e2e-2", "e2e-3"]
    assert all(r["status"] == "succeeded" for r in results.values())
    top = max(results.values(), key=lambda r: r["best"]["value"])
    assert best["trial"] == top["trial"] and best["value"] == top["best"]["value"]
    assert best["params"] == top["params"] and best["objective"] == "maximize"
    assert set(best["metrics"]) >= {"DetectionBoxes_Precision/mAP", "Loss/total_loss"}

    model = out / "model" / "1"
    assert best["export"]["path"] == str(model) and best["export"]["verified_images"] > 0
    assert (model / "saved_model.pb").exists() and (model / "variables").is_dir()
    provenance = json.loads((model / "assets.extra" / "odsweep_provenance.json").read_text())
    assert provenance["trial"] == best["trial"] and provenance["best_step"] == best["step"]

    served = subprocess.run(
        [sys.executable, "-c", SERVE, str(model)], capture_output=True, text=True, timeout=300
    )
    assert served.returncode == 0, served.stderr[-2000:]
    outputs = json.loads(served.stdout.strip().splitlines()[-1])
    assert {"detection_boxes", "detection_scores", "detection_classes", "num_detections"} <= set(
        outputs
    )

    html = (out / "report.html").read_text()
    assert best["trial"] in html and "data:image/png;base64," in html
    # What a person wants to see of the winner: its per-class AP and its detections.
    winner = results[best["trial"]]
    at_best = next(e for e in winner["evals"] if e["step"] == best["step"])["metrics"]
    per_class = sorted(k for k in at_best if k.startswith(PER_CATEGORY_AP_PREFIX))
    assert per_class == sorted(f"{PER_CATEGORY_AP_PREFIX}{name}" for name in CLASS_NAMES)
    markdown = (out / "report.md").read_text()
    assert "## Winner: per-class AP" in markdown
    assert "report_files/per_class_ap.png" in markdown
    assert all(f"| {name} | " in markdown for name in CLASS_NAMES)
    drawn = sorted(p.name for p in (out / "report_files").glob("detections_*.png"))
    assert drawn == [f"detections_{i}.png" for i in range(1, best["export"]["verified_images"] + 1)]
    assert "## Winner: detections on eval images" in markdown
    assert all(f"report_files/{name}" in markdown for name in drawn)
    assert "Eval image 1: ground truth" in html
    # Per-class metrics never reach stdout (Katib's channel): only result.json.
    stdout = (out / "trials" / best["trial"] / "stdout.log").read_text()
    assert "DetectionBoxes_Precision/mAP=" in stdout and "PerformanceByCategory" not in stdout

    # Running it again resumes a finished sweep: no new trial, the export is reused.
    again = subprocess.run(
        odsweep_cmd("run", str(spec_path), "--output", str(out), "--no-progress"),
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert again.returncode == 0, again.stderr[-3000:]
    assert sorted(p.name for p in (out / "trials").iterdir()) == ["e2e-1", "e2e-2", "e2e-3"]
    assert sorted(p.name for p in (out / "model").iterdir()) == ["1"]
