"""The local engine's Hyperband scheduler: which trial starts next. Pure, no Optuna.

Textbook Hyperband (Li et al., JMLR 2018) over the brackets of
:func:`odsweep.spec.brackets`: brackets run one after another, ``s_max`` first; inside
a bracket, rung ``i + 1`` starts once every trial of rung ``i`` has ended, with the
best ``n_{i+1}`` configurations of rung ``i`` (a failed trial, or one with no value,
ranks last; ties keep trial order). Each rung's run of a configuration is a new trial
that trains from scratch ``r_i * checkpointEveryNSteps`` steps, as Katib's service
does. New configurations come from the sampler (random search, as Katib).

Local parallelism: up to ``parallelTrialCount`` trials of the current rung run at
once; slots stay idle while a rung's last trials finish (no other bracket starts
early), so the schedule is the same whatever the parallelism. Katib's rule
``parallelTrialCount >= eta ** s_max`` is checked for ``--backend katib`` only.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from odsweep.spec import Bracket, Objective, ParamValue

SLOT_ATTR = "odsweep_hb_slot"
"""The Optuna user attribute holding a trial's ``[bracket s, rung i, index k]``."""


@dataclass(frozen=True)
class Slot:
    """A trial's place in the schedule: bracket ``s``, rung ``i``, ``k``-th of the rung."""

    s: int
    i: int
    k: int


@dataclass(frozen=True)
class Launched:
    """A trial the schedule already started.

    Attributes:
        slot: Its place.
        finished: It has ended (any status).
        value: Its objective (best over its evals) when it succeeded; None otherwise.
        params: Its parameter values.
    """

    slot: Slot
    finished: bool
    value: float | None
    params: Mapping[str, ParamValue]


@dataclass(frozen=True)
class Next:
    """The trial to start: ``params`` None means a new configuration from the sampler."""

    slot: Slot
    resource: int
    params: Mapping[str, ParamValue] | None


class Pause(enum.Enum):
    """Why nothing starts now."""

    WAIT = "the current rung has trials running"
    DONE = "every bracket has run"


def ranked(objective: Objective, trials: Sequence[Launched]) -> list[Launched]:
    """Best first; no value last; ties in the order of their index in the rung."""
    by_index = sorted(trials, key=lambda t: t.slot.k)
    valued = [t for t in by_index if t.value is not None]
    valued.sort(key=lambda t: objective.type.best_first(t.value))  # type: ignore[arg-type]
    return valued + [t for t in by_index if t.value is None]


def next_trial(
    plan: Sequence[Bracket], launched: Sequence[Launched], objective: Objective
) -> Next | Pause:
    """The next trial of the schedule, or why none starts now."""
    for bracket in plan:
        for i, rung in enumerate(bracket.rungs):
            here = [t for t in launched if t.slot.s == bracket.s and t.slot.i == i]
            if len(here) < rung.trials:
                k = len(here)
                if i == 0:
                    return Next(Slot(bracket.s, 0, k), rung.resource, None)
                below = [t for t in launched if t.slot.s == bracket.s and t.slot.i == i - 1]
                promoted = ranked(objective, below)[k]
                return Next(Slot(bracket.s, i, k), rung.resource, dict(promoted.params))
            if not all(t.finished for t in here):
                return Pause.WAIT
    return Pause.DONE
