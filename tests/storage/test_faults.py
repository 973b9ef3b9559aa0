"""403, 429, 5xx and dropped connections, injected by a proxy in front of the emulator."""

from __future__ import annotations

import logging
import os
from types import SimpleNamespace

import pytest

from odsweep import storage
from odsweep.errors import EXIT_BAD_INPUT, EXIT_FAILED, InputError
from odsweep.storage import StorageError, _gcs
from tests.gcs_fixtures import FaultProxy, GcsBucket

READ = r"^GET /download/.*/o/out/best.json"
UPLOAD = r"^POST /upload/"


def test_permission_denied_on_read_names_the_uri_and_the_fix(
    gcs: GcsBucket, fault_proxy: FaultProxy
) -> None:
    gcs.put("out/best.json", "{}")
    fault_proxy.fail(READ, status=403)
    with pytest.raises(InputError) as info:
        storage.read_text(gcs.uri("out/best.json"), key="best.json")
    message = str(info.value)
    assert info.value.exit_code == EXIT_BAD_INPUT
    assert message.startswith(f"best.json: {gcs.uri('out/best.json')}: permission denied to read")
    assert "does not have storage.objects.get access" in message  # the server's reason
    assert "roles/storage.objectViewer on gs://odsweep-test" in message
    assert "GOOGLE_APPLICATION_CREDENTIALS" in message
    assert len(fault_proxy.requests(READ)) == 1  # a 403 is not retried


def test_permission_denied_on_write(gcs: GcsBucket, fault_proxy: FaultProxy) -> None:
    fault_proxy.fail(UPLOAD, status=403)
    with pytest.raises(
        InputError,
        match=r"^gs://odsweep-test/out/report.html: permission denied "
        r"to write .*roles/storage.objectAdmin on gs://odsweep-test",
    ):
        storage.write_text_atomic(gcs.uri("out/report.html"), "<html/>")
    assert gcs.names() == []


@pytest.mark.parametrize("status", [429, 500, 502, 503, 504])
def test_transient_answers_on_read_are_retried(
    gcs: GcsBucket, fault_proxy: FaultProxy, status: int, caplog: pytest.LogCaptureFixture
) -> None:
    gcs.put("out/best.json", '{"ok": 1}')
    fault_proxy.fail(READ, status=status, times=2)
    with caplog.at_level(logging.WARNING, logger="odsweep.storage"):
        assert storage.read_text(gcs.uri("out/best.json")) == '{"ok": 1}'
    assert [s for _, s in fault_proxy.requests(READ)] == [status, status, 200]
    retries = [r.getMessage() for r in caplog.records]
    assert len(retries) == 2 and f"HTTP {status}" in retries[0] and "try 2 of 4" in retries[0]
    assert "127.0.0.1" not in retries[0]  # the request URL is not logged


def test_a_rate_limited_upload_is_retried_and_lands_whole(
    gcs: GcsBucket, fault_proxy: FaultProxy
) -> None:
    fault_proxy.fail(UPLOAD, status=429, times=2, retry_after=0.01)
    payload = "x" * 100_000
    storage.write_text_atomic(gcs.uri("out/trials/t-1/result.json"), payload)
    assert gcs.get("out/trials/t-1/result.json") == payload.encode()
    assert [s for _, s in fault_proxy.requests(UPLOAD)] == [429, 429, 200]


def test_a_connection_reset_is_retried(gcs: GcsBucket, fault_proxy: FaultProxy) -> None:
    gcs.put("out/best.json", "{}")
    fault_proxy.fail(READ, status=None, times=1)
    assert storage.read_text(gcs.uri("out/best.json")) == "{}"
    fault_proxy.fail(r"^GET /storage/v1/b/odsweep-test/o\?", status=None, times=1)
    assert storage.list_dir(gcs.uri("out")) == ["best.json"]
    assert [s for _, s in fault_proxy.requests(READ)] == [None, 200]


def test_retries_used_up_is_a_storage_error_naming_the_uri(
    gcs: GcsBucket, fault_proxy: FaultProxy
) -> None:
    gcs.put("out/best.json", "{}")
    fault_proxy.fail(READ, status=503, times=100)
    with pytest.raises(StorageError) as info:
        storage.read_text(gcs.uri("out/best.json"), key="best.json")
    assert info.value.exit_code == EXIT_FAILED
    assert str(info.value) == (
        "best.json: gs://odsweep-test/out/best.json: could not read after 4 attempt(s): "
        "HTTP 503 We encountered an internal error. Please try again.; check the network "
        "and the GCS status page, then run again"
    )
    assert len(fault_proxy.requests(READ)) == 4


def test_a_403_on_the_bucket_check_keeps_the_object_not_found(
    gcs: GcsBucket, fault_proxy: FaultProxy
) -> None:
    # Reading needs objects.get; telling "no bucket" from "no object" needs buckets.get,
    # which a reader may lack: then the 404 is reported as a missing object.
    fault_proxy.fail(r"^GET /storage/v1/b/odsweep-test\?", status=403, times=10)
    with pytest.raises(InputError, match=r"out/nope.json: no such object; check the path"):
        storage.read_text(gcs.uri("out/nope.json"))


def test_no_credentials_is_bad_input_with_the_ways_to_get_some(
    monkeypatch: pytest.MonkeyPatch, tmp_path: object
) -> None:
    monkeypatch.delenv("STORAGE_EMULATOR_HOST", raising=False)
    # No key file, no gcloud config, no metadata server: nothing to find. (A key file
    # that is named but missing is its own message: tests/storage/test_credentials.py.)
    monkeypatch.delenv("GOOGLE_APPLICATION_CREDENTIALS", raising=False)
    monkeypatch.setenv("CLOUDSDK_CONFIG", os.path.join(str(tmp_path), "gcloud"))
    monkeypatch.setenv("NO_GCE_CHECK", "True")
    monkeypatch.setattr(_gcs, "_clients", {})
    with pytest.raises(InputError) as info:
        storage.read_text("gs://any-bucket/spec.yaml")
    assert str(info.value).startswith("gs://: no Google Cloud credentials found; run 'gcloud auth")
    assert "GOOGLE_APPLICATION_CREDENTIALS" in str(info.value)
    assert "Workload Identity" in str(info.value)


def test_the_principal_is_named_never_the_secret() -> None:
    credentials = SimpleNamespace(
        service_account_email="trainer@proj.iam.gserviceaccount.com",
        token="ya29.SECRET-TOKEN",
        _private_key_pkcs8_pem="-----BEGIN PRIVATE KEY-----",
    )
    who = _gcs.principal(credentials)
    assert who == "trainer@proj.iam.gserviceaccount.com (SimpleNamespace)"
    assert "SECRET" not in who and "PRIVATE" not in who
    assert _gcs.principal(SimpleNamespace(token="ya29.SECRET")) == "SimpleNamespace"
