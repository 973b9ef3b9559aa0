"""spec.fineTuneCheckpoint / spec.fineTuneCheckpointType: parsing, refusals, round trip."""

from __future__ import annotations

import pytest
from spec_fixtures import errors, exact_line, parse, valid_doc

from odsweep.errors import InputError
from odsweep.spec import CheckpointType, WarmStart, parse_spec, spec_to_dict, summarize


def _doc(**keys: object) -> dict[str, object]:
    doc = valid_doc()
    doc["spec"].update(keys)
    return doc


def test_relative_checkpoint_resolves_against_the_yaml_folder() -> None:
    spec = parse(_doc(fineTuneCheckpoint="ckpt/ckpt-20", fineTuneCheckpointType="detection"))
    assert spec.warm_start == WarmStart("/work/specs/ckpt/ckpt-20", CheckpointType.DETECTION)


def test_gs_checkpoint_is_kept_as_written() -> None:
    spec = parse(_doc(fineTuneCheckpoint="gs://b/zoo/ckpt-0", fineTuneCheckpointType="full"))
    assert spec.warm_start == WarmStart("gs://b/zoo/ckpt-0", CheckpointType.FULL)


def test_no_keys_no_warm_start() -> None:
    assert parse(valid_doc()).warm_start is None


def test_the_type_is_required_with_a_checkpoint() -> None:
    with pytest.raises(
        InputError,
        match=exact_line(
            "spec.fineTuneCheckpointType: is required with spec.fineTuneCheckpoint; add "
            "fineTuneCheckpointType: detection (backbone and feature layers), classification "
            "(backbone only) or full (the whole model)"
        ),
    ):
        parse(_doc(fineTuneCheckpoint="ckpt/ckpt-20"))


def test_a_type_without_a_checkpoint_is_refused() -> None:
    with pytest.raises(
        InputError,
        match=exact_line(
            "spec.fineTuneCheckpointType: needs spec.fineTuneCheckpoint, got 'full'; add "
            "spec.fineTuneCheckpoint: <checkpoint prefix> or remove spec.fineTuneCheckpointType"
        ),
    ):
        parse(_doc(fineTuneCheckpointType="full"))


def test_an_unknown_type_is_refused_with_a_suggestion() -> None:
    with pytest.raises(
        InputError,
        match=exact_line(
            "spec.fineTuneCheckpointType: must be one of detection, classification, full, "
            "fine_tune, got 'detections'; did you mean 'detection'?"
        ),
    ):
        parse(_doc(fineTuneCheckpoint="c/ckpt-0", fineTuneCheckpointType="detections"))


@pytest.mark.parametrize(
    "path",
    [
        "train_config.fine_tune_checkpoint",
        "train_config.fine_tune_checkpoint_type",
        "train_config.fine_tune_checkpoint_version",
        "train_config.from_detection_checkpoint",
    ],
)
def test_a_parameter_may_not_set_the_warm_start(path: str) -> None:
    doc = valid_doc()
    doc["spec"]["parameters"][1]["configPath"] = path
    assert (
        f"spec.parameters[1].configPath: is part of the warm start, which is fixed for the "
        f"whole search, not searched, got {path!r}; set spec.fineTuneCheckpoint and "
        "spec.fineTuneCheckpointType instead"
    ) in errors(doc)


def test_overrides_may_not_set_it_twice() -> None:
    doc = _doc(fineTuneCheckpoint="c/ckpt-0", fineTuneCheckpointType="detection")
    doc["spec"]["overrides"]["train_config.fine_tune_checkpoint_type"] = "full"
    assert errors(doc) == [
        "spec.overrides.train_config.fine_tune_checkpoint_type: is also set by "
        "spec.fineTuneCheckpoint, got 'full'; remove it from spec.overrides "
        "(spec.fineTuneCheckpoint and spec.fineTuneCheckpointType set the warm start)"
    ]


def test_overrides_alone_still_set_the_fields() -> None:
    # Clearing a zoo config's PATH_TO_BE_CONFIGURED checkpoint is an override's job.
    doc = valid_doc()
    doc["spec"]["overrides"]["train_config.fine_tune_checkpoint"] = ""
    assert parse(doc).overrides["train_config.fine_tune_checkpoint"] == ""


def test_round_trip_keeps_the_warm_start() -> None:
    spec = parse(_doc(fineTuneCheckpoint="ckpt/ckpt-20", fineTuneCheckpointType="classification"))
    again = parse_spec(spec_to_dict(spec), source=spec.source, base_dir="/elsewhere")
    assert again == spec


def test_the_summary_names_it() -> None:
    spec = parse(_doc(fineTuneCheckpoint="ckpt/ckpt-20", fineTuneCheckpointType="full"))
    assert summarize(spec).splitlines()[-1] == "  warm start (full): /work/specs/ckpt/ckpt-20"
    assert "warm start" not in summarize(parse(valid_doc()))
