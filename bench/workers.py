"""Benchmark: the coordination overhead of several workers on one PostgreSQL study.

The same 8-trial sweep of fake trials (tests/backends/optuna/fake_trial.py: no
TensorFlow, 4 evals of FAKE_DELAY seconds each), one trial at a time per worker:

- ``sqlite x1``: the single-worker engine on its SQLite study (the reference);
- ``postgres x1``: one worker on a PostgreSQL study (the server's own cost);
- ``postgres x2``: two workers sharing that study (the study lock, the shared tally).

Measured per worker: the gap from one of its trials' end to its next trial's start
(both stamped by the trial process itself, so a trial's interpreter start-up is in the
gap; on 2 shared cores the wall-time ratio of x2 to x1 says little). Printed: the
median and max gap per setup and their ratio to ``sqlite x1``.

Run: ``uv run python bench/workers.py`` (~1 min; starts its own PostgreSQL server).
"""

from __future__ import annotations

import multiprocessing
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.backends.optuna.test_engine import FAKE, write_spec  # noqa: E402
from tests.pg_fixtures import running_server  # noqa: E402

TRIALS = 8
DELAY = "0.25"


def _worker(spec_path: str, out: str, url: str, log: str) -> None:
    from odsweep.backends.optuna import LocalEngine
    from odsweep.spec import load_spec

    os.environ["FAKE_LOG"] = log
    LocalEngine(
        load_spec(spec_path),
        spec_path=spec_path,
        output_dir=out,
        storage_url=url,
        poll_seconds=0.05,
        show_progress=False,
        argv_prefix=[sys.executable, str(FAKE)],
        parallel=1,
    ).run()


def gaps(log: Path) -> list[float]:
    """End-of-trial to start-of-next-trial gaps of one worker (one trial at a time)."""
    events = sorted(
        (float(t), kind) for kind, _, t in (line.split() for line in log.read_text().splitlines())
    )
    out, last_end = [], None
    for t, kind in events:
        if kind == "end":
            last_end = t
        elif last_end is not None:
            out.append(t - last_end)
    return out


def run(name: str, work: Path, url: str, workers: int) -> tuple[list[float], float, list[int]]:
    spec = write_spec(work / f"{name}.yaml", maxTrialCount=TRIALS, parallelTrialCount=1)
    ctx = multiprocessing.get_context("fork")
    logs = [work / f"{name}-{i}.log" for i in range(workers)]
    start = time.perf_counter()
    procs = [
        ctx.Process(target=_worker, args=(spec, str(work / name), url, str(log))) for log in logs
    ]
    for p in procs:
        p.start()
    for p in procs:
        p.join()
        assert p.exitcode == 0, name
    wall = time.perf_counter() - start
    per_worker = [len(log.read_text().splitlines()) // 2 for log in logs]
    return [g for log in logs for g in gaps(log)], wall, per_worker


def main() -> None:
    os.environ["FAKE_DELAY"] = DELAY
    os.environ.pop("FAKE_FAIL_ABOVE", None)
    work = Path(tempfile.mkdtemp(prefix="odsweep-bench-workers-"))
    with running_server() as server:
        results = {"sqlite x1": run("a", work, f"sqlite:///{work}/a.db", 1)}
        for name, n in (("postgres x1", 1), ("postgres x2", 2)):
            db = f"bench_{n}"
            server.admin(f"CREATE DATABASE {db}")
            results[name] = run(db, work, server.url(db), n)
    ref = statistics.median(results["sqlite x1"][0])
    print(f"{TRIALS} fake trials of 4 x {DELAY} s, one at a time per worker (work: {work})")
    print(f"{'setup':<12} {'trials/worker':>14} {'wall s':>7} {'median gap s':>13} "
          f"{'max gap s':>10} {'gap ratio':>10}")  # fmt: skip
    for name, (found, wall, per_worker) in results.items():
        med = statistics.median(found)
        print(f"{name:<12} {per_worker!s:>14} {wall:7.1f} {med:13.3f} {max(found):10.3f} "
              f"{med / ref:10.2f}")  # fmt: skip


if __name__ == "__main__":
    main()
