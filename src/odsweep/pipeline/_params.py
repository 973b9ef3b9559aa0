"""The pipeline's run parameters and how they change the search-space YAML. Pure: no kfp.

The parameters keep the names of the original OD API pipeline (``pipeline_config_path``,
``model_dir``, ``eval_dir``, ...) and add the search's own. Every parameter that maps onto
the YAML has an "unset" value, which leaves the YAML's value in force:

- strings: ``""``;
- counts that must be >= 1 (``num_train_steps``, ``sample_1_of_n_eval_examples``,
  ``parallel_trial_count``, ``max_trial_count``): ``0``;
- counts where 0 means something (``gpus_per_trial``: CPU only; ``max_failed_trial_count``:
  stop at the first failure): ``-1``.

Any other value wins over the YAML's. Paths given as parameters, and the paths of an
inline YAML, must be absolute or ``gs://``: a pipeline step has no folder they could be
relative to.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from odsweep import storage
from odsweep.errors import InputError
from odsweep.spec import METRIC_ALIASES, SearchSpec, parse_spec
from odsweep.spec._io import load_yaml  # keeps the duplicate-key check of load_spec
from odsweep.spec._paths import base_dir_of

BACKENDS = ("katib", "optuna")
DEFAULT_BACKEND = "katib"
UNSET_STR = ""
UNSET_COUNT = 0
UNSET_OPTIONAL = -1
INLINE_SOURCE = "search_space (inline YAML)"
DEFAULT_EVAL_SUBDIR = "eval"


@dataclass(frozen=True)
class Param:
    """One pipeline parameter.

    Attributes:
        name: The parameter name (the pipeline function's argument).
        type: ``str`` or ``int``.
        default: The compiled default; the unset value for YAML-mapped parameters.
        key: The YAML key path it replaces (``spec.numTrainSteps``), or None.
        help: One line for the docs and ``--help``.
        example: A value as a cluster run would pass it.
    """

    name: str
    type: type
    default: str | int | None
    key: str | None
    help: str
    example: str


# The order is the docs' order; the pipeline function declares the same names/defaults.
PARAMS: tuple[Param, ...] = (
    Param("search_space", str, None, None,
          "search-space YAML: a path (local or gs://) or the YAML text itself",
          "gs://bucket/experiments/4/search.yaml"),
    Param("model_dir", str, None, None,
          "the sweep's output root; trials go to <model_dir>/trials/<trial>",
          "gs://bucket/experiments/4/model_dir"),
    Param("pipeline_config_path", str, UNSET_STR, "spec.pipelineConfigPath",
          "the base OD API pipeline.config", "gs://bucket/experiments/4/pipeline.config"),
    Param("eval_dir", str, UNSET_STR, None,
          "where the winner's eval event files, best.json and the report are copied "
          "(unset: <model_dir>/eval)", "gs://bucket/experiments/4/eval_dir"),
    Param("inference_output_directory", str, UNSET_STR, "spec.export.outputDirectory",
          "TF Serving base path of the exported model (unset, and not in the YAML: "
          "<model_dir>/model)", "gs://bucket/models/ssd"),
    Param("num_train_steps", int, UNSET_COUNT, "spec.numTrainSteps",
          "training steps per trial", "20000"),
    Param("sample_1_of_n_eval_examples", int, UNSET_COUNT, "spec.sample1OfNEvalExamples",
          "evaluate on every n-th eval example", "1"),
    Param("inference_input_type", str, UNSET_STR, "spec.export.inputType",
          "exporter input type: image_tensor, encoded_image_string_tensor, tf_example, "
          "float_image_tensor", "image_tensor"),
    Param("eval_checkpoint_metric", str, UNSET_STR, "spec.objective.objectiveMetricName",
          "the objective: the eval metric that ranks checkpoints and trials",
          "DetectionBoxes_Precision/mAP"),
    Param("metric_objective_type", str, UNSET_STR, "spec.objective.type",
          "maximize or minimize (max/min)", "maximize"),
    Param("backend", str, DEFAULT_BACKEND, None,
          "katib (trials as Katib trial Jobs) or optuna (trials inside the search step)",
          "katib"),
    Param("namespace", str, UNSET_STR, "spec.cluster.namespace",
          "namespace of the Katib Experiment (unset, and not in the YAML: the run's own)",
          "kubeflow-user"),
    Param("image", str, UNSET_STR, "spec.cluster.image",
          "image of the Katib trial pods", "registry.example/odsweep:0.1"),
    Param("gpus_per_trial", int, UNSET_OPTIONAL, "spec.cluster.gpusPerTrial",
          "nvidia.com/gpu per Katib trial; 0 for CPU only", "1"),
    Param("parallel_trial_count", int, UNSET_COUNT, "spec.parallelTrialCount",
          "trials at once", "4"),
    Param("max_trial_count", int, UNSET_COUNT, "spec.maxTrialCount",
          "trials in all", "24"),
    Param("max_failed_trial_count", int, UNSET_OPTIONAL, "spec.maxFailedTrialCount",
          "the search fails once this many trials failed", "3"),
    Param("kubeflow_url", str, UNSET_STR, None,
          "Kubeflow's address, for the Katib UI link in the report (unset: a link "
          "relative to the KFP UI's host)", "https://kubeflow.example.com"),
    Param("tune_postprocess", str, UNSET_STR, None,
          "after the export, re-evaluate the winner's best checkpoint over a grid of "
          "post_processing values (eval only) and export the chosen one to "
          "<model_dir>/postprocess/model: 'default' (a small grid around the config's "
          "values) or KNOB=V,V;... (unset: no tuning)",
          "score_threshold=0.05,0.3,0.5;max_total_detections=20,100"),
)  # fmt: skip
PARAM_BY_NAME: Mapping[str, Param] = {p.name: p for p in PARAMS}
SPEC_PARAMS: tuple[str, ...] = tuple(p.name for p in PARAMS if p.key is not None)
VALIDATE_PARAMS: tuple[str, ...] = (
    *(p.name for p in PARAMS if p.key is None and p.name != "kubeflow_url"),
    *SPEC_PARAMS,
)
"""The validate step's inputs: every parameter but the report's ``kubeflow_url``, the
run-only ones first (``search_space`` is its positional argument), then the spec's."""
_PATH_PARAMS = ("pipeline_config_path", "inference_output_directory")
_CLUSTER_PARAMS = ("namespace", "image", "gpus_per_trial")
# The YAML keys holding paths, for the inline-YAML rule (same keys as spec._parse).
_PATH_KEYS = (
    ("pipelineConfigPath",),
    ("trainInputPath",),
    ("evalInputPath",),
    ("labelMapPath",),
    ("fineTuneCheckpoint",),
    ("export", "outputDirectory"),
)


def is_inline(search_space: str) -> bool:
    """True when ``search_space`` is YAML text rather than a path (it spans lines or is a
    flow mapping ``{...}``); a path never contains a newline."""
    text = search_space.strip()
    return "\n" in text or text.startswith("{")


def is_set(name: str, value: object) -> bool:
    """True when parameter ``name`` has a value that overrides the YAML's."""
    param = PARAM_BY_NAME[name]
    return value != param.default


def check_location(name: str, value: str) -> None:
    """Raise unless ``value`` is an absolute local path or a ``gs://`` URI."""
    if not (storage.is_remote(value, key=name) or os.path.isabs(value)):
        raise InputError(
            f"{name}: must be an absolute path or a gs:// URI, got {value!r}; a pipeline step "
            "has no working folder a relative path could mean"
        )


def resolve_dirs(backend: str, model_dir: str, eval_dir: str) -> str:
    """Check the run-only parameters; return the eval_dir to use.

    Raises:
        InputError: An unknown backend, an empty or relative model_dir or eval_dir (one
            message each).
    """
    problems = []
    if backend not in BACKENDS:
        problems.append(f"backend: must be one of {', '.join(BACKENDS)}, got {backend!r}")
    if not model_dir.strip():
        problems.append("model_dir: required: the sweep's output root, e.g. gs://bucket/sweep")
    for name, value in (("model_dir", model_dir), ("eval_dir", eval_dir)):
        if value.strip():
            try:
                check_location(name, value)
            except InputError as exc:
                problems += exc.messages
    if problems:
        raise InputError(problems)
    return eval_dir or storage.join(model_dir, DEFAULT_EVAL_SUBDIR)


def resolve_spec(
    search_space: str,
    *,
    read_text: Callable[[str], str] | None = None,
    **params: Any,
) -> SearchSpec:
    """The search space with the pipeline's parameters applied.

    Args:
        search_space: A YAML path (relative paths inside resolve against its folder) or
            the YAML text (its paths must be absolute or ``gs://``).
        read_text: Reads the file at a path; defaults to :func:`odsweep.storage.read_text`.
        **params: Any of :data:`SPEC_PARAMS`; an unset value keeps the YAML's.

    Returns:
        The validated spec, ``source`` being the path or :data:`INLINE_SOURCE`.

    Raises:
        InputError: Every problem at once: unreadable YAML, a bad parameter value, a
            relative path, or the spec's own rules after the parameters were applied
            (lines on a key a parameter set name that parameter).
        TypeError: A keyword that is not a spec parameter (a programming error).
    """
    unknown = sorted(set(params) - set(SPEC_PARAMS))
    if unknown:
        raise TypeError(f"resolve_spec: unknown parameter(s) {', '.join(unknown)}")
    given = {k: v for k, v in params.items() if is_set(k, v)}
    problems = _check_values(given)
    if not search_space.strip():
        problems.append("search_space: required: a YAML path or the YAML text")
    if problems:
        raise InputError(problems)
    if is_inline(search_space):
        source, base_dir = INLINE_SOURCE, "/"
        text = search_space
    else:
        source, base_dir = search_space, base_dir_of(search_space, key="search_space")
        reader = read_text or (lambda path: storage.read_text(path, key="search_space"))
        text = reader(search_space)
    data, duplicates = load_yaml(text, source=source)
    if duplicates:
        raise InputError(duplicates)
    if not isinstance(data, dict) or not isinstance(data.get("spec"), dict):
        raise InputError(f"{source}: not a search space (no spec: mapping); see search_spaces/")
    overridden = _apply(data, given)
    if source == INLINE_SOURCE:
        _refuse_relative_paths(data)
    try:
        return parse_spec(data, source=source, base_dir=base_dir)
    except InputError as exc:
        raise InputError(_name_parameters(exc.messages, overridden)) from None


def _check_values(given: Mapping[str, Any]) -> list[str]:
    problems = []
    for name, value in given.items():
        param = PARAM_BY_NAME[name]
        if param.type is int and (not isinstance(value, int) or isinstance(value, bool)):
            problems.append(f"{name}: must be an integer, got {value!r}")
        elif param.type is str and not isinstance(value, str):
            problems.append(f"{name}: must be a string, got {value!r}")
        elif param.type is int and value < 0:
            keep = f"{param.default} keeps the search space's value"
            low = "0" if param.default == UNSET_OPTIONAL else "1"
            problems.append(f"{name}: must be >= {low} ({keep}), got {value!r}")
        elif name in _PATH_PARAMS:
            try:
                check_location(name, value)
            except InputError as exc:
                problems += exc.messages
    return problems


def _apply(doc: dict[str, Any], given: Mapping[str, Any]) -> dict[str, str]:
    """Write the set parameters into ``doc``; return ``{key path: parameter}``."""
    spec: dict[str, Any] = doc["spec"]
    overridden: dict[str, str] = {}
    for name, value in given.items():
        key = PARAM_BY_NAME[name].key
        assert key is not None  # given holds spec parameters only
        *parents, leaf = key.split(".")[1:]
        node = spec
        for part in parents:
            child = node.get(part)
            if not isinstance(child, dict):
                child = node[part] = {}
            node = child
        node[leaf] = value
        overridden[key] = name
    if "eval_checkpoint_metric" in given:
        _drop_from_additional(spec, given["eval_checkpoint_metric"])
    cluster = spec.get("cluster")
    wants_cluster = any(n in given for n in _CLUSTER_PARAMS)
    if wants_cluster and isinstance(cluster, dict) and not cluster.get("image"):
        names = " and ".join(n for n in _CLUSTER_PARAMS if n in given)
        raise InputError(
            f"image: required with {names}: the search space has no spec.cluster.image, "
            "and those parameters go into spec.cluster, which needs the trial image"
        )
    return overridden


def _drop_from_additional(spec: dict[str, Any], metric: str) -> None:
    """A metric promoted to objective leaves additionalMetricNames (Katib refuses both)."""
    objective = spec.get("objective")
    extra = objective.get("additionalMetricNames") if isinstance(objective, dict) else None
    if isinstance(objective, dict) and isinstance(extra, list):
        name = METRIC_ALIASES.get(metric, metric)
        objective["additionalMetricNames"] = [
            m for m in extra if METRIC_ALIASES.get(str(m), m) != name
        ]


def _refuse_relative_paths(doc: dict[str, Any]) -> None:
    problems = []
    for path in _PATH_KEYS:
        node: Any = doc["spec"]
        for part in path:
            node = node.get(part) if isinstance(node, dict) else None
        key = "spec." + ".".join(path)
        if isinstance(node, str) and node and not (_located(node, key) or os.path.isabs(node)):
            problems.append(
                f"{key}: inline search_space YAML needs absolute or gs:// paths, got {node!r}; "
                "write the full path, or pass the YAML as a file path instead"
            )
    if problems:
        raise InputError(problems)


def _located(value: str, key: str) -> bool:
    # Another scheme is not "relative": parse_spec reports it under its key.
    try:
        return storage.is_remote(value, key=key)
    except InputError:
        return True


def _name_parameters(messages: tuple[str, ...], overridden: Mapping[str, str]) -> list[str]:
    """Prefix each message about a key a parameter set with that parameter's name."""
    out = []
    for message in messages:
        owner = next(
            (p for k, p in overridden.items() if message.startswith((k + ":", k + "."))),
            None,
        )
        # A rule between two keys (checkpointEveryNSteps <= numTrainSteps) names the
        # other key in its text.
        owner = owner or next(
            (p for k, p in overridden.items() if f" {k.rsplit('.', 1)[-1]} " in message), None
        )
        out.append(f"pipeline parameter {owner}: {message}" if owner else message)
    return out
