"""Katib's decisions without Optuna: median stopping, end of search, parallel slots."""

from __future__ import annotations

import dataclasses
import math
import subprocess
import sys
from collections.abc import Sequence

import pytest

from odsweep.backends.optuna._policy import (
    STOP_RUNNING_TRIALS_ON_END,
    Tally,
    Verdict,
    median_stop,
    slots_to_launch,
    verdict,
)
from odsweep.spec import EarlyStopping, Objective, ObjectiveType, SearchSpec, parse_spec

NAN = math.nan
MAXIMIZE = Objective(ObjectiveType.MAXIMIZE, "DetectionBoxes_Precision/mAP")
MINIMIZE = Objective(ObjectiveType.MINIMIZE, "Loss/total_loss")
RULE = EarlyStopping(min_trials_required=3, start_step=2)

# Running averages over the first 2 evals: 2, 3, 4 (median 3); over 3 evals: 3, 4, 5.
RISING = [[1.0, 3.0, 5.0], [2.0, 4.0, 6.0], [3.0, 5.0, 7.0]]
# The same as losses: over 2 evals 4, 5, 6 (median 5).
FALLING = [[5.0, 3.0, 1.0], [6.0, 4.0, 2.0], [7.0, 5.0, 3.0]]


def stops(
    running: Sequence[float],
    completed: Sequence[Sequence[float]],
    objective: Objective = MAXIMIZE,
    rule: EarlyStopping = RULE,
) -> bool:
    return median_stop(rule=rule, objective=objective, running=running, completed=completed)


# -- median stopping -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("running", "expected"),
    [
        ([1.0, 2.0], True),  # best 2 < median 3
        ([1.0, 3.0], False),  # equal to the median is not worse
        ([1.0, 3.5], False),
        ([3.5, 1.0], False),  # best so far, not the latest value
        ([1.0, 2.0, 2.5], True),  # k = 3: median of 3, 4, 5 is 4
        ([1.0, 2.0, 4.0], False),
    ],
)
def test_median_stop_maximize(running: list[float], expected: bool) -> None:
    assert stops(running, RISING) is expected


@pytest.mark.parametrize(
    ("running", "expected"),
    [
        ([7.0, 6.0], True),  # best 6 > median 5
        ([7.0, 5.0], False),  # equal
        ([4.5, 9.0], False),  # best so far 4.5
        ([9.0, 9.0, 3.5], False),  # k = 3: median of 3, 4, 5 is 4
        ([9.0, 9.0, 4.5], True),
    ],
)
def test_median_stop_minimize(running: list[float], expected: bool) -> None:
    assert stops(running, FALLING, MINIMIZE) is expected


def test_median_not_mean_with_an_even_number_of_trials() -> None:
    # Averages 2, 3, 4, 10: median 3.5, mean 4.75 (Katib 0.19's service uses the mean).
    completed = [*RISING, [10.0, 10.0]]
    assert stops([1.0, 4.0], completed) is False
    assert stops([1.0, 3.25], completed) is True


def test_too_few_completed_trials_never_stop() -> None:
    assert stops([0.0, 0.0], RISING[:2]) is False
    two = EarlyStopping(min_trials_required=2, start_step=2)
    assert stops([0.0, 0.0], RISING[:2], rule=two) is True


def test_completed_trials_without_numbers_do_not_count() -> None:
    assert stops([0.0, 0.0], [[], [NAN, NAN], *RISING[:2]]) is False


def test_before_start_step_never_stops() -> None:
    assert stops([0.0], RISING) is False
    assert stops([], RISING) is False
    three = EarlyStopping(min_trials_required=3, start_step=3)
    assert stops([0.0, 0.0], RISING, rule=three) is False
    assert stops([0.0, 0.0, 0.0], RISING, rule=three) is True


def test_nan_values_are_ignored() -> None:
    assert stops([NAN, 2.0], RISING) is True
    assert stops([NAN, 3.5], RISING) is False
    assert stops([NAN, NAN], RISING) is False  # nothing to compare: left to fail
    # [1, NaN] averages to 1: averages 1, 3, 4 -> median 3.
    assert stops([2.5, 0.0], [[1.0, NAN], *RISING[1:]]) is True


def test_completed_trial_shorter_than_k_uses_all_its_evals() -> None:
    # k = 3: averages 10 (its only eval), 4, 5 -> median 5. Dropping it would give 4.5.
    completed = [[10.0], RISING[1], RISING[2]]
    assert stops([1.0, 2.0, 4.75], completed) is True
    assert stops([1.0, 2.0, 5.0], completed) is False


def test_default_rule_is_katibs() -> None:
    rule = EarlyStopping()
    assert (rule.min_trials_required, rule.start_step) == (3, 4)
    completed = [[1.0] * 5, [2.0] * 5, [3.0] * 5]
    assert stops([0.0] * 3, completed, rule=rule) is False
    assert stops([0.0] * 4, completed, rule=rule) is True


# -- end of search ---------------------------------------------------------------------


