"""``manifests/rbac.yaml`` grants exactly the Kubernetes API calls odsweep makes."""

from __future__ import annotations

import ast
import re
from pathlib import Path
from typing import Any

import yaml

from odsweep.backends.katib import _api

REPO = Path(__file__).resolve().parents[3]
RBAC = REPO / "manifests" / "rbac.yaml"
SRC = REPO / "src" / "odsweep"


def _docs() -> dict[str, dict[str, Any]]:
    docs = [d for d in yaml.safe_load_all(RBAC.read_text()) if d]
    by_kind = {d["kind"]: d for d in docs}
    assert sorted(by_kind) == ["Role", "RoleBinding", "ServiceAccount"]
    assert len(docs) == 3
    return by_kind


# The Kubernetes client methods odsweep may call, as (API group, verb) per method prefix.
_CUSTOM = re.compile(r"^(create|get|list|watch|delete|patch|replace)_namespaced_custom_object$")
_CORE = {"read_namespace": ("", "namespaces", "get")}


def _calls_in_code() -> set[tuple[str, str, str]]:
    """(group, resource, verb) of every Kubernetes API call in src/odsweep, read from the AST."""
    constants = {"EXPERIMENTS": _api.EXPERIMENTS, "TRIALS": _api.TRIALS}
    calls = set()
    for path in SRC.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
                continue
            method = node.func.attr
            if match := _CUSTOM.match(method):
                plural = node.args[3]
                assert isinstance(plural, ast.Name), f"{path}: plural not a constant"
                calls.add((_api.GROUP, constants[plural.id], match.group(1)))
            elif method in _CORE:
                calls.add(_CORE[method])
    return calls


def test_role_grants_exactly_the_calls_the_code_makes() -> None:
    role = _docs()["Role"]
    grants = {
        (group, resource, verb)
        for rule in role["rules"]
        for group in rule["apiGroups"]
        for resource in rule["resources"]
        for verb in rule["verbs"]
    }
    calls = _calls_in_code()
    # The scan finds what it should: launch, follow, resume, delete, trials, the label.
    assert calls == {
        ("kubeflow.org", "experiments", "create"),
        ("kubeflow.org", "experiments", "get"),
        ("kubeflow.org", "experiments", "delete"),
        ("kubeflow.org", "trials", "list"),
        ("", "namespaces", "get"),
    }
    assert grants == calls
    namespace = role["metadata"]["namespace"]
    for rule in role["rules"]:
        if rule["resources"] == ["namespaces"]:
            # Cluster-scoped: only the Experiments' own namespace, by name.
            assert rule["resourceNames"] == [namespace]
        else:
            assert set(rule) == {"apiGroups", "resources", "verbs"}


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
