"""The Pareto front and the constraint rule on hand-made trial records (pure)."""

from __future__ import annotations

import json
import math
import re
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from odsweep.results import (
    SERVING_KEY,
    Constraint,
    ConstraintsUnmet,
    EvalRecord,
    ObjectiveType,
    ParetoPoint,
    Tradeoff,
    TrialResult,
    TrialStatus,
    best_metrics,
    best_record,
    pareto_front,
    read_best,
    select_best,
    serving_record,
    write_best,
)

MAX = ObjectiveType.MAXIMIZE
MIN = ObjectiveType.MINIMIZE
MAP = Tradeoff("mAP", MAX)
LATENCY = Tradeoff("Serving/latency_p50_ms", MIN)
RECALL = Tradeoff("AR", MAX)


def trial(
    name: str,
    m_ap: float,
    *,
    status: TrialStatus = TrialStatus.SUCCEEDED,
    serving: dict[str, Any] | None = None,
    direction: ObjectiveType = MAX,
    metric: str = "mAP",
    **metrics: float,
) -> TrialResult:
    """One trial with one eval at step 100 holding ``metric`` and ``metrics``."""
    result = TrialResult(
        trial=name,
        params={"size": name},
        status=status,
        metric=metric,
        objective=direction,
        extra={SERVING_KEY: serving_record(serving, {}, None)} if serving is not None else {},
    )
    return result.with_eval(EvalRecord(100, f"/t/{name}/ckpt-100", {metric: m_ap, **metrics}))


def names(points: list[ParetoPoint]) -> list[str]:
    return [p.trial for p in points]


def test_front_is_exactly_the_non_dominated_set_over_a_max_min_mix() -> None:
    results = [
        trial("a", 0.50, serving={LATENCY.metric: 40.0}),  # most accurate, slow
        trial("b", 0.40, serving={LATENCY.metric: 20.0}),  # on the front
        trial("c", 0.40, serving={LATENCY.metric: 25.0}),  # b is as accurate and faster
        trial("d", 0.30, serving={LATENCY.metric: 10.0}),  # fastest
        trial("e", 0.20, serving={LATENCY.metric: 30.0}),  # b and d dominate it
        trial("f", 0.45, serving={LATENCY.metric: 40.0}),  # a: same latency, more mAP
    ]
    front = pareto_front(results, MAP, [LATENCY])
    assert names(front) == ["a", "b", "d"]
    assert front[1] == ParetoPoint(
        trial="b", step=100, params={"size": "b"}, metrics={"mAP": 0.40, LATENCY.metric: 20.0}
    )


def test_three_criteria_a_trial_better_in_one_stays() -> None:
    results = [
        trial("a", 0.5, AR=0.6, serving={LATENCY.metric: 40.0}),
        trial("b", 0.4, AR=0.7, serving={LATENCY.metric: 40.0}),  # best recall: stays
        trial("c", 0.4, AR=0.6, serving={LATENCY.metric: 40.0}),  # a dominates it
    ]
    assert names(pareto_front(results, MAP, [LATENCY, RECALL])) == ["a", "b"]


def test_minimized_primary_and_maximized_tradeoff() -> None:
    loss = Tradeoff("loss", MIN)
    results = [
        trial("a", 1.0, metric="loss", direction=MIN, AR=0.5),
        trial("b", 2.0, metric="loss", direction=MIN, AR=0.9),
        trial("c", 2.5, metric="loss", direction=MIN, AR=0.9),  # b: lower loss, same AR
        trial("d", 0.5, metric="loss", direction=MIN, AR=0.1),
    ]
    assert names(pareto_front(results, loss, [RECALL])) == ["d", "a", "b"]


def test_duplicates_are_all_on_the_front_in_trial_order() -> None:
    results = [
        trial("a", 0.4, serving={LATENCY.metric: 20.0}),
        trial("b", 0.4, serving={LATENCY.metric: 20.0}),
        trial("c", 0.4, serving={LATENCY.metric: 21.0}),  # a tie in mAP, slower: off
    ]
    assert names(pareto_front(results, MAP, [LATENCY])) == ["a", "b"]


def test_only_competing_trials_with_every_metric_are_placed() -> None:
    results = [
        trial("failed", 0.9, status=TrialStatus.FAILED, serving={LATENCY.metric: 1.0}),
        trial("stopped", 0.9, status=TrialStatus.STOPPED, serving={LATENCY.metric: 1.0}),
        trial("early", 0.3, status=TrialStatus.EARLY_STOPPED, serving={LATENCY.metric: 5.0}),
        trial("unmeasured", 0.8),
        trial("nan", 0.8, serving={LATENCY.metric: math.nan}),
        trial("ok", 0.4, serving={LATENCY.metric: 9.0}),
    ]
    assert names(pareto_front(results, MAP, [LATENCY])) == ["ok", "early"]


def test_tradeoffs_are_read_at_the_best_checkpoint_not_the_last_eval() -> None:
    result = trial("a", 0.5, AR=0.2).with_eval(
        EvalRecord(200, "/t/a/ckpt-200", {"mAP": 0.1, "AR": 0.9})
    )
    assert result.best is not None and result.best.step == 100
    front = pareto_front([result], MAP, [RECALL])
    assert front[0].metrics == {"mAP": 0.5, "AR": 0.2} and front[0].step == 100


