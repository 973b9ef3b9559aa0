"""``gs://`` objects through google-cloud-storage: the remote half of :mod:`odsweep.storage`.

Credentials are Application Default Credentials: Workload Identity (the pod's
Kubernetes service account) on GKE, ``GOOGLE_APPLICATION_CREDENTIALS`` (a key file)
or ``gcloud auth application-default login`` elsewhere. With ``STORAGE_EMULATOR_HOST``
set, the library talks to that server anonymously (tests). google-cloud-storage is
imported on the first ``gs://`` path, never before.

A GCS object upload is atomic: readers see the previous object or the new one.
Folders do not exist on GCS; a "folder" is the prefix of the objects under it.
"""

from __future__ import annotations

import contextlib
import fnmatch
import logging
import mimetypes
import os
import re
import threading
from collections.abc import Callable
from typing import Any, TypeVar

from odsweep.errors import InputError
from odsweep.storage import _retry
from odsweep.storage._errors import StorageError

logger = logging.getLogger(__name__)

T = TypeVar("T")

SCHEME = "gs://"
# (connect, read) seconds per HTTP request; retries add to it.
TIMEOUT = (20.0, 120.0)
_WILDCARD = re.compile(r"[*?\[]")
_FIX_CREDENTIALS = (
    "run 'gcloud auth application-default login', set GOOGLE_APPLICATION_CREDENTIALS to a "
    "service-account key file, or use Workload Identity on GKE (see docs/storage.md)"
)

_lock = threading.Lock()
_clients: dict[str | None, Any] = {}


def split(uri: str) -> tuple[str, str]:
    """``gs://bucket/a/b`` -> ``("bucket", "a/b")``; the name is ``""`` for the bucket root."""
    rest = uri[len(SCHEME) :]
    bucket, _, name = rest.partition("/")
    if not bucket:
        raise InputError(f"{uri}: a gs:// URI needs a bucket; write gs://BUCKET/path")
    return bucket, name


def _client() -> Any:
    """One client per process (and per emulator, so tests can switch servers)."""
    emulator = os.environ.get("STORAGE_EMULATOR_HOST") or None
    with _lock:
        client = _clients.get(emulator)
        if client is None:
            client = _clients[emulator] = _make_client(emulator)
        return client


def _make_client(emulator: str | None) -> Any:
    try:
        from google.cloud import storage as gcs
    except ImportError:  # pragma: no cover - a runtime dependency
        raise StorageError(
            "gs:// paths need google-cloud-storage; pip install google-cloud-storage"
        ) from None
    if emulator:
        # The library uses anonymous credentials against an emulator.
        logger.debug("gs:// through the emulator at %s", emulator)
        return gcs.Client(project=os.environ.get("GOOGLE_CLOUD_PROJECT"))
    import google.auth
    from google.auth.exceptions import DefaultCredentialsError

    _check_key_file()
    try:
        credentials, project = google.auth.default()
    except DefaultCredentialsError:
        raise InputError(f"gs://: no Google Cloud credentials found; {_FIX_CREDENTIALS}") from None
    # Who, never what: the principal's e-mail and the kind of credentials, no token.
    logger.debug("gs:// as %s", principal(credentials))
    # project=None is fine: object reads and writes do not need one.
    return gcs.Client(project=project, credentials=credentials)


def _check_key_file() -> None:
    """A GOOGLE_APPLICATION_CREDENTIALS that names no usable key file is that mistake,
    not "no credentials found" (google.auth reports both alike)."""
    import json

    path = os.environ.get("GOOGLE_APPLICATION_CREDENTIALS")
    if not path:
        return
    where = f"GOOGLE_APPLICATION_CREDENTIALS={path}"
    try:
        with open(path, encoding="utf-8") as fh:
            info = json.load(fh)
    except FileNotFoundError:
        raise InputError(
            f"gs://: {where}: no such file; point it at a service-account key file or unset it"
        ) from None
    except IsADirectoryError:
        raise InputError(f"gs://: {where}: is a folder; point it at the key file") from None
    except OSError as exc:
        raise InputError(f"gs://: {where}: cannot read: {exc.strerror}") from None
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise InputError(
            f"gs://: {where}: not a JSON key file; download the key again or unset it"
        ) from None
    if not isinstance(info, dict) or not isinstance(info.get("type"), str):
        raise InputError(
            f'gs://: {where}: a JSON file without a "type" field, not a key file; '
            "download the key again or unset it"
        )


def principal(credentials: Any) -> str:
    """Names the identity in use (for permission errors): e-mail or credential type."""
    email = getattr(credentials, "service_account_email", None)
    kind = type(credentials).__name__
    if isinstance(email, str) and "@" in email:
        return f"{email} ({kind})"
    return kind


