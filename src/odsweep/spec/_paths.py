"""Resolves the spec's paths against the YAML file's folder; ``gs://`` stays as written."""

from __future__ import annotations

import os
import posixpath

from odsweep import storage


def base_dir_of(source: str, *, key: str = "path") -> str:
    """The folder relative paths in ``source`` (a local path or ``gs://``) are relative to.

    Raises:
        InputError: ``source`` has a scheme other than ``gs://`` (see
            :func:`odsweep.storage.is_remote`).
    """
    if storage.is_remote(source, key=key):
        return source.rsplit("/", 1)[0]
    return os.path.dirname(os.path.abspath(source))


def resolve(path: str, base_dir: str, *, key: str = "path") -> str:
    """``path`` joined to ``base_dir`` unless it is absolute or ``gs://``.

    A relative path under a ``gs://`` base becomes a ``gs://`` path (kept as str:
    pathlib would collapse "gs://" to "gs:/"). A local base is made absolute first, so
    the result no longer depends on the working directory.

    Raises:
        InputError: ``path`` has a scheme other than ``gs://``.
    """
    if storage.is_remote(path, key=key) or os.path.isabs(path):
        return path
    if storage.is_remote(base_dir):
        bucket = storage.bucket_of(base_dir)
        prefix = base_dir[len("gs://") + len(bucket) :]
        joined = posixpath.normpath(posixpath.join("/", prefix, path)).lstrip("/")
        return f"gs://{bucket}/{joined}"
    return os.path.normpath(os.path.join(os.path.abspath(base_dir), path))
