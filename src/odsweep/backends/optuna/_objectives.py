"""One study value or several: the primary objective, then each trade-off.

With ``objective.tradeoffs`` the study is multi-objective (Optuna's ``directions``).
What it is told for a finished trial is the primary value at the trial's best
checkpoint and each trade-off metric at that same checkpoint
(:func:`odsweep.results.best_metrics`: the eval there, the serving cost measured at
the trial's end). Early stopping, the goal and Hyperband read the primary alone: the
intermediate values the study holds are the primary's (Optuna's own pruners refuse
multi-objective studies; odsweep's stopping rules never ask the study to prune), and
:func:`primary_value` is how a study trial's value is read everywhere.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from optuna.study import StudyDirection
from optuna.trial import FrozenTrial

from odsweep.results import ObjectiveType, Tradeoff, TrialResult, best_metrics
from odsweep.spec import Objective

TELL_ERROR_ATTR = "odsweep_tell_error"
"""Why a succeeded trial was told FAIL: a trade-off metric it did not record."""


def _direction(kind: ObjectiveType) -> StudyDirection:
    return StudyDirection.MAXIMIZE if kind is ObjectiveType.MAXIMIZE else StudyDirection.MINIMIZE


def directions(objective: Objective) -> list[StudyDirection]:
    """The study's directions: the primary's, then each trade-off's."""
    return [_direction(objective.type), *(_direction(t.type) for t in objective.tradeoffs)]


def metric_names(objective: Objective) -> list[str]:
    """The study's value names (optuna-dashboard's axes), in the order of the values."""
    return [objective.metric, *(t.metric for t in objective.tradeoffs)]


def study_values(result: TrialResult, tradeoffs: Sequence[Tradeoff]) -> list[float] | str:
    """What the study is told for a succeeded trial, or why it cannot be told.

    The trial must have a best checkpoint and a finite value for each trade-off metric
    there; otherwise the returned message names what is missing (the trial is then told
    FAIL, since Optuna takes all values or none, and its own record stays as it is).
    """
    if result.best is None:
        return f"{result.trial} has no best checkpoint"
    metrics = best_metrics(result)
    values = [result.best.value]
    missing = []
    for tradeoff in tradeoffs:
        value = metrics.get(tradeoff.metric)
        if value is None or not math.isfinite(value):
            missing.append(tradeoff.metric)
        else:
            values.append(value)
    if missing:
        return (
            f"{result.trial} recorded no finite {', '.join(missing)} at its best checkpoint "
            f"(step {result.best.step}), so the multi-objective study cannot place it; it "
            "stays in the results but not on the Pareto front"
        )
    return values


def primary_value(trial: FrozenTrial) -> float | None:
    """The primary objective value of a study trial (single- or multi-objective)."""
    values = trial.values
    return float(values[0]) if values else None
