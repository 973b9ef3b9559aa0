"""Real trials on the demo data: the command both engines launch."""

from __future__ import annotations

import json
import signal
import subprocess
import time
from pathlib import Path

import pytest

from odsweep.results import (
    METRICS_FORMAT,
    SERVING_METRICS,
    TrialStatus,
    parse_metric_lines,
    read_result,
    serving_metrics,
)
from tests.conftest import DemoData, odsweep_cmd
from tests.katib_emulation import collect

pytestmark = [pytest.mark.tf, pytest.mark.train]

MAP = "DetectionBoxes_Precision/mAP"
LR = "train_config.optimizer.momentum_optimizer.learning_rate.cosine_decay_learning_rate"
ADDITIONAL = [
    "DetectionBoxes_Precision/mAP@.50IOU",
    "DetectionBoxes_Recall/AR@100 (small)",
    "Loss/total_loss",
]


def _trial_args(data: DemoData, trial_dir: Path, steps: int, every: int, *extra: str) -> list[str]:
    return odsweep_cmd(
        "trial",
        "--pipeline-config", data.config,
        "--trial-dir", str(trial_dir),
        "--num-train-steps", str(steps),
        "--checkpoint-every-n", str(every),
        "--metric", MAP,
        "--objective", "maximize",
        "--train-input", data.train,
        "--eval-input", data.eval,
        "--label-map", data.label_map,
        "--seed", "3",
        # Short trials: keep the base config's warmup inside the schedule.
        "--set", f"{LR}.warmup_steps=5",
        *extra,
    )  # fmt: skip


def _scalars(event_dir: Path) -> dict[str, list[tuple[int, float]]]:
    from tensorboard.backend.event_processing import event_accumulator

    acc = event_accumulator.EventAccumulator(str(event_dir), size_guidance={"tensors": 0})
    acc.Reload()
    from tensorboard.util import tensor_util

    out = {}
    for tag in acc.Tags()["tensors"]:
        values = [(e.step, tensor_util.make_ndarray(e.tensor_proto)) for e in acc.Tensors(tag)]
        # TF2 stores scalars as 0-d tensors; images (eval side-by-sides) are not scalars.
        if all(v.ndim == 0 and v.dtype.kind == "f" for _, v in values):
            out[tag] = [(step, float(v)) for step, v in values]
    return out


@pytest.fixture(scope="module")
def finished_trial(
    demo_data: DemoData, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Path, subprocess.CompletedProcess[str]]:
    trial_dir = tmp_path_factory.mktemp("trials") / "demo-1"
    proc = subprocess.run(
        # --serving-cost here rather than in a trial of its own: one training for both.
        _trial_args(demo_data, trial_dir, 30, 10, "--keep-checkpoints", "1", "--serving-cost"),
        capture_output=True,
        text=True,
        timeout=1800,  # the serving cost's export and measurement come on top of training
    )
    return trial_dir, proc


def test_trial_succeeds_and_prints_metric_lines(
    finished_trial: tuple[Path, subprocess.CompletedProcess[str]],
) -> None:
    _, proc = finished_trial
    assert proc.returncode == 0, proc.stderr[-3000:]
    parsed = parse_metric_lines(proc.stdout.splitlines())
    assert [v for _, n, v in parsed if n == MAP] != []
    # Every stdout line is a metric line: pycocotools' table goes to stderr.
    assert len(parsed) == len(proc.stdout.splitlines())
    # Katib's collector, with odsweep's metricsFormat, finds the objective at each of
    # the three evals and every additional metric, with the trial's timestamps.
    got = collect(proc.stdout.splitlines(), [MAP, *ADDITIONAL], METRICS_FORMAT)
    by_name: dict[str, list[str]] = {}
    for ts, name, value in got:
        assert ts.endswith("Z") and "T" in ts
        by_name.setdefault(name, []).append(value)
    assert {k: len(v) for k, v in by_name.items()} == {n: 3 for n in [MAP, *ADDITIONAL]}


def test_serving_cost_is_printed_once_and_recorded_after_the_last_eval(
    finished_trial: tuple[Path, subprocess.CompletedProcess[str]],
) -> None:
    trial_dir, proc = finished_trial
    assert proc.returncode == 0, proc.stderr[-3000:]
    lines = proc.stdout.splitlines()
    got = collect(lines, list(SERVING_METRICS), METRICS_FORMAT)
    assert sorted(name for _, name, _ in got) == sorted(SERVING_METRICS)
    # After every eval line: measured once, at the end, on the best checkpoint.
    last_eval = max(i for i, line in enumerate(lines) if f" {MAP}=" in line)
    assert all(i > last_eval for i, line in enumerate(lines) if " Serving/" in line)
    result = read_result(str(trial_dir))
    assert result.status is TrialStatus.SUCCEEDED
    recorded = serving_metrics(result)
    assert recorded == {name: float(value) for _, name, value in got}
    record = result.extra["serving"]
    assert record["error"] is None
    assert record["cost"]["threads"] == 1 and record["cost"]["input_type"] == "image_tensor"
    assert result.best is not None
    provenance = json.loads(
        (trial_dir / "serving" / "1" / "assets.extra" / "odsweep_provenance.json").read_text()
    )
    assert provenance["checkpoint"] == result.best.checkpoint
    assert recorded["Serving/latency_p50_ms"] <= recorded["Serving/latency_p90_ms"]


