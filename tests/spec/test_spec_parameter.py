"""Parameter.parse_value / contains / grid: typed values from Katib strings, bounds inclusive."""

from __future__ import annotations

import pytest
from spec_fixtures import exact_line

from odsweep.errors import InputError
from odsweep.spec import Distribution, Parameter, ParameterType, is_safe_value

LR = Parameter(
    "lr", "a.lr", ParameterType.DOUBLE, min=0.004, max=0.1, distribution=Distribution.LOG_UNIFORM
)
STEPPED = Parameter("frac", "a.f", ParameterType.DOUBLE, min=0.1, max=0.5, step=0.1)
LAYERS = Parameter("layers", "a.n", ParameterType.INT, min=2, max=5)
EVEN = Parameter("even", "a.e", ParameterType.INT, min=2, max=8, step=2)
BATCH = Parameter("batch_size", "a.b", ParameterType.DISCRETE, values=(4, 8, 0.5))
OPT = Parameter("optimizer", "a.o", ParameterType.CATEGORICAL, values=("sgd", "adam"))


@pytest.mark.parametrize(
    ("param", "text", "expected"),
    [
        (LR, "0.004", 0.004),  # lower bound is inclusive
        (LR, "0.1", 0.1),  # upper bound is inclusive
        (LR, "0.05", 0.05),
        (LR, "1e-2", 0.01),
        (STEPPED, "0.30000000000000004", 0.30000000000000004),  # 0.1 + 2 * 0.1 in float
        (STEPPED, "0.5", 0.5),
        (LAYERS, "2", 2),
        (LAYERS, "5", 5),
        (LAYERS, "4.0", 4),
        (EVEN, "8", 8),
        (BATCH, "8", 8),
        (BATCH, "8.0", 8),
        (BATCH, "0.5", 0.5),
        (OPT, "adam", "adam"),
    ],
)
def test_parse_value_gives_the_typed_value(
    param: Parameter, text: str, expected: int | float | str
) -> None:
    value = param.parse_value(text)
    assert value == expected
    assert type(value) is type(expected)


@pytest.mark.parametrize(
    ("param", "text", "space"),
    [
        (LR, "0.0039", "a double in [0.004, 0.1] (bounds inclusive, logUniform)"),
        (LR, "0.1000001", "a double in [0.004, 0.1] (bounds inclusive, logUniform)"),
        (LR, "nan", "a double in [0.004, 0.1] (bounds inclusive, logUniform)"),
        (LR, "", "a double in [0.004, 0.1] (bounds inclusive, logUniform)"),
        (STEPPED, "0.25", "a double in [0.1, 0.5] step 0.1 (bounds inclusive)"),
        (STEPPED, "0.6", "a double in [0.1, 0.5] step 0.1 (bounds inclusive)"),
        (LAYERS, "1", "an integer in [2, 5] (bounds inclusive)"),
        (LAYERS, "6", "an integer in [2, 5] (bounds inclusive)"),
        (LAYERS, "2.5", "an integer in [2, 5] (bounds inclusive)"),
        (EVEN, "5", "an integer in [2, 8] step 2 (bounds inclusive)"),
        (BATCH, "16", "one of 4, 8, 0.5"),
        (BATCH, "four", "one of 4, 8, 0.5"),
        (OPT, "Adam", "one of sgd, adam"),
        (OPT, "adam ", "one of sgd, adam"),
    ],
)
def test_parse_value_refuses_values_outside_the_space(
    param: Parameter, text: str, space: str
) -> None:
    with pytest.raises(InputError, match=exact_line(
        f"parameter {param.name}: must be {space}, got {text!r}; "
        "pass a value inside the spec's feasible space"
    )):  # fmt: skip
        param.parse_value(text)


def test_contains_takes_typed_values_only() -> None:
    assert LAYERS.contains(3) and LAYERS.contains(3.0)
    assert not LAYERS.contains(True)  # a bool is not an int here
    assert not LAYERS.contains("3")
    assert LR.contains(0.004) and LR.contains(0.1) and not LR.contains(float("inf"))
    assert OPT.contains("sgd") and not OPT.contains(1)
    assert BATCH.contains(4.0) and not BATCH.contains(5)


def test_grid_values_step_in_decimal() -> None:
    assert STEPPED.grid_values() == (0.1, 0.2, 0.3, 0.4, 0.5)
    assert EVEN.grid_values() == (2, 4, 6, 8)
    assert LAYERS.grid_values() == (2, 3, 4, 5)
    assert OPT.grid_values() == ("sgd", "adam")
    assert LR.grid_values() is None
    assert all(STEPPED.contains(v) for v in STEPPED.grid_values() or ())


def test_grid_count_does_not_enumerate() -> None:
    huge = Parameter("n", "a.n", ParameterType.INT, min=0, max=10**12)
    assert huge.grid_count() == 10**12 + 1


@pytest.mark.parametrize(
    ("text", "safe"),
    [
        ("adam", True),
        ("gs://bucket/a-b_c.ckpt", True),
        ("v1.2+build@x:y", True),
        ("a b", False),
        ("$(x)", False),
        ("a;b", False),
        ('"q"', False),
        ("'q'", False),
        ("", False),
        ("\u00e9t\u00e9", False),  # non-ASCII letters: shells and locales disagree
    ],
)
def test_is_safe_value(text: str, safe: bool) -> None:
    assert is_safe_value(text) is safe
