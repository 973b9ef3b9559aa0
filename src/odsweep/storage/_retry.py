"""Retries with exponential backoff for transient object-store failures.

Transient: HTTP 408, 429 and 5xx answers, connection resets and timeouts. Everything
else (404, 403, a bad request) fails at once: retrying cannot change the answer.
google-cloud-storage has its own retry, but by default it does not retry uploads
(they are not conditional), so odsweep turns the library's off and retries every
call itself, uniformly, with one policy that the tests can shorten.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

logger = logging.getLogger(__name__)

T = TypeVar("T")

TRANSIENT_STATUS = frozenset({408, 429, 500, 502, 503, 504})


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how patiently a call is tried.

    Attributes:
        attempts: Tries in all (1 = no retry).
        initial: Seconds before the first retry.
        multiplier: Each wait is this many times the previous one...
        maximum: ...up to this many seconds.
        jitter: Each wait is shortened by up to this fraction at random, so that
            parallel trials do not retry in lockstep.
    """

    attempts: int = 6
    initial: float = 0.5
    multiplier: float = 2.0
    maximum: float = 16.0
    jitter: float = 0.25

    def delay(self, retry: int, *, rng: Callable[[], float] = random.random) -> float:
        """The wait before retry number ``retry`` (1-based)."""
        base = min(self.maximum, self.initial * self.multiplier ** (retry - 1))
        return base * (1.0 - self.jitter * rng())


# With the defaults a call is tried 6 times over about 15 s: long enough to ride out
# a 429 burst or a rolling restart, short enough that a real outage is reported soon.
POLICY = RetryPolicy()


def status_of(exc: BaseException) -> int | None:
    """The HTTP status of a google-api-core error, if it carries one."""
    code = getattr(exc, "code", None)
    return code if isinstance(code, int) else None


def is_transient(exc: BaseException) -> bool:
    """True for failures that another try may not meet."""
    status = status_of(exc)
    if status is not None:
        return status in TRANSIENT_STATUS
    import requests
    from google.auth.exceptions import TransportError

    transient: tuple[type[BaseException], ...] = (
        ConnectionError,  # includes ConnectionResetError, BrokenPipeError
        TimeoutError,
        requests.exceptions.ConnectionError,
        requests.exceptions.ChunkedEncodingError,
        requests.exceptions.Timeout,
        TransportError,  # the token endpoint was unreachable
    )
    try:
        from google.resumable_media import DataCorruption

        transient += (DataCorruption,)  # a checksum mismatch: the bytes were damaged in transit
    except ImportError:  # pragma: no cover - shipped with google-cloud-storage
        pass
    return isinstance(exc, transient)


def _retry_after(exc: BaseException) -> float | None:
    """A server's ``Retry-After`` in seconds (429/503 may carry one)."""
    response = getattr(exc, "response", None)
    headers = getattr(response, "headers", None)
    if headers is None:
        return None
    try:
        value = headers.get("Retry-After")
        return float(value) if value is not None else None
    except (TypeError, ValueError):
        return None


def call(
    fn: Callable[[], T],
    *,
    what: str,
    policy: RetryPolicy | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> T:
    """``fn()``, tried again after transient failures.

    Args:
        fn: The call; it must be safe to repeat (every odsweep write is a whole-object
            upload of the same bytes, so it is).
        what: Names the call in the retry log lines, e.g. ``read gs://b/x``.
        policy: Default: :data:`POLICY` (looked up at call time, so tests can patch it).
        sleep: Waits between tries.

    Raises:
        The last exception, unchanged, when it is not transient or no try is left.
    """
    policy = policy or POLICY
    for attempt in range(1, policy.attempts + 1):
        try:
            return fn()
        except Exception as exc:
            if attempt >= policy.attempts or not is_transient(exc):
                raise
            delay = policy.delay(attempt)
            after = _retry_after(exc)
            if after is not None:
                delay = min(policy.maximum, max(delay, after))
            logger.warning(
                "%s: %s; try %d of %d in %.1f s",
                what,
                describe(exc),
                attempt + 1,
                policy.attempts,
                delay,
            )
            sleep(delay)
    raise AssertionError("unreachable")  # pragma: no cover - the loop returns or raises


def describe(exc: BaseException) -> str:
    """A short, secret-free description: the status and the server's reason.

    google-api-core messages start with the request's method and URL; the URL is
    dropped (it is long, and a signed URL's query would be a credential).
    """
    status = status_of(exc)
    reason = _server_reason(exc)
    if status is not None:
        return f"HTTP {status} {reason}".rstrip()
    return f"{type(exc).__name__}: {reason}".rstrip(": ")


def _server_reason(exc: BaseException) -> str:
    response = getattr(exc, "response", None)
    text = getattr(response, "text", None)
    if isinstance(text, str) and text.strip():
        import json

        try:
            error = json.loads(text).get("error", {})
            message = error.get("message") if isinstance(error, dict) else None
            if isinstance(message, str) and message.strip():
                return _one_line(message)
        except (ValueError, AttributeError):
            pass
    message = getattr(exc, "message", None)
    if not isinstance(message, str):
        message = str(exc)
    # "GET https://host/path?query: reason" -> "reason"
    head, sep, tail = message.partition(": ")
    if sep and head.split(" ", 1)[0] in {"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD"}:
        message = tail
    return _one_line(message)


def _one_line(text: str, limit: int = 240) -> str:
    line = " ".join(text.split())
    return line if len(line) <= limit else f"{line[: limit - 3]}..."
