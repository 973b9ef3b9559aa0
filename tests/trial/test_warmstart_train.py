"""Warm starts from the session's trained tiny SSD (20 steps) really restore, measured
on three one-step trials (``odsweep trial`` processes, same seed): cold, ``full`` and
``detection``.

``full`` restores the whole model: the loss of its first step (TensorBoard events) is
far below the cold start's (measured: 1.93 vs 4.09), and at step 1: the source's
global step is not carried over. ``detection`` restores the feature extractor only (the
OD API's SSD ``restore_from_objects``), so the box predictor starts as cold as in the
cold trial and its first loss is no lower (measured: 4.26 vs 4.09): what shows
that it restored is its feature extractor after one step, next to the checkpoint's
and far from the cold trial's."""

from __future__ import annotations

import math
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from odsweep.tfcompat import load_tensorflow
from tests.trained_fixtures import LR_PATH, METRIC, TINY_CONFIG, Trained

pytestmark = [pytest.mark.tf, pytest.mark.train]


def _first_step_loss(trained: Trained, trial_dir: Path, *sets: str) -> float:
    data = trained.label_map.parent
    args = [
        "trial",
        "--pipeline-config",
        str(TINY_CONFIG),
        "--trial-dir",
        str(trial_dir),
        "--num-train-steps",
        "1",
        "--checkpoint-every-n",
        "1",
        "--metric",
        METRIC,
        "--objective",
        "max",
        "--train-input",
        str(data / "train-*.tfrecord"),
        "--eval-input",
        trained.eval_input,
        "--label-map",
        str(trained.label_map),
        "--seed",
        "7",
        # One step: no warm-up (the OD API refuses a warm-up as long as the schedule).
        "--set",
        f"{LR_PATH}.warmup_steps=0",
    ]
    for item in sets:
        args += ["--set", item]
    proc = subprocess.run(
        [sys.executable, "-m", "odsweep.cli.main", *args],
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert proc.returncode == 0, proc.stderr[-4000:]
    tf = load_tensorflow()
    losses = []
    for path in (trial_dir / "train").glob("events.out.tfevents.*"):
        for event in tf.compat.v1.train.summary_iterator(str(path)):
            for value in event.summary.value:
                if value.tag == "Loss/total_loss":
                    losses.append((event.step, float(tf.make_ndarray(value.tensor))))
    assert [step for step, _ in losses] == [1]
    return losses[0][1]


def _warm(trained: Trained, kind: str) -> tuple[str, ...]:
    return (
        f"train_config.fine_tune_checkpoint={trained.checkpoint(20)}",
        f"train_config.fine_tune_checkpoint_type={kind}",
        "train_config.fine_tune_checkpoint_version=V2",
    )


def _feature_extractor_distance(tf: Any, a: str, b: str) -> float:
    """Euclidean distance between the feature-extractor weights of two checkpoints."""
    ra, rb = tf.train.load_checkpoint(a), tf.train.load_checkpoint(b)
    keys = [
        k
        for k in ra.get_variable_to_shape_map()
        if k.startswith("model/_feature_extractor/") and k.endswith("/.ATTRIBUTES/VARIABLE_VALUE")
    ]
    assert len(keys) > 100
    return math.sqrt(sum(float(((ra.get_tensor(k) - rb.get_tensor(k)) ** 2).sum()) for k in keys))


def test_warm_starts_restore_the_trained_weights(trained: Trained, tmp_path: Path) -> None:
    tf = load_tensorflow()
    cold = _first_step_loss(trained, tmp_path / "t-cold")
    full = _first_step_loss(trained, tmp_path / "t-full", *_warm(trained, "full"))
    # Measured: 1.93 vs 4.09 and 2.56 vs 4.05 (CPU training is not bitwise repeatable, and
    # the source trial is trained anew each session): a bound at 0.75 x cold holds both
    # with room, and a restore that failed would start from the cold loss.
    assert full < 0.75 * cold, (full, cold)

    _first_step_loss(trained, tmp_path / "t-detection", *_warm(trained, "detection"))
    effective = (tmp_path / "t-detection" / "pipeline.config").read_text()
    assert f'fine_tune_checkpoint: "{trained.checkpoint(20)}"' in effective
    assert 'fine_tune_checkpoint_type: "detection"' in effective
    assert "fine_tune_checkpoint_version: V2" in effective
    source = trained.checkpoint(20)
    warm_distance = _feature_extractor_distance(
        tf, str(tmp_path / "t-detection" / "ckpt-1"), source
    )
    cold_distance = _feature_extractor_distance(tf, str(tmp_path / "t-cold" / "ckpt-1"), source)
    assert warm_distance < 0.1 * cold_distance, (warm_distance, cold_distance)
