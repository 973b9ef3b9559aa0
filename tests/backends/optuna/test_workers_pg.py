"""Several workers on one PostgreSQL study (a real server on 127.0.0.1, fake trials).

Each worker is a forked process running the local search and the end of the sweep
as ``odsweep run`` does, with the export recorded in-process (tests/export_fakes.py).
"""

from __future__ import annotations

import json
import logging
import multiprocessing
import os
import re
import signal
import sys
from pathlib import Path
from typing import Any

import optuna
import pytest
from optuna.trial import TrialState

from odsweep.backends.optuna import _engine
from odsweep.backends.optuna._shared import END_ATTR
from odsweep.backends.optuna._study import INTERRUPTED_ATTR, NAME_ATTR, OWNER_ATTR
from odsweep.errors import InputError, OdsweepError
from odsweep.spec import load_spec
from tests.backends.optuna.test_engine import FAKE, write_spec
from tests.pg_fixtures import PASSWORD, PgServer, pg_server, pg_url
from tests.waiting import wait_until

__all__ = ["pg_server", "pg_url"]

pytestmark = pytest.mark.postgres
CTX = multiprocessing.get_context("fork")


def _worker(
    spec_path: str, out: str, url: str, tag: str, barrier: Any, env: dict[str, str], parallel: int
) -> None:
    import odsweep.export
    from odsweep.sweep import finish, run_local_search
    from odsweep.sweep._local import ended_elsewhere
    from tests.export_fakes import RecordedExport

    os.environ.update(env)
    logs = Path(out).parent / "logs"
    logs.mkdir(exist_ok=True)
    logging.basicConfig(filename=logs / f"{tag}.log", level=logging.DEBUG, force=True)
    record = RecordedExport()
    odsweep.export.export_trial = record.export_trial  # type: ignore[assignment]
    odsweep.export.verify_saved_model = record.verify  # type: ignore[assignment]
    if barrier is not None:
        first = [True]

        def meet() -> None:  # only the first launch: both workers ask at once
            if first:
                first.clear()
                barrier.wait(timeout=120)

        _engine.before_launch = meet
    spec = load_spec(spec_path)
    doc: dict[str, Any]
    try:
        outcome = run_local_search(
            spec,
            spec_path=str(Path(out) / "spec.yaml"),
            output_dir=out,
            storage_url=url,
            show_progress=False,
            argv_prefix=[sys.executable, str(FAKE)],
            poll_seconds=0.05,
            write_snapshot=True,
            parallel=parallel,
        )
        result = (
            ended_elsewhere(spec, out, outcome)
            if outcome.finished_by
            else finish(spec, out, outcome)
        )
        doc = {"verdict": outcome.verdict.name, "finished_by": result.finished_by}
        doc["best"] = result.best.trial if result.best else None
    except OdsweepError as exc:
        doc = {"error": str(exc), "exit": exc.exit_code}
    doc["exports"] = len(record.exports)
    (Path(out).parent / f"{tag}.json").write_text(json.dumps(doc))


def start_workers(
    tmp_path: Path,
    spec_path: str,
    url: str,
    n: int,
    *,
    barrier: bool = False,
    parallel: int = 2,
    env: dict[str, str] | None = None,
    tag: str = "w",
) -> list[Any]:
    meet = CTX.Barrier(n) if barrier else None
    procs = []
    for i in range(n):
        name = f"w{i}" if tag == "w" else tag
        args = (spec_path, str(tmp_path / "out"), url, name, meet, env or {}, parallel)
        proc = CTX.Process(target=_worker, args=args)
        proc.start()
        procs.append(proc)
    return procs


def join(tmp_path: Path, procs: list[Any], first: int = 0) -> list[dict[str, Any]]:
    for proc in procs:
        proc.join(timeout=300)
        assert proc.exitcode == 0
    tags = range(first, first + len(procs))
    return [json.loads((tmp_path / f"w{i}.json").read_text()) for i in tags]


def counted(url: str) -> list[optuna.trial.FrozenTrial]:
    study = optuna.load_study(study_name="fake", storage=url.replace("://", "+psycopg://", 1))
    return [t for t in study.trials if not t.user_attrs.get(INTERRUPTED_ATTR)]


@pytest.fixture
def fake_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FAKE_DELAY", "0.05")
    monkeypatch.delenv("FAKE_FAIL_ABOVE", raising=False)
    monkeypatch.delenv("FAKE_LOG", raising=False)
    monkeypatch.setenv("ODSWEEP_HEARTBEAT_SECONDS", "1")
    monkeypatch.setenv("ODSWEEP_GRACE_SECONDS", "3")


