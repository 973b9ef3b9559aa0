"""``odsweep init``: a complete, commented search space for a pipeline.config."""

from __future__ import annotations

import logging
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from odsweep import odconfig, storage
from odsweep.errors import InputError
from odsweep.init._knobs import KNOWN_ARCHITECTURES, knobs_for
from odsweep.init._render import Layout, Override, render

logger = logging.getLogger(__name__)

DEFAULT_STEPS = 10000  # when the config trains "forever" (num_steps 0)
_MAX_NAME = 40  # spec metadata.name limit (Katib derives longer names from it)
_METRICS = (
    "DetectionBoxes_Precision/mAP@.50IOU",
    "DetectionMasks_Precision/mAP",
    "Loss/total_loss",
)


@dataclass(frozen=True)
class InitRequest:
    """What the user gave ``odsweep init``.

    Attributes:
        pipeline_config: The base config (local or ``gs://``).
        train_input / eval_input / label_map: The data; None leaves a commented line.
        num_train_steps: Steps per trial; None: the config's own ``num_steps``.
        output: Where the YAML will be written (relative paths are written against its
            folder); None: the current folder.
    """

    pipeline_config: str
    train_input: str | None = None
    eval_input: str | None = None
    label_map: str | None = None
    num_train_steps: int | None = None
    output: str | None = None


@dataclass(frozen=True)
class Draft:
    """The YAML text and what it holds."""

    text: str
    meta_architecture: str
    parameters: tuple[str, ...]
    notes: tuple[str, ...]


