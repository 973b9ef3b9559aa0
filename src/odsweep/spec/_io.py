"""Reads a search-space file (YAML) and writes a spec back as a plain document."""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

from odsweep import storage
from odsweep.errors import InputError
from odsweep.spec._kube import ClusterSpec
from odsweep.spec._model import DEFAULT_STALL_TIMEOUT_SECONDS, SearchSpec
from odsweep.spec._parse import API_VERSION, KIND, parse_spec
from odsweep.spec._paths import base_dir_of
from odsweep.spec._space import Parameter
from odsweep.spec._warmstart import warm_start_to_dict
from odsweep.spec._yaml import MAX_BYTES, load_yaml

__all__ = ["load_spec", "load_yaml", "spec_to_dict"]


SPEC_KEY = "search space"
"""How read errors name the search-space file."""


def _read(path: str) -> str:
    # Refused before reading: a huge file (or /dev/zero) must not fill the memory.
    if not storage.is_remote(path, key=SPEC_KEY) and os.path.isfile(path):
        size = os.path.getsize(path)
        if size > MAX_BYTES:
            raise InputError(
                f"{path}: {size} bytes, more than the {MAX_BYTES} a search space may have; "
                "give the search-space YAML"
            )
    # storage raises InputError naming the file (missing, a folder, not UTF-8, permission).
    return storage.read_text(path, key=SPEC_KEY)


def load_spec(path: str, *, read_text: Callable[[str], str] | None = None) -> SearchSpec:
    """Read, parse and validate a search-space YAML file.

    Relative paths inside resolve against the file's folder (for a ``gs://`` file,
    against its ``gs://`` folder).

    Args:
        path: Local path or ``gs://`` URI (read through :mod:`odsweep.storage`).
        read_text: Returns a file's text; defaults to :func:`odsweep.storage.read_text`
            (a local UTF-8 file, or the object for ``gs://``).

    Raises:
        InputError: The file is missing or unreadable, is not YAML, or is not a valid
            search space (every problem listed, one per line).
    """
    base_dir = base_dir_of(path, key=SPEC_KEY)  # refuses schemes other than gs://
    try:
        text = (read_text or _read)(path)
    except OSError as exc:  # an injected reader's failure
        raise InputError(f"{path}: cannot read ({exc.strerror or exc})") from None
    data, duplicates = load_yaml(text, source=path)
    try:
        spec = parse_spec(data, source=path, base_dir=base_dir)
    except InputError as exc:
        raise InputError([*duplicates, *exc.messages]) from None
    if duplicates:
        raise InputError(duplicates)
    return spec


