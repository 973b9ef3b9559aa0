"""TF Serving's model base layout: numeric version folders, published whole.

TF Serving (``--model_base_path=<base>``) polls ``<base>`` and loads the highest
numeric child folder; it ignores anything else. An export is therefore written into
a staging folder whose name is not numeric (``.staging-<uuid>``), completed there
(variables, assets, ``assets.extra/``), and only then published as ``<base>/<version>``
with ``saved_model.pb`` arriving last: until that file exists a loader sees no model
at all (it fails with "no SavedModel" and retries) rather than half of one.
"""

from __future__ import annotations

import errno
import logging
import os
import shutil
import uuid
from typing import Any

from odsweep import storage
from odsweep.results import SAVED_MODEL_FILE

logger = logging.getLogger(__name__)

STAGING_PREFIX = ".staging-"
# Bounds the retries when other exporters keep taking the version we computed.
_MAX_COLLISIONS = 100


def is_local(path: str) -> bool:
    """A plain file-system path, not ``gs://`` (the URI rule is ``storage.is_remote``)."""
    return not storage.is_remote(path)


def existing_versions(base: str) -> list[int]:
    """The numeric entries of ``base`` (what TF Serving would consider), sorted.

    Files with numeric names count too: publishing over one would fail. Listed through
    :mod:`odsweep.storage` (one listing, for ``gs://`` too), not TensorFlow's gfile:
    the same answer, and one the tests can check against a GCS server.
    """
    return sorted(int(n) for n in storage.list_dir(base) if n.isascii() and n.isdigit())


def next_version(base: str) -> int:
    """1 for an empty or missing base, else the highest numeric entry + 1."""
    versions = existing_versions(base)
    return versions[-1] + 1 if versions else 1


def new_staging_dir(base: str) -> str:
    """A fresh staging path under ``base`` (not created). Hidden and non-numeric."""
    return storage.join(base, f"{STAGING_PREFIX}{uuid.uuid4().hex}")


def remove_tree(tf: Any, path: str) -> None:
    """Delete a folder if present; failures are logged, never raised (cleanup only)."""
    try:
        if tf.io.gfile.exists(path):
            tf.io.gfile.rmtree(path)
    except Exception as exc:  # cleanup must not mask the real outcome
        logger.warning("could not remove %s: %s; delete it by hand", path, exc)


def publish(tf: Any, saved_model_dir: str, base: str, *, rename: bool | None = None) -> int:
    """Move a complete SavedModel folder to ``<base>/<next free version>``.

    Args:
        tf: The TensorFlow module.
        saved_model_dir: The staged SavedModel (inside a staging folder under ``base``).
        base: The model base path.
        rename: Publish with one folder rename (local paths: atomic, and it refuses a
            non-empty target, so two racing exports cannot share a version) or by
            copying file by file (object stores have no folder rename). Default:
            rename for local paths.

    Raises:
        RuntimeError: No free version after many collisions.
        OSError: A local file operation failed.
        tensorflow.errors.OpError: A remote file operation failed.

    Returns:
        The version published.
    """
    if rename is None:
        rename = is_local(base)
    version = next_version(base)
    for _ in range(_MAX_COLLISIONS):
        target = storage.join(base, str(version))
        if tf.io.gfile.exists(target):
            version += 1
            continue
        done = (
            _publish_by_rename(saved_model_dir, target)
            if rename
            else _publish_by_copy(tf, saved_model_dir, target)
        )
        if done:
            return version
        logger.info("version %d of %s was taken meanwhile; trying %d", version, base, version + 1)
        version += 1
    raise RuntimeError(f"{base}: no free version after {_MAX_COLLISIONS} collisions")


def _publish_by_rename(saved_model_dir: str, target: str) -> bool:
    """Local publish: the folder appears whole, without its .pb; then the .pb.

    The .pb is first moved aside inside the staging folder (invisible to TF Serving);
    the rest of the folder then appears at once under its version name, so ``variables/``
    and ``assets.extra/`` are complete before ``saved_model.pb`` is moved in.
    ``rename(2)`` fails on a non-empty target: if another export took this version
    between our existence check and now, we get False and everything is put back.
    """
    pb = os.path.join(saved_model_dir, SAVED_MODEL_FILE)
    held = os.path.join(os.path.dirname(saved_model_dir), f"{SAVED_MODEL_FILE}.held")
    os.replace(pb, held)
    try:
        os.rename(saved_model_dir, target)
    except OSError as exc:
        os.replace(held, pb)
        if exc.errno in (errno.EEXIST, errno.ENOTEMPTY):
            return False
        raise
    try:
        os.replace(held, os.path.join(target, SAVED_MODEL_FILE))
    except OSError:
        # A version without its graph must not stay: it is ours, remove it whole.
        shutil.rmtree(target, ignore_errors=True)
        raise
    return True


def _files_under(tf: Any, root: str) -> list[str]:
    """Every file below ``root``, relative to it, with ``/`` separators."""
    out: list[str] = []
    for folder, _subdirs, files in tf.io.gfile.walk(root):
        rel = folder[len(root) :].strip("/").replace(os.sep, "/")
        out.extend(f"{rel}/{name}" if rel else name for name in files)
    return sorted(out)


def _publish_by_copy(tf: Any, saved_model_dir: str, target: str) -> bool:
    """Object-store publish: copy every file, ``saved_model.pb`` last.

    Object stores have no atomic folder rename, so the version folder fills file by
    file. Copies refuse to overwrite: a file that appears under us means another
    export took this version between our existence check and now; we then delete
    only the files we wrote and report False (best effort: the store gives no lock).
    """
    gfile = tf.io.gfile
    files = _files_under(tf, saved_model_dir)
    # Variables and assets first, the graph last (a sorted listing would not end with it).
    files = [f for f in files if f != SAVED_MODEL_FILE] + [SAVED_MODEL_FILE]
    written: list[str] = []
    try:
        for rel in files:
            dst = storage.join(target, *rel.split("/"))
            parent = dst.rsplit("/", 1)[0]
            gfile.makedirs(parent)
            gfile.copy(storage.join(saved_model_dir, *rel.split("/")), dst, overwrite=False)
            written.append(dst)
    except tf.errors.AlreadyExistsError:
        for dst in written:
            try:
                gfile.remove(dst)
            except Exception as exc:  # best effort; say what is left
                logger.warning("could not remove %s after a version collision: %s", dst, exc)
        return False
    return True
