"""Earlier attempts of a re-run trial: moved aside, never deleted.

A trial re-runs under its own name (its folder's name) when the study records it as
interrupted. Whatever the interrupted attempt left (checkpoints, logs, its
``result.json``) may be worth days of compute, so the folder is moved to
``<trials>/.attempts/<name>-<k>/`` (k = 1, 2, ...) before the new attempt starts in an
empty folder. Trial listings skip dot-folders, and a folder without a top-level
``result.json`` is not a trial to them either. Delete old attempts by hand.
"""

from __future__ import annotations

import logging
import os

from odsweep import storage

logger = logging.getLogger(__name__)

ATTEMPTS_DIR = ".attempts"


def _parent_and_name(path: str) -> tuple[str, str]:
    trimmed = path.rstrip("/")
    parent, _, name = trimmed.rpartition("/")
    return parent, name


def set_aside(folder: str) -> str | None:
    """Move a non-empty ``folder`` to ``<its parent>/.attempts/<name>-<k>/``.

    Returns:
        Where it went, or None when there was nothing to keep (missing or empty
        folder, which the new attempt simply reuses).
    """
    if not storage.list_dir(folder):
        return None
    parent, name = _parent_and_name(folder)
    attempts = storage.join(parent, ATTEMPTS_DIR)
    taken = set(storage.list_dir(attempts))
    k = 1
    while f"{name}-{k}" in taken:
        k += 1
    target = storage.join(attempts, f"{name}-{k}")
    storage.move_tree(folder, target)
    logger.warning("kept the earlier attempt of %s at %s", name, target)
    return target


def set_aside_local(folder: str) -> str | None:
    """:func:`set_aside` for a local-only folder (a remote trial's local logs)."""
    if not os.path.isdir(folder):
        return None
    return set_aside(folder)
