"""The local engine end to end with fake trials (no TensorFlow): parallelism, budgets,
median stopping, goal, resume after the engine is killed, spec changes refused."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import optuna
import pytest
import yaml

from odsweep.backends.optuna import LocalEngine, Verdict
from odsweep.errors import InputError
from odsweep.results import TrialStatus, read_result
from odsweep.spec import load_spec
from tests.waiting import wait_until

FAKE = Path(__file__).with_name("fake_trial.py")
LR = "train_config.optimizer.momentum_optimizer.learning_rate.cosine_decay_learning_rate"


def write_spec(path: Path, **changes: Any) -> str:
    doc: dict[str, Any] = {
        "apiVersion": "odsweep/v1alpha1",
        "kind": "SearchSpace",
        "metadata": {"name": "fake"},
        "spec": {
            "pipelineConfigPath": "base.config",
            "numTrainSteps": 40,
            "checkpointEveryNSteps": 10,
            "objective": {
                "type": "maximize",
                "objectiveMetricName": "DetectionBoxes_Precision/mAP",
            },
            "algorithm": {
                "algorithmName": "random",
                "algorithmSettings": [{"name": "random_state", "value": "3"}],
            },
            "parallelTrialCount": 2,
            "maxTrialCount": 6,
            "parameters": [
                {
                    "name": "learning_rate",
                    "configPath": f"{LR}.learning_rate_base",
                    "parameterType": "double",
                    "feasibleSpace": {"min": 0.0005, "max": 5.0, "distribution": "logUniform"},
                }
            ],
        },
    }
    doc["spec"].update(changes)
    path.write_text(yaml.safe_dump(doc))
    return str(path)


def engine(tmp_path: Path, spec_path: str, **kw: Any) -> LocalEngine:
    return LocalEngine(
        load_spec(spec_path),
        spec_path=spec_path,
        output_dir=str(tmp_path / "out"),
        storage_url=f"sqlite:///{tmp_path / 'study.db'}",
        poll_seconds=0.05,
        show_progress=False,
        argv_prefix=[sys.executable, str(FAKE)],
        **kw,
    )


@pytest.fixture
def fake_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    log = tmp_path / "events.log"
    monkeypatch.setenv("FAKE_LOG", str(log))
    monkeypatch.setenv("FAKE_DELAY", "0.05")
    monkeypatch.delenv("FAKE_FAIL_ABOVE", raising=False)
    return log


def max_overlap(log: Path) -> int:
    events = sorted(
        (float(t), 1 if kind == "start" else -1)
        for kind, _, t in (line.split()[:3] for line in log.read_text().splitlines())
    )
    level = peak = 0
    for _, delta in events:
        level += delta
        peak = max(peak, level)
    return peak


def test_sweep_runs_every_trial_in_parallel_slots(
    tmp_path: Path, fake_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Each trial holds until a second one runs beside it: two slots are seen in use
    # whatever the machine's load (a third would show as an overlap of 3).
    monkeypatch.setenv("FAKE_PEERS", "2")
    outcome = engine(tmp_path, write_spec(tmp_path / "s.yaml")).run()
    assert outcome.verdict is Verdict.SUCCEEDED_MAX_TRIALS
    names = [r.trial for r in outcome.results]
    assert names == [f"fake-{i}" for i in range(1, 7)]
    assert all(r.status is TrialStatus.SUCCEEDED for r in outcome.results)
    assert max_overlap(fake_env) == 2
    study = optuna.load_study(study_name="fake", storage=f"sqlite:///{tmp_path / 'study.db'}")
    assert [t.state for t in study.trials] == [optuna.trial.TrialState.COMPLETE] * 6
    # The study's value is the trial's best checkpoint value; intermediate values are
    # the objective after each eval.
    for trial, result in zip(study.trials, outcome.results, strict=True):
        assert result.best is not None and trial.value == result.best.value
        assert [trial.intermediate_values[s] for s in (10, 20, 30, 40)] == result.objective_values()


def test_failure_budget_ends_the_search_as_failed(
    tmp_path: Path, fake_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FAKE_FAIL_ABOVE", "0")  # every trial fails
    spec = write_spec(tmp_path / "s.yaml", parallelTrialCount=1, maxFailedTrialCount=2)
    outcome = engine(tmp_path, spec).run()
    assert outcome.verdict is Verdict.FAILED_MAX_FAILED
    assert [r.status for r in outcome.results] == [TrialStatus.FAILED] * 2
    assert outcome.results[0].error == "loss became nan at step 1"


def test_median_stop_stops_bad_trials_early(
    tmp_path: Path, fake_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    spec = write_spec(
        tmp_path / "s.yaml",
        parallelTrialCount=1,
        maxTrialCount=8,
        earlyStopping={
            "algorithmName": "medianstop",
            "algorithmSettings": [
                {"name": "min_trials_required", "value": "2"},
                {"name": "start_step", "value": "2"},
            ],
        },
    )
    monkeypatch.setenv("FAKE_DELAY", "0.3")  # time for the engine to see each eval
    outcome = engine(tmp_path, spec).run()
    stopped = [r for r in outcome.results if r.status is TrialStatus.EARLY_STOPPED]
    assert stopped, [(r.trial, r.objective_values()) for r in outcome.results]
    succeeded = [r for r in outcome.results if r.status is TrialStatus.SUCCEEDED]
    for r in stopped:
        assert 2 <= len(r.evals) < 4  # stopped at or after start_step, before the end
        assert r.error is None
        # The rule: its best so far was below the median of the completed trials' means.
        assert r.best is not None
        best_succeeded = max(s.best.value for s in succeeded if s.best is not None)
        assert r.best.value < best_succeeded
    # Early-stopped trials count as finished: the budget is 8 trials in all.
    assert len(outcome.results) == 8
    study = optuna.load_study(study_name="fake", storage=f"sqlite:///{tmp_path / 'study.db'}")
    pruned = [t for t in study.trials if t.state is optuna.trial.TrialState.PRUNED]
    assert len(pruned) == len(stopped)


def test_goal_ends_the_search_and_running_trials_finish(tmp_path: Path, fake_env: Path) -> None:
    spec = write_spec(
        tmp_path / "s.yaml",
        maxTrialCount=20,
        objective={
            "type": "maximize",
            "objectiveMetricName": "DetectionBoxes_Precision/mAP",
            "goal": 0.2,
        },
    )
    outcome = engine(tmp_path, spec).run()
    assert outcome.verdict is Verdict.SUCCEEDED_GOAL
    assert len(outcome.results) < 20
    assert all(r.status is TrialStatus.SUCCEEDED for r in outcome.results)
    assert any(r.best is not None and r.best.value >= 0.2 for r in outcome.results)


def test_a_changed_search_is_refused_on_resume(tmp_path: Path, fake_env: Path) -> None:
    engine(tmp_path, write_spec(tmp_path / "s.yaml", maxTrialCount=2)).run()
    changed = write_spec(
        tmp_path / "s.yaml",
        maxTrialCount=2,
        algorithm={
            "algorithmName": "random",
            "algorithmSettings": [{"name": "random_state", "value": "4"}],
        },
    )
    with pytest.raises(InputError, match="was made from a different search"):
        engine(tmp_path, changed)


RUNNER = """
import sys
from odsweep.backends.optuna import LocalEngine
from odsweep.spec import load_spec
spec_path, out, db, fake = sys.argv[1:5]
outcome = LocalEngine(load_spec(spec_path), spec_path=spec_path, output_dir=out,
    storage_url="sqlite:///" + db, poll_seconds=0.05, show_progress=False,
    argv_prefix=[sys.executable, fake]).run()
