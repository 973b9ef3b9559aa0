"""The winner's per-class AP at its best checkpoint: a table and a bar chart.

The numbers are the OD API's per-category COCO metrics
(``DetectionBoxes_PerformanceByCategory/mAP/<class>``) that the trial's eval recorded
in ``result.json`` next to the other metrics.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

from odsweep.report._figures import HEIGHT_IN, WIDTH_IN, new_figure, plain, png_bytes, short
from odsweep.results import PER_CATEGORY_AP_PREFIX, EvalRecord

if TYPE_CHECKING:  # _model imports this module for PerClass
    from odsweep.report._model import Row

PER_CLASS_IMAGE = "per_class_ap"
# Beyond this many classes the chart gets taller; past the cap, only the table lists all.
ROWS_PER_HEIGHT = 18
MAX_BARS = 60


@dataclass(frozen=True)
class PerClass:
    """The section: rows best first; ``ap`` None for a class without ground truth.

    Attributes:
        trial: The winner.
        step: Its best checkpoint's step (where the numbers come from).
        rows: (class name, AP or None), highest AP first, then by name.
        image: The chart's name in ``Report.images``; None with ``reason``.
        reason: Why there is no table or chart.
    """

    trial: str
    step: int | None
    rows: tuple[tuple[str, float | None], ...]
    image: str | None
    reason: str | None = None


def per_class_ap(record: EvalRecord) -> list[tuple[str, float | None]]:
    """(class, AP) from one eval's metrics; AP None where COCO has none (-1, NaN)."""
    out: list[tuple[str, float | None]] = []
    for name, value in record.metrics.items():
        if name.startswith(PER_CATEGORY_AP_PREFIX):
            number = float(value)
            ap = number if math.isfinite(number) and number >= 0 else None
            out.append((name[len(PER_CATEGORY_AP_PREFIX) :], ap))
    out.sort(key=lambda row: (row[1] is None, -(row[1] or 0.0), row[0]))
    return out


def per_class_section(best_row: Row | None) -> tuple[PerClass | None, bytes | None]:
    """The section for the winner's row, and the chart's PNG; None without a winner."""
    if best_row is None:
        return None, None
    trial = best_row.result.trial
    if best_row.best is None:
        return PerClass(trial, None, (), None, "no data: the winner has no best checkpoint"), None
    step = best_row.best.step
    record = next((e for e in best_row.result.evals if e.step == step), None)
    rows = [] if record is None else per_class_ap(record)
    if not rows:
        reason = (
            f"no data: the eval at step {step} recorded no per-class AP "
            f"({PER_CATEGORY_AP_PREFIX}<class>); the eval needs a COCO metrics_set"
        )
        return PerClass(trial, step, (), None, reason), None
    return PerClass(trial, step, tuple(rows), PER_CLASS_IMAGE), _chart(trial, step, rows)


def _chart(trial: str, step: int, rows: list[tuple[str, float | None]]) -> bytes:
    drawn = rows[:MAX_BARS]
    with new_figure() as (fig, ax):
        height = max(HEIGHT_IN, 0.25 * len(drawn) + 1.5)
        fig.set_size_inches(WIDTH_IN, height if len(drawn) > ROWS_PER_HEIGHT else HEIGHT_IN)
        labels = [plain(short(name)) for name, _ in drawn]
        values = [ap or 0.0 for _, ap in drawn]
        positions = list(range(len(drawn)))
        bars = ax.barh(positions, values, color="#0072B2")
        for bar, (_, ap) in zip(bars, drawn, strict=True):
            if ap is None:  # no ground truth: say so, an empty bar would read as AP 0
                bar.set_color("#C8C8C8")
                ax.annotate(
                    "no ground truth",
                    (0, bar.get_y() + bar.get_height() / 2),
                    xytext=(4, 0),
                    textcoords="offset points",
                    va="center",
                    fontsize="small",
                )
            else:
                ax.annotate(
                    f"{ap:.3f}",
                    (ap, bar.get_y() + bar.get_height() / 2),
                    xytext=(4, 0),
                    textcoords="offset points",
                    va="center",
                    fontsize="small",
                )
        ax.set_yticks(positions, labels)
        ax.invert_yaxis()  # best at the top, as in the table
        ax.set_xlim(0, 1.08)
        ax.set_xlabel("AP (COCO mAP@[.50:.95]) (higher is better)")
        more = f", top {MAX_BARS} of {len(rows)}" if len(rows) > MAX_BARS else ""
        ax.set_title(plain(f"Per-class AP of {short(trial)} at step {step}{more}"))
        ax.grid(True, axis="x", alpha=0.3)
        return png_bytes(fig)
