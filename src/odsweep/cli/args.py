"""Argument types shared by commands: each raises a one-line argparse error."""

from __future__ import annotations

import argparse

from odsweep.spec import ObjectiveType
from odsweep.spec._objective import OBJECTIVE_TYPE_ALIASES


def positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a positive integer, got {text!r}") from None
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be a positive integer, got {text!r}")
    return value


def non_negative_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be an integer >= 0, got {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be an integer >= 0, got {text!r}")
    return value


def objective(text: str) -> ObjectiveType:
    try:
        return ObjectiveType(OBJECTIVE_TYPE_ALIASES[text.lower()])
    except KeyError:
        raise argparse.ArgumentTypeError(
            f"must be maximize or minimize (or max/min), got {text!r}"
        ) from None


def assignment(text: str) -> tuple[str, str]:
    """``NAME=VALUE`` (the value may be empty; it may contain ``=``)."""
    name, sep, value = text.partition("=")
    if not sep or not name.strip():
        raise argparse.ArgumentTypeError(f"must look like NAME=VALUE, got {text!r}")
    return name.strip(), value
