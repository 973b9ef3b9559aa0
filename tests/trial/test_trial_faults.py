"""Real trials under faults: a stalled trial fails itself with the reason; the kept best
checkpoint resolves with TensorFlow's own lookup from any working directory."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from odsweep.trial.watchdog import STALL_HOOK_ENV
from tests.conftest import DemoData, odsweep_cmd

pytestmark = [pytest.mark.tf, pytest.mark.train]

MAP = "DetectionBoxes_Precision/mAP"
LR = "train_config.optimizer.momentum_optimizer.learning_rate.cosine_decay_learning_rate"


def _trial(data: DemoData, trial_dir: str, *extra: str) -> list[str]:
    return odsweep_cmd(
        "trial",
        "--pipeline-config", data.config,
        "--trial-dir", trial_dir,
        "--num-train-steps", "10",
        "--checkpoint-every-n", "10",
        "--metric", MAP,
        "--objective", "maximize",
        "--train-input", data.train,
        "--eval-input", data.eval,
        "--label-map", data.label_map,
        "--set", f"{LR}.warmup_steps=2",
        *extra,
    )  # fmt: skip


def test_a_stalled_trial_fails_with_the_reason(demo_data: DemoData, tmp_path: Path) -> None:
    trial_dir = tmp_path / "stall-1"
    proc = subprocess.run(
        _trial(demo_data, str(trial_dir), "--stall-timeout", "3"),
        env={**os.environ, STALL_HOOK_ENV: "0"},
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 1, proc.stderr[-3000:]
    doc = json.loads((trial_dir / "result.json").read_text())
    assert doc["status"] == "failed"
    # Stalled before its first step: the stall timeout runs from the trial's start.
    assert doc["error"].startswith(
        "no training step or eval for 3 s; no training step yet (trial started at "
    )
    assert doc["error"].endswith("Z); see stderr.log")
    assert f"trial failed by its watchdog: {doc['error']}" in proc.stderr


def test_best_checkpoint_resolves_from_any_working_directory(
    demo_data: DemoData, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A relative --trial-dir, as a user in their project folder would give it.
    workdir = tmp_path / "project"
    workdir.mkdir()
    proc = subprocess.run(
        _trial(demo_data, "runs/best-1"), cwd=workdir, capture_output=True, text=True, timeout=600
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    best = workdir / "runs" / "best-1" / "best"
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    from odsweep.tfcompat import load_tensorflow

    tf = load_tensorflow()
    found = tf.train.latest_checkpoint(str(best))
    assert found == str(best / "ckpt-10")
    assert Path(found + ".index").is_file()
