"""Pre-flight: a config that trains keypoints or instance masks needs them in the data.

Zoo CenterNet configs carry COCO person-keypoint settings (``keypoint_estimation_task``,
the input reader's ``num_keypoints: 17``) and Mask R-CNN configs a mask head with
``load_instance_masks``. On data without those annotations the OD API fails only
after the model is built (for keypoints "keypoints are provided but
keypoints_flip_permutation is not provided", minutes in on a big model), so the
trial checks the first records of each reader that needs them, and names the fix: the
spec ``overrides`` that switch the annotations off, built from what this config sets.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

from odsweep import odconfig, storage
from odsweep.trial.datacheck import _sample, readers

logger = logging.getLogger(__name__)

KEYPOINT_FEATURE = "image/object/keypoint/x"
MASK_FEATURE = "image/object/mask"
_MASK_METRICS = "coco_mask_metrics"


def _yaml_map(fix: dict[str, object]) -> str:
    def show(value: object) -> str:
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, list):
            return "[" + ", ".join(show(v) for v in value) + "]"
        if isinstance(value, str):
            return f'"{value}"'
        return str(value)

    return "{" + ", ".join(f"{k}: {show(v)}" for k, v in fix.items()) + "}"


def keypoint_fix(config: Any) -> dict[str, object]:
    """The overrides that remove every keypoint setting this config has (the same drop
    ``odsweep init`` writes: ``odconfig.keypoint_drop_overrides``)."""
    return odconfig.keypoint_drop_overrides(config)


def mask_fix(config: Any) -> dict[str, object]:
    """The overrides that make this config train and evaluate boxes only."""
    fix: dict[str, object] = {}
    if config.model.WhichOneof("model") == "faster_rcnn":
        faster = config.model.faster_rcnn
        if faster.number_of_stages == 3:
            fix["model.faster_rcnn.number_of_stages"] = 2
        predictor = faster.second_stage_box_predictor
        if predictor.mask_rcnn_box_predictor.predict_instance_masks:
            path = "model.faster_rcnn.second_stage_box_predictor.mask_rcnn_box_predictor"
            fix[f"{path}.predict_instance_masks"] = False
    for key, reader in readers(config):
        if reader.load_instance_masks:
            fix[f"{key}.load_instance_masks"] = False
    if config.eval_config.eval_instance_masks:
        fix["eval_config.eval_instance_masks"] = False
    metrics = list(config.eval_config.metrics_set)
    if _MASK_METRICS in metrics:
        fix["eval_config.metrics_set"] = [m for m in metrics if m != _MASK_METRICS] or [
            "coco_detection_metrics"
        ]
    return fix


def _wants_keypoints(config: Any, reader: Any) -> bool:
    tasks = 0
    if config.model.WhichOneof("model") == "center_net":
        tasks = len(config.model.center_net.keypoint_estimation_task)
    return bool(reader.num_keypoints or tasks)


def _wants_masks(config: Any, reader: Any) -> bool:
    predicts = False
    if config.model.WhichOneof("model") == "faster_rcnn":
        box = config.model.faster_rcnn.second_stage_box_predictor
        predicts = box.mask_rcnn_box_predictor.predict_instance_masks
    return bool(reader.load_instance_masks or predicts)


def _has_feature(records: Iterable[bytes], feature: str) -> bool:
    from odsweep.tfcompat import load_tensorflow

    tf = load_tensorflow()
    for record in records:
        example = tf.train.Example()
        example.ParseFromString(record)
        found = example.features.feature.get(feature)
        if found is not None and (found.bytes_list.value or found.float_list.value):
            return True
    return False


def _first_shard(reader: Any) -> str | None:
    for pattern in reader.tf_record_input_reader.input_path:
        paths = storage.glob(pattern)
        if paths:
            return sorted(paths)[0]
    return None


def check_annotations(config: Any) -> list[str]:
    """One line per input reader whose data lacks the keypoints or masks the config
    trains on. Call it once the data paths resolve and the records are whole."""
    problems: list[str] = []
    checks = (
        ("keypoints", KEYPOINT_FEATURE, _wants_keypoints, keypoint_fix, "keypoint settings"),
        ("instance masks", MASK_FEATURE, _wants_masks, mask_fix, "mask settings"),
    )
    for what, feature, wants, fix_of, settings in checks:
        for key, reader in readers(config):
            if not wants(config, reader):
                continue
            shard = _first_shard(reader)
            if shard is None or _has_feature(_sample(shard, key), feature):
                continue
            problems.append(
                f"{key}: the config trains with {what} but the data has none (no {feature} "
                f"in the first records of {shard}); add them to the data, or drop the "
                f"{settings} in the spec: overrides: {_yaml_map(fix_of(config))}"
            )
            break  # one line per kind: the fix already covers every reader
    return problems
