"""Is the Experiment on the cluster the one this search would create?

Compared after undoing what Katib's defaulting webhook adds (experiment_defaults.go):
``feasibleSpace.distribution: uniform`` on every parameter without one. Its other
defaults (metric strategies, parallelTrialCount, resumePolicy, collector kind, Job
success/failure conditions) fill keys odsweep always writes itself, so they compare as
they are.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Mapping, Sequence
from typing import Any

SEARCH_KEYS = (
    "parameters",
    "objective",
    "algorithm",
    "earlyStopping",
    "metricsCollectorSpec",
    "trialTemplate",
)
"""What must match to resume: anything else here changes what the trials do or report."""
BUDGET_KEYS = ("maxTrialCount", "parallelTrialCount", "maxFailedTrialCount", "resumePolicy")
"""What may differ: the cluster's copy decides, and a difference is only logged."""
MAX_SHOWN = 5
_DEFAULT_DISTRIBUTION = "uniform"


def differences(
    ours: Mapping[str, Any], theirs: Mapping[str, Any], *, keys: Sequence[str]
) -> list[str]:
    """``spec.<path>: on the cluster X, this search Y`` for each differing leaf of ``keys``.

    Args:
        ours: The ``spec`` odsweep renders now.
        theirs: The ``spec`` of the Experiment on the cluster.
        keys: The top-level spec keys to compare.
    """
    mine, cluster = _normalized(ours), _normalized(theirs)
    out: list[str] = []
    for key in keys:
        _diff(f"spec.{key}", cluster.get(key), mine.get(key), out)
    return out


def _normalized(spec: Mapping[str, Any]) -> dict[str, Any]:
    doc = copy.deepcopy(dict(spec))
    for param in doc.get("parameters") or []:
        if isinstance(param, dict) and isinstance(param.get("feasibleSpace"), dict):
            param["feasibleSpace"].setdefault("distribution", _DEFAULT_DISTRIBUTION)
    return doc


def _named(items: Sequence[Any]) -> dict[str, Any] | None:
    """``items`` keyed by their ``name`` when every one is a dict with a unique name."""
    if not items or not all(isinstance(i, dict) and isinstance(i.get("name"), str) for i in items):
        return None
    keyed = {i["name"]: i for i in items}
    return keyed if len(keyed) == len(items) else None


def _diff(path: str, theirs: Any, ours: Any, out: list[str]) -> None:
    if isinstance(theirs, dict) and isinstance(ours, dict):
        for key in sorted(set(theirs) | set(ours)):
            _diff(f"{path}.{key}", theirs.get(key), ours.get(key), out)
        return
    if isinstance(theirs, list) and isinstance(ours, list):
        keyed_theirs, keyed_ours = _named(theirs), _named(ours)
        if keyed_theirs is not None and keyed_ours is not None:
            for name in [*keyed_theirs, *(n for n in keyed_ours if n not in keyed_theirs)]:
                _diff(f"{path}[{name}]", keyed_theirs.get(name), keyed_ours.get(name), out)
            return
        if len(theirs) == len(ours):
            for i, (a, b) in enumerate(zip(theirs, ours, strict=True)):
                _diff(f"{path}[{i}]", a, b, out)
            return
    if not _same(theirs, ours):
        out.append(f"{path}: on the cluster {_show(theirs)}, this search {_show(ours)}")


def _same(a: Any, b: Any) -> bool:
    # JSON numbers: the API server may hand back 2 for 2.0; bools are not numbers here.
    numbers = (int, float)
    if isinstance(a, numbers) and isinstance(b, numbers):
        if isinstance(a, bool) or isinstance(b, bool):
            return a is b
        return float(a) == float(b)
    return bool(a == b)


def _show(value: Any) -> str:
    if value is None:
        return "(absent)"
    text = json.dumps(value, sort_keys=True)
    return text if len(text) <= 80 else text[:77] + "..."
