"""Benchmark: what ASHA, hyperband and median stopping save against full-budget trials.

One learning-rate search on the demo data (``ssd_tiny.config``, cosine
``learning_rate_base`` log-uniform 1e-3..1: good rates around 1e-2..1e-1, diverging
ones above ~0.2, see bench/learnability.py), run four times with ``odsweep run``:

- ``full``: random search (fixed ``random_state``), N configurations, no early stopping;
- ``medianstop`` and ``asha``: the same random search, so the same N learning rates
  (each trial's seed is its number, as in ``full``), with that early stopping;
- ``hyperband``: Katib's settings (``resource_name``, ``eta``, ``r_l`` = a full trial in
  eval intervals); it samples its own configurations (random search seeded by the same
  ``random_state``, from N log-spaced rates as a discrete list, since Katib's hyperband
  has no log scale; its schedule asks for a different number of them), and
  ``maxTrialCount`` is its schedule's trial count.

Printed per search: train steps spent (sum over trials of ``steps_trained``, the last
evaluated step), wall time of the whole ``odsweep run`` (export of the best model
included) and of its search phase, and the best objective found (``best.json``).
Then the run-to-run spread: the full-budget winner's parameters and seed trained again
(``--repeats`` runs in all, the sweep's own run counted as the first) -> max - min of
their best objective. Target: asha or hyperband finds a best no worse than the full
budget's best by more than that spread, spending <= 40% of its train steps.

Run: ``uv run python bench/budget.py`` (~25 min on 2 busy cores; ``--help`` for settings).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from _demo import demo_search_space

from odsweep.results import trial_results
from odsweep.spec._hyperband import total_trials

ROOT = Path(__file__).resolve().parent.parent
LR = "train_config.optimizer.momentum_optimizer.learning_rate.cosine_decay_learning_rate"
METHODS = ("full", "asha", "hyperband", "medianstop")


@dataclass(frozen=True)
class Outcome:
    """One search's budget and result."""

    method: str
    trials: int
    steps: int
    wall: float
    search: float | None
    best: float
    best_params: dict[str, Any]
    best_trial: str
    statuses: dict[str, int]


def log_grid(low: float, high: float, n: int) -> list[float]:
    """``n`` log-spaced values from ``low`` to ``high``, 3 significant digits."""
    step = (math.log(high) - math.log(low)) / max(n - 1, 1)
    return [float(f"{math.exp(math.log(low) + i * step):.3g}") for i in range(n)]


def base_spec(args: argparse.Namespace, data: Path) -> dict[str, Any]:
    doc = demo_search_space("demo.yaml", data)
    spec = doc["spec"]
    spec["numTrainSteps"] = args.steps
    spec["checkpointEveryNSteps"] = args.every
    spec["sample1OfNEvalExamples"] = args.sample_eval
    spec["parallelTrialCount"] = args.parallel
    spec["maxTrialCount"] = args.configs
    spec["maxFailedTrialCount"] = args.configs  # a diverging trial may fail: keep going
    # hyperband's shortest rung must get past the warm-up; every search gets the same one.
    spec["overrides"] = {f"{LR}.warmup_steps": args.warmup_steps}
    spec["objective"]["additionalMetricNames"] = []
    spec["algorithm"] = {
        "algorithmName": "random",
        "algorithmSettings": [{"name": "random_state", "value": str(args.random_state)}],
    }
    spec["parameters"] = [
        {
            "name": "learning_rate",
            "configPath": f"{LR}.learning_rate_base",
            "parameterType": "double",
            "feasibleSpace": {
                "min": args.lr_min,
                "max": args.lr_max,
                "distribution": "logUniform",
            },
        }
    ]
    spec.pop("earlyStopping", None)
    return doc


def method_spec(args: argparse.Namespace, data: Path, method: str) -> dict[str, Any]:
    doc = base_spec(args, data)
    spec = doc["spec"]
    if method == "medianstop":
        spec["earlyStopping"] = {
            "algorithmName": "medianstop",
            "algorithmSettings": [
                {"name": "min_trials_required", "value": str(args.median_min_trials)},
                {"name": "start_step", "value": str(args.median_start_step)},
            ],
        }
    elif method == "asha":
        spec["earlyStopping"] = {
            "algorithmName": "asha",
            "algorithmSettings": [
                {"name": "min_resource", "value": str(args.asha_min_resource)},
                {"name": "reduction_factor", "value": str(args.asha_reduction_factor)},
                {"name": "min_early_stopping_rate", "value": str(args.asha_min_rate)},
            ],
        }
    elif method == "hyperband":
        r_l = args.steps // args.every
        spec["algorithm"] = {
            "algorithmName": "hyperband",
            "algorithmSettings": [
                {"name": "resource_name", "value": "steps"},
                {"name": "eta", "value": str(args.eta)},
                {"name": "r_l", "value": str(r_l)},
                {"name": "random_state", "value": str(args.random_state)},
            ],
        }
        spec["maxTrialCount"] = total_trials(r_l, args.eta)
        spec["maxFailedTrialCount"] = spec["maxTrialCount"]
        # Katib's hyperband samples uniformly: log-spaced rates are a discrete list.
        space = spec["parameters"][0]
        space["parameterType"] = "discrete"
        space["feasibleSpace"] = {"list": log_grid(args.lr_min, args.lr_max, args.configs)}
        spec["parameters"].append(
            {
                "name": "steps",
                "configPath": "train_config.num_steps",
                "parameterType": "int",
                "feasibleSpace": {"min": 1, "max": r_l},
            }
        )
    return doc