def spec_to_dict(spec: SearchSpec) -> dict[str, Any]:
    """The spec as a YAML-ready document that :func:`parse_spec` reads back equal.

    Paths are the resolved ones, defaults are written out, setting values are strings
    (Katib's form).
    """
    body: dict[str, Any] = {"pipelineConfigPath": spec.pipeline_config_path}
    for key, value in (
        ("trainInputPath", spec.train_input_path),
        ("evalInputPath", spec.eval_input_path),
        ("labelMapPath", spec.label_map_path),
    ):
        if value is not None:
            body[key] = value
    body.update(warm_start_to_dict(spec.warm_start))
    body["numTrainSteps"] = spec.num_train_steps
    body["checkpointEveryNSteps"] = spec.checkpoint_every_n_steps
    body["sample1OfNEvalExamples"] = spec.sample_1_of_n_eval_examples
    if spec.overrides:
        body["overrides"] = {
            k: list(v) if isinstance(v, tuple) else v for k, v in spec.overrides.items()
        }
    objective: dict[str, Any] = {
        "type": spec.objective.type.value,
        "objectiveMetricName": spec.objective.metric,
    }
    if spec.objective.goal is not None:
        objective["goal"] = spec.objective.goal
    if spec.objective.additional_metrics:
        objective["additionalMetricNames"] = list(spec.objective.additional_metrics)
    # Only when set: the study fingerprint of a spec without trade-offs stays as it was.
    if spec.objective.tradeoffs:
        objective["tradeoffs"] = [t.to_dict() for t in spec.objective.tradeoffs]
    body["objective"] = objective
    algorithm: dict[str, Any] = {"algorithmName": spec.algorithm.name.value}
    if spec.algorithm.settings:
        algorithm["algorithmSettings"] = [
            {"name": n, "value": str(v)} for n, v in spec.algorithm.settings
        ]
    body["algorithm"] = algorithm
    if spec.early_stopping is not None:
        body["earlyStopping"] = {
            "algorithmName": spec.early_stopping.name,
            "algorithmSettings": [
                {"name": n, "value": str(v)} for n, v in spec.early_stopping.settings
            ],
        }
    body["parallelTrialCount"] = spec.parallel_trial_count
    body["maxTrialCount"] = spec.max_trial_count
    if spec.max_failed_trial_count is not None:
        body["maxFailedTrialCount"] = spec.max_failed_trial_count
    body["parameters"] = [_parameter_to_dict(p) for p in spec.parameters]
    export: dict[str, Any] = {"inputType": spec.export.input_type.value}
    if spec.export.output_directory is not None:
        export["outputDirectory"] = spec.export.output_directory
    if spec.export.constraints:
        export["constraints"] = [c.to_dict() for c in spec.export.constraints]
    body["export"] = export
    if spec.cluster is not None:
        body["cluster"] = _cluster_to_dict(spec.cluster)
    # Written only when set, so documents of specs without them stay as they were.
    if spec.trial_stall_timeout_seconds != DEFAULT_STALL_TIMEOUT_SECONDS:
        body["trialStallTimeoutSeconds"] = spec.trial_stall_timeout_seconds
    if spec.trial_timeout_seconds is not None:
        body["trialTimeoutSeconds"] = spec.trial_timeout_seconds
    return {"apiVersion": API_VERSION, "kind": KIND, "metadata": {"name": spec.name}, "spec": body}


def _parameter_to_dict(param: Parameter) -> dict[str, Any]:
    space: dict[str, Any]
    if param.is_range:
        space = {"min": param.min, "max": param.max}
        if param.step is not None:
            space["step"] = param.step
        space["distribution"] = param.distribution.value
    else:
        space = {"list": list(param.values)}
    out: dict[str, Any] = {
        "name": param.name,
        "configPath": param.config_path,
        "parameterType": param.type.value,
        "feasibleSpace": space,
    }
    # Only when set: documents (and study fingerprints) of specs without it stay as they were.
    if param.when is not None:
        out["when"] = {param.when.parameter: param.when.branch}
    return out


def _cluster_to_dict(cluster: ClusterSpec) -> dict[str, Any]:
    out: dict[str, Any] = {"image": cluster.image, "gpusPerTrial": cluster.gpus_per_trial}
    for key, value in (
        ("namespace", cluster.namespace),
        ("cpu", cluster.cpu),
        ("memory", cluster.memory),
        ("serviceAccount", cluster.service_account),
        ("activeDeadlineSeconds", cluster.active_deadline_seconds),
    ):
        if value is not None:
            out[key] = value
    if cluster.image_pull_policy is not None:
        out["imagePullPolicy"] = cluster.image_pull_policy.value
    if cluster.node_selector:
        out["nodeSelector"] = dict(cluster.node_selector)
    if cluster.env:
        out["env"] = dict(cluster.env)
    if cluster.tolerations:
        out["tolerations"] = [
            {
                k: v
                for k, v in (
                    ("key", t.key),
                    ("operator", t.operator),
                    ("value", t.value),
                    ("effect", t.effect),
                    ("tolerationSeconds", t.toleration_seconds),
                )
                if v is not None
            }
            for t in cluster.tolerations
        ]
    return out
