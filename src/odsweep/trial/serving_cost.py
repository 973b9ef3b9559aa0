"""The trial's last step when the search asks for it: its best checkpoint's serving cost.

Measured once, after the last eval, on the best checkpoint exported the winner's way
(:func:`odsweep.serving.measure_trial`). The four ``Serving/*`` metrics are printed as
metric lines (Katib's collector reads them like the eval metrics) and recorded in
``result.json`` under ``serving``. A failed measurement never loses the trial: its
evals stand, the error is logged and recorded, and the metrics are simply absent.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from typing import TextIO

from odsweep.results import (
    SERVING_KEY,
    TrialResult,
    serving_metrics,
    serving_record,
    write_metric_lines,
)
from odsweep.trial.options import TrialOptions

logger = logging.getLogger(__name__)


def measure_serving_cost(opts: TrialOptions, result: TrialResult, out: TextIO) -> TrialResult:
    """``result`` with its ``serving`` record; the metric lines printed on success."""
    from odsweep.serving import measure_trial

    try:
        cost = measure_trial(
            opts.trial_dir, input_type=opts.export_input_type, eval_input=opts.eval_input
        )
    except Exception as exc:  # any failure: the trial's evals must survive it
        error = f"serving cost not measured: {type(exc).__name__}: {' '.join(str(exc).split())}"
        logger.error("trial %s: %s", opts.name, error)
        return _with_serving(result, serving_record({}, {}, error[:1000]))
    metrics = cost.as_metrics()
    write_metric_lines(metrics, out)
    return _with_serving(result, serving_record(metrics, cost.to_dict(), None))


def reprint_serving_lines(result: TrialResult, out: TextIO) -> None:
    """A finished trial started again prints its recorded serving metrics once more
    (Katib's collector reads only the current pod's stdout)."""
    metrics = serving_metrics(result)
    if metrics:
        write_metric_lines(metrics, out)


def _with_serving(result: TrialResult, record: dict[str, object]) -> TrialResult:
    return replace(result, extra={**result.extra, SERVING_KEY: record})
