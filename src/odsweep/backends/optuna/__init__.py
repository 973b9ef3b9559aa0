"""The local engine: Katib's algorithms and rules played with Optuna.

- ``make_sampler``, ``suggest``, ``distributions`` (``_sampling``): each Katib algorithm
  as the Optuna sampler closest to Katib's suggestion service, and the spec's space as
  Optuna calls (bounds inclusive).
- ``LocalEngine`` (``_engine``): the search loop; trials are ``odsweep trial``
  processes (``_launcher``), the study lives in SQLite/PostgreSQL (``_study``); several
  workers share a PostgreSQL one under its study lock (``_shared``), a dead worker's
  trials are taken over by heartbeat (``_record.take_over``).
- ``median_stop``, ``verdict``, ``slots_to_launch``, ``Tally``, ``Verdict``,
  ``STOP_RUNNING_TRIALS_ON_END`` (``_policy``): early stopping, end of search and
  parallelism as Katib's controller decides them. Pure: importing them does not import
  Optuna (the sampling names load it on first use).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from odsweep.backends.optuna._policy import (
    STOP_RUNNING_TRIALS_ON_END,
    Tally,
    Verdict,
    median_stop,
    slots_to_launch,
    verdict,
)

if TYPE_CHECKING:
    from odsweep.backends.optuna._engine import LocalEngine
    from odsweep.backends.optuna._sampling import distributions, make_sampler, suggest

__all__ = [
    "STOP_RUNNING_TRIALS_ON_END",
    "LocalEngine",
    "Tally",
    "Verdict",
    "distributions",
    "make_sampler",
    "median_stop",
    "slots_to_launch",
    "suggest",
    "verdict",
]

_SAMPLING = frozenset({"distributions", "make_sampler", "suggest"})


def __getattr__(name: str) -> object:
    # Optuna takes seconds to import; the policy half must stay usable without it.
    if name in _SAMPLING:
        from odsweep.backends.optuna import _sampling

        return getattr(_sampling, name)
    if name == "LocalEngine":
        from odsweep.backends.optuna import _engine

        return getattr(_engine, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
