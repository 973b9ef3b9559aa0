"""The Dockerfile's essentials (it cannot be built here: no Docker engine)."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
DOCKERFILE = (REPO / "Dockerfile").read_text()


def instructions(name: str) -> list[str]:
    """Arguments of every ``name`` instruction, continuation lines joined."""
    joined = re.sub(r"\\\n", " ", DOCKERFILE)
    lines = [
        ln.strip() for ln in joined.splitlines() if ln.strip() and not ln.lstrip().startswith("#")
    ]
    return [ln.split(None, 1)[1] for ln in lines if ln.split(None, 1)[0].upper() == name]


def test_base_image_is_pinned_gpu_runtime() -> None:
    (base,) = instructions("FROM")
    image, _, tag = base.partition(":")
    assert image == "nvidia/cuda" and tag and tag != "latest"
    assert "cudnn" in tag and tag.startswith("12.")  # TF 2.21's wheel: CUDA 12, cuDNN 9


def test_the_project_installs_from_the_lock_without_dev_tools() -> None:
    runs = " ".join(instructions("RUN"))
    syncs = re.findall(r"uv sync[^&]*", runs)
    assert len(syncs) == 2 and all("--locked" in s and "--no-dev" in s for s in syncs)
    assert "--no-editable" in syncs[-1]
    # Nothing resolves or installs outside the lock.
    assert "pip install" not in runs and "uv pip" not in runs and "uv lock" not in runs


def test_uv_is_the_version_the_scripts_pin() -> None:
    pinned = re.search(r"UV_VERSION=(\S+)", (REPO / "scripts" / "bootstrap.sh").read_text())
    assert pinned is not None
    assert f"ghcr.io/astral-sh/uv:{pinned.group(1)} " in " ".join(instructions("COPY")) + " "


def test_runtime_environment() -> None:
    env = " ".join(instructions("ENV"))
    assert "TF_USE_LEGACY_KERAS=1" in env
    # The venv first: `odsweep` for Katib trials, `python3` for KFP's executor.
    assert re.search(r"PATH=/opt/venv/bin:\$PATH", env)
    assert "UV_PROJECT_ENVIRONMENT=/opt/venv" in env


def test_runs_as_a_non_root_user_with_sh() -> None:
    users = instructions("USER")
    assert users, "no USER: the image would run as root"
    user = users[-1].split(":")[0]
    assert user not in ("root", "0")
    assert user.isdigit(), "numeric, so runAsNonRoot can check it"
    # Katib's collector wraps the trial in `sh -c`: nothing may remove the shell.
    assert not re.search(r"\brm\b[^&]*\b/bin/(da)?sh\b", DOCKERFILE)


def test_dockerignore_keeps_the_context_to_what_the_build_copies() -> None:
    lines = [
        ln.strip()
        for ln in (REPO / ".dockerignore").read_text().splitlines()
        if ln.strip() and not ln.startswith("#")
    ]
    assert lines[0] == "*"
    allowed = {ln[1:].rstrip("/") for ln in lines if ln.startswith("!")}
    copied = {
        word.rstrip("/")
        for args in instructions("COPY")
        if not args.startswith("--from")
        for word in args.split()[:-1]
    }
    assert copied <= allowed, copied - allowed


@pytest.mark.skipif(shutil.which("hadolint") is None, reason="hadolint not installed")
def test_hadolint() -> None:
    proc = subprocess.run(
        ["hadolint", str(REPO / "Dockerfile")], capture_output=True, text=True, timeout=60
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
