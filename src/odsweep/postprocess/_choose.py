"""Which post-processing setting is exported: the best value of one metric among the
settings that satisfy every constraint. Pure: settings come in as plain metrics.

The constraints are the winner's (``odsweep.results.Constraint``): the spec's
``export.constraints`` and the command line's ``--constraint`` feed the same rule.
"""

from __future__ import annotations

import contextlib
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from odsweep.errors import InputError, OdsweepError
from odsweep.results import Constraint, ObjectiveType


class NoSettingFits(OdsweepError):
    """No setting satisfies the constraints (exit 1): the closest one is named."""


_CONSTRAINT = re.compile(r"^\s*(?P<metric>[^<>=\s]+)\s*(?P<op><=|>=)\s*(?P<value>\S+)\s*$")


def parse_constraint(text: str) -> Constraint:
    """``"Serving/latency_p50_ms<=40"`` -> a :class:`Constraint`.

    Raises:
        InputError: One line naming the flag, the value and the accepted form.
    """
    match = _CONSTRAINT.match(text)
    value = math.nan
    if match:
        with contextlib.suppress(ValueError):
            value = float(match["value"])
    if not match or not math.isfinite(value):
        raise InputError(
            f"--constraint: {text!r} is not METRIC<=NUMBER or METRIC>=NUMBER; "
            "give e.g. Serving/latency_p50_ms<=40"
        )
    return Constraint(match["metric"], value, upper=match["op"] == "<=")


@dataclass(frozen=True)
class Candidate:
    """One setting as the choice sees it: its name and every metric measured for it."""

    name: str
    metrics: Mapping[str, float]


def satisfies(candidate: Candidate, constraints: Sequence[Constraint]) -> bool:
    return all(c.satisfied(candidate.metrics.get(c.metric)) for c in constraints)


def choose(
    candidates: Sequence[Candidate],
    metric: str,
    direction: ObjectiveType,
    constraints: Sequence[Constraint] = (),
    tie_breaks: Sequence[tuple[str, ObjectiveType]] = (),
) -> Candidate:
    """The best ``metric`` among the candidates that satisfy every constraint.

    Equal values are decided by ``tie_breaks`` in order (e.g. the lower latency), then
    by the candidates' order (the config's own setting comes first).

    Raises:
        NoSettingFits: No candidate satisfies the constraints, or none has a finite
            ``metric``; the closest candidate is named.
    """
    fitting = [
        c
        for c in candidates
        if satisfies(c, constraints) and math.isfinite(c.metrics.get(metric, math.nan))
    ]
    if not fitting:
        raise NoSettingFits(_none_fits(candidates, metric, constraints))

    def key(c: Candidate) -> tuple[float, ...]:
        keys = [direction.best_first(c.metrics[metric])]
        for name, way in tie_breaks:
            value = c.metrics.get(name, math.nan)
            keys.append(way.best_first(value) if math.isfinite(value) else math.inf)
        return tuple(keys)

    return min(fitting, key=key)  # min() keeps the first of equal keys


def _none_fits(
    candidates: Sequence[Candidate], metric: str, constraints: Sequence[Constraint]
) -> str:
    if not candidates:
        return "post-processing: no setting was evaluated"
    if not constraints:
        return f"post-processing: no setting has a finite {metric}; see the eval logs"

    def total(c: Candidate) -> float:
        return sum(k.violation(c.metrics.get(k.metric)) for k in constraints)

    closest = min(candidates, key=total)
    missed = "; ".join(
        f"{k.describe()} (got {closest.metrics.get(k.metric, math.nan):g})"
        for k in constraints
        if k.violation(closest.metrics.get(k.metric)) > 0
    )
    return (
        f"post-processing: no setting satisfies {', '.join(k.describe() for k in constraints)}; "
        f"the closest is {closest.name}: {missed}; relax the constraint or widen the grid"
    )
