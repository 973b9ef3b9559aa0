"""odsweep's own file I/O, for local paths and ``gs://bucket/path`` alike.

Specs, base configs, label maps, ``result.json``, ``best.json``, reports (with their
PNGs), provenance, listings of trials and export versions, pre-flight globs: every
file odsweep itself reads or writes goes through these functions. TensorFlow reads
and writes training data, checkpoints, event files and SavedModels itself (it has
``gs://`` built in) and is handed the same paths unchanged.

- Writes are atomic: a reader sees the old file or the new one, whole, never a
  half-written one (local: a temporary file and a rename; GCS: an object upload is
  atomic).
- ``gs://`` goes through google-cloud-storage, imported on first use, with
  Application Default Credentials (see ``docs/storage.md``) and retries with backoff
  on 408/429/5xx answers and dropped connections.
- A missing bucket or object, or a refused permission, is an
  :class:`~odsweep.errors.InputError` (exit 2) naming the ``gs://`` URI and the fix;
  other store failures are a :class:`StorageError`.
- Only local paths and ``gs://`` URIs: another scheme is an InputError (TensorFlow
  2.21 has no other object store built in either).
"""

from __future__ import annotations

import os
import re

from odsweep.errors import InputError
from odsweep.storage import _local
from odsweep.storage._errors import StorageError
from odsweep.storage._study_url import check_study_url, engine_url

__all__ = [
    "StorageError",
    "check_study_url",
    "check_uri",
    "engine_url",
    "exists",
    "glob",
    "is_dir",
    "is_remote",
    "join",
    "list_dir",
    "makedirs",
    "move_tree",
    "read_bytes",
    "read_head",
    "read_text",
    "remove",
    "remove_tree",
    "write_bytes_atomic",
    "write_text_atomic",
]

_GS = "gs://"
# Any RFC 3986 scheme followed by "://" (s3://, http://, GS://): a URI, never a file name.
_SCHEME_RE = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")


def is_remote(path: str, *, key: str = "path") -> bool:
    """The one URI rule: True for ``gs://``; False for a local path.

    Args:
        path: A local path or a URI.
        key: What ``path`` is (a spec key, a flag, a parameter), for the error message.

    Raises:
        InputError: Any other scheme, ``GS://`` and ``s3://`` included: only ``gs://``
            is an object store odsweep and TensorFlow both read.
    """
    if path.startswith(_GS):
        return True
    if _SCHEME_RE.match(path):
        # "GS://" is a gs:// URI to a user but not to TensorFlow or google-cloud-storage.
        upper = path.split("://", 1)[0].lower() == "gs"
        fix = "write the scheme lower-case: gs://" if upper else "use gs://BUCKET/PATH"
        raise InputError(
            f"{key}: scheme not supported: only gs://, got {path!r}; {fix} or a local path"
        )
    return False


def check_uri(path: str, *, key: str = "path") -> None:
    """Raise the :func:`is_remote` InputError unless ``path`` is ``gs://`` or local."""
    is_remote(path, key=key)


def bucket_of(uri: str) -> str:
    """The bucket of a ``gs://BUCKET/...`` URI ("" when it names none)."""
    return uri[len(_GS) :].split("/", 1)[0] if uri.startswith(_GS) else ""


def _remote(path: str) -> bool:
    return is_remote(path)


def join(base: str, *parts: str) -> str:
    """Join path parts; works for local paths and ``gs://`` URIs alike."""
    out = base.rstrip("/") if base.startswith(_GS) else base
    for part in parts:
        out = f"{out}/{part}" if out.startswith(_GS) else os.path.join(out, part)
    return out


def read_bytes(path: str, *, key: str | None = None) -> bytes:
    """A file's bytes.

    Args:
        path: Local path or ``gs://`` URI.
        key: What the file is (``best.json``, a spec key), to start error messages with.

    Raises:
        InputError: Missing file/object/bucket, a folder, no permission, no credentials.
        StorageError: The store kept failing (after retries) or answered unexpectedly.
    """
    if _remote(path):
        from odsweep.storage import _gcs

        return _gcs.read_bytes(path, key=key)
    return _local.read_bytes(path, key=key)


