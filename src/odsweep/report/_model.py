"""The report's data: what ``build_report`` returns and what the renderers share."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from odsweep.report._budget import Budget
from odsweep.report._detections import Detections
from odsweep.report._per_class import PerClass
from odsweep.results import (
    REPORT_HTML,
    REPORT_MARKDOWN,
    BestCheckpoint,
    ObjectiveType,
    TrialResult,
    TrialStatus,
)

MARKDOWN_FILE = REPORT_MARKDOWN
HTML_FILE = REPORT_HTML
FILES_DIR = "report_files"


@dataclass(frozen=True)
class Report:
    """A rendered report, not yet written anywhere.

    Attributes:
        markdown: The text of ``report.md``; images are referenced as
            ``report_files/<name>.png``.
        html: A self-contained page: CSS inline, images embedded as base64 data URIs.
        images: Image name (without ``.png``) -> PNG bytes.
    """

    markdown: str
    html: str
    images: Mapping[str, bytes]


@dataclass(frozen=True)
class Row:
    """One leaderboard line.

    Attributes:
        rank: 1-based rank, equal for tied values; None for a trial without a value.
        result: The trial.
        best: The trial's best eval for the report's metric and direction, if any.
    """

    rank: int | None
    result: TrialResult
    best: BestCheckpoint | None


@dataclass(frozen=True)
class Plot:
    """One plot section: an image, or the reason there is none.

    Attributes:
        title: Section heading.
        image: Name in ``Report.images`` (without ``.png``), None when there was no data.
        reason: Why there is no image (shown instead of it).
    """

    title: str
    image: str | None
    reason: str | None = None


@dataclass(frozen=True)
class Content:
    """Everything both renderers show, computed once so Markdown and HTML agree.

    Attributes:
        title: Report title.
        metric: The objective metric.
        direction: Which way it improves.
        counts: (status, count) for every status with at least one trial, in enum order.
        total: Number of trials.
        params: Parameter names, in column order.
        rows: The leaderboard, best first.
        best_name: The best trial's name (given or the top of the leaderboard), if any.
        best_row: The best trial's row, None if ``best_name`` is not among the results.
        links: Label -> URL or command.
        export_location: Where the best model was exported, if it was.
        notes: Free-text bullets.
        errors: (trial, status, one-line truncated error) for every trial with an error.
        plots: Plot sections in display order.
        budget: Train steps spent against full budget; None when the caller gave no
            trial length (the section is left out).
        per_class: The winner's per-class AP; None without a winner.
        detections: The winner's detections on eval images; None without a winner.
    """

    title: str
    metric: str
    direction: ObjectiveType
    counts: tuple[tuple[TrialStatus, int], ...]
    total: int
    params: tuple[str, ...]
    rows: tuple[Row, ...]
    best_name: str | None
    best_row: Row | None
    links: tuple[tuple[str, str], ...]
    export_location: str | None
    notes: tuple[str, ...]
    errors: tuple[tuple[str, TrialStatus, str], ...]
    plots: tuple[Plot, ...]
    budget: Budget | None = None
    per_class: PerClass | None = None
    detections: Detections | None = None
