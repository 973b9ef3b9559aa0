"""One test per pre-flight rule, each with its exact message."""

from __future__ import annotations

import dataclasses
import re
from typing import Any

import pytest

from odsweep import results
from odsweep.backends.katib import KatibOptions, check_for_katib
from odsweep.backends.katib import _preflight as preflight
from odsweep.errors import InputError
from odsweep.spec import ClusterSpec, SearchSpec
from tests.backends.katib.katib_fixtures import (
    MODEL_DIR,
    make_options,
    make_spec,
    spec_doc,
    with_cluster,
)

SAFE = "use only letters, digits and . _ : / @ + = - (rename or move it)"


def _line(message: str) -> str:
    """A ``match=`` pattern for ``message`` as one whole line of the error."""
    return rf"(?m)^{re.escape(message)}$"


def _check(spec: SearchSpec | None = None, **flags: Any) -> None:
    spec = spec or make_spec()
    check_for_katib(spec, make_options(spec, **flags))


def _messages(spec: SearchSpec | None = None, **flags: Any) -> tuple[str, ...]:
    with pytest.raises(InputError) as info:
        _check(spec, **flags)
    return info.value.messages


def test_valid_spec_and_options_pass() -> None:
    _check()


# -- metricsFormat --------------------------------------------------------------------


