"""Benchmark: the local engine's overhead, and what median stopping saves.

(a) Overhead. One demo sweep (``search_spaces/demo.yaml`` settings unless told
    otherwise): the search phase's wall time against the sum of its trials' process
    wall times divided by the parallelism (tail included). Target <= 1.10 (Ray Tune's
    published overhead is 1.14). Export and verification are timed apart.
(b) Median stopping. The same random search (same seed, one trial at a time, so both
    runs try the same parameters in the same order) with and without ``medianstop``,
    on a config with >= 6 evals per trial and a learning-rate range wide enough that
    some trials are clearly bad. Printed: train steps spent (to each trial's last eval)
    and the best trial of each. Target: >= 35% fewer steps, the same best trial or a
    best value within 0.02.

Run: ``uv run python bench/sweep.py [--part a|b|both]`` (a: ~10 min, b: ~20 min on 2 cores).
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

ROOT = Path(__file__).resolve().parent.parent
LR = "train_config.optimizer.momentum_optimizer.learning_rate.cosine_decay_learning_rate"


def demo_spec(data: Path) -> dict[str, Any]:
    doc: dict[str, Any] = yaml.safe_load((ROOT / "search_spaces" / "demo.yaml").read_text())
    spec = doc["spec"]
    spec["pipelineConfigPath"] = str(ROOT / "src" / "odsweep" / "demodata" / "ssd_tiny.config")
    spec["trainInputPath"] = str(data / "train-*.tfrecord")
    spec["evalInputPath"] = str(data / "eval-*.tfrecord")
    spec["labelMapPath"] = str(data / "label_map.pbtxt")
    return doc


def run_sweep(doc: dict[str, Any], work: Path, name: str) -> tuple[float, dict[str, Any]]:
    """Run ``odsweep run`` on ``doc``; returns its wall time and best.json."""
    doc["metadata"]["name"] = name
    spec_path = work / f"{name}.yaml"
    spec_path.write_text(yaml.safe_dump(doc))
    out = work / name
    start = time.perf_counter()
    with (work / f"{name}.log").open("w") as log:
        subprocess.run(
            [sys.executable, "-m", "odsweep", "run", str(spec_path), "--output", str(out),
             "--no-progress"],
            check=True, stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
    wall = time.perf_counter() - start
    return wall, json.loads((out / "best.json").read_text())


def results(out: Path) -> list[dict[str, Any]]:
    docs = [json.loads(p.read_text()) for p in (out / "trials").glob("*/result.json")]
    return sorted(docs, key=lambda d: int(d["trial"].rsplit("-", 1)[1]))


def phase_times(log: Path) -> tuple[float, float]:
    """(search seconds, export+verify seconds) from the run's log timestamps."""
    import datetime as dt

    def stamp(line: str) -> float:
        return dt.datetime.strptime(line[:23], "%Y-%m-%d %H:%M:%S,%f").timestamp()

    lines = [ln for ln in log.read_text().splitlines() if ln[:4].isdigit() and ln[19:20] == ","]
    first = next(stamp(ln) for ln in lines if "sweep " in ln and "output" in ln)
    ends = [stamp(ln) for ln in lines if "_progress:" in ln]
    exported = next(stamp(ln) for ln in lines if "odsweep.sweep: exported" in ln)
    return max(ends) - first, exported - max(ends)


def part_a(work: Path, data: Path) -> None:
    doc = demo_spec(data)
    name = "bench-overhead"
    wall, best = run_sweep(doc, work, name)
    trials = results(work / name)
    parallel = doc["spec"]["parallelTrialCount"]
    busy = sum(t["wall_seconds"] for t in trials) / parallel
    search, export = phase_times(work / f"{name}.log")
    print(f"(a) demo sweep: {len(trials)} trials, {parallel} in parallel, whole run {wall:.1f} s")
    print(f"    search phase {search:.1f} s; sum of trial process times / parallelism {busy:.1f} s")
    print(f"    overhead ratio: {search / busy:.3f}   (target <= 1.10; Ray Tune publishes 1.14)")
    print(f"    export + verification (timed apart): {export:.1f} s")
    print(f"    best: {best['trial']} {best['metric']}={best['value']:.4f} {best['params']}")


def part_b(work: Path, data: Path, trials: int) -> None:
    doc = demo_spec(data)
    spec = doc["spec"]
    spec["numTrainSteps"] = 300
    spec["checkpointEveryNSteps"] = 50  # 6 evals per trial
    spec["parallelTrialCount"] = 1
    spec["maxTrialCount"] = trials
    spec["algorithm"] = {
        "algorithmName": "random",
        "algorithmSettings": [{"name": "random_state", "value": "11"}],
    }
    spec["parameters"] = [
        {
            "name": "learning_rate",
            "configPath": f"{LR}.learning_rate_base",
            "parameterType": "double",
            "feasibleSpace": {"min": 0.01, "max": 1.0, "distribution": "logUniform"},
        }
    ]
    spec.pop("earlyStopping", None)
    base_wall, base_best = run_sweep(doc, work, "bench-nostop")
    spec["earlyStopping"] = {
        "algorithmName": "medianstop",
        "algorithmSettings": [
            {"name": "min_trials_required", "value": "2"},
            {"name": "start_step", "value": "2"},
        ],
    }
    stop_wall, stop_best = run_sweep(doc, work, "bench-medianstop")

    def steps(out: Path) -> tuple[int, list[str]]:
        docs = results(out)
        spent = sum(d["evals"][-1]["step"] if d["evals"] else 0 for d in docs)
        return spent, [f"{d['trial']}:{d['status']}" for d in docs]

    base_steps, _ = steps(work / "bench-nostop")
    stop_steps, stop_status = steps(work / "bench-medianstop")
    print(f"(b) random search, {trials} trials, one at a time, same seed, 6 evals per trial")
    print(f"    without medianstop: {base_steps} train steps, {base_wall:.0f} s, best "
          f"{base_best['trial']} = {base_best['value']:.4f}")  # fmt: skip
    print(f"    with medianstop:    {stop_steps} train steps, {stop_wall:.0f} s, best "
          f"{stop_best['trial']} = {stop_best['value']:.4f}")  # fmt: skip
    print(f"    statuses: {' '.join(stop_status)}")
    saved = 1 - stop_steps / base_steps
    same = stop_best["trial"] == base_best["trial"]
    delta = abs(stop_best["value"] - base_best["value"])
    print(f"    steps saved: {saved:.0%} (target >= 35%); same best trial: {same}; "
          f"best value difference {delta:.4f} (target: same trial or <= 0.02)")  # fmt: skip


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--part", choices=("a", "b", "both"), default="both")
    parser.add_argument("--trials-b", type=int, default=8)
    parser.add_argument("--keep", help="work folder to keep")
    args = parser.parse_args()
    work = Path(args.keep or tempfile.mkdtemp(prefix="odsweep-bench-sweep-"))
    work.mkdir(parents=True, exist_ok=True)
    data = work / "data"
    if not (data / "label_map.pbtxt").exists():
        subprocess.run(
            [sys.executable, "-m", "odsweep", "demo-data", str(data)],
            check=True,
            capture_output=True,
        )
    print(f"work folder: {work}")
    if args.part in ("a", "both"):
        part_a(work, data)
    if args.part in ("b", "both"):
        part_b(work, data, args.trials_b)
    return 0


if __name__ == "__main__":
    sys.exit(main())
