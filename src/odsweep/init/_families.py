"""Knobs specific to each meta-architecture: SSD, Faster/Mask R-CNN, CenterNet."""

from __future__ import annotations

from typing import Any

from odsweep.init._collect import Collector, Knob, round4

# Score thresholds below this keep every detection, which is what mAP wants: not searched.
_MEANINGFUL_SCORE = 1e-4


def _l2(out: Collector, name: str, path: str, hyperparams: Any, where: str) -> None:
    if hyperparams.regularizer.WhichOneof("regularizer_oneof") != "l2_regularizer":
        return
    weight = float(hyperparams.regularizer.l2_regularizer.weight)
    out.log_range(
        name,
        f"{path}.regularizer.l2_regularizer.weight",
        weight,
        10,
        f"L2 weight decay of the {where}, {weight:g} in the config; x10 either side.",
    )


def ssd(ssd: Any, out: Collector) -> None:
    base = "model.ssd"
    _l2(
        out,
        "l2_backbone",
        f"{base}.feature_extractor.conv_hyperparams",
        ssd.feature_extractor.conv_hyperparams,
        "backbone",
    )
    predictor = ssd.box_predictor.WhichOneof("box_predictor_oneof")
    if predictor is not None:
        message = getattr(ssd.box_predictor, predictor)
        if "conv_hyperparams" in message.DESCRIPTOR.fields_by_name:
            _l2(
                out,
                "l2_head",
                f"{base}.box_predictor.{predictor}.conv_hyperparams",
                message.conv_hyperparams,
                "box predictor",
            )
    loss = ssd.loss
    cls = loss.classification_loss.WhichOneof("classification_loss")
    if cls == "weighted_sigmoid_focal":
        focal = loss.classification_loss.weighted_sigmoid_focal
        path = f"{base}.loss.classification_loss.weighted_sigmoid_focal"
        out.unit_range(
            "focal_alpha",
            f"{path}.alpha",
            float(focal.alpha),
            0.15,
            f"Focal-loss alpha (positive/negative balance), {focal.alpha:g} here.",
        )
        gamma = float(focal.gamma)
        out.add(
            Knob(
                "focal_gamma",
                f"{path}.gamma",
                "double",
                f"Focal-loss gamma (down-weights easy negatives), {gamma:g} here; +-1.",
                low=round4(max(0.0, gamma - 1)),
                high=round4(gamma + 1),
            )
        )
    out.log_range(
        "localization_weight",
        f"{base}.loss.localization_weight",
        float(loss.localization_weight),
        2,
        "Box-regression loss weight against classification (fixed); half to double.",
    )
    anchors = ssd.anchor_generator.WhichOneof("anchor_generator_oneof")
    path = f"{base}.anchor_generator.{anchors}"
    if anchors == "multiscale_anchor_generator":
        scale = float(ssd.anchor_generator.multiscale_anchor_generator.anchor_scale)
        out.add(
            Knob(
                "anchor_scale",
                f"{path}.anchor_scale",
                "double",
                f"Anchor size per level (x stride), {scale:g} here; +-25% fits objects "
                "a little smaller or larger than COCO's.",
                low=round4(scale * 0.75),
                high=round4(scale * 1.25),
            )
        )
    elif anchors == "ssd_anchor_generator":
        gen = ssd.anchor_generator.ssd_anchor_generator
        low, high = round4(gen.min_scale * 0.5), round4(min(gen.min_scale * 1.5, gen.max_scale))
        if low < high:
            out.add(
                Knob(
                    "anchor_min_scale",
                    f"{path}.min_scale",
                    "double",
                    f"Smallest anchor scale, {gen.min_scale:g} here; tune for small objects.",
                    low=low,
                    high=high,
                )
            )
    if anchors is not None:
        out.skipped.append(
            f"{path}.aspect_ratios is a list: a parameter sets one value; change it under "
            "spec.overrides"
        )
    if ssd.post_processing.HasField("batch_non_max_suppression"):
        _nms(
            out,
            "nms_iou",
            f"{base}.post_processing.batch_non_max_suppression",
            ssd.post_processing.batch_non_max_suppression,
        )


def _nms(out: Collector, name: str, path: str, nms: Any) -> None:
    iou = float(nms.iou_threshold)
    out.unit_range(
        name,
        f"{path}.iou_threshold",
        iou,
        0.15,
        f"NMS IoU threshold, {iou:g} here: higher keeps more overlapping boxes.",
    )
    score = float(nms.score_threshold)
    if score >= _MEANINGFUL_SCORE:
        out.log_range(
            "score_threshold",
            f"{path}.score_threshold",
            score,
            10,
            f"Detection score threshold, {score:g} here; x10 either side.",
        )
    else:
        out.skipped.append(
            f"{path}.score_threshold is {score:g}: keeping every detection is what mAP rewards"
        )


