"""The post-processing knobs of each model family, and the grid of settings over them.

Pure proto work on a parsed ``TrainEvalPipelineConfig`` (no TensorFlow): a setting is a
set of knob values; :func:`apply_setting` returns a copy of the config with only those
fields changed. The knobs share one vocabulary across families; each family maps them
to its own fields or refuses the ones it lacks:

- SSD: ``ssd.post_processing.batch_non_max_suppression``.
- Faster R-CNN: ``faster_rcnn.second_stage_post_processing.batch_non_max_suppression``
  (the first stage's proposal NMS shapes what the second stage learned on, so it is
  not a post-processing knob).
- CenterNet: no NMS stage; ``max_total_detections`` is
  ``center_net.object_center_params.max_box_predictions`` (the peaks kept). Its
  ``post_processing`` NMS knobs apply only when the config has that optional stage.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from odsweep.errors import InputError


class Knob(StrEnum):
    """A post-processing value the grid can vary (the CLI flag is its name with dashes)."""

    SCORE_THRESHOLD = "score_threshold"
    IOU_THRESHOLD = "iou_threshold"
    MAX_DETECTIONS_PER_CLASS = "max_detections_per_class"
    MAX_TOTAL_DETECTIONS = "max_total_detections"

    @property
    def flag(self) -> str:
        return "--" + self.value.replace("_", "-")

    @property
    def is_count(self) -> bool:
        return self in (Knob.MAX_DETECTIONS_PER_CLASS, Knob.MAX_TOTAL_DETECTIONS)


FAMILY_NAMES = {"ssd": "SSD", "faster_rcnn": "Faster R-CNN", "center_net": "CenterNet"}
# Default grid around the config's own values: a few score thresholds (where an
# operating point usually is) and a tighter NMS; counts stay the config's.
DEFAULT_SCORE_THRESHOLDS = (0.05, 0.3, 0.5)
DEFAULT_IOU_DELTA = 0.1


@dataclass(frozen=True)
class Setting:
    """One point of the grid: ``name`` (``s00``, ``s01``, ...) and its knob values."""

    name: str
    values: tuple[tuple[Knob, float | int], ...]

    def as_dict(self) -> dict[str, float | int]:
        return {knob.value: value for knob, value in self.values}


def family_of(config: Any) -> str:
    """The model oneof (``ssd``, ``faster_rcnn``, ``center_net``); refuses the others."""
    family = config.model.WhichOneof("model")
    if family not in FAMILY_NAMES:
        raise InputError(
            f"model: post-processing tuning supports {', '.join(FAMILY_NAMES)}, got {family!r}; "
            "tune a config of one of those families"
        )
    return str(family)


def _nms(config: Any, family: str) -> Any | None:
    """The family's ``BatchNonMaxSuppression`` message, None when it has no NMS stage."""
    model = getattr(config.model, family)
    if family == "ssd":
        return model.post_processing.batch_non_max_suppression
    if family == "faster_rcnn":
        return model.second_stage_post_processing.batch_non_max_suppression
    if model.HasField("post_processing") and model.post_processing.HasField(
        "batch_non_max_suppression"
    ):
        return model.post_processing.batch_non_max_suppression
    return None


def supported_knobs(config: Any) -> tuple[Knob, ...]:
    family = family_of(config)
    if family == "center_net":
        nms = _nms(config, family)
        if nms is None:
            return (Knob.MAX_TOTAL_DETECTIONS,)
        return (Knob.SCORE_THRESHOLD, Knob.IOU_THRESHOLD, Knob.MAX_TOTAL_DETECTIONS)
    return tuple(Knob)


def field_path(config: Any, knob: Knob) -> str:
    """The dotted config path a knob sets in this config (for messages and the table)."""
    family = family_of(config)
    if family == "center_net" and knob is Knob.MAX_TOTAL_DETECTIONS:
        return "model.center_net.object_center_params.max_box_predictions"
    stage = {
        "ssd": "post_processing",
        "faster_rcnn": "second_stage_post_processing",
        "center_net": "post_processing",
    }[family]
    return f"model.{family}.{stage}.batch_non_max_suppression.{knob.value}"


def current_values(config: Any) -> dict[Knob, float | int]:
    """The config's own value of every knob its family has."""
    family = family_of(config)
    values: dict[Knob, float | int] = {}
    nms = _nms(config, family)
    for knob in supported_knobs(config):
        if family == "center_net" and knob is Knob.MAX_TOTAL_DETECTIONS:
            values[knob] = int(config.model.center_net.object_center_params.max_box_predictions)
        elif nms is not None:
            raw = getattr(nms, knob.value)
            # float32 fields read back as e.g. 0.6000000238: round to what was written.
            values[knob] = int(raw) if knob.is_count else float(f"{raw:.6g}")
    return values


def _refuse_unsupported(config: Any, knobs: Sequence[Knob]) -> None:
    have = supported_knobs(config)
    family = family_of(config)
    problems = []
    for knob in knobs:
        if knob in have:
            continue
        why = (
            "CenterNet (center_net) has no NMS stage in this config; tune "
            "--max-total-detections (object_center_params.max_box_predictions) instead"
            if family == "center_net"
            else f"{FAMILY_NAMES[family]} has no such post-processing value"
        )
        problems.append(f"{knob.flag}: {why}")
    if problems:
        raise InputError(problems)


