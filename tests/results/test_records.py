"""Damaged result.json / best.json are input errors naming the file and the fault."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from odsweep.errors import InputError
from odsweep.results import read_best_checked, read_result_checked

GOOD = (
    '{"trial": "t-1", "params": {"lr": 0.1}, "status": "succeeded", "metric": "m", '
    '"objective": "maximize", "evals": [{"step": 10, "checkpoint": "c", "metrics": {"m": 0.5}}], '
    '"best": {"step": 10, "checkpoint": "c", "value": 0.5}}'
)


@pytest.mark.parametrize(
    ("text", "why"),
    [
        (GOOD[:50], r"invalid JSON at line 1 column 51: Expecting value"),
        (GOOD.replace('"status": "succeeded"', '"status": 3'), r"3 is not a valid TrialStatus"),
        (GOOD.replace('"evals": [', '"evals": ["x", '), r"string indices must be integers"),
        (GOOD.replace('"trial": "t-1"', '"trial": 7'), r"'trial' must be a non-empty string"),
        (GOOD.replace('{"m": 0.5}', '{"m": "high"}'), r"evals\[0\]\.metrics\['m'\] must be a"),
        (GOOD.replace('"metric": "m", ', ""), r"missing key 'metric'"),
        ("[]", r"'list' object has no attribute 'get'"),
    ],
)
def test_a_damaged_result_is_an_input_error(tmp_path: Path, text: str, why: str) -> None:
    path = tmp_path / "result.json"
    path.write_text(text)
    before = hashlib.sha256(path.read_bytes()).hexdigest()
    with pytest.raises(InputError, match=rf"^{path}: not a valid result.json \({why}"):
        read_result_checked(str(tmp_path))
    assert hashlib.sha256(path.read_bytes()).hexdigest() == before


def test_binary_garbage_is_named(tmp_path: Path) -> None:
    (tmp_path / "result.json").write_bytes(b"\xff\xfe\x00garbage")
    with pytest.raises(InputError, match=r"not a valid result.json \(not UTF-8 text"):
        read_result_checked(str(tmp_path))


def test_a_good_or_missing_result(tmp_path: Path) -> None:
    assert read_result_checked(str(tmp_path)) is None
    (tmp_path / "result.json").write_text(GOOD)
    result = read_result_checked(str(tmp_path))
    assert result is not None and result.best is not None and result.best.value == 0.5


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ('{"trial": "t-1"', r"invalid JSON at line 1 column 16"),
        ('{"trial": "t-1"}', r"missing key 'params'"),
        (
            '{"trial": "t-1", "params": {}, "metric": "m", "value": "x", "step": 1, '
            '"checkpoint": "c", "metrics": {}, "objective": "maximize"}',
            r"could not convert string to float: 'x'",
        ),
        (
            '{"trial": "t-1", "params": [], "metric": "m", "value": 1, "step": 1, '
            '"checkpoint": "c", "metrics": {}, "objective": "maximize"}',
            r"'params' and 'metrics' must be objects",
        ),
    ],
)
def test_a_damaged_best_is_an_input_error(tmp_path: Path, text: str, why: str) -> None:
    (tmp_path / "best.json").write_text(text)
    with pytest.raises(InputError, match=rf"^{tmp_path}/best.json: not a valid best.json \({why}"):
        read_best_checked(str(tmp_path))
    assert read_best_checked(str(tmp_path / "nothing")) is None
