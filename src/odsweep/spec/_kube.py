"""Kubernetes settings for trial pods (the Katib/KFP path only), as frozen values."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from types import MappingProxyType


def _empty_map() -> Mapping[str, str]:
    return MappingProxyType({})


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
        gpus_per_trial: ``nvidia.com/gpu`` limit per trial pod (0 for CPU only).
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
