"""``manifests/rbac.yaml`` grants the pipeline's account exactly what a Katib search needs."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

RBAC = Path(__file__).resolve().parents[3] / "manifests" / "rbac.yaml"


def _docs() -> dict[str, dict[str, Any]]:
    docs = [d for d in yaml.safe_load_all(RBAC.read_text()) if d]
    by_kind = {d["kind"]: d for d in docs}
    assert sorted(by_kind) == ["Role", "RoleBinding", "ServiceAccount"]
    assert len(docs) == 3
    return by_kind


def test_role_grants_exactly_the_katib_verbs() -> None:
    role = _docs()["Role"]
    grants = {
        (group, resource, verb)
        for rule in role["rules"]
        for group in rule["apiGroups"]
        for resource in rule["resources"]
        for verb in rule["verbs"]
    }
    expected = {
        ("kubeflow.org", "experiments", verb)
        for verb in ("create", "get", "list", "watch", "delete")
    } | {
        ("kubeflow.org", resource, verb)
        for resource in ("trials", "suggestions")
        for verb in ("get", "list", "watch")
    }
    assert grants == expected
    assert all(set(rule) == {"apiGroups", "resources", "verbs"} for rule in role["rules"])


def test_binding_ties_the_role_to_the_service_account_in_one_namespace() -> None:
    docs = _docs()
    account, role, binding = docs["ServiceAccount"], docs["Role"], docs["RoleBinding"]
    namespace = account["metadata"]["namespace"]
    assert role["metadata"]["namespace"] == binding["metadata"]["namespace"] == namespace
    assert binding["roleRef"] == {
        "apiGroup": "rbac.authorization.k8s.io",
        "kind": "Role",
        "name": role["metadata"]["name"],
    }
    assert binding["subjects"] == [
        {"kind": "ServiceAccount", "name": account["metadata"]["name"], "namespace": namespace}
    ]
    assert (account["apiVersion"], role["apiVersion"], binding["apiVersion"]) == (
        "v1",
        "rbac.authorization.k8s.io/v1",
        "rbac.authorization.k8s.io/v1",
    )
