"""spec.cluster: optional block, image required, Kubernetes syntax for every field."""

from __future__ import annotations

from types import MappingProxyType
from typing import Any

import pytest
from spec_fixtures import exact_line, parse, valid_doc

from odsweep.errors import InputError
from odsweep.spec import ClusterSpec, ImagePullPolicy, Toleration


def with_cluster(**cluster: Any) -> dict[str, Any]:
    doc = valid_doc()
    doc["spec"]["cluster"] = cluster
    return doc


IMAGE = "registry.example/odsweep:0.1"


def test_only_image_is_required_and_defaults_apply() -> None:
    assert parse(with_cluster(image=IMAGE)).cluster == ClusterSpec(image=IMAGE, gpus_per_trial=1)


def test_every_optional_field_parses() -> None:
    cluster = parse(
        with_cluster(
            image=IMAGE,
            gpusPerTrial=0,
            cpu="500m",
            memory="1.5Gi",
            tolerations=[
                {"key": "nvidia.com/gpu", "operator": "Exists", "effect": "NoSchedule"},
                {"key": "pool", "value": "gpu", "effect": "NoExecute", "tolerationSeconds": 60},
                {"operator": "Exists"},
            ],
            imagePullPolicy="IfNotPresent",
            env={"TF_CPP_MIN_LOG_LEVEL": 2, "MODE": "fast"},
            activeDeadlineSeconds="3600",
        )
    ).cluster
    assert cluster == ClusterSpec(
        image=IMAGE,
        gpus_per_trial=0,
        cpu="500m",
        memory="1.5Gi",
        tolerations=(
            Toleration("nvidia.com/gpu", "Exists", None, "NoSchedule"),
            Toleration("pool", "Equal", "gpu", "NoExecute", 60),
            Toleration(None, "Exists"),
        ),
        image_pull_policy=ImagePullPolicy.IF_NOT_PRESENT,
        env=MappingProxyType({"TF_CPP_MIN_LOG_LEVEL": "2", "MODE": "fast"}),
        active_deadline_seconds=3600,
    )


@pytest.mark.parametrize("quantity", ["4", "0.5", "500m", "16Gi", "1e3", "2G", "+1"])
def test_kubernetes_quantities_are_accepted(quantity: str) -> None:
    cluster = parse(with_cluster(image=IMAGE, cpu=quantity, memory=quantity)).cluster
    assert cluster is not None and cluster.cpu == quantity


CASES = [
    ({"image": None}, "spec.cluster.image: is required; add image: <a container image>"),
    ({"image": "a b"}, "spec.cluster.image: must not contain whitespace, got 'a b'"),
    (
        {"namespace": "Kube_flow"},
        "spec.cluster.namespace: must be a DNS-1123 label ([a-z0-9-], at most 63 characters), "
        "got 'Kube_flow'",
    ),
    ({"gpusPerTrial": -1}, "spec.cluster.gpusPerTrial: must be an integer >= 0, got -1"),
    (
        {"cpu": "4 cores"},
        "spec.cluster.cpu: must be a Kubernetes quantity (e.g. 4, 500m, 16Gi, 1.5e3), "
        "got '4 cores'",
    ),
    (
        {"memory": "16GB"},
        "spec.cluster.memory: must be a Kubernetes quantity (e.g. 4, 500m, 16Gi, 1.5e3), "
        "got '16GB'",
    ),
    (
        {"memory": "-1Gi"},
        "spec.cluster.memory: must be a Kubernetes quantity (e.g. 4, 500m, 16Gi, 1.5e3), "
        "got '-1Gi'",
    ),
    (
        {"serviceAccount": "Bad_SA"},
        "spec.cluster.serviceAccount: must be a DNS-1123 subdomain ([a-z0-9-.], at most 253 "
        "characters), got 'Bad_SA'",
    ),
    (
        {"nodeSelector": {"a b": "x"}},
        "spec.cluster.nodeSelector: each key must be a label key ([prefix/]name; name "
        "[A-Za-z0-9-_.], at most 63 characters), got 'a b'",
    ),
    (
        {"nodeSelector": {"gpu": True}},
        "spec.cluster.nodeSelector.gpu: must be a string, got True; quote it: 'true'",
    ),
    (
        {"nodeSelector": {"gpu": "a b"}},
        "spec.cluster.nodeSelector.gpu: must be a label value ([A-Za-z0-9-_.], at most 63 "
        "characters), got 'a b'",
    ),
    ({"nodeSelector": ["x"]}, "spec.cluster.nodeSelector: must be a mapping, got ['x']"),
    (
        {"tolerations": [{"key": "k", "operator": "Exists", "value": "v"}]},
        "spec.cluster.tolerations[0].value: must be empty for operator Exists, got 'v'",
    ),
    (
        {"tolerations": [{"value": "v"}]},
        "spec.cluster.tolerations[0].operator: must be Exists when key is empty, got 'Equal'",
    ),
    (
        {"tolerations": [{"key": "k", "effect": "NoSchedule", "tolerationSeconds": 5}]},
        "spec.cluster.tolerations[0].tolerationSeconds: applies only to effect NoExecute, got 5",
    ),
    (
        {"tolerations": [{"key": "k", "effect": "Never"}]},
        "spec.cluster.tolerations[0].effect: must be one of NoSchedule, PreferNoSchedule, "
        "NoExecute, got 'Never'",
    ),
    (
        {"tolerations": [{"key": "k", "operater": "Exists"}]},
        "spec.cluster.tolerations[0]: unknown key, got 'operater'; did you mean 'operator'?",
    ),
    (
        {"imagePullPolicy": "always"},
        "spec.cluster.imagePullPolicy: must be one of Always, IfNotPresent, Never, got 'always'; "
        "did you mean 'Always'?",
    ),
    (
        {"env": {"1A": "x"}},
        "spec.cluster.env: each name must match ^[A-Za-z_][A-Za-z0-9_]*$, got '1A'",
    ),
    ({"env": {"B": None}}, "spec.cluster.env.B: must be a string, got None"),
    (
        {"activeDeadlineSeconds": 0},
        "spec.cluster.activeDeadlineSeconds: must be an integer > 0, got 0",
    ),
    (
        {"gpus": 1},
        "spec.cluster: unknown key, got 'gpus'; did you mean 'gpusPerTrial'?",
    ),
]


@pytest.mark.parametrize(("fields", "message"), CASES, ids=[m.split(":")[0] for _, m in CASES])
def test_cluster_rule(fields: dict[str, Any], message: str) -> None:
    doc = with_cluster(**{"image": IMAGE, **fields})
    with pytest.raises(InputError, match=exact_line(message)):
        parse(doc)
