"""Effective config and pre-flight checks: no TensorFlow, nothing trained."""

from __future__ import annotations

from pathlib import Path

import pytest

from odsweep import odconfig
from odsweep.demodata import base_config_path
from odsweep.errors import InputError
from odsweep.spec import ObjectiveType
from odsweep.trial.options import TrialOptions
from odsweep.trial.prepare import build_trial_config, preflight
from tests.tfrecords import write_shard

LR_BASE = (
    "train_config.optimizer.momentum_optimizer.learning_rate."
    "cosine_decay_learning_rate.learning_rate_base"
)


@pytest.fixture
def data(tmp_path: Path) -> Path:
    write_shard(tmp_path / "train-00000-of-00001.tfrecord")
    write_shard(tmp_path / "eval-00000-of-00001.tfrecord")
    items = "".join(f'item {{ id: {i} name: "c{i}" }}\n' for i in (1, 2, 3))
    (tmp_path / "label_map.pbtxt").write_text(items)
    return tmp_path


def _opts(data: Path, **kw: object) -> TrialOptions:
    base = dict(
        pipeline_config=str(base_config_path()),
        trial_dir=str(data / "trial"),
        num_train_steps=120,
        checkpoint_every_n=40,
        metric="DetectionBoxes_Precision/mAP",
        objective=ObjectiveType.MAXIMIZE,
        train_input=str(data / "train-*.tfrecord"),
        eval_input=str(data / "eval-*.tfrecord"),
        label_map=str(data / "label_map.pbtxt"),
    )
    base.update(kw)
    return TrialOptions(**base)  # type: ignore[arg-type]


def test_effective_config_has_paths_steps_and_overrides(data: Path) -> None:
    config = build_trial_config(
        _opts(
            data,
            overrides=((LR_BASE, "0.05"), ("train_config.batch_size", "4")),
            sample_1_of_n_eval=2,
        )
    )
    preflight(config)
    assert config.train_config.num_steps == 120
    schedule = config.train_config.optimizer.momentum_optimizer.learning_rate
    assert schedule.cosine_decay_learning_rate.total_steps == 120
    assert schedule.cosine_decay_learning_rate.learning_rate_base == pytest.approx(0.05)
    assert config.train_config.batch_size == 4
    assert list(config.train_input_reader.tf_record_input_reader.input_path) == [
        str(data / "train-*.tfrecord")
    ]
    assert config.eval_input_reader[0].sample_1_of_n_examples == 2
    assert config.eval_input_reader[0].label_map_path == str(data / "label_map.pbtxt")


def test_bad_override_path_is_input_error(data: Path) -> None:
    with pytest.raises(InputError, match=r"batch_sise.*did you mean 'batch_size'"):
        build_trial_config(_opts(data, overrides=(("train_config.batch_sise", "4"),)))


def test_missing_inputs_are_reported_together(data: Path) -> None:
    config = build_trial_config(
        _opts(data, train_input=str(data / "nope-*.tfrecord"), eval_input=str(data / "no-eval"))
    )
    with pytest.raises(InputError) as err:
        preflight(config)
    assert len(err.value.messages) == 2
    assert "no file matches" in err.value.messages[0] and "nope-*" in err.value.messages[0]


def test_placeholder_inputs_are_refused(data: Path) -> None:
    config = build_trial_config(_opts(data, train_input=None, eval_input=None, label_map=None))
    with pytest.raises(InputError, match="placeholder"):
        preflight(config)


def test_num_classes_must_cover_the_label_map(data: Path) -> None:
    config = build_trial_config(_opts(data, overrides=(("model.ssd.num_classes", "2"),)))
    with pytest.raises(
        InputError, match="num_classes: 2 is less than the label map's largest id 3"
    ):
        preflight(config)


def test_num_classes_above_the_largest_id_passes(data: Path) -> None:
    preflight(build_trial_config(_opts(data, overrides=(("model.ssd.num_classes", "5"),))))


def test_missing_fine_tune_checkpoint_is_refused(data: Path) -> None:
    config = build_trial_config(
        _opts(data, overrides=(("train_config.fine_tune_checkpoint", str(data / "ckpt-0")),))
    )
    with pytest.raises(InputError, match="fine_tune_checkpoint: no checkpoint at"):
        preflight(config)


def test_an_existing_but_unreadable_fine_tune_checkpoint_is_refused(data: Path) -> None:
    # Existence passes; the warm-start check then reads it (tests/trial/test_warmstart.py
    # has real checkpoints).
    (data / "ckpt-0.index").write_bytes(b"")
    ckpt = str(data / "ckpt-0")
    config = build_trial_config(
        _opts(
            data,
            overrides=(
                ("train_config.fine_tune_checkpoint", ckpt),
                ("train_config.fine_tune_checkpoint_type", "detection"),
                ("train_config.fine_tune_checkpoint_version", "V2"),
            ),
        )
    )
    with pytest.raises(
        InputError, match=rf"^train_config.fine_tune_checkpoint: cannot read checkpoint '{ckpt}' "
    ):
        preflight(config)


def test_warmup_longer_than_schedule_is_refused(data: Path) -> None:
    warmup = (
        "train_config.optimizer.momentum_optimizer.learning_rate."
        "cosine_decay_learning_rate.warmup_steps"
    )
    config = build_trial_config(_opts(data, overrides=((warmup, "500"),)))
    with pytest.raises(InputError, match="warmup"):
        preflight(config)


def test_base_config_is_untouched(data: Path) -> None:
    before = Path(base_config_path()).read_text()
    build_trial_config(_opts(data, overrides=((LR_BASE, "0.05"),)))
    assert Path(base_config_path()).read_text() == before
    assert odconfig.load_pipeline_config(str(base_config_path())).train_config.num_steps != 120
