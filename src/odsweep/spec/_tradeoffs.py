"""Parses ``objective.tradeoffs`` and ``export.constraints``, and the rule of which
algorithms can search several objectives at once.

Locally, trade-offs make the Optuna study multi-objective (directions: the primary, then
each trade-off). On Katib the primary alone drives the search and the trade-off metrics
are collected as additional metrics; odsweep computes the Pareto front afterwards.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from odsweep.results import Constraint, ObjectiveType, Tradeoff
from odsweep.spec._model import AlgorithmName
from odsweep.spec._problems import (
    NOTHING,
    Problems,
    Reader,
    as_list,
    as_mapping,
    coerce_float,
    index,
)

TRADEOFF_KEYS = ("objectiveMetricName", "type")
CONSTRAINT_KEYS = ("metricName", "max", "min")

# Samplers that take a study with several directions as they are: Optuna's RandomSampler,
# GridSampler and QMCSampler ignore the values, and its TPESampler splits multi-objective
# trials by non-domination rank. CmaEsSampler and odsweep's scikit-optimize sampler
# (bayesianoptimization) fit one value; hyperband promotes by one value.
MULTI_OBJECTIVE_ALGORITHMS: tuple[AlgorithmName, ...] = (
    AlgorithmName.RANDOM,
    AlgorithmName.TPE,
    AlgorithmName.MULTIVARIATE_TPE,
    AlgorithmName.GRID,
    AlgorithmName.SOBOL,
)


def parse_tradeoffs(
    raw: object,
    path: str,
    problems: Problems,
    *,
    primary: str | None,
    metric_of: Callable[[object, str, Problems], str | None],
    directions: dict[str, str],
) -> tuple[Tradeoff, ...]:
    """``[{objectiveMetricName, type}]``: each metric differs from the primary and the others.

    ``metric_of(value, path, problems)`` is the objective's metric-name reader (aliases,
    the metric-line grammar), so trade-off names follow the same rules.
    """
    items = as_list(raw, path, problems)
    if items is None:
        return ()
    if not items:
        problems.add(path, "must list at least one trade-off", raw, "or remove tradeoffs")
    out: list[Tradeoff] = []
    for i, item in enumerate(items):
        item_path = index(path, i)
        mapping = as_mapping(item, item_path, problems)
        if mapping is None:
            continue
        problems.unknown_keys(mapping, item_path, TRADEOFF_KEYS)
        reader = Reader(mapping, item_path, problems)
        kind = reader.choice("type", directions, required=True)
        name = None
        if reader.has("objectiveMetricName"):
            key = reader.at("objectiveMetricName")
            name = metric_of(reader.raw("objectiveMetricName"), key, problems)
            if name is not None and name == primary:
                problems.add(
                    key,
                    "must differ from spec.objective.objectiveMetricName (it is already "
                    "the primary objective)",
                    name,
                    "name another metric",
                )
                name = None
            elif name is not None and name in (t.metric for t in out):
                problems.add(key, "duplicate trade-off metric", name, "list it once")
                name = None
        else:
            reader.missing("objectiveMetricName", "e.g. Serving/latency_p50_ms")
        if name is not None and kind is not None:
            out.append(Tradeoff(name, ObjectiveType(kind)))
    return tuple(out)


def parse_constraints(
    raw: object, path: str, problems: Problems, *, collected: Sequence[str] | None
) -> tuple[Constraint, ...]:
    """``[{metricName, max: x} | {metricName, min: x}]``, exactly one bound per item.

    ``collected``: the metrics every trial records (objective, trade-offs, additional
    metrics); a constraint on another metric could never be checked. None when the
    objective itself is invalid (already reported).
    """
    items = as_list(raw, path, problems)
    if items is None:
        return ()
    out: list[Constraint] = []
    for i, item in enumerate(items):
        item_path = index(path, i)
        mapping = as_mapping(item, item_path, problems)
        if mapping is None:
            continue
        problems.unknown_keys(mapping, item_path, CONSTRAINT_KEYS)
        reader = Reader(mapping, item_path, problems)
        name = reader.string("metricName", required=True, what="a metric name")
        if name is not None and collected is not None and name not in collected:
            problems.add(
                reader.at("metricName"),
                "must be a metric the trials record (the objective, a trade-off or an "
                "additional metric)",
                name,
                f"add it to spec.objective.additionalMetricNames, or use one of "
                f"{', '.join(collected)}",
            )
            name = None
        bounds = [key for key in ("max", "min") if reader.raw(key) is not NOTHING]
        if len(bounds) != 1:
            problems.add(
                item_path,
                "must have exactly one of max or min",
                mapping,
                "e.g. {metricName: Serving/latency_p50_ms, max: 40}",
            )
            continue
        bound = coerce_float(reader.raw(bounds[0]))
        if bound is None:
            problems.add(reader.at(bounds[0]), "must be a finite number", reader.raw(bounds[0]))
            continue
        if name is not None:
            out.append(Constraint(name, bound, bounds[0] == "max"))
    return tuple(out)


def check_multi_objective(
    algorithm: AlgorithmName | None, tradeoffs: Sequence[Tradeoff], problems: Problems
) -> None:
    """Refuse an algorithm that cannot search several objectives at once."""
    if algorithm is None or not tradeoffs or algorithm in MULTI_OBJECTIVE_ALGORITHMS:
        return
    works = ", ".join(a.value for a in MULTI_OBJECTIVE_ALGORITHMS)
    problems.add(
        "spec.algorithm.algorithmName",
        "cannot search with spec.objective.tradeoffs (it optimizes one value)",
        algorithm.value,
        f"use one of {works}, or remove the trade-offs",
    )
