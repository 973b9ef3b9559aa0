"""Coerce override values (numbers, bools, strings, lists; often strings from Katib)."""

from __future__ import annotations

import json
import math
from decimal import Decimal, InvalidOperation
from typing import Any

from google.protobuf.descriptor import FieldDescriptor

from odsweep.errors import InputError
from odsweep.odconfig._schema import FieldKind, FieldRef, suggest

_FLOAT32_MAX = 3.4028234663852886e38
_INT_RANGES: dict[FieldKind, tuple[int, int]] = {
    FieldKind.INT32: (-(2**31), 2**31 - 1),
    FieldKind.INT64: (-(2**63), 2**63 - 1),
    FieldKind.UINT32: (0, 2**32 - 1),
    FieldKind.UINT64: (0, 2**64 - 1),
}
_MAX_SHOWN_VALUE = 80


def _show(value: object) -> str:
    """repr() of a value, one line and bounded, for error messages."""
    text = repr(value)
    return text if len(text) <= _MAX_SHOWN_VALUE else text[: _MAX_SHOWN_VALUE - 3] + "..."


class _Bad(Exception):
    """One element failed; carries the rule and the fix (the caller adds key and value)."""

    def __init__(self, rule: str, fix: str) -> None:
        super().__init__(rule)
        self.rule = rule
        self.fix = fix


def _to_float(ref: FieldRef, value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise _Bad("needs a number", "give a number such as 0.01")
    try:
        number = float(value.strip() if isinstance(value, str) else value)
    except (ValueError, OverflowError):
        raise _Bad("needs a number", "give a number such as 0.01") from None
    if not math.isfinite(number):
        raise _Bad("needs a finite number", "give a finite number")
    if ref.kind is FieldKind.FLOAT and abs(number) > _FLOAT32_MAX:
        raise _Bad("is out of the 32-bit float range", f"give a magnitude <= {_FLOAT32_MAX:.7g}")
    return number


def _to_int(ref: FieldRef, value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise _Bad("needs a whole number", "give an integer such as 8")
    if isinstance(value, int):
        number = value
    else:
        # Decimal, not float: "9007199254740993" must not lose its last digit.
        try:
            exact = Decimal(value.strip()) if isinstance(value, str) else Decimal(value)
        except (InvalidOperation, ValueError):
            raise _Bad("needs a whole number", "give an integer such as 8") from None
        if not exact.is_finite() or exact != exact.to_integral_value():
            raise _Bad("needs a whole number (no fractional part)", "give an integer such as 8")
        number = int(exact)
    low, high = _INT_RANGES[ref.kind]
    if not low <= number <= high:
        raise _Bad(f"is out of range [{low}, {high}]", "give a value in that range")
    return number


def _to_bool(value: object) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    raise _Bad("needs a bool", "give true or false")


def _to_enum(ref: FieldRef, value: object) -> int:
    valid = list(ref.enum_values)
    names = ", ".join(valid)
    if not isinstance(value, str):
        raise _Bad("takes a value name, not a number", f"give one of {names}")
    name = value.strip()
    if name not in ref.enum_values:
        raise _Bad("has no such value (names are case-sensitive)", suggest(name, valid))
    number: int = ref.descriptor.enum_type.values_by_name[name].number
    return number


def _to_string(ref: FieldRef, value: object) -> str | bytes:
    if not isinstance(value, str):
        raise _Bad("needs a string", "quote the value")
    if ref.descriptor is not None and ref.descriptor.type == FieldDescriptor.TYPE_BYTES:
        return value.encode("utf-8")
    return value


def _scalar(ref: FieldRef, value: object) -> object:
    kind = ref.kind
    if kind in (FieldKind.FLOAT, FieldKind.DOUBLE):
        return _to_float(ref, value)
    if kind in _INT_RANGES:
        return _to_int(ref, value)
    if kind is FieldKind.BOOL:
        return _to_bool(value)
    if kind is FieldKind.ENUM:
        return _to_enum(ref, value)
    if kind is FieldKind.STRING:
        return _to_string(ref, value)
    raise _Bad("is a message and takes no value", "extend the path to a scalar field")


def _split_list(text: str) -> list[Any] | None:
    """Parse "[1.0,2.0,0.5]" / '["a", "b"]' / "[RELU, NONE]"; None if not bracketed.

    JSON first (handles quoted strings with commas); otherwise split on commas and
    strip quotes, since Katib passes values such as ``[RELU_6,NONE]`` unquoted.
    """
    stripped = text.strip()
    if not (stripped.startswith("[") and stripped.endswith("]")):
        return None
    try:
        parsed = json.loads(stripped)
    except ValueError:
        parsed = None
    if isinstance(parsed, list):
        return parsed
    inner = stripped[1:-1].strip()
    if not inner:
        return []
    items = [item.strip() for item in inner.split(",")]
    return [
        item[1:-1] if len(item) >= 2 and item[0] == item[-1] and item[0] in "'\"" else item
        for item in items
    ]


def coerce_value(ref: FieldRef, value: object, *, key: str) -> object:
    """Convert an override value to what the proto field stores.

    Numbers may arrive as numbers or strings; ints must be integral and in range;
    floats finite (and in float32 range for float fields); bools are true/false
    (bool or case-insensitive string); enums are given by name and stored as their
    number; strings are taken as given. A repeated scalar field takes a list (or a
    string such as ``"[1.0,2.0,0.5]"``) and replaces the whole list.

    Args:
        ref: The target field, from ``resolve_field``.
        value: The raw value.
        key: Name used at the start of error messages.

    Returns:
        The typed value (a list for repeated fields).

    Raises:
        InputError: Every bad element, one line each with key, rule, value and fix.
    """
    if not ref.repeated:
        try:
            return _scalar(ref, value)
        except _Bad as bad:
            raise InputError(
                f"{key}: {ref.qualified_field} ({ref.type_name}) {bad.rule}, "
                f"got {_show(value)}; {bad.fix}"
            ) from None
    items: list[Any] | None
    if isinstance(value, list | tuple):
        items = list(value)
    elif isinstance(value, str):
        items = _split_list(value)
    else:
        items = None
    if items is None:
        raise InputError(
            f"{key}: {ref.qualified_field} is a {ref.type_name} field and takes a list, "
            f'got {_show(value)}; give a list such as [1.0, 2.0] (or the string "[1.0,2.0]")'
        )
    out: list[object] = []
    errors: list[str] = []
    for i, item in enumerate(items):
        try:
            out.append(_scalar(ref, item))
        except _Bad as bad:
            errors.append(
                f"{key}[{i}]: element of {ref.qualified_field} ({ref.type_name}) {bad.rule}, "
                f"got {_show(item)}; {bad.fix}"
            )
    if errors:
        raise InputError(errors)
    return out
