"""Leaderboard order, ranks and status counts."""

from __future__ import annotations

import math

from report_fixtures import METRIC, trial

from odsweep.report._table import counts_text, leaderboard, status_counts
from odsweep.results import BestCheckpoint, TrialResult, TrialStatus
from odsweep.spec import ObjectiveType


def order(results: list[TrialResult], direction: ObjectiveType) -> list[tuple[int | None, str]]:
    return [(row.rank, row.result.trial) for row in leaderboard(results, METRIC, direction)]


def test_maximize_puts_the_highest_best_value_first() -> None:
    results = [trial("a", [0.1, 0.3]), trial("b", [0.5]), trial("c", [0.2, 0.1])]
    assert order(results, ObjectiveType.MAXIMIZE) == [(1, "b"), (2, "a"), (3, "c")]


def test_minimize_puts_the_lowest_best_value_first() -> None:
    mini = ObjectiveType.MINIMIZE
    results = [
        trial("a", [3.0, 2.0], direction=mini),
        trial("b", [1.5], direction=mini),
        trial("c", [4.0, 5.0], direction=mini),
    ]
    assert order(results, mini) == [(1, "b"), (2, "a"), (3, "c")]


def test_ties_share_a_rank_and_keep_the_earlier_trial_first() -> None:
    results = [trial("x", [0.2]), trial("late", [0.4]), trial("early", [0.4]), trial("y", [0.1])]
    results = [results[2], results[0], results[1], results[3]]  # "early" comes first
    assert order(results, ObjectiveType.MAXIMIZE) == [(1, "early"), (1, "late"), (3, "x"), (4, "y")]


def test_trials_without_a_best_value_go_last_in_their_order() -> None:
    results = [
        trial("none-1", []),
        trial("good", [0.3]),
        trial("all-missing", [None, None]),
        trial("nan-only", [math.nan]),
        trial("better", [0.4]),
    ]
    assert order(results, ObjectiveType.MAXIMIZE) == [
        (1, "better"),
        (2, "good"),
        (None, "none-1"),
        (None, "all-missing"),
        (None, "nan-only"),
    ]


def test_a_non_finite_recorded_best_counts_as_no_value() -> None:
    # result.json may carry NaN (json allows it); it must not be ranked.
    broken = trial("broken", [0.5])
    broken = TrialResult(
        trial="broken",
        params={},
        status=TrialStatus.SUCCEEDED,
        metric=METRIC,
        objective=ObjectiveType.MAXIMIZE,
        evals=broken.evals,
        best=BestCheckpoint(500, "ckpt", math.nan),
    )
    assert order([broken, trial("ok", [0.1])], ObjectiveType.MAXIMIZE) == [
        (1, "ok"),
        (None, "broken"),
    ]


def test_best_is_recomputed_when_the_trial_tracked_another_direction() -> None:
    # A trial recorded as maximize has best 0.9; ranked for minimize, its best is 0.2.
    rows = leaderboard([trial("t", [0.9, 0.2, 0.5])], METRIC, ObjectiveType.MINIMIZE)
    assert rows[0].best is not None
    assert (rows[0].best.value, rows[0].best.step) == (0.2, 1000)


def test_best_is_recomputed_for_another_metric() -> None:
    rows = leaderboard([trial("t", [0.9, 0.2])], "Loss/total_loss", ObjectiveType.MINIMIZE)
    assert rows[0].best is not None
    assert rows[0].best.value == 1.0 / 1000  # the fixture's loss is 1/step


def test_the_trials_own_best_names_the_kept_checkpoint() -> None:
    rows = leaderboard([trial("t", [0.1, 0.3, 0.2])], METRIC, ObjectiveType.MAXIMIZE)
    assert rows[0].best == BestCheckpoint(1000, "/runs/t/best/ckpt-2", 0.3)


def test_counts_by_status_in_enum_order_without_zeros() -> None:
    statuses = [
        TrialStatus.FAILED,
        TrialStatus.SUCCEEDED,
        TrialStatus.SUCCEEDED,
        TrialStatus.EARLY_STOPPED,
        TrialStatus.RUNNING,
    ]
    results = [trial(f"t{i}", [0.1], status=s) for i, s in enumerate(statuses)]
    counts = status_counts(results)
    assert counts == (
        (TrialStatus.RUNNING, 1),
        (TrialStatus.SUCCEEDED, 2),
        (TrialStatus.FAILED, 1),
        (TrialStatus.EARLY_STOPPED, 1),
    )
    assert counts_text(counts, 5) == "5 trials: 1 running, 2 succeeded, 1 failed, 1 early_stopped"
    assert counts_text((), 0) == "0 trials"
