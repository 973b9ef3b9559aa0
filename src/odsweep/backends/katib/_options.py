"""What a Katib Experiment needs beyond the search space: image, storage, pod settings."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from types import MappingProxyType
from typing import Any

from odsweep.errors import InputError
from odsweep.spec import ImagePullPolicy, SearchSpec, Toleration


def _empty_map() -> Mapping[str, str]:
    return MappingProxyType({})


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


# Keyword-only: fifteen fields are too many to pass by position safely.
@dataclass(frozen=True, kw_only=True)
class KatibOptions:
    """Cluster-side settings of one rendered Experiment.

    Attributes:
        image: The odsweep container image the trial pods run (needs ``sh``).
        model_dir: The sweep's output root (``gs://...``); each trial writes to
            ``<model_dir>/trials/<trial name>``.
        namespace: Namespace of the Experiment (and its trials), or None to leave it to
            ``kubectl``'s context.
        gpus_per_trial: ``nvidia.com/gpu`` per trial pod; 0 for CPU-only trials.
        cpu: CPU request and limit (a Kubernetes quantity), or None.
        memory: Memory request and limit (a Kubernetes quantity), or None.
        service_account: Service account of the trial pods, or None for the default.
        node_selector: Node labels the trial pods must match.
        tolerations: Taints the trial pods tolerate.
        image_pull_policy: Kubernetes ``imagePullPolicy``, or None for its default.
        env: Extra environment variables of the trial container.
        active_deadline_seconds: The trial Job fails after this many seconds, or None.
        spec_uri: Where the trial pod reads the search-space YAML; None means the
            spec's own path (only usable with ``allow_local_paths``).
        resume_policy: Katib's resume policy.
        credentials_secret: Name of a Secret holding a GCP key as ``key.json``; it is
            mounted read-only and named by ``GOOGLE_APPLICATION_CREDENTIALS``. None
            assumes Workload Identity (the pod's service account reaches GCS itself).
        allow_local_paths: Accept a local ``spec_uri``/``model_dir`` (a volume the user
            mounts, or a path baked into the image).
    """

    image: str
    model_dir: str
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
    spec_uri: str | None = None
    resume_policy: ResumePolicy = ResumePolicy.NEVER
    credentials_secret: str | None = None
    allow_local_paths: bool = False

    @classmethod
    def from_spec(cls, spec: SearchSpec, **flags: Any) -> KatibOptions:
        """Options from the spec's ``cluster:`` block, with ``flags`` winning where given.

        Args:
            spec: The search space; its ``cluster`` block (if any) gives the defaults.
            **flags: Field names of this class; a None value means "not given", so
                parsed command-line flags can be passed as they are. ``resume_policy``
                and ``image_pull_policy`` may be given as their string values.

        Raises:
            InputError: No image or no model_dir anywhere, or an unknown policy name.
            TypeError: A keyword that is not a field (a programming error).
        """
        names = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(flags) - names)
        if unknown:
            raise TypeError(f"KatibOptions.from_spec: unknown option(s) {', '.join(unknown)}")
        values: dict[str, Any] = {}
        if spec.cluster is not None:
            cluster = spec.cluster
            # ClusterSpec's fields are a subset of ours, with the same names and meaning.
            values = {
                f.name: getattr(cluster, f.name)
                for f in dataclasses.fields(cluster)
                if f.name in names
            }
        values.update({name: value for name, value in flags.items() if value is not None})
        problems: list[str] = []
        if not values.get("image"):
            problems.append(
                f"--image: required: {spec.source} has no spec.cluster.image; give the "
                "trial image, e.g. --image registry.example/odsweep:0.1"
            )
        if not values.get("model_dir"):
            problems.append(
                "--model-dir: required: the sweep's output root, e.g. "
                "gs://BUCKET/odsweep/" + spec.name + " (trials go to <model-dir>/trials/<trial>)"
            )
        for key, enum in (("resume_policy", ResumePolicy), ("image_pull_policy", ImagePullPolicy)):
            raw = values.get(key)
            if isinstance(raw, str) and not isinstance(raw, enum):
                try:
                    values[key] = enum(raw)
                except ValueError:
                    choices = ", ".join(e.value for e in enum)
                    flag = "--" + key.replace("_", "-")
                    problems.append(f"{flag}: must be one of {choices}, got {raw!r}")
        if problems:
            raise InputError(problems)
        return cls(**values)
