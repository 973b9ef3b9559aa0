"""``result.json``: what a trial did, written after every eval and at the end.

Pure data (no TensorFlow). Both engines read it: the local engine to score a
trial, the Katib path to fetch the winner's best checkpoint and metrics.
"""

from __future__ import annotations

import enum
import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from odsweep import storage
from odsweep.results._layout import RESULT_FILE
from odsweep.results._objective import ObjectiveType


class TrialStatus(enum.Enum):
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    STOPPED = "stopped"
    EARLY_STOPPED = "early_stopped"

    @property
    def finished(self) -> bool:
        return self is not TrialStatus.RUNNING


@dataclass(frozen=True)
class EvalRecord:
    step: int
    checkpoint: str
    metrics: Mapping[str, float]


@dataclass(frozen=True)
class BestCheckpoint:
    step: int
    checkpoint: str
    value: float


@dataclass(frozen=True)
class TrialResult:
    """The contract of ``result.json`` (see the README's trial directory section)."""

    trial: str
    params: Mapping[str, Any]
    status: TrialStatus
    metric: str
    objective: ObjectiveType
    evals: tuple[EvalRecord, ...] = ()
    best: BestCheckpoint | None = None
    error: str | None = None
    seed: int | None = None
    extra: Mapping[str, Any] = field(default_factory=dict)

    def with_eval(self, record: EvalRecord, *, kept_checkpoint: str | None = None) -> TrialResult:
        """Add an eval; the best moves to it when its objective value is strictly better.

        ``kept_checkpoint`` is where the checkpoint was copied when it became the
        best (so rotation cannot delete it); defaults to the eval's own path.
        """
        best = self.best
        if self.improves(record.metrics):
            value = record.metrics[self.metric]
            best = BestCheckpoint(record.step, kept_checkpoint or record.checkpoint, value)
        return replace(self, evals=(*self.evals, record), best=best)

    def improves(self, metrics: Mapping[str, float]) -> bool:
        """Would these eval metrics become the new best?"""
        value = metrics.get(self.metric)
        if value is None or not math.isfinite(value):
            return False
        return self.best is None or self.objective.better(value, self.best.value)

    def objective_values(self) -> list[float]:
        """The objective metric after each eval, in order (NaN where missing)."""
        return [float(e.metrics.get(self.metric, math.nan)) for e in self.evals]

    def to_json(self) -> str:
        doc: dict[str, Any] = {
            "trial": self.trial,
            "params": dict(self.params),
            "status": self.status.value,
            "metric": self.metric,
            "objective": self.objective.value,
            "seed": self.seed,
            "evals": [
                {"step": e.step, "checkpoint": e.checkpoint, "metrics": dict(e.metrics)}
                for e in self.evals
            ],
            "best": None
            if self.best is None
            else {
                "step": self.best.step,
                "checkpoint": self.best.checkpoint,
                "value": self.best.value,
            },
            "error": self.error,
        }
        doc.update(self.extra)
        return json.dumps(doc, indent=2, sort_keys=False) + "\n"

    @classmethod
    def from_json(cls, text: str) -> TrialResult:
        doc = json.loads(text)
        known = {"trial", "params", "status", "metric", "objective", "seed", "evals", "best"}
        best = doc.get("best")
        return cls(
            trial=doc["trial"],
            params=doc.get("params", {}),
            status=TrialStatus(doc["status"]),
            metric=doc["metric"],
            objective=ObjectiveType(doc["objective"]),
            evals=tuple(
                EvalRecord(int(e["step"]), e["checkpoint"], dict(e["metrics"]))
                for e in doc.get("evals", [])
            ),
            best=None
            if best is None
            else BestCheckpoint(int(best["step"]), best["checkpoint"], float(best["value"])),
            error=doc.get("error"),
            seed=doc.get("seed"),
            extra={k: v for k, v in doc.items() if k not in known | {"error"}},
        )


def write_result(trial_dir: str, result: TrialResult) -> None:
    """Write ``<trial_dir>/result.json`` atomically."""
    storage.write_text_atomic(storage.join(trial_dir, RESULT_FILE), result.to_json())
