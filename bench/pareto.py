"""Benchmark: accuracy against serving latency, the Pareto front and a constrained winner.

The demo trade-off search (``search_spaces/demo-tradeoffs.yaml``: input height and
width in {96, 128, 160}, depth multiplier in {0.25, 0.35, 0.5}, mAP up and
``Serving/latency_p50_ms`` down, a multi-objective multivariate-TPE study) run once with
``odsweep run`` on the demo data, made shorter (``--steps``) so that it fits in minutes.
Each trial measures its best checkpoint's serving cost at its end (batch 1, thread
pools pinned, see bench/latency.py for how repeatable that is here).

Printed: every trial (mAP, p50 latency, on the front or not), the front odsweep wrote
to ``best.json``, then two winners chosen by odsweep's own selection
(``odsweep.results.select_best``): the unconstrained one (best mAP) and the one under
``Serving/latency_p50_ms <= --latency-fraction x`` the unconstrained winner's latency
(what ``export.constraints`` does), with the mAP lost and the latency gained.

Run: ``uv run python bench/pareto.py`` (~15 min on 2 cores; ``--help`` for settings).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import yaml
from _demo import demo_search_space

from odsweep.results import (
    LATENCY_P50_MS,
    Constraint,
    ConstraintsUnmet,
    ObjectiveType,
    best_metrics,
    select_best,
    trial_results,
)

ROOT = Path(__file__).resolve().parent.parent
LR = "train_config.optimizer.momentum_optimizer.learning_rate.cosine_decay_learning_rate"


def odsweep(*args: str, log: Path | None = None) -> int:
    """Run the odsweep CLI of this interpreter; its output goes to ``log``."""
    with open(log or Path("/dev/null"), "w") as out:
        return subprocess.run(
            [sys.executable, "-m", "odsweep", *args], stdout=out, stderr=subprocess.STDOUT
        ).returncode


def bench_spec(args: argparse.Namespace, data: Path) -> dict[str, Any]:
    doc = demo_search_space("demo-tradeoffs.yaml", data)
    spec = doc["spec"]
    spec["numTrainSteps"] = args.steps
    spec["checkpointEveryNSteps"] = args.every
    spec["maxTrialCount"] = args.trials
    spec["parallelTrialCount"] = args.parallel
    # The config warms up for 30 steps; shorter trials need a shorter warm-up.
    spec["overrides"] = {**spec.get("overrides", {}), f"{LR}.warmup_steps": args.warmup_steps}
    # The bench applies the constraint itself, after the search (see the docstring).
    spec["export"].pop("constraints", None)
    return doc


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add = parser.add_argument
    add("--num-train", type=int, default=64)
    add("--num-eval", type=int, default=16)
    add("--steps", type=int, default=120, help="numTrainSteps")
    add("--every", type=int, default=40, help="checkpointEveryNSteps")
    add("--warmup-steps", type=int, default=10)
    add("--trials", type=int, default=8, help="maxTrialCount")
    add("--parallel", type=int, default=2, help="parallelTrialCount")
    add("--latency-fraction", type=float, default=0.7, help="constraint vs the winner's p50")
    add("--keep", help="work folder to keep")
    args = parser.parse_args()
    work = Path(args.keep or tempfile.mkdtemp(prefix="odsweep-bench-pareto-"))
    work.mkdir(parents=True, exist_ok=True)
    data = work / "data"
    if not (data / "label_map.pbtxt").exists():
        code = odsweep(
            "demo-data", str(data), "--num-train", str(args.num_train),
            "--num-eval", str(args.num_eval),
        )  # fmt: skip
        if code:
            print(f"demo-data failed ({code})")
            return 1
    spec_path = work / "pareto.yaml"
    spec_path.write_text(yaml.safe_dump(bench_spec(args, data), sort_keys=False))
    out = work / "out"
    print(f"work folder: {work}")
    print(
        f"search: {args.trials} trials of {args.steps} steps (eval every {args.every}), "
        f"{args.parallel} at a time; objective mAP (max), trade-off {LATENCY_P50_MS} (min)",
        flush=True,
    )
    started = time.monotonic()
    code = odsweep("run", str(spec_path), "--output", str(out), log=work / "run.log")
    wall = time.monotonic() - started
    print(f"odsweep run: exit {code}, {wall:.0f} s (log: {work / 'run.log'})")
    results = trial_results(str(out))
    best_doc = json.loads((out / "best.json").read_text())
    front = {p["trial"] for p in best_doc.get("pareto", [])}

    print()
    print(f"{'trial':<28} {'height':>6} {'width':>5} {'depth':>5} {'mAP':>7} {'p50 ms':>7}  front")
    for result in sorted(results, key=lambda r: r.trial):
        metrics = best_metrics(result)
        p = result.params
        print(
            f"{result.trial:<28} {p.get('input_height', '-'):>6} {p.get('input_width', '-'):>5} "
            f"{p.get('depth_multiplier', '-'):>5} {metrics.get(result.metric, float('nan')):>7.4f} "
            f"{metrics.get(LATENCY_P50_MS, float('nan')):>7.1f}  "
            f"{'*' if result.trial in front else ''}{'' if result.best else result.status.value}"
        )

    free = select_best(results, ObjectiveType.MAXIMIZE)
    if free is None:
        print("no trial has a best checkpoint")
        return 1
    free_metrics = best_metrics(free)
    if LATENCY_P50_MS not in free_metrics:
        print(f"the winner {free.trial} has no {LATENCY_P50_MS}: serving cost not measured")
        return 1
    bound = round(args.latency_fraction * free_metrics[LATENCY_P50_MS], 1)
    constraint = Constraint(LATENCY_P50_MS, bound, upper=True)
    print()
    print(
        f"unconstrained winner: {free.trial}: mAP {free_metrics[free.metric]:.4f}, "
        f"p50 {free_metrics[LATENCY_P50_MS]:.1f} ms"
    )
    try:
        tied = select_best(results, ObjectiveType.MAXIMIZE, [constraint])
    except ConstraintsUnmet as exc:
        print(f"constraint {LATENCY_P50_MS} <= {bound} ms: {exc}")
        return 0
    assert tied is not None
    tied_metrics = best_metrics(tied)
    lost = free_metrics[free.metric] - tied_metrics[tied.metric]
    gained = 1 - tied_metrics[LATENCY_P50_MS] / free_metrics[LATENCY_P50_MS]
    print(
        f"winner under {LATENCY_P50_MS} <= {bound} ms: {tied.trial}: "
        f"mAP {tied_metrics[tied.metric]:.4f}, p50 {tied_metrics[LATENCY_P50_MS]:.1f} ms "
        f"-> mAP lost {lost:.4f}, latency {gained:.0%} lower; on the front: "
        f"{'yes' if tied.trial in front else 'no'}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
