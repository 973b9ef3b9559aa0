"""Creating the Experiment: never replaced, resumed only when it is the same search."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from urllib3.exceptions import ProtocolError

from odsweep.backends.katib import KatibApiError, KatibBackend, render_experiment
from odsweep.backends.katib._api import EXPERIMENTS, GROUP, VERSION
from odsweep.errors import InputError
from tests.backends.katib.katib_fixtures import make_options, make_spec, spec_doc, with_cluster
from tests.backends.katib.test_backend_recorded import (
    NAME,
    NS,
    FakeApi,
    FakeClock,
    api_error,
    backend,
    experiment,
    not_found,
)

WHERE = f"{NS}/{NAME}"
FIX_RENAME = (
    f"rename the search (metadata.name), or delete the old Experiment first: kubectl -n {NS} "
    f"delete experiment {NAME} (its trial folders stay)"
)


def test_creates_the_rendered_experiment_in_the_options_namespace() -> None:
    spec = make_spec()
    options = make_options(spec)
    api = FakeApi()
    ref = backend(api).launch(spec, options)
    assert (ref.name, ref.namespace, ref.created) == (NAME, NS, True)
    assert api.created == [render_experiment(spec, options=options)]
    assert api.calls == [("create", NS, NAME)]


def test_without_a_namespace_the_backends_default_is_used() -> None:
    spec = make_spec()
    options = with_cluster(make_options(spec), namespace=None)
    api = FakeApi()
    ref = backend(api).launch(spec, options)
    assert ref.namespace == "team-a"
    assert api.calls == [("create", "team-a", NAME)]
    assert "namespace" not in api.created[0]["metadata"]


def test_what_katib_would_refuse_is_refused_before_any_call() -> None:
    spec = make_spec()
    api = FakeApi()
    with pytest.raises(InputError, match=r"^--model-dir: a local path is lost"):
        backend(api).launch(spec, make_options(spec, model_dir="/local/runs"))
    assert api.calls == []


def test_an_existing_identical_experiment_is_resumed_not_replaced() -> None:
    spec = make_spec()
    api = FakeApi([experiment("running-4")], existing=True)
    ref = backend(api).launch(spec, make_options(spec))
    assert (ref.name, ref.namespace, ref.created) == (NAME, NS, False)
    assert api.calls == [("create", NS, NAME), ("get", NS, NAME)]
    assert api.created == []


def test_budget_differences_resume_with_the_clusters_values(
    caplog: pytest.LogCaptureFixture,
) -> None:
    doc = spec_doc()
    doc["spec"]["maxTrialCount"] = 12
    spec = make_spec(doc)
    api = FakeApi([experiment("running-2")], existing=True)
    with caplog.at_level(logging.INFO, logger="odsweep.backends.katib"):
        ref = backend(api).launch(spec, make_options(spec))
    assert not ref.created
    assert (
        f"resuming {WHERE} with the cluster's own setting: spec.maxTrialCount: on the "
        "cluster 8, this search 12"
    ) in caplog.messages


def test_another_search_under_the_same_name_is_refused_naming_each_difference() -> None:
    doc = spec_doc()
    doc["spec"]["parameters"][0]["feasibleSpace"]["max"] = 0.2
    doc["spec"]["algorithm"]["algorithmSettings"][1]["value"] = 0.5
    spec = make_spec(doc)
    api = FakeApi([experiment("running-2")], existing=True)
    with pytest.raises(InputError) as info:
        backend(api).launch(spec, make_options(spec, model_dir="gs://bucket/other"))
    assert info.value.messages == (
        f"Katib Experiment {WHERE} already exists with another search, so it is not resumed; "
        "it differs in:",
        'spec.parameters[learning_rate].feasibleSpace.max: on the cluster "0.1", this search "0.2"',
        'spec.algorithm.algorithmSettings[gamma].value: on the cluster "0.25", this search "0.5"',
        "spec.trialTemplate.trialSpec.spec.template.spec.containers[odsweep-trial].args[3]: on "
        'the cluster "gs://bucket/sweeps/ssd-katib/trials/${trialParameters.trialName}", this '
        'search "gs://bucket/other/trials/${trialParameters.trialName}"',
        FIX_RENAME,
    )
    assert api.created == []


def test_many_differences_are_cut_after_five() -> None:
    doc = spec_doc()
    for param in doc["spec"]["parameters"]:
        param["name"] = param["name"] + "_v2"
    spec = make_spec(doc)
    with pytest.raises(InputError) as info:
        backend(FakeApi([experiment()], existing=True)).launch(spec, make_options(spec))
    messages = info.value.messages
    assert len(messages) == 1 + 5 + 1 + 1
    assert messages[6].startswith("... and ") and messages[6].endswith(" more difference(s)")


def test_refuse_says_so_and_how_to_go_on() -> None:
    spec = make_spec()
    api = FakeApi([experiment("running-2")], existing=True)
    with pytest.raises(InputError) as info:
        backend(api).launch(spec, make_options(spec), on_existing="refuse")
    assert info.value.messages == (
        f"Katib Experiment {WHERE} already exists, and odsweep never replaces one",
        "resume it instead (on_existing='resume'), delete it first (kubectl -n kubeflow-user "
        "delete experiment ssd-katib), or rename the search (metadata.name)",
    )
    assert api.calls == [("create", NS, NAME)]


def test_an_experiment_being_deleted_is_not_resumed() -> None:
    dying = experiment("running-2")
    dying["metadata"]["deletionTimestamp"] = "2026-03-02T10:00:00Z"
    spec = make_spec()
    with pytest.raises(InputError, match=rf"^Katib Experiment {WHERE} is being deleted; wait"):
        backend(FakeApi([dying], existing=True)).launch(spec, make_options(spec))


def test_deleted_between_conflict_and_read_is_created_again() -> None:
    spec = make_spec()
    api = FakeApi([not_found()], create_errors=[api_error(409, "AlreadyExists", "exists")])
    ref = backend(api).launch(spec, make_options(spec))
    assert ref.created
    assert api.calls == [("create", NS, NAME), ("get", NS, NAME), ("create", NS, NAME)]


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        (
            api_error(
                400,
                "BadRequest",
                'admission webhook "validator.experiment.katib.kubeflow.org" denied the request:'
                " unknown algorithm setting foo",
            ),
            f"Katib refused Experiment {WHERE}: admission webhook "
            '"validator.experiment.katib.kubeflow.org" denied the request: unknown algorithm '
            "setting foo; odsweep katib render shows the Experiment that was sent",
        ),
        (
            api_error(403, "Forbidden", 'cannot create resource "experiments"'),
            f"not allowed to create or read Experiments in namespace {NS} (cannot create "
            'resource "experiments"); grant the account manifests/rbac.yaml (docs/katib.md, '
            "section 4), or use a namespace you may write to",
        ),
        (
            api_error(404, "NotFound", "the server could not find the requested resource"),
            f"cannot create Experiment {WHERE} (the server could not find the requested "
            "resource); is Katib installed (kubectl get crd experiments.kubeflow.org) and does "
            f"namespace {NS} exist?",
        ),
        (
            api_error(401, "Unauthorized", "Unauthorized"),
            "the Kubernetes API rejected the credentials (Unauthorized); refresh them, e.g. "
            "gcloud container clusters get-credentials CLUSTER --region REGION",
        ),
    ],
)
def test_create_errors_say_what_to_fix(error: Exception, expected: str) -> None:
    spec = make_spec()
    with pytest.raises(InputError) as info:
        backend(FakeApi(create_errors=[error])).launch(spec, make_options(spec))
    assert info.value.messages == (expected,)


def test_transient_create_errors_are_retried_with_backoff() -> None:
    spec = make_spec()
    clock = FakeClock()
    api = FakeApi(
        create_errors=[api_error(503, "ServiceUnavailable"), ProtocolError("connection reset")]
    )
    assert backend(api, clock).launch(spec, make_options(spec)).created
    assert clock.sleeps == [2.0, 4.0]
    assert len(api.created) == 1


def test_create_gives_up_after_three_transient_errors() -> None:
    spec = make_spec()
    errors = [api_error(500, "InternalError", "etcdserver: request timed out")] * 3
    with pytest.raises(KatibApiError) as info:
        backend(FakeApi(create_errors=errors)).launch(spec, make_options(spec))
    assert info.value.messages == (
        f"creating Katib Experiment {WHERE} failed: etcdserver: request timed out",
    )


def test_delete() -> None:
    api = FakeApi()
    assert backend(api).delete(NAME, NS) is True
    assert api.calls == [("delete", NS, NAME)]
    assert backend(FakeApi(delete_error=not_found())).delete(NAME, NS) is False
    with pytest.raises(InputError, match=r"^kubeflow-user/ssd-katib: not allowed to delete"):
        backend(FakeApi(delete_error=api_error(403, "Forbidden", "no"))).delete(NAME, NS)


def _no_cluster(monkeypatch: pytest.MonkeyPatch, home: Path) -> None:
    monkeypatch.delenv("KUBERNETES_SERVICE_HOST", raising=False)
    monkeypatch.delenv("KUBERNETES_SERVICE_PORT", raising=False)
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.delenv("KUBECONFIG", raising=False)


def test_no_kube_config_is_an_input_error_with_the_fix(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    _no_cluster(monkeypatch, tmp_path)
    with pytest.raises(InputError) as info:
        KatibBackend.from_kube_config()
    assert info.value.messages == (
        "no Kubernetes configuration: not in a cluster (Service host/port is not set.); no "
        "usable kube config at ~/.kube/config (Invalid kube-config file. No configuration "
        "found.); get credentials for the cluster (e.g. gcloud container clusters "
        "get-credentials CLUSTER --region REGION), or point KUBECONFIG at a kube config, or "
        "run odsweep inside the cluster with a service account allowed to manage Experiments "
        "(manifests/rbac.yaml)",
    )


KUBE_CONFIG = """\
apiVersion: v1
kind: Config
clusters:
- name: test
  cluster: {server: "https://10.0.0.1:6443", insecure-skip-tls-verify: true}
