"""Trial processes: the exact ``odsweep trial --spec`` command Katib runs, started
without a shell, with its share of the machine.

Parameter values travel as exec arguments (``--param name=value``), never through a
shell; each trial gets its own GPU when there are GPUs, else an equal share of the
CPU cores (TensorFlow's runtime reads ``TF_NUM_INTRAOP_THREADS`` and
``TF_NUM_INTEROP_THREADS`` when it starts).
"""

from __future__ import annotations

import logging
import os
import shutil
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from odsweep import storage
from odsweep.errors import InputError, OdsweepError
from odsweep.results import (
    ATTEMPT_ENV,
    ATTEMPT_KEY,
    STDERR_LOG,
    STDOUT_LOG,
    TrialResult,
    read_result_checked,
    set_aside,
)

logger = logging.getLogger(__name__)


def format_value(value: Any) -> str:
    """A parameter value as the trial command receives it (Katib passes strings too)."""
    if isinstance(value, float):
        return repr(value)
    return str(value)


def trial_command(
    *, spec_path: str, trial_dir: str, params: Mapping[str, Any], seed: int
) -> list[str]:
    """The argv of one trial; the same arguments Katib's trial template renders."""
    argv = [sys.executable, "-m", "odsweep", "trial", "--spec", spec_path]
    argv += ["--trial-dir", trial_dir, "--seed", str(seed)]
    for name, value in params.items():
        argv += ["--param", f"{name}={format_value(value)}"]
    return argv


