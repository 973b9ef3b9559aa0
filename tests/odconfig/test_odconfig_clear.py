"""An override may empty a whole repeated message field with the value ``[]``.

A zoo CenterNet config carries COCO person-keypoint tasks; on data without keypoints the
fix is to drop them, which must be expressible in the spec's ``overrides``.
"""

from __future__ import annotations

from typing import Any

import pytest

from odsweep.errors import InputError
from odsweep.odconfig import apply_overrides, parse_pipeline_config, resolve_field

CENTERNET = """
model { center_net {
  num_classes: 3
  feature_extractor { type: "resnet_v1_18_fpn" }
  keypoint_estimation_task { task_name: "human_pose" keypoint_class_name: "/m/01g317" }
  keypoint_estimation_task { task_name: "hands" keypoint_class_name: "/m/01g317" }
} }
train_config { batch_size: 2 }
"""
TASKS = "model.center_net.keypoint_estimation_task"


@pytest.fixture
def centernet() -> Any:
    return parse_pipeline_config(CENTERNET, source="centernet.config")


@pytest.mark.parametrize("empty", [[], (), "[]", " [ ] "])
def test_the_empty_list_removes_every_element(centernet: Any, empty: object) -> None:
    out = apply_overrides(centernet, {TASKS: empty})
    assert len(out.model.center_net.keypoint_estimation_task) == 0
    # The rest of the config is untouched, and so is the input.
    assert out.model.center_net.feature_extractor.type == "resnet_v1_18_fpn"
    assert len(centernet.model.center_net.keypoint_estimation_task) == 2


def test_any_repeated_message_field_clears(tiny: Any) -> None:
    assert len(tiny.train_config.data_augmentation_options) == 2
    out = apply_overrides(tiny, {"train_config.data_augmentation_options": []})
    assert len(out.train_config.data_augmentation_options) == 0


def test_clearing_an_already_empty_field_is_fine(tiny: Any) -> None:
    out = apply_overrides(tiny, {"eval_config.keypoint_edge": []})
    assert len(out.eval_config.keypoint_edge) == 0


def test_a_non_empty_list_on_a_repeated_message_says_both_ways(centernet: Any) -> None:
    with pytest.raises(
        InputError,
        match=r"^overrides\.model\.center_net\.keypoint_estimation_task: "
        r"'model\.center_net\.keypoint_estimation_task' is a repeated message field with "
        r"2 element\(s\); give an index, e\.g\. 'model\.center_net\.keypoint_estimation_task"
        r"\[0\]', or the value \[\] to remove them all$",
    ):
        apply_overrides(centernet, {TASKS: ["x"]}, key_prefix="overrides.")


def test_an_empty_list_on_a_scalar_list_still_replaces_it(tiny: Any) -> None:
    path = "model.ssd.anchor_generator.ssd_anchor_generator.aspect_ratios"
    assert resolve_field(tiny, path, clearing=True).kind.value == "float"
    out = apply_overrides(tiny, {path: []})
    assert list(out.model.ssd.anchor_generator.ssd_anchor_generator.aspect_ratios) == []


def test_an_empty_list_on_a_singular_message_is_refused(tiny: Any) -> None:
    with pytest.raises(
        InputError,
        match=r"^model\.ssd\.feature_extractor: 'model\.ssd\."
        r"feature_extractor' is a message \(SsdFeatureExtractor\), not a value",
    ):
        apply_overrides(tiny, {"model.ssd.feature_extractor": []})


def test_a_parameter_path_never_clears(centernet: Any) -> None:
    # Only an empty-list override clears; resolving for a parameter refuses the path.
    with pytest.raises(InputError, match=r"give an index"):
        resolve_field(centernet, TASKS)
