"""``odsweep validate`` runs the warm start's pre-flight (one place: the trial's)."""

from __future__ import annotations

from pathlib import Path

from tests.test_validation import data, errors, spec_file

__all__ = ["data"]  # the fixture, re-used


def test_a_missing_warm_start_checkpoint_is_reported(data: Path) -> None:
    path = spec_file(data, fineTuneCheckpoint="zoo/ckpt-0", fineTuneCheckpointType="detection")
    assert errors(path) == [
        f"train_config.fine_tune_checkpoint: no checkpoint at '{data / 'zoo' / 'ckpt-0'}'; "
        "point it at a checkpoint prefix (ckpt-0) or clear it with "
        "--set train_config.fine_tune_checkpoint="
    ]


def test_a_type_the_model_does_not_take_is_reported(data: Path) -> None:
    (data / "zoo").mkdir()
    (data / "zoo" / "ckpt-0.index").write_bytes(b"")
    path = spec_file(data, fineTuneCheckpoint="zoo/ckpt-0", fineTuneCheckpointType="fine_tune")
    assert errors(path) == [
        "train_config.fine_tune_checkpoint_type: ssd accepts detection, classification, full, "
        "got 'fine_tune'; set spec.fineTuneCheckpointType (or "
        "--set train_config.fine_tune_checkpoint_type=)"
    ]
