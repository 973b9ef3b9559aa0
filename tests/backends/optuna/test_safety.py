"""Finished work is never deleted or contradicted: each fault injected on real files, a
real SQLite study and real (fake, TF-free) trial processes; every test checks the error
and that every file that existed before is byte-for-byte unchanged."""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import subprocess
import sys
from pathlib import Path

import optuna
import pytest

from odsweep.backends.optuna import LocalEngine, Verdict
from odsweep.backends.optuna._engine import TEST_KILL_BEFORE_TELL
from odsweep.errors import EXIT_BAD_INPUT, InputError
from odsweep.results import TrialStatus, read_result
from odsweep.secrets import mask_url
from odsweep.spec import load_spec
from tests.backends.optuna.test_engine import FAKE, RUNNER, engine, fake_env, write_spec
from tests.waiting import wait_until

__all__ = ["fake_env"]


def tree(root: Path) -> dict[str, str]:
    """Every file under ``root`` (relative path -> sha256)."""
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def finished_sweep(tmp_path: Path, **changes: object) -> str:
    spec = write_spec(tmp_path / "s.yaml", parallelTrialCount=1, maxTrialCount=2, **changes)
    outcome = engine(tmp_path, spec).run()
    assert outcome.verdict is Verdict.SUCCEEDED_MAX_TRIALS
    return spec


def starts(log: Path, name: str) -> int:
    return sum(1 for line in log.read_text().splitlines() if line.split()[:2] == ["start", name])


# -- an output whose trials the study does not know ---------------------------------


def test_a_zero_byte_study_is_refused_before_anything_is_written(
    tmp_path: Path, fake_env: Path
) -> None:
    spec = finished_sweep(tmp_path)
    (tmp_path / "study.db").write_bytes(b"")
    before = tree(tmp_path)
    with pytest.raises(InputError, match=(
        rf"^--storage: {tmp_path}/out holds 2 trial folder\(s\) \(fake-1, fake-2\) but "
        rf"sqlite:///{tmp_path}/study.db has no study 'fake'; give the study these trials ran "
        r"with \(--storage, or run from the directory the sweep was started in\), or choose a "
        r"new --output$"
    )) as caught:  # fmt: skip
        engine(tmp_path, spec)
    assert caught.value.exit_code == EXIT_BAD_INPUT
    assert tree(tmp_path) == before


def test_a_study_from_another_sweep_is_refused(tmp_path: Path, fake_env: Path) -> None:
    spec = finished_sweep(tmp_path)
    # The same names, other parameters: another sweep's study.db copied over this one.
    other = tmp_path / "other"
    other.mkdir()
    finished_sweep(
        other,
        algorithm={
            "algorithmName": "random",
            "algorithmSettings": [{"name": "random_state", "value": "9"}],
        },
    )
    shutil.copy(other / "study.db", tmp_path / "study.db")
    before = tree(tmp_path)
    with pytest.raises(InputError, match=(
        rf"^--storage: {tmp_path}/out holds 2 trial folder\(s\) \(fake-1, fake-2\) that study "
        rf"'fake' at sqlite:///{tmp_path}/study.db does not know \(other names or parameters\); "
    )):  # fmt: skip
        engine(tmp_path, spec)
    assert tree(tmp_path) == before


def test_a_mistyped_storage_is_refused_and_not_created(tmp_path: Path, fake_env: Path) -> None:
    spec = finished_sweep(tmp_path)
    before = tree(tmp_path)
    typo = tmp_path / "stduy.db"
    with pytest.raises(InputError, match=rf"but sqlite:///{typo} has no study 'fake'"):
        LocalEngine(
            load_spec(spec),
            spec_path=spec,
            output_dir=str(tmp_path / "out"),
            storage_url=f"sqlite:///{typo}",
            show_progress=False,
        )
    assert not typo.exists()
    assert tree(tmp_path) == before


def test_a_garbage_study_is_an_input_error(tmp_path: Path, fake_env: Path) -> None:
    spec = finished_sweep(tmp_path)
    (tmp_path / "study.db").write_bytes(b"not a database\n" * 200)
    before = tree(tmp_path)
    with pytest.raises(InputError, match=(
        rf"^--storage: the study {tmp_path}/study.db is not a readable Optuna database "
        r"\(file is not a database\); restore it from a backup, give the sweep's study with "
        r"--storage, or choose a new --output$"
    )):  # fmt: skip
        engine(tmp_path, spec)
    assert tree(tmp_path) == before


def test_empty_trial_folders_are_reused(tmp_path: Path, fake_env: Path) -> None:
    (tmp_path / "out" / "trials" / "fake-1").mkdir(parents=True)
    spec = write_spec(tmp_path / "s.yaml", parallelTrialCount=1, maxTrialCount=1)
    outcome = engine(tmp_path, spec).run()
    assert [r.trial for r in outcome.results] == ["fake-1"]
    assert not (tmp_path / "out" / "trials" / ".attempts").exists()


def test_storage_passwords_are_masked() -> None:
    assert mask_url("postgresql://bob:s3cr%40t@db.example:5432/odsweep") == (
        "postgresql://bob:***@db.example:5432/odsweep"
    )
    assert mask_url("sqlite:////tmp/study.db") == "sqlite:////tmp/study.db"


# -- damaged records -----------------------------------------------------------------


