"""One run per output with a SQLite study: real processes hold and contend for the lock."""

from __future__ import annotations

import logging
import signal
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from odsweep.errors import EXIT_BAD_INPUT, InputError
from odsweep.runlock import LOCK_FILE, maybe_run_lock, needs_lock, run_lock

HOLD = """
import sys
from odsweep.runlock import run_lock
with run_lock(sys.argv[1], output_dir=sys.argv[2]):
    print("HELD", flush=True)
    sys.stdin.read()
"""

TRY = """
import sys
from odsweep.errors import InputError
from odsweep.runlock import run_lock
try:
    with run_lock(sys.argv[1], output_dir=sys.argv[2]):
        print("GOT IT")
except InputError as exc:
    print(exc, file=sys.stderr)
    sys.exit(exc.exit_code)
"""


def _holder(state: Path, out: str) -> subprocess.Popen[str]:
    proc = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(state), out],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None and proc.stdout.readline() == "HELD\n"
    return proc


def test_a_second_run_is_refused_naming_the_first(tmp_path: Path) -> None:
    out = str(tmp_path / "out")
    holder = _holder(tmp_path, out)
    try:
        second = subprocess.run(
            [sys.executable, "-c", TRY, str(tmp_path), out],
            capture_output=True,
            text=True,
            timeout=60,
        )
    finally:
        holder.communicate("", timeout=60)
    assert second.returncode == EXIT_BAD_INPUT
    assert second.stderr.strip() == (
        f"--output: {out} is in use by another odsweep run (pid {holder.pid} on "
        f"{socket.gethostname()} since {_since(second.stderr)}, lock {tmp_path}/{LOCK_FILE}); "
        "wait for it to end or stop it, or choose another --output"
    )
    # Once the first run ends, the lock is free again.
    third = subprocess.run(
        [sys.executable, "-c", TRY, str(tmp_path), out], capture_output=True, text=True, timeout=60
    )
    assert third.returncode == 0 and third.stdout == "GOT IT\n"


def _since(text: str) -> str:
    return text.split(" since ", 1)[1].split(",", 1)[0]


def test_a_lock_left_by_a_killed_run_is_taken_over(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    out = str(tmp_path / "out")
    holder = _holder(tmp_path, out)
    holder.send_signal(signal.SIGKILL)
    holder.wait(timeout=60)
    assert f'"pid": {holder.pid}' in (tmp_path / LOCK_FILE).read_text()  # left behind
    with caplog.at_level(logging.WARNING), run_lock(str(tmp_path), output_dir=out):
        assert f'"pid": {holder.pid}' not in (tmp_path / LOCK_FILE).read_text()
    assert f"left by a run that is gone (pid {holder.pid} on {socket.gethostname()}" in (
        caplog.text
    )


def test_the_same_process_cannot_take_it_twice(tmp_path: Path) -> None:
    with (
        run_lock(str(tmp_path), output_dir="out"),
        pytest.raises(InputError, match=r"^--output: out is in use by another odsweep run"),
        run_lock(str(tmp_path), output_dir="out"),
    ):
        pass


def test_a_shared_server_study_takes_no_lock(tmp_path: Path) -> None:
    url = "postgresql://u:pw@db/odsweep"
    assert not needs_lock(url) and needs_lock("sqlite:////tmp/x.db")
    with (
        maybe_run_lock(str(tmp_path), output_dir="out", storage_url=url),
        maybe_run_lock(str(tmp_path), output_dir="out", storage_url=url),
    ):
        assert not (tmp_path / LOCK_FILE).exists()