def assert_no_password(tmp_path: Path) -> None:
    for path in tmp_path.rglob("*"):
        if path.is_file():
            assert PASSWORD.encode() not in path.read_bytes(), path


@pytest.mark.parametrize("workers", [2, 3])
def test_workers_split_the_budget_exactly_and_one_finishes(
    tmp_path: Path, pg_url: str, fake_env: None, workers: int
) -> None:
    # Every worker asks at the same instant for 2 trials each: 4 or 6 asks, 3 allowed
    # at first; the study lock makes them take turns.
    spec = spec_of(tmp_path, maxTrialCount=3 + workers, parallelTrialCount=2)
    results = join(tmp_path, start_workers(tmp_path, spec, pg_url, workers, barrier=True))

    trials = counted(pg_url)
    names = sorted(t.user_attrs[NAME_ATTR] for t in trials)
    assert names == sorted(f"fake-{i}" for i in range(1, 3 + workers + 1))
    assert all(t.state is TrialState.COMPLETE for t in trials)
    assert len({t.system_attrs[OWNER_ATTR] for t in trials}) > 1  # shared, not one worker's
    finishers = [r for r in results if not r["finished_by"]]
    assert len(finishers) == 1 and finishers[0]["exports"] == 1
    assert sum(r["exports"] for r in results) == 1
    winner = finishers[0]["best"]
    study = optuna.load_study(study_name="fake", storage=pg_url.replace("://", "+psycopg://"))
    for other in results:
        if other["finished_by"]:
            assert (
                other["finished_by"]
                == study._storage.get_study_system_attrs(study._study_id)[END_ATTR]
            )
            assert other["best"] is None
    assert json.loads((tmp_path / "out" / "best.json").read_text())["trial"] == winner
    assert_no_password(tmp_path)


