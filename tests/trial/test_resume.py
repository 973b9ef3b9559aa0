"""How a trial starts on a folder holding an earlier attempt (no TensorFlow: the
checkpoint check is passed in); real files throughout."""

from __future__ import annotations

import logging
from dataclasses import replace
from pathlib import Path

import pytest

from odsweep.results import (
    ATTEMPT_ENV,
    EvalRecord,
    ObjectiveType,
    TrialResult,
    TrialStatus,
    read_result,
    write_result,
)
from odsweep.trial.options import TrialOptions
from odsweep.trial.resume import begin_attempt, config_digest

MAP = "DetectionBoxes_Precision/mAP"
CONFIG = "model { ssd { num_classes: 3 } }\n"


def _opts(trial_dir: Path, **changes: object) -> TrialOptions:
    opts = TrialOptions(
        pipeline_config="base.config",
        trial_dir=str(trial_dir),
        num_train_steps=40,
        checkpoint_every_n=10,
        metric=MAP,
        objective=ObjectiveType.MAXIMIZE,
        params={"learning_rate": 0.01},
        seed=7,
    )
    return replace(opts, **changes)  # type: ignore[arg-type]


def _earlier(trial_dir: Path, *, evals: tuple[int, ...], checkpoints: tuple[int, ...]) -> None:
    """What an interrupted attempt leaves: its record, checkpoints, best/ and logs."""
    trial_dir.mkdir(parents=True)
    (trial_dir / "pipeline.config").write_text(CONFIG)
    (trial_dir / "stdout.log").write_text("earlier output\n")
    for step in checkpoints:
        (trial_dir / f"ckpt-{step}.index").write_bytes(b"index")
        (trial_dir / f"ckpt-{step}.data-00000-of-00001").write_bytes(b"data")
    result = TrialResult(
        trial=trial_dir.name,
        params={"learning_rate": 0.01},
        status=TrialStatus.RUNNING,
        metric=MAP,
        objective=ObjectiveType.MAXIMIZE,
        seed=7,
        extra={"config_sha256": config_digest(CONFIG)},
    )
    if evals:
        (trial_dir / "best").mkdir()
    for k, step in enumerate(evals):
        kept = str(trial_dir / "best" / f"ckpt-{step}")
        Path(f"{kept}.index").write_bytes(b"index")
        record = EvalRecord(step, str(trial_dir / f"ckpt-{step}"), {MAP: 0.1 * (k + 1)})
        result = result.with_eval(record, kept_checkpoint=kept)
    write_result(str(trial_dir), result)


