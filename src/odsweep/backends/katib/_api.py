"""The Kubernetes API as the Katib backend uses it: four custom-object calls.

The backend talks to ``kubernetes.client.CustomObjectsApi`` directly instead of the
Katib SDK's ``KatibClient``: that one loads a kube config in its constructor (so a test
cannot build it without one), imports the training-operator SDK, and offers nothing
these four calls do not. Tests pass any object with the same four methods.
"""

from __future__ import annotations

import json
import os
from typing import Any, Protocol

from odsweep.errors import InputError

GROUP = "kubeflow.org"
VERSION = "v1beta1"
EXPERIMENTS = "experiments"
TRIALS = "trials"
EXPERIMENT_LABEL = "katib.kubeflow.org/experiment"
"""The label Katib puts on every Trial of an Experiment."""
REQUEST_TIMEOUT = 60.0
"""Seconds per API call: a dropped connection must not hang a follow forever."""
# Where a pod finds its own namespace (Kubernetes mounts it with the service account).
_SERVICE_ACCOUNT_NAMESPACE = "/var/run/secrets/kubernetes.io/serviceaccount/namespace"

CONFIG_FIX = (
    "get credentials for the cluster (e.g. gcloud container clusters get-credentials "
    "CLUSTER --region REGION), or point KUBECONFIG at a kube config, or run odsweep "
    "inside the cluster with a service account allowed to manage Experiments "
    "(manifests/rbac.yaml)"
)


class CustomObjectsApiLike(Protocol):
    """What the backend calls on ``kubernetes.client.CustomObjectsApi``.

    The same positional arguments and the same answers: plain dicts (the JSON the API
    server sent), ``kubernetes.client.exceptions.ApiException`` with ``status`` on an
    HTTP error, urllib3 errors when the connection fails.
    """

    def create_namespaced_custom_object(
        self, group: str, version: str, namespace: str, plural: str, body: Any, **kwargs: Any
    ) -> Any: ...

    def get_namespaced_custom_object(
        self, group: str, version: str, namespace: str, plural: str, name: str, **kwargs: Any
    ) -> Any: ...

    def list_namespaced_custom_object(
        self, group: str, version: str, namespace: str, plural: str, **kwargs: Any
    ) -> Any: ...

    def delete_namespaced_custom_object(
        self, group: str, version: str, namespace: str, plural: str, name: str, **kwargs: Any
    ) -> Any: ...


def connect(
    *, config_file: str | None = None, context: str | None = None
) -> tuple[CustomObjectsApiLike, str]:
    """A ``CustomObjectsApi`` and the namespace to use when the spec names none.

    ``config_file``, else ``KUBECONFIG`` when set; else the pod's service account when
    inside a cluster; else ``~/.kube/config`` (``context`` picks a kube config context).
    The configuration is private to the returned client: the kubernetes package's
    global default is left alone.

    Raises:
        InputError: No usable configuration either way ("no Kubernetes configuration").
    """
    from kubernetes import client, config
    from kubernetes.config import ConfigException

    configuration = client.Configuration()
    problems = []
    # The kubernetes package reads KUBECONFIG once, when it is imported; read it now.
    config_file = config_file or os.environ.get("KUBECONFIG") or None
    if config_file is None and context is None:
        try:
            config.load_incluster_config(client_configuration=configuration)
        except ConfigException as exc:
            problems.append(f"not in a cluster ({exc})")
        else:
            return client.CustomObjectsApi(client.ApiClient(configuration)), _pod_namespace()
    try:
        config.load_kube_config(
            config_file=config_file,
            context=context,
            client_configuration=configuration,
            persist_config=False,
        )
        namespace = _context_namespace(config_file, context)
    except (ConfigException, OSError, ValueError) as exc:
        where = config_file or "~/.kube/config"
        problems.append(f"no usable kube config at {where} ({exc})")
        raise InputError(
            f"no Kubernetes configuration: {'; '.join(problems)}; {CONFIG_FIX}"
        ) from None
    return client.CustomObjectsApi(client.ApiClient(configuration)), namespace


def _pod_namespace() -> str:
    try:
        with open(_SERVICE_ACCOUNT_NAMESPACE, encoding="utf-8") as fh:
            return fh.read().strip() or "default"
    except OSError:
        return "default"


def _context_namespace(config_file: str | None, context: str | None) -> str:
    """The namespace of the kube config's context (what kubectl would use)."""
    from kubernetes import config

    contexts, active = config.list_kube_config_contexts(config_file=config_file)
    chosen = active
    if context is not None:
        chosen = next((c for c in contexts if c.get("name") == context), active)
    return str((chosen or {}).get("context", {}).get("namespace") or "default")


def status_of(exc: BaseException) -> int | None:
    """The HTTP status of an ``ApiException`` (None for anything else)."""
    status = getattr(exc, "status", None)
    return status if isinstance(status, int) else None


def api_message(exc: BaseException) -> str:
    """The API server's own message (its ``Status`` object), else the exception's reason."""
    body = getattr(exc, "body", None)
    if body:
        try:
            doc = json.loads(body)
        except (TypeError, ValueError):
            return str(body).strip()[:500]
        if isinstance(doc, dict) and doc.get("message"):
            return str(doc["message"])
    status = status_of(exc)
    reason = getattr(exc, "reason", None) or type(exc).__name__
    return f"{status} {reason}" if status is not None else str(reason)


def is_transient(exc: BaseException) -> bool:
    """True for errors worth retrying: throttling, server errors, dropped connections."""
    from urllib3.exceptions import HTTPError

    if isinstance(exc, HTTPError):
        return True
    status = status_of(exc)
    return status is not None and (status == 429 or status >= 500 or status == 0)
