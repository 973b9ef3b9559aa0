"""spec.trialStallTimeoutSeconds and spec.trialTimeoutSeconds: defaults, values, errors."""

from __future__ import annotations

import pytest
from spec_fixtures import errors, parse, valid_doc

from odsweep.spec import DEFAULT_STALL_TIMEOUT_SECONDS


def test_defaults_are_a_generous_stall_timeout_and_no_time_limit() -> None:
    spec = parse(valid_doc())
    assert spec.trial_stall_timeout_seconds == DEFAULT_STALL_TIMEOUT_SECONDS == 1800
    assert spec.trial_timeout_seconds is None


def test_both_keys_are_read() -> None:
    doc = valid_doc()
    doc["spec"].update(trialStallTimeoutSeconds=600, trialTimeoutSeconds=7200)
    spec = parse(doc)
    assert (spec.trial_stall_timeout_seconds, spec.trial_timeout_seconds) == (600, 7200)


@pytest.mark.parametrize("key", ["trialStallTimeoutSeconds", "trialTimeoutSeconds"])
@pytest.mark.parametrize("value", [0, -5, "soon", 1.5])
def test_a_bad_value_is_refused(key: str, value: object) -> None:
    doc = valid_doc()
    doc["spec"][key] = value
    assert errors(doc) == [f"spec.{key}: must be an integer number of seconds > 0, got {value!r}"]