def test_a_damaged_result_of_a_finished_trial_keeps_the_study_record(
    tmp_path: Path, fake_env: Path, caplog: pytest.LogCaptureFixture
) -> None:
    spec = finished_sweep(tmp_path)
    result = tmp_path / "out" / "trials" / "fake-1" / "result.json"
    result.write_bytes(result.read_bytes()[:40])  # truncated
    before = tree(tmp_path / "out")
    with caplog.at_level(logging.WARNING):
        outcome = engine(tmp_path, spec).run()
    assert outcome.verdict is Verdict.SUCCEEDED_MAX_TRIALS
    assert [r.trial for r in outcome.results] == ["fake-2"]
    assert starts(fake_env, "fake-1") == 1  # not trained again
    assert f"{result}: not a valid result.json (invalid JSON at line" in caplog.text
    assert tree(tmp_path / "out") == before


def test_a_damaged_result_of_a_running_trial_is_an_input_error(
    tmp_path: Path, fake_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FAKE_DELAY", "60")  # writes its first result.json, then waits
    eng = engine(tmp_path, write_spec(tmp_path / "s.yaml", parallelTrialCount=1))
    eng._launch()
    result = tmp_path / "out" / "trials" / "fake-1" / "result.json"
    wait_until(result.exists, what="fake-1's first result.json")
    result.write_text('{"trial": "fake-1", "status": 3}')
    try:
        with pytest.raises(InputError, match=(
            rf"^{result}: not a valid result.json \(3 is not a valid TrialStatus\); restore it "
            r"from a backup, or move the trial's folder out of the output to run that trial "
            r"again$"
        )):  # fmt: skip
            eng._collect()
    finally:
        eng._stop_all(reason="test over", tell=False)


# -- an engine killed between a trial's end and the study's tell ---------------------


def test_a_trial_finished_before_the_engine_died_is_recorded_not_rerun(
    tmp_path: Path, fake_env: Path
) -> None:
    spec = write_spec(tmp_path / "s.yaml", parallelTrialCount=1, maxTrialCount=2)
    out, db = tmp_path / "out", tmp_path / "study.db"
    argv = [sys.executable, "-c", RUNNER, spec, str(out), str(db), str(FAKE)]
    killed = subprocess.run(
        argv, env={**os.environ, TEST_KILL_BEFORE_TELL: "1"}, capture_output=True, timeout=120
    )
    assert killed.returncode == -9, killed.stderr[-2000:]
    assert json.loads((out / "trials" / "fake-1" / "result.json").read_text())["status"] == (
        "succeeded"
    )
    study = optuna.load_study(study_name="fake", storage=f"sqlite:///{db}")
    assert [t.state for t in study.trials] == [optuna.trial.TrialState.RUNNING]
    before = tree(out / "trials" / "fake-1")

    second = subprocess.run(argv, capture_output=True, text=True, timeout=120)
    assert "VERDICT SUCCEEDED_MAX_TRIALS" in second.stdout, second.stderr[-3000:]
    assert starts(fake_env, "fake-1") == 1  # ran once
    assert tree(out / "trials" / "fake-1") == before  # its folder untouched
    assert not (out / "trials" / ".attempts").exists()
    study = optuna.load_study(study_name="fake", storage=f"sqlite:///{db}")
    first = study.trials[0]
    recorded = read_result(str(out / "trials" / "fake-1"))
    assert first.state is optuna.trial.TrialState.COMPLETE
    assert recorded.best is not None and first.value == recorded.best.value
    assert [first.intermediate_values[s] for s in (10, 20, 30, 40)] == (recorded.objective_values())
    assert [t.user_attrs["odsweep_trial"] for t in study.trials] == ["fake-1", "fake-2"]


# -- the race: a trial's last eval lands just as it exits ----------------------------


def test_evals_the_engine_has_not_read_reach_the_study_before_the_end(
    tmp_path: Path, fake_env: Path
) -> None:
    eng = engine(tmp_path, write_spec(tmp_path / "s.yaml", parallelTrialCount=1))
    eng._launch()
    (proc,) = eng.running.values()
    # The worst ordering, forced: every eval written and the process gone before the
    # engine has read a single one.
    code = proc.process.wait(timeout=60)
    assert proc.reported == 0
    del eng.running[proc.number]
    proc.close()
    eng._finish(proc, code)
    trial = eng.study.trials[0]
    result = read_result(str(tmp_path / "out" / "trials" / "fake-1"))
    assert trial.state is optuna.trial.TrialState.COMPLETE
    assert [trial.intermediate_values[s] for s in (10, 20, 30, 40)] == result.objective_values()


def test_a_stopped_trials_evals_reach_the_study(
    tmp_path: Path, fake_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FAKE_DELAY", "0.5")
    eng = engine(tmp_path, write_spec(tmp_path / "s.yaml", parallelTrialCount=1))
    eng._launch()
    result = tmp_path / "out" / "trials" / "fake-1" / "result.json"
    wait_until(  # a first eval, unread by the engine
        lambda: result.exists() and bool(json.loads(result.read_text())["evals"]),
        what="fake-1's first eval",
    )
    eng._stop_all(reason="interrupted", tell=False)
    stopped = read_result(str(tmp_path / "out" / "trials" / "fake-1"))
    assert stopped.status is TrialStatus.STOPPED and stopped.evals
    trial = eng.study.trials[0]
    assert trial.state is optuna.trial.TrialState.RUNNING  # re-run on resume
    steps = [e.step for e in stopped.evals]
    assert [trial.intermediate_values[s] for s in steps] == stopped.objective_values()
