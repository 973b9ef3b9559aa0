"""Path rules of resolve_field / apply_overrides: the override contract."""

from __future__ import annotations

import re
from typing import Any

import pytest

from odsweep.errors import InputError
from odsweep.odconfig import (
    FieldKind,
    PathSegment,
    apply_overrides,
    config_to_text,
    parse_path,
    resolve_field,
)

COSINE = "train_config.optimizer.momentum_optimizer.learning_rate.cosine_decay_learning_rate"


def test_resolves_scalar_paths_as_seen_in_the_file(tiny: Any) -> None:
    ref = resolve_field(tiny, f"{COSINE}.learning_rate_base")
    assert ref.kind is FieldKind.FLOAT
    assert not ref.repeated
    assert ref.message_type == "object_detection.protos.CosineDecayLearningRate"
    assert ref.field_name == "learning_rate_base"
    assert ref.segments[-1] == PathSegment("learning_rate_base")

    gamma = resolve_field(tiny, "model.ssd.loss.classification_loss.weighted_sigmoid_focal.gamma")
    assert gamma.kind is FieldKind.FLOAT
    batch = resolve_field(tiny, "train_config.batch_size")
    assert batch.kind is FieldKind.UINT32
    assert batch.type_name == "uint32"


def test_kinds_cover_bool_string_enum_int(tiny: Any) -> None:
    assert resolve_field(tiny, "eval_input_reader[0].shuffle").kind is FieldKind.BOOL
    assert resolve_field(tiny, "train_config.fine_tune_checkpoint").kind is FieldKind.STRING
    assert resolve_field(tiny, "eval_input_reader[0].num_prefetch_batches").kind is FieldKind.INT32
    enum_ref = resolve_field(tiny, "model.ssd.post_processing.score_converter")
    assert enum_ref.kind is FieldKind.ENUM
    assert enum_ref.enum_values == ("IDENTITY", "SIGMOID", "SOFTMAX")
    assert enum_ref.type_name == "enum PostProcessing.ScoreConverter"


def test_field_absent_from_file_but_in_schema_is_created_on_set(tiny: Any) -> None:
    path = "model.ssd.feature_extractor.use_depthwise"
    assert "use_depthwise" not in config_to_text(tiny)
    out = apply_overrides(tiny, {path: True})
    assert out.model.ssd.feature_extractor.use_depthwise is True
    assert "use_depthwise: true" in config_to_text(out)


def test_unset_singular_message_on_the_way_is_created(tiny: Any) -> None:
    tiny.ClearField("eval_config")
    out = apply_overrides(tiny, {"eval_config.batch_size": 2})
    assert out.HasField("eval_config")
    assert out.eval_config.batch_size == 2


def test_unknown_segment_names_type_segment_and_suggestion(tiny: Any) -> None:
    with pytest.raises(
        InputError,
        match=re.escape(
            "overrides.train_config.batch_sise: TrainConfig has no field 'batch_sise'; "
            "did you mean 'batch_size'?"
        ),
    ):
        apply_overrides(tiny, {"train_config.batch_sise": 8}, key_prefix="overrides.")


def test_unknown_segment_deep_in_the_path(tiny: Any) -> None:
    with pytest.raises(
        InputError,
        match=r"SigmoidFocalClassificationLoss has no field 'gama'; did you mean 'gamma'\?",
    ):
        resolve_field(tiny, "model.ssd.loss.classification_loss.weighted_sigmoid_focal.gama")


def test_unknown_segment_without_close_match_lists_valid_names(tiny: Any) -> None:
    with pytest.raises(InputError, match=r"DetectionModel has no field 'zzz'; valid names: "):
        resolve_field(tiny, "model.zzz")


def test_unknown_top_level_segment(tiny: Any) -> None:
    with pytest.raises(InputError, match=r"TrainEvalPipelineConfig has no field 'train_cfg'"):
        resolve_field(tiny, "train_cfg.batch_size")


