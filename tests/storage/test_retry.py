"""The retry policy on its own: which failures are retried, how long it waits."""

from __future__ import annotations

import pytest
import requests
from google.api_core import exceptions as api

from odsweep.storage import _retry


def test_backoff_doubles_up_to_the_maximum_with_jitter_below() -> None:
    policy = _retry.RetryPolicy(attempts=8, initial=0.5, multiplier=2.0, maximum=4.0, jitter=0.25)
    assert [policy.delay(n, rng=lambda: 0.0) for n in range(1, 6)] == [0.5, 1.0, 2.0, 4.0, 4.0]
    assert policy.delay(1, rng=lambda: 1.0) == 0.375  # jitter only shortens a wait


@pytest.mark.parametrize(
    "exc",
    [
        api.TooManyRequests("slow down"),
        api.InternalServerError("boom"),
        api.BadGateway("boom"),
        api.ServiceUnavailable("boom"),
        api.GatewayTimeout("boom"),
        api.from_http_status(408, "slow"),
        ConnectionResetError(104, "Connection reset by peer"),
        requests.exceptions.ConnectionError("reset"),
        requests.exceptions.ChunkedEncodingError("cut"),
        requests.exceptions.ReadTimeout("slow"),
    ],
    ids=lambda e: type(e).__name__,
)
def test_transient_failures(exc: Exception) -> None:
    assert _retry.is_transient(exc)


@pytest.mark.parametrize(
    "exc",
    [api.NotFound("x"), api.Forbidden("x"), api.BadRequest("x"), ValueError("x")],
    ids=lambda e: type(e).__name__,
)
def test_permanent_failures(exc: Exception) -> None:
    assert not _retry.is_transient(exc)


def test_call_retries_transient_failures_then_succeeds() -> None:
    outcomes: list[Exception | str] = [api.ServiceUnavailable("a"), api.TooManyRequests("b"), "ok"]
    waits: list[float] = []

    def flaky() -> str:
        outcome = outcomes.pop(0)
        if isinstance(outcome, Exception):
            raise outcome
        return outcome

    policy = _retry.RetryPolicy(attempts=3, initial=1.0, jitter=0.0)
    assert _retry.call(flaky, what="read gs://b/x", policy=policy, sleep=waits.append) == "ok"
    assert waits == [1.0, 2.0]


def test_call_gives_up_after_the_last_attempt_and_on_permanent_errors() -> None:
    calls = 0

    def down() -> None:
        nonlocal calls
        calls += 1
        raise api.ServiceUnavailable("down")

    with pytest.raises(api.ServiceUnavailable):
        _retry.call(down, what="x", policy=_retry.RetryPolicy(attempts=3), sleep=lambda _: None)
    assert calls == 3

    def forbidden() -> None:
        nonlocal calls
        calls += 1
        raise api.Forbidden("no")

    calls = 0
    with pytest.raises(api.Forbidden):
        _retry.call(forbidden, what="x", policy=_retry.RetryPolicy(attempts=3), sleep=lambda _: 0)
    assert calls == 1


def test_describe_drops_the_request_url() -> None:
    exc = api.Forbidden("GET https://storage.googleapis.com/b/o?alt=media&sig=SECRET: denied")
    assert _retry.describe(exc) == "HTTP 403 denied"
    assert _retry.describe(ConnectionResetError("reset")) == "ConnectionResetError: reset"
