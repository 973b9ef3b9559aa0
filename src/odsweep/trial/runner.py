"""One trial: train, evaluate every checkpoint as it is written, report, keep the best.

The only entry point both engines run (``odsweep trial``). Contract:

- ``<trial_dir>/pipeline.config``: the effective config;
- ``<trial_dir>/ckpt-<step>.*``: checkpoints (rotation keeps the newest few);
- ``<trial_dir>/best/``: a copy of the best checkpoint so far, with its own
  ``checkpoint`` state file, so rotation never deletes it and the exporter,
  which restores a folder's latest checkpoint, restores exactly this one;
- ``<trial_dir>/train/``, ``<trial_dir>/eval/``: TensorBoard event files;
- ``<trial_dir>/result.json``: see :mod:`odsweep.results`;
- stdout: after each eval, one ``<RFC3339> <metric>=<value>`` line per metric;
- ``<trial_dir>/serving/``: when asked (``serving_cost``), the best checkpoint exported
  and measured at the end; its ``Serving/*`` lines follow the last eval's.

Started on a folder holding an earlier attempt of the same trial, it resumes from the
newest checkpoint there (:mod:`odsweep.trial.resume`), printing the kept evals'
metric lines first.
"""

from __future__ import annotations

import logging
import math
import os
import sys
import threading
from collections.abc import Callable
from dataclasses import replace
from typing import Any, TextIO

from odsweep import odconfig, storage
from odsweep.errors import EXIT_FAILED, InputError, TrialFailed
from odsweep.results import (
    TRIAL_BEST_DIR,
    TRIAL_EVAL_DIR,
    EvalRecord,
    TrialResult,
    TrialStatus,
    write_metric_lines,
    write_result,
)
from odsweep.trial.failure import data_note, failure_message
from odsweep.trial.options import TrialOptions
from odsweep.trial.prepare import build_trial_config, preflight, write_trial_config
from odsweep.trial.resume import Attempt, begin_attempt, reprint_metric_lines
from odsweep.trial.serving_cost import measure_serving_cost, reprint_serving_lines
from odsweep.trial.warmstart import applies_warm_start, warm_start_problems
from odsweep.trial.watchdog import STALL_HOOK_ENV, Heartbeat, Watchdog

logger = logging.getLogger(__name__)


class Recorder:
    """Holds the trial's current result and writes it; safe to call from a signal thread."""

    def __init__(self, trial_dir: str, result: TrialResult) -> None:
        self.trial_dir = trial_dir
        self._result = result
        self._lock = threading.Lock()
        self._closed = False
        # Beaten by the train loop and after each eval; read by the watchdog.
        self.heartbeat = Heartbeat()

    @property
    def result(self) -> TrialResult:
        return self._result

    def update(self, result: TrialResult) -> None:
        with self._lock:
            if self._closed:  # a final status was written (e.g. by SIGTERM): keep it
                return
            self._result = result
            write_result(self.trial_dir, result)

    def finish(self, status: TrialStatus, error: str | None = None) -> TrialResult:
        with self._lock:
            if self._closed:
                return self._result
            self._closed = True
            self._result = replace(self._result, status=status, error=error)
            write_result(self.trial_dir, self._result)
            return self._result


