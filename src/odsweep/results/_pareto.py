"""Trade-offs and export constraints over the trial records: the Pareto front and the
constrained winner. Pure: no TensorFlow, no engine, no spec.

A trial is scored at its best checkpoint (the one the primary objective chose): the
primary value is its ``best.value``, every other metric is read from
:func:`best_metrics` (the eval at that step, plus the serving cost measured at the
trial's end on that same checkpoint).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from odsweep.errors import OdsweepError
from odsweep.results._objective import ObjectiveType
from odsweep.results._serving_names import serving_metrics
from odsweep.results._trial import TrialResult, TrialStatus

COMPETE = (TrialStatus.SUCCEEDED, TrialStatus.EARLY_STOPPED)
"""The trials that hold an evaluated best checkpoint and may win or be on the front."""


@dataclass(frozen=True)
class Tradeoff:
    """One more objective of a multi-objective search: a metric and its direction."""

    metric: str
    type: ObjectiveType

    def to_dict(self) -> dict[str, str]:
        return {"objectiveMetricName": self.metric, "type": self.type.value}

    @classmethod
    def from_dict(cls, doc: Mapping[str, Any]) -> Tradeoff:
        return cls(str(doc["objectiveMetricName"]), ObjectiveType(doc["type"]))


@dataclass(frozen=True)
class Constraint:
    """``metric <= bound`` (``upper``) or ``metric >= bound``: what an export must meet."""

    metric: str
    bound: float
    upper: bool

    @property
    def key(self) -> str:
        """``max`` or ``min``: the YAML / best.json key of the bound."""
        return "max" if self.upper else "min"

    def satisfied(self, value: float | None) -> bool:
        """A missing or NaN value never satisfies a constraint."""
        if value is None or math.isnan(value):
            return False
        return value <= self.bound if self.upper else value >= self.bound

    def violation(self, value: float | None) -> float:
        """How far ``value`` is outside the bound, relative to the bound's size.

        ``(value - max) / |max|`` or ``(min - value) / |min|`` when outside, 0 inside;
        the absolute distance when the bound is 0; infinity when the value is missing.
        Relative, so that constraints in ms and in MB add up comparably.
        """
        if value is None or math.isnan(value):
            return math.inf
        over = value - self.bound if self.upper else self.bound - value
        if over <= 0:
            return 0.0
        return over / abs(self.bound) if self.bound else over

    def describe(self) -> str:
        return f"{self.metric} {'<=' if self.upper else '>='} {self.bound:g}"

    def to_dict(self) -> dict[str, Any]:
        return {"metricName": self.metric, self.key: self.bound}

    @classmethod
    def from_dict(cls, doc: Mapping[str, Any]) -> Constraint:
        upper = "max" in doc
        return cls(str(doc["metricName"]), float(doc["max" if upper else "min"]), upper)


@dataclass(frozen=True)
class ParetoPoint:
    """One trial on the front, as ``best.json`` lists it."""

    trial: str
    step: int
    params: Mapping[str, Any]
    metrics: Mapping[str, float]

    def to_dict(self) -> dict[str, Any]:
        return {
            "trial": self.trial,
            "step": self.step,
            "params": dict(self.params),
            "metrics": dict(self.metrics),
        }

    @classmethod
    def from_dict(cls, doc: Mapping[str, Any]) -> ParetoPoint:
        return cls(
            trial=str(doc["trial"]),
            step=int(doc["step"]),
            params=dict(doc.get("params", {})),
            metrics={k: float(v) for k, v in dict(doc.get("metrics", {})).items()},
        )


class ConstraintsUnmet(OdsweepError):
    """No trial with a best checkpoint satisfies every export constraint (exit 1)."""


def best_metrics(result: TrialResult) -> dict[str, float]:
    """Every metric of ``result`` at its best checkpoint: that eval's metrics, then the
    serving measurement (taken at the trial's end on the same checkpoint)."""
    if result.best is None:
        return {}
    at_best = next((e for e in result.evals if e.step == result.best.step), None)
    metrics = {k: float(v) for k, v in (at_best.metrics if at_best else {}).items()}
    for name, value in serving_metrics(result).items():
        metrics.setdefault(name, value)
    metrics[result.metric] = result.best.value
    return metrics


def scores(result: TrialResult, criteria: Sequence[Tradeoff]) -> tuple[float, ...] | None:
    """The values of ``criteria`` at the trial's best checkpoint; None when the trial
    does not compete or any of them is missing or not finite."""
    if result.status not in COMPETE or result.best is None:
        return None
    metrics = best_metrics(result)
    values = tuple(metrics.get(c.metric, math.nan) for c in criteria)
    return values if all(math.isfinite(v) for v in values) else None


def dominates(a: Sequence[float], b: Sequence[float], criteria: Sequence[Tradeoff]) -> bool:
    """True when ``a`` is at least as good as ``b`` in every criterion and strictly better
    in one (each criterion read in its own direction)."""
    strictly = False
    for x, y, criterion in zip(a, b, criteria, strict=True):
        if criterion.type.better(y, x):
            return False
        if criterion.type.better(x, y):
            strictly = True
    return strictly


def pareto_front(
    results: Sequence[TrialResult], objective: Tradeoff, tradeoffs: Sequence[Tradeoff]
) -> list[ParetoPoint]:
    """The non-dominated trials over the primary objective and the trade-offs.

    Rule: trial A dominates trial B when A is at least as good as B in every criterion
    (primary and each trade-off, each in its own direction) and strictly better in at
    least one. The front is every competing trial no other competing trial dominates.
    Trials with identical values do not dominate each other: duplicates are all on the
    front. Only succeeded and early-stopped trials with a best checkpoint and a finite
    value for every criterion take part (a trial missing a trade-off metric cannot be
    placed). Ordered best primary first; equal primaries keep trial order.
    """
    criteria = (objective, *tradeoffs)
    scored = [(r, s) for r in results if (s := scores(r, criteria)) is not None]
    front = [
        (r, s)
        for r, s in scored
        if not any(dominates(other, s, criteria) for _, other in scored if other is not s)
    ]
    front.sort(key=lambda pair: objective.type.best_first(pair[1][0]))
    return [
        ParetoPoint(
            trial=r.trial,
            step=r.best.step if r.best else 0,
            params=dict(r.params),
            metrics={c.metric: v for c, v in zip(criteria, s, strict=True)},
        )
        for r, s in front
    ]


def feasible(result: TrialResult, constraints: Sequence[Constraint]) -> bool:
    metrics = best_metrics(result)
    return all(c.satisfied(metrics.get(c.metric)) for c in constraints)


def total_violation(result: TrialResult, constraints: Sequence[Constraint]) -> float:
    """The sum of :meth:`Constraint.violation` over the constraints (the "closest" rule)."""
    metrics = best_metrics(result)
    return math.fsum(c.violation(metrics.get(c.metric)) for c in constraints)


def closest_trial(
    results: Sequence[TrialResult], constraints: Sequence[Constraint]
) -> TrialResult | None:
    """The competing trial with the smallest total normalized violation (ties: the
    earlier trial); None when no trial has a best checkpoint."""
    found: TrialResult | None = None
    least = math.inf
    for result in results:
        if result.status not in COMPETE or result.best is None:
            continue
        violation = total_violation(result, constraints)
        if found is None or violation < least:
            found, least = result, violation
    return found


def unmet_message(results: Sequence[TrialResult], constraints: Sequence[Constraint]) -> str:
    """The one-line error when no trial meets the constraints, naming the closest one."""
    wanted = ", ".join(c.describe() for c in constraints)
    closest = closest_trial(results, constraints)
    if closest is None:
        return f"export.constraints: no trial has a best checkpoint to meet {wanted}"
    metrics = best_metrics(closest)
    shown = ", ".join(
        f"{c.metric}={metrics[c.metric]:g}" if c.metric in metrics else f"{c.metric} missing"
        for c in constraints
    )
    return (
        f"export.constraints: no trial meets {wanted}; the closest is {closest.trial} "
        f"({shown}, step {closest.best.step if closest.best else 0}); relax the constraints "
        f"or export it anyway with `odsweep export DIR --trial {closest.trial}`"
    )
