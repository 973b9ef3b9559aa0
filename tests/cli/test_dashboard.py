"""``odsweep dashboard`` serves the sweep's study with optuna-dashboard on 127.0.0.1."""

from __future__ import annotations

import json
import socket
import subprocess
import urllib.request
from pathlib import Path

import optuna

from tests.conftest import odsweep_cmd
from tests.waiting import wait_until


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_dashboard_serves_the_study(tmp_path: Path) -> None:
    study = optuna.create_study(study_name="dash", storage=f"sqlite:///{tmp_path / 'study.db'}")
    study.add_trial(optuna.trial.create_trial(params={}, distributions={}, value=0.5))
    port = free_port()
    proc = subprocess.Popen(
        odsweep_cmd("dashboard", str(tmp_path), "--port", str(port)),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        answers: list[dict[str, object]] = []

        def answered() -> bool:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/studies", timeout=2) as r:
                    answers.append(json.loads(r.read()))
            except OSError:
                return False
            return True

        wait_until(
            answered, what="the dashboard's answer", alive=lambda: proc.poll() is None, poll=0.3
        )
        body = answers[0]
        assert [s["study_name"] for s in body["study_summaries"]] == ["dash"]
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def test_dashboard_without_a_study_is_bad_input(tmp_path: Path) -> None:
    proc = subprocess.run(
        odsweep_cmd("dashboard", str(tmp_path / "nothing")), capture_output=True, text=True
    )
    assert proc.returncode == 2
    assert "no study at sqlite:///" in proc.stderr