def draft_spec(request: InitRequest) -> Draft:
    """Build the search-space YAML for ``request`` (nothing is written).

    Raises:
        InputError: An unreadable config or label map, Google-internal readers without
            data paths, a step count below 1.
    """
    if request.num_train_steps is not None and request.num_train_steps < 1:
        raise InputError(
            f"--num-train-steps: must be >= 1, got {request.num_train_steps}; give a step count"
        )
    config = odconfig.load_config_with_data(
        request.pipeline_config,
        train_input=request.train_input,
        eval_input=request.eval_input,
        label_map=request.label_map,
    )
    arch = config.model.WhichOneof("model") or "none"
    notes: list[str] = []
    steps, steps_why = _steps(config, request.num_train_steps)
    work = type(config)()
    work.CopyFrom(config)  # what the trials will see, for the knobs and metrics
    overrides = _overrides(config, work, request, steps, notes)
    if arch not in KNOWN_ARCHITECTURES:
        notes.append(
            f"meta-architecture {arch!r} is not one odsweep init knows (ssd, faster_rcnn, "
            "center_net): only the learning rate and batch size are searched; add its own "
            "knobs under parameters"
        )
    fixed = {o.path for o in overrides}
    found = knobs_for(work, num_train_steps=steps, fixed=fixed)
    knobs = found.knobs if arch in KNOWN_ARCHITECTURES else found.knobs[:3]
    produced = odconfig.eval_metric_names(work)
    maximize = "DetectionBoxes_Precision/mAP" in produced
    base = os.path.dirname(os.path.abspath(request.output)) if request.output else os.getcwd()
    layout = Layout(
        name=_name(request.pipeline_config),
        header=_header(request.pipeline_config, arch, work, notes),
        pipeline_config=_relative(request.pipeline_config, base),
        train_input=_maybe_relative(request.train_input, base),
        eval_input=_maybe_relative(request.eval_input, base),
        label_map=_maybe_relative(request.label_map, base),
        num_train_steps=steps,
        steps_why=steps_why,
        checkpoint_every=max(1, steps // 5),
        overrides=tuple(overrides),
        objective_type="maximize" if maximize else "minimize",
        objective_metric="DetectionBoxes_Precision/mAP" if maximize else "Loss/total_loss",
        additional_metrics=tuple(m for m in _METRICS if m in produced and maximize),
        startup_trials=max(5, len(knobs)),
        max_trials=max(20, 5 * len(knobs)),
        knobs=knobs,
        skipped=found.skipped,
    )
    return Draft(render(layout), arch, tuple(k.name for k in knobs), tuple(notes))


def _steps(config: Any, requested: int | None) -> tuple[int, str]:
    own = int(config.train_config.num_steps)
    if requested is not None:
        return requested, f"Steps per trial (--num-train-steps; the config trains {own})."
    if own > 0:
        return own, (
            "The config's own num_steps. A search usually trains shorter trials than the "
            "final model: lower it (odsweep init --num-train-steps N) to fit your budget."
        )
    return DEFAULT_STEPS, "The config trains until stopped (num_steps 0): a fixed length here."


def _overrides(
    config: Any, work: Any, request: InitRequest, steps: int, notes: list[str]
) -> list[Override]:
    out: list[Override] = []
    arch = config.model.WhichOneof("model")
    model = getattr(config.model, arch) if arch else None
    has_classes = model is not None and "num_classes" in model.DESCRIPTOR.fields_by_name
    if request.label_map is not None and model is not None and has_classes:
        classes = odconfig.label_map_num_classes(request.label_map)
        out.append(
            Override(
                f"model.{arch}.num_classes",
                classes,
                f"The label map's largest id (the config has {model.num_classes}).",
            )
        )
    train = config.train_config
    if train.use_bfloat16:
        out.append(
            Override(
                "train_config.use_bfloat16",
                False,
                "bfloat16 training works only on TPUs; off for CPU and GPU trials.",
            )
        )
    checkpoint = train.fine_tune_checkpoint
    if checkpoint and ("PATH_TO_BE_CONFIGURED" in checkpoint or not _checkpoint_exists(checkpoint)):
        out.append(
            Override(
                "train_config.fine_tune_checkpoint",
                "",
                f"The config's checkpoint {checkpoint!r} was not found: trials start from "
                "scratch. Point this at a checkpoint prefix (ckpt-0) to warm-start them.",
            )
        )
    out += _warmup(work, steps)
    out += _keypoints(config, work, request, notes)
    return out


def _checkpoint_exists(prefix: str) -> bool:
    try:
        return storage.exists(prefix + ".index") or storage.exists(prefix)
    except InputError:
        return False


def _warmup(work: Any, steps: int) -> list[Override]:
    found = odconfig.learning_rate_schedule(work)
    if found is None:
        return []
    path, schedule = found
    if "warmup_steps" not in schedule.DESCRIPTOR.fields_by_name:
        return []
    warmup = int(schedule.warmup_steps)
    if warmup <= 0 or warmup < steps // 2:
        return []
    short = max(1, steps // 10)
    schedule.warmup_steps = short
    return [
        Override(
            f"{path}.warmup_steps",
            short,
            f"The config warms up for {warmup} steps, too long for {steps}-step trials: "
            "a tenth of the run, fixed (a field is either fixed or searched).",
        )
    ]


def _keypoints(config: Any, work: Any, request: InitRequest, notes: list[str]) -> list[Override]:
    drops = odconfig.keypoint_drop_overrides(config)
    if not drops:
        return []
    names = [t.task_name for t in config.model.center_net.keypoint_estimation_task]
    what = f"keypoint task(s) {', '.join(names)}" if names else "keypoint settings"
    if request.label_map is None:
        notes.append(
            f"{what} kept: they need keypoint annotations and a label map with keypoints; "
            "without them, rerun with --label-map to drop them"
        )
        return []
    if odconfig.label_map_has_keypoints(request.label_map):
        if not names:
            return []
        return [
            Override(
                "model.center_net.keypoint_label_map_path",
                os.path.abspath(request.label_map),
                f"The {what} kept: the label map defines keypoints.",
            )
        ]
    del work.model.center_net.keypoint_estimation_task[:]
    notes.append(f"{what} dropped: the label map defines no keypoints")
    why = (
        f"Drops the {what}: the label map defines no keypoints, so the data has none to "
        "train them on."
    )
    return [
        Override(path, value, why if i == 0 else "")
        for i, (path, value) in enumerate(drops.items())
    ]


def _header(source: str, arch: str, config: Any, notes: list[str]) -> tuple[str, ...]:
    model = getattr(config.model, arch, None) if arch != "none" else None
    extractor = ""
    if model is not None and "feature_extractor" in model.DESCRIPTOR.fields_by_name:
        extractor = f", {model.feature_extractor.type}"
    lines = [
        f"Search space written by `odsweep init` from {os.path.basename(source)} "
        f"({arch}{extractor}).",
        "Each range is centred on the config's own value; the comment above it says why.",
        "Check it with `odsweep validate FILE`, run it with `odsweep run FILE`.",
    ]
    if notes:
        lines.append("Notes:")
        lines += [f"  - {n}" for n in notes]
    return tuple(lines)


def _name(source: str) -> str:
    stem = Path(source.rstrip("/").rsplit("/", 1)[-1]).stem.lower()
    name = re.sub(r"[^a-z0-9]+", "-", stem).strip("-")[:_MAX_NAME].strip("-")
    if not name or not name[0].isalpha():
        name = ("s-" + name)[:_MAX_NAME].strip("-")
    return name


def _maybe_relative(path: str | None, base: str) -> str | None:
    return None if path is None else _relative(path, base)


def _relative(path: str, base: str) -> str:
    if "://" in path:
        return path
    return os.path.relpath(os.path.abspath(path), base)
