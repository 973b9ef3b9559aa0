"""ASHA and Hyperband in the local engine with fake trials (no TensorFlow), and an
early-stop decision that survives the engine's death."""

from __future__ import annotations

import socket
import subprocess
import sys
from pathlib import Path

import optuna
import pytest

from odsweep.backends.optuna import Verdict
from odsweep.backends.optuna import _study as studies
from odsweep.backends.optuna._budget import STOPPED_AT_ATTR
from odsweep.backends.optuna._record import recover
from odsweep.results import EvalRecord as Eval
from odsweep.results import TrialResult, TrialStatus, read_result, write_result
from odsweep.spec import ObjectiveType
from tests.backends.optuna.test_engine import LR, engine, fake_env, write_spec

__all__ = ["fake_env"]  # the fixture, used by name

METRIC = "DetectionBoxes_Precision/mAP"


def test_asha_stops_the_worse_trials_at_their_rung(
    tmp_path: Path, fake_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # 90 steps, an eval every 10: rungs at 10 (rung 0) and 30 (rung 1); 90 is the end.
    spec = write_spec(
        tmp_path / "s.yaml",
        numTrainSteps=90,
        parallelTrialCount=1,
        maxTrialCount=6,
        earlyStopping={
            "algorithmName": "asha",
            "algorithmSettings": [{"name": "min_resource", "value": "10"}],
        },
    )
    monkeypatch.setenv("FAKE_DELAY", "0.15")  # time for the engine to see each eval
    outcome = engine(tmp_path, spec).run()
    assert outcome.verdict is Verdict.SUCCEEDED_MAX_TRIALS
    results = outcome.results
    assert len(results) == 6
    assert results[0].status is TrialStatus.SUCCEEDED  # first at every rung: goes on
    stopped = [r for r in results if r.status is TrialStatus.EARLY_STOPPED]
    assert stopped, [(r.trial, r.objective_values()) for r in results]
    rung_steps = {0: 10, 1: 30}
    for i, r in enumerate(results):
        assert r.extra["steps_trained"] == r.evals[-1].step
        if r.status is not TrialStatus.EARLY_STOPPED:
            assert len(r.evals) == 9
            continue
        where = r.extra["stopped_at"]
        assert where["rule"] == "asha" and where["step"] == rung_steps[where["rung"]]
        assert where["step"] <= r.evals[-1].step < 90  # stopped after its rung, early
        # Trials run one at a time and the fake objective rises with each eval, so the
        # value at the rung is the eval there; the earlier trials that reached it:
        mine = r.objective_values()[where["step"] // 10 - 1]
        earlier = [
            e.objective_values()[where["step"] // 10 - 1]
            for e in results[:i]
            if e.evals[-1].step >= where["step"]
        ]
        places = max(1, (len(earlier) + 1) // 3)
        assert mine < sorted(earlier, reverse=True)[places - 1]
    study = optuna.load_study(study_name="fake", storage=f"sqlite:///{tmp_path / 'study.db'}")
    pruned = [t for t in study.trials if t.state is optuna.trial.TrialState.PRUNED]
    assert len(pruned) == len(stopped)


def test_hyperband_runs_its_brackets_with_their_step_counts(
    tmp_path: Path, fake_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # r_l = 4 evals of 10 steps, eta = 2; brackets worked by hand (Li et al.):
    # s=2: n = ceil(3*4/3) = 4 at r=1 -> 2 at r=2 -> 1 at r=4
    # s=1: n = ceil(3*2/2) = 3 at r=2 -> floor(3/2) = 1 at r=4
    # s=0: n = 3 at r=4.                                    14 trials in all.
    spec = write_spec(
        tmp_path / "s.yaml",
        algorithm={
            "algorithmName": "hyperband",
            "algorithmSettings": [
                {"name": "resource_name", "value": "steps"},
                {"name": "eta", "value": "2"},
                {"name": "r_l", "value": "4"},
                {"name": "random_state", "value": "3"},
            ],
        },
        maxTrialCount=14,
        parameters=[
            {
                "name": "learning_rate",
                "configPath": f"{LR}.learning_rate_base",
                "parameterType": "double",
                "feasibleSpace": {"min": 0.001, "max": 1.0},
            },
            {
                "name": "steps",
                "configPath": "train_config.num_steps",
                "parameterType": "int",
                "feasibleSpace": {"min": 1, "max": 4},
            },
        ],
    )
    monkeypatch.setenv("FAKE_DELAY", "0.01")
    outcome = engine(tmp_path, spec).run()
    assert outcome.verdict is Verdict.SUCCEEDED_MAX_TRIALS
    results = outcome.results
    assert [r.params["steps"] for r in results] == [1, 1, 1, 1, 2, 2, 4, 2, 2, 2, 4, 4, 4, 4]
    assert [r.extra["steps_trained"] for r in results] == [
        10, 10, 10, 10, 20, 20, 40, 20, 20, 20, 40, 40, 40, 40
    ]  # fmt: skip
    assert all(r.status is TrialStatus.SUCCEEDED for r in results)

    def best(r: TrialResult) -> float:
        assert r.best is not None
        return r.best.value

    def top(rung: list[TrialResult], n: int) -> list[float]:
        return [r.params["learning_rate"] for r in sorted(rung, key=best, reverse=True)[:n]]

    lrs = [r.params["learning_rate"] for r in results]
    assert lrs[4:6] == top(results[0:4], 2)  # bracket 2, rung 1: the best 2 of 4
    assert lrs[6:7] == top(results[4:6], 1)  # bracket 2, rung 2: the best of 2
    assert lrs[10:11] == top(results[7:10], 1)  # bracket 1, rung 1: the best of 3
    assert len(set(lrs[0:4] + lrs[7:10] + lrs[11:14])) == 10  # new configurations


def test_a_stop_decided_before_the_engine_died_is_recorded_not_rerun(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'study.db'}"
    study = optuna.create_study(study_name="fake", storage=url, direction="maximize")
    trial = study.ask()
    trial.set_user_attr(studies.NAME_ATTR, "fake-1")
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True).stdout.strip()  # fmt: skip
    study._storage.set_trial_system_attr(
        trial._trial_id, studies.OWNER_ATTR, f"{socket.gethostname()}:{dead}"
    )
    decision = {"rule": "asha", "rung": 0, "step": 10}
    study._storage.set_trial_user_attr(trial._trial_id, STOPPED_AT_ATTR, decision)
    folder = tmp_path / "trials" / "fake-1"
    folder.mkdir(parents=True)
    # The trial was signalled after the decision and recorded itself as stopped.
    write_result(
        str(folder),
        TrialResult(
            trial="fake-1",
            params={},
            status=TrialStatus.STOPPED,
            metric=METRIC,
            objective=ObjectiveType.MAXIMIZE,
            evals=(Eval(10, "ckpt-10", {METRIC: 0.1}), Eval(20, "ckpt-20", {METRIC: 0.2})),
        ),
    )
    recovery = recover(study, str(tmp_path / "trials"))
    assert recovery.recorded == ("fake-1",) and recovery.rerun == ()
    result = read_result(str(folder))
    assert result.status is TrialStatus.EARLY_STOPPED
    assert result.extra["stopped_at"] == decision
    assert result.extra["steps_trained"] == 20
    states = [t.state for t in study.get_trials()]
    assert states == [optuna.trial.TrialState.PRUNED]  # nothing enqueued to run again
