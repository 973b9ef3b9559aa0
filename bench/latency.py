"""Benchmark: how repeatable is the serving latency measurement on this machine?

One SavedModel (the best checkpoint of a tiny SSD trial, exported the winner's way),
measured ``--repeats`` times in one run with odsweep's own measurement
(``odsweep.serving.measure_saved_model``: a fresh process per measurement, thread pools
pinned, ``--warmup`` untimed calls, ``--runs`` timed calls at batch 1 on eval images).
Printed: each measurement's p50 and p90, and the spread of the p50s,
``(max - min) / median``. Target (issue 11): within 10%. Also the spread of the
measuring process's CPU time per call, which other load on the machine does not inflate:
when the wall-clock spread misses the target and this one does not, the machine's load,
not the model, moved the latency.

The trial is trained here on the demo data (20 steps, ~2 min) unless ``--trial-dir``
names a finished one (its ``pipeline.config`` must point at readable eval images).

Run: ``uv run python bench/latency.py [--trial-dir DIR] [--repeats 5 --runs 30]``.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from odsweep.demodata import base_config_path
from odsweep.export import export_trial
from odsweep.serving import (
    DEFAULT_RUNS,
    DEFAULT_THREADS,
    DEFAULT_WARMUP_RUNS,
    measure_saved_model,
    trial_eval_input,
)

LR = "train_config.optimizer.momentum_optimizer.learning_rate.cosine_decay_learning_rate"
TARGET = 0.10


def odsweep(*args: str) -> None:
    subprocess.run([sys.executable, "-m", "odsweep.cli.main", *args], check=True)


def train_tiny_trial(work: Path) -> Path:
    data = work / "data"
    odsweep("demo-data", str(data), "--num-train", "16", "--num-eval", "4")
    trial = work / "t-latency"
    odsweep(
        "trial",
        "--pipeline-config", str(base_config_path()),
        "--trial-dir", str(trial),
        "--num-train-steps", "20",
        "--checkpoint-every-n", "10",
        "--metric", "DetectionBoxes_Precision/mAP",
        "--objective", "max",
        "--train-input", str(data / "train-*.tfrecord"),
        "--eval-input", str(data / "eval-*.tfrecord"),
        "--label-map", str(data / "label_map.pbtxt"),
        "--set", f"{LR}.warmup_steps=5",
    )  # fmt: skip
    return trial


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--trial-dir", help="a finished trial (default: train a tiny one)")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--runs", type=int, default=DEFAULT_RUNS)
    parser.add_argument("--warmup", type=int, default=DEFAULT_WARMUP_RUNS)
    parser.add_argument("--threads", type=int, default=DEFAULT_THREADS)
    parser.add_argument("--input-type", default="image_tensor")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="odsweep-latency-") as tmp:
        work = Path(tmp)
        trial = Path(args.trial_dir) if args.trial_dir else train_tiny_trial(work)
        exported = export_trial(str(trial), str(work / "model"), input_type=args.input_type)
        eval_input = trial_eval_input(str(trial))
        p50s = []
        cpus = []
        for i in range(args.repeats):
            cost = measure_saved_model(
                exported.path,
                eval_input=eval_input,
                input_type=args.input_type,
                warmup=args.warmup,
                runs=args.runs,
                threads=args.threads,
            )
            p50s.append(cost.latency_p50_ms)
            cpus.append(cost.cpu_p50_ms or float("nan"))
            print(
                f"measurement {i + 1}: p50 {cost.latency_p50_ms:.2f} ms, "
                f"p90 {cost.latency_p90_ms:.2f} ms, CPU p50 {cpus[-1]:.2f} ms "
                f"({cost.runs} runs after {cost.warmup_runs} warm-up, {cost.threads} thread(s), "
                f"{cost.input_type} "
                f"{cost.image_size[0]}x{cost.image_size[1]}; {cost.model_size_mb:.2f} MB, "
                f"{cost.params_millions:.3f} M params)"
            )
        median = statistics.median(p50s)
        spread = (max(p50s) - min(p50s)) / median
        verdict = "met" if spread <= TARGET else "NOT met"
        print(
            f"p50 over {args.repeats} measurements: median {median:.2f} ms, min {min(p50s):.2f}, "
            f"max {max(p50s):.2f}; spread (max-min)/median = {spread:.1%} "
            f"(target <= {TARGET:.0%}: {verdict})"
        )
        cpu_median = statistics.median(cpus)
        print(
            f"CPU time per call (the model's own work): median {cpu_median:.2f} ms, spread "
            f"{(max(cpus) - min(cpus)) / cpu_median:.1%}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
