"""Keypoint tasks (CenterNet): whether a label map defines keypoints, and the overrides
that drop every keypoint setting from a config whose data has none."""

from __future__ import annotations

import os
from typing import Any

from google.protobuf import text_format
from object_detection.protos import string_int_label_map_pb2

from odsweep import storage
from odsweep.errors import InputError


def label_map_has_keypoints(path: str | os.PathLike[str]) -> bool:
    """True when any item of a ``label_map.pbtxt`` lists ``keypoints``.

    Raises:
        InputError: Missing/unreadable/invalid file (names the path).
    """
    name = os.fspath(path)
    text = storage.read_text(name, key="label map")
    label_map = string_int_label_map_pb2.StringIntLabelMap()
    try:
        text_format.Merge(text, label_map)
    except (text_format.ParseError, ValueError) as exc:
        reason = " ".join(str(exc).split())
        raise InputError(
            f"{name}: not a valid label map (StringIntLabelMap text proto): {reason}"
        ) from exc
    return any(len(item.keypoints) > 0 for item in label_map.item)


def has_keypoint_tasks(config: Any) -> bool:
    """The config's model carries keypoint estimation tasks."""
    return config.model.WhichOneof("model") == "center_net" and bool(
        config.model.center_net.keypoint_estimation_task
    )


def keypoint_drop_overrides(config: Any) -> dict[str, object]:
    """``{config path: value}`` that remove every keypoint setting the config writes.

    The tasks themselves, the keypoint label map, the readers' ``num_keypoints``, the
    flip/rotation permutations of the augmentations and the eval's keypoint edges; the
    empty list on a repeated message field removes its elements.
    """
    drops: dict[str, object] = {}
    if has_keypoint_tasks(config):
        drops["model.center_net.keypoint_estimation_task"] = []
    model = config.model
    if model.WhichOneof("model") == "center_net" and model.center_net.keypoint_label_map_path:
        drops["model.center_net.keypoint_label_map_path"] = ""
    readers = [("train_input_reader", config.train_input_reader)] + [
        (f"eval_input_reader[{i}]", r) for i, r in enumerate(config.eval_input_reader)
    ]
    for key, reader in readers:
        if reader.num_keypoints:
            drops[f"{key}.num_keypoints"] = 0
    for i, option in enumerate(config.train_config.data_augmentation_options):
        which = option.WhichOneof("preprocessing_step")
        if which is None:
            continue
        step = getattr(option, which)
        for field in step.DESCRIPTOR.fields:
            is_permutation = field.name.startswith("keypoint_") and field.name.endswith(
                "permutation"
            )
            if is_permutation and len(getattr(step, field.name)):
                path = f"train_config.data_augmentation_options[{i}].{which}.{field.name}"
                drops[path] = []
    if len(config.eval_config.keypoint_edge):
        drops["eval_config.keypoint_edge"] = []
    return drops