@pytest.mark.parametrize(
    ("path", "oneof", "selected", "requested"),
    [
        (
            "train_config.optimizer.adam_optimizer.epsilon",
            "optimizer",
            "momentum_optimizer",
            "adam_optimizer",
        ),
        (
            "train_config.optimizer.momentum_optimizer.learning_rate."
            "exponential_decay_learning_rate.decay_steps",
            "learning_rate",
            "cosine_decay_learning_rate",
            "exponential_decay_learning_rate",
        ),
        ("model.faster_rcnn.num_classes", "model", "ssd", "faster_rcnn"),
        (
            "model.ssd.loss.classification_loss.weighted_softmax.logit_scale",
            "classification_loss",
            "weighted_sigmoid_focal",
            "weighted_softmax",
        ),
        (
            "train_config.data_augmentation_options[1].random_horizontal_flip.probability",
            "preprocessing_step",
            "random_adjust_brightness",
            "random_horizontal_flip",
        ),
    ],
)
def test_unselected_oneof_branch_is_refused(
    tiny: Any, path: str, oneof: str, selected: str, requested: str
) -> None:
    before = config_to_text(tiny)
    pattern = (
        rf"oneof '{oneof}' .*selects '{selected}' in the base config but the path enters "
        rf"'{requested}'"
    )
    with pytest.raises(InputError, match=pattern):
        apply_overrides(tiny, {path: 1})
    assert config_to_text(tiny) == before


def test_oneof_with_no_branch_set_is_refused(tiny: Any) -> None:
    # SsdFeatureExtractor.feature_pyramid_oneof (fpn / bifpn) is not set in the fixture.
    with pytest.raises(
        InputError,
        match=r"oneof 'feature_pyramid_oneof' of SsdFeatureExtractor has no branch set.*"
        r"nothing to tune under 'fpn'",
    ):
        resolve_field(tiny, "model.ssd.feature_extractor.fpn.min_level")


def test_oneof_no_branch_because_parent_message_is_absent(tiny: Any) -> None:
    tiny.train_config.ClearField("optimizer")
    with pytest.raises(InputError, match=r"oneof 'optimizer' of Optimizer has no branch set"):
        resolve_field(tiny, "train_config.optimizer.momentum_optimizer.momentum_optimizer_value")


def test_selected_oneof_branch_is_fine(tiny: Any) -> None:
    out = apply_overrides(tiny, {f"{COSINE}.warmup_steps": 10})
    assert out.train_config.optimizer.WhichOneof("optimizer") == "momentum_optimizer"
    lr = out.train_config.optimizer.momentum_optimizer.learning_rate
    assert lr.cosine_decay_learning_rate.warmup_steps == 10


def test_repeated_message_needs_index(tiny: Any) -> None:
    with pytest.raises(
        InputError,
        match=r"'eval_input_reader' is a repeated message field with 2 element\(s\); "
        r"give an index, e\.g\. 'eval_input_reader\[0\]'",
    ):
        resolve_field(tiny, "eval_input_reader.shuffle")


def test_repeated_message_index_out_of_range_says_how_many(tiny: Any) -> None:
    with pytest.raises(
        InputError,
        match=r"index 2 is out of range for 'eval_input_reader', which has 2 element\(s\).*"
        r"valid indexes 0\.\.1",
    ):
        resolve_field(tiny, "eval_input_reader[2].shuffle")


def test_repeated_message_empty_in_base_config(tiny: Any) -> None:
    with pytest.raises(
        InputError,
        match=r"'eval_config.keypoint_edge' is a repeated message field with no elements",
    ):
        resolve_field(tiny, "eval_config.keypoint_edge[0].start")


def test_indexed_repeated_message_is_set_in_that_element_only(tiny: Any) -> None:
    out = apply_overrides(tiny, {"eval_input_reader[1].shuffle": True})
    assert [r.shuffle for r in out.eval_input_reader] == [False, True]