def _who() -> str:
    if os.environ.get("STORAGE_EMULATOR_HOST"):
        return "the credentials in use"
    try:
        return principal(_client()._credentials)
    except Exception:  # naming the identity must never hide the real error
        return "the credentials in use"


def _run(fn: Callable[[], T], uri: str, *, verb: str, key: str | None) -> T:
    """``fn()`` with retries; failures become odsweep errors naming ``uri`` and the fix."""
    from google.api_core import exceptions as api
    from google.auth.exceptions import DefaultCredentialsError, RefreshError

    subject = f"{key}: {uri}" if key else uri
    bucket, _ = split(uri)
    try:
        return _retry.call(fn, what=f"{verb} {uri}")
    except (api.Forbidden, api.Unauthorized) as exc:
        role = "objectViewer" if verb in ("read", "list") else "objectAdmin"
        raise InputError(
            f"{subject}: permission denied to {verb} ({_retry.describe(exc)}); grant "
            f"{_who()} roles/storage.{role} on gs://{bucket}, or set "
            "GOOGLE_APPLICATION_CREDENTIALS to a key that has it"
        ) from None
    except api.NotFound:
        if not _bucket_exists(bucket):
            raise InputError(
                f"{subject}: bucket gs://{bucket} does not exist; fix the bucket name or "
                f"create it (gcloud storage buckets create gs://{bucket})"
            ) from None
        parent = uri.rsplit("/", 1)[0]
        raise InputError(
            f"{subject}: no such object; check the path (gcloud storage ls {parent}/)"
        ) from None
    except (DefaultCredentialsError, RefreshError) as exc:
        raise InputError(
            f"{subject}: the Google Cloud credentials were refused ({type(exc).__name__}); "
            f"{_FIX_CREDENTIALS}"
        ) from None
    except Exception as exc:
        if not (_retry.status_of(exc) is not None or _retry.is_transient(exc)):
            raise
        tries = _retry.POLICY.attempts if _retry.is_transient(exc) else 1
        raise StorageError(
            f"{subject}: could not {verb} after {tries} attempt(s): {_retry.describe(exc)}; "
            "check the network and the GCS status page, then run again"
        ) from exc


def _bucket_exists(bucket: str) -> bool:
    """Whether a 404 means "no bucket"; True when that cannot be told (no access)."""
    try:
        return bool(
            _retry.call(
                lambda: _client().bucket(bucket).exists(retry=None, timeout=TIMEOUT),
                what=f"check gs://{bucket}",
            )
        )
    except Exception:  # e.g. 403 on buckets.get: keep the object's own 404
        return True


def read_bytes(uri: str, *, key: str | None) -> bytes:
    bucket, name = split(uri)
    if not name or name.endswith("/"):
        raise InputError(f"{key + ': ' if key else ''}{uri}: a folder, not an object; give a file")

    def fetch() -> bytes:
        data: bytes = (
            _client().bucket(bucket).blob(name).download_as_bytes(retry=None, timeout=TIMEOUT)
        )
        return data

    return _run(fetch, uri, verb="read", key=key)


def read_head(uri: str, size: int, *, key: str | None) -> bytes:
    from google.api_core import exceptions as api

    bucket, name = split(uri)
    if not name or name.endswith("/"):
        raise InputError(f"{key + ': ' if key else ''}{uri}: a folder, not an object; give a file")

    def fetch() -> bytes:
        try:
            data: bytes = (
                _client()
                .bucket(bucket)
                .blob(name)
                .download_as_bytes(start=0, end=size - 1, retry=None, timeout=TIMEOUT)
            )
        except api.RequestRangeNotSatisfiable:  # a range of an empty object
            return b""
        return data

    return _run(fetch, uri, verb="read", key=key)


def write_bytes(uri: str, data: bytes, *, text: bool = False) -> None:
    """Upload one object in one go (atomic: readers see the old object or this one)."""
    bucket, name = split(uri)
    if not name or name.endswith("/"):
        raise InputError(f"{uri}: cannot write an object without a name; give a file path")
    # The type makes reports (HTML, PNG) viewable straight from the Cloud console.
    kind = mimetypes.guess_type(name)[0] or ("text/plain" if text else "application/octet-stream")
    if text:
        kind += "; charset=utf-8"

    def upload() -> None:
        blob = _client().bucket(bucket).blob(name)
        blob.upload_from_string(data, content_type=kind, retry=None, timeout=TIMEOUT)

    _run(upload, uri, verb="write", key=None)


