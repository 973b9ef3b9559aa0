"""Every CLI error path is one line and exit 2 (issue 8): flags, outputs, full disks."""

from __future__ import annotations

import os
import resource
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from odsweep.cli.main import main


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    code = main(list(argv))
    err = capsys.readouterr().err
    assert err.count("\n") == 1, err
    return code, err.strip()


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("foo://x", "--storage: unknown database kind 'foo' in 'foo://x'"),
        ("notaurl", "--storage: not a database URL, got 'notaurl'"),
        ("sqlite:////nonexistent/x/study.db", "the folder of the study file /nonexistent/x"),
        ("sqlite://", "names no file"),
    ],
)
def test_bad_storage_urls(capsys: pytest.CaptureFixture[str], url: str, message: str) -> None:
    code, err = run(capsys, "run", "spec.yaml", "--storage", url)
    assert code == 2 and err.startswith("odsweep run: error: ") and message in err


def test_an_output_that_is_a_file_or_under_one(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    (tmp_path / "f").write_text("keep")
    code, err = run(capsys, "run", "spec.yaml", "--output", str(tmp_path / "f"))
    assert code == 2 and err.endswith(f"--output: {tmp_path / 'f'} is a file; give a folder "
                                      "(new or a sweep's output)")  # fmt: skip
    code, err = run(capsys, "run", "spec.yaml", "--output", str(tmp_path / "f" / "out"))
    assert code == 2 and f"is under the file {tmp_path / 'f'}" in err
    assert (tmp_path / "f").read_text() == "keep"


def test_a_read_only_output(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    ro = tmp_path / "ro"
    ro.mkdir()
    ro.chmod(0o500)
    if os.access(ro, os.W_OK):
        pytest.skip("running as root: a read-only folder is writable (see the file cases)")
    code, err = run(capsys, "run", "spec.yaml", "--output", str(ro / "out"))
    assert code == 2 and f"--output: cannot write {ro}: permission denied" in err


@pytest.mark.parametrize(
    ("uri", "hint"), [("s3://b/x", "use gs://BUCKET/PATH"), ("GS://b/x", "lower-case: gs://")]
)
def test_other_schemes(capsys: pytest.CaptureFixture[str], uri: str, hint: str) -> None:
    code, err = run(capsys, "run", "spec.yaml", "--output", uri)
    assert code == 2 and "scheme not supported: only gs://" in err and hint in err


def test_dashboard_port_in_use(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    db = tmp_path / "study.db"
    db.write_bytes(b"")
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        code, err = run(
            capsys, "dashboard", str(tmp_path), "--storage", f"sqlite:///{db}", "--port", str(port)
        )
    assert code == 2 and f"--port: cannot listen on 127.0.0.1:{port}: " in err


@pytest.mark.parametrize("port", ["0", "65536", "http"])
def test_dashboard_port_out_of_range(capsys: pytest.CaptureFixture[str], port: str) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["dashboard", "out", "--port", port])
    assert exc.value.code == 2
    assert f"argument --port: must be a port 1-65535, got '{port}'" in capsys.readouterr().err


def test_a_repeated_param_is_refused(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, err = run(
        capsys, "trial", "--spec", "s.yaml", "--trial-dir", str(tmp_path / "t"),
        "--param", "lr=0.1", "--param", "lr=0.2",
    )  # fmt: skip
    assert code == 2 and err.endswith("--param: lr given twice (lr=0.1 and lr=0.2); give each once")
    assert not (tmp_path / "t").exists()


@pytest.mark.parametrize("trial", ["../x", "/etc", "model", "v-9", "."])
def test_export_trial_must_be_a_trial_of_the_output(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, trial: str
) -> None:
    from tests.cli.spec_snapshot import write_output

    out = write_output(tmp_path)
    code, err = run(capsys, "export", str(out), "--trial", trial)
    assert code == 2 and err.startswith(f"odsweep export: error: --trial: {trial!r} ")
    assert "give one of" in err and "v-1" in err


def _fsize_limit() -> None:
    # Python ignores SIGXFSZ, so a write past the limit is OSError EFBIG: a full disk
    # made without privileges.
    resource.setrlimit(resource.RLIMIT_FSIZE, (1000, 1000))


def test_a_full_disk_is_one_line(tmp_path: Path) -> None:
    from tests.cli.spec_snapshot import write_output

    out = write_output(tmp_path, trial=False)
    before = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    run = subprocess.run(
        [sys.executable, "-m", "odsweep", "report", str(out)],
        capture_output=True,
        text=True,
        preexec_fn=_fsize_limit,
        timeout=300,
    )
    assert run.returncode == 2, run.stderr[-2000:]
    assert run.stderr.count("\n") == 1 and "Traceback" not in run.stderr
    assert run.stderr.startswith(f"odsweep report: error: output: cannot write {out}/report")
    assert run.stderr.rstrip().endswith(": File too large; free space or choose another --output")
    assert {p: p.read_bytes() for p in before} == before
    assert not [p for p in out.rglob("*.tmp")]


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (
            ["dashboard", "out", "--port", "abc"],
            "odsweep dashboard: error: argument --port: must be a port 1-65535, got 'abc'; "
            "see odsweep dashboard --help",
        ),
        (["nosuch"], "odsweep: error: argument COMMAND: invalid choice: 'nosuch'"),
    ],
)
def test_argument_errors_are_one_line(
    capsys: pytest.CaptureFixture[str], argv: list[str], expected: str
) -> None:
    with pytest.raises(SystemExit) as info:
        main(argv)
    err = capsys.readouterr().err
    assert info.value.code == 2 and err.count("\n") == 1 and err.startswith(expected)
