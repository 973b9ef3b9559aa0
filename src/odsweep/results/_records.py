"""Reading a sweep's own records so that a damaged one is an input error, not a traceback.

``result.json`` and ``best.json`` are written atomically, so a truncated or ill-typed
one was damaged by something else (a disk fault, a hand edit, a foreign tool). It is
reported as :class:`InputError` naming the file and what is wrong; it is never read
as "no result", which would re-train a finished trial. What the callers do with the
error is their policy (see ``backends.optuna._engine`` and ``_recovery``).
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from typing import Any, TypeVar

from odsweep import storage
from odsweep.errors import InputError
from odsweep.results._layout import BEST_FILE, RESULT_FILE, TRIALS_DIR
from odsweep.results._selection import Best
from odsweep.results._trial import TrialResult

_R = TypeVar("_R", TrialResult, Best)


def _why(exc: BaseException) -> str:
    if isinstance(exc, json.JSONDecodeError):
        return f"invalid JSON at line {exc.lineno} column {exc.colno}: {exc.msg}"
    if isinstance(exc, KeyError):
        return f"missing key {exc.args[0]!r}" if exc.args else "a missing key"
    return " ".join(str(exc).split())[:200] or type(exc).__name__


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _result_problem(result: TrialResult) -> str | None:
    """What from_json lets through that readers would trip over later."""
    if not isinstance(result.trial, str) or not result.trial:
        return f"'trial' must be a non-empty string, got {result.trial!r}"
    if not isinstance(result.params, Mapping):
        return f"'params' must be an object, got {type(result.params).__name__}"
    if not isinstance(result.metric, str):
        return f"'metric' must be a string, got {result.metric!r}"
    for i, record in enumerate(result.evals):
        if not isinstance(record.checkpoint, str):
            return f"evals[{i}].checkpoint must be a string, got {record.checkpoint!r}"
        bad = [k for k, v in record.metrics.items() if not _number(v)]
        if bad:
            return f"evals[{i}].metrics[{bad[0]!r}] must be a number"
    if result.best is not None and (
        not isinstance(result.best.checkpoint, str) or math.isnan(result.best.value)
    ):
        return "'best' must have a string checkpoint and a number value"
    return None


def parse_result(text: str, *, path: str) -> TrialResult:
    """A ``result.json``'s text as a TrialResult.

    Raises:
        InputError: ``<path>: not a valid result.json (<what>); ...``.
    """
    try:
        result = TrialResult.from_json(text)
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        problem: str | None = _why(exc)
    else:
        problem = _result_problem(result)
    if problem is not None:
        raise InputError(f"{path}: not a valid result.json ({problem}); {_RESULT_FIX}")
    return result


_RESULT_FIX = (
    "restore it from a backup, or move the trial's folder out of the output to run that trial again"
)
_BEST_FIX = (
    "delete it (it is rewritten from the trials' result.json at the end of the sweep) or "
    "restore it from a backup"
)


def _text_if_any(path: str, *, key: str, what: str, fix: str) -> str | None:
    """A record file's text; None when there is none; InputError when it is not UTF-8."""
    if not storage.exists(path):
        return None
    raw = storage.read_bytes(path, key=key)
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(
            f"{path}: not a valid {what} (not UTF-8 text: {exc.reason} at byte {exc.start}); {fix}"
        ) from exc


def read_result_checked(trial_dir: str) -> TrialResult | None:
    """The trial's ``result.json``; None only when there is none.

    Raises:
        InputError: the file exists but is unreadable, truncated or ill-typed.
    """
    path = storage.join(trial_dir, RESULT_FILE)
    text = _text_if_any(path, key="result", what="result.json", fix=_RESULT_FIX)
    return None if text is None else parse_result(text, path=path)


def read_best_checked(output_dir: str) -> Best | None:
    """The output's ``best.json``; None only when there is none.

    Raises:
        InputError: the file exists but is unreadable, truncated or ill-typed.
    """
    path = storage.join(output_dir, BEST_FILE)
    text = _text_if_any(path, key="best.json", what="best.json", fix=_BEST_FIX)
    if text is None:
        return None
    try:
        best = Best.from_json(text)
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        problem: str | None = _why(exc)
    else:
        problem = None
        if not isinstance(best.trial, str) or not isinstance(best.checkpoint, str):
            problem = "'trial' and 'checkpoint' must be strings"
        elif not isinstance(best.params, Mapping) or not isinstance(best.metrics, Mapping):
            problem = "'params' and 'metrics' must be objects"
        elif not isinstance(best.export, Mapping):
            problem = "'export' must be an object"
    if problem is not None:
        raise InputError(f"{path}: not a valid best.json ({problem}); {_BEST_FIX}")
    return best


def read_result(trial_dir: str) -> TrialResult:
    """Read ``<trial_dir>/result.json``.

    Raises:
        InputError: it is missing, unreadable, truncated or ill-typed (the file named).
    """
    return _required(
        read_result_checked(trial_dir),
        storage.join(trial_dir, RESULT_FILE),
        "give a trial folder of a sweep's output",
    )


def read_best(output_dir: str) -> Best:
    """Read ``<output_dir>/best.json``.

    Raises:
        InputError: it is missing, unreadable, truncated or ill-typed (the file named).
    """
    fix = f"run `odsweep best {output_dir}` (or the sweep) first"
    return _required(read_best_checked(output_dir), storage.join(output_dir, BEST_FILE), fix)


def _required(record: _R | None, path: str, fix: str) -> _R:
    if record is None:
        raise InputError(f"{path}: no {path.rsplit('/', 1)[-1]}; {fix}")
    return record


def trial_results(output_dir: str) -> list[TrialResult]:
    """Every trial's result.json under ``<output>/trials``, in trial-number order.

    Folders whose names start with ``.`` (earlier attempts set aside) are not trials.

    Raises:
        InputError: a result.json is damaged (the file named).
    """
    root = storage.join(output_dir, TRIALS_DIR)
    names = [
        n
        for n in storage.list_dir(root)
        if not n.startswith(".") and storage.exists(storage.join(root, n, RESULT_FILE))
    ]

    def number(name: str) -> tuple[int, str]:
        tail = name.rsplit("-", 1)[-1]
        return (int(tail) if tail.isdigit() else 1 << 30, name)

    return [read_result(storage.join(root, n)) for n in sorted(names, key=number)]
