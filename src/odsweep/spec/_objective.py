"""Parses ``spec.objective``: direction, metric names the trial can report, goal."""

from __future__ import annotations

from odsweep.results import ObjectiveType, Tradeoff, is_per_category, is_reportable_name
from odsweep.spec._model import Objective
from odsweep.spec._problems import Problems, Reader, as_list, as_mapping, coerce_float, index
from odsweep.spec._tradeoffs import parse_tradeoffs

METRIC_ALIASES = {"loss": "Loss/total_loss"}
# The trial prints "<RFC3339> <name>=<value>" and Katib's StdOut collector reads it
# back with one regex (odsweep.results): a name must match its name group. It
# has no "=", and spaces appear only before a parenthesised suffix, as in the OD API's
# "DetectionBoxes_Recall/AR@100 (small)".
METRIC_RULE = (
    "must be a metric name the trial can report (a letter, then letters, digits and "
    "_ / @ . -, optionally ' (suffix)' parts; no '=')"
)

OBJECTIVE_KEYS = ("type", "objectiveMetricName", "goal", "additionalMetricNames", "tradeoffs")
OBJECTIVE_TYPE_ALIASES = {
    "maximize": "maximize",
    "minimize": "minimize",
    "max": "maximize",
    "min": "minimize",
}


def _metric(value: object, path: str, problems: Problems) -> str | None:
    if not isinstance(value, str) or not value.strip():
        problems.add(path, "must be a non-empty metric name", value)
        return None
    name = METRIC_ALIASES.get(value.strip(), value.strip())
    if not is_reportable_name(name):
        problems.add(path, METRIC_RULE, value, "e.g. DetectionBoxes_Precision/mAP")
        return None
    if is_per_category(name):
        # Never printed as a metric line (a class name can break Katib's regex): on Katib
        # the trial would never report it. The report shows every class's AP anyway.
        problems.add(
            path,
            "must not be a per-class metric (recorded in result.json and shown in the "
            "report, never reported to the engine)",
            value,
            "use an overall metric, e.g. DetectionBoxes_Precision/mAP",
        )
        return None
    return name


def parse_objective(spec: Reader) -> Objective | None:
    path = spec.at("objective")
    if not spec.has("objective"):
        spec.missing("objective", "{type: maximize, objectiveMetricName: ...}")
        return None
    problems = spec.problems
    mapping = as_mapping(spec.raw("objective"), path, problems)
    if mapping is None:
        return None
    problems.unknown_keys(mapping, path, OBJECTIVE_KEYS)
    reader = Reader(mapping, path, problems)
    kind = reader.choice("type", OBJECTIVE_TYPE_ALIASES, required=True)
    metric = None
    if reader.has("objectiveMetricName"):
        raw_metric = reader.raw("objectiveMetricName")
        metric = _metric(raw_metric, reader.at("objectiveMetricName"), problems)
    else:
        reader.missing("objectiveMetricName", "e.g. DetectionBoxes_Precision/mAP")
    goal = None
    if reader.has("goal"):
        goal = coerce_float(reader.raw("goal"))
        if goal is None:
            problems.add(reader.at("goal"), "must be a finite number", reader.raw("goal"))
    additional: list[str] = []
    if reader.has("additionalMetricNames"):
        list_path = reader.at("additionalMetricNames")
        for j, item in enumerate(
            as_list(reader.raw("additionalMetricNames"), list_path, problems) or []
        ):
            name = _metric(item, index(list_path, j), problems)
            if name is not None and name == metric:
                problems.add(
                    index(list_path, j),
                    "must not repeat objectiveMetricName (Katib refuses it)",
                    item,
                    "remove it",
                )
            elif name is not None and name in additional:
                problems.add(index(list_path, j), "duplicate metric name", item, "list it once")
            elif name is not None:
                additional.append(name)
    tradeoffs: tuple[Tradeoff, ...] = ()
    if reader.has("tradeoffs"):
        before = len(problems)
        tradeoffs = parse_tradeoffs(
            reader.raw("tradeoffs"),
            reader.at("tradeoffs"),
            problems,
            primary=metric,
            metric_of=_metric,
            directions=OBJECTIVE_TYPE_ALIASES,
        )
        if len(problems) != before:
            return None
    if kind is None or metric is None or (reader.has("goal") and goal is None):
        return None
    return Objective(ObjectiveType(kind), metric, goal, tuple(additional), tradeoffs)
