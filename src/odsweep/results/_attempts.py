"""Earlier attempts of a trial: moved aside, never deleted.

A trial's folder may hold an earlier attempt of it (an interrupted run, a Katib pod
retried). When that attempt can be continued, the trial resumes in place
(``odsweep.trial.resume``); when it cannot, whatever it left (checkpoints, events,
its ``result.json``) may be worth days of compute, so it is moved to
``<trials>/.attempts/<name>-<k>/`` (k = 1, 2, ...) and the new attempt starts in an
empty folder. Trial listings skip dot-folders, and a folder without a top-level
``result.json`` is not a trial to them either. Delete old attempts by hand.

Lives here, below both the engines and the trial, because both move attempts aside.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from odsweep import storage

logger = logging.getLogger(__name__)

ATTEMPTS_DIR = ".attempts"

ATTEMPT_ENV = "ODSWEEP_TRIAL_ATTEMPT"
"""An engine may give each attempt a token in this variable; the trial records it in
``result.json`` (key ``attempt``) so that the engine never mistakes the record an
earlier attempt left in the folder for the new attempt's."""

ATTEMPT_KEY = "attempt"


def _parent_and_name(path: str) -> tuple[str, str]:
    trimmed = path.rstrip("/")
    parent, _, name = trimmed.rpartition("/")
    return parent, name


def _move_file(src: str, dst: str) -> None:
    if storage.is_remote(src):
        storage.write_bytes_atomic(dst, storage.read_bytes(src))
        storage.remove(src)
    else:
        storage.move_tree(src, dst)


def set_aside(folder: str, *, keep: Iterable[str] = ()) -> str | None:
    """Move a ``folder`` that holds anything but ``keep`` to
    ``<its parent>/.attempts/<name>-<k>/``; the files named in ``keep`` (the logs an
    engine is writing right now) stay in ``folder``.

    Returns:
        Where it went, or None when there was nothing to keep (a missing folder, or
        one holding only ``keep`` files, which the new attempt simply reuses).
    """
    kept = set(keep)
    present = storage.list_dir(folder)
    if not [n for n in present if n not in kept]:
        return None
    parent, name = _parent_and_name(folder)
    attempts = storage.join(parent, ATTEMPTS_DIR)
    taken = set(storage.list_dir(attempts))
    k = 1
    while f"{name}-{k}" in taken:
        k += 1
    target = storage.join(attempts, f"{name}-{k}")
    storage.move_tree(folder, target)
    storage.makedirs(folder)
    for file in sorted(kept & set(present)):
        _move_file(storage.join(target, file), storage.join(folder, file))
    logger.warning("kept the earlier attempt of %s at %s", name, target)
    return target
