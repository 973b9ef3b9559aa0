"""A stand-in for ``odsweep trial --spec`` with no TensorFlow: same arguments, same
result.json, same metric lines, same SIGTERM contract (the real signal code), but
the "training" is a sleep and the objective a known function of the parameters.

Environment knobs (set by the tests):
  FAKE_DELAY        seconds per eval (default 0.05)
  FAKE_FAIL_ABOVE   learning rates above this fail after the first eval (exit 1)
  FAKE_LOG          a file to append "start|end <name> <time>" lines to
  FAKE_PEERS        with FAKE_LOG: hold after "start" until this many trials run at once
  FAKE_COST         "1": each eval also reports Fake/cost_ms = 1000 * lr + k (a trade-off)

It resumes as the real trial does (``odsweep.trial.resume``, its fake config as the
config), with "start <name> <time> <step>" in FAKE_LOG saying where it began.
"""

from __future__ import annotations

import math
import os
import sys
import time

from odsweep import storage
from odsweep.results import (
    TRIAL_CONFIG_FILE,
    EvalRecord,
    TrialStatus,
    format_metric_lines,
    rfc3339_now,
)
from odsweep.spec import load_spec
from odsweep.trial.from_spec import parse_params, trial_options
from odsweep.trial.resume import begin_attempt, reprint_metric_lines
from odsweep.trial.runner import Recorder
from odsweep.trial.signals import block_sigterm, stop_on_sigterm


def objective(lr: float, k: int, n: int) -> float:
    """Peaks at lr=0.05; rises with each eval."""
    quality = max(0.0, 0.6 - 0.15 * (math.log10(lr) - math.log10(0.05)) ** 2)
    return quality * (0.5 + 0.5 * k / n)


def _wait_for_peers(log: str, peers: int, limit: float = 60.0) -> None:
    """Hold until ``peers`` trials (this one included) are running at once per the log,
    so a test of parallel slots does not depend on how fast each trial starts; gives up
    after ``limit`` seconds (a lone last trial, or a slot rule that is wrong)."""
    deadline = time.monotonic() + limit
    while peers > 1 and time.monotonic() < deadline:
        with open(log) as fh:
            kinds = [line.split()[0] for line in fh if line.strip()]
        if kinds.count("start") - kinds.count("end") >= peers:
            return
        time.sleep(0.02)


def main(argv: list[str]) -> int:
    block_sigterm()
    args = argv[argv.index("trial") + 1 :] if "trial" in argv else argv
    spec_path = args[args.index("--spec") + 1]
    trial_dir = args[args.index("--trial-dir") + 1]
    seed = int(args[args.index("--seed") + 1])
    pairs = zip(args[1:], args[:-1], strict=True)
    raw = dict(a.split("=", 1) for a, flag in pairs if flag == "--param")
    spec = load_spec(spec_path)
    opts = trial_options(spec, trial_dir=trial_dir, params=parse_params(spec, raw), seed=seed)
    config = f"# fake config of {opts.name}: {raw}\n"
    attempt = begin_attempt(opts, config)
    reprint_metric_lines(attempt.result, sys.stdout)
    if attempt.finished:
        return 0
    recorder = Recorder(trial_dir, attempt.result)
    storage.write_text_atomic(storage.join(trial_dir, TRIAL_CONFIG_FILE), config)
    recorder.update(recorder.result)
    stop_on_sigterm(recorder)
    log = os.environ.get("FAKE_LOG")
    if log:
        with open(log, "a") as fh:
            fh.write(f"start {opts.name} {time.time()} {attempt.step}\n")
        _wait_for_peers(log, int(os.environ.get("FAKE_PEERS", "1")))
    lr = float(opts.params.get("learning_rate", 0.05))
    steps = opts.checkpoint_steps()
    for k, step in enumerate(steps, start=1):
        if step <= attempt.step:  # done by an earlier attempt
            continue
        time.sleep(float(os.environ.get("FAKE_DELAY", "0.05")))
        value = objective(lr, k, len(steps))
        metrics = {opts.metric: value, "Loss/total_loss": 1.0 - value}
        if os.environ.get("FAKE_COST") == "1":
            metrics["Fake/cost_ms"] = 1000 * lr + k
        for line in format_metric_lines(metrics, timestamp=rfc3339_now()):
            print(line, flush=True)
        # A checkpoint's files as the real trial leaves them (its index file is what an
        # export's provenance hashes), and the trial's effective config.
        checkpoint = f"{trial_dir}/ckpt-{step}"
        storage.write_bytes_atomic(f"{checkpoint}.index", f"{opts.name} {step}".encode())
        recorder.update(recorder.result.with_eval(EvalRecord(step, checkpoint, metrics)))
        fail_above = os.environ.get("FAKE_FAIL_ABOVE")
        if fail_above is not None and lr > float(fail_above):
            recorder.finish(TrialStatus.FAILED, "loss became nan at step 1")
            return 1
    recorder.finish(TrialStatus.SUCCEEDED)
    if log:
        with open(log, "a") as fh:
            fh.write(f"end {opts.name} {time.time()}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