def search_seconds(log: Path) -> float | None:
    """The search phase (first log line to the last trial's end) from the log's stamps."""

    def stamp(line: str) -> float:
        return dt.datetime.strptime(line[:23], "%Y-%m-%d %H:%M:%S,%f").timestamp()

    lines = [ln for ln in log.read_text().splitlines() if ln[:4].isdigit() and ln[19:20] == ","]
    ends = [stamp(ln) for ln in lines if "_progress:" in ln]
    if not lines or not ends:
        return None
    return max(ends) - stamp(lines[0])


def run_search(doc: dict[str, Any], work: Path, method: str) -> Outcome:
    name = f"bench-{method}"
    doc["metadata"]["name"] = name
    spec_path = work / f"{name}.yaml"
    spec_path.write_text(yaml.safe_dump(doc))
    out = work / name
    start = time.perf_counter()
    with (work / f"{name}.log").open("w") as log:
        subprocess.run(
            [
                sys.executable,
                "-m",
                "odsweep",
                "run",
                str(spec_path),
                "--output",
                str(out),
                "--no-progress",
            ],
            check=True,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    wall = time.perf_counter() - start
    best = json.loads((out / "best.json").read_text())
    docs = trial_results(str(out))
    statuses: dict[str, int] = {}
    for d in docs:
        statuses[d.status.value] = statuses.get(d.status.value, 0) + 1
    return Outcome(
        method=method,
        trials=len(docs),
        steps=sum(int(d.extra["steps_trained"]) for d in docs),
        wall=wall,
        search=search_seconds(work / f"{name}.log"),
        best=float(best["value"]),
        best_params=best["params"],
        best_trial=best["trial"],
        statuses=statuses,
    )


def repeat_winner(work: Path, full: Outcome, repeats: int, parallel: int) -> list[float]:
    """The full-budget winner's parameters and seed trained ``repeats - 1`` more times."""
    spec_path = work / "bench-full.yaml"
    trial_dir = work / "bench-full" / "trials" / full.best_trial
    first = json.loads((trial_dir / "result.json").read_text())
    values = [float(first["best"]["value"])]
    params = [f"{k}={v}" for k, v in first["params"].items()]
    pending = list(range(1, repeats))
    while pending:
        batch, pending = pending[:parallel], pending[parallel:]
        procs = []
        for i in batch:
            folder = work / "repeats" / f"{full.best_trial}-r{i}"
            argv = [sys.executable, "-m", "odsweep", "trial", "--spec", str(spec_path),
                    "--trial-dir", str(folder), "--seed", str(first["seed"])]  # fmt: skip
            for p in params:
                argv += ["--param", p]
            log = (work / f"repeat-{i}.log").open("w")
            procs.append((folder, subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT)))
        for folder, proc in procs:
            proc.wait()
            doc = json.loads((folder / "result.json").read_text())
            values.append(float(doc["best"]["value"]) if doc["best"] else math.nan)
    return values


