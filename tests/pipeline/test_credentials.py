"""A step's GCP key file exists only while the step runs, and never outlives it."""

from __future__ import annotations

import os
import signal
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from odsweep.pipeline._credentials import (
    CREDENTIALS_ENV,
    CREDENTIALS_JSON_ENV,
    CREDENTIALS_SECRET_ENV,
    credentials_secret,
    secret_credentials,
)

KEY = '{"type": "service_account", "private_key": "not-a-real-key"}'
REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def key_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(CREDENTIALS_ENV, raising=False)
    monkeypatch.setenv(CREDENTIALS_JSON_ENV, KEY)


def test_no_key_means_no_file_and_workload_identity(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(CREDENTIALS_ENV, raising=False)
    monkeypatch.delenv(CREDENTIALS_JSON_ENV, raising=False)
    with secret_credentials() as path:
        assert path is None
        assert CREDENTIALS_ENV not in os.environ
    assert credentials_secret() is None


@pytest.mark.usefixtures("key_env")
def test_key_file_is_private_and_gone_when_the_step_returns() -> None:
    with secret_credentials() as path:
        assert path is not None and os.environ[CREDENTIALS_ENV] == path
        assert Path(path).read_text() == KEY
        assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
        assert stat.S_IMODE(os.stat(os.path.dirname(path)).st_mode) == 0o700
    assert not os.path.exists(path) and not os.path.exists(os.path.dirname(path))
    assert CREDENTIALS_ENV not in os.environ


@pytest.mark.usefixtures("key_env")
def test_key_file_is_gone_when_the_step_raises() -> None:
    with pytest.raises(RuntimeError, match=r"^step failed$"), secret_credentials() as path:
        assert path is not None and os.path.exists(path)
        raise RuntimeError("step failed")
    assert not os.path.exists(os.path.dirname(path))
    assert CREDENTIALS_ENV not in os.environ


def test_an_explicit_key_file_wins_and_is_left_alone(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    mine = tmp_path / "mine.json"
    mine.write_text("{}")
    monkeypatch.setenv(CREDENTIALS_ENV, str(mine))
    monkeypatch.setenv(CREDENTIALS_JSON_ENV, KEY)
    with secret_credentials() as path:
        assert path == str(mine)
    assert mine.read_text() == "{}" and os.environ[CREDENTIALS_ENV] == str(mine)


def test_the_secret_name_comes_from_the_package(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv(CREDENTIALS_JSON_ENV, KEY)
    monkeypatch.setenv(CREDENTIALS_SECRET_ENV, "gcs-key")
    assert credentials_secret() == "gcs-key"
    monkeypatch.delenv(CREDENTIALS_SECRET_ENV)
    assert credentials_secret() is None
    assert f"{CREDENTIALS_SECRET_ENV} is not" in caplog.text


# What a KFP component body does: start_step(), then the step, then the executor writes
# outputs and the process ends. Run for real, in a child process.
_STEP = """
import sys
from odsweep.pipeline import _steps
_steps.start_step()
import os
print(os.environ["GOOGLE_APPLICATION_CREDENTIALS"], flush=True)
mode = sys.argv[1]
if mode == "raise":
    raise RuntimeError("step failed")
if mode == "wait":
    sys.stdin.read()
"""


def _step(mode: str) -> subprocess.Popen[str]:
    env = {k: v for k, v in os.environ.items() if k != CREDENTIALS_ENV}
    env[CREDENTIALS_JSON_ENV] = KEY
    return subprocess.Popen(
        [sys.executable, "-c", _STEP, mode],
        cwd=REPO,
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


@pytest.mark.parametrize(("mode", "code"), [("return", 0), ("raise", 1)])
def test_a_step_process_leaves_no_key_file(mode: str, code: int) -> None:
    proc = _step(mode)
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == code, err
    path = out.strip()
    assert path.endswith("/key.json")
    assert not os.path.exists(os.path.dirname(path))
    assert KEY not in err  # the key itself is never logged


def test_a_stopped_step_leaves_no_key_file() -> None:
    proc = _step("wait")
    assert proc.stdout is not None
    path = proc.stdout.readline().strip()  # the file exists now
    assert Path(path).read_text() == KEY
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 128 + signal.SIGTERM, err
    assert not os.path.exists(os.path.dirname(path))
