"""SIGTERM for a trial: stop at once, record ``stopped``, exit 143.

Python runs signal handlers only between bytecodes, so a handler would wait for
the current compiled train step (seconds, minutes on a big model). Instead the
signal is blocked in every thread (TensorFlow's threads inherit the mask when
they are created, hence :func:`block_sigterm` must run before TensorFlow loads)
and a dedicated thread takes it with ``sigwait``.
"""

from __future__ import annotations

import logging
import os
import signal
import sys
import threading

from odsweep.errors import EXIT_SIGTERM
from odsweep.results import TrialStatus
from odsweep.trial.runner import Recorder

logger = logging.getLogger(__name__)


def block_sigterm() -> None:
    """Block SIGTERM in this thread and in every thread created after it."""
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGTERM})


def stop_on_sigterm(recorder: Recorder) -> None:
    """Start the thread that turns SIGTERM into ``status: stopped`` and exit code 143."""

    def watch() -> None:
        signal.sigwait({signal.SIGTERM})
        result = recorder.finish(TrialStatus.STOPPED, "stopped by SIGTERM")
        logger.warning(
            "trial %s stopped by SIGTERM after %d evals", result.trial, len(result.evals)
        )
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(EXIT_SIGTERM)

    threading.Thread(target=watch, name="odsweep-sigterm", daemon=True).start()
