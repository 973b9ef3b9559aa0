"""Shared fixtures: demo data made once per session, in a subprocess (TF state stays clean)."""

from __future__ import annotations

import signal
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from odsweep.demodata import base_config_path
from tests.trained_fixtures import trained  # noqa: F401 (session fixture for every folder)


@dataclass(frozen=True)
class DemoData:
    root: Path
    train: str
    eval: str
    label_map: str
    config: str


def odsweep_cmd(*args: str) -> list[str]:
    """The ``odsweep`` CLI in this interpreter (no reliance on PATH)."""
    return [sys.executable, "-m", "odsweep", *args]


@pytest.fixture(scope="session")
def demo_data(tmp_path_factory: pytest.TempPathFactory) -> DemoData:
    root = tmp_path_factory.mktemp("demo-data")
    subprocess.run(
        odsweep_cmd("demo-data", str(root), "--num-train", "32", "--num-eval", "8"),
        check=True,
        capture_output=True,
        timeout=600,
    )
    return DemoData(
        root=root,
        train=str(root / "train-*.tfrecord"),
        eval=str(root / "eval-*.tfrecord"),
        label_map=str(root / "label_map.pbtxt"),
        config=str(base_config_path()),
    )


@pytest.fixture(autouse=True)
def _restore_signal_mask() -> Iterator[None]:
    """``odsweep trial`` blocks SIGTERM for its own process (its TF threads must inherit
    that); run in-process by a test, it would leak into every child process started
    later (they inherit the mask), which then ignore SIGTERM. Undo it after each test."""
    before = signal.pthread_sigmask(signal.SIG_BLOCK, set())
    yield
    signal.pthread_sigmask(signal.SIG_SETMASK, before)
