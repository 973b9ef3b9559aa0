"""One ``odsweep run`` at a time per output with a SQLite study.

Two engines on one SQLite study would hand out the same trial names and train into
the same folders. The lock is ``fcntl.flock`` on ``<state dir>/odsweep.lock`` (the
local state dir: the output itself, or for ``gs://`` the folder beside the default
local study). The kernel drops a flock when its process dies, even by SIGKILL, so a
lock left by a killed run is stale by construction and simply taken over; the
pid/host/start time written inside only serve the refusal message and the log line
that says a stale lock was taken over.

A shared non-SQLite study (PostgreSQL) is the intended way for several workers to
run one sweep, so no lock is taken for one (:func:`needs_lock`).
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime

from odsweep.errors import InputError

logger = logging.getLogger(__name__)

LOCK_FILE = "odsweep.lock"


@dataclass(frozen=True)
class Holder:
    """Who holds (or last held) a lock, as written in the lock file."""

    pid: int | None
    host: str
    since: str

    def describe(self) -> str:
        pid = "?" if self.pid is None else str(self.pid)
        return f"pid {pid} on {self.host or '?'} since {self.since or '?'}"


def needs_lock(storage_url: str) -> bool:
    """Only a SQLite study is private to one engine; a server database is shared on purpose."""
    return storage_url.lower().startswith("sqlite")


def _read_holder(fd: int) -> Holder | None:
    os.lseek(fd, 0, os.SEEK_SET)
    raw = os.read(fd, 4096)
    if not raw.strip():
        return None
    try:
        doc = json.loads(raw)
        pid = doc.get("pid")
        return Holder(
            pid=pid if isinstance(pid, int) else None,
            host=str(doc.get("host", "")),
            since=str(doc.get("since", "")),
        )
    except (ValueError, AttributeError):  # a lock file torn by a crash mid-write
        return Holder(pid=None, host="", since="")


def _write_holder(fd: int) -> None:
    doc = {
        "pid": os.getpid(),
        "host": socket.gethostname(),
        "since": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    os.ftruncate(fd, 0)
    os.lseek(fd, 0, os.SEEK_SET)
    os.write(fd, (json.dumps(doc) + "\n").encode())
    os.fsync(fd)


@contextmanager
def run_lock(state_dir: str, *, output_dir: str) -> Iterator[None]:
    """Hold the output's run lock for the ``with`` block; refuse at once if it is held.

    Args:
        state_dir: The local folder the lock file lives in (created if missing).
        output_dir: The sweep's output, for the message.

    Raises:
        InputError: another live process holds the lock (its pid, host, start time).
    """
    os.makedirs(state_dir, exist_ok=True)
    path = os.path.join(state_dir, LOCK_FILE)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = _read_holder(fd)
            who = holder.describe() if holder else "another process"
            raise InputError(
                f"--output: {output_dir} is in use by another odsweep run ({who}, lock "
                f"{path}); wait for it to end or stop it, or choose another --output"
            ) from None
        stale = _read_holder(fd)
        if stale is not None:
            logger.warning(
                "taking over the lock %s left by a run that is gone (%s)", path, stale.describe()
            )
        _write_holder(fd)
        try:
            yield
        finally:
            # Emptied, not removed: unlinking a flock'ed file lets a waiter and a newcomer
            # each lock a different inode. An empty file reads as "no previous holder".
            os.ftruncate(fd, 0)
    finally:
        os.close(fd)


@contextmanager
def maybe_run_lock(state_dir: str, *, output_dir: str, storage_url: str) -> Iterator[None]:
    """:func:`run_lock` for a SQLite study; nothing for a shared server study."""
    if not needs_lock(storage_url):
        yield
        return
    with run_lock(state_dir, output_dir=output_dir):
        yield
