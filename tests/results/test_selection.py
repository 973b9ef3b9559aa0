from __future__ import annotations

import json
from pathlib import Path

import pytest

from odsweep.results import (
    EvalRecord,
    TrialResult,
    TrialStatus,
    best_record,
    read_best,
    select_best,
    write_best,
)
from odsweep.spec import ObjectiveType


def trial(
    name: str, values: list[float], status: TrialStatus, direction: ObjectiveType
) -> TrialResult:
    result = TrialResult(
        trial=name, params={"lr": 0.1}, status=status, metric="m", objective=direction
    )
    for i, v in enumerate(values, start=1):
        result = result.with_eval(
            EvalRecord(i * 100, f"/t/{name}/ckpt-{i * 100}", {"m": v, "x": i})
        )
    return result


@pytest.mark.parametrize(
    ("direction", "winner"), [(ObjectiveType.MAXIMIZE, "b"), (ObjectiveType.MINIMIZE, "a")]
)
def test_winner_by_best_checkpoint_not_last(direction: ObjectiveType, winner: str) -> None:
    results = [
        trial("a", [0.1, 0.5, 0.05], TrialStatus.SUCCEEDED, direction),  # best max 0.5, min 0.05
        trial("b", [0.2, 0.6, 0.3], TrialStatus.SUCCEEDED, direction),  # best max 0.6, min 0.2
    ]
    chosen = select_best(results, direction)
    assert chosen is not None and chosen.trial == winner


def test_ties_go_to_the_earlier_trial() -> None:
    d = ObjectiveType.MAXIMIZE
    results = [
        trial("a", [0.4], TrialStatus.SUCCEEDED, d),
        trial("b", [0.4], TrialStatus.SUCCEEDED, d),
    ]
    chosen = select_best(results, d)
    assert chosen is not None and chosen.trial == "a"


def test_failed_and_stopped_trials_do_not_compete_but_early_stopped_do() -> None:
    d = ObjectiveType.MAXIMIZE
    results = [
        trial("failed", [0.9], TrialStatus.FAILED, d),
        trial("stopped", [0.8], TrialStatus.STOPPED, d),
        trial("early", [0.7], TrialStatus.EARLY_STOPPED, d),
        trial("ok", [0.6], TrialStatus.SUCCEEDED, d),
    ]
    chosen = select_best(results, d)
    assert chosen is not None and chosen.trial == "early"
    assert select_best(results[:2], d) is None


def test_best_json_contract(tmp_path: Path) -> None:
    d = ObjectiveType.MAXIMIZE
    best = best_record(trial("a", [0.1, 0.5, 0.2], TrialStatus.SUCCEEDED, d))
    write_best(str(tmp_path), best)
    doc = json.loads((tmp_path / "best.json").read_text())
    assert doc == {
        "trial": "a",
        "params": {"lr": 0.1},
        "metric": "m",
        "value": 0.5,
        "step": 200,
        "checkpoint": "/t/a/ckpt-200",
        "metrics": {"m": 0.5, "x": 2},
        "objective": "maximize",
    }
    assert read_best(str(tmp_path)) == best