def print_settings(args: argparse.Namespace) -> None:
    r_l = args.steps // args.every
    print("settings:")
    print(
        f"  data: demo-data --num-train {args.num_train} --num-eval {args.num_eval} "
        f"--seed {args.data_seed}; sample1OfNEvalExamples {args.sample_eval}"
    )
    print(
        f"  trials: numTrainSteps {args.steps}, checkpointEveryNSteps {args.every} "
        f"({r_l} evals), warmup_steps {args.warmup_steps}, parallelTrialCount "
        f"{args.parallel}"
    )
    print(
        f"  space: learning_rate_base logUniform {args.lr_min}..{args.lr_max}; "
        f"random random_state {args.random_state}, {args.configs} configurations"
    )
    print(
        f"  medianstop: min_trials_required {args.median_min_trials}, "
        f"start_step {args.median_start_step}"
    )
    print(
        f"  asha: min_resource {args.asha_min_resource}, reduction_factor "
        f"{args.asha_reduction_factor}, min_early_stopping_rate {args.asha_min_rate}"
    )
    print(
        f"  hyperband: resource steps (x{args.every} train steps), eta {args.eta}, "
        f"r_l {r_l}, maxTrialCount {total_trials(r_l, args.eta)} (its schedule), "
        f"own random configurations (random_state {args.random_state}) from "
        f"the discrete list {log_grid(args.lr_min, args.lr_max, args.configs)}"
    )
    print(f"  spread: the full-budget winner trained {args.repeats} times (same seed)")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add = parser.add_argument
    add("--num-train", type=int, default=64, help="demo train images")
    add("--num-eval", type=int, default=16, help="demo eval images")
    add("--data-seed", type=int, default=0)
    add("--sample-eval", type=int, default=2, help="sample1OfNEvalExamples")
    add("--steps", type=int, default=90, help="numTrainSteps")
    add("--every", type=int, default=10, help="checkpointEveryNSteps")
    add("--warmup-steps", type=int, default=5, help="cosine warmup_steps (< --every)")
    add("--parallel", type=int, default=2, help="parallelTrialCount")
    add("--configs", type=int, default=16, help="configurations (maxTrialCount)")
    add("--random-state", type=int, default=11)
    add("--lr-min", type=float, default=1e-3)
    add("--lr-max", type=float, default=1.0)
    add("--median-min-trials", type=int, default=3)
    add("--median-start-step", type=int, default=2)
    add("--asha-min-resource", type=int, default=10, help="steps")
    add("--asha-reduction-factor", type=int, default=3)
    add("--asha-min-rate", type=int, default=0, help="min_early_stopping_rate")
    add("--eta", type=int, default=3, help="hyperband eta (r_l = steps / every)")
    add("--repeats", type=int, default=3, help="runs of the full-budget winner, in all")
    add("--target-ratio", type=float, default=0.40, help="max steps vs full budget")
    add("--methods", default=",".join(METHODS), help="comma-separated subset")
    add("--keep", help="work folder to keep")
    args = parser.parse_args()
    methods = [m for m in args.methods.split(",") if m]
    if methods[:1] != ["full"] or not set(methods) <= set(METHODS):
        parser.error(f"--methods must start with full and name only {', '.join(METHODS)}")
    if args.steps % args.every:
        parser.error("--steps must be a multiple of --every (hyperband's r_l)")
    work = Path(args.keep or tempfile.mkdtemp(prefix="odsweep-bench-budget-"))
    work.mkdir(parents=True, exist_ok=True)
    data = work / "data"
    if not (data / "label_map.pbtxt").exists():
        subprocess.run(
            [
                sys.executable,
                "-m",
                "odsweep",
                "demo-data",
                str(data),
                "--num-train",
                str(args.num_train),
                "--num-eval",
                str(args.num_eval),
                "--seed",
                str(args.data_seed),
            ],
            check=True,
            capture_output=True,
        )
    print(f"work folder: {work}")
    print_settings(args)
    print()
    header = (
        f"{'search':<11} {'trials':>6} {'train steps':>11} {'vs full':>7} "
        f"{'wall s':>7} {'search s':>8} {'best mAP':>8}  best params / statuses"
    )
    print(header, flush=True)
    done: dict[str, Outcome] = {}
    spread = math.nan
    passed: list[bool] = []
    # The spread right after the full budget, then the targets' searches, medianstop
    # last: each line is printed as soon as it is known, so a cut run keeps its numbers.
    for method in methods:
        o = run_search(method_spec(args, data, method), work, method)
        done[method] = o
        ratio = o.steps / done["full"].steps
        search = f"{o.search:.0f}" if o.search is not None else "-"
        lr = o.best_params.get("learning_rate")
        extra = " ".join(f"{k}:{v}" for k, v in sorted(o.statuses.items()))
        print(
            f"{method:<11} {o.trials:>6} {o.steps:>11} {ratio:>7.2f} {o.wall:>7.0f} "
            f"{search:>8} {o.best:>8.4f}  lr={lr} ({o.best_trial}); {extra}",
            flush=True,
        )
        full = done["full"]
        if method == "full":
            values = repeat_winner(work, full, args.repeats, args.parallel)
            spread = max(values) - min(values)
            print(
                f"  spread: {full.best_trial} (lr={lr}) trained {len(values)} times: "
                f"{', '.join(f'{v:.4f}' for v in values)} -> max-min {spread:.4f}",
                flush=True,
            )
        elif method in ("asha", "hyperband"):
            gap = full.best - o.best
            ok = gap <= spread and ratio <= args.target_ratio
            passed.append(ok)
            print(
                f"  target {method}: best {o.best:.4f} vs full {full.best:.4f} (short by "
                f"{gap:+.4f}, allowed {spread:.4f}); steps {ratio:.0%} of full (allowed "
                f"{args.target_ratio:.0%}): {'PASS' if ok else 'FAIL'}",
                flush=True,
            )
    print(f"target (asha or hyperband): {'PASS' if any(passed) else 'FAIL'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
