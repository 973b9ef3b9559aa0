"""The optimisation-history and objective-curve plots, and the entry point for all plots.

Each plot function returns a ``Plot`` section plus the PNG bytes, or a section with the
reason there is no image: an empty plot tells a reader less than one line of text.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

from odsweep.report._figures import (
    CUT_SHORT,
    legend_label,
    new_figure,
    plain,
    png_bytes,
    scatter_by_status,
    status_legend,
    wrap,
    y_label,
)
from odsweep.report._model import Plot, Row
from odsweep.report._param_plots import param_plot
from odsweep.report._table import finite
from odsweep.results import BestCheckpoint, ObjectiveType, TrialResult

HISTORY_IMAGE = "history"
CURVES_IMAGE = "curves"
# More lines than this would make the legend taller than the figure: the rest are grey.
MAX_LABELLED_CURVES = 15
OTHER_CURVE_COLOUR = "#C8C8C8"

Scored = Sequence[tuple[TrialResult, BestCheckpoint | None]]


def render_plots(
    scored: Scored,
    rows: Sequence[Row],
    metric: str,
    direction: ObjectiveType,
    param_scales: Mapping[str, str],
) -> tuple[tuple[Plot, ...], dict[str, bytes]]:
    """All plot sections in display order, and the images they name.

    Args:
        scored: Each trial with its best eval, in result order.
        rows: The leaderboard (curves are drawn and listed best first).
        metric: The objective metric.
        direction: Which way it improves.
        param_scales: Parameter name -> "linear" | "log" | "categorical", in plot order.

    Returns:
        The sections and image name -> PNG bytes.
    """
    sections: list[Plot] = []
    images: dict[str, bytes] = {}
    drawn = [history_plot(scored, metric, direction)]
    drawn.extend(
        param_plot(index, name, scale, scored, metric, direction)
        for index, (name, scale) in enumerate(param_scales.items(), start=1)
    )
    drawn.append(curves_plot(rows, metric, direction))
    for section, png in drawn:
        sections.append(section)
        if section.image is not None and png is not None:
            images[section.image] = png
    return tuple(sections), images


def history_plot(
    scored: Scored, metric: str, direction: ObjectiveType
) -> tuple[Plot, bytes | None]:
    """Each finished trial's best value at its result position, and the running best."""
    title = "Optimisation history"
    finished = [
        (float(position), best.value, result.status, result.trial)
        for position, (result, best) in enumerate(scored, start=1)
        if result.status.finished and best is not None
    ]
    if not finished:
        return Plot(title, None, f"no data: no finished trial has a finite {metric}"), None
    from matplotlib.lines import Line2D
    from matplotlib.ticker import MaxNLocator

    points = [(x, y, status) for x, y, status, _ in finished]
    running: list[float] = []
    top = 0  # the first trial that reached the final running best
    for index, (_, value, _) in enumerate(points):
        if running and not direction.better(value, running[-1]):
            running.append(running[-1])
        else:
            running.append(value)
            top = index
    xs = [x for x, _, _ in points]
    with new_figure() as (fig, ax):
        scatter_by_status(ax, points, 36)
        # Carry the last running best to the right edge so the final level is visible.
        ax.step([*xs, xs[-1] + 0.5], [*running, running[-1]], where="post", color="black")
        # Name the best trial on the plot: the x axis only gives positions. The label goes
        # towards the inside of the axes (below a maximum, above a minimum, left of a
        # point near the right edge) and is kept out of the layout so it cannot squeeze
        # the axes.
        near_right = points[top][0] > 0.75 * xs[-1] and len(xs) > 1
        label = ax.annotate(
            legend_label(finished[top][3]),
            (points[top][0], points[top][1]),
            xytext=(-6 if near_right else 6, -12 if direction is ObjectiveType.MAXIMIZE else 8),
            textcoords="offset points",
            ha="right" if near_right else "left",
            fontsize="small",
        )
        label.set_in_layout(False)
        ax.xaxis.set_major_locator(MaxNLocator(integer=True, min_n_ticks=1))
        ax.set_xlim(0.5, xs[-1] + 0.5)
        ax.set_xlabel("trial (position in results)")
        ax.set_ylabel(y_label(f"best {metric}", direction))
        ax.set_title(wrap(plain(f"{title}: {direction.value} {metric}")))
        ax.grid(True, alpha=0.3)
        running_handle = Line2D([], [], color="black", label="running best")
        status_legend(ax, {s for _, _, s in points}, [running_handle])
        return Plot(title, HISTORY_IMAGE), png_bytes(fig)


def _curve(result: TrialResult, metric: str) -> tuple[list[int], list[float]] | None:
    """Steps and values of the metric over evals; NaN where missing (the line breaks)."""
    steps = [record.step for record in result.evals]
    values = [finite(record.metrics.get(metric)) for record in result.evals]
    if all(value is None for value in values):
        return None
    return steps, [math.nan if value is None else value for value in values]


def curves_plot(
    rows: Sequence[Row], metric: str, direction: ObjectiveType
) -> tuple[Plot, bytes | None]:
    """One line per trial: the objective metric over eval steps."""
    title = "Objective curves"
    curves = [(row.result, c) for row in rows if (c := _curve(row.result, metric)) is not None]
    if not curves:
        return Plot(title, None, f"no data: no eval reported a finite {metric}"), None
    from matplotlib.lines import Line2D

    labelled = curves[:MAX_LABELLED_CURVES]
    others = curves[MAX_LABELLED_CURVES:]
    with new_figure() as (fig, ax):
        import matplotlib

        cmap = matplotlib.colormaps["tab10" if len(labelled) <= 10 else "tab20"]
        # Others first, so the labelled (best) trials are drawn on top of them.
        for result, (steps, values) in others:
            style = "--" if result.status in CUT_SHORT else "-"
            ax.plot(steps, values, linestyle=style, color=OTHER_CURVE_COLOUR, linewidth=1)
        for index, (result, (steps, values)) in enumerate(labelled):
            ax.plot(
                steps,
                values,
                linestyle="--" if result.status in CUT_SHORT else "-",
                marker="o",
                markersize=3,
                color=cmap(index),
                label=legend_label(result.trial),
            )
        handles, _ = ax.get_legend_handles_labels()
        if others:
            handles.append(
                Line2D([], [], color=OTHER_CURVE_COLOUR, label=f"{len(others)} more trials")
            )
        handles.append(Line2D([], [], color="black", label="finished / running"))
        handles.append(
            Line2D([], [], color="black", linestyle="--", label="early stopped / failed / stopped")
        )
        fig.legend(handles=handles, loc="outside right upper", fontsize="small")
        ax.set_xlabel("training step")
        ax.set_ylabel(y_label(metric, direction))
        ax.set_title(wrap(plain(f"{title}: {direction.value} {metric}")))
        ax.grid(True, alpha=0.3)
        return Plot(title, CURVES_IMAGE), png_bytes(fig)