users:
- name: tester
  user: {token: not-a-real-token}
contexts:
- name: test
  context: {cluster: test, user: tester, namespace: team-b}
current-context: test
"""


def test_a_kube_config_gives_a_private_client_and_its_namespace(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from kubernetes import client

    _no_cluster(monkeypatch, tmp_path)
    config = tmp_path / "kubeconfig"
    config.write_text(KUBE_CONFIG)
    monkeypatch.setenv("KUBECONFIG", str(config))
    default_host = client.Configuration.get_default_copy().host
    built = KatibBackend.from_kube_config()
    assert isinstance(built.api, client.CustomObjectsApi)
    assert built.api.api_client.configuration.host == "https://10.0.0.1:6443"
    assert built.default_namespace == "team-b"
    # The kubernetes package's global default configuration is left alone.
    assert client.Configuration.get_default_copy().host == default_host
    assert (GROUP, VERSION, EXPERIMENTS) == ("kubeflow.org", "v1beta1", "experiments")


def test_inside_a_pod_the_service_account_and_its_namespace_are_used(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from kubernetes import client
    from kubernetes.config import incluster_config

    from odsweep.backends.katib import _api

    _no_cluster(monkeypatch, tmp_path)
    account = tmp_path / "serviceaccount"
    account.mkdir()
    for name, text in (("token", "not-a-real-token"), ("ca.crt", "cert"), ("namespace", "ml\n")):
        (account / name).write_text(text)
    monkeypatch.setenv("KUBERNETES_SERVICE_HOST", "10.96.0.1")
    monkeypatch.setenv("KUBERNETES_SERVICE_PORT", "443")
    monkeypatch.setattr(incluster_config, "SERVICE_TOKEN_FILENAME", str(account / "token"))
    monkeypatch.setattr(incluster_config, "SERVICE_CERT_FILENAME", str(account / "ca.crt"))
    monkeypatch.setattr(_api, "_SERVICE_ACCOUNT_NAMESPACE", str(account / "namespace"))
    built = KatibBackend.from_kube_config()
    assert isinstance(built.api, client.CustomObjectsApi)
    assert built.api.api_client.configuration.host == "https://10.96.0.1:443"
    assert built.default_namespace == "ml"
