"""Reads a search-space file (YAML) and writes a spec back as a plain document."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

from odsweep import storage
from odsweep.errors import InputError
from odsweep.spec._kube import ClusterSpec
from odsweep.spec._model import DEFAULT_STALL_TIMEOUT_SECONDS, SearchSpec
from odsweep.spec._parse import API_VERSION, KIND, parse_spec
from odsweep.spec._paths import base_dir_of, is_uri
from odsweep.spec._space import Parameter


class _Loader(yaml.SafeLoader):
    """SafeLoader that records duplicate mapping keys (PyYAML keeps the last silently)."""

    def __init__(self, stream: str, source: str) -> None:
        super().__init__(stream)
        self.source = source
        self.duplicates: list[str] = []


def _construct_mapping(loader: _Loader, node: yaml.MappingNode) -> dict[Any, Any]:
    loader.flatten_mapping(node)
    lines: dict[object, int] = {}
    for key_node, _ in node.value:
        key = loader.construct_object(key_node)
        line = key_node.start_mark.line + 1
        try:
            first = lines.setdefault(key, line)
        except TypeError:  # unhashable key: construct_mapping reports it below
            continue
        if first != line:
            loader.duplicates.append(
                f"{loader.source}: duplicate key {key!r} at line {line} (first at line "
                f"{first}), PyYAML would keep only the last; keep one"
            )
    return loader.construct_mapping(node)


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def _read_local(path: str) -> str:
    return Path(path).read_text(encoding="utf-8")


def _read_remote(path: str) -> str:
    # storage raises InputError naming the gs:// URI (missing object/bucket, permission).
    return storage.read_text(path)


def load_yaml(text: str, *, source: str) -> tuple[object, list[str]]:
    """The document in ``text`` and messages for its duplicate keys.

    Raises:
        InputError: The text is not valid YAML (the message names file, line, column).
    """
    loader = _Loader(text, source)
    try:
        data = loader.get_single_data()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        what = exc.problem or exc.context or "syntax error"
        raise InputError(f"{source}: invalid YAML{where}: {what}; fix the syntax") from None
    except yaml.YAMLError as exc:
        raise InputError(f"{source}: invalid YAML: {' '.join(str(exc).split())}") from None
    finally:
        loader.dispose()
    return data, loader.duplicates


def load_spec(path: str, *, read_text: Callable[[str], str] | None = None) -> SearchSpec:
    """Read, parse and validate a search-space YAML file.

    Relative paths inside resolve against the file's folder (for a ``gs://`` file,
    against its ``gs://`` folder).

    Args:
        path: Local path or ``gs://`` URI (read through :mod:`odsweep.storage`).
        read_text: Returns a file's text; defaults to a local UTF-8 file, or the
            object for ``gs://``. Inject a reader for other sources.

    Raises:
        InputError: The file is missing or unreadable, is not YAML, or is not a valid
            search space (every problem listed, one per line).
    """
    if read_text is None and storage.is_remote(path):
        read_text = _read_remote
    if read_text is None:
        if is_uri(path):
            raise InputError(
                f"{path}: reading {path.split('://', 1)[0]}:// files needs a reader; "
                "pass read_text or copy the file locally"
            )
        read_text = _read_local
    try:
        text = read_text(path)
    except FileNotFoundError:
        raise InputError(f"{path}: file not found; check the path") from None
    except IsADirectoryError:
        raise InputError(f"{path}: is a directory; give the search-space YAML file") from None
    except UnicodeDecodeError:
        raise InputError(f"{path}: not UTF-8 text; save the file as UTF-8") from None
    except OSError as exc:
        raise InputError(f"{path}: cannot read ({exc.strerror or exc})") from None
    data, duplicates = load_yaml(text, source=path)
    try:
        spec = parse_spec(data, source=path, base_dir=base_dir_of(path))
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
                {
                    "name": "min_trials_required",
                    "value": str(spec.early_stopping.min_trials_required),
                },
                {"name": "start_step", "value": str(spec.early_stopping.start_step)},
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
    return {
        "name": param.name,
        "configPath": param.config_path,
        "parameterType": param.type.value,
        "feasibleSpace": space,
    }


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
