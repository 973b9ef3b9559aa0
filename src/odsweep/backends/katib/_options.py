"""What a Katib Experiment needs beyond the search space: pod settings, storage, policy."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from odsweep.errors import InputError
from odsweep.spec import ClusterSpec, ImagePullPolicy, ResumePolicy, SearchSpec

# The flags of from_spec that set a ClusterSpec field (same names and meaning).
CLUSTER_FIELDS = tuple(f.name for f in dataclasses.fields(ClusterSpec))


@dataclass(frozen=True, kw_only=True)
class KatibOptions:
    """Cluster-side settings of one rendered Experiment.

    Attributes:
        cluster: The trial pods' settings (image, namespace, resources, placement,
            env, deadline): the spec's ``cluster:`` block with any flags applied.
        model_dir: The sweep's output root (``gs://...``); each trial writes to
            ``<model_dir>/trials/<trial name>``.
        spec_uri: Where the trial pod reads the search-space YAML; None means the
            spec's own path (only usable with ``allow_local_paths``).
        resume_policy: Katib's resume policy.
        credentials_secret: Name of a Secret holding a GCP key as
            :data:`odsweep.spec._kube.CREDENTIALS_KEY`; it is mounted read-only and named
            by ``GOOGLE_APPLICATION_CREDENTIALS``. None assumes Workload Identity (the
            pod's service account reaches GCS itself).
        allow_local_paths: Accept a local ``spec_uri``/``model_dir`` (a volume the user
            mounts, or a path baked into the image).
    """

    cluster: ClusterSpec
    model_dir: str
    spec_uri: str | None = None
    resume_policy: ResumePolicy = ResumePolicy.NEVER
    credentials_secret: str | None = None
    allow_local_paths: bool = False

    @classmethod
    def from_spec(cls, spec: SearchSpec, **flags: Any) -> KatibOptions:
        """Options from the spec's ``cluster:`` block, with ``flags`` winning where given.

        Args:
            spec: The search space; its ``cluster`` block (if any) gives the defaults.
            **flags: Field names of this class or of :class:`ClusterSpec` (``image``,
                ``namespace``, ...); a None value means "not given", so parsed
                command-line flags can be passed as they are. ``resume_policy`` and
                ``image_pull_policy`` may be given as their string values.

        Raises:
            InputError: No image or no model_dir anywhere, or an unknown policy name.
            TypeError: A keyword that is not a field (a programming error).
        """
        own = {f.name for f in dataclasses.fields(cls)} - {"cluster"}
        unknown = sorted(set(flags) - own - set(CLUSTER_FIELDS))
        if unknown:
            raise TypeError(f"KatibOptions.from_spec: unknown option(s) {', '.join(unknown)}")
        given = {name: value for name, value in flags.items() if value is not None}
        pod: dict[str, Any] = {}
        if spec.cluster is not None:
            pod = {name: getattr(spec.cluster, name) for name in CLUSTER_FIELDS}
        pod.update({k: v for k, v in given.items() if k in CLUSTER_FIELDS})
        values = {k: v for k, v in given.items() if k in own}
        problems: list[str] = []
        if not pod.get("image"):
            problems.append(
                f"--image: required: {spec.source} has no spec.cluster.image; give the "
                "trial image, e.g. --image registry.example/odsweep:0.1"
            )
        if not values.get("model_dir"):
            problems.append(
                "--model-dir: required: the sweep's output root, e.g. "
                "gs://BUCKET/odsweep/" + spec.name + " (trials go to <model-dir>/trials/<trial>)"
            )
        for key, enum, into in (
            ("resume_policy", ResumePolicy, values),
            ("image_pull_policy", ImagePullPolicy, pod),
        ):
            raw = into.get(key)
            if isinstance(raw, str) and not isinstance(raw, enum):
                try:
                    into[key] = enum(raw)
                except ValueError:
                    choices = ", ".join(e.value for e in enum)
                    flag = "--" + key.replace("_", "-")
                    problems.append(f"{flag}: must be one of {choices}, got {raw!r}")
        if problems:
            raise InputError(problems)
        return cls(cluster=ClusterSpec(**pod), **values)
