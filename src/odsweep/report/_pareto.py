"""The Pareto plots: the primary metric against each trade-off, one plot per trade-off.

They are drawn from ``best.json``'s ``"tradeoffs"``, ``"pareto"`` and ``"constraints"``
(written by the selection; the report never computes the front itself) and from every
trial's ``result.json`` for the cloud of all trials. A ``best.json`` without those keys
(one objective) gives no Pareto plot.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from odsweep.report._figures import (
    legend_label,
    new_figure,
    plain,
    png_bytes,
    scatter_by_status,
    slug,
    status_legend,
    wrap,
    y_label,
)
from odsweep.report._model import Plot
from odsweep.report._table import finite
from odsweep.results import BestCheckpoint, ObjectiveType, TrialResult, TrialStatus, best_metrics

PARETO_IMAGE_PREFIX = "pareto_"
FRONT_COLOUR = "#D55E00"
WINNER_COLOUR = "#000000"
CONSTRAINT_COLOUR = "#CC79A7"

Scored = Sequence[tuple[TrialResult, BestCheckpoint | None]]


@dataclass(frozen=True)
class Tradeoff:
    metric: str
    direction: ObjectiveType


@dataclass(frozen=True)
class Constraint:
    """``metric <= value`` (bound "max") or ``metric >= value`` (bound "min")."""

    metric: str
    bound: str
    value: float


@dataclass(frozen=True)
class FrontPoint:
    trial: str
    step: int
    metrics: Mapping[str, float]


@dataclass(frozen=True)
class Selection:
    """What ``best.json`` says about a multi-objective selection."""

    tradeoffs: tuple[Tradeoff, ...]
    front: tuple[FrontPoint, ...]
    constraints: tuple[Constraint, ...]


@dataclass(frozen=True)
class ParetoData:
    """Everything one Pareto plot shows, in data coordinates (x: trade-off, y: primary).

    Attributes:
        tradeoff: The x axis.
        points: Every trial with both values: (trial, x, y, status).
        front: ``best.json``'s Pareto set with both values, by x: (trial, x, y).
        winner: The selected trial's (trial, x, y), if it has both values.
        x_limits, y_limits: Constraints on the trade-off / the primary metric:
            (bound, value) each, drawn as lines.
    """

    tradeoff: Tradeoff
    points: tuple[tuple[str, float, float, TrialStatus], ...]
    front: tuple[tuple[str, float, float], ...]
    winner: tuple[str, float, float] | None
    x_limits: tuple[tuple[str, float], ...]
    y_limits: tuple[tuple[str, float], ...]


def parse_selection(doc: Mapping[str, Any] | None) -> Selection | None:
    """The trade-offs, front and constraints of a ``best.json`` document.

    Returns None when it has no trade-offs (a single-objective selection).

    Raises:
        ValueError: A key is malformed (names the key and the entry).
    """
    if not doc or not doc.get("tradeoffs"):
        return None
    try:
        tradeoffs = tuple(
            Tradeoff(str(t["objectiveMetricName"]), ObjectiveType(t["type"]))
            for t in doc["tradeoffs"]
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise ValueError(f"best.json: tradeoffs: malformed entry ({exc!r})") from None
    front = []
    for index, entry in enumerate(doc.get("pareto") or []):
        try:
            metrics = {str(k): float(v) for k, v in dict(entry["metrics"]).items()}
            front.append(FrontPoint(str(entry["trial"]), int(entry["step"]), metrics))
        except (KeyError, TypeError, ValueError) as exc:
            raise ValueError(f"best.json: pareto[{index}]: malformed ({exc!r})") from None
    constraints = []
    for index, entry in enumerate(doc.get("constraints") or []):
        bounds = [b for b in ("max", "min") if b in entry]
        try:
            (bound,) = bounds
            constraints.append(Constraint(str(entry["metricName"]), bound, float(entry[bound])))
        except (KeyError, TypeError, ValueError) as exc:
            raise ValueError(f"best.json: constraints[{index}]: malformed ({exc!r})") from None
    return Selection(tradeoffs, tuple(front), tuple(constraints))


def trial_metric(result: TrialResult, name: str) -> float | None:
    """A trial's value of ``name`` at its best checkpoint, wherever it was recorded
    (:func:`odsweep.results.best_metrics`: that eval's metrics, then the serving cost
    measured on the same checkpoint); None when absent or not finite."""
    return finite(best_metrics(result).get(name))


def pareto_data(
    scored: Scored,
    selection: Selection,
    tradeoff: Tradeoff,
    metric: str,
    best_trial: str | None,
) -> ParetoData:
    """The data of the plot of ``metric`` against ``tradeoff``."""
    points = []
    for result, best in scored:
        if best is None:
            continue
        x = trial_metric(result, tradeoff.metric)
        if x is not None:
            points.append((result.trial, x, best.value, result.status))
    front = sorted(
        (
            (p.trial, x, y)
            for p in selection.front
            if (x := finite(p.metrics.get(tradeoff.metric))) is not None
            and (y := finite(p.metrics.get(metric))) is not None
        ),
        key=lambda point: (point[1], point[2]),
    )
    winner = next((p for p in front if p[0] == best_trial), None)
    if winner is None:
        winner = next(((t, x, y) for t, x, y, _ in points if t == best_trial), None)
    return ParetoData(
        tradeoff=tradeoff,
        points=tuple(points),
        front=tuple(front),
        winner=winner,
        x_limits=tuple(
            (c.bound, c.value) for c in selection.constraints if c.metric == tradeoff.metric
        ),
        y_limits=tuple((c.bound, c.value) for c in selection.constraints if c.metric == metric),
    )


def pareto_plots(
    scored: Scored,
    selection: Selection | None,
    metric: str,
    direction: ObjectiveType,
    best_trial: str | None,
) -> list[tuple[Plot, bytes | None]]:
    """One plot per trade-off (none for a single-objective selection)."""
    if selection is None:
        return []
    out = []
    for index, tradeoff in enumerate(selection.tradeoffs, start=1):
        data = pareto_data(scored, selection, tradeoff, metric, best_trial)
        out.append(draw_pareto(data, index, metric, direction))
    return out


def draw_pareto(
    data: ParetoData, index: int, metric: str, direction: ObjectiveType
) -> tuple[Plot, bytes | None]:
    """The plot of one ``ParetoData``, or the reason there is none."""
    title = f"Pareto front: {metric} against {data.tradeoff.metric}"
    if not data.points and not data.front:
        reason = f"no data: no trial has both {metric} and {data.tradeoff.metric}"
        return Plot(title, None, reason), None
    from matplotlib.lines import Line2D

    with new_figure() as (fig, ax):
        scatter_by_status(ax, [(x, y, s) for _, x, y, s in data.points], 30)
        extra: list[object] = []
        if data.front:
            ax.plot(
                [x for _, x, _ in data.front],
                [y for _, _, y in data.front],
                color=FRONT_COLOUR,
                marker="o",
                markersize=10,
                markerfacecolor="none",
                markeredgewidth=2,
                linewidth=1.5,
                zorder=4,
            )
            extra.append(
                Line2D(
                    [],
                    [],
                    color=FRONT_COLOUR,
                    marker="o",
                    markerfacecolor="none",
                    label=f"Pareto front ({len(data.front)})",
                )
            )
        if data.winner is not None:
            ax.scatter(
                [data.winner[1]], [data.winner[2]], marker="*", s=260, color=WINNER_COLOUR, zorder=5
            )
            extra.append(
                Line2D(
                    [],
                    [],
                    color=WINNER_COLOUR,
                    marker="*",
                    linestyle="none",
                    markersize=12,
                    label=legend_label(f"winner {data.winner[0]}"),
                )
            )
        # One dashed line per constraint, named in the legend with its side and value.
        for axis, limits in (("x", data.x_limits), ("y", data.y_limits)):
            name = data.tradeoff.metric if axis == "x" else metric
            for bound, value in limits:
                draw = ax.axvline if axis == "x" else ax.axhline
                draw(value, color=CONSTRAINT_COLOUR, linestyle="--", zorder=2)
                sign = "<=" if bound == "max" else ">="
                extra.append(
                    Line2D(
                        [],
                        [],
                        color=CONSTRAINT_COLOUR,
                        linestyle="--",
                        label=legend_label(f"{name} {sign} {value:g}"),
                    )
                )
        x_word = "lower" if data.tradeoff.direction is ObjectiveType.MINIMIZE else "higher"
        ax.set_xlabel(f"{wrap(plain(data.tradeoff.metric), 60)} ({x_word} is better)")
        ax.set_ylabel(y_label(metric, direction))
        ax.set_title(wrap(plain(title)))
        ax.grid(True, alpha=0.3)
        status_legend(ax, {s for _, _, _, s in data.points}, extra)
        name = f"{PARETO_IMAGE_PREFIX}{index}_{slug(data.tradeoff.metric)}"
        return Plot(title, name), png_bytes(fig)
