"""Learnability check: does ssd_tiny learn the demo data, and does the learning rate matter?

Writes the demo dataset, fills ``ssd_tiny.config`` with its paths, then for each learning
rate trains with ``model_lib_v2.train_loop`` (checkpoint every ``--eval-every`` steps),
evaluates every checkpoint with ``model_lib_v2.eager_eval_loop`` (model and eval dataset
built once per trial, as a sweep trial would) and reads ``DetectionBoxes_Precision/mAP``
back from the eval event files. Trials run one after another in this process.

Run: ``uv run python bench/learnability.py`` (options: ``--help``; ``--lrs label=lr,...``).
A trial whose learning rate is below the config's ``warmup_learning_rate`` (0.001) gets
its warmup rate lowered to match, which the OD API requires.

Measured on 2 CPU cores shared with other work (load average 2.5-4 during the runs),
TF 2.21, demo seed 0, 64 train / 16 eval images, 300 steps, batch 8, shipped
``ssd_tiny.config`` (learning_rate_base overridden). Final ``DetectionBoxes_Precision/mAP``
(mAP@.50IOU in brackets); several values = repeated runs (training is not deterministic):

    learning_rate_base   mAP at 300 steps
    0.0001               0.054, 0.094, 0.038       too low: still learning slowly
    0.001                0.426 (0.833)
    0.003                0.422 (0.872)
    0.01                 0.482 (0.905)
    0.03 (default)       0.511, 0.494, 0.441, 0.502, 0.472 (0.93-0.94)
    0.08                 0.547, 0.410
    0.15                 0.298 (0.718)
    0.2                  0.157 (0.375)
    0.3                  0.007, 0.183              at the divergence cliff
    1.0                  0.005, 0.006              diverges (loss 1e6-1e8)

(Most of these runs warmed up from 0.01, the config's warmup rate then; the default-run
rows below warmed up from today's 0.001. Within the noise, no difference was seen.)

Learning curve, default run (eval at 100 / 200 / 300 steps):

    good     lr 0.03     0.295 / 0.413 / 0.472   (mAP@.5 0.80 / 0.85 / 0.94)
    bad_high lr 1.0      0.001 / 0.006 / 0.006   (loss 8.7e7)
    bad_low  lr 0.0001   0.021 / 0.028 / 0.038

Cost per trial (300 steps + 3 evals, model and eval dataset built once per trial):
steady 7-10 train steps/s (12 on a quieter machine), train_loop 57-65 s of which ~25 s
is tracing and setup, 3 evals 17-20 s (the first traces), wall 77-82 s, 88-90 s of CPU.
The first trial of a process pays more (125 s of training under load: imports, first
traces). The same config without ``reduce_boxes_in_lowest_layer: false`` reached only
mAP 0.095 / 0.080 / 0.008 at learning rates 0.08 / 0.2 / 0.4.
"""

from __future__ import annotations

import argparse
import logging
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from odsweep.demodata import base_config_path, write_demo_dataset
from odsweep.tfcompat import load_tensorflow

MAP_TAG = "DetectionBoxes_Precision/mAP"
MAP50_TAG = "DetectionBoxes_Precision/mAP@.50IOU"


@dataclass
class TrialResult:
    label: str
    learning_rate: float
    steps: int
    train_seconds: float = 0.0
    eval_seconds: float = 0.0
    # CPU seconds of this process (all threads): comparable across runs on a shared
    # machine, where wall time depends on what else runs.
    cpu_seconds: float = 0.0
    steps_per_sec: float = 0.0
    final_loss: float = float("nan")
    # step -> (mAP, mAP@.5), read from the eval event files
    evals: dict[int, tuple[float, float]] = field(default_factory=dict)


