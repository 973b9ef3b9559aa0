"""Leaderboard ranking, status counts and the text form of values.

Pure functions shared by the Markdown and HTML renderers and the plots, so that both
formats show the same numbers in the same order.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from typing import Any

from odsweep.report._model import Row
from odsweep.results import BestCheckpoint, ObjectiveType, TrialResult, TrialStatus

ERROR_LIMIT = 200
CELL_LIMIT = 80
MISSING = "—"


def finite(value: Any) -> float | None:
    """``value`` as a float when it is a finite number, else None (NaN, inf, text, None)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    number = float(value)
    return number if math.isfinite(number) else None


def best_of(result: TrialResult, metric: str, direction: ObjectiveType) -> BestCheckpoint | None:
    """The trial's best eval for ``metric`` in ``direction``.

    The trial's own ``best`` is used when it was tracked for the same metric and
    direction, because it names the kept copy of the checkpoint (which rotation cannot
    delete). Otherwise it is recomputed from the evals, so that a trial recorded against
    another metric is still ranked on the report's objective.
    """
    if result.metric == metric and result.objective is direction:
        best = result.best
        return best if best is not None and finite(best.value) is not None else None
    found: BestCheckpoint | None = None
    for record in result.evals:
        value = finite(record.metrics.get(metric))
        if value is not None and (found is None or direction.better(value, found.value)):
            found = BestCheckpoint(record.step, record.checkpoint, value)
    return found


def leaderboard(
    results: Sequence[TrialResult], metric: str, direction: ObjectiveType
) -> tuple[Row, ...]:
    """Rows best first; ties and trials without a value keep their input order.

    Tied values share a rank (1, 1, 3) so that a tie is visible in the table.
    """
    with_value: list[tuple[TrialResult, BestCheckpoint]] = []
    without: list[TrialResult] = []
    for result in results:
        best = best_of(result, metric, direction)
        if best is None:
            without.append(result)
        else:
            with_value.append((result, best))
    # sorted() is stable, which is what keeps the earlier of two tied trials first.
    with_value.sort(key=lambda item: direction.best_first(item[1].value))
    rows: list[Row] = []
    previous: float | None = None
    rank = 0
    for index, (result, best) in enumerate(with_value, start=1):
        if previous is None or best.value != previous:
            rank = index
        previous = best.value
        rows.append(Row(rank, result, best))
    rows.extend(Row(None, result, None) for result in without)
    return tuple(rows)


def status_counts(results: Sequence[TrialResult]) -> tuple[tuple[TrialStatus, int], ...]:
    """(status, count) for each status that occurs, in the enum's order."""
    counter = Counter(result.status for result in results)
    return tuple((status, counter[status]) for status in TrialStatus if counter[status])


def find_row(rows: Sequence[Row], trial: str) -> Row | None:
    """The first row of the trial named ``trial``."""
    return next((row for row in rows if row.result.trial == trial), None)


def one_line(text: str, limit: int) -> str:
    """``text`` with whitespace runs (newlines too) collapsed, cut to ``limit`` characters."""
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def format_number(value: float) -> str:
    """A metric or parameter number, short but with enough digits to tell trials apart."""
    return f"{value:.6g}"


def format_value(value: Any, limit: int = CELL_LIMIT) -> str:
    """A parameter value as table text; a missing value is an em dash."""
    if value is None:
        return MISSING
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return format_number(value)
    return one_line(str(value), limit)


def counts_text(counts: Sequence[tuple[TrialStatus, int]], total: int) -> str:
    """E.g. ``8 trials: 6 succeeded, 1 failed, 1 early_stopped``."""
    noun = "trial" if total == 1 else "trials"
    if not counts:
        return f"{total} {noun}"
    parts = ", ".join(f"{count} {status.value}" for status, count in counts)
    return f"{total} {noun}: {parts}"


def direction_text(direction: ObjectiveType) -> str:
    """``maximize (higher is better)`` or ``minimize (lower is better)``."""
    word = "higher" if direction is ObjectiveType.MAXIMIZE else "lower"
    return f"{direction.value} ({word} is better)"


def ordered_params(row: Row, params: Sequence[str]) -> list[tuple[str, Any]]:
    """The trial's params: the report's columns first, then any others in trial order."""
    given = row.result.params
    items = [(name, given.get(name)) for name in params]
    items.extend((name, value) for name, value in given.items() if name not in params)
    return items
