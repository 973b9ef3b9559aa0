"""Continue a trial from the newest checkpoint an earlier attempt left in its folder.

A trial is started again on its own folder when its engine was killed, its node
rebooted or its Katib pod was retried. If the folder holds an earlier attempt of the
same trial (same effective ``pipeline.config``, same parameters, seed and objective,
as recorded in its ``result.json``) with a checkpoint, the new attempt continues from
the newest checkpoint: model, optimizer and step restored (so the learning-rate
schedule continues where it was), the evals already recorded kept and never repeated
(only a checkpoint without an eval record is evaluated), no finished checkpoint
rewritten, ``best/`` kept.

Otherwise the trial starts fresh, the reason logged, and the earlier attempt (it may
be days of compute) is moved aside first (:func:`odsweep.results.set_aside`).

Pure apart from the checkpoint check the caller passes in (``verify``), so that a
trial without TensorFlow (the engine tests' fake trial) decides the same way.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any, TextIO

from odsweep import storage
from odsweep.errors import InputError
from odsweep.results import (
    ATTEMPT_ENV,
    ATTEMPT_KEY,
    RESULT_FILE,
    STDERR_LOG,
    STDOUT_LOG,
    TRIAL_CONFIG_FILE,
    TrialResult,
    TrialStatus,
    read_result_checked,
    set_aside,
    write_metric_lines,
)
from odsweep.trial.options import TrialOptions

logger = logging.getLogger(__name__)

CONFIG_DIGEST_KEY = "config_sha256"
RESUMES_KEY = "resumes"
# The local engine writes these into the trial folder while the trial runs: never
# part of an attempt to move aside (the engine holds them open).
_ENGINE_FILES = (STDOUT_LOG, STDERR_LOG)
_CHECKPOINT_INDEX = re.compile(r"^ckpt-(\d+)\.index$")

Verify = Callable[[str, int], "str | None"]
"""``verify(checkpoint, step)``: why the checkpoint cannot be restored, or None."""


@dataclass(frozen=True)
class Attempt:
    """How this attempt of a trial starts.

    Attributes:
        result: The record it starts from (status running): fresh, or the earlier
            attempt's with its evals and best.
        checkpoint: The checkpoint to restore; None to start from step 0.
        step: The global step in ``checkpoint`` (0 when fresh).
        evaluate_first: ``checkpoint`` has no eval record yet: evaluate it first.
        finished: The earlier attempt had already ended for good (succeeded, early
            stopped): nothing to train, its record stands.
    """

    result: TrialResult
    checkpoint: str | None = None
    step: int = 0
    evaluate_first: bool = False
    finished: bool = False


def config_digest(config_text: str) -> str:
    return hashlib.sha256(config_text.encode("utf-8")).hexdigest()


def initial_result(opts: TrialOptions, *, config_text: str | None = None) -> TrialResult:
    """A fresh attempt's record: no eval yet; the config's digest and the engine's
    attempt token (when given) recorded."""
    extra: dict[str, Any] = {}
    if config_text is not None:
        extra[CONFIG_DIGEST_KEY] = config_digest(config_text)
    token = os.environ.get(ATTEMPT_ENV)
    if token:
        extra[ATTEMPT_KEY] = token
    return TrialResult(
        trial=opts.name,
        params=dict(opts.params),
        status=TrialStatus.RUNNING,
        metric=opts.metric,
        objective=opts.objective,
        seed=opts.seed,
        extra=extra,
    )


def newest_checkpoint(trial_dir: str) -> tuple[str, int] | None:
    """``(prefix, step)`` of the highest-numbered ``ckpt-<step>`` in the folder.

    By its ``.index`` file: TensorFlow writes a checkpoint's index last, once its data
    is complete, so a checkpoint cut short by a kill has none.
    """
    steps = []
    for path in storage.glob(storage.join(trial_dir, "ckpt-*.index")):
        m = _CHECKPOINT_INDEX.match(path.rsplit("/", 1)[-1])
        if m:
            steps.append(int(m.group(1)))
    if not steps:
        return None
    step = max(steps)
    return storage.join(trial_dir, f"ckpt-{step}"), step


def _normal(params: Any) -> Any:
    return json.loads(json.dumps(params, sort_keys=True, default=str))


def _plan(opts: TrialOptions, config_text: str) -> tuple[Attempt | None, str]:
    """The resumed attempt, or None and why the folder cannot be resumed."""
    trial_dir = opts.trial_dir
    try:
        earlier = read_result_checked(trial_dir)
    except InputError as exc:
        return None, f"its {RESULT_FILE} is unreadable ({exc})"
    if earlier is None:
        return None, f"it has no {RESULT_FILE}"
    if earlier.trial != opts.name:
        return None, f"its {RESULT_FILE} is of trial {earlier.trial!r}"
    if _normal(dict(earlier.params)) != _normal(dict(opts.params)):
        return None, (
            f"the parameters changed (were {_normal(dict(earlier.params))}, "
            f"now {_normal(dict(opts.params))})"
        )
    if earlier.seed != opts.seed:
        return None, f"the seed changed (was {earlier.seed}, now {opts.seed})"
    if earlier.metric != opts.metric or earlier.objective is not opts.objective:
        return None, (
            f"the objective changed (was {earlier.objective.value} {earlier.metric}, "
            f"now {opts.objective.value} {opts.metric})"
        )
    digest = config_digest(config_text)
    recorded = earlier.extra.get(CONFIG_DIGEST_KEY)
    if recorded is None:  # a record without the digest: compare the config file itself
        path = storage.join(trial_dir, TRIAL_CONFIG_FILE)
        recorded = config_digest(storage.read_text(path)) if storage.exists(path) else None
    if recorded != digest:
        return None, (
            f"its {TRIAL_CONFIG_FILE} differs from this attempt's (the base config, data "
            "paths, step count or overrides changed)"
        )
    fresh = initial_result(opts, config_text=config_text)
    if earlier.status in (TrialStatus.SUCCEEDED, TrialStatus.EARLY_STOPPED):
        return Attempt(result=earlier, finished=True), ""
    found = newest_checkpoint(trial_dir)
    if found is None:
        return None, "it has no checkpoint"
    checkpoint, step = found
    last = max((e.step for e in earlier.evals), default=0)
    if last > step:
        return None, f"its newest checkpoint ckpt-{step} is older than its last eval (step {last})"
    if earlier.best is not None and not storage.exists(f"{earlier.best.checkpoint}.index"):
        return None, f"its best checkpoint {earlier.best.checkpoint} is missing"
    extra = {k: v for k, v in earlier.extra.items() if k not in (ATTEMPT_KEY, CONFIG_DIGEST_KEY)}
    resumes = list(extra.get(RESUMES_KEY) or [])
    resumes.append({"step": step, "checkpoint": checkpoint, "evals_kept": len(earlier.evals)})
    result = replace(
        earlier,
        status=TrialStatus.RUNNING,
        error=None,
        extra={**extra, **fresh.extra, RESUMES_KEY: resumes},
    )
    evaluated = any(e.step == step for e in earlier.evals)
    return Attempt(result, checkpoint, step, evaluate_first=not evaluated), ""


def begin_attempt(opts: TrialOptions, config_text: str, *, verify: Verify | None = None) -> Attempt:
    """Decide how this attempt starts; move an earlier attempt aside if it cannot be
    resumed. Call before anything is written into the trial's folder.

    Args:
        opts: The trial.
        config_text: This attempt's effective ``pipeline.config``.
        verify: Checks that the checkpoint to resume from can be restored.
    """
    trial_dir = opts.trial_dir
    if not [n for n in storage.list_dir(trial_dir) if n not in _ENGINE_FILES]:
        return Attempt(initial_result(opts, config_text=config_text))
    attempt, reason = _plan(opts, config_text)
    if attempt is not None and attempt.checkpoint is not None and verify is not None:
        problem = verify(attempt.checkpoint, attempt.step)
        if problem is not None:
            attempt, reason = None, problem
    if attempt is None:
        logger.warning(
            "%s: starting fresh, not resuming the earlier attempt: %s", opts.name, reason
        )
        set_aside(trial_dir, keep=_ENGINE_FILES)
        return Attempt(initial_result(opts, config_text=config_text))
    if attempt.finished:
        logger.warning(
            "%s had already ended (%s) with %d evals: nothing to train",
            opts.name,
            attempt.result.status.value,
            len(attempt.result.evals),
        )
    else:
        logger.warning(
            "resuming %s from step %d (checkpoint %s); %d evals kept",
            opts.name,
            attempt.step,
            attempt.checkpoint,
            len(attempt.result.evals),
        )
    return attempt


def reprint_metric_lines(result: TrialResult, out: TextIO) -> None:
    """Print the kept evals' metric lines again, in order.

    On Katib the metrics collector reads the new pod's stdout only: without these
    lines the resumed trial's curve would start at the resume point. They carry the
    time of printing (the record keeps no eval times); the local engine reads
    ``result.json``, not these lines.
    """
    for record in result.evals:
        write_metric_lines(record.metrics, out)
