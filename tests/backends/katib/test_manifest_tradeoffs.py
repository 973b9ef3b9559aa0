"""Trade-offs on Katib: one objective drives the search, each trade-off metric is
collected as an additional metric (once) with its own strategy, and the pre-flight
names a trade-off whose line the collector could not read back by its own key."""

from __future__ import annotations

from typing import Any

from odsweep.backends.katib import _preflight as preflight
from odsweep.backends.katib import render_experiment
from tests.backends.katib.katib_fixtures import make_options, make_spec, spec_doc

METRIC = "DetectionBoxes_Precision/mAP"
LATENCY = "Serving/latency_p50_ms"


def _objective(**fields: Any) -> dict[str, Any]:
    doc = spec_doc()
    doc["spec"]["objective"] = {"type": "maximize", "objectiveMetricName": METRIC, **fields}
    doc["spec"]["algorithm"] = {"algorithmName": "random"}
    spec = make_spec(doc)
    return dict(render_experiment(spec, options=make_options(spec))["spec"]["objective"])


def test_tradeoff_metrics_are_collected_after_the_additional_ones_each_once() -> None:
    objective = _objective(
        additionalMetricNames=["Loss/total_loss", "DetectionBoxes_Recall/AR@100"],
        tradeoffs=[
            {"objectiveMetricName": LATENCY, "type": "minimize"},
            {"objectiveMetricName": "DetectionBoxes_Recall/AR@100", "type": "maximize"},
            {"objectiveMetricName": "Serving/model_size_mb", "type": "minimize"},
        ],
    )
    assert objective == {
        "type": "maximize",
        "objectiveMetricName": METRIC,
        "additionalMetricNames": [
            "Loss/total_loss",
            "DetectionBoxes_Recall/AR@100",
            LATENCY,
            "Serving/model_size_mb",
        ],
        "metricStrategies": [
            {"name": METRIC, "value": "max"},
            {"name": "Loss/total_loss", "value": "min"},
            {"name": "DetectionBoxes_Recall/AR@100", "value": "max"},
            {"name": LATENCY, "value": "min"},
            {"name": "Serving/model_size_mb", "value": "min"},
        ],
    }


def test_without_tradeoffs_the_objective_renders_as_before() -> None:
    objective = _objective(additionalMetricNames=["Loss/total_loss"])
    assert objective["additionalMetricNames"] == ["Loss/total_loss"]


def test_preflight_names_a_tradeoff_by_its_own_key() -> None:
    doc = spec_doc()
    doc["spec"]["objective"] = {
        "type": "maximize",
        "objectiveMetricName": METRIC,
        "additionalMetricNames": ["Loss/total_loss"],
        "tradeoffs": [{"objectiveMetricName": LATENCY, "type": "minimize"}],
    }
    doc["spec"]["algorithm"] = {"algorithmName": "random"}
    spec = make_spec(doc)
    # A metricsFormat that cannot read a '/' in names: every metric is misread.
    problems = preflight.check_metric_names(spec.objective, r"([\w]+)=([0-9.e+-]+)")
    assert [p.split(":")[0] for p in problems] == [
        "spec.objective.objectiveMetricName",
        "spec.objective.additionalMetricNames[0]",
        "spec.objective.tradeoffs[0].objectiveMetricName",
    ]
