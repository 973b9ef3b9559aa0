"""Local files: the plain-path half of :mod:`odsweep.storage`.

Writes go through a temporary file in the target's folder and a rename, so a reader
sees the old file or the new one, whole.
"""

from __future__ import annotations

import glob as _glob
import os
import shutil
import stat
import tempfile
from pathlib import Path

from odsweep.errors import InputError


def read_bytes(path: str, *, key: str | None) -> bytes:
    return read_head(path, -1, key=key)


def read_head(path: str, size: int, *, key: str | None) -> bytes:
    """The first ``size`` bytes of a file (all of it for ``size < 0``)."""
    try:
        with open(path, "rb") as handle:
            return handle.read(size)
    except FileNotFoundError:
        raise InputError(f"{key or 'path'}: file not found, got {path!r}; check the path") from None
    except IsADirectoryError:
        raise InputError(f"{key or 'path'}: {path!r} is a folder; give a file") from None
    except OSError as exc:
        raise InputError(f"{key or 'path'}: cannot read {path!r}: {exc.strerror}") from None


def write_bytes_atomic(path: str, data: bytes) -> None:
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        # A replaced file keeps its mode (a config made group-only stays so).
        mode = stat.S_IMODE(target.stat().st_mode)
    except OSError:
        mode = 0o666 & ~_umask()
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        # mkstemp creates 0600; results and reports are meant to be read by others.
        os.fchmod(fd, mode)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        # A failed write() names no file; name the target so the error is actionable.
        raise OSError(exc.errno, exc.strerror, path) from exc
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def exists(path: str) -> bool:
    return Path(path).exists()


def is_dir(path: str) -> bool:
    return Path(path).is_dir()


def list_dir(path: str) -> list[str]:
    try:
        return sorted(os.listdir(path))
    except FileNotFoundError:
        return []  # as on GCS, where a folder with nothing in it does not exist
    except NotADirectoryError:
        raise InputError(f"path: {path!r} is a file, expected a folder") from None
    except OSError as exc:
        raise InputError(f"path: cannot list {path!r}: {exc.strerror}") from None


def glob(pattern: str) -> list[str]:
    return sorted(_glob.glob(pattern))


def makedirs(path: str) -> None:
    Path(path).mkdir(parents=True, exist_ok=True)


def remove(path: str) -> None:
    Path(path).unlink(missing_ok=True)


def remove_tree(path: str) -> None:
    target = Path(path)
    if target.is_dir() and not target.is_symlink():
        shutil.rmtree(target)
    else:
        target.unlink(missing_ok=True)


def move_tree(src: str, dst: str) -> None:
    Path(dst).parent.mkdir(parents=True, exist_ok=True)
    # rename refuses an existing non-empty dst and never crosses file systems: a
    # folder is moved whole or not at all.
    os.rename(src, dst)
