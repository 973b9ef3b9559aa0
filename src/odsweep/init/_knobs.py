"""The hyperparameters practitioners tune, read off a parsed pipeline.config.

Each :class:`Knob` is centred on the config's own value (the zoo authors tuned it for
their setting; a search explores around it) and carries the one-line reason written
above it in the YAML. Per meta-architecture: SSD, Faster/Mask R-CNN, CenterNet; any
other config gets the learning rate and batch size only.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from odsweep import odconfig

# The fields of a selected schedule that hold its peak learning rate and its warm-up.
_RATE_FIELDS = ("learning_rate_base", "initial_learning_rate", "learning_rate")
_WARMUP_FIELDS = ("warmup_steps", "burnin_steps")
# Score thresholds below this keep every detection, which is what mAP wants: not searched.
_MEANINGFUL_SCORE = 1e-4
KNOWN_ARCHITECTURES = ("ssd", "faster_rcnn", "center_net")


@dataclass(frozen=True)
class Knob:
    """One search parameter: a range (``low``/``high``) or a ``values`` list."""

    name: str
    config_path: str
    parameter_type: str  # double | int | discrete
    why: str
    low: float | int | None = None
    high: float | int | None = None
    values: tuple[int, ...] = ()
    log: bool = False


@dataclass(frozen=True)
class KnobSet:
    """What :func:`knobs_for` found, plus what it saw and left alone (as YAML notes)."""

    knobs: tuple[Knob, ...]
    skipped: tuple[str, ...]


def round4(value: float) -> float:
    """Four significant digits: ranges in the YAML stay readable."""
    return float(f"{value:.4g}")


class _Collector:
    def __init__(self) -> None:
        self.knobs: list[Knob] = []
        self.skipped: list[str] = []
        self._names: set[str] = set()

    def _name(self, name: str) -> str:
        unique, n = name, 2
        while unique in self._names:
            unique, n = f"{name}_{n}", n + 1
        self._names.add(unique)
        return unique

    def log_range(self, name: str, path: str, value: float, factor: float, why: str) -> None:
        """A log-uniform range ``value / factor .. value * factor``."""
        if value <= 0:
            self.skipped.append(f"{path} is {value:g}: a log range needs a positive centre")
            return
        self.knobs.append(
            Knob(
                self._name(name),
                path,
                "double",
                why,
                low=round4(value / factor),
                high=round4(value * factor),
                log=True,
            )
        )

    def unit_range(
        self, name: str, path: str, value: float, half: float, why: str, top: float = 0.95
    ) -> None:
        """A uniform range ``value +- half`` kept inside (0, top]."""
        low, high = round4(max(0.05, value - half)), round4(min(top, value + half))
        if low >= high:
            self.skipped.append(f"{path} is {value:g}: no room for a range inside (0, {top:g}]")
            return
        self.knobs.append(Knob(self._name(name), path, "double", why, low=low, high=high))

    def add(self, knob: Knob) -> None:
        self.knobs.append(
            Knob(
                self._name(knob.name),
                knob.config_path,
                knob.parameter_type,
                knob.why,
                knob.low,
                knob.high,
                knob.values,
                knob.log,
            )
        )


def knobs_for(
    config: Any, *, num_train_steps: int, fixed: frozenset[str] | set[str] = frozenset()
) -> KnobSet:
    """The knobs of ``config`` (already carrying the spec's overrides).

    ``fixed`` config paths are set by the spec's overrides: a field is either fixed or
    searched, so no knob is made for them.
    """
    out = _Collector()
    _learning_rate(config, out, num_train_steps)
    _batch_size(config, out)
    arch = config.model.WhichOneof("model")
    if arch == "ssd":
        _ssd(config.model.ssd, out)
    elif arch == "faster_rcnn":
        _faster_rcnn(config.model.faster_rcnn, out)
    elif arch == "center_net":
        _center_net(config.model.center_net, out)
    if arch in KNOWN_ARCHITECTURES:
        _weight_decay(config, out)
        _augmentation(config, out)
    knobs = tuple(k for k in out.knobs if k.config_path not in fixed)
    return KnobSet(knobs, tuple(out.skipped))


def _learning_rate(config: Any, out: _Collector, num_train_steps: int) -> None:
    found = odconfig.learning_rate_schedule(config)
    if found is None:
        out.skipped.append("no learning-rate schedule selected under train_config.optimizer")
        return
    path, schedule = found
    fields = schedule.DESCRIPTOR.fields_by_name
    rate = next((f for f in _RATE_FIELDS if f in fields), None)
    if rate is not None:
        value = float(getattr(schedule, rate))
        floor = float(schedule.warmup_learning_rate) if "warmup_learning_rate" in fields else 0.0
        low, high = round4(value / 3), round4(value * 3)
        why = (
            f"The config's {rate} is {value:g}; x3 either side on a log scale (the best "
            "rate moves with batch size and data)."
        )
        if "warmup_steps" in fields and schedule.warmup_steps > 0 and low < floor:
            # The OD API refuses a peak rate below the warm-up's starting rate.
            low = floor
            why += f" Floored at warmup_learning_rate {floor:g}, which the OD API requires."
        if value > 0 and low < high:
            out.add(Knob("learning_rate", f"{path}.{rate}", "double", why, low, high, log=True))
        else:
            out.skipped.append(f"{path}.{rate} is {value:g}: no range around it")
    warmup = next((f for f in _WARMUP_FIELDS if f in fields), None)
    if warmup is None:
        return
    steps = int(getattr(schedule, warmup))
    # Warm-up must end well before the run does (total_steps follows numTrainSteps).
    high_steps = min(steps * 2, num_train_steps // 2)
    if steps > 0 and steps // 2 < high_steps:
        out.add(
            Knob(
                "warmup_steps",
                f"{path}.{warmup}",
                "int",
                f"The config warms up for {steps} steps; half to double that, kept under "
                f"half of numTrainSteps ({num_train_steps}).",
                low=steps // 2,
                high=high_steps,
            )
        )


def _batch_size(config: Any, out: _Collector) -> None:
    size = int(config.train_config.batch_size)
    values = tuple(sorted({max(1, size // 2), size, size * 2}))
    out.add(
        Knob(
            "batch_size",
            "train_config.batch_size",
            "discrete",
            f"The config's batch size is {size} (for its hardware); half and double. Lower "
            "it if trials run out of memory.",
            values=values,
        )
    )


def _l2(out: _Collector, name: str, path: str, hyperparams: Any, where: str) -> None:
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


def _ssd(ssd: Any, out: _Collector) -> None:
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


def _nms(out: _Collector, name: str, path: str, nms: Any) -> None:
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


def _faster_rcnn(frcnn: Any, out: _Collector) -> None:
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


def _center_net(cnet: Any, out: _Collector) -> None:
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


def _weight_decay(config: Any, out: _Collector) -> None:
    optimizer = config.train_config.optimizer
    which = optimizer.WhichOneof("optimizer")
    if which is None:
        return
    opt = getattr(optimizer, which)
    if "weight_decay" in opt.DESCRIPTOR.fields_by_name:
        decay = float(opt.weight_decay)
        out.log_range(
            "weight_decay",
            f"train_config.optimizer.{which}.weight_decay",
            decay,
            10,
            f"The optimizer's decoupled weight decay, {decay:g} here; x10 either side.",
        )


# augmentation option -> (field, parameter name, how to range it, what it does)
_AUGMENT = {
    "random_crop_image": ("min_area", "crop_min_area", "unit", "smallest crop (area share)"),
    "random_scale_crop_and_pad_to_square": ("scale_min", "scale_min", "log", "smallest zoom"),
    "random_adjust_brightness": ("max_delta", "brightness_delta", "log", "brightness jitter"),
    "random_adjust_hue": ("max_delta", "hue_delta", "log", "hue jitter"),
}


def _augmentation(config: Any, out: _Collector) -> None:
    for i, option in enumerate(config.train_config.data_augmentation_options):
        which = option.WhichOneof("preprocessing_step")
        if which not in _AUGMENT:
            continue
        field, name, how, what = _AUGMENT[which]
        value = float(getattr(getattr(option, which), field))
        path = f"train_config.data_augmentation_options[{i}].{which}.{field}"
        why = f"Augmentation: {what}, {value:g} in the config"
        if how == "unit":
            out.unit_range(
                name,
                path,
                value,
                min(0.25, value / 2 if value else 0.25),
                why + " (the proto default if unwritten).",
                top=1.0,
            )
        else:
            out.log_range(name, path, value, 2, why + "; half to double.")
