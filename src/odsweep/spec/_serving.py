"""Does a search ask for its trials' serving cost? (Pure: the trial decides from this.)"""

from __future__ import annotations

from odsweep.results import is_serving_metric
from odsweep.spec._model import SearchSpec


def needs_serving_cost(spec: SearchSpec) -> bool:
    """True when any ``Serving/*`` metric is named by the objective or its additional
    metrics: each trial then measures its best checkpoint's serving cost at its end."""
    return any(is_serving_metric(name) for name in spec.objective.metrics)
