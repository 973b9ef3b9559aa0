"""What the verification saw, as boxes the report can draw: ground truth and predictions.

The ground truth is decoded from the same ``tf.train.Example`` records the model was run
on (the OD API's ``image/object/*`` features); class ids become names through the label
map the trial evaluated with, so both sides are labelled alike.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from odsweep.errors import InputError
from odsweep.results import Box

_BOX_KEYS = ("ymin", "xmin", "ymax", "xmax")


def label_names(label_map_path: str) -> dict[int, str]:
    """Class id -> name (its ``display_name`` when set, as the eval names classes).

    Raises:
        InputError: The label map cannot be read or parsed (names the path).
    """
    from object_detection.utils import label_map_util

    try:
        index = label_map_util.create_category_index_from_labelmap(label_map_path)
    except Exception as exc:  # the OD API raises parse errors of several types
        raise InputError(
            f"label_map_path: cannot read {label_map_path!r} ({type(exc).__name__}: "
            f"{' '.join(str(exc).split())[:200]}); pass the label map the trial used"
        ) from None
    return {int(key): str(value["name"]) for key, value in index.items()}


def _name(names: Mapping[int, str], class_id: int, text: str = "") -> str:
    return names.get(class_id) or text or f"class {class_id}"


def truth_boxes(tf: Any, serialized: bytes, names: Mapping[int, str]) -> tuple[Box, ...]:
    """The ground-truth boxes of one serialized Example (none if it has no boxes)."""
    features = {f"image/object/bbox/{k}": tf.io.VarLenFeature(tf.float32) for k in _BOX_KEYS}
    features["image/object/class/label"] = tf.io.VarLenFeature(tf.int64)
    features["image/object/class/text"] = tf.io.VarLenFeature(tf.string)
    parsed = tf.io.parse_single_example(serialized, features)
    dense = {key: tf.sparse.to_dense(value).numpy() for key, value in parsed.items()}
    corners = [dense[f"image/object/bbox/{k}"] for k in _BOX_KEYS]
    labels = list(dense["image/object/class/label"])
    texts = [t.decode("utf-8", "replace") for t in dense["image/object/class/text"]]
    out = []
    for i in range(min(len(c) for c in corners)):
        class_id = int(labels[i]) if i < len(labels) else 0
        text = texts[i] if i < len(texts) else ""
        ymin, xmin, ymax, xmax = (float(c[i]) for c in corners)
        out.append(Box(ymin, xmin, ymax, xmax, _name(names, class_id, text)))
    return tuple(out)


def predicted_boxes(
    result: Mapping[str, Any], names: Mapping[int, str], min_score: float
) -> tuple[Box, ...]:
    """The model's boxes for one image (batch of one) scoring at least ``min_score``.

    The OD API exporter's ``detection_classes`` are label-map ids (offset already added).
    """
    boxes = result["detection_boxes"].numpy().reshape(-1, 4)
    classes = result["detection_classes"].numpy().reshape(-1)
    scores = result["detection_scores"].numpy().reshape(-1)
    out = []
    for box, class_id, score in zip(boxes, classes, scores, strict=False):
        if float(score) >= min_score:
            ymin, xmin, ymax, xmax = (float(v) for v in box)
            out.append(Box(ymin, xmin, ymax, xmax, _name(names, int(class_id)), float(score)))
    return tuple(out)
