"""objective.tradeoffs and export.constraints: parsed values, round trip, one-line errors."""

from __future__ import annotations

from typing import Any

import pytest
from spec_fixtures import errors, parse, valid_doc

from odsweep.results import Constraint, ObjectiveType, Tradeoff
from odsweep.spec import MULTI_OBJECTIVE_ALGORITHMS, parse_spec, spec_to_dict

LATENCY = "Serving/latency_p50_ms"


def with_tradeoffs(doc: dict[str, Any], *items: dict[str, Any]) -> dict[str, Any]:
    doc["spec"]["objective"]["tradeoffs"] = list(items)
    return doc


def test_tradeoffs_and_constraints_parse_and_round_trip() -> None:
    doc = with_tradeoffs(
        valid_doc(),
        {"objectiveMetricName": LATENCY, "type": "minimize"},
        {"objectiveMetricName": "DetectionBoxes_Recall/AR@100", "type": "max"},
    )
    doc["spec"]["export"]["constraints"] = [
        {"metricName": LATENCY, "max": 40},
        {"metricName": "Loss/total_loss", "min": 0.0},
    ]
    spec = parse(doc)
    assert spec.objective.tradeoffs == (
        Tradeoff(LATENCY, ObjectiveType.MINIMIZE),
        Tradeoff("DetectionBoxes_Recall/AR@100", ObjectiveType.MAXIMIZE),
    )
    assert spec.export.constraints == (
        Constraint(LATENCY, 40.0, upper=True),
        Constraint("Loss/total_loss", 0.0, upper=False),
    )
    # Katib's collector gathers the additional metrics, then each trade-off metric.
    assert spec.objective.collected == (
        "Loss/total_loss",
        LATENCY,
        "DetectionBoxes_Recall/AR@100",
    )
    again = parse_spec(spec_to_dict(spec), source=spec.source, base_dir="/")
    assert again.objective == spec.objective
    assert again.export.constraints == spec.export.constraints


def test_a_tradeoff_already_an_additional_metric_is_collected_once() -> None:
    doc = with_tradeoffs(valid_doc(), {"objectiveMetricName": "Loss/total_loss", "type": "min"})
    assert parse(doc).objective.collected == ("Loss/total_loss",)


def test_a_spec_without_tradeoffs_writes_no_new_keys() -> None:
    body = spec_to_dict(parse(valid_doc()))["spec"]
    assert "tradeoffs" not in body["objective"]
    assert "constraints" not in body["export"]


@pytest.mark.parametrize(
    ("items", "message"),
    [
        (
            [{"objectiveMetricName": "DetectionBoxes_Precision/mAP", "type": "max"}],
            "spec.objective.tradeoffs[0].objectiveMetricName: must differ from "
            "spec.objective.objectiveMetricName (it is already the primary objective), got "
            "'DetectionBoxes_Precision/mAP'; name another metric",
        ),
        (
            [
                {"objectiveMetricName": LATENCY, "type": "min"},
                {"objectiveMetricName": LATENCY, "type": "max"},
            ],
            f"spec.objective.tradeoffs[1].objectiveMetricName: duplicate trade-off metric, "
            f"got {LATENCY!r}; list it once",
        ),
        (
            [{"objectiveMetricName": LATENCY, "type": "smaller"}],
            "spec.objective.tradeoffs[0].type: must be one of maximize, minimize, max, min, "
            "got 'smaller'",
        ),
        (
            [{"type": "min"}],
            "spec.objective.tradeoffs[0].objectiveMetricName: is required; "
            "add objectiveMetricName: <e.g. Serving/latency_p50_ms>",
        ),
        (
            [],
            "spec.objective.tradeoffs: must list at least one trade-off, got []; "
            "or remove tradeoffs",
        ),
        (
            [{"objectiveMetricName": "a=b", "type": "min"}],
            "spec.objective.tradeoffs[0].objectiveMetricName: must be a metric name the "
            "trial can report (a letter, then letters, digits and _ / @ . -, optionally "
            "' (suffix)' parts; no '='), got 'a=b'; e.g. DetectionBoxes_Precision/mAP",
        ),
    ],
)
def test_tradeoff_errors(items: list[dict[str, Any]], message: str) -> None:
    doc = valid_doc()
    doc["spec"]["objective"]["tradeoffs"] = items
    assert message in errors(doc)


@pytest.mark.parametrize(
    ("item", "message"),
    [
        (
            {"metricName": LATENCY, "max": 40},
            f"spec.export.constraints[0].metricName: must be a metric the trials record (the "
            f"objective, a trade-off or an additional metric), got {LATENCY!r}; add it to "
            "spec.objective.additionalMetricNames, or use one of "
            "DetectionBoxes_Precision/mAP, Loss/total_loss",
        ),
        (
            {"metricName": "Loss/total_loss", "max": 1, "min": 0},
            "spec.export.constraints[0]: must have exactly one of max or min, got "
            "{'metricName': 'Loss/total_loss', 'max': 1, 'min': 0}; "
            "e.g. {metricName: Serving/latency_p50_ms, max: 40}",
        ),
        (
            {"metricName": "Loss/total_loss"},
            "spec.export.constraints[0]: must have exactly one of max or min, got "
            "{'metricName': 'Loss/total_loss'}; e.g. {metricName: Serving/latency_p50_ms, max: 40}",
        ),
        (
            {"metricName": "Loss/total_loss", "max": "fast"},
            "spec.export.constraints[0].max: must be a finite number, got 'fast'",
        ),
        (
            {"metricName": "Loss/total_loss", "below": 3},
            "spec.export.constraints[0]: unknown key, got 'below'; "
            "valid keys: metricName, max, min",
        ),
    ],
)
def test_constraint_errors(item: dict[str, Any], message: str) -> None:
    doc = valid_doc()
    doc["spec"]["export"]["constraints"] = [item]
    assert message in errors(doc)


@pytest.mark.parametrize("algorithm", ["cmaes", "bayesianoptimization"])
def test_single_value_algorithms_refuse_tradeoffs(algorithm: str) -> None:
    doc = with_tradeoffs(valid_doc(), {"objectiveMetricName": LATENCY, "type": "min"})
    doc["spec"]["algorithm"] = {"algorithmName": algorithm}
    works = ", ".join(a.value for a in MULTI_OBJECTIVE_ALGORITHMS)
    assert works == "random, tpe, multivariate-tpe, grid, sobol"
    assert (
        f"spec.algorithm.algorithmName: cannot search with spec.objective.tradeoffs (it "
        f"optimizes one value), got {algorithm!r}; use one of {works}, or remove the trade-offs"
    ) in errors(doc)


@pytest.mark.parametrize("algorithm", ["random", "tpe", "multivariate-tpe", "sobol"])
def test_multi_objective_algorithms_accept_tradeoffs(algorithm: str) -> None:
    doc = with_tradeoffs(valid_doc(), {"objectiveMetricName": LATENCY, "type": "min"})
    doc["spec"]["algorithm"] = {"algorithmName": algorithm}
    doc["spec"]["parameters"][0]["feasibleSpace"].pop("distribution")  # sobol: uniform only
    assert parse(doc).algorithm.name.value == algorithm
