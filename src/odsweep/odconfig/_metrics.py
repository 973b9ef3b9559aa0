"""Metric names the OD API's TF2 eval loop writes for a given config.

Sources (tf-object-detection-api 0.1, the TF2 code): ``eval_util.get_evaluators``
(``metrics_set``, default ``coco_detection_metrics``), ``metrics/coco_tools.py``
``COCO_METRIC_NAMES_AND_INDEX`` prefixed by ``metrics/coco_evaluation.py``,
``utils/object_detection_evaluation.py`` (Pascal family), and the loss keys of
``model_lib_v2.eager_eval_loop``: each meta-architecture's ``loss()`` dict plus
``Loss/regularization_loss`` (when ``train_config.add_regularization_loss`` and the
model has regularizers) and ``Loss/total_loss``.

Only names that are certain are listed. Per-category metrics (which depend on the
label map and ``include_metrics_per_category``), keypoint/LVIS/OpenImages/panoptic
metrics and the losses of optional CenterNet heads are not guessed, so the eval
may write names beyond this set, never fewer.
"""

from __future__ import annotations

from typing import Any

_DEFAULT_METRICS_SET = "coco_detection_metrics"
_COCO_SUFFIXES = (
    "Precision/mAP",
    "Precision/mAP@.50IOU",
    "Precision/mAP@.75IOU",
    "Precision/mAP (small)",
    "Precision/mAP (medium)",
    "Precision/mAP (large)",
    "Recall/AR@1",
    "Recall/AR@10",
    "Recall/AR@100",
    "Recall/AR@100 (small)",
    "Recall/AR@100 (medium)",
    "Recall/AR@100 (large)",
)
_COCO_PREFIXES = {
    "coco_detection_metrics": "DetectionBoxes_",
    "coco_mask_metrics": "DetectionMasks_",
}
# The Pascal-style evaluators are built with the default matching IoU of 0.5,
# which str.format renders as "0.5".
_PASCAL_PREFIXES = {
    "pascal_voc_detection_metrics": "PascalBoxes_",
    "weighted_pascal_voc_detection_metrics": "WeightedPascalBoxes_",
    "pascal_voc_instance_segmentation_metrics": "PascalMasks_",
    "weighted_pascal_voc_instance_segmentation_metrics": "WeightedPascalMasks_",
}
_PASCAL_IOU = 0.5
_TOTAL_LOSS = "Loss/total_loss"
_REGULARIZATION_LOSS = "Loss/regularization_loss"
_HYPERPARAMS = "object_detection.protos.Hyperparams"


def _evaluator_metric_names(metrics_set: str, eval_config: Any) -> set[str]:
    if metrics_set in _COCO_PREFIXES:
        return {_COCO_PREFIXES[metrics_set] + suffix for suffix in _COCO_SUFFIXES}
    if metrics_set in _PASCAL_PREFIXES:
        return {f"{_PASCAL_PREFIXES[metrics_set]}Precision/mAP@{_PASCAL_IOU}IOU"}
    if metrics_set == "precision_at_recall_detection_metrics":
        low = float(eval_config.recall_lower_bound)
        high = float(eval_config.recall_upper_bound)
        name = f"PrecisionAtRecallBoxes_Precision/mAP@{_PASCAL_IOU}IOU"
        if low > 0.0 or high < 1.0:
            name += f"@[{low:.1f},{high:.1f}]Recall"
        return {name}
    return set()  # unknown or not modelled: guess nothing


def _ssd_losses(ssd: Any) -> set[str]:
    return {"Loss/localization_loss", "Loss/classification_loss"}


def _faster_rcnn_losses(frcnn: Any) -> set[str]:
    names = {"Loss/RPNLoss/localization_loss", "Loss/RPNLoss/objectness_loss"}
    # number_of_stages == 1 trains/evaluates the RPN only.
    if frcnn.number_of_stages > 1:
        names |= {
            "Loss/BoxClassifierLoss/localization_loss",
            "Loss/BoxClassifierLoss/classification_loss",
        }
        predictor = frcnn.second_stage_box_predictor
        if (
            predictor.WhichOneof("box_predictor_oneof") == "mask_rcnn_box_predictor"
            and predictor.mask_rcnn_box_predictor.predict_instance_masks
        ):
            names.add("Loss/BoxClassifierLoss/mask_loss")
    return names


def _center_net_losses(center_net: Any) -> set[str]:
    names = {"Loss/object_center"}
    if center_net.HasField("object_detection_task"):
        names |= {"Loss/box/scale", "Loss/box/offset"}
    for task in center_net.keypoint_estimation_task:
        for head in ("heatmap", "offset", "regression"):
            names.add(f"Loss/{task.task_name}/keypoint/{head}")
        if task.predict_depth:
            names.add(f"Loss/{task.task_name}/keypoint/depth")
    return names


def _model_losses(config: Any) -> set[str]:
    arch = config.model.WhichOneof("model")
    names = {_TOTAL_LOSS}
    if arch == "ssd":
        names |= _ssd_losses(config.model.ssd)
    elif arch == "faster_rcnn":
        names |= _faster_rcnn_losses(config.model.faster_rcnn)
    elif arch == "center_net":
        # CenterNetMetaArch.regularization_losses() is empty: no regularization loss.
        return names | _center_net_losses(config.model.center_net)
    else:
        return names
    if config.train_config.add_regularization_loss and _has_regularizer(config.model):
        names.add(_REGULARIZATION_LOSS)
    return names


def _has_regularizer(message: Any) -> bool:
    """True if any set ``Hyperparams`` below ``message`` selects a regularizer.

    The Keras layers built from such hyperparams carry a kernel regularizer, so the
    model's ``regularization_losses()`` is non-empty and the eval loop reports
    ``Loss/regularization_loss``; without one the name may or may not appear.
    """
    if message.DESCRIPTOR.full_name == _HYPERPARAMS:
        return bool(message.regularizer.WhichOneof("regularizer_oneof"))
    for fd, value in message.ListFields():
        if fd.message_type is None or fd.message_type.GetOptions().map_entry:
            continue
        children = value if fd.is_repeated else [value]
        if any(_has_regularizer(child) for child in children):
            return True
    return False


def eval_metric_names(config: Any) -> frozenset[str]:
    """The metric names the configured evaluation is certain to write.

    For each ``eval_config.metrics_set`` entry (``coco_detection_metrics`` when the
    list is empty): the evaluator's summary metrics, e.g.
    ``DetectionBoxes_Precision/mAP``; plus the eval loss names of the selected
    meta-architecture (``Loss/total_loss`` always). Unknown metric sets add nothing.

    Args:
        config: A ``TrainEvalPipelineConfig``.

    Returns:
        The names; the eval may write more (per-category metrics are not guessed).
    """
    eval_config = config.eval_config
    names: set[str] = set()
    for metrics_set in list(eval_config.metrics_set) or [_DEFAULT_METRICS_SET]:
        names |= _evaluator_metric_names(metrics_set, eval_config)
    return frozenset(names | _model_losses(config))