def check_value(knob: Knob, value: float) -> str | None:
    """Why ``value`` is not valid for ``knob`` (the OD API's own bounds), else None."""
    if not math.isfinite(value):
        return f"{knob.flag}: {value!r} is not a finite number; give e.g. 0.3"
    if knob is Knob.SCORE_THRESHOLD and not 0.0 <= value < 1.0:
        return f"{knob.flag}: {value!r} is outside [0, 1); give a score such as 0.3"
    if knob is Knob.IOU_THRESHOLD and not 0.0 < value <= 1.0:
        return f"{knob.flag}: {value!r} is outside (0, 1]; give an IoU such as 0.5"
    if knob.is_count and (value != int(value) or value < 1):
        return f"{knob.flag}: {value!r} is not a whole number >= 1; give e.g. 100"
    return None


def parse_values(knob: Knob, text: str) -> tuple[float | int, ...]:
    """``"0.05,0.3"`` -> ``(0.05, 0.3)``, checked; counts come back as ints.

    Raises:
        InputError: One line naming the flag, the value and what is accepted.
    """
    items = [item.strip() for item in text.split(",")]
    if not text.strip() or any(not item for item in items):
        raise InputError(f"{knob.flag}: {text!r} is not a comma-separated list; give e.g. 0.3,0.5")
    values: list[float | int] = []
    for item in items:
        try:
            number = float(item)
        except ValueError:
            raise InputError(
                f"{knob.flag}: {item!r} is not a number; give a comma-separated list such as "
                f"{'50,100' if knob.is_count else '0.3,0.5'}"
            ) from None
        problem = check_value(knob, number)
        if problem:
            raise InputError(problem)
        value: float | int = int(number) if knob.is_count else number
        if value not in values:
            values.append(value)
    return tuple(values)


def default_values(knob: Knob, current: float | int) -> tuple[float | int, ...]:
    """The default grid of one knob: the config's value first, then a few near it."""
    if knob is Knob.SCORE_THRESHOLD:
        extra: tuple[float | int, ...] = DEFAULT_SCORE_THRESHOLDS
    elif knob is Knob.IOU_THRESHOLD:
        lower = round(float(current) - DEFAULT_IOU_DELTA, 6)
        extra = (lower,) if lower > 0 else ()
    else:
        extra = ()
    return tuple(dict.fromkeys((current, *extra)))


def build_grid(config: Any, requested: Mapping[Knob, Sequence[float | int]]) -> tuple[Setting, ...]:
    """Every combination of the requested values (the default grid for the knobs not given).

    ``max_detections_per_class`` above ``max_total_detections`` is clamped to it (the
    OD API refuses that config; the clamped one detects the same boxes), and settings
    that become equal are kept once. The config's own setting, when in the grid, is
    first.

    Raises:
        InputError: A requested knob the family does not have.
    """
    _refuse_unsupported(config, list(requested))
    current = current_values(config)
    axes = [
        (knob, tuple(requested[knob]) if knob in requested else default_values(knob, value))
        for knob, value in current.items()
    ]
    seen: dict[tuple[tuple[Knob, float | int], ...], None] = {}
    for combo in itertools.product(*(values for _, values in axes)):
        point = dict(zip((knob for knob, _ in axes), combo, strict=True))
        per_class = point.get(Knob.MAX_DETECTIONS_PER_CLASS)
        total = point.get(Knob.MAX_TOTAL_DETECTIONS)
        if per_class is not None and total is not None and per_class > total:
            point[Knob.MAX_DETECTIONS_PER_CLASS] = total
        seen.setdefault(tuple(point.items()), None)
    return tuple(Setting(f"s{index:02d}", values) for index, values in enumerate(seen))


def apply_setting(config: Any, setting: Setting) -> Any:
    """A copy of ``config`` with the setting's values; ``config`` itself is unchanged."""
    family = family_of(config)
    _refuse_unsupported(config, [knob for knob, _ in setting.values])
    tuned = type(config)()
    tuned.CopyFrom(config)
    nms = _nms(tuned, family)
    for knob, value in setting.values:
        if family == "center_net" and knob is Knob.MAX_TOTAL_DETECTIONS:
            tuned.model.center_net.object_center_params.max_box_predictions = int(value)
        else:
            assert nms is not None  # _refuse_unsupported let only the NMS family knobs through
            setattr(nms, knob.value, value)
    return tuned


DEFAULT_GRID_TEXT = "default"


def parse_grid(text: str, *, key: str) -> dict[Knob, tuple[float | int, ...]]:
    """A grid written on one line (a pipeline parameter): ``default`` (the default grid)
    or ``knob=v,v;knob=v`` (``score_threshold=0.05,0.3;max_total_detections=50,100``).

    Raises:
        InputError: One line naming ``key``, the bad part and the accepted form.
    """
    text = text.strip()
    if text == DEFAULT_GRID_TEXT:
        return {}
    grid: dict[Knob, tuple[float | int, ...]] = {}
    names = ", ".join(k.value for k in Knob)
    for part in text.split(";"):
        name, sep, values = part.partition("=")
        name = name.strip()
        if not sep or name not in {k.value for k in Knob}:
            raise InputError(
                f"{key}: {part.strip()!r} is not KNOB=V[,V...] with KNOB one of {names}; "
                f"give e.g. score_threshold=0.05,0.3;max_total_detections=50,100 or "
                f"{DEFAULT_GRID_TEXT!r}"
            )
        knob = Knob(name)
        if knob in grid:
            raise InputError(f"{key}: {name} given twice; give each knob once")
        try:
            grid[knob] = parse_values(knob, values)
        except InputError as exc:
            # The flag's name means nothing in a pipeline parameter: name the parameter.
            raise InputError(f"{key}: {exc.messages[0].replace(knob.flag, name)}") from None
    return grid