def fill_config(
    base: Path, out: Path, dataset: Any, *, steps: int, lr: float, warmup_steps: int
) -> Path:
    """Writes a trial pipeline.config: data paths, classes, steps and the LR schedule."""
    from object_detection.utils import config_util

    configs = config_util.get_configs_from_pipeline_file(str(base))
    configs["model"].ssd.num_classes = dataset.num_classes
    train_cfg = configs["train_config"]
    train_cfg.num_steps = steps
    cosine = train_cfg.optimizer.momentum_optimizer.learning_rate.cosine_decay_learning_rate
    cosine.learning_rate_base = lr
    cosine.total_steps = steps
    cosine.warmup_steps = min(warmup_steps, steps - 1)
    # The OD API rejects a warmup LR above the base LR.
    cosine.warmup_learning_rate = min(cosine.warmup_learning_rate, lr)
    configs["train_input_config"].label_map_path = dataset.label_map_path
    configs["train_input_config"].tf_record_input_reader.input_path[:] = [dataset.train_glob]
    for eval_input in configs["eval_input_configs"]:
        eval_input.label_map_path = dataset.label_map_path
        eval_input.tf_record_input_reader.input_path[:] = [dataset.eval_glob]
    out.mkdir(parents=True, exist_ok=True)
    proto = config_util.create_pipeline_proto_from_configs(configs)
    config_util.save_pipeline_config(proto, str(out))
    return out / "pipeline.config"


def read_scalars(tf: Any, folder: Path, tag: str) -> dict[int, float]:
    """step -> value of one scalar tag in every event file under ``folder``."""
    found: dict[int, float] = {}
    for path in sorted(folder.rglob("events.out.tfevents.*")):
        for event in tf.compat.v1.train.summary_iterator(str(path)):
            for value in event.summary.value:
                if value.tag != tag:
                    continue
                # TF2 summaries store scalars as tensors, not simple_value.
                number = (
                    tf.make_ndarray(value.tensor)
                    if value.HasField("tensor")
                    else value.simple_value
                )
                found[int(event.step)] = float(number)
    return found


def evaluate_checkpoints(tf: Any, config_path: Path, model_dir: Path) -> None:
    """Evaluates every checkpoint in ``model_dir`` (except step 0) once, oldest first."""
    from object_detection import inputs, model_lib_v2
    from object_detection.builders import model_builder
    from object_detection.utils import config_util

    configs = config_util.get_configs_from_pipeline_file(str(config_path))
    eval_input_config = configs["eval_input_configs"][0]
    strategy = tf.distribute.get_strategy()
    model = model_builder.build(model_config=configs["model"], is_training=True)
    eval_input = strategy.experimental_distribute_dataset(
        inputs.eval_input(
            eval_config=configs["eval_config"],
            eval_input_config=eval_input_config,
            model_config=configs["model"],
            model=model,
        )
    )
    global_step = tf.Variable(0, trainable=False, dtype=tf.int64)
    ckpt = tf.train.Checkpoint(step=global_step, model=model)
    writer = tf.summary.create_file_writer(str(model_dir / "eval" / eval_input_config.name))
    state = tf.train.get_checkpoint_state(str(model_dir))
    for path in state.all_model_checkpoint_paths:
        ckpt.restore(path).expect_partial()
        if int(global_step.numpy()) == 0:
            continue  # train_loop's step-0 checkpoint holds untrained weights
        with writer.as_default():
            model_lib_v2.eager_eval_loop(model, configs, eval_input, global_step=global_step)
        writer.flush()


