"""What following an Experiment shows: a bar on a terminal, log lines for every change.

The same idea as the local engine's progress (``backends/optuna/_progress.py``): a tqdm
bar over ``maxTrialCount`` finished trials only when stderr is a terminal, log records
routed through ``tqdm.write`` while it is shown, and one log line per event either way
(a trial started or ended, the Experiment changed phase, the best trial changed), so a
CI log or ``kubectl logs`` of a pipeline step tells the whole story.
"""

from __future__ import annotations

import logging
import sys

from tqdm import tqdm

from odsweep.backends._logbar import Swaps, restore_logs, route_logs_through_bar
from odsweep.backends.katib._status import ExperimentStatus, TrialState

logger = logging.getLogger(__name__)

_ENDED = {
    TrialState.SUCCEEDED: "succeeded",
    TrialState.FAILED: "failed",
    TrialState.METRICS_UNAVAILABLE: "ended without metrics (MetricsUnavailable, counts as failed)",
    TrialState.EARLY_STOPPED: "was early stopped",
    TrialState.KILLED: "was killed",
}


def describe_best(status: ExperimentStatus) -> str:
    """``NAME METRIC=VALUE [p=v, ...]`` for Katib's optimal trial, or ``none yet``."""
    if status.optimal is None:
        return "none yet"
    value = status.best_value()
    shown = "unavailable" if value is None else f"{value:.6g}"
    params = ", ".join(f"{k}={v}" for k, v in status.optimal.params.items())
    return f"{status.optimal.name} {status.objective.metric}={shown} [{params}]"


def describe_counts(status: ExperimentStatus) -> str:
    c = status.counts
    total = "?" if status.max_trial_count is None else str(status.max_trial_count)
    return (
        f"{c.finished}/{total} finished: {c.succeeded} succeeded, {c.failed} failed, "
        f"{c.metrics_unavailable} without metrics, {c.early_stopped} early stopped, "
        f"{c.killed} killed; {c.running} running, {c.pending} pending"
    )


class FollowProgress:
    """Shows each reading of an Experiment; call :meth:`update` per poll, then :meth:`close`.

    Args:
        enabled: Show a bar (only on a terminal). The log lines come either way.
    """

    def __init__(self, *, enabled: bool) -> None:
        self._enabled = enabled and sys.stderr.isatty()
        self._bar: tqdm[None] | None = None
        self._swapped: Swaps = []
        self._last: ExperimentStatus | None = None

    def update(self, status: ExperimentStatus) -> None:
        if self._enabled and self._bar is None:
            # Before the first log line, so that every line goes through the bar.
            self._bar = tqdm(total=status.max_trial_count, unit="trial", desc=status.name)
            self._route_logs_through_bar()
        last = self._last
        self._last = status
        if last is None or (last.phase, last.reason) != (status.phase, status.reason):
            detail = f" ({status.reason}: {status.message})" if status.reason else ""
            logger.info("Experiment %s: %s%s", status.ref, status.phase.value, detail)
        for name in status.trial_names[TrialState.RUNNING]:
            if last is None or name not in last.trial_names[TrialState.RUNNING]:
                logger.info("%s is running", name)
        # On the first reading, trials that already ended are history: the count line
        # says it (a resumed follow of a long search would otherwise repeat them all).
        if last is not None:
            for state, words in _ENDED.items():
                for name in status.trial_names[state]:
                    if name not in last.trial_names[state]:
                        logger.info("%s %s", name, words)
        if last is None or last.counts != status.counts:
            logger.info("trials: %s", describe_counts(status))
        if status.optimal is not None and (last is None or last.optimal != status.optimal):
            logger.info("best so far: %s", describe_best(status))
        self._show_bar(status)

    def _show_bar(self, status: ExperimentStatus) -> None:
        if self._bar is None:
            return
        c = status.counts
        self._bar.n = c.finished
        value = status.best_value()
        best = "-" if value is None else f"{value:.4g}"
        self._bar.set_postfix_str(
            f"running {c.running}, ok {c.succeeded}, failed {c.failed_for_budget}, "
            f"early-stopped {c.early_stopped}, killed {c.killed}, best {best}",
            refresh=True,
        )

    def _route_logs_through_bar(self) -> None:
        self._swapped = route_logs_through_bar()

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None
        restore_logs(self._swapped)
