from __future__ import annotations

import math

from odsweep.results import ObjectiveType


def test_better_follows_the_direction() -> None:
    assert ObjectiveType.MAXIMIZE.better(2.0, 1.0)
    assert not ObjectiveType.MAXIMIZE.better(1.0, 1.0)
    assert ObjectiveType.MINIMIZE.better(1.0, 2.0)
    assert not ObjectiveType.MINIMIZE.better(2.0, 1.0)


def test_nan_is_never_better_and_any_number_beats_it() -> None:
    for kind in ObjectiveType:
        assert not kind.better(math.nan, 1.0)
        assert kind.better(1.0, math.nan)
        assert not kind.better(math.nan, math.nan)


def test_best_ignores_nan() -> None:
    assert ObjectiveType.MAXIMIZE.best([1.0, math.nan, 3.0, 2.0]) == 3.0
    assert ObjectiveType.MINIMIZE.best([math.nan, 3.0, 2.0]) == 2.0
    assert ObjectiveType.MAXIMIZE.best([math.nan]) is None
    assert ObjectiveType.MINIMIZE.best([]) is None