def run_trial(
    opts: TrialOptions,
    *,
    out: TextIO | None = None,
    on_recorder: Callable[[Recorder], None] | None = None,
) -> TrialResult:
    """Run one trial to the end.

    Args:
        opts: What to run.
        out: Where the metric lines go (default: stdout).
        on_recorder: Called with the recorder once it exists (the CLI hooks SIGTERM there).

    Returns:
        The final result (status succeeded).

    Raises:
        InputError: bad input found before training (nothing trained, no result.json).
        TrialFailed: training or eval failed; result.json says ``failed`` and why.
    """
    out = out or sys.stdout
    config = build_trial_config(opts)
    # The warm start is checked only for an attempt that applies it (a fresh one).
    preflight(config, warm_start=False)
    attempt = begin_attempt(opts, odconfig.config_to_text(config), verify=_verify_checkpoint)
    warm_start = applies_warm_start(config, attempt)
    if warm_start:
        problems = warm_start_problems(config)
        if problems:
            raise InputError(problems)
    elif config.train_config.fine_tune_checkpoint and attempt.checkpoint is not None:
        logger.info(
            "%s resumes from its own checkpoint: the warm start from %s is not applied again",
            opts.name,
            config.train_config.fine_tune_checkpoint,
        )
    # Katib's collector reads only this pod's stdout: the whole curve, kept evals first.
    reprint_metric_lines(attempt.result, out)
    if attempt.finished:
        reprint_serving_lines(attempt.result, out)
        return attempt.result
    write_trial_config(opts.trial_dir, config)
    recorder = Recorder(opts.trial_dir, attempt.result)
    recorder.update(recorder.result)
    if on_recorder is not None:
        on_recorder(recorder)
    watchdog = Watchdog(
        recorder.heartbeat,
        stall_timeout=opts.stall_timeout_seconds,
        time_limit=opts.time_limit_seconds,
    )
    watchdog.start(lambda reason: _fail_process(recorder, reason))
    try:
        _train_and_evaluate(opts, config, recorder, out, attempt, warm_start=warm_start)
    except TrialFailed as exc:
        recorder.finish(TrialStatus.FAILED, str(exc))
        raise
    except Exception as exc:  # a crash of TF or the OD API: recorded, then re-raised as failed
        logger.exception("trial %s crashed", opts.name)
        message = failure_message(exc)
        recorder.finish(TrialStatus.FAILED, message)
        raise TrialFailed(message) from exc
    except KeyboardInterrupt:
        recorder.finish(TrialStatus.STOPPED, "interrupted")
        raise
    finally:
        watchdog.stop()
    if recorder.result.best is None:
        message = f"no eval produced a finite {opts.metric!r}"
        recorder.finish(TrialStatus.FAILED, message)
        raise TrialFailed(message)
    if opts.serving_cost:
        recorder.update(measure_serving_cost(opts, recorder.result, out))
    return recorder.finish(TrialStatus.SUCCEEDED)


def _verify_checkpoint(checkpoint: str, step: int) -> str | None:
    from odsweep.trial.trainer import checkpoint_problem

    return checkpoint_problem(checkpoint, step)


def _fail_process(recorder: Recorder, reason: str) -> None:
    """The watchdog's verdict: record it, then end the process at once, since the main
    thread may be stuck inside a TensorFlow op that never returns."""
    recorder.finish(TrialStatus.FAILED, reason)
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(EXIT_FAILED)


def _data_note(key: str, config: Any) -> str:
    reader = (
        config.train_input_reader if key == "train_input_reader" else config.eval_input_reader[0]
    )
    return data_note(key, list(reader.tf_record_input_reader.input_path))


def _stall_hook() -> int | None:
    """The test-only fault hook (see :data:`odsweep.trial.watchdog.STALL_HOOK_ENV`)."""
    raw = os.environ.get(STALL_HOOK_ENV)
    return int(raw) if raw else None


def _stall_if_asked(stall_after: int | None, step: int) -> None:
    if stall_after is not None and step >= stall_after:
        logger.warning("%s=%d: stalling on purpose at step %d", STALL_HOOK_ENV, stall_after, step)
        threading.Event().wait()  # as a trial stuck inside a TensorFlow op: forever


