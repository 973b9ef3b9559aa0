"""Asynchronous successive halving (Li et al., MLSys 2020) as a stopping rule: pure.

Rung ``k`` is at step ``min_resource * reduction_factor ** (k + min_early_stopping_rate)``
(every rung step is an eval step: the spec makes ``min_resource`` a multiple of
``checkpointEveryNSteps``); a rung at or after the trial's last step decides nothing.

Decisions (README):

- A trial's value at a rung is its BEST objective over its evals up to the rung's step
  (the value a trial is credited with everywhere else: best checkpoint, Katib's
  metric strategy), not its latest: one noisy eval does not stop a good trial.
- When a trial reaches a rung it is compared with every value recorded at that rung
  so far (its own included): with ``n`` values, it continues when it is at least as
  good as the ``max(1, n // reduction_factor)``-th best. The first trial at a rung
  always continues; ties continue.
- A trial with no finite value at the rung, and a trial that later failed, count as
  the worst values at every rung they reached: they are in ``n``, ranked last.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence

from odsweep.spec import AshaStopping, Objective


def rung_step(rule: AshaStopping, rung: int) -> int:
    """The step of rung ``rung`` (0-based)."""
    return rule.min_resource * int(rule.reduction_factor ** (rung + rule.min_early_stopping_rate))


def rungs_reached(
    rule: AshaStopping, num_train_steps: int, eval_steps: Iterable[int]
) -> list[tuple[int, int]]:
    """``(rung, step)`` for each rung among ``eval_steps`` before the trial's last step."""
    evaluated = set(eval_steps)
    out = []
    rung = 0
    while (step := rung_step(rule, rung)) < num_train_steps:
        if step in evaluated:
            out.append((rung, step))
        rung += 1
    return out


def value_at(
    objective: Objective, steps: Sequence[int], values: Sequence[float], step: int
) -> float | None:
    """The best finite value among evals at steps <= ``step``; None when there is none."""
    return objective.best(v for s, v in zip(steps, values, strict=True) if s <= step)


def keeps_running(
    rule: AshaStopping,
    objective: Objective,
    *,
    value: float | None,
    others: Sequence[float | None],
) -> bool:
    """True when a trial with ``value`` at a rung continues, given the ``others`` there.

    ``None`` (no finite value, or a failed trial) is worse than any number.
    """
    if value is None or math.isnan(value):
        return False
    numbers = [v for v in others if v is not None and not math.isnan(v)]
    count = len(others) + 1
    top = max(1, count // rule.reduction_factor)
    ranked = sorted([*numbers, value], key=objective.type.best_first)
    if top > len(ranked):
        return True  # the cut falls among the worst (no number): every number goes on
    return not objective.better(ranked[top - 1], value)