def test_result_json_records_every_eval_and_the_best(
    finished_trial: tuple[Path, subprocess.CompletedProcess[str]],
) -> None:
    trial_dir, proc = finished_trial
    result = read_result(str(trial_dir))
    assert result.status is TrialStatus.SUCCEEDED
    assert result.trial == "demo-1" and result.seed == 3 and result.error is None
    assert [e.step for e in result.evals] == [10, 20, 30]
    values = result.objective_values()
    assert result.best is not None
    assert result.best.value == max(values)
    assert result.best.step == [10, 20, 30][values.index(max(values))]
    printed = [v for _, n, v in parse_metric_lines(proc.stdout.splitlines()) if n == MAP]
    assert printed == pytest.approx(values)


def test_best_checkpoint_survives_rotation(
    finished_trial: tuple[Path, subprocess.CompletedProcess[str]],
) -> None:
    trial_dir, _ = finished_trial
    result = read_result(str(trial_dir))
    assert result.best is not None
    best = Path(result.best.checkpoint)
    assert best.parent == trial_dir / "best"
    assert Path(f"{best}.index").exists()
    assert f'model_checkpoint_path: "{best.name}"' in (best.parent / "checkpoint").read_text()
    # --keep-checkpoints 1: rotation left only the last one in the trial dir.
    assert sorted(p.name for p in trial_dir.glob("ckpt-*.index")) == ["ckpt-30.index"]
    assert len(list((trial_dir / "best").glob("*.index"))) == 1


def test_effective_config_and_event_files(
    finished_trial: tuple[Path, subprocess.CompletedProcess[str]],
) -> None:
    trial_dir, _ = finished_trial
    assert "num_steps: 30" in (trial_dir / "pipeline.config").read_text()
    train = _scalars(trial_dir / "train")
    assert "Loss/total_loss" in train and "learning_rate" in train
    evals = _scalars(trial_dir / "eval")
    assert [step for step, _ in evals[MAP]] == [10, 20, 30]
    result = read_result(str(trial_dir))
    assert [v for _, v in evals[MAP]] == pytest.approx(result.objective_values())


def test_bad_input_exits_2_and_writes_nothing(demo_data: DemoData, tmp_path: Path) -> None:
    trial_dir = tmp_path / "bad"
    proc = subprocess.run(
        _trial_args(demo_data, trial_dir, 10, 10, "--set", "train_config.batch_sise=4"),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 2
    (line,) = [ln for ln in proc.stderr.splitlines() if "error:" in ln]
    assert "batch_sise" in line and "batch_size" in line
    assert not trial_dir.exists()


def test_nan_loss_fails_fast(demo_data: DemoData, tmp_path: Path) -> None:
    trial_dir = tmp_path / "nan-1"
    proc = subprocess.run(
        _trial_args(
            demo_data, trial_dir, 400, 200,
            "--set", f"{LR}.learning_rate_base=1e12",
            "--set", f"{LR}.warmup_learning_rate=1e11",
        ),
        capture_output=True,
        text=True,
        timeout=600,
    )  # fmt: skip
    assert proc.returncode == 1, proc.stderr[-2000:]
    result = read_result(str(trial_dir))
    assert result.status is TrialStatus.FAILED
    assert result.error is not None and "loss became" in result.error
    # It stopped at the first non-finite loss, long before the 400 steps.
    assert result.evals == ()


def test_sigterm_stops_at_once_and_records_stopped(demo_data: DemoData, tmp_path: Path) -> None:
    trial_dir = tmp_path / "term-1"
    proc = subprocess.Popen(
        _trial_args(demo_data, trial_dir, 2000, 5),
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    assert proc.stdout is not None
    # Wait for the first eval's lines, then stop it in the middle of training.
    deadline = time.monotonic() + 600
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if MAP in line:
            break
    time.sleep(1.0)
    sent = time.monotonic()
    proc.send_signal(signal.SIGTERM)
    code = proc.wait(timeout=60)
    elapsed = time.monotonic() - sent
    assert code == 143
    assert elapsed < 10, f"took {elapsed:.1f}s to stop"
    doc = json.loads((trial_dir / "result.json").read_text())
    assert doc["status"] == "stopped"
    assert len(doc["evals"]) >= 1
