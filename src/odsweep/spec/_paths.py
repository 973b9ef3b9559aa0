"""Resolves the spec's paths against the YAML file's folder; URIs stay as written."""

from __future__ import annotations

import os
import posixpath
import re

# Any URI scheme (gs://, s3://, http://): such paths are never joined or normalized,
# and they are kept as str (pathlib would collapse "gs://" to "gs:/").
_URI_RE = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")


def is_uri(path: str) -> bool:
    """True for ``scheme://...`` paths such as ``gs://bucket/x``."""
    return bool(_URI_RE.match(path))


def base_dir_of(source: str) -> str:
    """The folder relative paths in ``source`` (a local path or a URI) are relative to."""
    if is_uri(source):
        return source.rsplit("/", 1)[0]
    return os.path.dirname(os.path.abspath(source))


def resolve(path: str, base_dir: str) -> str:
    """``path`` joined to ``base_dir`` unless it is absolute or a URI.

    A relative path under a ``gs://`` base becomes a ``gs://`` path. A local base is
    made absolute first, so the result no longer depends on the working directory.
    """
    if is_uri(path) or os.path.isabs(path):
        return path
    if is_uri(base_dir):
        scheme, rest = base_dir.split("://", 1)
        bucket, _, prefix = rest.partition("/")
        joined = posixpath.normpath(posixpath.join("/", prefix, path)).lstrip("/")
        return f"{scheme}://{bucket}/{joined}"
    return os.path.normpath(os.path.join(os.path.abspath(base_dir), path))
