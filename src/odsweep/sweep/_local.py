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
from odsweep.sweep._finish import SearchFailed, SweepResult, finish
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
    parallel: int | None = None,
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
        parallel=parallel,
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
    parallel: int | None = None,
) -> SweepResult:
    """Validate, search, then finish (select, export and verify, report).

    With a shared study (PostgreSQL) several workers run this at once; the one that
    claims the end finishes, the others return a result without a winner that says
    which worker finishes (``SweepResult.finished_by``).

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
            parallel=parallel,
        )
        if outcome.finished_by:
            return ended_elsewhere(spec, output_dir, outcome)
        return finish(spec, output_dir, outcome)


def ended_elsewhere(spec: SearchSpec, output_dir: str, outcome: SearchOutcome) -> SweepResult:
    """This worker's part of a shared sweep is over; another worker does the end.

    Raises:
        SearchFailed: the search failed (every worker exits 1, not only the one that
            writes the report).
    """
    who = outcome.finished_by
    if not outcome.succeeded:
        raise SearchFailed(
            f"search {spec.name!r} failed: {outcome.message}; worker {who} writes the "
            f"report in {output_dir}"
        )
    message = (
        f"{outcome.message}; the selection, export and report are done by worker {who} "
        f"(then: odsweep best {output_dir})"
    )
    return SweepResult(output_dir, None, None, "", message, study=outcome.where, finished_by=who)
