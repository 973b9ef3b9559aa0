"""Waiting for a condition another process makes true, without betting on how fast it is.

A test waits for what it needs (a file, a state), never for a duration. The wait fails
at once when the process that should bring the condition about has ended, and only
otherwise after a hang guard far beyond any machine's slowness (a busy 2-core CI host
starts a Python process with TensorFlow in tens of seconds, not minutes).
"""

from __future__ import annotations

import time
from collections.abc import Callable

HANG_GUARD_SECONDS = 900.0


def wait_until(
    condition: Callable[[], bool],
    *,
    what: str,
    alive: Callable[[], bool] | None = None,
    poll: float = 0.05,
) -> None:
    """Return once ``condition()`` holds; fail if ``alive()`` turns false first."""
    guard = time.monotonic() + HANG_GUARD_SECONDS
    while not condition():
        if alive is not None and not alive():
            if condition():  # it became true just as the process ended
                return
            raise AssertionError(f"the process ended before {what}")
        if time.monotonic() > guard:
            raise AssertionError(f"no {what} after {HANG_GUARD_SECONDS:.0f} s: hung?")
        time.sleep(poll)
