"""ASHA's rung decisions and the local Hyperband schedule, without Optuna or TensorFlow.

Every expected value is worked out by hand in the comments, not with the module's own
formulas.
"""

from __future__ import annotations

import math
import subprocess
import sys

import pytest

from odsweep.backends.optuna._asha import keeps_running, rung_step, rungs_reached, value_at
from odsweep.backends.optuna._hyperband import Launched, Next, Pause, Slot, next_trial
from odsweep.spec import AshaStopping, Objective, ObjectiveType, brackets

NAN = math.nan
MAXIMIZE = Objective(ObjectiveType.MAXIMIZE, "DetectionBoxes_Precision/mAP")
MINIMIZE = Objective(ObjectiveType.MINIMIZE, "Loss/total_loss")
ETA3 = AshaStopping(min_resource=100, reduction_factor=3, min_early_stopping_rate=0)


def test_rung_steps() -> None:
    # 100 * 3^0, 100 * 3^1, 100 * 3^2; with rate 1: 100 * 3^1, 100 * 3^2.
    assert [rung_step(ETA3, k) for k in range(3)] == [100, 300, 900]
    skip_one = AshaStopping(min_resource=100, reduction_factor=3, min_early_stopping_rate=1)
    assert [rung_step(skip_one, k) for k in range(2)] == [300, 900]
    halving = AshaStopping(min_resource=200, reduction_factor=2, min_early_stopping_rate=0)
    assert [rung_step(halving, k) for k in range(3)] == [200, 400, 800]


def test_rungs_reached_are_evals_before_the_last_step() -> None:
    evals = [100, 200, 300, 400, 500, 600, 700, 800, 900]
    # Rungs at 100 and 300; the rung at 900 is the trial's end and decides nothing.
    assert rungs_reached(ETA3, 900, evals) == [(0, 100), (1, 300)]
    assert rungs_reached(ETA3, 900, [100, 200]) == [(0, 100)]
    assert rungs_reached(ETA3, 1000, evals) == [(0, 100), (1, 300), (2, 900)]


def test_value_at_a_rung_is_the_best_so_far() -> None:
    steps, values = [100, 200, 300], [0.5, 0.2, 0.3]
    assert value_at(MAXIMIZE, steps, values, 300) == 0.5  # best, not the latest 0.3
    assert value_at(MINIMIZE, steps, values, 300) == 0.2
    assert value_at(MAXIMIZE, steps, [NAN, 0.1, 0.4], 200) == 0.1
    assert value_at(MAXIMIZE, [100], [NAN], 100) is None


@pytest.mark.parametrize(
    ("value", "others", "keeps"),
    [
        (0.1, [], True),  # 1 value: top max(1, 1 // 3) = 1; it is the best
        (0.1, [0.5], False),  # 2 values: top max(1, 2 // 3) = 1 place, held by 0.5
        (0.1, [0.5, 0.4], False),  # 3 values: top 1 is 0.5; 0.1 is worse: stopped
        (0.5, [0.5, 0.4], True),  # a tie with the cut goes on
        (0.4, [0.5, 0.3, 0.2, 0.1, 0.0], True),  # 6 values: top 2 = 0.5, 0.4
        (0.3, [0.5, 0.4, 0.2, 0.1, 0.0], False),  # 6 values: cut 0.4
        (0.1, [None, None], True),  # 3 values, 2 failed: the number is the best
        (0.1, [None, 0.5], False),  # 3 values: top 1 = 0.5
        (None, [], False),  # no finite value: worst
        (NAN, [], False),
    ],
)
def test_keeps_running_maximize(
    value: float | None, others: list[float | None], keeps: bool
) -> None:
    assert keeps_running(ETA3, MAXIMIZE, value=value, others=others) is keeps


def test_keeps_running_minimize_and_halving() -> None:
    halving = AshaStopping(min_resource=100, reduction_factor=2)
    # 4 losses 1, 2, 3, 4: top 4 // 2 = 2 -> cut 2.
    assert keeps_running(halving, MINIMIZE, value=2.0, others=[1.0, 3.0, 4.0]) is True
    assert keeps_running(halving, MINIMIZE, value=3.0, others=[1.0, 2.0, 4.0]) is False


