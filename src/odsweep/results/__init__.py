"""The run records: what a sweep writes and reads back, and the rules over them.

Pure: imports only the standard library, :mod:`odsweep.errors` and
:mod:`odsweep.storage` (no TensorFlow, no engine, no spec). Every other layer reads and
writes the records through it:

- ``result.json`` (:class:`TrialResult`, :func:`read_result`, :func:`write_result`,
  :func:`trial_results`): what a trial did, after every eval and at the end.
- The metric lines (:data:`METRICS_FORMAT`, :func:`write_metric_lines`,
  :func:`parse_metric_lines`): what a trial prints per eval, which Katib's StdOut
  collector parses with the same regex.
- Selection and ``best.json`` (:func:`select_best`, :class:`Best`): the winner rule.
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
from odsweep.results._records import (
    parse_result,
    read_best,
    read_best_checked,
    read_result,
    read_result_checked,
    trial_results,
)
from odsweep.results._selection import Best, best_record, select_best, write_best
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
    "METRICS_FORMAT",
    "MODEL_DIR",
    "PER_CATEGORY_AP_PREFIX",
    "REPORT_HTML",
    "REPORT_MARKDOWN",
    "RESULT_FILE",
    "SAVED_MODEL_FILE",
    "SPEC_SNAPSHOT",
    "STDERR_LOG",
    "STDOUT_LOG",
    "STUDY_FILE",
    "TRIALS_DIR",
    "TRIAL_BEST_DIR",
    "TRIAL_CONFIG_FILE",
    "TRIAL_EVAL_DIR",
    "WINNER_DETECTIONS_DIR",
    "WINNER_DETECTIONS_FILE",
    "Best",
    "BestCheckpoint",
    "Box",
    "DetectionSample",
    "Engine",
    "EvalRecord",
    "ObjectiveType",
    "SearchOutcome",
    "TrialResult",
    "TrialStatus",
    "WinnerDetections",
    "best_record",
    "format_metric_lines",
    "is_per_category",
    "is_reportable_name",
    "parse_metric_lines",
    "parse_result",
    "read_best",
    "read_best_checked",
    "read_detections",
    "read_result",
    "read_result_checked",
    "rfc3339_now",
    "select_best",
    "set_aside",
    "trial_results",
    "write_best",
    "write_detections",
    "write_metric_lines",
    "write_result",
]