def _train_and_evaluate(
    opts: TrialOptions,
    config: object,
    recorder: Recorder,
    out: TextIO,
    attempt: Attempt,
    *,
    warm_start: bool,
) -> None:
    from odsweep.tfcompat import load_tensorflow
    from odsweep.trial.evaluator import Evaluator
    from odsweep.trial.trainer import Trainer, make_strategy

    tf = load_tensorflow()
    from object_detection.utils import config_util

    tf.keras.utils.set_random_seed(opts.seed)
    configs = config_util.create_configs_from_pipeline_proto(config)
    strategy = make_strategy()
    trainer = Trainer(
        configs,
        strategy,
        opts.trial_dir,
        keep_checkpoints=opts.keep_checkpoints,
        warm_start=warm_start,
    )
    evaluator = Evaluator(configs, strategy, storage.join(opts.trial_dir, TRIAL_EVAL_DIR))

    def evaluate(checkpoint: str, step: int) -> None:
        try:
            metrics = evaluator.evaluate(checkpoint)
        except Exception as exc:
            exc.add_note(_data_note("eval_input_reader[0]", config))
            raise
        heartbeat.beat()
        write_metric_lines(metrics, out)
        kept = None
        if recorder.result.improves(metrics):
            kept = _keep_best(tf, checkpoint, storage.join(opts.trial_dir, TRIAL_BEST_DIR))
        record = EvalRecord(step=step, checkpoint=checkpoint, metrics=metrics)
        recorder.update(recorder.result.with_eval(record, kept_checkpoint=kept))

    heartbeat = recorder.heartbeat
    if attempt.checkpoint is not None:
        restored = trainer.restore(attempt.checkpoint)
        if restored != attempt.step:
            raise TrialFailed(
                f"restoring {attempt.checkpoint} gave step {restored}, not {attempt.step}; "
                "move the trial's folder aside to run it from the start"
            )
        if attempt.evaluate_first:  # saved, then interrupted before its eval was recorded
            evaluate(attempt.checkpoint, attempt.step)
    stall_after = _stall_hook()
    checkpoint_steps = [s for s in opts.checkpoint_steps() if s > trainer.step]
    logger.info(
        "trial %s: %d steps, from step %d, evals at %s",
        opts.name,
        opts.num_train_steps,
        trainer.step,
        checkpoint_steps,
    )
    _stall_if_asked(stall_after, trainer.step)
    for target in checkpoint_steps:
        while trainer.step < target:
            n = min(opts.steps_per_loop, target - trainer.step)
            try:
                stats = trainer.train(n)
            except Exception as exc:
                exc.add_note(_data_note("train_input_reader", config))
                raise
            heartbeat.beat(stats.step)
            _stall_if_asked(stall_after, stats.step)
            total = stats.losses.get("Loss/total_loss", math.nan)
            if not math.isfinite(total):
                raise TrialFailed(
                    f"loss became {total} at step {stats.step}; lower the learning rate "
                    "or enable gradient clipping"
                )
            logger.info(
                "step %d: loss %.4f, lr %.5g, %.1f steps/s",
                stats.step,
                total,
                stats.learning_rate,
                stats.steps_per_sec,
            )
        evaluate(trainer.save(), trainer.step)


def checkpoint_state_args(best_dir: str, name: str) -> tuple[str, str]:
    """``(save_dir, path)`` for ``update_checkpoint_state`` so that the state file says
    just ``name``: relative to ``best/``, so it resolves from any working directory and
    stays valid when the folder is copied or mounted elsewhere.

    TensorFlow rewrites a relative path as relative to a relative ``save_dir``, both
    taken from the working directory: a bare name with ``runs/t-1/best`` became
    ``../../../ckpt-N``. It takes a ``gs://`` folder as relative too.
    """
    if storage.is_remote(best_dir):
        return best_dir, f"{best_dir}/{name}"
    return os.path.abspath(best_dir), name


def _keep_best(tf: object, checkpoint: str, best_dir: str) -> str:
    """Copy a checkpoint's files into ``best_dir`` (replacing the previous best)."""
    gfile = tf.io.gfile  # type: ignore[attr-defined]
    gfile.makedirs(best_dir)
    name = checkpoint.rsplit("/", 1)[-1]
    previous = [
        p
        for p in gfile.glob(f"{best_dir}/ckpt-*")
        if not p.rsplit("/", 1)[-1].startswith(f"{name}.")
    ]
    for src in gfile.glob(f"{checkpoint}.*"):
        gfile.copy(src, f"{best_dir}/{src.rsplit('/', 1)[-1]}", overwrite=True)
    save_dir, path = checkpoint_state_args(best_dir, name)
    tf.compat.v1.train.update_checkpoint_state(save_dir, path, all_model_checkpoint_paths=[path])  # type: ignore[attr-defined]
    for old in previous:
        gfile.remove(old)
    return f"{best_dir}/{name}"
