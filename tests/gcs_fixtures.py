"""A real GCS server for tests, and a proxy in front of it that injects faults.

``gcs_server`` runs ``gcp-storage-emulator`` (the JSON API, pure Python) in this
process on 127.0.0.1. ``gcs`` points google-cloud-storage at it
(``STORAGE_EMULATOR_HOST``; the library then uses anonymous credentials), empties it
and makes a bucket. The emulator checks no permission and never fails, so
``fault_proxy`` sits between odsweep and the emulator: it forwards every request
unless a rule says to answer it with an error status (403, 429, 503, ...) or to drop
the connection, a given number of times. Trial subprocesses inherit the environment
and reach the same server.

Import the fixtures into a test module (or a conftest) to use them:
``from tests.gcs_fixtures import gcs, gcs_server  # noqa: F401``.
"""

from __future__ import annotations

import http.client
import json
import logging
import re
import socket
import struct
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import unquote, urlsplit

import pytest

from odsweep.storage import _retry
from tests.tfrecords import shard_bytes

BUCKET = "odsweep-test"
PROJECT = "odsweep-test-project"
# Retries in tests: the same logic, millisecond waits.
FAST_RETRIES = _retry.RetryPolicy(attempts=4, initial=0.01, multiplier=2.0, maximum=0.05)


@dataclass
class GcsServer:
    """The emulator: ``endpoint`` is its ``http://127.0.0.1:<port>``."""

    endpoint: str
    server: Any

    def client(self) -> Any:
        """A client of the emulator itself (bypasses any proxy): for test setup/checks."""
        from google.auth.credentials import AnonymousCredentials
        from google.cloud import storage

        return storage.Client(
            project=PROJECT,
            credentials=AnonymousCredentials(),
            client_options={"api_endpoint": self.endpoint},
        )


@dataclass
class GcsBucket:
    """A fresh bucket on the emulator, with setup helpers that bypass odsweep."""

    server: GcsServer
    name: str = BUCKET

    def uri(self, *parts: str) -> str:
        return "/".join([f"gs://{self.name}", *parts])

    def put(self, path: str, data: str | bytes) -> str:
        blob = self.server.client().bucket(self.name).blob(path)
        blob.upload_from_string(data.encode() if isinstance(data, str) else data)
        return self.uri(path)

    def get(self, path: str) -> bytes:
        data: bytes = self.server.client().bucket(self.name).blob(path).download_as_bytes()
        return data

    def names(self, prefix: str = "") -> list[str]:
        client = self.server.client()
        return sorted(b.name for b in client.list_blobs(self.name, prefix=prefix or None))

    def content_type(self, path: str) -> str | None:
        blob = self.server.client().bucket(self.name).get_blob(path)
        return None if blob is None else blob.content_type


@pytest.fixture(scope="session")
def gcs_server() -> Iterator[GcsServer]:
    from gcp_storage_emulator.server import create_server

    # One line per request at INFO: useful in a failing test's captured log only.
    logging.getLogger("gcp_storage_emulator").setLevel(logging.WARNING)
    server = create_server("127.0.0.1", 0, in_memory=True)
    server.start()
    port = server._api._httpd.server_port
    try:
        yield GcsServer(endpoint=f"http://127.0.0.1:{port}", server=server)
    finally:
        server.stop()


@pytest.fixture
def gcs(gcs_server: GcsServer, monkeypatch: pytest.MonkeyPatch) -> GcsBucket:
    """An empty emulator with one bucket; odsweep's storage pointed at it."""
    gcs_server.server.wipe()
    gcs_server.client().create_bucket(BUCKET)
    monkeypatch.setenv("STORAGE_EMULATOR_HOST", gcs_server.endpoint)
    monkeypatch.setenv("GOOGLE_CLOUD_PROJECT", PROJECT)
    monkeypatch.setattr(_retry, "POLICY", FAST_RETRIES)
    return GcsBucket(gcs_server)


# -- the fault-injecting proxy ---------------------------------------------------


@dataclass
class Rule:
    """Answer requests whose ``"METHOD /unquoted/path?query"`` matches ``pattern``.

    ``status`` None drops the connection without an answer (a reset).
    """

    pattern: str
    status: int | None
    times: int
    retry_after: float | None = None
    hits: int = 0

    def matches(self, request_line: str) -> bool:
        return self.hits < self.times and re.search(self.pattern, request_line) is not None


@dataclass
class FaultProxy:
    """Forwards to the emulator; ``fail(...)`` adds a rule. ``log`` has every request."""

    endpoint: str
    rules: list[Rule] = field(default_factory=list)
    log: list[tuple[str, int | None]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def fail(
        self,
        pattern: str,
        *,
        status: int | None,
        times: int = 1,
        retry_after: float | None = None,
    ) -> Rule:
        rule = Rule(pattern, status, times, retry_after)
        with self.lock:
            self.rules.append(rule)
        return rule

    def take(self, request_line: str) -> Rule | None:
        with self.lock:
            for rule in self.rules:
                if rule.matches(request_line):
                    rule.hits += 1
                    return rule
            return None

    def requests(self, pattern: str) -> list[tuple[str, int | None]]:
        """Logged ``(request line, status answered)`` pairs matching ``pattern``."""
        with self.lock:
            return [entry for entry in self.log if re.search(pattern, entry[0])]


_HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "proxy-connection", "upgrade"}

