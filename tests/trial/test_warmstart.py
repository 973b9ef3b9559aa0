"""The warm start applies to a fresh attempt only (no TensorFlow; real trial folders)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from odsweep import odconfig
from odsweep.demodata import base_config_path
from odsweep.results import ObjectiveType, TrialResult, TrialStatus, write_result
from odsweep.spec import CheckpointType, WarmStart
from odsweep.trial import trial_options
from odsweep.trial.options import TrialOptions
from odsweep.trial.resume import begin_attempt, config_digest
from odsweep.trial.warmstart import applies_warm_start
from tests.spec.spec_fixtures import parse, valid_doc

MAP = "DetectionBoxes_Precision/mAP"
WARM = WarmStart("/zoo/ssd/ckpt-0", CheckpointType.DETECTION)


def _config(warm: bool) -> Any:
    config = odconfig.load_pipeline_config(base_config_path())
    return odconfig.apply_overrides(config, dict(WARM.overrides())) if warm else config


def _opts(trial_dir: Path) -> TrialOptions:
    return TrialOptions(
        pipeline_config=str(base_config_path()),
        trial_dir=str(trial_dir),
        num_train_steps=40,
        checkpoint_every_n=10,
        metric=MAP,
        objective=ObjectiveType.MAXIMIZE,
        seed=7,
    )


def _interrupted(trial_dir: Path, config_text: str, status: TrialStatus) -> None:
    """An earlier attempt of the same trial that wrote ckpt-10 and stopped there."""
    trial_dir.mkdir(parents=True)
    (trial_dir / "pipeline.config").write_text(config_text)
    (trial_dir / "ckpt-10.index").write_bytes(b"index")
    (trial_dir / "ckpt-10.data-00000-of-00001").write_bytes(b"data")
    result = TrialResult(
        trial=trial_dir.name,
        params={},
        status=status,
        metric=MAP,
        objective=ObjectiveType.MAXIMIZE,
        seed=7,
        extra={"config_sha256": config_digest(config_text)},
    )
    write_result(str(trial_dir), result)


def test_a_fresh_attempt_applies_the_warm_start(tmp_path: Path) -> None:
    config = _config(warm=True)
    attempt = begin_attempt(_opts(tmp_path / "t-1"), odconfig.config_to_text(config))
    assert attempt.checkpoint is None
    assert applies_warm_start(config, attempt) is True


def test_a_resumed_attempt_does_not_apply_it_again(tmp_path: Path) -> None:
    config = _config(warm=True)
    text = odconfig.config_to_text(config)
    _interrupted(tmp_path / "t-1", text, TrialStatus.RUNNING)
    attempt = begin_attempt(_opts(tmp_path / "t-1"), text, verify=lambda path, step: None)
    assert (attempt.checkpoint, attempt.step) == (str(tmp_path / "t-1" / "ckpt-10"), 10)
    assert applies_warm_start(config, attempt) is False


def test_an_attempt_that_cannot_resume_starts_fresh_with_the_warm_start(tmp_path: Path) -> None:
    # The earlier attempt's checkpoint is unreadable: set aside, the new one starts at 0.
    config = _config(warm=True)
    text = odconfig.config_to_text(config)
    _interrupted(tmp_path / "t-1", text, TrialStatus.RUNNING)
    attempt = begin_attempt(_opts(tmp_path / "t-1"), text, verify=lambda path, step: "corrupt")
    assert attempt.checkpoint is None
    assert applies_warm_start(config, attempt) is True


def test_without_a_fine_tune_checkpoint_there_is_nothing_to_apply(tmp_path: Path) -> None:
    config = _config(warm=False)
    attempt = begin_attempt(_opts(tmp_path / "t-1"), odconfig.config_to_text(config))
    assert applies_warm_start(config, attempt) is False


def test_the_trial_options_of_a_spec_carry_it_before_the_parameters() -> None:
    doc = valid_doc()
    doc["spec"].update(fineTuneCheckpoint="ckpt/ckpt-20", fineTuneCheckpointType="detection")
    opts = trial_options(
        parse(doc), trial_dir="/runs/t-1", params={"learning_rate": 0.01, "batch_size": 4}
    )
    assert opts.overrides[1:4] == (
        ("train_config.fine_tune_checkpoint", "/work/specs/ckpt/ckpt-20"),
        ("train_config.fine_tune_checkpoint_type", "detection"),
        ("train_config.fine_tune_checkpoint_version", "V2"),
    )
