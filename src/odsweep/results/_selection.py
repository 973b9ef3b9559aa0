"""Pick the winning trial and write ``best.json``. Pure: no TensorFlow, no engine.

The winner is the trial whose best checkpoint is best in the objective's direction
(its value is the best over its evals, not its last); ties go to the earlier trial.
Succeeded and early-stopped trials compete (both hold evaluated checkpoints, as in
Katib, which ranks every trial with an observation); failed or stopped ones do not.
With export constraints, only the trials whose best checkpoint meets every constraint
compete; when none does, :class:`ConstraintsUnmet` names the closest trial.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from odsweep import storage
from odsweep.results._layout import BEST_FILE
from odsweep.results._objective import ObjectiveType
from odsweep.results._pareto import (
    COMPETE,
    Constraint,
    ConstraintsUnmet,
    ParetoPoint,
    Tradeoff,
    best_metrics,
    feasible,
    unmet_message,
)
from odsweep.results._trial import TrialResult

_COMPETE = COMPETE


@dataclass(frozen=True)
class Best:
    """The contents of ``best.json``."""

    trial: str
    params: Mapping[str, Any]
    metric: str
    value: float
    step: int
    checkpoint: str
    metrics: Mapping[str, float]
    objective: ObjectiveType
    export: Mapping[str, Any] = field(default_factory=dict)
    # Written only for a spec with trade-offs or constraints; absent in older files.
    pareto: tuple[ParetoPoint, ...] = ()
    tradeoffs: tuple[Tradeoff, ...] = ()
    constraints: tuple[Constraint, ...] = ()

    def to_json(self) -> str:
        doc: dict[str, Any] = {
            "trial": self.trial,
            "params": dict(self.params),
            "metric": self.metric,
            "value": self.value,
            "step": self.step,
            "checkpoint": self.checkpoint,
            "metrics": dict(self.metrics),
            "objective": self.objective.value,
        }
        if self.export:
            doc["export"] = dict(self.export)
        if self.tradeoffs or self.constraints:
            doc["pareto"] = [p.to_dict() for p in self.pareto]
            doc["tradeoffs"] = [t.to_dict() for t in self.tradeoffs]
            doc["constraints"] = [c.to_dict() for c in self.constraints]
        return json.dumps(doc, indent=2) + "\n"

    @classmethod
    def from_json(cls, text: str) -> Best:
        doc = json.loads(text)
        return cls(
            trial=doc["trial"],
            params=doc["params"],
            metric=doc["metric"],
            value=float(doc["value"]),
            step=int(doc["step"]),
            checkpoint=doc["checkpoint"],
            metrics=doc["metrics"],
            objective=ObjectiveType(doc["objective"]),
            export=doc.get("export", {}),
            pareto=tuple(ParetoPoint.from_dict(p) for p in doc.get("pareto", [])),
            tradeoffs=tuple(Tradeoff.from_dict(t) for t in doc.get("tradeoffs", [])),
            constraints=tuple(Constraint.from_dict(c) for c in doc.get("constraints", [])),
        )


def select_best(
    results: Sequence[TrialResult],
    objective: ObjectiveType,
    constraints: Sequence[Constraint] = (),
) -> TrialResult | None:
    """The winning trial, or None when no trial has a best checkpoint.

    Raises:
        ConstraintsUnmet: Trials have a best checkpoint but none meets ``constraints``.
    """
    winner: TrialResult | None = None
    competing = False
    for result in results:
        if result.status not in _COMPETE or result.best is None:
            continue
        competing = True
        if constraints and not feasible(result, constraints):
            continue
        if (
            winner is None
            or winner.best is None
            or objective.better(result.best.value, winner.best.value)
        ):
            winner = result
    if winner is None and competing:
        raise ConstraintsUnmet(unmet_message(results, constraints))
    return winner


def best_record(result: TrialResult) -> Best:
    """``best.json`` for a trial: its best checkpoint and every metric measured there."""
    if result.best is None:
        raise ValueError(f"trial {result.trial} has no best checkpoint")
    return Best(
        trial=result.trial,
        params=dict(result.params),
        metric=result.metric,
        value=result.best.value,
        step=result.best.step,
        checkpoint=result.best.checkpoint,
        metrics=best_metrics(result),
        objective=result.objective,
    )


def write_best(output_dir: str, best: Best) -> str:
    path = storage.join(output_dir, BEST_FILE)
    storage.write_text_atomic(path, best.to_json())
    return path
