"""``odsweep init`` on the demo config and data, then a real 2-trial sweep from its YAML."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
import yaml

from tests.conftest import DemoData, odsweep_cmd

pytestmark = [pytest.mark.tf, pytest.mark.train]


def test_init_then_run_two_trials(demo_data: DemoData, tmp_path: Path) -> None:
    spec_path = tmp_path / "spec.yaml"
    init = subprocess.run(
        odsweep_cmd(
            "init", demo_data.config,
            "--train-input", demo_data.train,
            "--eval-input", demo_data.eval,
            "--label-map", demo_data.label_map,
            "--num-train-steps", "20",
            "--output", str(spec_path),
        ),
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert init.returncode == 0, init.stderr[-3000:]
    # The user's edit for a quick look: two trials, two evals each, no early stopping
    # (medianstop needs more trials than that).
    doc = yaml.safe_load(spec_path.read_text())
    spec = doc["spec"]
    spec.update(
        maxTrialCount=2, parallelTrialCount=2, maxFailedTrialCount=1, checkpointEveryNSteps=10
    )
    spec["algorithm"]["algorithmSettings"] = [{"name": "n_startup_trials", "value": "2"}]
    del spec["earlyStopping"]
    spec["parameters"] = [p for p in spec["parameters"] if p["name"] != "batch_size"]
    spec["overrides"]["train_config.batch_size"] = 4
    spec_path.write_text(yaml.safe_dump(doc))

    out = tmp_path / "out"
    proc = subprocess.run(
        odsweep_cmd("run", str(spec_path), "--output", str(out), "--no-progress"),
        capture_output=True,
        text=True,
        timeout=1500,
    )
    assert proc.returncode == 0, proc.stderr[-4000:]
    results = {
        p.name: json.loads((p / "result.json").read_text()) for p in (out / "trials").iterdir()
    }
    assert sorted(results) == ["ssd-tiny-1", "ssd-tiny-2"]
    assert all(r["status"] == "succeeded" for r in results.values())
    # Every searched knob reached the trial's effective config.
    for r in results.values():
        assert set(r["params"]) == {p["name"] for p in spec["parameters"]}
    best = json.loads((out / "best.json").read_text())
    assert best["trial"] in results and (out / "model" / "1" / "saved_model.pb").exists()
