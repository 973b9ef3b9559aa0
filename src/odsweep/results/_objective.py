"""The objective's direction and the one rule for "is a better than b"."""

from __future__ import annotations

import math
from collections.abc import Iterable
from enum import StrEnum


class ObjectiveType(StrEnum):
    """Whether the objective metric is maximized or minimized."""

    MAXIMIZE = "maximize"
    MINIMIZE = "minimize"

    def better(self, a: float, b: float) -> bool:
        """True when ``a`` is strictly better than ``b``.

        NaN is never better, and any number is better than NaN: a trial whose eval
        produced NaN must never win, nor hide a later real value.
        """
        if math.isnan(a):
            return False
        if math.isnan(b):
            return True
        return a > b if self is ObjectiveType.MAXIMIZE else a < b

    def best_first(self, value: float) -> float:
        """A sort key that puts the best value first (ties keep their order)."""
        return -value if self is ObjectiveType.MAXIMIZE else value

    def best(self, values: Iterable[float]) -> float | None:
        """The best of ``values`` ignoring NaN, or None when there is none."""
        found: float | None = None
        for value in values:
            if not math.isnan(value) and (found is None or self.better(value, found)):
                found = value
        return found
