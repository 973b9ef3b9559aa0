"""A trial that stops making progress fails itself, with the reason, instead of hanging.

The train loop and the evaluator beat a :class:`Heartbeat` after each training
segment and each eval. A daemon thread (:meth:`Watchdog.start`) asks
:meth:`Watchdog.verdict` every few seconds; once there has been no beat for the
stall timeout, or the whole trial ran past its time limit, it hands the reason to
a callback that records ``failed`` and ends the process (the main thread may be
stuck inside a TensorFlow op that no Python exception can interrupt).

The clock is injected so that the rules are tested without sleeping.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

logger = logging.getLogger(__name__)

Clock = Callable[[], float]
WallClock = Callable[[], datetime]

STALL_HOOK_ENV = "ODSWEEP_TEST_STALL_AFTER_STEP"
"""Test-only fault hook: the trial's main thread blocks forever once it reached this
step (0: before its first step), as a trial stuck inside TensorFlow would; the
watchdog must then fail it."""


def _utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class Beat:
    """The last sign of progress: a training step (None before the first) and when."""

    step: int | None
    at: float
    wall: datetime

    def describe(self) -> str:
        when = self.wall.isoformat(timespec="seconds").replace("+00:00", "Z")
        if self.step is None:
            return f"no training step yet (trial started at {when})"
        return f"last step {self.step} at {when}"


class Heartbeat:
    """Thread-safe record of the last progress (beaten by the trial's main thread)."""

    def __init__(self, *, clock: Clock = time.monotonic, wall: WallClock = _utc_now) -> None:
        self._clock = clock
        self._wall = wall
        self._lock = threading.Lock()
        self.started = clock()
        self._last = Beat(None, self.started, wall())

    def beat(self, step: int | None = None) -> None:
        """Progress: a training segment ended at ``step``, or an eval finished (None)."""
        with self._lock:
            known = self._last.step if step is None else step
            self._last = Beat(known, self._clock(), self._wall())

    @property
    def last(self) -> Beat:
        with self._lock:
            return self._last


class Watchdog:
    """Decides when a trial has stalled or run out of time.

    Args:
        heartbeat: What the trial beats.
        stall_timeout: Seconds without a beat before the trial is failed.
        time_limit: Seconds for the whole trial, or None for no limit.
        clock: Monotonic seconds (the heartbeat's clock).
    """

    def __init__(
        self,
        heartbeat: Heartbeat,
        *,
        stall_timeout: float,
        time_limit: float | None = None,
        clock: Clock = time.monotonic,
    ) -> None:
        self.heartbeat = heartbeat
        self.stall_timeout = stall_timeout
        self.time_limit = time_limit
        self._clock = clock
        self._stop = threading.Event()

    def verdict(self) -> str | None:
        """The reason to fail the trial now, or None while it is healthy."""
        now = self._clock()
        last = self.heartbeat.last
        if self.time_limit is not None and now - self.heartbeat.started >= self.time_limit:
            return (
                f"trial time limit of {self.time_limit:g} s reached (spec.trialTimeoutSeconds); "
                f"{last.describe()}; see stderr.log"
            )
        if now - last.at >= self.stall_timeout:
            return (
                f"no training step or eval for {self.stall_timeout:g} s; {last.describe()}; "
                "see stderr.log"
            )
        return None

    def poll_interval(self) -> float:
        """How often the thread looks: a tenth of the shortest limit, 0.1 s to 30 s."""
        shortest = min(self.stall_timeout, self.time_limit or self.stall_timeout)
        return max(0.1, min(30.0, shortest / 10))

    def start(self, on_fail: Callable[[str], None]) -> threading.Thread:
        """Watch in a daemon thread; ``on_fail(reason)`` runs once, from that thread."""

        def watch() -> None:
            while not self._stop.wait(self.poll_interval()):
                reason = self.verdict()
                if reason is not None:
                    logger.error("trial failed by its watchdog: %s", reason)
                    on_fail(reason)
                    return

        thread = threading.Thread(target=watch, name="odsweep-watchdog", daemon=True)
        thread.start()
        return thread

    def stop(self) -> None:
        """End the watching thread (the trial finished)."""
        self._stop.set()
