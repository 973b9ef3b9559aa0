"""A real PostgreSQL server on 127.0.0.1 for the session, a database per test.

The system's server binaries (Debian package ``postgresql``, installed by
scripts/bootstrap.sh). ``initdb`` refuses to run as root, and CI runs as root: then
the cluster belongs to the ``postgres`` system user (``runuser``), in a temp folder
chowned to it. The superuser has a password, so that tests can check it never leaks.
"""

from __future__ import annotations

import glob
import itertools
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import pytest

USER = "odsweep"
PASSWORD = "pw-Xq7-never-logged"
_counter = itertools.count(1)
INITDB_FLAGS = ("--auth=scram-sha-256", "--no-sync", "-E", "UTF8")


@dataclass(frozen=True)
class PgServer:
    port: int

    def url(self, db: str) -> str:
        return f"postgresql://{USER}:{PASSWORD}@127.0.0.1:{self.port}/{db}"

    def admin(self, sql: str) -> None:
        import psycopg

        with psycopg.connect(self.url("postgres"), autocommit=True) as conn:
            conn.execute(sql)  # type: ignore[arg-type]


def _bindir() -> str | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if found:
        return os.path.dirname(found[-1])
    initdb = shutil.which("initdb")
    return os.path.dirname(initdb) if initdb else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def running_server() -> Iterator[PgServer]:
    """Start a throwaway server (initdb in a temp folder); stopped and removed after.

    Raises:
        FileNotFoundError: no PostgreSQL server binaries on this machine.
    """
    bindir = _bindir()
    if bindir is None:
        raise FileNotFoundError("no PostgreSQL server binaries; run scripts/bootstrap.sh as root")
    root = tempfile.mkdtemp(prefix="odsweep-pg-")
    as_user: list[str] = []
    if os.getuid() == 0:
        pw = pwd.getpwnam("postgres")
        os.chmod(root, 0o700)
        os.chown(root, pw.pw_uid, pw.pw_gid)
        as_user = ["runuser", "-u", "postgres", "--"]
    data = os.path.join(root, "data")
    pwfile = os.path.join(root, "pw")
    with open(pwfile, "w") as fh:
        fh.write(PASSWORD + "\n")
    if as_user:
        os.chown(pwfile, pwd.getpwnam("postgres").pw_uid, -1)
    run = [*as_user]
    subprocess.run(
        [*run, f"{bindir}/initdb", "-D", data, "-U", USER, f"--pwfile={pwfile}", *INITDB_FLAGS],
        check=True,
        capture_output=True,
    )
    port = _free_port()
    options = f"-k {root} -p {port} -c listen_addresses=127.0.0.1 -c fsync=off"
    options += " -c max_connections=200"
    subprocess.run(
        [*run, f"{bindir}/pg_ctl", "-D", data, "-o", options, "-l", f"{root}/log", "-w", "start"],
        check=True,
        capture_output=True,
    )
    try:
        yield PgServer(port=port)
    finally:
        subprocess.run(
            [*run, f"{bindir}/pg_ctl", "-D", data, "-m", "immediate", "-w", "stop"],
            capture_output=True,
        )
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PgServer]:
    if _bindir() is None:
        pytest.skip("no PostgreSQL server binaries; run scripts/bootstrap.sh as root")
    with running_server() as server:
        yield server


@pytest.fixture
def pg_url(pg_server: PgServer) -> str:
    """A new, empty database of the session's server (its URL has the password)."""
    db = f"t{os.getpid()}_{next(_counter)}"
    pg_server.admin(f"CREATE DATABASE {db}")
    return pg_server.url(db)
