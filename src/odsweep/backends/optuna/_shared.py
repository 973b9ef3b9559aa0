"""Several workers on one study: the study lock, liveness, the end claimed once.

Workers on several machines share a PostgreSQL study. What must happen once across
them is done while holding the study lock, a PostgreSQL transaction-level advisory
lock keyed by the study's name (``pg_advisory_xact_lock``):

- starting trials: count the study's trials, ask, name and claim, so that two workers
  asking at the same instant neither exceed ``maxTrialCount`` nor take the same name
  (the name is one more than the highest so far, read under the lock);
- taking over a dead worker's trials (``_record.take_over``);
- recording the spec fingerprint of a new study;
- choosing the one worker that selects, exports and reports (:func:`claim_end`).

Why an advisory lock rather than a row of our own: it needs no table in Optuna's
schema, it is released by the server when the holder's connection ends (a worker
killed mid-section blocks nobody), and the idle-in-transaction timeout set with it
frees it when the holder's machine is lost without closing its connection. The
Optuna calls inside the section run on the storage's other connections and commit
each on their own, so every worker that takes the lock next sees them.

A SQLite study has one worker (``odsweep.runlock``), so the lock is a no-op there.
"""

from __future__ import annotations

import hashlib
import logging
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from odsweep.errors import InputError, OdsweepError
from odsweep.secrets import mask_text

logger = logging.getLogger(__name__)

HEARTBEAT_ENV = "ODSWEEP_HEARTBEAT_SECONDS"
GRACE_ENV = "ODSWEEP_GRACE_SECONDS"
END_ATTR = "odsweep_end_by"
# A lock holder idle this long inside its section is gone (machine lost): the server
# ends its session, which frees the lock. The section itself takes well under a second.
LOCK_IDLE_TIMEOUT = "60s"


@dataclass(frozen=True)
class Liveness:
    """How often a running trial's heartbeat is written, and how old it may get before
    another worker takes the trial over (whole seconds: Optuna's RDB heartbeat)."""

    heartbeat: int = 30
    grace: int = 120

    @classmethod
    def from_env(cls) -> Liveness:
        """The defaults, or ``ODSWEEP_HEARTBEAT_SECONDS`` / ``ODSWEEP_GRACE_SECONDS``."""
        heartbeat = _seconds(HEARTBEAT_ENV, cls.heartbeat)
        grace = _seconds(GRACE_ENV, cls.grace)
        if grace <= heartbeat:
            raise InputError(
                f"{GRACE_ENV}: must be greater than the heartbeat interval ({heartbeat} s), "
                f"got {grace}; a live worker's trial would be taken over"
            )
        return cls(heartbeat=heartbeat, grace=grace)

    @property
    def cut_off_limit(self) -> float:
        """How long a worker may fail to reach the study before it stops its trials:
        one heartbeat less than the grace period, so it has stopped them before any
        other worker may take them over."""
        return float(self.grace - self.heartbeat)


def _seconds(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None:
        return default
    if not raw.isdigit() or int(raw) < 1:
        raise InputError(f"{name}: must be a whole number of seconds >= 1, got {raw!r}")
    return int(raw)


def rdb(study: Any) -> Any:
    """The study's ``RDBStorage`` (Optuna wraps it in a cache)."""
    storage = study._storage
    return getattr(storage, "_backend", storage)


def is_shared(study: Any) -> bool:
    return bool(rdb(study).engine.dialect.name == "postgresql")


def lock_key(study_name: str) -> int:
    """A signed 64-bit key for the study (the advisory lock's key space)."""
    digest = hashlib.sha256(f"odsweep:{study_name}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


@contextmanager
def study_lock(study: Any) -> Iterator[None]:
    """Hold the study's lock for the ``with`` block (no-op for a private SQLite study)."""
    if not is_shared(study):
        yield
        return
    from sqlalchemy import text

    with rdb(study).engine.connect() as conn, conn.begin():
        timeout = f"SET LOCAL idle_in_transaction_session_timeout = '{LOCK_IDLE_TIMEOUT}'"
        conn.execute(text(timeout))
        key = lock_key(study.study_name)
        conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})
        yield


@contextmanager
def creation_lock(url: str) -> Iterator[None]:
    """Held while the study's tables and the study itself are created: two workers
    starting at once on an empty database would both create Optuna's schema, and one
    would fail on a duplicate type. ``url`` is the SQLAlchemy one (no-op but PostgreSQL)."""
    if not url.lower().startswith("postgresql"):
        yield
        return
    from sqlalchemy import create_engine, text
    from sqlalchemy.pool import NullPool

    engine = create_engine(url, poolclass=NullPool)
    try:
        with engine.connect() as conn, conn.begin():
            conn.execute(
                text(f"SET LOCAL idle_in_transaction_session_timeout = '{LOCK_IDLE_TIMEOUT}'")
            )
            conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": lock_key("")})
            yield
    finally:
        engine.dispose()


def claim_end(study: Any, me: str, *, gone: Any) -> str:
    """Who selects, exports and reports: the first worker to ask, or this one when that
    worker is known to be gone (``gone(owner)``). Returns that worker's id."""
    storage = rdb(study)
    with study_lock(study):
        holder = storage.get_study_system_attrs(study._study_id).get(END_ATTR)
        if isinstance(holder, str) and holder != me and not gone(holder):
            return holder
        storage.set_study_system_attr(study._study_id, END_ATTR, me)
    return me


class StudyUnreachable(OdsweepError):
    """This worker lost the study database for too long; its trials were stopped."""


def db_errors() -> tuple[type[BaseException], ...]:
    import optuna
    from sqlalchemy.exc import SQLAlchemyError

    return (SQLAlchemyError, optuna.exceptions.StorageInternalError)


class Contact:
    """Tracks how long the study has been unreachable; gives up past the limit."""

    def __init__(self, liveness: Liveness, where: str) -> None:
        self.liveness = liveness
        self.where = where
        self.last_ok = time.monotonic()
        self.lost_since: float | None = None

    def ok(self) -> None:
        if self.lost_since is not None:
            logger.info("the study at %s is reachable again", self.where)
        self.last_ok = time.monotonic()
        self.lost_since = None

    def lost(self, exc: BaseException, reason: str) -> None:
        """Note a failed database call.

        Raises:
            StudyUnreachable: nothing reached the study for longer than the limit.
        """
        now = time.monotonic()
        why = mask_text(reason)
        if self.lost_since is None:
            self.lost_since = now
            logger.warning(
                "cannot reach the study at %s (%s); trials go on for up to %.0f s",
                self.where,
                why,
                self.liveness.cut_off_limit,
            )
        if now - self.last_ok > self.liveness.cut_off_limit:
            raise StudyUnreachable(
                f"lost the study at {self.where} for {now - self.last_ok:.0f} s ({why}): "
                "stopped this worker's trials before another worker takes them over; run "
                "the same command again once the database is reachable"
            ) from exc
