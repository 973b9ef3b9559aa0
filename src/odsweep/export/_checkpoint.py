"""Make the OD API exporter restore exactly the checkpoint it was asked for.

``exporter_lib_v2.export_inference_graph`` takes a folder and restores that folder's
LATEST checkpoint (its ``checkpoint`` state file). A trial folder's latest is its last
checkpoint, not its best one, and a checkpoint the state file does not name (rotated
out of the list, or copied somewhere) would be skipped silently. So the exporter is
given a folder whose state file names the requested checkpoint and nothing else.
"""

from __future__ import annotations

import logging
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from odsweep.export._layout import is_local

logger = logging.getLogger(__name__)


def _dirname(path: str) -> str:
    if not is_local(path):
        return path.rsplit("/", 1)[0]
    return os.path.dirname(os.path.abspath(path))


def _same_checkpoint(a: str, b: str) -> bool:
    if not (is_local(a) and is_local(b)):
        return a.rstrip("/") == b.rstrip("/")
    return os.path.realpath(a) == os.path.realpath(b)


def checkpoint_problem(tf: Any, checkpoint: str) -> str | None:
    """Why ``checkpoint`` is not a checkpoint prefix we can restore, or None if it is.

    Args:
        tf: The TensorFlow module.
        checkpoint: A checkpoint prefix such as ``<trial_dir>/best/ckpt-40``.

    Returns:
        A one-line message (what, the value, the fix), or None.
    """
    gfile = tf.io.gfile
    if gfile.exists(f"{checkpoint}.index"):
        return None
    what = f"checkpoint: no checkpoint at {checkpoint!r} ({checkpoint}.index not found)"
    for suffix in (".index", ".data-"):
        if suffix in checkpoint:
            prefix = checkpoint.split(suffix, 1)[0]
            return f"{what}; pass the prefix without the file suffix, e.g. {prefix!r}"
    if gfile.isdir(checkpoint):
        latest = _latest(tf, checkpoint)
        if latest is not None:
            return f"{what}; that is a folder: pass a checkpoint prefix in it, e.g. {latest!r}"
    return f"{what}; pass a checkpoint prefix such as '<trial_dir>/best/ckpt-N'"


def _latest(tf: Any, folder: str) -> str | None:
    """The folder's latest checkpoint per its state file (None when absent or unreadable)."""
    try:
        latest: str | None = tf.train.latest_checkpoint(folder)
    except Exception as exc:  # a broken state file just means "stage it"
        logger.debug("cannot read checkpoint state in %s: %s", folder, exc)
        return None
    return latest


@contextmanager
def pinned_checkpoint_dir(tf: Any, checkpoint: str, *, copy: bool | None = None) -> Iterator[str]:
    """A folder whose latest checkpoint is exactly ``checkpoint``.

    The checkpoint's own folder when its state file already names it (a trial's
    ``best/``); otherwise a temporary folder, removed on exit, whose state file names it.

    Args:
        tf: The TensorFlow module.
        checkpoint: An existing checkpoint prefix (see :func:`checkpoint_problem`).
        copy: Copy the checkpoint's files into the temporary folder (True), or write
            only a state file holding the checkpoint's absolute path (False). Default:
            copy only for remote (``gs://``, ...) checkpoints - TF joins any path that
            ``os.path.isabs`` rejects, ``gs://`` included, onto the state file's folder,
            so a remote checkpoint cannot be pointed at; a local one need not be copied.

    Yields:
        The folder to give the exporter.
    """
    folder = _dirname(checkpoint)
    latest = _latest(tf, folder)
    if latest is not None and _same_checkpoint(latest, checkpoint):
        logger.debug("%s is the latest checkpoint of %s: exporting from there", checkpoint, folder)
        yield folder
        return
    if copy is None:
        copy = not is_local(checkpoint)
    name = checkpoint.rsplit("/", 1)[-1]
    with tempfile.TemporaryDirectory(prefix="odsweep-ckpt-") as tmp:
        if copy:
            files = tf.io.gfile.glob(f"{checkpoint}.*")
            logger.info("staging %d files of %s in %s", len(files), checkpoint, tmp)
            for src in files:
                tf.io.gfile.copy(src, os.path.join(tmp, src.rsplit("/", 1)[-1]), overwrite=True)
            pinned = name
        else:
            pinned = os.path.abspath(checkpoint)
        logger.info(
            "%s is not the latest checkpoint of %s (%s): pinning it in %s",
            checkpoint,
            folder,
            latest,
            tmp,
        )
        tf.compat.v1.train.update_checkpoint_state(tmp, pinned, all_model_checkpoint_paths=[pinned])
        yield tmp