def test_index_on_non_repeated_field(tiny: Any) -> None:
    with pytest.raises(InputError, match=r"'train_config' is not a repeated field; .*\[0\]"):
        resolve_field(tiny, "train_config[0].batch_size")


def test_index_on_repeated_scalar_asks_for_whole_list(tiny: Any) -> None:
    path = "model.ssd.anchor_generator.ssd_anchor_generator.aspect_ratios"
    with pytest.raises(InputError, match=r"is a repeated scalar field; it takes no index \[1\]"):
        resolve_field(tiny, f"{path}[1]")


def test_repeated_scalar_resolves_as_repeated(tiny: Any) -> None:
    ref = resolve_field(tiny, "model.ssd.anchor_generator.ssd_anchor_generator.aspect_ratios")
    assert ref.repeated
    assert ref.kind is FieldKind.FLOAT
    assert ref.type_name == "repeated float"


@pytest.mark.parametrize(
    "value", [[1.0, 2.0, 0.5], (1, "2.0", 0.5), "[1.0,2.0,0.5]", " [ 1.0 , 2.0, 0.5 ] "]
)
def test_repeated_scalar_list_replaces_whole_list(tiny: Any, value: object) -> None:
    path = "model.ssd.anchor_generator.ssd_anchor_generator.aspect_ratios"
    out = apply_overrides(tiny, {path: value})
    assert list(out.model.ssd.anchor_generator.ssd_anchor_generator.aspect_ratios) == [
        1.0,
        2.0,
        0.5,
    ]
    assert list(tiny.model.ssd.anchor_generator.ssd_anchor_generator.aspect_ratios) == [1.0, 2.0]


def test_path_ending_on_message_is_refused(tiny: Any) -> None:
    with pytest.raises(
        InputError,
        match=r"'train_config.optimizer' is a message \(Optimizer\), not a value; extend the "
        r"path to one of its fields: .*'use_moving_average'",
    ):
        resolve_field(tiny, "train_config.optimizer")


def test_path_continuing_past_a_scalar(tiny: Any) -> None:
    with pytest.raises(
        InputError,
        match=r"'train_config.batch_size' is a uint32 field of TrainConfig and has no "
        r"sub-field 'value'",
    ):
        resolve_field(tiny, "train_config.batch_size.value")


def test_map_field_is_refused(tiny: Any) -> None:
    with pytest.raises(InputError, match=r"'eval_config.super_categories' is a map field"):
        resolve_field(tiny, "eval_config.super_categories")


@pytest.mark.parametrize(
    "path",
    [
        "",
        "train_config..batch_size",
        "train_config.",
        "eval_input_reader[-1].shuffle",
        "eval_input_reader[x].shuffle",
        "train_config.batch size",
        "[ext.name].x",
    ],
)
def test_malformed_paths(tiny: Any, path: str) -> None:
    with pytest.raises(InputError, match=r"empty field path|malformed path segment"):
        resolve_field(tiny, path)


def test_non_string_path_key(tiny: Any) -> None:
    bad: Any = {3: 1}
    with pytest.raises(InputError, match=r"^o\.3: field path must be a string, got int$"):
        apply_overrides(tiny, bad, key_prefix="o.")


def test_parse_path_segments() -> None:
    assert parse_path("eval_input_reader[0].shuffle", key="k") == (
        PathSegment("eval_input_reader", 0),
        PathSegment("shuffle"),
    )
    assert str(PathSegment("a", 3)) == "a[3]"


def test_key_defaults_to_path_and_can_be_overridden(tiny: Any) -> None:
    with pytest.raises(InputError, match=r"^train_config\.batch_sise: "):
        resolve_field(tiny, "train_config.batch_sise")
    with pytest.raises(InputError, match=r"^spec\.overrides\[3\]: "):
        resolve_field(tiny, "train_config.batch_sise", key="spec.overrides[3]")


def test_canonical_path_normalises_index(tiny: Any) -> None:
    assert (
        resolve_field(tiny, "eval_input_reader[01].shuffle").path == "eval_input_reader[1].shuffle"
    )