# How GCS words these (the JSON API error body), so odsweep parses a realistic answer.
_REASONS = {
    401: ("Anonymous caller does not have storage.objects.get access.", "required"),
    403: (
        "odsweep-test@example.iam.gserviceaccount.com does not have storage.objects.get "
        "access to the Google Cloud Storage object. Permission 'storage.objects.get' denied "
        "on resource (or it may not exist).",
        "forbidden",
    ),
    429: ("The rate of change requests to the object is too high.", "rateLimitExceeded"),
    500: ("We encountered an internal error. Please try again.", "backendError"),
    503: ("We encountered an internal error. Please try again.", "backendError"),
}


def _handler(proxy: FaultProxy, upstream: tuple[str, int]) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def _serve(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            line = f"{self.command} {unquote(self.path)}"
            rule = proxy.take(line)
            if rule is not None and rule.status is None:
                with proxy.lock:
                    proxy.log.append((line, None))
                # SO_LINGER 0: close() sends a TCP RST, the client sees a reset.
                self.connection.setsockopt(
                    socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0)
                )
                self.close_connection = True
                self.connection.close()
                return
            if rule is not None and rule.status is not None:
                self._answer_error(line, rule)
                return
            conn = http.client.HTTPConnection(*upstream, timeout=60)
            try:
                headers = {k: v for k, v in self.headers.items() if k.lower() not in _HOP_BY_HOP}
                conn.request(self.command, self.path, body=body or None, headers=headers)
                response = conn.getresponse()
                data = response.read()
            finally:
                conn.close()
            with proxy.lock:
                proxy.log.append((line, response.status))
            self.send_response(response.status, response.reason)
            for key, value in response.getheaders():
                if key.lower() not in _HOP_BY_HOP | {"content-length"}:
                    self.send_header(key, value)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def _answer_error(self, line: str, rule: Rule) -> None:
            assert rule.status is not None
            message, reason = _REASONS.get(rule.status, ("injected error", "injected"))
            doc = {
                "error": {
                    "code": rule.status,
                    "message": message,
                    "errors": [{"message": message, "domain": "global", "reason": reason}],
                }
            }
            data = json.dumps(doc).encode()
            with proxy.lock:
                proxy.log.append((line, rule.status))
            self.send_response(rule.status)
            self.send_header("Content-Type", "application/json; charset=UTF-8")
            if rule.retry_after is not None:
                self.send_header("Retry-After", str(rule.retry_after))
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _serve

        def log_message(self, format: str, *args: Any) -> None:
            pass  # the proxy's own log is ``proxy.log``

    return Handler


@pytest.fixture
def fault_proxy(
    gcs: GcsBucket, gcs_server: GcsServer, monkeypatch: pytest.MonkeyPatch
) -> Iterator[FaultProxy]:
    """The emulator behind a fault-injecting proxy; odsweep's storage talks to the proxy."""
    upstream = urlsplit(gcs_server.endpoint)
    assert upstream.hostname is not None and upstream.port is not None
    proxy = FaultProxy(endpoint="")
    httpd = ThreadingHTTPServer(
        ("127.0.0.1", 0), _handler(proxy, (upstream.hostname, upstream.port))
    )
    httpd.daemon_threads = True
    proxy.endpoint = f"http://127.0.0.1:{httpd.server_port}"
    thread = threading.Thread(target=httpd.serve_forever, args=(0.02,), daemon=True)
    thread.start()
    monkeypatch.setenv("STORAGE_EMULATOR_HOST", proxy.endpoint)
    try:
        yield proxy
    finally:
        httpd.shutdown()
        httpd.server_close()


# -- a search space in a bucket -------------------------------------------------

LR = "train_config.optimizer.momentum_optimizer.learning_rate.cosine_decay_learning_rate"
LABEL_MAP = "".join(f'item {{ id: {i} name: "c{i}" }}\n' for i in (1, 2, 3))


def search_space(**changes: Any) -> dict[str, Any]:
    """A valid search-space document; its paths are relative (to the YAML's folder)."""
    doc: dict[str, Any] = {
        "apiVersion": "odsweep/v1alpha1",
        "kind": "SearchSpace",
        "metadata": {"name": "gcs"},
        "spec": {
            "pipelineConfigPath": "base.config",
            "trainInputPath": "data/train-*.tfrecord",
            "evalInputPath": "data/eval-*.tfrecord",
            "labelMapPath": "data/label_map.pbtxt",
            "numTrainSteps": 40,
            "checkpointEveryNSteps": 10,
            "objective": {
                "type": "maximize",
                "objectiveMetricName": "DetectionBoxes_Precision/mAP",
            },
            "algorithm": {
                "algorithmName": "random",
                "algorithmSettings": [{"name": "random_state", "value": "3"}],
            },
            "parallelTrialCount": 2,
            "maxTrialCount": 2,
            "parameters": [
                {
                    "name": "learning_rate",
                    "configPath": f"{LR}.learning_rate_base",
                    "parameterType": "double",
                    "feasibleSpace": {"min": 0.01, "max": 0.1, "distribution": "logUniform"},
                }
            ],
        },
    }
    doc["spec"].update(changes)
    return doc


def upload_search_space(bucket: GcsBucket, folder: str = "specs", **changes: Any) -> str:
    """The spec, the package's base config, a label map and one-record TFRecords in the
    bucket, as a user would lay them out; returns the spec's ``gs://`` URI."""
    import yaml

    from odsweep.demodata import base_config_path

    bucket.put(f"{folder}/base.config", base_config_path().read_text())
    bucket.put(f"{folder}/data/label_map.pbtxt", LABEL_MAP)
    # Pre-flight reads the first records of every shard: they must be real.
    bucket.put(f"{folder}/data/train-00000-of-00001.tfrecord", shard_bytes())
    bucket.put(f"{folder}/data/eval-00000-of-00001.tfrecord", shard_bytes())
    return bucket.put(f"{folder}/search.yaml", yaml.safe_dump(search_space(**changes)))
