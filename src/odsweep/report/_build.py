"""``build_report``: trial results in, Markdown + HTML + PNGs out (nothing written)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from odsweep.report._budget import compute_budget
from odsweep.report._detections import detections_section
from odsweep.report._html import render_html
from odsweep.report._markdown import render_markdown
from odsweep.report._model import Content, Report
from odsweep.report._param_plots import SCALES
from odsweep.report._pareto import pareto_plots, parse_selection
from odsweep.report._per_class import per_class_section
from odsweep.report._plots import render_plots
from odsweep.report._table import (
    ERROR_LIMIT,
    best_of,
    find_row,
    leaderboard,
    one_line,
    status_counts,
)
from odsweep.results import ObjectiveType, TrialResult, WinnerDetections


def build_report(
    *,
    title: str,
    results: Sequence[TrialResult],
    metric: str,
    direction: ObjectiveType,
    param_scales: Mapping[str, str],
    best_trial: str | None = None,
    links: Mapping[str, str] | None = None,
    export_location: str | None = None,
    notes: Sequence[str] = (),
    train_steps: int | None = None,
    target_steps: Mapping[str, int] | None = None,
    selection: Mapping[str, Any] | None = None,
    detections: WinnerDetections | None = None,
    detections_note: str | None = None,
) -> Report:
    """Render a sweep's results as Markdown, a self-contained HTML page and PNG plots.

    The same input gives the same bytes (no timestamps anywhere), so reports can be
    compared and regenerated freely.

    Args:
        title: Report heading.
        results: The trials, in the order they were created (the history plot's x axis).
        metric: The objective metric; ranks use each trial's best value of it.
        direction: Which way ``metric`` improves.
        param_scales: Parameter name -> "linear", "log" or "categorical"; its order is
            the order of the leaderboard's parameter columns and of the parameter plots.
        best_trial: The selection's winner; None shows no winner (the search failed).
        links: Label -> URL (rendered as a link) or command (rendered as code), e.g.
            ``{"Katib UI": "https://...", "TensorBoard": "tensorboard --logdir ..."}``.
        export_location: Where the best model was exported, if it was.
        notes: Free-text bullets shown under the summary.
        train_steps: A trial's full length (``numTrainSteps``): adds the budget section
            (steps spent vs full budget, where stopped trials stopped, brackets).
        target_steps: Trial name -> its own full length where it differs.
        selection: The ``best.json`` document: its ``tradeoffs``, ``pareto`` and
            ``constraints`` (when present) add one Pareto plot per trade-off.
        detections: The winner's export run on eval images (``results.read_detections``).
        detections_note: Shown instead of the detections (no export, stale record).

    Returns:
        The report; write it with ``write_report``.

    Raises:
        ValueError: a scale in ``param_scales`` is not one of the three above, or
            ``selection`` holds a malformed trade-off, Pareto point or constraint.
    """
    bad = [f"{name}={scale!r}" for name, scale in param_scales.items() if scale not in SCALES]
    if bad:
        raise ValueError(f"param_scales: scale must be one of {SCALES}, got {', '.join(bad)}")
    rows = leaderboard(results, metric, direction)
    # The winner is the selection's (odsweep.results.select_best), never this table's top row: a
    # failed trial can have the best value and must not be shown as the best.
    best_name = best_trial
    scored = [(result, best_of(result, metric, direction)) for result in results]
    plots, images = render_plots(scored, rows, metric, direction, param_scales)
    for section, png in pareto_plots(
        scored, parse_selection(selection), metric, direction, best_name
    ):
        plots += (section,)
        if section.image is not None and png is not None:
            images[section.image] = png
    best_row = None if best_name is None else find_row(rows, best_name)
    per_class, chart = per_class_section(best_row)
    if per_class is not None and per_class.image is not None and chart is not None:
        images[per_class.image] = chart
    shown = None
    if best_name is not None:
        shown, drawn = detections_section(detections, detections_note)
        images.update(drawn)
    content = Content(
        title=title,
        metric=metric,
        direction=direction,
        counts=status_counts(results),
        total=len(results),
        params=tuple(param_scales),
        rows=rows,
        best_name=best_name,
        best_row=best_row,
        links=tuple((links or {}).items()),
        export_location=export_location,
        notes=tuple(notes),
        errors=tuple(
            (result.trial, result.status, one_line(result.error, ERROR_LIMIT))
            for result in results
            if result.error
        ),
        plots=plots,
        budget=None if train_steps is None else compute_budget(results, train_steps, target_steps),
        per_class=per_class,
        detections=shown,
    )
    return Report(
        markdown=render_markdown(content),
        html=render_html(content, images),
        images=images,
    )
