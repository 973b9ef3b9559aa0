"""Hyperband's brackets against tables computed by hand from Li et al. (2018), Algorithm 1:
s_max = floor(log_eta(R)), n = ceil((s_max + 1) * eta^s / (s + 1)), r = R * eta^-s,
rung i: n_i = floor(n * eta^-i) configurations at r_i = r * eta^i."""

from __future__ import annotations

import pytest

from odsweep.spec import brackets, smallest_resource
from odsweep.spec._hyperband import katib_min_parallel, katib_s_max, s_max, total_trials


def table(r_l: int, eta: int) -> list[tuple[int, list[tuple[int, int]]]]:
    return [(b.s, [(rung.trials, rung.resource) for rung in b.rungs]) for b in brackets(r_l, eta)]


def test_r_l_9_eta_3() -> None:
    # s=2: n = ceil(3*9/3) = 9 at r = 1; s=1: n = ceil(3*3/2) = 5 at r = 3; s=0: n = 3 at 9.
    assert table(9, 3) == [
        (2, [(9, 1), (3, 3), (1, 9)]),
        (1, [(5, 3), (1, 9)]),
        (0, [(3, 9)]),
    ]
    assert total_trials(9, 3) == 9 + 3 + 1 + 5 + 1 + 3 == 22
    assert smallest_resource(9, 3) == 1


def test_r_l_27_eta_3() -> None:
    # s_max = 3: n = ceil(4*27/4)=27, ceil(4*9/3)=12, ceil(4*3/2)=6, ceil(4*1/1)=4.
    assert table(27, 3) == [
        (3, [(27, 1), (9, 3), (3, 9), (1, 27)]),
        (2, [(12, 3), (4, 9), (1, 27)]),
        (1, [(6, 9), (2, 27)]),
        (0, [(4, 27)]),
    ]


def test_r_l_8_eta_2() -> None:
    # s_max = 3: n = ceil(4*8/4)=8, ceil(4*4/3)=6, ceil(4*2/2)=4, 4.
    assert table(8, 2) == [
        (3, [(8, 1), (4, 2), (2, 4), (1, 8)]),
        (2, [(6, 2), (3, 4), (1, 8)]),
        (1, [(4, 4), (2, 8)]),
        (0, [(4, 8)]),
    ]


def test_r_l_not_a_power_of_eta_floors_each_resource() -> None:
    # R = 10, eta = 3: s_max = 2; r = 10/9 -> rungs at 1, 3 (10/3), 10; Katib's int() too.
    assert table(10, 3) == [
        (2, [(9, 1), (3, 3), (1, 10)]),
        (1, [(5, 3), (1, 10)]),
        (0, [(3, 10)]),
    ]


@pytest.mark.parametrize(
    ("r_l", "eta", "exact", "katib", "parallel"),
    [
        (9, 3, 2, 2, 9),
        (27, 3, 3, 3, 27),
        # log(243)/log(3) = 4.999999999999999 in floats: Katib's s_max is 4, parallel 81.
        (243, 3, 5, 4, 81),
        (1000, 10, 3, 2, 100),
        (2, 3, 0, 0, 1),
    ],
)
def test_s_max_exact_and_as_katib_computes_it(
    r_l: int, eta: int, exact: int, katib: int, parallel: int
) -> None:
    assert s_max(r_l, eta) == exact
    assert katib_s_max(r_l, eta) == katib
    assert katib_min_parallel(r_l, eta) == parallel
