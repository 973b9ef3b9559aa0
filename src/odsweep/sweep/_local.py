"""``odsweep run`` on one machine: validate, search with the local Optuna engine, finish."""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence

from odsweep import storage
from odsweep.results import SPEC_SNAPSHOT, TRIALS_DIR, SearchOutcome
from odsweep.runlock import maybe_run_lock
from odsweep.secrets import mask_url
from odsweep.spec import SearchSpec, load_spec
from odsweep.sweep._finish import SweepResult, finish
from odsweep.sweep._layout import (
    default_output,
    default_storage,
    local_state_dir,
    snapshot_spec,
)

logger = logging.getLogger(__name__)


def run_local_search(
    spec: SearchSpec,
    *,
    spec_path: str,
    output_dir: str,
    storage_url: str,
    show_progress: bool = True,
    argv_prefix: Sequence[str] | None = None,
    poll_seconds: float = 1.0,
    write_snapshot: bool = False,
) -> SearchOutcome:
    """Run (or resume) the search on this machine.

    The engine opens the study first and refuses an output whose trials it does not
    know, before the spec snapshot (``write_snapshot``) or anything else is written.
    """
    from odsweep.backends.optuna import LocalEngine

    state_dir = os.path.abspath(local_state_dir(output_dir))
    engine = LocalEngine(
        spec,
        spec_path=spec_path if storage.is_remote(spec_path) else os.path.abspath(spec_path),
        output_dir=output_dir,
        storage_url=storage_url,
        show_progress=show_progress,
        argv_prefix=list(argv_prefix) if argv_prefix else None,
        poll_seconds=poll_seconds,
        log_dir=storage.join(state_dir, TRIALS_DIR) if storage.is_remote(output_dir) else None,
    )
    if write_snapshot:
        snapshot_spec(spec, output_dir)
    return engine.run()


def run_sweep(
    spec_path: str,
    *,
    output_dir: str | None = None,
    storage_url: str | None = None,
    show_progress: bool = True,
    argv_prefix: Sequence[str] | None = None,
    poll_seconds: float = 1.0,
) -> SweepResult:
    """Validate, search, then finish (select, export and verify, report).

    Raises:
        InputError: a bad spec (nothing run).
        SearchFailed: the search failed, or no trial has a best checkpoint.
        ExportFailed: the winner's export or its verification failed.
    """
    from odsweep.validation import check_spec

    spec = load_spec(spec_path)
    check_spec(spec)
    output_dir = output_dir or default_output(spec)
    url = storage_url or default_storage(output_dir)
    state_dir = os.path.abspath(local_state_dir(output_dir))
    # One run per output with a SQLite study (not for a shared PostgreSQL one); held
    # to the end of the sweep, export and report included.
    with maybe_run_lock(state_dir, output_dir=output_dir, storage_url=url):
        storage.makedirs(output_dir)
        logger.info("sweep %s: output %s", spec.name, output_dir)
        logger.info(
            "study: %s (resume: the same command again, from %s)", mask_url(url), os.getcwd()
        )
        outcome = run_local_search(
            spec,
            spec_path=storage.join(output_dir, SPEC_SNAPSHOT),
            output_dir=output_dir,
            storage_url=url,
            show_progress=show_progress,
            argv_prefix=argv_prefix,
            poll_seconds=poll_seconds,
            write_snapshot=True,
        )
        return finish(spec, output_dir, outcome)
