"""The serving cost metrics' names: defined once, pure, so the spec can ask for them.

A trial measures its best checkpoint's serving cost (``odsweep.serving``) only when the
search names one of these metrics; the spec layer decides that without TensorFlow.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from odsweep.results._trial import TrialResult

SERVING_PREFIX = "Serving/"

LATENCY_P50_MS = "Serving/latency_p50_ms"
LATENCY_P90_MS = "Serving/latency_p90_ms"
MODEL_SIZE_MB = "Serving/model_size_mb"
PARAMS_MILLIONS = "Serving/params_millions"

SERVING_METRICS: tuple[str, ...] = (LATENCY_P50_MS, LATENCY_P90_MS, MODEL_SIZE_MB, PARAMS_MILLIONS)
"""Every serving cost metric, in the order they are reported."""


def is_serving_metric(name: str) -> bool:
    """True for exactly the names in :data:`SERVING_METRICS` (not any ``Serving/`` name)."""
    return name in SERVING_METRICS


def is_serving_namespace(name: str) -> bool:
    """True for any name under ``Serving/``, known or not (to refuse a misspelt one)."""
    return name.startswith(SERVING_PREFIX)


SERVING_KEY = "serving"
"""``result.json``'s key for the serving cost: ``{"metrics": {...}, "cost": {...},
"error": null}`` (``metrics`` and ``cost`` empty and ``error`` set when it failed)."""


def serving_record(
    metrics: Mapping[str, float], cost: Mapping[str, Any], error: str | None
) -> dict[str, Any]:
    """The ``result.json`` value under :data:`SERVING_KEY`."""
    return {"metrics": dict(metrics), "cost": dict(cost), "error": error}


def serving_metrics(result: TrialResult) -> dict[str, float]:
    """The ``Serving/*`` metrics a trial recorded; empty when none were measured."""
    record = result.extra.get(SERVING_KEY)
    if not isinstance(record, Mapping):
        return {}
    metrics = record.get("metrics")
    if not isinstance(metrics, Mapping):
        return {}
    return {
        str(k): float(v)
        for k, v in metrics.items()
        if is_serving_metric(str(k)) and isinstance(v, int | float) and not isinstance(v, bool)
    }
