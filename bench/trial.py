"""Benchmark: an odsweep trial against the stock OD API way, same config, same steps.

(a) ``odsweep trial``: one process trains, and evaluates each checkpoint as it is
    written with an eval model built once.
(b) stock, as ``model_main_tf2`` does it: ``model_lib_v2.train_loop`` in one process,
    then one fresh eval process per checkpoint (``eval_continuously`` on a folder that
    holds just that checkpoint).

Both use the demo data and the shipped tiny SSD config, the same step count, the same
checkpoint cadence and the same ``num_steps_per_iteration``; both run one after the
other in this run, on this machine. Printed: training steps/s of each (from their own
``steps_per_sec`` summaries, the first call, which traces, left out), the whole wall
time of each (train + eval of every checkpoint) and the ratios.

Targets (issue 2): trial steps/s >= 0.97x stock; trial wall time >= 1.5x faster.

Run: ``uv run python bench/trial.py [--steps 600 --every 100]``.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from odsweep import odconfig
from odsweep.demodata import base_config_path

STOCK_TRAIN = """
import sys
from odsweep.tfcompat import load_tensorflow
load_tensorflow()
from object_detection import model_lib_v2
config, model_dir, steps, every, per_iter = sys.argv[1:6]
model_lib_v2.train_loop(pipeline_config_path=config, model_dir=model_dir,
    train_steps=int(steps), checkpoint_every_n=int(every),
    num_steps_per_iteration=int(per_iter))
"""

STOCK_EVAL = """
import sys
from odsweep.tfcompat import load_tensorflow
load_tensorflow()
from object_detection import model_lib_v2
config, model_dir, ckpt_dir = sys.argv[1:4]
model_lib_v2.eval_continuously(pipeline_config_path=config, model_dir=model_dir,
    checkpoint_dir=ckpt_dir, wait_interval=1, timeout=1)
"""


def steps_per_sec(train_dir: Path) -> list[float]:
    from tensorboard.backend.event_processing import event_accumulator
    from tensorboard.util import tensor_util

    acc = event_accumulator.EventAccumulator(str(train_dir), size_guidance={"tensors": 0})
    acc.Reload()
    events = sorted(acc.Tensors("steps_per_sec"), key=lambda e: e.step)
    return [float(tensor_util.make_ndarray(e.tensor_proto)) for e in events]


def run(argv: list[str], log: Path) -> float:
    start = time.perf_counter()
    with log.open("wb") as fh:
        subprocess.run(argv, check=True, stdout=fh, stderr=subprocess.STDOUT)
    return time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--steps", type=int, default=600)
    parser.add_argument("--every", type=int, default=100)
    parser.add_argument("--keep", help="keep the work folder here")
    args = parser.parse_args()
    per_iter = min(100, args.every)
    work = Path(args.keep or tempfile.mkdtemp(prefix="odsweep-bench-trial-"))
    work.mkdir(parents=True, exist_ok=True)
    py = sys.executable

    data = work / "data"
    if not (data / "label_map.pbtxt").exists():
        subprocess.run(
            [py, "-m", "odsweep", "demo-data", str(data)], check=True, capture_output=True
        )
    config = odconfig.load_pipeline_config(str(base_config_path()))
    odconfig.set_data_paths(
        config,
        train_input=str(data / "train-*.tfrecord"),
        eval_input=str(data / "eval-*.tfrecord"),
        label_map=str(data / "label_map.pbtxt"),
    )
    odconfig.set_num_train_steps(config, args.steps)
    config_path = work / "pipeline.config"
    odconfig.write_pipeline_config(config, config_path)

    # (a) odsweep trial
    trial_dir = work / "odsweep" / "bench-1"
    wall_a = run(
        [
            py, "-m", "odsweep", "trial", "--pipeline-config", str(config_path),
            "--trial-dir", str(trial_dir), "--num-train-steps", str(args.steps),
            "--checkpoint-every-n", str(args.every), "--metric",
            "DetectionBoxes_Precision/mAP", "--objective", "max",
        ],
        work / "odsweep.log",
    )  # fmt: skip
    result = json.loads((trial_dir / "result.json").read_text())
    sps_a = steps_per_sec(trial_dir / "train")

    # (b) stock: train_loop, then one eval process per checkpoint
    stock = work / "stock"
    train_wall = run(
        [py, "-c", STOCK_TRAIN, str(config_path), str(stock), str(args.steps), str(args.every),
         str(per_iter)],
        work / "stock-train.log",
    )  # fmt: skip
    sps_b = steps_per_sec(stock / "train")
    checkpoints = sorted(
        {p.name.split(".")[0] for p in stock.glob("ckpt-*.index")},
        key=lambda n: int(n.split("-")[1]),
    )[1:]  # ckpt-1 is the step-0 checkpoint: no weights, model_main_tf2 evaluates it anyway
    eval_wall = 0.0
    for name in checkpoints:
        one = work / "stock-evals" / name
        one.mkdir(parents=True, exist_ok=True)
        for f in stock.glob(f"{name}.*"):
            os.symlink(f, one / f.name)
        (one / "checkpoint").write_text(f'model_checkpoint_path: "{name}"\n')
        eval_wall += run(
            [py, "-c", STOCK_EVAL, str(config_path), str(work / "stock-evals" / (name + "-out")),
             str(one)],
            work / f"stock-eval-{name}.log",
        )  # fmt: skip
    wall_b = train_wall + eval_wall

    def steady(values: list[float]) -> float:
        return statistics.median(values[1:]) if len(values) > 1 else float("nan")

    a, b = steady(sps_a), steady(sps_b)
    print(f"config: tiny SSD-MobileNetV2, {args.steps} steps, checkpoint/eval every {args.every}")
    print(f"cores: {os.cpu_count()}; work folder: {work}")
    print(f"(a) odsweep trial : {a:6.2f} steps/s (median of {len(sps_a) - 1}), "
          f"wall {wall_a:6.1f} s, {len(result['evals'])} evals in-process")  # fmt: skip
    print(f"(b) stock         : {b:6.2f} steps/s (median of {len(sps_b) - 1}), "
          f"wall {wall_b:6.1f} s = train {train_wall:.1f} s + "
          f"{len(checkpoints)} eval processes {eval_wall:.1f} s")  # fmt: skip
    print(f"training steps/s ratio (a/b): {a / b:.3f}   (target >= 0.97)")
    print(f"whole-trial speed-up (b/a):   {wall_b / wall_a:.2f}x (target >= 1.5x)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
