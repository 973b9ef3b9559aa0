"""Kubernetes settings for trial pods (the Katib/KFP path only), as frozen values, and
Kubernetes' naming rules and constants: the one home of each (the spec parser, the Katib
pre-flight check, the manifest, the pipeline and the CLI all use these)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from types import MappingProxyType


def _empty_map() -> Mapping[str, str]:
    return MappingProxyType({})


_LABEL = r"[a-z0-9](?:[-a-z0-9]*[a-z0-9])?"
DNS1123_LABEL_RE = re.compile(rf"^{_LABEL}$")
DNS1123_SUBDOMAIN_RE = re.compile(rf"^{_LABEL}(?:\.{_LABEL})*$")
MAX_LABEL = 63
"""Kubernetes' limit for a DNS-1123 label, a Service name and a label value."""
MAX_SUBDOMAIN = 253
# apimachinery's resource.Quantity: a non-negative decimal, then a binary-SI suffix,
# a decimal-SI suffix or a decimal exponent (no sign: requests cannot be negative).
QUANTITY_RE = re.compile(
    r"^\+?(?:\d+(?:\.\d*)?|\.\d+)(?:Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E|[eE][+-]?\d+)?$"
)
TAINT_EFFECTS = ("NoSchedule", "PreferNoSchedule", "NoExecute")
"""The effects a taint (and so a toleration) can have."""
GPU_RESOURCE = "nvidia.com/gpu"
"""The extended resource NVIDIA's device plugin registers (and GKE taints GPU nodes with)."""
CREDENTIALS_KEY = "key.json"
"""The key of the GCP service-account JSON in the credentials Secret: Katib trial pods
mount it, pipeline steps receive it as env; the same Secret serves both."""
CREDENTIALS_ENV = "GOOGLE_APPLICATION_CREDENTIALS"
"""The variable Google's libraries (and TensorFlow's ``gs://``) read a key file's path from."""


def is_dns1123_label(name: str, max_length: int = MAX_LABEL) -> bool:
    """True for a Kubernetes DNS-1123 label no longer than ``max_length``."""
    return len(name) <= max_length and bool(DNS1123_LABEL_RE.match(name))


def is_dns1123_subdomain(name: str) -> bool:
    """True for a DNS-1123 subdomain (a service account or Secret name)."""
    return len(name) <= MAX_SUBDOMAIN and bool(DNS1123_SUBDOMAIN_RE.match(name))


def is_quantity(text: str) -> bool:
    """True for a Kubernetes resource quantity such as ``4``, ``500m`` or ``16Gi``."""
    return bool(QUANTITY_RE.match(text))


class ResumePolicy(StrEnum):
    """Katib's ``spec.resumePolicy``: what stays of the suggestion once the search ends.

    - ``Never``: the suggestion service is deleted; the Experiment cannot be extended.
    - ``LongRunning``: the suggestion Deployment keeps running (one small pod per
      Experiment, forever) so raising ``maxTrialCount`` resumes the search at once.
    - ``FromVolume``: the suggestion's state goes to a PersistentVolumeClaim Katib
      creates (needs a default StorageClass); the pod is deleted and re-created on resume.
    """

    NEVER = "Never"
    LONG_RUNNING = "LongRunning"
    FROM_VOLUME = "FromVolume"


class ImagePullPolicy(StrEnum):
    """Kubernetes ``imagePullPolicy``."""

    ALWAYS = "Always"
    IF_NOT_PRESENT = "IfNotPresent"
    NEVER = "Never"


@dataclass(frozen=True)
class Toleration:
    """A Kubernetes toleration for the trial pods."""

    key: str | None = None
    operator: str = "Equal"
    value: str | None = None
    effect: str | None = None
    toleration_seconds: int | None = None


@dataclass(frozen=True)
class ClusterSpec:
    """Pod settings for trials on Kubernetes (Katib/KFP path only).

    Attributes:
        image: The odsweep container image.
        namespace: Kubernetes namespace, or None for the client's default.
        gpus_per_trial: :data:`GPU_RESOURCE` limit per trial pod (0 for CPU only).
        cpu: CPU request/limit as a Kubernetes quantity, e.g. ``"4"`` or ``"500m"``.
        memory: Memory request/limit as a Kubernetes quantity, e.g. ``"16Gi"``.
        service_account: Service account of the trial pods.
        node_selector: Node labels the pods must match.
        tolerations: Taints the pods tolerate.
        image_pull_policy: Kubernetes ``imagePullPolicy``, or None for its default.
        env: Extra environment variables.
        active_deadline_seconds: Kill a trial's pod after this many seconds.
    """

    image: str
    namespace: str | None = None
    gpus_per_trial: int = 1
    cpu: str | None = None
    memory: str | None = None
    service_account: str | None = None
    node_selector: Mapping[str, str] = field(default_factory=_empty_map)
    tolerations: tuple[Toleration, ...] = ()
    image_pull_policy: ImagePullPolicy | None = None
    env: Mapping[str, str] = field(default_factory=_empty_map)
    active_deadline_seconds: int | None = None
