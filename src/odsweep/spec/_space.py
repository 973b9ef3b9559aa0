"""One searched parameter: its feasible space, membership and grid (bounds inclusive)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import ROUND_FLOOR, Decimal
from enum import StrEnum

from odsweep.errors import InputError
from odsweep.spec._problems import coerce_float, coerce_int, coerce_number, format_number

ParamValue = int | float | str
"""A parameter's value: int for ``int``, float for ``double``, the list's item otherwise."""

# Relative slack for "is this on the step grid": Optuna and Katib compute
# ``min + k * step`` in binary floating point, so 0.1 + 2 * 0.1 arrives as
# 0.30000000000000004 and must still count as the grid point 0.3.
_GRID_TOLERANCE = 1e-9


class ParameterType(StrEnum):
    """Katib's ``parameterType`` names."""

    DOUBLE = "double"
    INT = "int"
    DISCRETE = "discrete"
    CATEGORICAL = "categorical"


@dataclass(frozen=True)
class Condition:
    """A parameter's ``when: {parameter: branch}``: it applies only in that branch.

    Attributes:
        parameter: The name of the categorical parameter that chooses a oneof branch.
        branch: The branch (one of that parameter's values) this parameter lives in.
    """

    parameter: str
    branch: str


class Distribution(StrEnum):
    """How a ``double``/``int`` range is sampled (Katib's ``feasibleSpace.distribution``)."""

    UNIFORM = "uniform"
    LOG_UNIFORM = "logUniform"


@dataclass(frozen=True)
class Parameter:
    """One searched hyperparameter, written into the pipeline config at ``config_path``.

    ``double`` and ``int`` ranges are INCLUSIVE on both ends: ``min`` and ``max`` are
    themselves valid values. With ``step`` the valid values are ``min + k * step``
    (``k = 0, 1, ...``) up to and including ``max``; parsing guarantees that ``max`` is
    such a point. ``discrete`` (numbers) and ``categorical`` (strings) take exactly the
    values in ``values``.

    Attributes:
        name: Unique name, as written in the YAML (rule in ``odsweep.spec._names``).
        config_path: Dotted pipeline-config path, e.g. ``train_config.batch_size``.
        type: The Katib parameter type.
        min: Lower bound (inclusive) for ``double``/``int``, else None.
        max: Upper bound (inclusive) for ``double``/``int``, else None.
        step: Grid spacing for ``double``/``int``, or None (``int`` then steps by 1).
        values: The allowed values of ``discrete``/``categorical``, in the given order.
        distribution: Sampling scale of a ``double``/``int`` range.
        when: Set when the parameter lives in one branch of a oneof that another
            parameter chooses; the trial ignores it in the other branches.
    """

    name: str
    config_path: str
    type: ParameterType
    min: int | float | None = None
    max: int | float | None = None
    step: int | float | None = None
    values: tuple[ParamValue, ...] = ()
    distribution: Distribution = Distribution.UNIFORM
    when: Condition | None = None

    @property
    def is_range(self) -> bool:
        """True for ``double``/``int`` (bounds), False for list types."""
        return self.type in (ParameterType.DOUBLE, ParameterType.INT)

    @property
    def is_log(self) -> bool:
        """True when the range is sampled on a log scale."""
        return self.distribution is Distribution.LOG_UNIFORM

    def contains(self, value: object) -> bool:
        """True when ``value`` (already typed) is in the feasible space, bounds inclusive."""
        if self.type is ParameterType.CATEGORICAL:
            return isinstance(value, str) and value in self.values
        if isinstance(value, bool) or not isinstance(value, int | float):
            return False
        if not math.isfinite(value):
            return False
        if self.type is ParameterType.DISCRETE:
            return any(value == v for v in self.values)
        if self.type is ParameterType.INT and not float(value).is_integer():
            return False
        return self._in_range(value)

    def _in_range(self, value: float) -> bool:
        low, high = self.min, self.max
        if low is None or high is None:
            return False
        if self.step is None:
            return low <= value <= high
        slack = abs(self.step) * _GRID_TOLERANCE
        if value < low - slack or value > high + slack:
            return False
        k = (value - low) / self.step
        return abs(k - round(k)) <= _GRID_TOLERANCE * max(1.0, abs(k))

    def parse_value(self, text: str) -> ParamValue:
        """The typed value of ``text`` as Katib sends it in ``--param NAME=VALUE``.

        ``int`` gives an int (``"4"``; ``"4.0"`` is accepted), ``double`` a float,
        ``discrete`` the matching list item (``"8.0"`` matches ``8``), ``categorical``
        the exact string.

        Raises:
            InputError: ``text`` is not a value of this parameter's feasible space
                (bounds inclusive); the message names the parameter.
        """
        value: ParamValue | None
        if self.type is ParameterType.CATEGORICAL:
            value = text
        elif self.type is ParameterType.DISCRETE:
            number = coerce_number(text)
            value = next((v for v in self.values if number is not None and v == number), None)
        elif self.type is ParameterType.INT:
            value = coerce_int(text)
        else:
            value = coerce_float(text)
        if value is None or not self.contains(value):
            raise InputError(
                f"parameter {self.name}: must be {self.describe()}, got {text!r}; "
                "pass a value inside the spec's feasible space"
            )
        return value

    def grid_count(self) -> int | None:
        """How many values a grid search enumerates; None for a ``double`` without step."""
        if not self.is_range:
            return len(self.values)
        low, high = self.min, self.max
        if low is None or high is None:
            return None
        if self.type is ParameterType.INT:
            return (int(high) - int(low)) // int(self.step or 1) + 1
        if self.step is None:
            return None
        span = (_decimal(high) - _decimal(low)) / _decimal(self.step)
        return int(span.to_integral_value(rounding=ROUND_FLOOR)) + 1

    def grid_values(self) -> tuple[ParamValue, ...] | None:
        """The values a grid search enumerates, in order; None when not enumerable.

        Steps are added in decimal so ``0.1`` steps give ``0.3``, not
        ``0.30000000000000004``.
        """
        count = self.grid_count()
        if count is None:
            return None
        if not self.is_range or self.min is None:
            return self.values
        if self.type is ParameterType.INT:
            return tuple(int(self.min) + i * int(self.step or 1) for i in range(count))
        low, step = _decimal(self.min), _decimal(self.step or 0)
        return tuple(float(low + i * step) for i in range(count))

    def describe(self) -> str:
        """The feasible space in words, e.g. ``a double in [0.004, 0.1] (inclusive, log)``."""
        if not self.is_range:
            return "one of " + ", ".join(
                v if isinstance(v, str) else format_number(v) for v in self.values
            )
        kind = "a double" if self.type is ParameterType.DOUBLE else "an integer"
        low = format_number(self.min) if self.min is not None else "?"
        high = format_number(self.max) if self.max is not None else "?"
        text = f"{kind} in [{low}, {high}]"
        if self.step is not None:
            text += f" step {format_number(self.step)}"
        scale = ", logUniform" if self.is_log else ""
        return f"{text} (bounds inclusive{scale})"


def _decimal(value: float) -> Decimal:
    # repr() is the shortest decimal that round-trips, i.e. what the user wrote.
    return Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
