"""One trained tiny trial per test session, shared by every test that needs a checkpoint.

Training is the slow part (~1.5 min on 2 cores), so the trial is trained once, in a
subprocess (TensorFlow state of the test process stays clean), and inspected by many
tests (export, serving cost, warm starts, post-processing, the report).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
TINY_CONFIG = REPO / "src" / "odsweep" / "demodata" / "ssd_tiny.config"
METRIC = "DetectionBoxes_Precision/mAP"
LR_PATH = "train_config.optimizer.momentum_optimizer.learning_rate.cosine_decay_learning_rate"


@dataclass(frozen=True)
class Trained:
    """A finished trial: ``ckpt-10`` and ``ckpt-20`` (the folder's latest), and ``best/``."""

    trial_dir: Path
    eval_input: str
    label_map: Path

    @property
    def pipeline_config(self) -> str:
        return str(self.trial_dir / "pipeline.config")

    def checkpoint(self, step: int) -> str:
        return str(self.trial_dir / f"ckpt-{step}")


def _odsweep(*args: str) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "odsweep.cli.main", *args],
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert proc.returncode == 0, f"odsweep {args[0]} failed:\n{proc.stderr[-4000:]}"


@pytest.fixture(scope="session")
def trained(tmp_path_factory: pytest.TempPathFactory) -> Trained:
    root = tmp_path_factory.mktemp("export-trial")
    cache = os.environ.get("ODSWEEP_TEST_TRAINED_CACHE")
    if cache and (Path(cache) / "t-export" / "best").is_dir():
        # Developer convenience only (CI never sets it): a copy of a trial this fixture
        # trained earlier, so that re-running one test does not retrain for minutes.
        shutil.copytree(cache, root, dirs_exist_ok=True)
        _rebase_copy(root)
        return Trained(
            root / "t-export",
            str(root / "data" / "eval-*.tfrecord"),
            root / "data" / "label_map.pbtxt",
        )
    _train(root)
    if cache:
        shutil.copytree(root, cache, dirs_exist_ok=True)
    return Trained(
        root / "t-export", str(root / "data" / "eval-*.tfrecord"), root / "data" / "label_map.pbtxt"
    )


def _rebase_copy(root: Path) -> None:
    """Point the copied trial's config and result.json at the copy, not the folder the
    cache was trained in (gone since): exports read the config's eval images."""
    config = root / "t-export" / "pipeline.config"
    text = config.read_text()
    marker = "/data/eval-*.tfrecord"
    start = text.index(marker)
    old_root = text[text.rindex('"', 0, start) + 1 : start]
    for path in (config, root / "t-export" / "result.json"):
        path.write_text(path.read_text().replace(old_root, str(root)))


def _train(root: Path) -> None:
    data = root / "data"
    _odsweep("demo-data", str(data), "--num-train", "16", "--num-eval", "4")
    trial_dir = root / "t-export"
    eval_input = str(data / "eval-*.tfrecord")
    _odsweep(
        "trial",
        "--pipeline-config",
        str(TINY_CONFIG),
        "--trial-dir",
        str(trial_dir),
        "--num-train-steps",
        "20",
        "--checkpoint-every-n",
        "10",
        "--metric",
        METRIC,
        "--objective",
        "max",
        "--train-input",
        str(data / "train-*.tfrecord"),
        "--eval-input",
        eval_input,
        "--label-map",
        str(data / "label_map.pbtxt"),
        # The config warms up for 30 steps; the OD API rejects warmup beyond the schedule.
        "--set",
        f"{LR_PATH}.warmup_steps=5",
    )
