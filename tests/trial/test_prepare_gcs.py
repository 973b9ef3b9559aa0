"""Pre-flight on gs:// data: checked through odsweep.storage against a real GCS server,
not skipped (TensorFlow reads the same paths later, itself)."""

from __future__ import annotations

import pytest

from odsweep.errors import InputError
from odsweep.spec import ObjectiveType
from odsweep.trial.options import TrialOptions
from odsweep.trial.prepare import build_trial_config, preflight
from tests.gcs_fixtures import GcsBucket, gcs, gcs_server, upload_search_space

__all__ = ["gcs", "gcs_server"]


def _opts(gcs: GcsBucket, **kw: object) -> TrialOptions:
    base: dict[str, object] = dict(
        pipeline_config=gcs.uri("specs/base.config"),
        trial_dir=gcs.uri("out/trials/t-1"),
        num_train_steps=40,
        checkpoint_every_n=10,
        metric="DetectionBoxes_Precision/mAP",
        objective=ObjectiveType.MAXIMIZE,
        train_input=gcs.uri("specs/data/train-*.tfrecord"),
        eval_input=gcs.uri("specs/data/eval-?????-of-00001.tfrecord"),
        label_map=gcs.uri("specs/data/label_map.pbtxt"),
    )
    base.update(kw)
    return TrialOptions(**base)  # type: ignore[arg-type]


def test_gs_data_that_exists_passes(gcs: GcsBucket) -> None:
    upload_search_space(gcs)
    config = build_trial_config(_opts(gcs))
    preflight(config)
    # The effective config hands TensorFlow the gs:// paths unchanged.
    reader = config.train_input_reader
    assert list(reader.tf_record_input_reader.input_path) == [
        gcs.uri("specs/data/train-*.tfrecord")
    ]
    assert reader.label_map_path == gcs.uri("specs/data/label_map.pbtxt")


def test_missing_gs_data_label_map_and_checkpoint_are_reported(gcs: GcsBucket) -> None:
    upload_search_space(gcs)
    config = build_trial_config(
        _opts(
            gcs,
            train_input=gcs.uri("specs/data/nope-*.tfrecord"),
            label_map=gcs.uri("specs/data/nope.pbtxt"),
            overrides=(("train_config.fine_tune_checkpoint", gcs.uri("ckpt/ckpt-0")),),
        )
    )
    with pytest.raises(InputError) as info:
        preflight(config)
    assert info.value.messages == (
        "train_input_reader.tf_record_input_reader.input_path: no file matches "
        "'gs://odsweep-test/specs/data/nope-*.tfrecord'; check the path or generate the demo "
        "data (odsweep demo-data)",
        "train_input_reader.label_map_path: file not found, got "
        "'gs://odsweep-test/specs/data/nope.pbtxt'",
        "eval_input_reader[0].label_map_path: file not found, got "
        "'gs://odsweep-test/specs/data/nope.pbtxt'",
        "train_config.fine_tune_checkpoint: no checkpoint at 'gs://odsweep-test/ckpt/ckpt-0'; "
        "point it at a checkpoint prefix (ckpt-0) or clear it with "
        "--set train_config.fine_tune_checkpoint=",
    )


def test_a_gs_checkpoint_prefix_that_exists_is_read_through_storage(gcs: GcsBucket) -> None:
    # Found, then its index fetched through odsweep.storage (TensorFlow's own gs://
    # client ignores the emulator) and read: an empty index is refused as unreadable.
    upload_search_space(gcs)
    gcs.put("ckpt/ckpt-0.index", b"")
    gcs.put("ckpt/ckpt-0.data-00000-of-00001", b"")
    ckpt = (("train_config.fine_tune_checkpoint", gcs.uri("ckpt/ckpt-0")),)
    kind = (
        ("train_config.fine_tune_checkpoint_type", "detection"),
        ("train_config.fine_tune_checkpoint_version", "V2"),
    )
    with pytest.raises(
        InputError,
        match=r"^train_config.fine_tune_checkpoint: cannot read checkpoint "
        r"'gs://odsweep-test/ckpt/ckpt-0' \(",
    ):
        preflight(build_trial_config(_opts(gcs, overrides=ckpt + kind)))
