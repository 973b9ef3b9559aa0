from __future__ import annotations

import math

import pytest

from odsweep.results import EvalRecord, TrialResult, TrialStatus, read_result, write_result
from odsweep.spec import ObjectiveType


def _result(direction: ObjectiveType) -> TrialResult:
    return TrialResult(
        trial="t-1", params={"lr": 0.1}, status=TrialStatus.RUNNING, metric="m", objective=direction
    )


def _evals(result: TrialResult, values: list[float]) -> TrialResult:
    for i, v in enumerate(values):
        result = result.with_eval(EvalRecord((i + 1) * 10, f"/c/ckpt-{(i + 1) * 10}", {"m": v}))
    return result


@pytest.mark.parametrize(
    ("direction", "values", "best_step", "best_value"),
    [
        (ObjectiveType.MAXIMIZE, [0.1, 0.3, 0.2], 20, 0.3),
        (ObjectiveType.MINIMIZE, [0.5, 0.3, 0.4], 20, 0.3),
        (ObjectiveType.MAXIMIZE, [0.3, 0.3], 10, 0.3),  # a tie keeps the earlier checkpoint
        (ObjectiveType.MAXIMIZE, [math.nan, 0.2], 20, 0.2),  # NaN never becomes the best
    ],
)
def test_best_is_the_best_eval_not_the_last(
    direction: ObjectiveType, values: list[float], best_step: int, best_value: float
) -> None:
    result = _evals(_result(direction), values)
    assert result.best is not None
    assert (result.best.step, result.best.value) == (best_step, best_value)
    assert len(result.evals) == len(values)


def test_missing_metric_gives_no_best() -> None:
    result = _result(ObjectiveType.MAXIMIZE).with_eval(EvalRecord(10, "c", {"other": 1.0}))
    assert result.best is None


def test_kept_checkpoint_is_recorded_as_best() -> None:
    result = _result(ObjectiveType.MAXIMIZE).with_eval(
        EvalRecord(10, "/t/ckpt-10", {"m": 0.2}), kept_checkpoint="/t/best/ckpt-10"
    )
    assert result.best is not None and result.best.checkpoint == "/t/best/ckpt-10"
    assert result.evals[0].checkpoint == "/t/ckpt-10"


def test_json_round_trip(tmp_path: object) -> None:
    result = _evals(_result(ObjectiveType.MINIMIZE), [0.4, 0.2])
    write_result(str(tmp_path), result)
    assert read_result(str(tmp_path)) == result


def test_json_has_the_contract_keys() -> None:
    import json

    doc = json.loads(_evals(_result(ObjectiveType.MAXIMIZE), [0.1]).to_json())
    assert set(doc) >= {"trial", "params", "status", "evals", "best", "error"}
    assert doc["best"] == {"step": 10, "checkpoint": "/c/ckpt-10", "value": 0.1}
    assert doc["evals"][0] == {"step": 10, "checkpoint": "/c/ckpt-10", "metrics": {"m": 0.1}}
