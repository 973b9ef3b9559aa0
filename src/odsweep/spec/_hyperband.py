"""Hyperband's brackets (Li et al., JMLR 2018) from Katib's settings ``r_l`` and ``eta``.

Pure integer arithmetic shared by the spec checks, the local engine's scheduler and
the Katib pre-flight. The resource counts eval intervals: a trial given ``r`` trains
``r * checkpointEveryNSteps`` steps, so every resource value is a whole number.

Katib's suggestion service (``pkg/suggestion/v1beta1/hyperband/service.py``) differs in
ways the local engine does not copy (docs/katib.md): it computes ``s_max`` in floating
point (``int(log(r_l) / log(eta))``, so ``r_l=243, eta=3`` gives 4, not 5:
:func:`katib_s_max`), sizes a bracket's first rung from the controller's request count
instead of ``n``, and keeps the ``ceil`` of ``n_i / eta`` where the paper floors.
"""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True)
class Rung:
    """One round of successive halving: ``trials`` configurations, each given ``resource``."""

    trials: int
    resource: int


@dataclass(frozen=True)
class Bracket:
    """Successive halving started with ``n`` configurations at resource ``r``.

    Attributes:
        s: The bracket's index (``s_max`` first, 0 last); it has ``s + 1`` rungs.
        rungs: Rung ``i`` runs ``floor(n / eta**i)`` configurations with
            ``floor(r_l * eta**(i - s))`` each; the best ``floor(n_i / eta)`` go on.
    """

    s: int
    rungs: tuple[Rung, ...]

    @property
    def trials(self) -> int:
        """Trials the bracket runs in all (a promoted configuration is a new trial)."""
        return sum(rung.trials for rung in self.rungs)


def s_max(r_l: int, eta: int) -> int:
    """The largest ``s`` with ``eta**s <= r_l`` (exact: no floating-point log)."""
    if r_l < 1 or eta < 2:
        raise ValueError(f"hyperband needs r_l >= 1 and eta >= 2, got r_l={r_l}, eta={eta}")
    s = 0
    while eta ** (s + 1) <= r_l:
        s += 1
    return s


def katib_s_max(r_l: float, eta: int) -> int:
    """``s_max`` as Katib's service computes it: ``int(log(r_l) / log(eta))`` in floats."""
    return int(math.log(r_l) / math.log(eta))


def katib_min_parallel(r_l: float, eta: int) -> int:
    """Katib's ``ValidateAlgorithmSettings`` floor for ``parallelTrialCount``:
    ``ceil(eta ** s_max)`` with Katib's own ``s_max``."""
    return math.ceil(float(eta) ** katib_s_max(r_l, eta))


def brackets(r_l: int, eta: int) -> tuple[Bracket, ...]:
    """Hyperband's brackets for ``R = r_l`` and ``eta``, ``s = s_max`` down to 0.

    Bracket ``s`` starts ``n = ceil((s_max + 1) * eta**s / (s + 1))`` configurations
    at ``r = r_l * eta**-s`` (Li et al., Algorithm 1, with ``B = (s_max + 1) * R``).
    """
    top = s_max(r_l, eta)
    out = []
    for s in range(top, -1, -1):
        n = -(-(top + 1) * eta**s // (s + 1))
        rungs = tuple(
            Rung(trials=n // eta**i, resource=r_l * eta**i // eta**s) for i in range(s + 1)
        )
        out.append(Bracket(s=s, rungs=rungs))
    return tuple(out)


def total_trials(r_l: int, eta: int) -> int:
    """Trials the whole schedule runs (every rung of every bracket)."""
    return sum(bracket.trials for bracket in brackets(r_l, eta))


def smallest_resource(r_l: int, eta: int) -> int:
    """The resource of the first rung of the most aggressive bracket."""
    return r_l // int(eta ** s_max(r_l, eta))