def faster_rcnn(frcnn: Any, out: Collector) -> None:
    base = "model.faster_rcnn"
    _l2(
        out,
        "l2_rpn",
        f"{base}.first_stage_box_predictor_conv_hyperparams",
        frcnn.first_stage_box_predictor_conv_hyperparams,
        "RPN head",
    )
    for name, field, what in (
        ("rpn_localization_weight", "first_stage_localization_loss_weight", "RPN box loss"),
        ("box_localization_weight", "second_stage_localization_loss_weight", "box-head loss"),
        ("mask_loss_weight", "second_stage_mask_prediction_loss_weight", "mask loss"),
    ):
        value = float(getattr(frcnn, field))
        if field.endswith("mask_prediction_loss_weight") and frcnn.number_of_stages < 3:
            continue
        out.log_range(
            name,
            f"{base}.{field}",
            value,
            2,
            f"Weight of the {what}, {value:g} here; half to double.",
        )
    proposals = int(frcnn.first_stage_max_proposals)
    low = max(proposals // 2, int(frcnn.second_stage_batch_size))
    if low < proposals * 2:
        out.add(
            Knob(
                "max_proposals",
                f"{base}.first_stage_max_proposals",
                "int",
                f"RPN proposals kept per image, {proposals} here (at least "
                f"second_stage_batch_size, {frcnn.second_stage_batch_size}); more is "
                "slower but recalls more.",
                low=low,
                high=proposals * 2,
            )
        )
    out.unit_range(
        "rpn_nms_iou",
        f"{base}.first_stage_nms_iou_threshold",
        float(frcnn.first_stage_nms_iou_threshold),
        0.15,
        f"RPN NMS IoU threshold, {frcnn.first_stage_nms_iou_threshold:g} here.",
    )
    if frcnn.HasField("first_stage_anchor_generator"):
        out.skipped.append(
            f"{base}.first_stage_anchor_generator scales and aspect_ratios are lists: a "
            "parameter sets one value; change them under spec.overrides"
        )
    post = frcnn.second_stage_post_processing
    if post.HasField("batch_non_max_suppression"):
        _nms(
            out,
            "nms_iou",
            f"{base}.second_stage_post_processing.batch_non_max_suppression",
            post.batch_non_max_suppression,
        )


def center_net(cnet: Any, out: Collector) -> None:
    base = "model.center_net"
    task = cnet.object_detection_task
    for name, field, what in (
        ("scale_loss_weight", "scale_loss_weight", "box-size loss"),
        ("offset_loss_weight", "offset_loss_weight", "centre-offset loss"),
    ):
        out.log_range(
            name,
            f"{base}.object_detection_task.{field}",
            float(getattr(task, field)),
            2,
            f"Weight of the {what}, {getattr(task, field):g} here; half to double.",
        )
    centre = cnet.object_center_params
    path = f"{base}.object_center_params"
    out.unit_range(
        "min_box_overlap_iou",
        f"{path}.min_box_overlap_iou",
        float(centre.min_box_overlap_iou),
        0.15,
        "Sets the heatmap's Gaussian radius per box (higher: tighter peaks), "
        f"{centre.min_box_overlap_iou:g} here.",
    )
    loss = centre.classification_loss
    if loss.WhichOneof("classification_loss") == "penalty_reduced_logistic_focal_loss":
        focal = loss.penalty_reduced_logistic_focal_loss
        fpath = f"{path}.classification_loss.penalty_reduced_logistic_focal_loss"
        out.add(
            Knob(
                "heatmap_alpha",
                f"{fpath}.alpha",
                "double",
                f"Heatmap focal-loss alpha, {focal.alpha:g} here; +-1.",
                low=round4(max(0.5, focal.alpha - 1)),
                high=round4(focal.alpha + 1),
            )
        )
        out.add(
            Knob(
                "heatmap_beta",
                f"{fpath}.beta",
                "double",
                f"Heatmap penalty reduction near centres (beta), {focal.beta:g} here; +-2.",
                low=round4(max(0.5, focal.beta - 2)),
                high=round4(focal.beta + 2),
            )
        )
    for i, kp in enumerate(cnet.keypoint_estimation_task):
        out.log_range(
            "keypoint_regression_weight",
            f"{base}.keypoint_estimation_task[{i}].keypoint_regression_loss_weight",
            float(kp.keypoint_regression_loss_weight),
            2,
            f"Keypoint regression loss weight of task {kp.task_name!r}; half to double.",
        )
