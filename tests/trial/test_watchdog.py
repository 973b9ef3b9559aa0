"""The stall watchdog's rules on an injected clock (no sleeping, no races)."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

from odsweep.trial.watchdog import Heartbeat, Watchdog

START = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def wall(self) -> datetime:
        return START + timedelta(seconds=self.now - 1000.0)


def _watchdog(stall: float = 60, limit: float | None = None) -> tuple[FakeClock, Watchdog]:
    clock = FakeClock()
    beat = Heartbeat(clock=clock, wall=clock.wall)
    return clock, Watchdog(beat, stall_timeout=stall, time_limit=limit, clock=clock)


def test_healthy_while_beats_come_in_time() -> None:
    clock, dog = _watchdog(stall=60)
    for _ in range(10):
        clock.now += 59
        assert dog.verdict() is None
        dog.heartbeat.beat(int(clock.now))


def test_no_step_at_all_is_a_stall_naming_the_start() -> None:
    clock, dog = _watchdog(stall=60)
    clock.now += 59.9
    assert dog.verdict() is None
    clock.now += 0.1
    assert dog.verdict() == (
        "no training step or eval for 60 s; no training step yet (trial started at "
        "2026-01-02T03:04:05Z); see stderr.log"
    )


def test_a_stall_names_the_last_step_and_its_time() -> None:
    clock, dog = _watchdog(stall=1800)
    clock.now += 100
    dog.heartbeat.beat(40)
    clock.now += 1799
    assert dog.verdict() is None
    clock.now += 1
    assert dog.verdict() == (
        "no training step or eval for 1800 s; last step 40 at 2026-01-02T03:05:45Z; see stderr.log"
    )


def test_an_eval_counts_as_progress_and_keeps_the_step() -> None:
    clock, dog = _watchdog(stall=60)
    dog.heartbeat.beat(10)
    clock.now += 50
    dog.heartbeat.beat()  # an eval finished
    clock.now += 50
    assert dog.verdict() is None
    assert dog.heartbeat.last.step == 10


def test_the_time_limit_fails_a_trial_that_keeps_stepping() -> None:
    clock, dog = _watchdog(stall=60, limit=300)
    for step in range(1, 6):
        clock.now += 59
        dog.heartbeat.beat(step)
        assert dog.verdict() is None
    clock.now += 5
    assert dog.verdict() == (
        "trial time limit of 300 s reached (spec.trialTimeoutSeconds); last step 5 at "
        "2026-01-02T03:09:00Z; see stderr.log"
    )


def test_the_thread_reports_once_and_stop_ends_it() -> None:
    clock, dog = _watchdog(stall=1)
    reasons: list[str] = []
    done = threading.Event()

    def on_fail(reason: str) -> None:
        reasons.append(reason)
        done.set()

    clock.now += 5  # stalled before the thread even looks
    thread = dog.start(on_fail)
    assert done.wait(timeout=60)
    thread.join(timeout=60)
    assert not thread.is_alive()
    assert reasons == [dog.verdict()]

    _, healthy = _watchdog(stall=1)
    thread = healthy.start(on_fail)
    healthy.stop()
    thread.join(timeout=60)
    assert not thread.is_alive() and len(reasons) == 1


def test_poll_interval_follows_the_shortest_limit() -> None:
    assert _watchdog(stall=1800)[1].poll_interval() == 30.0
    assert _watchdog(stall=1800, limit=50)[1].poll_interval() == 5.0
    assert _watchdog(stall=0.5)[1].poll_interval() == 0.1


def test_the_spec_keys_reach_the_trials_options(tmp_path: Path) -> None:
    from odsweep.spec import parse_spec
    from odsweep.trial.from_spec import trial_options
    from tests.backends.katib.katib_fixtures import spec_doc

    doc = spec_doc()
    spec = parse_spec(doc, source=str(tmp_path / "s.yaml"), base_dir=str(tmp_path))
    opts = trial_options(spec, trial_dir=str(tmp_path / "t-1"), params={})
    assert (opts.stall_timeout_seconds, opts.time_limit_seconds) == (1800, None)
    doc["spec"].update(trialStallTimeoutSeconds=90, trialTimeoutSeconds=600)
    spec = parse_spec(doc, source=str(tmp_path / "s.yaml"), base_dir=str(tmp_path))
    opts = trial_options(spec, trial_dir=str(tmp_path / "t-1"), params={})
    assert (opts.stall_timeout_seconds, opts.time_limit_seconds) == (90, 600)
