"""Argument checks shared by commands, and the one-line form of an OS error."""

from __future__ import annotations

import errno
import os
import socket

from odsweep.errors import InputError

# The disk (or the user's file-size limit) is full: the same fix for every write.
_FULL = frozenset({errno.ENOSPC, errno.EFBIG, errno.EDQUOT})
_NOT_WRITABLE = frozenset({errno.EROFS, errno.EACCES, errno.EPERM})


def os_error_line(exc: OSError) -> str:
    """An OSError on a user's path as one line naming the path and the fix."""
    path = exc.filename if exc.filename is not None else "a file"
    reason = exc.strerror or str(exc)
    if exc.errno in _FULL:
        return f"output: cannot write {path}: {reason}; free space or choose another --output"
    if exc.errno in _NOT_WRITABLE:
        return f"output: cannot write {path}: {reason}; choose another --output"
    if exc.errno in (errno.ENOTDIR, errno.EEXIST):
        return f"{path}: {reason} (a file is where a folder is needed); choose another path"
    return f"{path}: {reason}"


def check_output_dir(path: str, *, key: str = "--output") -> None:
    """Refuse a local output that is a file, lies under a file, or cannot be written.

    ``gs://`` outputs are checked by the storage layer on first write. Root may write
    read-only folders; the check asks the OS (``os.access``), so it agrees with it.

    Raises:
        InputError: One line naming ``key``, the path and the fix.
    """
    from odsweep import storage

    if storage.is_remote(path):
        return
    storage.exists(path)  # refuses other URI schemes with the one message
    probe = os.path.abspath(path)
    while not os.path.lexists(probe):
        probe = os.path.dirname(probe)
    if not os.path.isdir(probe):
        where = "is a file" if probe == os.path.abspath(path) else f"is under the file {probe}"
        raise InputError(f"{key}: {path} {where}; give a folder (new or a sweep's output)")
    if not os.access(probe, os.W_OK | os.X_OK):
        raise InputError(f"{key}: cannot write {probe}: permission denied; choose another --output")


def port(text: str) -> int:
    """A TCP port number 1-65535 (argparse type)."""
    import argparse

    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a port 1-65535, got {text!r}") from None
    if not 1 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"must be a port 1-65535, got {text!r}")
    return value


def check_port_free(value: int, host: str = "127.0.0.1") -> None:
    """Refuse a port another program listens on (the server would fail after start-up).

    Raises:
        InputError: The port is taken.
    """
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        # As the HTTP server will: a port left in TIME_WAIT is free to it.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, value))
        except OSError as exc:
            raise InputError(
                f"--port: cannot listen on {host}:{value}: {exc.strerror or exc}; "
                "choose another --port"
            ) from None