def test_an_empty_folder_starts_fresh_quietly(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(ATTEMPT_ENV, "token-1")
    (tmp_path / "t-1").mkdir()
    (tmp_path / "t-1" / "stderr.log").write_text("")  # the engine's log, opened first
    attempt = begin_attempt(_opts(tmp_path / "t-1"), CONFIG)
    assert attempt.checkpoint is None and attempt.step == 0 and not attempt.finished
    assert attempt.result.evals == () and attempt.result.status is TrialStatus.RUNNING
    assert attempt.result.extra == {"config_sha256": config_digest(CONFIG), "attempt": "token-1"}
    assert caplog.records == []
    assert not (tmp_path / ".attempts").exists()


def test_the_same_trial_resumes_from_its_newest_checkpoint(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    trial_dir = tmp_path / "t-1"
    _earlier(trial_dir, evals=(10, 20), checkpoints=(10, 20, 30))
    caplog.set_level(logging.INFO)
    attempt = begin_attempt(_opts(trial_dir), CONFIG, verify=lambda path, step: None)
    # ckpt-30 was written but the kill came before its eval: it is evaluated, once.
    assert (attempt.checkpoint, attempt.step) == (str(trial_dir / "ckpt-30"), 30)
    assert attempt.evaluate_first and not attempt.finished
    earlier = read_result(str(trial_dir))
    assert attempt.result.evals == earlier.evals and attempt.result.best == earlier.best
    assert attempt.result.status is TrialStatus.RUNNING
    assert attempt.result.extra["resumes"] == [
        {"step": 30, "checkpoint": str(trial_dir / "ckpt-30"), "evals_kept": 2}
    ]
    assert caplog.messages == [
        f"resuming t-1 from step 30 (checkpoint {trial_dir / 'ckpt-30'}); 2 evals kept"
    ]
    assert not (tmp_path / ".attempts").exists()


def test_a_checkpoint_already_evaluated_is_not_evaluated_again(tmp_path: Path) -> None:
    trial_dir = tmp_path / "t-1"
    _earlier(trial_dir, evals=(10, 20), checkpoints=(10, 20))
    attempt = begin_attempt(_opts(trial_dir), CONFIG)
    assert attempt.step == 20 and not attempt.evaluate_first


@pytest.mark.parametrize(
    ("changes", "config", "reason"),
    [
        (
            {"params": {"learning_rate": 0.02}},
            CONFIG,
            "the parameters changed (were {'learning_rate': 0.01}, now {'learning_rate': 0.02})",
        ),
        ({"seed": 8}, CONFIG, "the seed changed (was 7, now 8)"),
        (
            {"metric": "Loss/total_loss", "objective": ObjectiveType.MINIMIZE},
            CONFIG,
            f"the objective changed (was maximize {MAP}, now minimize Loss/total_loss)",
        ),
        (
            {},
            CONFIG.replace("3", "4"),
            "its pipeline.config differs from this attempt's (the base config, data paths, "
            "step count or overrides changed)",
        ),
    ],
)
def test_a_changed_trial_starts_fresh_and_moves_the_earlier_attempt_aside(
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
    changes: dict[str, object],
    config: str,
    reason: str,
) -> None:
    trial_dir = tmp_path / "t-1"
    _earlier(trial_dir, evals=(10,), checkpoints=(10,))
    attempt = begin_attempt(_opts(trial_dir, **changes), config)
    assert attempt.checkpoint is None and attempt.result.evals == ()
    assert caplog.messages[0] == f"t-1: starting fresh, not resuming the earlier attempt: {reason}"
    aside = tmp_path / ".attempts" / "t-1-1"
    assert sorted(p.name for p in aside.iterdir()) == [
        "best",
        "ckpt-10.data-00000-of-00001",
        "ckpt-10.index",
        "pipeline.config",
        "result.json",
    ]
    # The engine's log stays where the engine writes it.
    assert sorted(p.name for p in trial_dir.iterdir()) == ["stdout.log"]


@pytest.mark.parametrize(
    ("prepare", "reason"),
    [
        (lambda d: [p.unlink() for p in d.glob("ckpt-*")], "it has no checkpoint"),
        (lambda d: (d / "result.json").unlink(), "it has no result.json"),
        (
            lambda d: (d / "result.json").write_text("{not json"),
            "its result.json is unreadable (",
        ),
        (
            lambda d: [p.unlink() for p in d.glob("best/*")],
            "its best checkpoint ",
        ),
    ],
)
def test_an_unusable_attempt_starts_fresh_with_the_reason(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, prepare: object, reason: str
) -> None:
    trial_dir = tmp_path / "t-1"
    _earlier(trial_dir, evals=(10,), checkpoints=(10,))
    prepare(trial_dir)  # type: ignore[operator]
    attempt = begin_attempt(_opts(trial_dir), CONFIG)
    assert attempt.checkpoint is None
    assert caplog.messages[0].startswith(
        f"t-1: starting fresh, not resuming the earlier attempt: {reason}"
    )
    assert (tmp_path / ".attempts" / "t-1-1").is_dir()


def test_an_unreadable_checkpoint_starts_fresh(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    trial_dir = tmp_path / "t-1"
    _earlier(trial_dir, evals=(10,), checkpoints=(10,))
    seen: list[tuple[str, int]] = []

    def verify(path: str, step: int) -> str:
        seen.append((path, step))
        return f"its checkpoint {path} is unreadable (truncated)"

    attempt = begin_attempt(_opts(trial_dir), CONFIG, verify=verify)
    assert seen == [(str(trial_dir / "ckpt-10"), 10)] and attempt.checkpoint is None
    assert caplog.messages[0] == (
        "t-1: starting fresh, not resuming the earlier attempt: "
        f"its checkpoint {trial_dir / 'ckpt-10'} is unreadable (truncated)"
    )


def test_a_finished_trial_is_not_trained_again(tmp_path: Path) -> None:
    trial_dir = tmp_path / "t-1"
    _earlier(trial_dir, evals=(10, 20, 30, 40), checkpoints=(30, 40))
    write_result(str(trial_dir), replace(read_result(str(trial_dir)), status=TrialStatus.SUCCEEDED))
    attempt = begin_attempt(_opts(trial_dir), CONFIG)
    assert attempt.finished and attempt.result.status is TrialStatus.SUCCEEDED
    assert [e.step for e in attempt.result.evals] == [10, 20, 30, 40]
    assert not (tmp_path / ".attempts").exists()
