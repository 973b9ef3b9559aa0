"""Serving cost of an exported detector: latency at batch 1, size, parameters.

- :class:`ServingCost`: what was measured and how (runs, warm-up, pinned threads,
  input type); :meth:`ServingCost.as_metrics` gives the four ``Serving/*`` metrics
  whose names live in :mod:`odsweep.results` (so the spec can ask for them without
  TensorFlow).
- :func:`measure_saved_model`: time ``serving_default`` on real eval images in a fresh
  process whose TensorFlow thread pools are pinned first.
- :func:`measure_trial`: export a trial's best checkpoint with the winner's export path
  into ``<trial>/serving/`` and measure it.

Importing this package is cheap: TensorFlow loads in the measuring process, and in
this one only when a trial is exported.
"""

from __future__ import annotations

from odsweep.serving._cost import (
    DEFAULT_RUNS,
    DEFAULT_THREADS,
    DEFAULT_WARMUP_RUNS,
    ServingCost,
)
from odsweep.serving._measure import DEFAULT_IMAGES, MeasureFailed, measure_saved_model
from odsweep.serving._trial import measure_trial, trial_eval_input

__all__ = [
    "DEFAULT_IMAGES",
    "DEFAULT_RUNS",
    "DEFAULT_THREADS",
    "DEFAULT_WARMUP_RUNS",
    "MeasureFailed",
    "ServingCost",
    "measure_saved_model",
    "measure_trial",
    "trial_eval_input",
]