def test_best_metrics_adds_the_serving_measurement_without_overriding_the_eval() -> None:
    result = trial("a", 0.5, AR=0.2, serving={LATENCY.metric: 12.5, "AR": 7.0, "note": "x"})
    assert best_metrics(result) == {"mAP": 0.5, "AR": 0.2, LATENCY.metric: 12.5}


# -- constraints ------------------------------------------------------------------


FAST = Constraint(LATENCY.metric, 25.0, upper=True)


def test_constraints_pick_the_best_primary_among_the_trials_that_meet_them() -> None:
    results = [
        trial("a", 0.50, serving={LATENCY.metric: 40.0}),
        trial("b", 0.40, serving={LATENCY.metric: 25.0}),  # on the bound: meets it
        trial("c", 0.45, serving={LATENCY.metric: 25.1}),
        trial("d", 0.30, serving={LATENCY.metric: 10.0}),
    ]
    assert select_best(results, MAX).trial == "a"  # type: ignore[union-attr]
    assert select_best(results, MAX, [FAST]).trial == "b"  # type: ignore[union-attr]
    both = [FAST, Constraint("mAP", 0.42, upper=False)]
    with pytest.raises(ConstraintsUnmet):
        select_best(results, MAX, both)


def test_none_meets_the_constraints_names_the_closest_trial() -> None:
    # Violations relative to the bound: a 60% over, b 2% over + (0.42-0.4)/0.42 = 4.8%
    # under; c 20% over. b is the closest.
    results = [
        trial("a", 0.50, serving={LATENCY.metric: 40.0}),
        trial("b", 0.40, serving={LATENCY.metric: 25.5}),
        trial("c", 0.45, serving={LATENCY.metric: 30.0}),
        trial("unmeasured", 0.9),  # a missing metric is infinitely far
        trial("failed", 0.9, status=TrialStatus.FAILED, serving={LATENCY.metric: 1.0}),
    ]
    both = [FAST, Constraint("mAP", 0.42, upper=False)]
    message = (
        "export.constraints: no trial meets Serving/latency_p50_ms <= 25, mAP >= 0.42; the "
        "closest is b (Serving/latency_p50_ms=25.5, mAP=0.4, step 100); relax the "
        "constraints or export it anyway with `odsweep export DIR --trial b`"
    )
    with pytest.raises(ConstraintsUnmet, match=f"^{re.escape(message)}$"):
        select_best(results, MAX, both)


def test_closest_with_a_zero_bound_uses_the_absolute_distance_and_ties_go_first() -> None:
    zero = Constraint("drift", 0.0, upper=True)
    results = [trial("a", 0.1, drift=0.5), trial("b", 0.9, drift=0.5), trial("c", 0.5, drift=2)]
    with pytest.raises(ConstraintsUnmet, match=r"the closest is a \(drift=0\.5, step 100\)"):
        select_best(results, MAX, [zero])


def test_no_competing_trial_is_no_winner_not_a_constraint_error() -> None:
    results = [trial("f", 0.9, status=TrialStatus.FAILED)]
    assert select_best(results, MAX, [FAST]) is None


# -- best.json --------------------------------------------------------------------


def test_best_json_carries_the_front_tradeoffs_and_constraints(tmp_path: Path) -> None:
    results = [
        trial("a", 0.5, serving={LATENCY.metric: 40.0}),
        trial("b", 0.4, serving={LATENCY.metric: 20.0}),
    ]
    best = best_record(results[1])
    best = replace(
        best,
        pareto=tuple(pareto_front(results, MAP, [LATENCY])),
        tradeoffs=(LATENCY,),
        constraints=(FAST, Constraint("mAP", 0.3, upper=False)),
    )
    write_best(str(tmp_path), best)
    doc = json.loads((tmp_path / "best.json").read_text())
    assert doc["metrics"] == {"mAP": 0.4, LATENCY.metric: 20.0}
    assert doc["pareto"] == [
        {
            "trial": "a",
            "step": 100,
            "params": {"size": "a"},
            "metrics": {"mAP": 0.5, LATENCY.metric: 40.0},
        },
        {
            "trial": "b",
            "step": 100,
            "params": {"size": "b"},
            "metrics": {"mAP": 0.4, LATENCY.metric: 20.0},
        },
    ]
    assert doc["tradeoffs"] == [{"objectiveMetricName": LATENCY.metric, "type": "minimize"}]
    assert doc["constraints"] == [
        {"metricName": LATENCY.metric, "max": 25.0},
        {"metricName": "mAP", "min": 0.3},
    ]
    assert read_best(str(tmp_path)) == best


def test_a_best_json_without_tradeoffs_keeps_its_old_shape(tmp_path: Path) -> None:
    write_best(str(tmp_path), best_record(trial("a", 0.5)))
    doc = json.loads((tmp_path / "best.json").read_text())
    assert not {"pareto", "tradeoffs", "constraints"} & set(doc)
    old = read_best(str(tmp_path))
    assert (old.pareto, old.tradeoffs, old.constraints) == ((), (), ())
