"""Everything ``odsweep validate`` checks before compute is spent.

The spec layer checked the YAML itself (schema, ranges, algorithm settings, Katib's
webhook rules). This module adds what needs the base ``pipeline.config`` and the
file system: every ``configPath`` resolves in the proto schema and its feasible
values fit the field, the objective metrics are ones the configured eval produces,
and the trial a parameter-free run would build passes the trial's own pre-flight
(data paths, the label map's ids against num_classes, warmup within the schedule,
and the data itself: every shard opened, a few records each decoded with the OD
API's decoder, which loads TensorFlow).
"""

from __future__ import annotations

from typing import Any

from odsweep import odconfig
from odsweep import validation_branches as branches
from odsweep.errors import InputError
from odsweep.odconfig import FieldKind
from odsweep.results import SERVING_METRICS, is_serving_metric, is_serving_namespace
from odsweep.spec import (
    Parameter,
    ParameterType,
    SearchSpec,
    resource_name,
    smallest_resource,
)
from odsweep.trial import build_trial_config, preflight, trial_options

_FLOATS = {FieldKind.FLOAT, FieldKind.DOUBLE}
_INTS = {FieldKind.INT32, FieldKind.INT64, FieldKind.UINT32, FieldKind.UINT64}
# Which field kinds each parameter type may write into.
_ACCEPTS = {
    ParameterType.DOUBLE: _FLOATS,
    ParameterType.INT: _INTS | _FLOATS,
    ParameterType.DISCRETE: _INTS | _FLOATS,
    ParameterType.CATEGORICAL: {FieldKind.STRING, FieldKind.ENUM, FieldKind.BOOL} | _INTS | _FLOATS,
}


def check_spec(spec: SearchSpec) -> Any:
    """Raise one InputError with every problem; return the base config with overrides.

    Raises:
        InputError: one line per problem, each naming its key.
    """
    problems: list[str] = []
    try:
        config = build_trial_config(trial_options(spec, trial_dir="validate", params={}))
    except InputError as exc:
        raise InputError([_keyed(spec, m) for m in exc.messages]) from None
    for index, parameter in enumerate(spec.parameters):
        problems += _check_one(config, spec, index, parameter)
    problems += _check_metrics(config, spec)
    problems += _check_shortest_rung(spec)
    try:
        preflight(config)
    except InputError as exc:
        problems += exc.messages
    if problems:
        raise InputError(problems)
    return config


def _keyed(spec: SearchSpec, message: str) -> str:
    if message.startswith("--set "):
        return "spec.overrides." + message[len("--set ") :]
    # Parse errors start with the config's path; read errors (storage's) name it inside.
    if spec.pipeline_config_path in message:
        return "spec.pipelineConfigPath: " + message
    return message


def _check_one(config: Any, spec: SearchSpec, index: int, parameter: Parameter) -> list[str]:
    # A choice switches a oneof; a when: parameter resolves with its branches chosen.
    if branches.is_choice(config, parameter):
        return branches.check_choice(config, spec, index, parameter)
    try:
        where = branches.config_for(config, spec, parameter, f"spec.parameters[{index}]")
    except InputError as exc:
        return list(exc.messages)
    return _check_parameter(where, index, parameter)


def _check_parameter(config: Any, index: int, parameter: Parameter) -> list[str]:
    key = f"spec.parameters[{index}]"
    try:
        ref = odconfig.resolve_field(config, parameter.config_path, key=f"{key}.configPath")
    except InputError as exc:
        return list(exc.messages)
    if ref.repeated:
        return [
            f"{key}.configPath: {parameter.config_path} is a repeated field ({ref.type_name}); "
            "a parameter sets one value: fix the list under spec.overrides instead"
        ]
    if ref.kind not in _ACCEPTS[parameter.type]:
        return [
            f"{key}.parameterType: a {parameter.type.value} parameter cannot set "
            f"{ref.qualified_field} ({ref.type_name}); use a parameter type that fits the field"
        ]
    problems: list[str] = []
    candidates: list[tuple[str, object]]
    if parameter.is_range:
        candidates = [("feasibleSpace.min", parameter.min), ("feasibleSpace.max", parameter.max)]
    else:
        candidates = [(f"feasibleSpace.list[{i}]", v) for i, v in enumerate(parameter.values)]
    for where, value in candidates:
        try:
            odconfig.coerce_value(ref, value, key=f"{key}.{where}")
            # A value can be fine for its field and still make the config one the OD API
            # rejects (a learning rate below the warmup rate): try each extreme.
            trial_config = odconfig.apply_overrides(config, {parameter.config_path: value})
        except InputError as exc:
            problems += exc.messages
            continue
        problem = odconfig.warmup_problem(trial_config)
        if problem:
            problems.append(
                f"{key}.{where}: with {parameter.name}={value} the trial's config is invalid: "
                f"{problem}"
            )
    return problems


def _check_shortest_rung(spec: SearchSpec) -> list[str]:
    """hyperband's shortest rung must get past the warm-up: refused, not clipped.

    A rung trained inside the warm-up ranks configurations by how they warm up, and
    clipping the warm-up would make short and long rungs different schedules.
    """
    name = resource_name(spec.algorithm)
    if name is None:
        return []
    algorithm = spec.algorithm
    low = smallest_resource(int(algorithm.setting("r_l", 1)), int(algorithm.setting("eta", 3)))
    opts = trial_options(spec, trial_dir="validate", params={name: low})
    try:
        problem = odconfig.warmup_problem(build_trial_config(opts))
    except InputError:
        return []  # reported by the full-length build above
    if problem is None:
        return []
    return [
        f"spec.algorithm.algorithmSettings: hyperband's shortest rung trains "
        f"{opts.num_train_steps} steps ({name}={low} x checkpointEveryNSteps) and then "
        f"{problem}; shorten the warm-up under spec.overrides or evaluate less often"
    ]


def _check_metrics(config: Any, spec: SearchSpec) -> list[str]:
    produced = odconfig.eval_metric_names(config)
    sets = ", ".join(config.eval_config.metrics_set) or "coco_detection_metrics (default)"
    problems = []
    keys = [("spec.objective.objectiveMetricName", spec.objective.metric)] + [
        (f"spec.objective.additionalMetricNames[{i}]", m)
        for i, m in enumerate(spec.objective.additional_metrics)
    ]
    keys += [
        (f"spec.objective.tradeoffs[{i}].objectiveMetricName", t.metric)
        for i, t in enumerate(spec.objective.tradeoffs)
        # Serving/* is measured on the trial's export at its end, not by the eval.
        if not t.metric.startswith("Serving/")
    ]
    for key, name in keys:
        if key == "spec.objective.objectiveMetricName" and is_serving_namespace(name):
            problems.append(
                f"{key}: {name!r} is measured once, at a trial's end, so it cannot rank "
                "the evals of a trial nor stop one early; keep an eval metric here and name "
                f"{name!r} in spec.objective.additionalMetricNames"
            )
        elif is_serving_namespace(name):
            if not is_serving_metric(name):
                problems.append(
                    f"{key}: unknown serving metric {name!r}; choose one of "
                    f"{', '.join(SERVING_METRICS)}"
                )
        elif name not in produced:
            problems.append(
                f"{key}: the eval of this config (metrics_set: {sets}) does not produce "
                f"{name!r}; choose one of {', '.join(sorted(produced))}"
            )
    return problems
