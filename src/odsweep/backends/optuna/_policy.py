"""The local engine's decisions, as Katib makes them: pure functions, no Optuna.

What decides when a trial stops early, when the search ends and how many trials may
start. Read from kubeflow/katib (Katib 0.19 layout):

- ``pkg/controller.v1beta1/experiment/util/status_util.go``
  (``UpdateExperimentStatusCondition``): the goal is checked first, then
  ``failed != 0 && failed >= maxFailedTrialCount`` fails the Experiment (failed counts
  Failed + MetricsUnavailable trials; older releases used ``failed > max``), then
  ``completed >= maxTrialCount`` succeeds it, completed being Succeeded + Failed +
  Killed + EarlyStopped + MetricsUnavailable.
- ``pkg/controller.v1beta1/experiment/experiment_controller.go``
  (``ReconcileTrials``): ``addCount = min(parallelTrialCount, maxTrialCount -
  completed) - active``. Once the Experiment is completed ``ReconcileExperiment`` stops
  calling ``ReconcileTrials``: no trial is created, and none is deleted or stopped.
  Running trials run to their own end (kubeflow/katib issue #2061 asked for stopping
  them; the PR, #2068, was closed unmerged).
- Median stopping: the rule Katib documents (after Google Vizier); see ``median_stop``
  for how Katib 0.19's ``pkg/earlystopping/v1beta1/medianstop/service.py`` differs.
"""

from __future__ import annotations

import enum
import math
import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType

from odsweep.spec import EarlyStopping, Objective, SearchSpec


def median_stop(
    *,
    rule: EarlyStopping,
    objective: Objective,
    running: Sequence[float],
    completed: Sequence[Sequence[float]],
) -> bool:
    """True when the median stopping rule stops a running trial now.

    The rule Katib documents (Google Vizier's): once ``rule.min_trials_required`` trials
    have succeeded, a running trial that has reported ``k >= rule.start_step``
    evaluations is stopped when its best objective so far (over ``running[:k]``, NaN
    ignored) is strictly worse than the MEDIAN of the succeeded trials' running averages
    over their first ``k`` evaluations. A succeeded trial with fewer than ``k``
    evaluations contributes the average of all it has; NaN values are left out of the
    averages, and a trial with no number at all does not count. A running trial with
    only NaN so far is not stopped (there is nothing to compare; it fails on its own).
    Equal to the median is not worse. Call it after each new evaluation.

    Katib 0.19's service does not do this. Its ``get_median_value`` returns the
    arithmetic MEAN, over succeeded trials, of each trial's average over its first
    ``start_step`` reports, and the metrics collector compares a trial ONCE, at its
    ``start_step``-th report, against that fixed value (the rule is set when the pod
    is created). odsweep implements the documented rule on both engines' behalf
    locally; the cluster runs Katib's own service.

    Args:
        rule: ``min_trials_required`` and ``start_step`` (1-based evaluation count).
        objective: Direction (``objective.better``).
        running: The running trial's objective values, one per evaluation, in order.
        completed: Each succeeded trial's objective values per evaluation, in order.

    Returns:
        True to stop the trial (early stopped), False to let it run.
    """
    k = len(running)
    if k == 0 or k < rule.start_step:
        return False
    averages = [avg for curve in completed if (avg := _mean_finite(curve[:k])) is not None]
    if len(averages) < rule.min_trials_required or not averages:
        return False
    best = objective.best(running[:k])
    if best is None:
        return False
    return objective.better(statistics.median(averages), best)


def _mean_finite(values: Sequence[float]) -> float | None:
    numbers = [v for v in values if not math.isnan(v)]
    return math.fsum(numbers) / len(numbers) if numbers else None


@dataclass(frozen=True)
class Tally:
    """How many trials of the search are in each state.

    Attributes:
        succeeded: Finished with an objective value.
        failed: Failed, including trials that ended without the objective metric (Katib's
            MetricsUnavailable counts as failed).
        early_stopped: Stopped by the median rule.
        stopped: Interrupted by odsweep itself (Ctrl-C, shutdown). Neither finished nor
            running: like a trial Katib deletes, it does not count towards
            ``maxTrialCount``, so a resumed search runs it again.
        running: Started and not finished (Katib's Pending + Running).
    """

    succeeded: int
    failed: int
    early_stopped: int
    stopped: int
    running: int

    @property
    def finished(self) -> int:
        """Trials that count towards ``maxTrialCount``: succeeded + failed + early stopped."""
        return self.succeeded + self.failed + self.early_stopped


