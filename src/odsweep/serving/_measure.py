"""Measure a SavedModel's serving cost in a fresh process with pinned thread pools."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys

from odsweep import storage
from odsweep.errors import InputError, OdsweepError
from odsweep.export import INPUT_TYPES
from odsweep.results import SAVED_MODEL_FILE
from odsweep.serving._cost import DEFAULT_RUNS, DEFAULT_THREADS, DEFAULT_WARMUP_RUNS, ServingCost
from odsweep.serving._worker import ERROR_MARK, RESULT_MARK

logger = logging.getLogger(__name__)

DEFAULT_IMAGES = 4
DEFAULT_TIMEOUT_SECONDS = 900.0


class MeasureFailed(OdsweepError):
    """The model was there and the inputs were fine, but measuring it failed."""


def _check(
    saved_model_dir: str, input_type: str, warmup: int, runs: int, threads: int, images: int
) -> None:
    problems = []
    if input_type not in INPUT_TYPES:
        problems.append(f"input_type: unknown {input_type!r}; use one of {', '.join(INPUT_TYPES)}")
    if warmup < 0:
        problems.append(f"warmup: must be >= 0, got {warmup}")
    if runs < 1:
        problems.append(f"runs: must be >= 1, got {runs}; 30 gives a stable median")
    if threads < 1:
        problems.append(f"threads: must be >= 1, got {threads}")
    if images < 1:
        problems.append(f"images: must be >= 1, got {images}")
    if not storage.exists(storage.join(saved_model_dir, SAVED_MODEL_FILE)):
        problems.append(
            f"saved_model_dir: no {SAVED_MODEL_FILE} in {saved_model_dir!r}; "
            "pass an exported SavedModel folder"
        )
    if problems:
        raise InputError(problems)


def measure_saved_model(
    saved_model_dir: str,
    *,
    eval_input: str,
    input_type: str = "image_tensor",
    warmup: int = DEFAULT_WARMUP_RUNS,
    runs: int = DEFAULT_RUNS,
    threads: int = DEFAULT_THREADS,
    images: int = DEFAULT_IMAGES,
    timeout_seconds: float = DEFAULT_TIMEOUT_SECONDS,
) -> ServingCost:
    """Time ``serving_default`` at batch 1 on real eval images; size and count the model.

    Runs in a child process (``odsweep.serving._worker``) whose intra-op and inter-op
    thread pools are pinned to ``threads`` before TensorFlow runs its first op: that can
    be done only once per process, and the caller's TensorFlow may already be running.
    The first ``images`` eval images are fed in turn, in the export's input type; each
    timed call includes fetching every output to host memory.

    Args:
        saved_model_dir: A SavedModel folder (e.g. ``ExportResult.path``).
        eval_input: TFRecord glob of OD API ``tf.train.Example`` records.
        input_type: The input type the model was exported with.
        warmup: Untimed calls first.
        runs: Timed calls (the median of 30 is stable within a few % on a busy machine).
        threads: Size of each TensorFlow thread pool in the measuring process.
        images: How many eval images to cycle through.
        timeout_seconds: The measuring process is killed after this long.

    Raises:
        InputError: A bad argument, no SavedModel there, unreadable eval records, or an
            input type the model was not exported with.
        MeasureFailed: The model failed to load or run, or the process timed out.
    """
    _check(saved_model_dir, input_type, warmup, runs, threads, images)
    request = {
        "path": saved_model_dir,
        "eval_input": eval_input,
        "input_type": input_type,
        "warmup": warmup,
        "runs": runs,
        "threads": threads,
        "images": images,
    }
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": os.environ.get("TF_CPP_MIN_LOG_LEVEL", "2")}
    try:
        proc = subprocess.run(
            [sys.executable, "-m", "odsweep.serving._worker", json.dumps(request)],
            capture_output=True,
            text=True,
            timeout=timeout_seconds,
            env=env,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        raise MeasureFailed(
            f"measure: {saved_model_dir!r} took over {timeout_seconds:g} s; "
            "lower runs or raise the timeout"
        ) from exc
    for line in proc.stdout.splitlines():
        if line.startswith(RESULT_MARK) and proc.returncode == 0:
            cost = ServingCost.from_dict(json.loads(line[len(RESULT_MARK) :]))
            logger.info(
                "serving cost of %s: p50 %.2f ms, p90 %.2f ms, %.2f MB, %.3f M params "
                "(%d runs, %d threads)",
                saved_model_dir,
                cost.latency_p50_ms,
                cost.latency_p90_ms,
                cost.model_size_mb,
                cost.params_millions,
                cost.runs,
                cost.threads,
            )
            return cost
        if line.startswith(ERROR_MARK):
            doc = json.loads(line[len(ERROR_MARK) :])
            if doc.get("input"):
                raise InputError(str(doc["message"]))
            raise MeasureFailed(f"measure: {saved_model_dir!r}: {doc['message']}")
    tail = " ".join(proc.stderr.strip().splitlines()[-3:])[:400]
    raise MeasureFailed(
        f"measure: the measuring process for {saved_model_dir!r} exited {proc.returncode} "
        f"without an answer ({tail or 'no stderr'}); run it with --debug to see why"
    )
