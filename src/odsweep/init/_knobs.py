"""The hyperparameters practitioners tune, read off a parsed pipeline.config.

Each :class:`Knob` is centred on the config's own value (the zoo authors tuned it for
their setting; a search explores around it) and carries the one-line reason written
above it in the YAML. Per meta-architecture: SSD, Faster/Mask R-CNN, CenterNet; any
other config gets the learning rate and batch size only.
"""

from __future__ import annotations

from typing import Any

from odsweep import odconfig
from odsweep.init._collect import Collector, Knob, KnobSet, round4
from odsweep.init._families import center_net, faster_rcnn, ssd

# The fields of a selected schedule that hold its peak learning rate and its warm-up.
_RATE_FIELDS = ("learning_rate_base", "initial_learning_rate", "learning_rate")
_WARMUP_FIELDS = ("warmup_steps", "burnin_steps")
KNOWN_ARCHITECTURES = ("ssd", "faster_rcnn", "center_net")


def knobs_for(
    config: Any, *, num_train_steps: int, fixed: frozenset[str] | set[str] = frozenset()
) -> KnobSet:
    """The knobs of ``config`` (already carrying the spec's overrides).

    ``fixed`` config paths are set by the spec's overrides: a field is either fixed or
    searched, so no knob is made for them.
    """
    out = Collector()
    _learning_rate(config, out, num_train_steps)
    _batch_size(config, out)
    arch = config.model.WhichOneof("model")
    if arch == "ssd":
        ssd(config.model.ssd, out)
    elif arch == "faster_rcnn":
        faster_rcnn(config.model.faster_rcnn, out)
    elif arch == "center_net":
        center_net(config.model.center_net, out)
    if arch in KNOWN_ARCHITECTURES:
        _weight_decay(config, out)
        _augmentation(config, out)
    knobs = tuple(k for k in out.knobs if k.config_path not in fixed)
    return KnobSet(knobs, tuple(out.skipped))


def _learning_rate(config: Any, out: Collector, num_train_steps: int) -> None:
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


def _batch_size(config: Any, out: Collector) -> None:
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


def _weight_decay(config: Any, out: Collector) -> None:
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


def _augmentation(config: Any, out: Collector) -> None:
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
