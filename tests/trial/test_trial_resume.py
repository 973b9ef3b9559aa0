"""A real trial killed (SIGKILL) after an eval and started again on its folder resumes
from its newest checkpoint; with a changed parameter it starts fresh instead."""

from __future__ import annotations

import hashlib
import json
import shutil
import signal
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from odsweep.results import TrialResult, TrialStatus, parse_metric_lines, read_result
from tests.conftest import DemoData, odsweep_cmd

pytestmark = [pytest.mark.tf, pytest.mark.train]

MAP = "DetectionBoxes_Precision/mAP"
LR = "train_config.optimizer.momentum_optimizer.learning_rate.cosine_decay_learning_rate"


def _trial(data: DemoData, trial_dir: Path, steps: int, warmup: int) -> list[str]:
    return odsweep_cmd(
        "trial",
        "--pipeline-config", data.config,
        "--trial-dir", str(trial_dir),
        "--num-train-steps", str(steps),
        "--checkpoint-every-n", "10",
        "--metric", MAP,
        "--objective", "maximize",
        "--train-input", data.train,
        "--eval-input", data.eval,
        "--label-map", data.label_map,
        "--seed", "5",
        "--keep-checkpoints", "10",
        "--set", f"{LR}.warmup_steps={warmup}",
    )  # fmt: skip


def _hashes(folder: Path) -> dict[str, str]:
    """sha256 of every checkpoint file (ckpt-N.index / .data-*), best/ included."""
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted([*folder.glob("ckpt-*"), *folder.glob("best/ckpt-*")])
    }


@dataclass(frozen=True)
class Resumed:
    trial_dir: Path
    before: dict[str, str]
    interrupted: TrialResult
    newest: int
    proc: subprocess.CompletedProcess[str]


@pytest.fixture(scope="module")
def resumed(demo_data: DemoData, tmp_path_factory: pytest.TempPathFactory) -> Resumed:
    trial_dir = tmp_path_factory.mktemp("resume") / "resume-1"
    argv = _trial(demo_data, trial_dir, 40, 5)
    logs = trial_dir.parent / "first.log"
    with open(logs, "wb") as log:
        first = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT)
        result_file = trial_dir / "result.json"
        deadline = time.monotonic() + 900
        # Poll the record; kill as soon as the 2nd eval is in it.
        while time.monotonic() < deadline and first.poll() is None:
            if result_file.exists() and len(json.loads(result_file.read_text())["evals"]) >= 2:
                break
            time.sleep(0.05)
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=60)
    assert first.returncode == -signal.SIGKILL, logs.read_text()[-3000:]
    interrupted = read_result(str(trial_dir))
    assert interrupted.status is TrialStatus.RUNNING  # SIGKILL: no last word
    newest = max(int(p.name[5:-6]) for p in trial_dir.glob("ckpt-*.index"))
    before = _hashes(trial_dir)
    proc = subprocess.run(argv, capture_output=True, text=True, timeout=900)
    return Resumed(trial_dir, before, interrupted, newest, proc)


def test_a_killed_trial_resumes_from_its_newest_checkpoint(resumed: Resumed) -> None:
    proc, trial_dir, interrupted = resumed.proc, resumed.trial_dir, resumed.interrupted
    assert proc.returncode == 0, proc.stderr[-3000:]
    result = read_result(str(trial_dir))
    assert result.status is TrialStatus.SUCCEEDED and result.error is None
    # Every eval once, in order; the interrupted attempt's kept exactly as recorded.
    assert [e.step for e in result.evals] == [10, 20, 30, 40]
    assert result.evals[: len(interrupted.evals)] == interrupted.evals
    assert len(interrupted.evals) == 2
    # The log says where it resumed.
    checkpoint = trial_dir / f"ckpt-{resumed.newest}"
    assert (
        f"resuming resume-1 from step {resumed.newest} (checkpoint {checkpoint}); 2 evals kept"
        in proc.stderr
    )
    # Earlier checkpoints untouched, byte for byte (best/ too unless a later eval beat it).
    after = _hashes(trial_dir)
    for name, digest in resumed.before.items():
        if not name.startswith("best/") or name in after:
            assert after.get(name) == digest, name
    # The step continued: the first new checkpoint is the next multiple of 10.
    new = sorted(int(n[5:-6]) for n in after if n.startswith("ckpt-") and n.endswith(".index"))
    assert new == [10, 20, 30, 40]
    # The whole curve on stdout: the kept evals re-printed first, then the new ones.
    printed = [v for _, n, v in parse_metric_lines(proc.stdout.splitlines()) if n == MAP]
    assert printed == pytest.approx(result.objective_values())
    assert result.extra["resumes"] == [
        {"step": resumed.newest, "checkpoint": str(checkpoint), "evals_kept": 2}
    ]
    # best/ is valid: it holds the recorded best checkpoint and its state file names it.
    assert result.best is not None
    best = Path(result.best.checkpoint)
    assert Path(f"{best}.index").is_file()
    assert f'model_checkpoint_path: "{best.name}"' in (best.parent / "checkpoint").read_text()


def test_a_changed_parameter_starts_fresh_and_keeps_the_old_attempt(
    resumed: Resumed, demo_data: DemoData, tmp_path: Path
) -> None:
    trial_dir = tmp_path / "resume-1"
    shutil.copytree(resumed.trial_dir, trial_dir)
    old = _hashes(trial_dir)
    proc = subprocess.run(
        _trial(demo_data, trial_dir, 10, 2), capture_output=True, text=True, timeout=900
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert (
        "resume-1: starting fresh, not resuming the earlier attempt: the parameters changed "
        f"(were {{'{LR}.warmup_steps': '5'}}, now {{'{LR}.warmup_steps': '2'}})" in proc.stderr
    )
    assert [e.step for e in read_result(str(trial_dir)).evals] == [10]
    aside = tmp_path / ".attempts" / "resume-1-1"
    assert [e.step for e in read_result(str(aside)).evals] == [10, 20, 30, 40]
    assert _hashes(aside) == old
