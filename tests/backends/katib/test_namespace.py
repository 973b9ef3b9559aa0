"""The namespace must let Katib inject its metrics collector before anything is created."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import pytest
from kubernetes.client import ApiClient

from odsweep.backends.katib import KatibBackend
from odsweep.backends.katib._namespace import INJECTION_LABEL
from odsweep.errors import InputError
from tests.backends.katib.katib_fixtures import make_options, make_spec
from tests.backends.katib.test_backend_recorded import NS, FakeApi, FakeClock, api_error

RECORDED = Path(__file__).parent / "recorded" / "namespaces"
FIX = f"kubectl label namespace {NS} {INJECTION_LABEL}=enabled"


class _Response:
    """What ``ApiClient.deserialize`` reads: the response body."""

    def __init__(self, data: str) -> None:
        self.data = data


def recorded_namespace(name: str, **labels: str) -> Any:
    """A V1Namespace as the client builds it from the recorded JSON (labels added)."""
    doc = json.loads((RECORDED / f"{name}.json").read_text())
    doc["metadata"]["labels"].update(labels)
    return ApiClient().deserialize(_Response(json.dumps(doc)), "V1Namespace")


class FakeCoreApi:
    """``CoreV1Api`` answering ``read_namespace`` with one object or error."""

    def __init__(self, answer: Any) -> None:
        self.answer = answer
        self.reads: list[str] = []

    def read_namespace(self, name: str, **kwargs: Any) -> Any:
        self.reads.append(name)
        if isinstance(self.answer, Exception):
            raise self.answer
        return self.answer


def _launch(core: FakeCoreApi, api: FakeApi) -> Any:
    spec = make_spec()
    clock = FakeClock()
    backend = KatibBackend(
        api, core=core, default_namespace="team-a", clock=clock, sleep=clock.sleep
    )
    return backend.launch(spec, make_options(spec))


def test_a_kubeflow_profile_namespace_is_accepted() -> None:
    core, api = FakeCoreApi(recorded_namespace("kubeflow-profile")), FakeApi()
    ref = _launch(core, api)
    assert ref.created and core.reads == [NS]
    assert [c[0] for c in api.calls] == ["create"]


def test_an_unlabelled_namespace_is_refused_before_creating() -> None:
    core, api = FakeCoreApi(recorded_namespace("plain")), FakeApi()
    with pytest.raises(
        InputError,
        match=rf"^namespace '{NS}': label {INJECTION_LABEL} is missing, so Katib would not "
        rf"inject its metrics collector .*; run: {FIX} \(Kubeflow profile",
    ):
        _launch(core, api)
    assert api.calls == []


def test_a_disabled_label_is_refused() -> None:
    core = FakeCoreApi(recorded_namespace("plain", **{INJECTION_LABEL: "disabled"}))
    api = FakeApi()
    with pytest.raises(InputError, match=rf"label {INJECTION_LABEL} is 'disabled', "):
        _launch(core, api)
    assert api.calls == []


def test_a_missing_namespace_is_an_input_error() -> None:
    api = FakeApi()
    core = FakeCoreApi(api_error(404, "NotFound", f'namespaces "{NS}" not found'))
    with pytest.raises(InputError, match=rf"^namespace '{NS}': not found; create it"):
        _launch(core, api)
    assert api.calls == []


def test_an_unreadable_namespace_warns_and_goes_on(caplog: pytest.LogCaptureFixture) -> None:
    forbidden = api_error(
        403,
        "Forbidden",
        f'namespaces "{NS}" is forbidden: User "system:serviceaccount:{NS}:runner" cannot '
        'get resource "namespaces" in API group "" in the namespace "{NS}"',
    )
    core, api = FakeCoreApi(forbidden), FakeApi()
    with caplog.at_level(logging.WARNING):
        ref = _launch(core, api)
    assert ref.created and [c[0] for c in api.calls] == ["create"]
    (record,) = [r for r in caplog.records if r.name.endswith("_namespace")]
    assert record.getMessage().startswith(f"cannot read namespace {NS} to check its")
    assert record.getMessage().endswith(f"run {FIX}")
