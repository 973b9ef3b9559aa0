"""The local engine with objective.tradeoffs: a multi-objective study on real SQLite with
fake trial processes; early stopping on the primary alone; resume refused when the
trade-offs change; a trial missing a trade-off metric."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import optuna
import pytest
from optuna.study import StudyDirection
from optuna.trial import TrialState

from odsweep.backends.optuna import Verdict
from odsweep.backends.optuna._budget import decide_stop
from odsweep.backends.optuna._objectives import TELL_ERROR_ATTR
from odsweep.backends.optuna._views import best_value
from odsweep.errors import InputError
from odsweep.results import EvalRecord, ObjectiveType, TrialResult, TrialStatus, best_metrics
from odsweep.spec import load_spec
from tests.backends.optuna.test_engine import engine, write_spec

METRIC = "DetectionBoxes_Precision/mAP"
COST = "Fake/cost_ms"
ONE = {"maxTrialCount": 1, "parallelTrialCount": 1}
OBJECTIVE: dict[str, Any] = {
    "type": "maximize",
    "objectiveMetricName": METRIC,
    "tradeoffs": [{"objectiveMetricName": COST, "type": "minimize"}],
}


@pytest.fixture
def fake_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("FAKE_DELAY", "0.02")
    monkeypatch.setenv("FAKE_COST", "1")
    for knob in ("FAKE_FAIL_ABOVE", "FAKE_LOG", "FAKE_PEERS"):
        monkeypatch.delenv(knob, raising=False)


def load(tmp_path: Path) -> optuna.Study:
    return optuna.load_study(study_name="fake", storage=f"sqlite:///{tmp_path / 'study.db'}")


def test_tradeoffs_make_a_multi_objective_study_told_the_best_checkpoints_values(
    tmp_path: Path, fake_env: None
) -> None:
    algorithm = {
        "algorithmName": "tpe",
        "algorithmSettings": [{"name": "random_state", "value": "3"}],
    }
    spec = write_spec(tmp_path / "s.yaml", objective=OBJECTIVE, algorithm=algorithm)
    outcome = engine(tmp_path, spec).run()
    assert outcome.verdict is Verdict.SUCCEEDED_MAX_TRIALS
    assert [r.status for r in outcome.results] == [TrialStatus.SUCCEEDED] * 6
    study = load(tmp_path)
    assert study.directions == [StudyDirection.MAXIMIZE, StudyDirection.MINIMIZE]
    assert study.metric_names == [METRIC, COST]
    for trial, result in zip(study.trials, outcome.results, strict=True):
        assert trial.state is TrialState.COMPLETE and result.best is not None
        # The primary's best checkpoint, and the trade-off measured at that checkpoint.
        assert trial.values == [result.best.value, best_metrics(result)[COST]]
        # Intermediate values are the primary's (what early stopping reads).
        assert [trial.intermediate_values[s] for s in (10, 20, 30, 40)] == (
            result.objective_values()
        )
    assert best_value(study, load_spec(spec)) == max(
        r.best.value for r in outcome.results if r.best is not None
    )


def test_changing_the_tradeoffs_is_refused_on_resume(tmp_path: Path, fake_env: None) -> None:
    engine(tmp_path, write_spec(tmp_path / "s.yaml", objective=OBJECTIVE, **ONE)).run()
    single = {"type": "maximize", "objectiveMetricName": METRIC}
    with pytest.raises(InputError, match=r"was made from a different search \(objective differ\)"):
        engine(tmp_path, write_spec(tmp_path / "s.yaml", objective=single, **ONE))
    flipped = {**OBJECTIVE, "tradeoffs": [{"objectiveMetricName": COST, "type": "maximize"}]}
    with pytest.raises(InputError, match=r"was made from a different search \(objective differ\)"):
        engine(tmp_path, write_spec(tmp_path / "s.yaml", objective=flipped, **ONE))


def test_a_trial_missing_a_tradeoff_metric_is_told_fail_and_still_counts_as_succeeded(
    tmp_path: Path, fake_env: None, caplog: pytest.LogCaptureFixture
) -> None:
    never = {**OBJECTIVE, "tradeoffs": [{"objectiveMetricName": "Fake/never", "type": "min"}]}
    outcome = engine(
        tmp_path, write_spec(tmp_path / "s.yaml", objective=never, maxTrialCount=2)
    ).run()
    assert outcome.verdict is Verdict.SUCCEEDED_MAX_TRIALS
    assert [r.status for r in outcome.results] == [TrialStatus.SUCCEEDED] * 2
    study = load(tmp_path)
    assert [t.state for t in study.trials] == [TrialState.FAIL] * 2
    assert study.trials[0].user_attrs[TELL_ERROR_ATTR] == (
        "fake-1 recorded no finite Fake/never at its best checkpoint (step 40), so the "
        "multi-objective study cannot place it; it stays in the results but not on the "
        "Pareto front"
    )
    assert study.trials[0].user_attrs[TELL_ERROR_ATTR] in caplog.text


def _study_with_curves(tmp_path: Path, spec_path: str) -> optuna.Study:
    """Two succeeded trials in a two-objective study: primary curves 0.5/0.6 and
    0.4/0.5, each with a trade-off value the other way round."""
    study = optuna.create_study(
        study_name="fake",
        storage=f"sqlite:///{tmp_path / 'study.db'}",
        directions=["maximize", "minimize"],
    )
    for curve, cost in (([0.5, 0.6], 50.0), ([0.4, 0.5], 5.0)):
        trial = study.ask()
        for step, value in zip((10, 20), curve, strict=True):
            study._storage.set_trial_intermediate_value(trial._trial_id, step, value)
        trial.set_user_attr("odsweep_status", "succeeded")
        # ASHA's rung 0 (step 10) value as the engine records it when a trial passes it.
        trial.set_user_attr("odsweep_asha_rung_0", curve[0])
        study.tell(trial, [curve[-1], cost])
    return study


def _running(values: list[float], cost: float) -> TrialResult:
    result = TrialResult(
        trial="fake-3", params={}, status=TrialStatus.RUNNING, metric=METRIC,
        objective=ObjectiveType.MAXIMIZE,
    )  # fmt: skip
    for step, value in zip((10, 20), values, strict=True):
        result = result.with_eval(EvalRecord(step, f"ckpt-{step}", {METRIC: value, COST: cost}))
    return result


@pytest.mark.parametrize(
    ("rule", "values", "stopped"),
    [
        # Median of the means over 2 evals: 0.55 and 0.45 -> 0.5.
        ("medianstop", [0.3, 0.45], {"rule": "medianstop", "eval": 2, "step": 20}),
        ("medianstop", [0.3, 0.5], None),  # equal to the median is not worse
        # ASHA, eta 2, rung 0 at step 10: the others' 0.5 and 0.4 there; 0.3 is below.
        ("asha", [0.3, 0.9], {"rule": "asha", "rung": 0, "step": 10}),
    ],
)
def test_early_stopping_decides_on_the_primary_alone(
    tmp_path: Path, rule: str, values: list[float], stopped: dict[str, Any] | None
) -> None:
    settings = (
        [{"name": "min_trials_required", "value": "2"}, {"name": "start_step", "value": "2"}]
        if rule == "medianstop"
        else [{"name": "min_resource", "value": "10"}, {"name": "reduction_factor", "value": "2"}]
    )
    spec_path = write_spec(
        tmp_path / "s.yaml",
        objective=OBJECTIVE,
        numTrainSteps=30,
        earlyStopping={"algorithmName": rule, "algorithmSettings": settings},
    )
    spec = load_spec(spec_path)
    study = _study_with_curves(tmp_path, spec_path)
    trial = study.ask()
    # A running trial with the best trade-off of all (cost 1) is judged by its mAP only.
    result = _running(values, cost=1.0)

    def curves() -> list[list[float]]:
        return [[0.5, 0.6], [0.4, 0.5]]

    assert decide_stop(study, spec, trial.number, result, curves) == stopped
