"""A whole sweep: the output layout, the engines' runs, and the end of a sweep.

- :mod:`._layout`: where a sweep keeps things (output, local state, spec snapshot).
- :mod:`._local` / :mod:`._katib`: ``odsweep run`` on each backend: validate, let the
  engine search, then :func:`finish`.
- :mod:`._finish`: the end of a sweep written once (select, ``best.json``, export or
  reuse, verify, report), used by ``odsweep run``, the pipeline steps and
  ``odsweep best|export|report``.
"""

from __future__ import annotations

from odsweep.results import MODEL_DIR, SPEC_SNAPSHOT, STUDY_FILE, TRIALS_DIR, trial_results
from odsweep.sweep._finish import (
    SearchFailed,
    SweepResult,
    eval_input_of,
    export_trial_verified,
    export_winner,
    fail_search,
    finish,
    select_winner,
    sweep_report,
    verify_winner,
    write_sweep_report,
)
from odsweep.sweep._katib import run_katib_sweep
from odsweep.sweep._layout import (
    default_output,
    default_storage,
    local_state_dir,
    model_base,
    param_scales,
    snapshot_spec,
    trial_dir,
)
from odsweep.sweep._local import run_local_search, run_sweep

__all__ = [
    "MODEL_DIR",
    "SPEC_SNAPSHOT",
    "STUDY_FILE",
    "TRIALS_DIR",
    "SearchFailed",
    "SweepResult",
    "default_output",
    "default_storage",
    "eval_input_of",
    "export_trial_verified",
    "export_winner",
    "fail_search",
    "finish",
    "local_state_dir",
    "model_base",
    "param_scales",
    "run_katib_sweep",
    "run_local_search",
    "run_sweep",
    "select_winner",
    "snapshot_spec",
    "sweep_report",
    "trial_dir",
    "trial_results",
    "verify_winner",
    "write_sweep_report",
]