def read_head(path: str, size: int, *, key: str | None = None) -> bytes:
    """A file's first ``size`` bytes (fewer when the file is shorter): one ranged read
    on ``gs://``, so sampling the start of big files stays cheap.

    Raises:
        InputError, StorageError: as :func:`read_bytes`.
    """
    if _remote(path):
        from odsweep.storage import _gcs

        return _gcs.read_head(path, size, key=key)
    return _local.read_head(path, size, key=key)


def read_text(path: str, *, key: str | None = None) -> str:
    """A UTF-8 text file; errors as :func:`read_bytes`, plus non-UTF-8 content."""
    data = read_bytes(path, key=key)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise InputError(
            f"{key or 'path'}: {path} is not UTF-8 text; save the file as UTF-8"
        ) from None


def write_bytes_atomic(path: str, data: bytes) -> None:
    """Write ``data`` so that no reader ever sees part of it; creates local folders.

    Raises:
        InputError: No permission, missing bucket, no credentials (``gs://``).
        StorageError: The store kept failing.
        OSError: A local write failed.
    """
    if _remote(path):
        from odsweep.storage import _gcs

        _gcs.write_bytes(path, data)
    else:
        _local.write_bytes_atomic(path, data)


def write_text_atomic(path: str, text: str) -> None:
    """Write ``text`` as UTF-8, atomically (see :func:`write_bytes_atomic`)."""
    if _remote(path):
        from odsweep.storage import _gcs

        _gcs.write_bytes(path, text.encode("utf-8"), text=True)
    else:
        _local.write_bytes_atomic(path, text.encode("utf-8"))


def exists(path: str) -> bool:
    """True when the file or folder exists (on GCS: an object, or objects under it).

    A missing bucket answers False; no permission is an InputError.
    """
    if _remote(path):
        from odsweep.storage import _gcs

        return _gcs.exists(path)
    return _local.exists(path)


def is_dir(path: str) -> bool:
    """True for a folder (on GCS: a prefix with objects under it, or a bucket)."""
    if _remote(path):
        from odsweep.storage import _gcs

        return _gcs.is_dir(path)
    return _local.is_dir(path)


def list_dir(path: str) -> list[str]:
    """The names of the files and folders directly in ``path``, sorted.

    A missing folder lists as empty (GCS cannot tell it from an empty one); a missing
    bucket is an InputError.
    """
    if _remote(path):
        from odsweep.storage import _gcs

        return _gcs.list_dir(path)
    return _local.list_dir(path)


def glob(pattern: str) -> list[str]:
    """The files (and folders) matching a glob, sorted; wildcards stay within a segment."""
    if _remote(pattern):
        from odsweep.storage import _gcs

        return _gcs.glob(pattern)
    return _local.glob(pattern)


def makedirs(path: str) -> None:
    """Create a local folder and its parents; nothing to do on GCS (no folders there)."""
    if not _remote(path):
        _local.makedirs(path)


def remove(path: str) -> None:
    """Delete one file; a missing one is fine."""
    if _remote(path):
        from odsweep.storage import _gcs

        _gcs.remove(path)
    else:
        _local.remove(path)


def remove_tree(path: str) -> None:
    """Delete a folder and everything in it (or a file); a missing one is fine."""
    if _remote(path):
        from odsweep.storage import _gcs

        _gcs.remove_tree(path)
    else:
        _local.remove_tree(path)


def move_tree(src: str, dst: str) -> None:
    """Move a folder and everything in it to ``dst`` (which must not exist yet).

    Local: one rename. ``gs://``: a server-side copy of each object, then the deletes.
    """
    if _remote(src) != _remote(dst):
        raise ValueError(f"cannot move {src} to {dst}: both must be local or both gs://")
    if _remote(src):
        from odsweep.storage import _gcs

        _gcs.move_tree(src, dst)
    else:
        _local.move_tree(src, dst)