def test_metrics_format_must_compile(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(results, "METRICS_FORMAT", "(name)=(")
    with pytest.raises(InputError, match=_line(
        "metricsFormat: does not compile (missing ), unterminated subpattern at position 7), "
        "got '(name)=('; fix odsweep.results.METRICS_FORMAT"
    )):  # fmt: skip
        _check()


def test_metrics_format_needs_exactly_two_groups(monkeypatch: pytest.MonkeyPatch) -> None:
    fmt = r"([\w|-]+)\s*=\s*([+-]?\d*(\.\d+)?([Ee][+-]?\d+)?)"  # Katib's default: 4 groups
    monkeypatch.setattr(results, "METRICS_FORMAT", fmt)
    with pytest.raises(InputError, match=_line(
        "metricsFormat: must have exactly 2 capturing groups (name, value), as Katib's "
        f"webhook requires, got 4 in {fmt!r}; make the others non-capturing (?:...)"
    )):  # fmt: skip
        _check()


def test_metrics_format_must_be_re2(monkeypatch: pytest.MonkeyPatch) -> None:
    fmt = r"(?<= )([A-Za-z/]+)=(\d+)"
    monkeypatch.setattr(results, "METRICS_FORMAT", fmt)
    with pytest.raises(InputError, match=_line(
        "metricsFormat: uses look-behind, which Go's RE2 (Katib's collector) does not "
        f"support, got {fmt!r}"
    )):  # fmt: skip
        _check()
    assert preflight.check_metrics_format(r"(a)=(\d)\1") == [
        "metricsFormat: uses backreferences, which Go's RE2 (Katib's collector) does not "
        "support, got '(a)=(\\\\d)\\\\1'"
    ]


def test_every_metric_is_read_back_exactly(monkeypatch: pytest.MonkeyPatch) -> None:
    # Two groups and valid, but a name group without "/": reads "mAP", not the OD API name.
    fmt = r"([\w|-]+)\s*=\s*([+-]?[\d.]+(?:[Ee][+-]?\d+)?)"
    monkeypatch.setattr(results, "METRICS_FORMAT", fmt)
    messages = _messages()
    assert messages[0] == (
        "spec.objective.objectiveMetricName: Katib's StdOut collector reads nothing from the "
        "trial's line '2026-01-01T00:00:00Z DetectionBoxes_Precision/mAP=0.25', not "
        "DetectionBoxes_Precision/mAP=0.25; rename the metric or fix "
        "odsweep.results.METRICS_FORMAT"
    )
    assert [m.split(":")[0] for m in messages] == [
        "spec.objective.objectiveMetricName",
        "spec.objective.additionalMetricNames[0]",
        "spec.objective.additionalMetricNames[1]",
    ]


def test_a_metric_read_with_the_wrong_value_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    # No exponent: the second probe value (-1.5e-05) comes back as -1.5.
    fmt = results.METRICS_FORMAT.replace("(?:[eE][+-]?\\d+)?", "")
    assert fmt != results.METRICS_FORMAT
    monkeypatch.setattr(results, "METRICS_FORMAT", fmt)
    assert _messages()[0] == (
        "spec.objective.objectiveMetricName: Katib's StdOut collector reads "
        "[('DetectionBoxes_Precision/mAP', '-1.5')] from the trial's line "
        "'2026-01-01T00:00:00Z DetectionBoxes_Precision/mAP=-1.5e-05', not "
        "DetectionBoxes_Precision/mAP=-1.5e-05; rename the metric or fix "
        "odsweep.results.METRICS_FORMAT"
    )


# -- names Katib derives ---------------------------------------------------------------


def test_trial_names_fit_63_characters() -> None:
    spec = dataclasses.replace(make_spec(), name="a" * 55)
    assert _messages(spec) == (
        "metadata.name: Katib names each trial (its Job, and its pods' job-name label) "
        "'<name>-<8 random characters>', at most 63 characters, so the name may have at most "
        f"54, got {'a' * 55!r} (55); shorten it",
    )
    _check(dataclasses.replace(make_spec(), name="a" * 54))


def test_suggestion_service_name_fits_63_characters() -> None:
    doc = spec_doc()
    doc["spec"]["algorithm"] = {"algorithmName": "multivariate-tpe"}
    spec = dataclasses.replace(make_spec(doc), name="b" * 47)
    assert _messages(spec) == (
        "metadata.name: Katib names the suggestion Service and Deployment "
        f"'<name>-multivariate-tpe' ('{'b' * 47}-multivariate-tpe', 64 characters), at most 63 "
        "allowed; shorten the name to at most 46 characters",
    )
    _check(dataclasses.replace(spec, name="b" * 46))


# -- words of the sh -c command line ----------------------------------------------------


def test_model_dir_must_survive_sh() -> None:
    assert _messages(model_dir="gs://bucket/my runs") == (
        "--model-dir: contains ' ', which Katib's sh -c wrapper would interpret, got "
        f"'gs://bucket/my runs'; {SAFE}",
    )


def test_spec_uri_must_survive_sh() -> None:
    assert _messages(spec_uri="gs://bucket/$(id)/spec.yaml") == (
        "--spec-uri: contains '$()', which Katib's sh -c wrapper would interpret, got "
        f"'gs://bucket/$(id)/spec.yaml'; {SAFE}",
    )


def test_default_spec_uri_must_survive_sh() -> None:
    spec = dataclasses.replace(make_spec(), source="/home/me/my specs/demo.yaml")
    options = dataclasses.replace(make_options(spec), spec_uri=None, allow_local_paths=True)
    with pytest.raises(InputError, match=_line(
        "--spec-uri (not given, so the spec's path /home/me/my specs/demo.yaml): contains ' ', "
        "which Katib's sh -c wrapper would interpret, got '/home/me/my specs/demo.yaml'; "
        + SAFE
    )):  # fmt: skip
        check_for_katib(spec, options)


def test_every_container_arg_is_checked() -> None:
    assert preflight.check_args_shell_safe(["--param", "x=${trialParameters.x}", "a;b"]) == [
        "trial command: argument 'a;b' contains ';', which sh -c would interpret; use only "
        "letters, digits and . _ : / @ + = -"
    ]


def test_empty_model_dir_is_refused() -> None:
    spec = make_spec()
    options = dataclasses.replace(make_options(spec), model_dir="")
    with pytest.raises(InputError, match=_line("--model-dir: must not be empty")):
        check_for_katib(spec, options)


# -- storage the pod can reach -----------------------------------------------------------


def test_model_dir_relative_is_refused() -> None:
    assert _messages(model_dir="runs/demo") == (
        "--model-dir: a relative path means nothing inside a trial pod, got 'runs/demo'; "
        "use gs://BUCKET/PATH",
    )


def test_model_dir_local_needs_allow_local_paths() -> None:
    assert _messages(model_dir="/mnt/sweeps/demo") == (
        "--model-dir: a local path is lost with each trial's pod (checkpoints, result.json), "
        "got '/mnt/sweeps/demo'; use gs://BUCKET/PATH, or pass --allow-local-paths if you "
        "mount a volume there",
    )
    _check(model_dir="/mnt/sweeps/demo", allow_local_paths=True)


def test_model_dir_other_object_stores_are_refused() -> None:
    # storage.is_remote's rule and message, as everywhere else.
    assert _messages(model_dir="s3://bucket/demo") == (
        "--model-dir: scheme not supported: only gs://, got 's3://bucket/demo'; "
        "use gs://BUCKET/PATH or a local path",
    )
    assert _messages(model_dir="GS://bucket/demo") == (
        "--model-dir: scheme not supported: only gs://, got 'GS://bucket/demo'; "
        "write the scheme lower-case: gs:// or a local path",
    )


def test_model_dir_needs_a_bucket() -> None:
    assert _messages(model_dir="gs:///demo") == (
        "--model-dir: no bucket, got 'gs:///demo'; use gs://BUCKET/PATH",
    )


def test_default_spec_uri_needs_allow_local_paths() -> None:
    spec = make_spec()
    options = dataclasses.replace(make_options(spec), spec_uri=None)
    with pytest.raises(InputError, match=_line(
        "--spec-uri (not given, so the spec's path /work/specs/search.yaml): that file is on "
        "this machine, not in the trial pod; upload it and pass --spec-uri "
        "gs://BUCKET/PATH/spec.yaml (or --spec-uri /path/inside/image), or pass "
        "--allow-local-paths"
    )):  # fmt: skip
        check_for_katib(spec, options)
    check_for_katib(spec, dataclasses.replace(options, allow_local_paths=True))


def test_explicit_absolute_spec_uri_is_a_path_in_the_image() -> None:
    _check(spec_uri="/opt/odsweep/search_spaces/demo.yaml")


def test_relative_spec_uri_is_refused_even_with_allow_local_paths() -> None:
    assert _messages(spec_uri="search_spaces/demo.yaml", allow_local_paths=True) == (
        "--spec-uri: a relative path means nothing inside a trial pod, got "
        "'search_spaces/demo.yaml'; upload the spec and pass --spec-uri "
        "gs://BUCKET/PATH/spec.yaml",
    )


def test_spec_uri_other_scheme_is_refused() -> None:
    assert _messages(spec_uri="https://example.com/spec.yaml") == (
        "--spec-uri: scheme not supported: only gs://, got "
        "'https://example.com/spec.yaml'; use gs://BUCKET/PATH or a local path",
    )


# -- option syntax -------------------------------------------------------------------------


def test_image_must_not_be_empty() -> None:
    spec = make_spec()
    options = with_cluster(make_options(spec), image=" ")
    with pytest.raises(InputError, match=_line(
        "--image: must not be empty; give the trial image (or spec.cluster.image)"
    )):  # fmt: skip
        check_for_katib(spec, options)


def test_image_must_not_contain_whitespace() -> None:
    assert _messages(image="registry.example/odsweep 0.1") == (
        "--image: must not contain whitespace, got 'registry.example/odsweep 0.1'",
    )


def test_gpus_must_not_be_negative() -> None:
    assert _messages(gpus_per_trial=-1) == ("--gpus-per-trial: must be an integer >= 0, got -1",)


def test_namespace_must_be_a_dns_label() -> None:
    assert _messages(namespace="Team_A") == (
        "--namespace: must be a DNS-1123 label ([a-z0-9-], at most 63 characters), got 'Team_A'",
    )


def test_cpu_and_memory_must_be_quantities() -> None:
    assert _messages(cpu="four", memory="16 GB") == (
        "--cpu: must be a Kubernetes quantity (e.g. 4, 500m, 16Gi), got 'four'",
        "--memory: must be a Kubernetes quantity (e.g. 4, 500m, 16Gi), got '16 GB'",
    )


def test_service_account_and_secret_must_be_dns_subdomains() -> None:
    assert _messages(service_account="Odsweep", credentials_secret="gcp_key") == (
        "--service-account: must be a DNS-1123 subdomain ([a-z0-9-.], at most 253 "
        "characters), got 'Odsweep'",
        "--credentials-secret: must be a DNS-1123 subdomain ([a-z0-9-.], at most 253 "
        "characters), got 'gcp_key'",
    )


def test_active_deadline_must_be_positive() -> None:
    assert _messages(active_deadline_seconds=0) == (
        "activeDeadlineSeconds: must be an integer > 0, got 0",
    )


def test_credentials_env_is_set_once() -> None:
    spec = make_spec()
    options = make_options(spec, credentials_secret="gcp-key")
    options = with_cluster(options, env={"GOOGLE_APPLICATION_CREDENTIALS": "/etc/key.json"})
    with pytest.raises(InputError, match=_line(
        "spec.cluster.env.GOOGLE_APPLICATION_CREDENTIALS: also set by --credentials-secret "
        "(to the mounted key); remove one of them"
    )):  # fmt: skip
        check_for_katib(spec, options)


def test_every_problem_is_reported_at_once() -> None:
    spec = dataclasses.replace(make_spec(), name="c" * 60)
    messages = _messages(spec, model_dir="runs", spec_uri="x y", image="a b", gpus_per_trial=-2)
    assert [m.split(":")[0] for m in messages] == [
        "--image",
        "--gpus-per-trial",
        "--model-dir",
        "--spec-uri",
        "metadata.name",  # the trial name
        "metadata.name",  # the suggestion Service name
    ]


def test_options_built_directly_are_checked_the_same_way() -> None:
    spec = make_spec()
    options = KatibOptions(
        cluster=ClusterSpec(image="i:1"), model_dir=MODEL_DIR, spec_uri="gs://b/s.yaml"
    )
    check_for_katib(spec, options)