def test_the_failure_budget_stops_every_worker(
    tmp_path: Path, pg_url: str, fake_env: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FAKE_FAIL_ABOVE", "0")  # every trial fails
    spec = spec_of(tmp_path, maxTrialCount=20, maxFailedTrialCount=3)
    results = join(tmp_path, start_workers(tmp_path, spec, pg_url, 2, parallel=1))
    assert [r["exit"] for r in results] == [1, 1]
    assert all("maxFailedTrialCount reached" in r["error"] for r in results)
    # At most one more per worker than the budget: trials running when it was spent
    # end on their own (Katib's rule); none start after.
    assert 3 <= len(counted(pg_url)) <= 4
    assert sum(r["exports"] for r in results) == 0


def test_the_goal_stops_every_worker(tmp_path: Path, pg_url: str, fake_env: None) -> None:
    objective = {"type": "maximize", "objectiveMetricName": "DetectionBoxes_Precision/mAP"}
    spec = spec_of(tmp_path, maxTrialCount=40, objective={**objective, "goal": 0.2})
    results = join(tmp_path, start_workers(tmp_path, spec, pg_url, 2))
    assert [r["verdict"] for r in results] == ["SUCCEEDED_GOAL"] * 2
    assert len(counted(pg_url)) < 40
    assert sum(r["exports"] for r in results) == 1


def test_a_killed_workers_trial_is_taken_over_and_counted_once(
    tmp_path: Path, pg_url: str, fake_env: None
) -> None:
    spec = spec_of(tmp_path, maxTrialCount=3, parallelTrialCount=1)
    # The first worker's trials would take minutes: it is killed inside one.
    slow = start_workers(tmp_path, spec, pg_url, 1, parallel=1, env={"FAKE_DELAY": "30"})[0]
    url = pg_url.replace("://", "+psycopg://", 1)
    trials_dir = tmp_path / "out" / "trials"
    mine: list[optuna.trial.FrozenTrial] = []

    # Until its trial runs (a condition, not a delay); the study exists once a trial
    # folder does (reading it earlier would race the worker creating its tables).
    def started() -> bool:
        if trials_dir.is_dir() and any(trials_dir.iterdir()):
            study = optuna.load_study(study_name="fake", storage=url)
            mine[:] = [
                t
                for t in study.get_trials(states=(TrialState.RUNNING,))
                if str(t.system_attrs.get(OWNER_ATTR, "")).endswith(f":{slow.pid}")
            ]
        return bool(mine)

    wait_until(started, what="the first worker's trial", alive=slow.is_alive, poll=0.1)
    taken = mine[0].user_attrs[NAME_ATTR]
    # Its trial process has written its first result.json: that attempt is what must be
    # kept aside when the trial is taken over.
    wait_until(
        (trials_dir / taken / "result.json").is_file,
        what=f"{taken}'s result.json",
        alive=slow.is_alive,
    )
    # A second worker (fast trials), already running when the first dies: it takes the
    # dead worker's trial over once its heartbeat is older than the grace period (3 s).
    fast = start_workers(tmp_path, spec, pg_url, 1, parallel=1, tag="w1")
    os.kill(slow.pid, signal.SIGKILL)
    slow.join()
    [result] = join(tmp_path, fast, first=1)
    assert result["finished_by"] == "" and result["exports"] == 1

    trials = counted(pg_url)
    assert sorted(t.user_attrs[NAME_ATTR] for t in trials) == ["fake-1", "fake-2", "fake-3"]
    assert all(t.state is TrialState.COMPLETE for t in trials)
    interrupted = [t for t in optuna.load_study(study_name="fake", storage=url).trials]
    interrupted = [t for t in interrupted if t.user_attrs.get(INTERRUPTED_ATTR)]
    assert [t.user_attrs[NAME_ATTR] for t in interrupted] == [taken]
    # The dead worker's attempt is kept beside the trials, not wiped.
    kept = tmp_path / "out" / "trials" / ".attempts" / f"{taken}-1"
    assert json.loads((kept / "result.json").read_text())["status"] in ("running", "stopped")
    assert_no_password(tmp_path)


def spec_of(tmp_path: Path, **changes: Any) -> str:
    # The fake config names no eval data: the export is verified on this path.
    eval_input = str(tmp_path / "eval.tfrecord")
    return write_spec(tmp_path / "s.yaml", evalInputPath=eval_input, **changes)


def pg_engine(tmp_path: Path, spec_path: str, url: str) -> _engine.LocalEngine:
    return _engine.LocalEngine(
        load_spec(spec_path),
        spec_path=spec_path,
        output_dir=str(tmp_path / "out"),
        storage_url=url,
        show_progress=False,
        argv_prefix=[sys.executable, str(FAKE)],
    )


def test_a_worker_with_another_spec_is_refused(tmp_path: Path, pg_url: str, fake_env: None) -> None:
    spec = write_spec(tmp_path / "a.yaml", maxTrialCount=2)
    pg_engine(tmp_path, spec, pg_url)
    other = write_spec(tmp_path / "b.yaml", maxTrialCount=5, numTrainSteps=80)
    with pytest.raises(
        InputError,
        match=r"^--storage: study 'fake' at postgresql://odsweep:\*\*\*@127\.0\.0\.1:\d+/\w+ "
        r"was made from a different search \(maxTrialCount, numTrainSteps differ\); ",
    ):
        pg_engine(tmp_path, other, pg_url)
    # Its own parallelism is a worker's business, not the search's.
    same = write_spec(tmp_path / "c.yaml", maxTrialCount=2, parallelTrialCount=1)
    pg_engine(tmp_path, same, pg_url)


def test_a_worker_cut_off_from_the_study_stops_its_trials(
    tmp_path: Path, pg_url: str, pg_server: PgServer, fake_env: None
) -> None:
    spec = spec_of(tmp_path, maxTrialCount=2, parallelTrialCount=1)
    worker = start_workers(tmp_path, spec, pg_url, 1, parallel=1, env={"FAKE_DELAY": "30"})[0]
    trial = tmp_path / "out" / "trials" / "fake-1" / "result.json"
    wait_until(trial.is_file, what="its trial's result.json", alive=worker.is_alive)
    # The database refuses this worker from now on (its sessions are ended too).
    db = pg_url.rsplit("/", 1)[1]
    pg_server.admin(f"ALTER DATABASE {db} ALLOW_CONNECTIONS false")
    pg_server.admin(
        f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{db}'"
    )
    [result] = join(tmp_path, [worker])
    assert result["exit"] == 1
    assert re.match(
        r"lost the study at postgresql://odsweep:\*\*\*@127\.0\.0\.1:\d+/\w+ for \d+ s \(.+\): "
        r"stopped this worker's trials before another worker takes them over; run the same "
        r"command again once the database is reachable$",
        result["error"],
    ), result["error"]
    assert json.loads(trial.read_text())["status"] == "stopped"
    assert_no_password(tmp_path)
