"""Is Katib's metrics collector injected in the namespace? Checked before creating.

Katib's pod webhook only selects namespaces labelled
``katib.kubeflow.org/metrics-collector-injection: enabled`` (its namespaceSelector;
Kubeflow profile namespaces carry the label). Elsewhere the trial pods run without the
collector sidecar: every trial trains to its end and then fails "MetricsUnavailable",
days of GPU time for nothing. So a missing label is refused before the Experiment exists.
"""

from __future__ import annotations

import logging
from typing import Any, Protocol

from odsweep.backends.katib._api import REQUEST_TIMEOUT, api_message, status_of
from odsweep.errors import InputError

logger = logging.getLogger(__name__)

INJECTION_LABEL = "katib.kubeflow.org/metrics-collector-injection"
INJECTION_ENABLED = "enabled"


class CoreV1ApiLike(Protocol):
    """What the backend calls on ``kubernetes.client.CoreV1Api``."""

    def read_namespace(self, name: str, **kwargs: Any) -> Any: ...


def label_fix(namespace: str) -> str:
    return f"kubectl label namespace {namespace} {INJECTION_LABEL}={INJECTION_ENABLED}"


def check_injection_label(core: CoreV1ApiLike, namespace: str) -> None:
    """Refuse a namespace where Katib would not inject its metrics collector.

    An account allowed to create Experiments is not always allowed to read its
    Namespace object (a cluster-scoped read a namespaced Role grants only by name, see
    manifests/rbac.yaml): then the label cannot be checked, a warning says so, and the
    run goes on rather than refusing a namespace that may well be labelled.

    Raises:
        InputError: The label is missing or not ``enabled``; the namespace does not exist.
    """
    try:
        ns = core.read_namespace(namespace, _request_timeout=REQUEST_TIMEOUT)
    except Exception as exc:
        code = status_of(exc)
        if code is None:
            raise
        if code == 404:
            raise InputError(
                f"namespace {namespace!r}: not found; create it, or name another with "
                "--namespace (spec.cluster.namespace)"
            ) from None
        logger.warning(
            "cannot read namespace %s to check its %s label (%s); going on: if every "
            "trial ends MetricsUnavailable, run %s",
            namespace,
            INJECTION_LABEL,
            api_message(exc),
            label_fix(namespace),
        )
        return
    labels = getattr(getattr(ns, "metadata", None), "labels", None) or {}
    value = labels.get(INJECTION_LABEL)
    if value != INJECTION_ENABLED:
        found = "missing" if value is None else f"{value!r}"
        raise InputError(
            f"namespace {namespace!r}: label {INJECTION_LABEL} is {found}, so Katib would "
            "not inject its metrics collector and no trial could report a metric; run: "
            f"{label_fix(namespace)} (Kubeflow profile namespaces have it)"
        )