def launched(
    s: int, i: int, k: int, value: float | None, lr: float, *, done: bool = True
) -> Launched:
    return Launched(Slot(s, i, k), done, value, {"lr": lr, "steps": 0})


def test_hyperband_schedule_r_l_9_eta_3() -> None:
    plan = brackets(9, 3)
    # Bracket s=2 starts 9 new configurations at r = 1.
    assert next_trial(plan, [], MAXIMIZE) == Next(Slot(2, 0, 0), 1, None)
    rung0 = [launched(2, 0, k, v, lr=k / 10) for k, v in enumerate(
        [0.1, 0.9, None, 0.5, 0.3, 0.8, 0.2, NAN, 0.7]
    )]  # fmt: skip
    assert next_trial(plan, rung0[:8], MAXIMIZE) == Next(Slot(2, 0, 8), 1, None)
    running = [*rung0[:8], launched(2, 0, 8, None, lr=0.8, done=False)]
    assert next_trial(plan, running, MAXIMIZE) is Pause.WAIT
    # Rung 1: the best 3 of 9 at r = 3: 0.9 (k=1), 0.8 (k=5), 0.7 (k=8).
    rung0 = [t if t.slot.k != 7 else launched(2, 0, 7, None, lr=0.7) for t in rung0]
    assert next_trial(plan, rung0, MAXIMIZE) == Next(Slot(2, 1, 0), 3, {"lr": 0.1, "steps": 0})
    rung1 = [launched(2, 1, 0, 0.6, 0.1), launched(2, 1, 1, 0.95, 0.5)]
    assert next_trial(plan, rung0 + rung1, MAXIMIZE) == Next(
        Slot(2, 1, 2), 3, {"lr": 0.8, "steps": 0}
    )
    rung1.append(launched(2, 1, 2, None, 0.8))  # failed: ranked last
    # Rung 2: the best 1 of 3 at r = 9: lr 0.5 (0.95).
    assert next_trial(plan, rung0 + rung1, MAXIMIZE) == Next(
        Slot(2, 2, 0), 9, {"lr": 0.5, "steps": 0}
    )
    done_s2 = [*rung0, *rung1, launched(2, 2, 0, 0.96, 0.5)]
    # Bracket s=1: 5 new configurations at r = 3.
    assert next_trial(plan, done_s2, MAXIMIZE) == Next(Slot(1, 0, 0), 3, None)
    s1 = [launched(1, 0, k, v, lr=k) for k, v in enumerate([0.2, 0.4, 0.4, 0.1, 0.3])]
    # The best 1 of 5 at r = 9; 0.4 twice: the earlier (k=1) wins the tie.
    assert next_trial(plan, done_s2 + s1, MAXIMIZE) == Next(Slot(1, 1, 0), 9, {"lr": 1, "steps": 0})
    s1.append(launched(1, 1, 0, 0.4, 1))
    # Bracket s=0: 3 new configurations at r = 9, then nothing.
    assert next_trial(plan, done_s2 + s1, MAXIMIZE) == Next(Slot(0, 0, 0), 9, None)
    s0 = [launched(0, 0, k, 0.5, lr=k) for k in range(3)]
    assert next_trial(plan, done_s2 + s1 + s0, MAXIMIZE) is Pause.DONE
    assert len(done_s2 + s1 + s0) == 22


def test_minimize_ranks_the_lowest_first() -> None:
    plan = brackets(9, 3)
    rung0 = [launched(2, 0, k, float(9 - k), lr=k) for k in range(9)]  # k=8 has loss 1
    assert next_trial(plan, rung0, MINIMIZE) == Next(Slot(2, 1, 0), 3, {"lr": 8, "steps": 0})


def test_pure_modules_do_not_import_optuna() -> None:
    code = (
        "import sys; import odsweep.backends.optuna._asha, odsweep.backends.optuna._hyperband; "
        "print('optuna' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
