"""One trial: the ``odsweep trial`` process both engines launch.

Train the OD API model with the trial's parameters, evaluate every checkpoint as it
is written, print the metric lines (:func:`odsweep.results.write_metric_lines`), keep
a copy of the best checkpoint and record everything in ``result.json``
(:mod:`odsweep.results`). Engines never import this package: they start the process
and read its files.

- :class:`TrialOptions` (``options``), :func:`trial_options`, :func:`parse_params`,
  :func:`seed_from_name` (``from_spec``): what one trial runs, from the spec and the
  command line.
- :func:`build_trial_config`, :func:`preflight`, :func:`write_trial_config`
  (``prepare``): the trial's effective pipeline.config, checked before training.
- ``resume``: how an attempt starts on a folder an earlier attempt left (resume from
  its newest checkpoint, or move it aside and start fresh).
- :func:`run_trial` (``runner``), with :class:`Recorder`; :func:`block_sigterm`,
  :func:`stop_on_sigterm` (``signals``): the run itself and its clean stop.

Importing this package loads neither TensorFlow nor the OD API protos; the names that
need them load on first use.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from odsweep.trial.from_spec import parse_params, seed_from_name, trial_options
from odsweep.trial.options import TrialOptions

if TYPE_CHECKING:
    from odsweep.trial.prepare import build_trial_config, preflight, write_trial_config
    from odsweep.trial.runner import Recorder, run_trial
    from odsweep.trial.signals import block_sigterm, stop_on_sigterm

_LAZY = {
    "build_trial_config": "odsweep.trial.prepare",
    "preflight": "odsweep.trial.prepare",
    "write_trial_config": "odsweep.trial.prepare",
    "Recorder": "odsweep.trial.runner",
    "run_trial": "odsweep.trial.runner",
    "block_sigterm": "odsweep.trial.signals",
    "stop_on_sigterm": "odsweep.trial.signals",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "Recorder",
    "TrialOptions",
    "block_sigterm",
    "build_trial_config",
    "parse_params",
    "preflight",
    "run_trial",
    "seed_from_name",
    "stop_on_sigterm",
    "trial_options",
    "write_trial_config",
]
