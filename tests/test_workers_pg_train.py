"""Two `odsweep run` workers training real trials (tiny SSD) on one PostgreSQL study:
each runs one, one of them selects and exports, and the export loads."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.conftest import DemoData, odsweep_cmd
from tests.pg_fixtures import PASSWORD, pg_server, pg_url

__all__ = ["pg_server", "pg_url"]

pytestmark = [pytest.mark.tf, pytest.mark.train, pytest.mark.postgres]

LR = "train_config.optimizer.momentum_optimizer.learning_rate.cosine_decay_learning_rate"

LOAD = """
import sys
import tensorflow as tf
model = tf.saved_model.load(sys.argv[1])
print(sorted(model.signatures))
"""


def test_two_workers_train_one_sweep_with_one_export(
    demo_data: DemoData, tmp_path: Path, pg_url: str
) -> None:
    spec = {
        "apiVersion": "odsweep/v1alpha1",
        "kind": "SearchSpace",
        "metadata": {"name": "pair"},
        "spec": {
            "pipelineConfigPath": demo_data.config,
            "trainInputPath": demo_data.train,
            "evalInputPath": demo_data.eval,
            "labelMapPath": demo_data.label_map,
            "numTrainSteps": 20,
            "checkpointEveryNSteps": 10,
            "overrides": {f"{LR}.warmup_steps": 5},
            "objective": {
                "type": "maximize",
                "objectiveMetricName": "DetectionBoxes_Precision/mAP",
            },
            "algorithm": {
                "algorithmName": "random",
                "algorithmSettings": [{"name": "random_state", "value": "1"}],
            },
            "parallelTrialCount": 1,
            "maxTrialCount": 2,
            "parameters": [
                {
                    "name": "learning_rate",
                    "configPath": f"{LR}.learning_rate_base",
                    "parameterType": "double",
                    "feasibleSpace": {"min": 0.02, "max": 0.2, "distribution": "logUniform"},
                }
            ],
        },
    }
    spec_path = tmp_path / "pair.yaml"
    spec_path.write_text(yaml.safe_dump(spec))
    out = tmp_path / "out"
    argv = odsweep_cmd("run", str(spec_path), "--output", str(out), "--storage", pg_url)
    workers = [
        subprocess.Popen([*argv, "--no-progress"], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        for _ in range(2)
    ]
    ends = [w.communicate(timeout=1500) for w in workers]
    for w, (stdout, stderr) in zip(workers, ends, strict=True):
        assert w.returncode == 0, stderr.decode()[-4000:]
        assert PASSWORD.encode() not in stdout + stderr
    texts = [stdout.decode() for stdout, _ in ends]
    assert sum("best trial: pair-" in t for t in texts) == 1
    assert sum("are done by worker " in t for t in texts) == 1
    # Both trials ran; one winner, one export.
    assert sorted(p.name for p in (out / "trials").iterdir()) == ["pair-1", "pair-2"]
    best = json.loads((out / "best.json").read_text())
    assert best["trial"] in ("pair-1", "pair-2")
    assert [p.name for p in (out / "model").iterdir()] == ["1"]
    loaded = subprocess.run(
        [sys.executable, "-c", LOAD, best["export"]["path"]],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert loaded.returncode == 0, loaded.stderr[-2000:]
    assert "serving_default" in loaded.stdout
