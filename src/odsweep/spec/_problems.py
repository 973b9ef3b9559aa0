"""Collects validation problems, one line each, and reads YAML scalars leniently.

Every message has the form ``<key path>: <rule>, got <value!r>; <fix>``. Parsing
keeps going after a problem so that one run reports every mistake in the file.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from typing import Final

from odsweep.errors import InputError
from odsweep.suggest import close_names


class _Nothing:
    """Marks "no value received" (distinct from a YAML ``null``)."""

    def __repr__(self) -> str:
        return "nothing"


NOTHING: Final = _Nothing()

_MAX_REPR = 80  # a whole mapping in a message would break the one-line promise in practice

# Decimal literals only: Python's float() also takes "nan", "inf" and "1_000", which a
# search space must not contain and Katib (Go's ParseFloat) reads differently.
_INT_RE = re.compile(r"^[+-]?\d+$")
_FLOAT_RE = re.compile(r"^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$")


def show(value: object) -> str:
    """``repr(value)``, shortened so a message stays one readable line."""
    text = repr(value)
    return text if len(text) <= _MAX_REPR else text[: _MAX_REPR - 3] + "..."


def join(path: str, key: str) -> str:
    """The key path of ``key`` inside the mapping at ``path``."""
    return f"{path}.{key}" if path else key


def index(path: str, i: int) -> str:
    """The key path of item ``i`` of the list at ``path``."""
    return f"{path}[{i}]"


def closest(word: str, choices: Sequence[str]) -> str | None:
    """The choice most like ``word`` (:func:`odsweep.suggest.close_names`), or None."""
    found = close_names(word, choices)
    return found[0] if found else None


class Problems:
    """An ordered list of one-line problem messages."""

    def __init__(self) -> None:
        self.messages: list[str] = []

    def __len__(self) -> int:
        return len(self.messages)

    def add(self, path: str, rule: str, value: object = NOTHING, fix: str | None = None) -> None:
        """Record ``<path>: <rule>, got <value>; <fix>`` (the parts that are given)."""
        message = f"{path}: {rule}"
        if value is not NOTHING:
            message += f", got {show(value)}"
        if fix:
            message += f"; {fix}"
        # One line per problem is the contract with the CLI.
        self.messages.append(" ".join(message.split("\n")))

    def unknown_keys(
        self, mapping: Mapping[str, object], path: str, allowed: Sequence[str]
    ) -> None:
        """Report every key of ``mapping`` not in ``allowed``, with the closest valid key."""
        for key in mapping:
            if key in allowed:
                continue
            guess = closest(str(key), allowed)
            fix = f"did you mean {guess!r}?" if guess else f"valid keys: {', '.join(allowed)}"
            self.add(path, "unknown key", key, fix)

    def raise_if_any(self) -> None:
        """Raise one :class:`InputError` carrying every recorded message."""
        if self.messages:
            raise InputError(self.messages)


def as_mapping(value: object, path: str, problems: Problems) -> dict[str, object] | None:
    """``value`` when it is a mapping with string keys; otherwise report and return None."""
    if not isinstance(value, dict):
        problems.add(path, "must be a mapping", value)
        return None
    bad = [k for k in value if not isinstance(k, str)]
    for key in bad:
        problems.add(path, "keys must be strings", key, "quote the key")
    return {k: v for k, v in value.items() if isinstance(k, str)}


def as_list(value: object, path: str, problems: Problems) -> list[object] | None:
    """``value`` when it is a list; otherwise report and return None."""
    if not isinstance(value, list):
        problems.add(path, "must be a list", value)
        return None
    return value


def coerce_int(value: object) -> int | None:
    """An integer from an int, an integral float or a numeric string; else None.

    Booleans are refused: YAML 1.1 reads ``yes``/``no``/``on`` as booleans, which are
    never meant as numbers.
    """
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and _INT_RE.match(value.strip()):
        return _bounded_int(value.strip())
    number = coerce_float(value)
    if number is not None and number.is_integer():
        return int(number)
    return None


_MAX_DIGITS = 19  # int64's 9223372036854775807; int() of more is costly or refused


def _bounded_int(text: str) -> int | None:
    return int(text) if len(text.lstrip("+-").lstrip("0")) <= _MAX_DIGITS else None


def coerce_float(value: object) -> float | None:
    """A finite float from a number or a decimal string; else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        number = float(value)
    elif isinstance(value, str) and _FLOAT_RE.match(value.strip()):
        number = float(value.strip())
    else:
        return None
    return number if math.isfinite(number) else None


def coerce_number(value: object) -> int | float | None:
    """An int when ``value`` is written as an integer, a float when as a decimal; else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and _INT_RE.match(value.strip()):
        return _bounded_int(value.strip())
    return coerce_float(value)


def format_number(value: float) -> str:
    """A number as a user would write it: ``4``, ``0.004``, ``1e-05``."""
    if isinstance(value, int):
        return str(value)
    return repr(value)


class Reader:
    """Reads typed fields of one YAML mapping, reporting problems under its key path."""

    def __init__(self, mapping: Mapping[str, object], path: str, problems: Problems) -> None:
        self.mapping = mapping
        self.path = path
        self.problems = problems

    def at(self, key: str) -> str:
        """The key path of ``key``."""
        return join(self.path, key)

    def raw(self, key: str) -> object:
        """The value under ``key``; :data:`NOTHING` when absent or ``null``."""
        value = self.mapping.get(key)
        return NOTHING if value is None else value

    def has(self, key: str) -> bool:
        """True when ``key`` holds a non-null value."""
        return self.raw(key) is not NOTHING

    def missing(self, key: str, what: str) -> None:
        """Report that the required ``key`` is absent."""
        self.problems.add(self.at(key), "is required", fix=f"add {key}: <{what}>")

    def bounded_int(
        self,
        key: str,
        *,
        low: int,
        what: str,
        required: bool,
        default: int | None = None,
        high: int | None = None,
    ) -> int | None:
        """Read an integer in ``[low, high]``; report a missing required key or a bad value."""
        value = self.raw(key)
        if value is NOTHING:
            if required:
                self.missing(key, what)
            return default
        number = coerce_int(value)
        if number is not None and high is not None and number > high:
            self.problems.add(self.at(key), f"must be <= {high} (the most its field holds)", value)
            return None
        if number is None or number < low:
            self.problems.add(self.at(key), f"must be {what}", value)
            return None
        return number

    def string(self, key: str, *, required: bool, what: str = "a non-empty string") -> str | None:
        """Read a non-empty string (numbers are not silently turned into strings)."""
        value = self.raw(key)
        if value is NOTHING:
            if required:
                self.missing(key, what)
            return None
        if not isinstance(value, str) or not value.strip():
            self.problems.add(self.at(key), f"must be {what}", value)
            return None
        return value.strip()

    def choice(
        self, key: str, choices: Mapping[str, str], *, required: bool, default: str | None = None
    ) -> str | None:
        """Read one of ``choices`` (accepted spelling -> canonical value)."""
        value = self.raw(key)
        if value is NOTHING:
            if required:
                self.missing(key, " | ".join(dict.fromkeys(choices.values())))
            return default
        if isinstance(value, str) and value in choices:
            return choices[value]
        guess = closest(str(value), list(choices))
        fix = f"did you mean {guess!r}?" if guess and guess != value else None
        names = ", ".join(dict.fromkeys(choices))
        self.problems.add(self.at(key), f"must be one of {names}", value, fix)
        return None
