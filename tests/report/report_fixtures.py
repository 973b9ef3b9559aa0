"""Synthetic trial results for the report tests (no training)."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

from odsweep.results import EvalRecord, TrialResult, TrialStatus
from odsweep.spec import ObjectiveType

METRIC = "DetectionBoxes_Precision/mAP"


def trial(
    name: str,
    values: Sequence[float | None],
    *,
    params: Mapping[str, Any] | None = None,
    status: TrialStatus = TrialStatus.SUCCEEDED,
    direction: ObjectiveType = ObjectiveType.MAXIMIZE,
    metric: str = METRIC,
    error: str | None = None,
    every: int = 500,
) -> TrialResult:
    """A trial whose evals report ``values`` (None: metric missing) every ``every`` steps."""
    result = TrialResult(
        trial=name,
        params=dict(params or {}),
        status=TrialStatus.RUNNING,
        metric=metric,
        objective=direction,
    )
    for index, value in enumerate(values, start=1):
        step = index * every
        metrics = {"Loss/total_loss": 1.0 / step}
        if value is not None:
            metrics[metric] = value
        record = EvalRecord(step, f"/runs/{name}/ckpt-{index}", metrics)
        result = result.with_eval(record, kept_checkpoint=f"/runs/{name}/best/ckpt-{index}")
    return TrialResult(
        trial=result.trial,
        params=result.params,
        status=status,
        metric=result.metric,
        objective=result.objective,
        evals=result.evals,
        best=result.best,
        error=error,
    )


def realistic_sweep() -> list[TrialResult]:
    """8 trials over learning rate (log) and batch size (categorical): one failed, one
    early stopped, one still improving when it ended."""
    s, f, e = TrialStatus.SUCCEEDED, TrialStatus.FAILED, TrialStatus.EARLY_STOPPED
    specs: list[tuple[str, float, int, TrialStatus, list[float | None], str | None]] = [
        ("trial-0", 3e-3, 16, s, [0.08, 0.15, 0.21, 0.25, 0.27, 0.28], None),
        ("trial-1", 2e-2, 32, s, [0.05, 0.09, 0.12, 0.13, 0.13, 0.14], None),
        ("trial-2", 4e-4, 8, s, [0.03, 0.07, 0.11, 0.14, 0.17, 0.19], None),
        (
            "trial-3",
            8e-3,
            16,
            f,
            [0.06, math.nan],
            "ResourceExhaustedError: OOM when "
            "allocating tensor with shape[32,320,320,3]\n  [[node ssd/FeatureExtractor]]",
        ),
        ("trial-4", 5e-3, 32, s, [0.10, 0.18, 0.24, 0.29, 0.31, 0.32], None),
        ("trial-5", 1e-4, 8, e, [0.01, 0.02, 0.03], None),
        ("trial-6", 6e-3, 16, s, [0.09, 0.17, None, 0.27, 0.30, 0.30], None),
        ("trial-7", 1e-3, 32, s, [0.06, 0.12, 0.17, 0.20, 0.23, 0.25], None),
    ]
    return [
        trial(
            name,
            values,
            params={"learning_rate": lr, "batch_size": batch},
            status=status,
            error=error,
        )
        for name, lr, batch, status, values, error in specs
    ]


SCALES = {"learning_rate": "log", "batch_size": "categorical"}
