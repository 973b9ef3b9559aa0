"""odsweep's own file I/O: small text files (specs, results, reports).

TensorFlow reads and writes checkpoints, event files and SavedModels itself; this
module is for the JSON/YAML/HTML files odsweep writes. Writes are atomic: a reader
sees the old file or the new one, whole, never a half-written one.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from odsweep.errors import InputError


def read_text(path: str, *, key: str = "path") -> str:
    """Read a UTF-8 text file; a missing or unreadable file is an InputError naming it."""
    try:
        return Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError(f"{key}: file not found, got {path!r}; check the path") from None
    except OSError as exc:
        raise InputError(f"{key}: cannot read {path!r}: {exc.strerror}") from None


def write_text_atomic(path: str, text: str) -> None:
    """Write ``text`` to ``path`` through a temporary file and a rename."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        # mkstemp creates 0600; results and reports are meant to be read by others.
        os.fchmod(fd, 0o666 & ~_umask())
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def join(base: str, *parts: str) -> str:
    """Join path parts; works for local paths and ``gs://`` URIs alike."""
    out = base.rstrip("/") if base.startswith("gs://") else base
    for part in parts:
        out = f"{out}/{part}" if out.startswith("gs://") else os.path.join(out, part)
    return out


def is_remote(path: str) -> bool:
    """True for object-store URIs (``gs://``), which TensorFlow reads itself."""
    return path.startswith("gs://")


def glob(pattern: str) -> list[str]:
    """The files matching a glob, sorted."""
    import glob as _glob

    return sorted(_glob.glob(pattern))


def exists(path: str) -> bool:
    """True when the file or folder exists."""
    return Path(path).exists()