print("VERDICT", outcome.verdict.name)
"""


def test_resume_after_the_engine_is_killed(tmp_path: Path, fake_env: Path) -> None:
    spec = write_spec(tmp_path / "s.yaml", parallelTrialCount=1, maxTrialCount=4)
    out, db = tmp_path / "out", tmp_path / "study.db"
    argv = [sys.executable, "-c", RUNNER, spec, str(out), str(db), str(FAKE)]
    env = {**os.environ, "FAKE_DELAY": "0.4"}
    first = subprocess.Popen(argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    # Kill the engine (SIGKILL: no clean-up) while its second trial is running.
    second_result = out / "trials" / "fake-2" / "result.json"
    engine_alive = lambda: first.poll() is None  # noqa: E731
    wait_until(second_result.exists, what="fake-2's result.json", alive=engine_alive)
    first_result = out / "trials" / "fake-1" / "result.json"
    assert json.loads(first_result.read_text())["status"] == "succeeded"
    first_mtime = first_result.stat().st_mtime_ns
    # Kill it once fake-2 has recorded an eval: there is something to resume.
    wait_until(
        lambda: bool(json.loads(second_result.read_text())["evals"]),
        what="fake-2's first eval",
        alive=engine_alive,
    )
    first.send_signal(signal.SIGKILL)
    first.wait(timeout=30)
    # The orphaned trial got SIGTERM (parent-death signal) and recorded it.
    wait_until(
        lambda: json.loads(second_result.read_text())["status"] == "stopped",
        what="fake-2 recording its stop",
    )
    interrupted = read_result(str(out / "trials" / "fake-2"))
    assert interrupted.status is TrialStatus.STOPPED and interrupted.evals

    second = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=120)
    assert "VERDICT SUCCEEDED_MAX_TRIALS" in second.stdout, second.stderr[-3000:]
    names = sorted(p.name for p in (out / "trials").iterdir())
    assert names == ["fake-1", "fake-2", "fake-3", "fake-4"]  # kept in place, nothing aside
    assert first_result.stat().st_mtime_ns == first_mtime  # finished trial untouched
    rerun = read_result(str(out / "trials" / "fake-2"))
    assert rerun.status is TrialStatus.SUCCEEDED and rerun.params == interrupted.params
    # It resumed: the interrupted attempt's evals kept as they were, none repeated.
    assert [e.step for e in rerun.evals] == [10, 20, 30, 40]
    assert rerun.evals[: len(interrupted.evals)] == interrupted.evals
    starts = [
        ln.split() for ln in fake_env.read_text().splitlines() if ln.startswith("start fake-2")
    ]
    assert len(starts) == 2 and int(starts[0][3]) == 0
    assert int(starts[1][3]) >= interrupted.evals[-1].step  # its newest checkpoint
    assert "resuming fake-2 from step " in (out / "trials" / "fake-2" / "stderr.log").read_text()
    study = optuna.load_study(study_name="fake", storage=f"sqlite:///{db}")
    complete = [t for t in study.trials if t.state is optuna.trial.TrialState.COMPLETE]
    assert len(complete) == 4  # the interrupted attempt counts once, as its re-run
    (retried,) = [t for t in complete if t.user_attrs.get("odsweep_trial") == "fake-2"]
    # The study's retried trial holds the whole curve, the kept evals re-reported.
    assert retried.intermediate_values == {
        e.step: e.metrics["DetectionBoxes_Precision/mAP"] for e in rerun.evals
    }