def run_trial(
    tf: Any,
    base: Path,
    dataset: Any,
    work: Path,
    *,
    label: str,
    lr: float,
    steps: int,
    eval_every: int,
    warmup_steps: int,
    per_iteration: int,
) -> TrialResult:
    from object_detection import model_lib_v2

    model_dir = work / label
    config_path = fill_config(
        base, model_dir, dataset, steps=steps, lr=lr, warmup_steps=warmup_steps
    )
    result = TrialResult(label=label, learning_rate=lr, steps=steps)
    tf.keras.backend.clear_session()
    cpu_start = time.process_time()
    start = time.monotonic()
    model_lib_v2.train_loop(
        pipeline_config_path=str(config_path),
        model_dir=str(model_dir),
        train_steps=steps,
        checkpoint_every_n=eval_every,
        # Must divide the checkpoint interval, or no checkpoint lands on it.
        num_steps_per_iteration=per_iteration,
        checkpoint_max_to_keep=100,
    )
    result.train_seconds = time.monotonic() - start

    start = time.monotonic()
    evaluate_checkpoints(tf, config_path, model_dir)
    result.eval_seconds = time.monotonic() - start
    result.cpu_seconds = time.process_time() - cpu_start

    # The first iteration's rate includes tracing: report the steady state.
    rates = read_scalars(tf, model_dir / "train", "steps_per_sec")
    steady = [v for s, v in sorted(rates.items()) if s > per_iteration]
    result.steps_per_sec = statistics.median(steady) if steady else float("nan")
    losses = read_scalars(tf, model_dir / "train", "Loss/total_loss")
    if losses:
        result.final_loss = losses[max(losses)]
    maps = read_scalars(tf, model_dir / "eval", MAP_TAG)
    maps50 = read_scalars(tf, model_dir / "eval", MAP50_TAG)
    result.evals = {s: (maps[s], maps50.get(s, float("nan"))) for s in sorted(maps)}
    return result


def parse_lrs(text: str) -> list[tuple[str, float]]:
    pairs = []
    for item in text.split(","):
        name, _, value = item.partition("=")
        pairs.append((name.strip(), float(value)))
    return pairs


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--work", type=Path, default=None, help="work dir (default: a temp dir)")
    parser.add_argument(
        "--lrs", default="good=0.03,bad_high=1.0,bad_low=0.0001", help="label=lr,..."
    )
    parser.add_argument("--steps", type=int, default=300)
    parser.add_argument("--eval-every", type=int, default=100)
    parser.add_argument("--per-iteration", type=int, default=50)
    parser.add_argument("--warmup-steps", type=int, default=30)
    parser.add_argument("--seed", type=int, default=0, help="demo data seed")
    parser.add_argument("--num-train", type=int, default=64)
    parser.add_argument("--num-eval", type=int, default=16)
    parser.add_argument("--base-config", type=Path, default=None)
    args = parser.parse_args(argv)
    if args.steps % args.eval_every or args.eval_every % args.per_iteration:
        parser.error("--per-iteration must divide --eval-every, which must divide --steps")

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")
    tf = load_tensorflow()
    tf.get_logger().setLevel(logging.WARNING)  # the OD API logs every eval image at INFO
    work = args.work or Path(tempfile.mkdtemp(prefix="odsweep-learnability-"))
    dataset = write_demo_dataset(
        work / "data", seed=args.seed, num_train=args.num_train, num_eval=args.num_eval
    )
    base = args.base_config or base_config_path("ssd_tiny")

    results = []
    for label, lr in parse_lrs(args.lrs):
        start = time.monotonic()
        result = run_trial(
            tf,
            base,
            dataset,
            work,
            label=label,
            lr=lr,
            steps=args.steps,
            eval_every=args.eval_every,
            warmup_steps=args.warmup_steps,
            per_iteration=args.per_iteration,
        )
        wall = time.monotonic() - start
        results.append((result, wall))
        print(f"[{label}] done in {wall:.1f} s: {result.evals}", flush=True)

    print(f"\nwork dir: {work}; data: {dict(dataset.counts)}")
    header = f"{'trial':<10} {'lr':>7} {'steps':>5} {'steps/s':>7} {'train s':>7} {'eval s':>6}"
    print(f"{header} {'wall s':>6} {'cpu s':>6} {'loss':>8}  mAP (mAP@.5) per eval step")
    for r, wall in results:
        curve = "  ".join(f"{s}: {m:.3f} ({m50:.3f})" for s, (m, m50) in r.evals.items())
        print(
            f"{r.label:<10} {r.learning_rate:>7.4g} {r.steps:>5} {r.steps_per_sec:>7.1f} "
            f"{r.train_seconds:>7.1f} {r.eval_seconds:>6.1f} {wall:>6.1f} {r.cpu_seconds:>6.1f} "
            f"{r.final_loss:>8.3g}  "
            f"{curve}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