def visible_gpus() -> list[str]:
    """GPU ids this machine offers trials: ``CUDA_VISIBLE_DEVICES`` or ``nvidia-smi -L``."""
    env = os.environ.get("CUDA_VISIBLE_DEVICES")
    if env is not None:
        return [g for g in env.split(",") if g.strip() and g.strip() != "-1"]
    if shutil.which("nvidia-smi") is None:
        return []
    try:
        out = subprocess.run(
            ["nvidia-smi", "-L"], capture_output=True, text=True, timeout=10, check=True
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return []
    return [str(i) for i, line in enumerate(out.splitlines()) if line.startswith("GPU ")]


@dataclass
class Resources:
    """Hands out a GPU (or a CPU share) per running trial."""

    parallel: int
    gpus: list[str] = field(default_factory=visible_gpus)
    _free: list[str] = field(default_factory=list, init=False)

    def __post_init__(self) -> None:
        self._free = list(self.gpus)

    def acquire(self) -> dict[str, str]:
        if self.gpus:
            gpu = self._free.pop(0) if self._free else self.gpus[0]
            return {"CUDA_VISIBLE_DEVICES": gpu}
        share = max(1, (os.cpu_count() or 1) // max(1, self.parallel))
        # No GPU: hide any the trial might otherwise probe, and split the cores.
        return {
            "CUDA_VISIBLE_DEVICES": "-1",
            "TF_NUM_INTRAOP_THREADS": str(share),
            "TF_NUM_INTEROP_THREADS": str(share),
            "OMP_NUM_THREADS": str(share),
        }

    def release(self, env: Mapping[str, str]) -> None:
        gpu = env.get("CUDA_VISIBLE_DEVICES")
        if self.gpus and gpu in self.gpus and gpu not in self._free:
            self._free.append(gpu)


@dataclass
class TrialProcess:
    """A running ``odsweep trial`` and what the engine knows about it."""

    name: str
    number: int
    trial_dir: str
    params: dict[str, Any]
    process: subprocess.Popen[bytes]
    env: dict[str, str]
    logs: tuple[IO[bytes], IO[bytes]]
    attempt: str = ""
    started: float = field(default_factory=time.monotonic)
    reported: int = 0
    early_stopping: bool = False
    killing: bool = False

    def owns(self, result: TrialResult | None) -> TrialResult | None:
        """``result`` if this attempt wrote it; None for a record an earlier attempt left
        in the folder (the trial has not written its own yet, or never will)."""
        if result is None or result.extra.get(ATTEMPT_KEY) != self.attempt:
            return None
        return result

    def poll(self) -> int | None:
        return self.process.poll()

    def terminate(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)

    def close(self) -> None:
        for log in self.logs:
            log.close()


def _die_with_parent() -> None:
    """SIGTERM the trial if the engine dies (even by SIGKILL): no orphan keeps training
    into a directory a resumed sweep is about to reuse. Linux only; a no-op elsewhere."""
    if sys.platform != "linux":
        return
    import ctypes

    pr_set_pdeathsig = 1
    ctypes.CDLL("libc.so.6", use_errno=True).prctl(pr_set_pdeathsig, signal.SIGTERM)


def start_trial(
    *,
    name: str,
    number: int,
    spec_path: str,
    trial_dir: str,
    params: Mapping[str, Any],
    seed: int,
    env: Mapping[str, str],
    argv_prefix: Sequence[str] | None = None,
    log_dir: str | None = None,
) -> TrialProcess:
    """Start a trial in its directory, which may hold an earlier attempt of it.

    The trial decides what an earlier attempt is worth (``odsweep.trial.resume``): it
    continues from its newest checkpoint when the attempt is of the same trial, else
    moves it aside (``.attempts/``) and starts fresh. The logs are appended to, so an
    interrupted attempt's log stays readable above the new one's.

    ``log_dir`` holds ``stdout.log``/``stderr.log`` (default: the trial directory). A
    ``gs://`` trial directory needs a local one: a process writes its output to files
    as it goes, which an object store cannot take; the engine uploads them at the end.
    """
    try:
        read_result_checked(trial_dir)
    except InputError as exc:
        # A damaged record cannot be resumed from, and while it is there the engine
        # could not read the new attempt's progress: the earlier attempt goes aside now.
        logger.warning("%s; its folder is set aside", exc)
        set_aside(trial_dir)
    storage.makedirs(trial_dir)
    if log_dir is None:
        if storage.is_remote(trial_dir):
            raise ValueError(f"a local log_dir is needed for the remote trial dir {trial_dir}")
        log_dir = trial_dir
    path = Path(log_dir)
    path.mkdir(parents=True, exist_ok=True)
    # The token the trial records in its result.json: the engine reads only this
    # attempt's record, never one an earlier attempt left.
    attempt = uuid.uuid4().hex
    argv = trial_command(spec_path=spec_path, trial_dir=trial_dir, params=params, seed=seed)
    if argv_prefix is not None:
        argv = [*argv_prefix, *argv[1:]]
    stdout = open(path / STDOUT_LOG, "ab")  # noqa: SIM115 - closed by TrialProcess.close
    stderr = open(path / STDERR_LOG, "ab")  # noqa: SIM115
    process = subprocess.Popen(
        argv,
        stdout=stdout,
        stderr=stderr,
        stdin=subprocess.DEVNULL,
        env={**os.environ, **env, ATTEMPT_ENV: attempt},
        # Its own process group: a Ctrl-C in the terminal reaches the engine, which
        # then stops its trials itself and records them.
        start_new_session=True,
        preexec_fn=_die_with_parent,
    )
    logger.debug("started %s (pid %d): %s", name, process.pid, argv)
    return TrialProcess(
        name=name,
        number=number,
        trial_dir=trial_dir,
        params=dict(params),
        process=process,
        env=dict(env),
        logs=(stdout, stderr),
        attempt=attempt,
    )


def upload_logs(proc: TrialProcess) -> None:
    """Copy a remote trial's logs from their local folder into its ``gs://`` folder."""
    if not storage.is_remote(proc.trial_dir):
        return
    for log in proc.logs:
        name = os.path.basename(str(log.name))
        try:
            with open(log.name, "rb") as fh:
                storage.write_bytes_atomic(storage.join(proc.trial_dir, name), fh.read())
        except (OSError, OdsweepError) as exc:  # the logs stay on this machine
            logger.warning(
                "could not upload %s of %s: %s (kept at %s)", name, proc.name, exc, log.name
            )
