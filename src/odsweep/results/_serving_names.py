"""The serving cost metrics' names: defined once, pure, so the spec can ask for them.

A trial measures its best checkpoint's serving cost (``odsweep.serving``) only when the
search names one of these metrics; the spec layer decides that without TensorFlow.
"""

from __future__ import annotations

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