def _list(
    uri: str,
    prefix: str,
    *,
    delimiter: str | None,
    limit: int | None = None,
    missing_bucket_ok: bool = False,
) -> tuple[list[str], list[str]]:
    """``(object names, "folder" prefixes)`` under ``prefix``; one listing, every page."""
    from google.api_core import exceptions as api

    bucket, _ = split(uri)

    def fetch() -> tuple[list[str], list[str]]:
        pages = _client().list_blobs(
            bucket,
            prefix=prefix or None,
            delimiter=delimiter,
            max_results=limit,
            retry=None,
            timeout=TIMEOUT,
        )
        try:
            names = [blob.name for blob in pages]
        except api.NotFound:
            # Listing answers 404 only for a missing bucket.
            if missing_bucket_ok:
                return [], []
            raise
        return names, sorted(pages.prefixes)

    return _run(fetch, uri, verb="list", key=None)


def _folder(name: str) -> str:
    return f"{name.rstrip('/')}/" if name else ""


def exists(uri: str) -> bool:
    bucket, name = split(uri)
    if not name:
        return _run(
            lambda: bool(_client().bucket(bucket).exists(retry=None, timeout=TIMEOUT)),
            uri,
            verb="read",
            key=None,
        )
    if not name.endswith("/"):
        found = _run(
            lambda: bool(_client().bucket(bucket).blob(name).exists(retry=None, timeout=TIMEOUT)),
            uri,
            verb="read",
            key=None,
        )
        if found:
            return True
    return is_dir(uri)


def is_dir(uri: str) -> bool:
    _, name = split(uri)
    if not name:
        return exists(uri)
    names, _ = _list(uri, _folder(name), delimiter=None, limit=1, missing_bucket_ok=True)
    return bool(names)


def list_dir(uri: str) -> list[str]:
    """Names of the objects and "folders" directly under ``uri`` (sorted, no ``/``)."""
    _, name = split(uri)
    prefix = _folder(name)
    names, prefixes = _list(uri, prefix, delimiter="/")
    children = {n[len(prefix) :] for n in names} | {p[len(prefix) :].rstrip("/") for p in prefixes}
    children.discard("")  # a "folder" placeholder object (console-made folders)
    return sorted(children)


def glob(pattern: str) -> list[str]:
    """Objects (and implied folders) matching ``pattern``; ``*``/``?``/``[]`` per segment.

    As in a shell, and in TensorFlow's ``tf.io.gfile.glob``, a wildcard does not cross
    a ``/``. One listing, of the prefix before the first wildcard.
    """
    bucket, name = split(pattern)
    match = _WILDCARD.search(name)
    if match is None:
        return [pattern] if name and exists(pattern) else []
    prefix = name[: match.start()]
    parts = name.split("/")
    names, _ = _list(pattern, prefix, delimiter=None)
    found: set[str] = set()
    for candidate in names:
        segments = candidate.split("/")
        if len(segments) < len(parts) or not segments[len(parts) - 1]:
            continue
        head = segments[: len(parts)]
        if all(fnmatch.fnmatchcase(s, p) for s, p in zip(head, parts, strict=True)):
            found.add(f"{SCHEME}{bucket}/{'/'.join(head)}")
    return sorted(found)


def remove(uri: str) -> None:
    """Delete one object; a missing one (or bucket) is not an error."""
    from google.api_core import exceptions as api

    bucket, name = split(uri)

    def delete() -> None:
        with contextlib.suppress(api.NotFound):
            _client().bucket(bucket).blob(name).delete(retry=None, timeout=TIMEOUT)

    _run(delete, uri, verb="delete", key=None)


def remove_tree(uri: str) -> None:
    """Delete every object under ``uri/`` (and an object named ``uri`` itself)."""
    bucket, name = split(uri)
    if not name:
        raise InputError(f"{uri}: refusing to delete a whole bucket; give a folder in it")
    names, _ = _list(uri, _folder(name), delimiter=None, missing_bucket_ok=True)
    for child in [name.rstrip("/"), *names]:
        remove(f"{SCHEME}{bucket}/{child}")


def move_tree(src: str, dst: str) -> None:
    """Copy every object under ``src/`` to ``dst/`` (server side), then delete the sources.

    Not atomic (GCS has no rename): a failure part-way leaves both copies, never neither.
    """
    bucket, name = split(src)
    dst_bucket, dst_name = split(dst)
    if not name or not dst_name:
        raise InputError(f"{src}: refusing to move a whole bucket; give a folder in it")
    prefix = _folder(name)
    names, _ = _list(src, prefix, delimiter=None, missing_bucket_ok=True)
    for child in names:
        target = _folder(dst_name) + child[len(prefix) :]

        def copy(child: str = child, target: str = target) -> None:
            source = _client().bucket(bucket)
            source.copy_blob(
                source.blob(child),
                _client().bucket(dst_bucket),
                target,
                retry=None,
                timeout=TIMEOUT,
            )

        _run(copy, f"{SCHEME}{bucket}/{child}", verb="write", key=None)
    for child in names:
        remove(f"{SCHEME}{bucket}/{child}")
