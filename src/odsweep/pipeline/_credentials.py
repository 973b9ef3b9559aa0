"""Storage credentials of a pipeline step: a GCP key from a Secret, passed as env.

Only a package compiled with ``--credentials-secret NAME`` maps that Secret's
``key.json`` to :data:`CREDENTIALS_JSON_ENV` (kfp-kubernetes ``use_secret_as_env``); by
default no Secret is referenced and the pod's own identity (Workload Identity) applies.
Google's libraries and TensorFlow's ``gs://`` want a key *file*, so a step that got the
key writes it to a private file, and removes it when the step ends: the key never
outlives the step in a temp dir.
"""

from __future__ import annotations

import atexit
import contextlib
import logging
import os
import shutil
import signal
import tempfile
import threading
from collections.abc import Iterator
from types import FrameType

from odsweep.spec._kube import CREDENTIALS_ENV, CREDENTIALS_KEY

logger = logging.getLogger(__name__)

CREDENTIALS_JSON_ENV = "ODSWEEP_GCP_KEY_JSON"
"""The environment variable the Secret's key arrives in (kfp-kubernetes secret as env)."""
CREDENTIALS_SECRET_ENV = "ODSWEEP_CREDENTIALS_SECRET"
"""The Secret's name as compiled, so the Katib trial pods mount the same Secret."""


def credentials_secret() -> str | None:
    """The Secret this step got its key from, or None (no key: Workload Identity)."""
    if not os.environ.get(CREDENTIALS_JSON_ENV, "").strip():
        return None
    name = os.environ.get(CREDENTIALS_SECRET_ENV, "").strip()
    if not name:
        # A key without the Secret's name: not from a package odsweep compiled.
        logger.warning(
            "%s is set but %s is not: the Katib trials get no Secret and use their "
            "pods' own identity",
            CREDENTIALS_JSON_ENV,
            CREDENTIALS_SECRET_ENV,
        )
        return None
    return name


@contextlib.contextmanager
def secret_credentials() -> Iterator[str | None]:
    """Point ``GOOGLE_APPLICATION_CREDENTIALS`` at the key the Secret passed as env.

    The JSON goes to a private (0700) folder as a 0600 file; on leaving the block, by
    return or exception, the folder is removed and the variable restored. An explicit
    ``GOOGLE_APPLICATION_CREDENTIALS`` wins; without either, the pod's default
    credentials apply and nothing is written.

    Yields:
        The key file in use, or None.
    """
    existing = os.environ.get(CREDENTIALS_ENV)
    key = os.environ.get(CREDENTIALS_JSON_ENV, "")
    if existing or not key.strip():
        yield existing
        return
    folder = tempfile.mkdtemp(prefix="odsweep-gcp-")
    path = os.path.join(folder, CREDENTIALS_KEY)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(key)
        os.environ[CREDENTIALS_ENV] = path
        yield path
    finally:
        if os.environ.get(CREDENTIALS_ENV) == path:
            del os.environ[CREDENTIALS_ENV]
        shutil.rmtree(folder, ignore_errors=True)


def _exit_on_sigterm(signum: int, frame: FrameType | None) -> None:
    # Kubernetes stops a pod with SIGTERM, whose default action skips atexit.
    raise SystemExit(128 + signum)


def use_secret_credentials() -> str | None:
    """:func:`secret_credentials` for the rest of this process (a KFP step's pod).

    The KFP executor calls the component function and then writes its outputs, so the
    key must live until the process ends: it is removed at exit (normal end, an
    exception, or SIGTERM when the run is stopped). Only SIGKILL leaves it, in the
    pod's own file system, which goes with the pod.

    Returns:
        The key file in use, or None.
    """
    given = os.environ.get(CREDENTIALS_ENV)
    stack = contextlib.ExitStack()
    path = stack.enter_context(secret_credentials())
    atexit.register(stack.close)
    if (
        path != given
        and threading.current_thread() is threading.main_thread()
        and signal.getsignal(signal.SIGTERM) == signal.SIG_DFL
    ):
        signal.signal(signal.SIGTERM, _exit_on_sigterm)
    return path
