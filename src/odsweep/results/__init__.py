"""The run records: what a sweep writes and reads back, and the rules over them.

Pure: imports only the standard library, :mod:`odsweep.errors` and
:mod:`odsweep.storage` (no TensorFlow, no engine, no spec). Every other layer reads and
writes the records through it:

- ``result.json`` (:class:`TrialResult`, :func:`read_result`, :func:`write_result`,
  :func:`trial_results`): what a trial did, after every eval and at the end.
- The metric lines (:data:`METRICS_FORMAT`, :func:`write_metric_lines`,
  :func:`parse_metric_lines`): what a trial prints per eval, which Katib's StdOut
  collector parses with the same regex.
- Selection and ``best.json`` (:func:`select_best`, :class:`Best`): the winner rule;
  trade-offs and export constraints (:func:`pareto_front`, :class:`Constraint`).
- Reading records back (:func:`read_result`, :func:`read_best`, the ``_checked`` forms
  that return None for a missing file): a damaged record is an InputError naming the
  file, never "no result" (which would re-train a finished trial).
- :class:`SearchOutcome` and the :class:`Engine` protocol: how a search ended, the one
  type both engines return.
- The output folder's layout (``SPEC_SNAPSHOT``, ``TRIALS_DIR``, ...): every file and
  folder name defined once.
- Earlier attempts of a trial (:func:`set_aside`, ``.attempts/``): moved aside, never
  deleted.
- :class:`ObjectiveType`: the direction, and the one "is a better than b" rule.
- The serving cost metrics' names (:data:`SERVING_METRICS`, :func:`is_serving_metric`):
  what a trial reports when the search asks for its serving cost.
"""

from __future__ import annotations

from odsweep.results._attempts import ATTEMPT_ENV, ATTEMPT_KEY, ATTEMPTS_DIR, set_aside
from odsweep.results._detections import (
    DETECTION_MIN_SCORE,
    Box,
    DetectionSample,
    WinnerDetections,
    read_detections,
    write_detections,
)
from odsweep.results._layout import (
    BEST_FILE,
    MODEL_DIR,
    REPORT_HTML,
    REPORT_MARKDOWN,
    RESULT_FILE,
    SAVED_MODEL_FILE,
    SPEC_SNAPSHOT,
    STDERR_LOG,
    STDOUT_LOG,
    STUDY_FILE,
    TRIAL_BEST_DIR,
    TRIAL_CONFIG_FILE,
    TRIAL_EVAL_DIR,
    TRIAL_SERVING_DIR,
    TRIALS_DIR,
    WINNER_DETECTIONS_DIR,
    WINNER_DETECTIONS_FILE,
)
from odsweep.results._metrics import (
    METRICS_FORMAT,
    PER_CATEGORY_AP_PREFIX,
    format_metric_lines,
    is_per_category,
    is_reportable_name,
    parse_metric_lines,
    rfc3339_now,
    write_metric_lines,
)
from odsweep.results._objective import ObjectiveType
from odsweep.results._outcome import Engine, SearchOutcome
from odsweep.results._pareto import (
    Constraint,
    ConstraintsUnmet,
    ParetoPoint,
    Tradeoff,
    best_metrics,
    dominates,
    pareto_front,
)
from odsweep.results._records import (
    parse_result,
    read_best,
    read_best_checked,
    read_result,
    read_result_checked,
    trial_results,
)
from odsweep.results._selection import Best, best_record, select_best, write_best
from odsweep.results._serving_names import (
    LATENCY_P50_MS,
    LATENCY_P90_MS,
    MODEL_SIZE_MB,
    PARAMS_MILLIONS,
    SERVING_KEY,
    SERVING_METRICS,
    is_serving_metric,
    is_serving_namespace,
    serving_metrics,
    serving_record,
)
from odsweep.results._trial import (
    BestCheckpoint,
    EvalRecord,
    TrialResult,
    TrialStatus,
    write_result,
)

__all__ = [
    "ATTEMPTS_DIR",
    "ATTEMPT_ENV",
    "ATTEMPT_KEY",
    "BEST_FILE",
    "DETECTION_MIN_SCORE",
    "LATENCY_P50_MS",
    "LATENCY_P90_MS",
    "METRICS_FORMAT",
    "MODEL_DIR",
    "MODEL_SIZE_MB",
    "PARAMS_MILLIONS",
    "PER_CATEGORY_AP_PREFIX",
    "REPORT_HTML",
    "REPORT_MARKDOWN",
    "RESULT_FILE",
    "SAVED_MODEL_FILE",
    "SERVING_KEY",
    "SERVING_METRICS",
    "SPEC_SNAPSHOT",
    "STDERR_LOG",
    "STDOUT_LOG",
    "STUDY_FILE",
    "TRIALS_DIR",
    "TRIAL_BEST_DIR",
    "TRIAL_CONFIG_FILE",
    "TRIAL_EVAL_DIR",
    "TRIAL_SERVING_DIR",
    "WINNER_DETECTIONS_DIR",
    "WINNER_DETECTIONS_FILE",
    "Best",
    "BestCheckpoint",
    "Box",
    "Constraint",
    "ConstraintsUnmet",
    "DetectionSample",
    "Engine",
    "EvalRecord",
    "ObjectiveType",
    "ParetoPoint",
    "SearchOutcome",
    "Tradeoff",
    "TrialResult",
    "TrialStatus",
    "WinnerDetections",
    "best_metrics",
    "best_record",
    "dominates",
    "format_metric_lines",
    "is_per_category",
    "is_reportable_name",
    "is_serving_metric",
    "is_serving_namespace",
    "pareto_front",
    "parse_metric_lines",
    "parse_result",
    "read_best",
    "read_best_checked",
    "read_detections",
    "read_result",
    "read_result_checked",
    "rfc3339_now",
    "select_best",
    "serving_metrics",
    "serving_record",
    "set_aside",
    "trial_results",
    "write_best",
    "write_detections",
    "write_metric_lines",
    "write_result",
]