class Verdict(enum.Enum):
    """Whether the search goes on, and if not, why it ended (Katib's reasons)."""

    CONTINUE = "running"
    SUCCEEDED_MAX_TRIALS = "succeeded: maxTrialCount reached"
    SUCCEEDED_GOAL = "succeeded: objective goal reached"
    FAILED_MAX_FAILED = "failed: maxFailedTrialCount reached"


SUCCEEDED = frozenset({Verdict.SUCCEEDED_MAX_TRIALS, Verdict.SUCCEEDED_GOAL})
"""The verdicts that end a search as a success."""


STOP_RUNNING_TRIALS_ON_END: Mapping[Verdict, bool] = MappingProxyType(
    {
        # Katib stops nothing when the Experiment completes (experiment_controller.go:
        # a completed Experiment skips ReconcileTrials): running trials finish on their
        # own, and their results still update currentOptimalTrial (status_util.go keeps
        # summarizing trials), though the Experiment's condition no longer changes.
        Verdict.SUCCEEDED_GOAL: False,
        Verdict.FAILED_MAX_FAILED: False,
        # finished + running <= maxTrialCount always holds, so none are running here.
        Verdict.SUCCEEDED_MAX_TRIALS: False,
    }
)
"""For each ending verdict: does Katib stop the trials still running? (It never does.)"""


def verdict(tally: Tally, *, spec: SearchSpec, goal_reached: bool) -> Verdict:
    """Whether the search goes on, in the order Katib's controller checks it.

    1. ``goal_reached`` -> ``SUCCEEDED_GOAL``. Katib sets it when the best objective of
       ANY trial with an observation (running ones included, each read with its metric
       strategy) meets ``objective.goal`` (>= when maximizing, <= when minimizing).
    2. ``failed != 0 and failed >= maxFailedTrialCount`` -> ``FAILED_MAX_FAILED``: 0 and 1
       both fail at the first failure; no ``maxFailedTrialCount`` -> never.
    3. ``finished >= maxTrialCount`` -> ``SUCCEEDED_MAX_TRIALS``.
    4. Otherwise ``CONTINUE``.

    Args:
        tally: The current counts.
        spec: ``max_trial_count`` and ``max_failed_trial_count``.
        goal_reached: Whether any trial has met the objective goal (False without goal).

    Returns:
        The verdict; anything but ``CONTINUE`` ends the search for good.
    """
    if goal_reached:
        return Verdict.SUCCEEDED_GOAL
    budget = spec.max_failed_trial_count
    if budget is not None and tally.failed != 0 and tally.failed >= budget:
        return Verdict.FAILED_MAX_FAILED
    if tally.finished >= spec.max_trial_count:
        return Verdict.SUCCEEDED_MAX_TRIALS
    return Verdict.CONTINUE


def slots_to_launch(tally: Tally, *, spec: SearchSpec) -> int:
    """How many new trials may start now (Katib's ``ReconcileTrials`` arithmetic).

    ``min(parallelTrialCount - running, maxTrialCount - finished - running)``, never
    below 0: at most ``parallelTrialCount`` run at once and no more than
    ``maxTrialCount`` are ever started. Katib only asks while the Experiment is running:
    call it only when ``verdict(...)`` is ``CONTINUE``.

    Args:
        tally: The current counts.
        spec: ``parallel_trial_count`` and ``max_trial_count``.

    Returns:
        The number of trials to start, >= 0.
    """
    by_parallelism = spec.parallel_trial_count - tally.running
    by_budget = spec.max_trial_count - tally.finished - tally.running
    return max(0, min(by_parallelism, by_budget))


def worker_slots(tally: Tally, *, spec: SearchSpec, running_here: int, parallel: int) -> int:
    """:func:`slots_to_launch` for one of several workers sharing a study.

    ``min(parallel - running_here, maxTrialCount - finished - running)``, never below 0:
    each worker runs at most its own ``parallel`` trials (``parallelTrialCount`` or its
    ``--parallel``), and the study as a whole never starts more than ``maxTrialCount``
    (``tally`` counts every worker's trials). The count and the asks that follow must
    happen under the study lock, or two workers would both see the same free slots.

    Args:
        tally: The whole study's counts.
        spec: ``max_trial_count``.
        running_here: The trials this worker runs now.
        parallel: This worker's parallelism.

    Returns:
        The number of trials this worker starts now, >= 0.
    """
    by_parallelism = parallel - running_here
    by_budget = spec.max_trial_count - tally.finished - tally.running
    return max(0, min(by_parallelism, by_budget))
