"""How a search ended: the one outcome type every engine returns.

The end of a sweep (selection, ``best.json``, export, verification, report) reads only
this, so the local Optuna engine and the Katib backend are finished by the same code.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Protocol

from odsweep.results._trial import TrialResult


@dataclass(frozen=True)
class SearchOutcome:
    """An engine's account of a finished (or abandoned) search.

    Attributes:
        verdict: The engine's own end state (an enum of the engine's; its ``value`` is a
            Katib-style phrase such as ``"succeeded: maxTrialCount reached"``).
        succeeded: True when the search ended as a success (budget or goal reached);
            a winner still has to be selected from ``results``.
        results: Every trial's ``result.json``, in trial order, the engine's final
            states applied (trials that wrote none are left out).
        message: One line for the user: the verdict and the trial counts.
        where: Where the search's state lives, for the user (a study URL with any
            password masked, or ``Katib Experiment <ns>/<name>``).
        look: Where to look when something failed (trial logs, ``kubectl describe``).
        finished_by: Empty when this process ends the sweep (selects, exports,
            reports); else the id of the worker of a shared study that does it.
    """

    verdict: enum.Enum
    succeeded: bool
    results: tuple[TrialResult, ...]
    message: str
    where: str = ""
    look: str = ""
    finished_by: str = ""


class Engine(Protocol):
    """Runs a spec's search to its end (or resumes it) and says how it ended.

    Implemented by ``odsweep.backends.optuna.LocalEngine`` and
    ``odsweep.backends.katib.KatibEngine``. An engine never selects, exports or
    reports: that is the end of the sweep (``odsweep.sweep``), written once.
    """

    def run(self) -> SearchOutcome: ...