def make_spec(
    *, max_trials: int = 8, parallel: int = 2, max_failed: int | None = None
) -> SearchSpec:
    doc = {
        "apiVersion": "odsweep/v1alpha1",
        "kind": "SearchSpace",
        "metadata": {"name": "policy-test"},
        "spec": {
            "pipelineConfigPath": "pipeline.config",
            "numTrainSteps": 10,
            "checkpointEveryNSteps": 5,
            "objective": {
                "type": "maximize",
                "objectiveMetricName": "DetectionBoxes_Precision/mAP",
            },
            "algorithm": {"algorithmName": "random"},
            "maxTrialCount": max_trials,
            "parallelTrialCount": parallel,
            "parameters": [
                {
                    "name": "lr",
                    "configPath": "train_config.lr",
                    "parameterType": "double",
                    "feasibleSpace": {"min": 0.001, "max": 0.1},
                }
            ],
        },
    }
    spec = parse_spec(doc, source="test.yaml", base_dir="/tmp")
    return dataclasses.replace(spec, max_failed_trial_count=max_failed)


def tally(
    succeeded: int = 0, failed: int = 0, early_stopped: int = 0, stopped: int = 0, running: int = 0
) -> Tally:
    return Tally(succeeded, failed, early_stopped, stopped, running)


def test_finished_counts_succeeded_failed_and_early_stopped() -> None:
    assert tally(1, 2, 4, stopped=8, running=16).finished == 7


@pytest.mark.parametrize(
    ("max_failed", "failed", "expected"),
    [
        (None, 0, Verdict.CONTINUE),
        (None, 7, Verdict.CONTINUE),  # no maxFailedTrialCount: failures never fail it
        (0, 0, Verdict.CONTINUE),  # Katib also requires failed != 0
        (0, 1, Verdict.FAILED_MAX_FAILED),
        (1, 0, Verdict.CONTINUE),
        (1, 1, Verdict.FAILED_MAX_FAILED),  # failed >= max, not >
        (2, 1, Verdict.CONTINUE),
        (2, 2, Verdict.FAILED_MAX_FAILED),
        (2, 3, Verdict.FAILED_MAX_FAILED),
    ],
)
def test_failure_budget(max_failed: int | None, failed: int, expected: Verdict) -> None:
    spec = make_spec(max_trials=8, max_failed=max_failed)
    assert verdict(tally(failed=failed), spec=spec, goal_reached=False) is expected


def test_goal_ends_the_search_first() -> None:
    spec = make_spec(max_trials=4, max_failed=1)
    assert verdict(tally(1), spec=spec, goal_reached=True) is Verdict.SUCCEEDED_GOAL
    both = tally(succeeded=2, failed=2)  # failure budget and maxTrialCount reached too
    assert verdict(both, spec=spec, goal_reached=True) is Verdict.SUCCEEDED_GOAL
    assert verdict(both, spec=spec, goal_reached=False) is Verdict.FAILED_MAX_FAILED


def test_max_trials_counts_early_stopped_but_not_stopped_trials() -> None:
    spec = make_spec(max_trials=8)
    assert verdict(tally(5, early_stopped=3), spec=spec, goal_reached=False) is (
        Verdict.SUCCEEDED_MAX_TRIALS
    )
    assert verdict(tally(4, 1, 3), spec=spec, goal_reached=False) is Verdict.SUCCEEDED_MAX_TRIALS
    not_yet = tally(5, early_stopped=2, stopped=1, running=1)
    assert verdict(not_yet, spec=spec, goal_reached=False) is Verdict.CONTINUE


def test_running_trials_are_left_to_finish_as_katib_does() -> None:
    ending = {v for v in Verdict if v is not Verdict.CONTINUE}
    assert set(STOP_RUNNING_TRIALS_ON_END) == ending
    assert not any(STOP_RUNNING_TRIALS_ON_END.values())


# -- parallel slots --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("counts", "expected"),
    [
        (tally(), 2),
        (tally(running=1), 1),
        (tally(running=2), 0),
        (tally(running=3), 0),  # never negative
        (tally(5, stopped=3), 2),  # stopped trials use no budget
        (tally(6), 2),
        (tally(6, running=1), 1),
        (tally(7), 1),  # only one left in maxTrialCount
        (tally(6, early_stopped=1, running=1), 0),
        (tally(4, 2, 2), 0),
    ],
)
def test_slots_to_launch(counts: Tally, expected: int) -> None:
    assert slots_to_launch(counts, spec=make_spec(max_trials=8, parallel=2)) == expected


def test_slots_with_one_parallel_trial() -> None:
    spec = make_spec(max_trials=1, parallel=1)
    assert slots_to_launch(tally(), spec=spec) == 1
    assert slots_to_launch(tally(running=1), spec=spec) == 0
    assert slots_to_launch(tally(failed=1), spec=spec) == 0


def test_policy_imports_no_optuna() -> None:
    code = (
        "import sys\n"
        "from odsweep.backends.optuna import Tally, verdict, median_stop, slots_to_launch\n"
        "assert 'optuna' not in sys.modules, 'policy imported optuna'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=120)
