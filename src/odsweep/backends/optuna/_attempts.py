"""Earlier attempts of a re-run trial: moved aside, never deleted.

The rule itself lives in :mod:`odsweep.results._attempts` (the trial uses it too,
when an earlier attempt in its folder cannot be resumed); here is what only the
engine needs: a remote trial's local log folder.
"""

from __future__ import annotations

import os

from odsweep.results._attempts import ATTEMPTS_DIR, set_aside

__all__ = ["ATTEMPTS_DIR", "set_aside", "set_aside_local"]


def set_aside_local(folder: str) -> str | None:
    """:func:`set_aside` for a local-only folder (a remote trial's local logs)."""
    if not os.path.isdir(folder):
        return None
    return set_aside(folder)
