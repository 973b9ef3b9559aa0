"""Zoo settings a trial cannot honour (bfloat16, per-category COCO metrics) are switched
off, with a logged note each."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from odsweep import odconfig
from odsweep.demodata import base_config_path
from odsweep.spec import ObjectiveType
from odsweep.trial.options import TrialOptions
from odsweep.trial.prepare import build_trial_config, write_trial_config
from odsweep.trial.unsupported import BFLOAT16_NOTE, switch_off_unsupported


def _opts(tmp_path: Path, *overrides: tuple[str, object]) -> TrialOptions:
    return TrialOptions(
        pipeline_config=str(base_config_path()),
        trial_dir=str(tmp_path / "trial"),
        num_train_steps=40,
        checkpoint_every_n=20,
        metric="DetectionBoxes_Precision/mAP",
        objective=ObjectiveType.MAXIMIZE,
        overrides=tuple(overrides),
    )


def test_bfloat16_is_off_in_the_written_config_and_the_log_says_why(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="odsweep.trial.unsupported")
    config = build_trial_config(_opts(tmp_path, ("train_config.use_bfloat16", "true")))
    assert config.train_config.use_bfloat16 is False
    (tmp_path / "trial").mkdir()
    written = odconfig.load_pipeline_config(write_trial_config(str(tmp_path / "trial"), config))
    assert written.train_config.use_bfloat16 is False
    assert [r.getMessage() for r in caplog.records] == [BFLOAT16_NOTE]
    assert BFLOAT16_NOTE.startswith("train_config.use_bfloat16: true works only on TPUs;")


def test_per_category_metrics_are_kept_they_work_here(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="odsweep.trial.unsupported")
    opts = _opts(
        tmp_path,
        ("eval_config.include_metrics_per_category", "true"),
        ("train_config.use_bfloat16", "true"),
    )
    config = build_trial_config(opts)
    assert config.eval_config.include_metrics_per_category is True
    assert config.train_config.use_bfloat16 is False
    assert [r.getMessage() for r in caplog.records] == [BFLOAT16_NOTE]


def test_a_config_without_bfloat16_is_left_alone_silently(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="odsweep.trial.unsupported")
    config = build_trial_config(_opts(tmp_path))
    before = odconfig.config_to_text(config)
    assert switch_off_unsupported(config) == []
    assert odconfig.config_to_text(config) == before
    assert caplog.records == []
