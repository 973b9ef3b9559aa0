"""The warm start's pre-flight on real checkpoints: the session's trained tiny SSD
(``trained``) and checkpoints these tests write themselves (model build + save, no
training). Nothing is downloaded."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from odsweep import odconfig
from odsweep.errors import InputError
from odsweep.results import ObjectiveType
from odsweep.tfcompat import load_tensorflow
from odsweep.trial import warmstart
from odsweep.trial.options import TrialOptions
from odsweep.trial.prepare import build_trial_config, preflight
from tests.trained_fixtures import LR_PATH, METRIC, TINY_CONFIG, Trained

pytestmark = pytest.mark.tf

CKPT = "train_config.fine_tune_checkpoint"


def _config(trained: Trained, tmp_path: Path, ckpt: str, kind: str, *more: Any) -> Any:
    data = trained.label_map.parent
    return build_trial_config(
        TrialOptions(
            pipeline_config=str(TINY_CONFIG),
            trial_dir=str(tmp_path / "t-warm"),
            num_train_steps=20,
            checkpoint_every_n=10,
            metric=METRIC,
            objective=ObjectiveType.MAXIMIZE,
            overrides=(
                (f"{LR_PATH}.warmup_steps", 5),
                (CKPT, ckpt),
                (f"{CKPT}_type", kind),
                (f"{CKPT}_version", "V2"),
                *more,
            ),
            train_input=str(data / "train-*.tfrecord"),
            eval_input=trained.eval_input,
            label_map=str(trained.label_map),
        )
    )


def _refusal(config: Any) -> str:
    with pytest.raises(InputError) as info:
        preflight(config)
    (message,) = info.value.messages
    return message


def _save(root: dict[str, Any], prefix: Path) -> str:
    tf = load_tensorflow()
    return str(tf.train.Checkpoint(**root).write(str(prefix)))


def test_a_detection_checkpoint_of_the_same_model_passes(trained: Trained, tmp_path: Path) -> None:
    preflight(_config(trained, tmp_path, trained.checkpoint(20), "detection"))


def test_full_needs_the_same_num_classes_detection_does_not(
    trained: Trained, tmp_path: Path
) -> None:
    ckpt = trained.checkpoint(20)
    five = ("model.ssd.num_classes", 5)
    preflight(_config(trained, tmp_path, ckpt, "detection", five))
    message = _refusal(_config(trained, tmp_path, ckpt, "full", five))
    head = "model/_box_predictor/_prediction_heads/class_predictions_with_background"
    assert message.startswith(
        f"{CKPT}: 12 of 324 variables a 'full' warm start restores do not match {ckpt!r}: {head}/"
    ), message
    # 4 anchors x (5 classes + background) vs 4 x (3 + 1) outputs per location.
    assert (
        f"{head}/0/_class_predictor_layers/0/kernel shape (3,3,192,24) vs (3,3,192,16) in the "
        f"checkpoint; {head}/0/_class_predictor_layers/0/bias shape (24) vs (16) in the "
        "checkpoint; "
    ) in message, message
    assert message.endswith(
        "; fix: use a checkpoint of the same model (num_classes included) or "
        "fineTuneCheckpointType: detection"
    ), message


def test_another_depth_multiplier_is_refused_before_training(
    trained: Trained, tmp_path: Path
) -> None:
    # The same SSD at depth_multiplier 0.5 instead of 0.35: built and saved, not trained.
    wide = ("model.ssd.feature_extractor.depth_multiplier", 0.5)
    other = warmstart.build_model(_config(trained, tmp_path, trained.checkpoint(20), "full", wide))
    ckpt = _save({"model": other}, tmp_path / "wide" / "ckpt-0")
    message = _refusal(_config(trained, tmp_path, ckpt, "detection"))
    assert message.startswith(
        f"{CKPT}: 200 of 300 variables a 'detection' warm start restores do not match "
        f"{ckpt!r}: model/_feature_extractor/classification_backbone/layer_with_weights-40/"
        "kernel shape (1,1,96,24) vs (1,1,96,32) in the checkpoint; "
    ), message
    assert message.endswith(
        "; ...; fix: use a checkpoint of the same feature extractor (type, depth_multiplier, "
        "min_depth, FPN levels) or fineTuneCheckpointType: classification"
    ), message
    assert message.count(" in the checkpoint") == 3  # the first three, then "..."


def test_classification_needs_a_backbone_only_checkpoint(trained: Trained, tmp_path: Path) -> None:
    tf = load_tensorflow()
    detection_ckpt = trained.checkpoint(20)
    config = _config(trained, tmp_path, detection_ckpt, "classification")
    # The backbone of the trained model, saved the way the OD API restores a
    # classification checkpoint: tf.train.Checkpoint(feature_extractor=<backbone>).
    model = warmstart.build_model(config)
    tf.train.Checkpoint(model=model).read(detection_ckpt).expect_partial()
    backbone = model._feature_extractor.classification_backbone
    ckpt = _save({"feature_extractor": backbone}, tmp_path / "backbone" / "ckpt-0")
    preflight(_config(trained, tmp_path, ckpt, "classification"))

    # A whole detection checkpoint has no feature_extractor/ keys.
    message = _refusal(config)
    assert message.startswith(
        f"{CKPT}: 260 of 260 variables a 'classification' warm start restores do not match "
        f"{detection_ckpt!r}: feature_extractor/layer_with_weights-0/kernel not in the "
        "checkpoint; "
    ), message
    # And the backbone-only checkpoint is no detection checkpoint.
    assert _refusal(_config(trained, tmp_path, ckpt, "detection")) == (
        f"{CKPT}: {ckpt!r} is laid out for 'classification' (its keys start with "
        "feature_extractor/), not 'detection'; set fineTuneCheckpointType: classification "
        "or use a detection checkpoint"
    )


@pytest.mark.parametrize("kind", ["detection", "classification", "full"])
def test_variable_keys_are_the_keys_tensorflow_writes(
    trained: Trained, tmp_path: Path, kind: str
) -> None:
    tf = load_tensorflow()
    model = warmstart.build_model(_config(trained, tmp_path, trained.checkpoint(20), kind))
    restore_map = model.restore_from_objects(fine_tune_checkpoint_type=kind)
    written = _save(restore_map, tmp_path / kind / "ckpt-0")
    saved = {
        k: tuple(shape)
        for k, shape in tf.train.list_variables(written)
        if k.endswith("/.ATTRIBUTES/VARIABLE_VALUE")
    }
    assert warmstart.variable_keys(tf, restore_map) == saved
    assert len(saved) > 100


def test_odconfig_rule_refuses_before_the_model_is_built(trained: Trained, tmp_path: Path) -> None:
    config = _config(trained, tmp_path, trained.checkpoint(20), "fine_tune")
    assert _refusal(config) == odconfig.fine_tune_problems(config)[0]
