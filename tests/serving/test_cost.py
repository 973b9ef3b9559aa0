"""The serving cost record and the measurement's argument checks (no TensorFlow)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from odsweep.errors import InputError
from odsweep.results import (
    SERVING_KEY,
    SERVING_METRICS,
    ObjectiveType,
    TrialResult,
    TrialStatus,
    is_reportable_name,
    is_serving_metric,
    serving_metrics,
    serving_record,
)
from odsweep.serving import ServingCost, measure_saved_model
from odsweep.serving._worker import nearest_rank

COST = ServingCost(
    latency_p50_ms=12.5,
    latency_p90_ms=20.0,
    model_size_mb=8.9,
    params_millions=0.9,
    runs=30,
    warmup_runs=5,
    threads=1,
    input_type="image_tensor",
    image_size=(128, 96),
)


def test_metric_names_are_the_issue_names_and_survive_the_metric_lines() -> None:
    assert SERVING_METRICS == (
        "Serving/latency_p50_ms",
        "Serving/latency_p90_ms",
        "Serving/model_size_mb",
        "Serving/params_millions",
    )
    assert all(is_reportable_name(n) for n in SERVING_METRICS)
    assert not is_serving_metric("Serving/latency_p99_ms")
    assert COST.as_metrics() == {
        "Serving/latency_p50_ms": 12.5,
        "Serving/latency_p90_ms": 20.0,
        "Serving/model_size_mb": 8.9,
        "Serving/params_millions": 0.9,
    }


def test_cost_round_trips_through_its_dict_and_refuses_a_broken_one() -> None:
    assert ServingCost.from_dict(COST.to_dict()) == COST
    with_cpu = replace(COST, cpu_p50_ms=7.5)
    assert ServingCost.from_dict(with_cpu.to_dict()) == with_cpu
    older = with_cpu.to_dict()
    del older["cpu_p50_ms"]  # records made before it existed
    assert ServingCost.from_dict(older).cpu_p50_ms is None
    doc = COST.to_dict()
    del doc["runs"]
    with pytest.raises(InputError, match=r"^t-1/result.json: not a serving cost record \(KeyError"):
        ServingCost.from_dict(doc, source="t-1/result.json")


def test_serving_metrics_are_read_back_from_result_json_extras() -> None:
    base = TrialResult("t", {}, TrialStatus.SUCCEEDED, "m", ObjectiveType.MAXIMIZE)
    assert serving_metrics(base) == {}
    recorded = TrialResult.from_json(
        TrialResult(
            "t",
            {},
            TrialStatus.SUCCEEDED,
            "m",
            ObjectiveType.MAXIMIZE,
            extra={SERVING_KEY: serving_record(COST.as_metrics(), COST.to_dict(), None)},
        ).to_json()
    )
    assert serving_metrics(recorded) == COST.as_metrics()
    failed = {SERVING_KEY: serving_record({}, {}, "serving cost not measured: boom")}
    assert (
        serving_metrics(
            TrialResult("t", {}, TrialStatus.SUCCEEDED, "m", ObjectiveType.MAXIMIZE, extra=failed)
        )
        == {}
    )


def test_p90_is_the_nearest_rank() -> None:
    values = [float(v) for v in range(1, 11)]
    assert nearest_rank(values, 0.9) == 9.0
    assert nearest_rank(values, 0.5) == 5.0
    assert nearest_rank([3.0], 0.9) == 3.0


def test_bad_measurement_arguments_are_reported_at_once(tmp_path: Path) -> None:
    with pytest.raises(InputError) as info:
        measure_saved_model(
            str(tmp_path), eval_input="x", input_type="jpeg", warmup=-1, runs=0, threads=0
        )
    assert info.value.messages == (
        "input_type: unknown 'jpeg'; use one of image_tensor, float_image_tensor, "
        "encoded_image_string_tensor, tf_example",
        "warmup: must be >= 0, got -1",
        "runs: must be >= 1, got 0; 30 gives a stable median",
        "threads: must be >= 1, got 0",
        f"saved_model_dir: no saved_model.pb in {str(tmp_path)!r}; "
        "pass an exported SavedModel folder",
    )
