"""One plot per parameter: the parameter's value against the trial's best value."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from odsweep.report._figures import (
    new_figure,
    plain,
    png_bytes,
    scatter_by_status,
    short,
    slug,
    status_legend,
    wrap,
    y_label,
)
from odsweep.report._model import Plot
from odsweep.report._table import format_value
from odsweep.results import BestCheckpoint, ObjectiveType, TrialResult

SCALES = ("linear", "log", "categorical")
TICK_LABEL_LIMIT = 24
SLANT_ABOVE = 6
# Points of one category are spread sideways (deterministically) so they do not hide
# each other; the spread stays well inside the category's slot.
CATEGORY_SPREAD = 0.5


def as_number(value: Any) -> float | None:
    """A finite number from a parameter value; Katib hands values over as strings."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        number = float(value)
    elif isinstance(value, str):
        try:
            number = float(value)
        except ValueError:
            return None
    else:
        return None
    return number if math.isfinite(number) else None


def image_name(index: int, name: str) -> str:
    """``param_01_learning_rate``: the index keeps names unique after slugging."""
    return f"param_{index:02d}_{slug(name)}"


def param_plot(
    index: int,
    name: str,
    scale: str,
    scored: Sequence[tuple[TrialResult, BestCheckpoint | None]],
    metric: str,
    direction: ObjectiveType,
) -> tuple[Plot, bytes | None]:
    """The scatter of ``name`` (1-based ``index`` in the columns) against best values.

    Trials without a best value or without the parameter are left out; on a log scale,
    so are values <= 0.
    """
    title = f"Parameter: {name}"
    points = [
        (result.params[name], best.value, result.status)
        for result, best in scored
        if best is not None and name in result.params
    ]
    if scale == "categorical":
        xs, ticks = _categorical_positions([value for value, _, _ in points])
    else:
        numbers = [as_number(value) for value, _, _ in points]
        if scale == "log":
            numbers = [n if n is not None and n > 0 else None for n in numbers]
        xs, ticks = numbers, None
    drawn = [(x, y, s) for x, (_, y, s) in zip(xs, points, strict=True) if x is not None]
    if not drawn:
        reason = f"no data: no trial has both a usable {name} value and a finite {metric}"
        return Plot(title, None, reason), None
    with new_figure() as (fig, ax):
        scatter_by_status(ax, drawn, 40)
        if scale == "log":
            ax.set_xscale("log")
        if ticks is not None:
            labels = [plain(short(label, TICK_LABEL_LIMIT)) for label in ticks]
            # Rotate only long labels: short ones (batch sizes) read better level.
            slanted = max(len(label) for label in labels) > SLANT_ABOVE
            ax.set_xticks(
                range(len(ticks)),
                labels,
                rotation=30 if slanted else 0,
                ha="right" if slanted else "center",
            )
            ax.set_xlim(-0.5, len(ticks) - 0.5)
        ax.set_xlabel(wrap(plain(f"{name} ({scale} scale)")))
        ax.set_ylabel(y_label(f"best {metric}", direction))
        ax.set_title(wrap(plain(f"{name} vs best {metric}")))
        ax.grid(True, alpha=0.3)
        status_legend(ax, {s for _, _, s in drawn})
        return Plot(title, image_name(index, name)), png_bytes(fig)


def _categorical_positions(values: Sequence[Any]) -> tuple[list[float | None], list[str]]:
    """x positions (category slot plus a small spread) and the category labels.

    Categories are ordered numerically when all are numbers (batch sizes read 8, 16,
    32, not 16, 32, 8), else by their text, so the order does not depend on trial order.
    """
    labels = [format_value(value) for value in values]
    numbers = {label: as_number(value) for label, value in zip(labels, values, strict=True)}
    distinct = sorted(set(labels))
    if all(numbers[label] is not None for label in distinct):
        distinct.sort(key=lambda label: numbers[label] or 0.0)
    slot = {label: position for position, label in enumerate(distinct)}
    members: dict[str, int] = {label: labels.count(label) for label in distinct}
    seen: dict[str, int] = dict.fromkeys(distinct, 0)
    xs: list[float | None] = []
    for label in labels:
        count = members[label]
        step = CATEGORY_SPREAD / count if count > 1 else 0.0
        xs.append(slot[label] + (seen[label] - (count - 1) / 2) * step)
        seen[label] += 1
    return xs, distinct
