"""The Katib ``Experiment`` (``kubeflow.org/v1beta1``) of a search space, as a plain dict.

Pure: no Kubernetes client, no file access. Every number Katib reads as a string
(feasible spaces, algorithm settings) is rendered as a string, and the trial Job
runs the same ``odsweep trial --spec`` command the local engine runs.
"""

from __future__ import annotations

from typing import Any

import yaml

from odsweep.backends.katib._options import KatibOptions
from odsweep.errors import EXIT_BAD_INPUT, EXIT_FAILED, EXIT_SIGTERM
from odsweep.results import METRICS_FORMAT, TRIALS_DIR

# The trial's name (${trialSpec.Name}); the spec refuses it as a parameter name.
from odsweep.spec import TRIAL_NAME_PARAMETER as TRIAL_NAME_PARAMETER
from odsweep.spec import (
    ClusterSpec,
    ObjectiveType,
    Parameter,
    ParamValue,
    SearchSpec,
    SettingValue,
    Toleration,
)
from odsweep.spec._kube import CREDENTIALS_ENV, CREDENTIALS_KEY, GPU_RESOURCE

API_VERSION = "kubeflow.org/v1beta1"
KIND = "Experiment"
CONTAINER_NAME = "odsweep-trial"
# Retries of a trial's pod (the Job's backoffLimit). No spec key sets it: two retries
# cover a preempted or rebooted node, and each retry resumes rather than restarts.
TRIAL_JOB_BACKOFF_LIMIT = 2
TRIAL_COMMAND = ("odsweep", "trial")

# Katib's own defaults for a batch/v1 Job (GJSON over the Job's status), written out so
# the manifest says what decides a trial's outcome.
JOB_SUCCESS_CONDITION = 'status.conditions.#(type=="Complete")#|#(status=="True")#'
JOB_FAILURE_CONDITION = 'status.conditions.#(type=="Failed")#|#(status=="True")#'

CREDENTIALS_VOLUME = "gcp-credentials"
CREDENTIALS_DIR = "/var/secrets/google"


def placeholder(name: str) -> str:
    """``${trialParameters.<name>}``: Katib replaces it with the trial's value."""
    return "${trialParameters." + name + "}"


def spec_uri_of(spec: SearchSpec, options: KatibOptions) -> str:
    """Where the trial pod reads the spec: ``options.spec_uri``, else the spec's own path."""
    return options.spec_uri if options.spec_uri is not None else spec.source


def trial_dir_template(options: KatibOptions) -> str:
    """``<model_dir>/trials/${trialParameters.trialName}`` (no doubled slash)."""
    return f"{options.model_dir.rstrip('/')}/{TRIALS_DIR}/{placeholder(TRIAL_NAME_PARAMETER)}"


def trial_args(spec: SearchSpec, options: KatibOptions) -> list[str]:
    """The trial container's args, one list element per word.

    Katib's metrics collector joins command and args with spaces and runs the result
    with ``sh -c``; each element is therefore one shell word only because the
    pre-flight check keeps every value free of characters a shell interprets.
    """
    args = ["--spec", spec_uri_of(spec, options), "--trial-dir", trial_dir_template(options)]
    for param in spec.parameters:
        args += ["--param", f"{param.name}={placeholder(param.name)}"]
    return args


def metric_strategy(name: str, spec: SearchSpec) -> str:
    """``max`` or ``min``: how Katib picks a trial's value of ``name`` over its reports.

    The objective follows the objective's direction. Additional metrics follow their
    own: the OD API's ``Loss/...`` values are better lower, its precision and recall
    metrics higher; a trade-off follows its own direction. Either way a trial is
    credited with its best checkpoint, not its last one, the same as the local engine.
    (odsweep's Pareto front reads each trade-off at the primary's best checkpoint from
    the trials' records, not Katib's summary.)
    """
    if name == spec.objective.metric:
        return "max" if spec.objective.type is ObjectiveType.MAXIMIZE else "min"
    for tradeoff in spec.objective.tradeoffs:
        if name == tradeoff.metric:
            return "max" if tradeoff.type is ObjectiveType.MAXIMIZE else "min"
    return "min" if name.startswith("Loss/") else "max"


def render_experiment(spec: SearchSpec, *, options: KatibOptions) -> dict[str, Any]:
    """The Experiment for ``spec`` run with ``options``.

    Does not validate: run ``check_spec`` and ``check_for_katib`` first.

    Returns:
        A YAML/JSON-ready dict, keys in a fixed order (see :func:`to_yaml`).
    """
    metadata: dict[str, Any] = {"name": spec.name}
    if options.cluster.namespace is not None:
        metadata["namespace"] = options.cluster.namespace
    body: dict[str, Any] = {
        "objective": _objective(spec),
        "algorithm": _algorithm(spec),
    }
    if spec.early_stopping is not None:
        body["earlyStopping"] = {
            "algorithmName": spec.early_stopping.name,
            "algorithmSettings": _settings(spec.early_stopping.settings),
        }
    body["parallelTrialCount"] = spec.parallel_trial_count
    body["maxTrialCount"] = spec.max_trial_count
    # Omitted means "failures never end the search" in Katib; 0 would mean the first.
    if spec.max_failed_trial_count is not None:
        body["maxFailedTrialCount"] = spec.max_failed_trial_count
    body["resumePolicy"] = options.resume_policy.value
    body["metricsCollectorSpec"] = {
        "collector": {"kind": "StdOut"},
        "source": {"filter": {"metricsFormat": [METRICS_FORMAT]}},
    }
    body["parameters"] = [_parameter(p) for p in spec.parameters]
    body["trialTemplate"] = _trial_template(spec, options)
    return {"apiVersion": API_VERSION, "kind": KIND, "metadata": metadata, "spec": body}


def to_yaml(doc: dict[str, Any]) -> str:
    """``doc`` as block YAML in its own key order; long strings are never folded."""
    text: str = yaml.safe_dump(
        doc, sort_keys=False, default_flow_style=False, allow_unicode=True, width=2**16
    )
    return text


def _objective(spec: SearchSpec) -> dict[str, Any]:
    objective = spec.objective
    out: dict[str, Any] = {"type": objective.type.value}
    if objective.goal is not None:
        out["goal"] = objective.goal
    out["objectiveMetricName"] = objective.metric
    # Katib has one objective: the trade-off metrics are collected as additional ones,
    # and odsweep computes the Pareto front from the trial records afterwards.
    if objective.collected:
        out["additionalMetricNames"] = list(objective.collected)
    out["metricStrategies"] = [
        {"name": name, "value": metric_strategy(name, spec)} for name in objective.metrics
    ]
    return out


def _algorithm(spec: SearchSpec) -> dict[str, Any]:
    out: dict[str, Any] = {"algorithmName": spec.algorithm.name.value}
    if spec.algorithm.settings:
        out["algorithmSettings"] = _settings(spec.algorithm.settings)
    return out


def _settings(pairs: tuple[tuple[str, SettingValue], ...]) -> list[dict[str, str]]:
    return [{"name": name, "value": _text(value)} for name, value in pairs]


def _text(value: ParamValue) -> str:
    # repr keeps every digit of a float (str would too on 3.11, repr says so).
    if isinstance(value, float):
        return repr(value)
    return str(value)


def _parameter(param: Parameter) -> dict[str, Any]:
    space: dict[str, Any]
    if param.is_range:
        assert param.min is not None and param.max is not None  # parse guarantees it
        space = {"min": _text(param.min), "max": _text(param.max)}
        if param.step is not None:
            space["step"] = _text(param.step)
        # uniform is Katib's default; only a log scale is worth writing.
        if param.is_log:
            space["distribution"] = param.distribution.value
    else:
        space = {"list": [_text(v) for v in param.values]}
    return {"name": param.name, "parameterType": param.type.value, "feasibleSpace": space}


def _trial_template(spec: SearchSpec, options: KatibOptions) -> dict[str, Any]:
    # Every name the spec accepts is a valid trialParameters name (odsweep.spec._names),
    # so the trial parameter keeps the parameter's own name, and references it.
    parameters = [
        {
            "name": param.name,
            "description": f"sets {param.config_path}"
            + (
                ""
                if param.when is None
                # Katib's space is flat: say in the Experiment what the trial ignores.
                else f" (ignored unless {param.when.parameter}={param.when.branch})"
            ),
            "reference": param.name,
        }
        for param in spec.parameters
    ]
    parameters.append(
        {
            "name": TRIAL_NAME_PARAMETER,
            "description": "the trial's name; names its folder under <model_dir>/trials/",
            # Katib substitutes ${trialSpec.Name} only as a reference, not inside args.
            "reference": "${trialSpec.Name}",
        }
    )
    return {
        "primaryContainerName": CONTAINER_NAME,
        "successCondition": JOB_SUCCESS_CONDITION,
        "failureCondition": JOB_FAILURE_CONDITION,
        "trialParameters": parameters,
        "trialSpec": _job(spec, options),
    }


def _job(spec: SearchSpec, options: KatibOptions) -> dict[str, Any]:
    # No metadata.name/namespace: Katib names the Job after the trial (its webhook
    # refuses a template that sets them).
    # A pod lost to a crash, an OOM kill or a node going away is retried, and the trial
    # resumes from its newest checkpoint in its folder (odsweep.trial.resume), printing
    # its kept evals again first so that the new pod's collector sees the whole curve.
    # A pod evicted or preempted (condition DisruptionTarget) is retried without
    # counting. A trial that failed by itself (exit 1), was given bad input (exit 2) or
    # was stopped by SIGTERM outside a disruption (exit 143: Katib's early stopping, a
    # user) ends the Job at once: a retry would fail again, or undo the stop.
    job_spec: dict[str, Any] = {
        "backoffLimit": TRIAL_JOB_BACKOFF_LIMIT,
        "podFailurePolicy": {
            "rules": [
                {
                    "action": "Ignore",
                    "onPodConditions": [{"type": "DisruptionTarget", "status": "True"}],
                },
                {
                    "action": "FailJob",
                    "onExitCodes": {
                        "containerName": CONTAINER_NAME,
                        "operator": "In",
                        "values": [EXIT_FAILED, EXIT_BAD_INPUT, EXIT_SIGTERM],
                    },
                },
            ]
        },
    }
    # The trial's own time limit (spec.trialTimeoutSeconds) also bounds its pod, so a
    # trial stuck where even its watchdog cannot act (image pull, a hung node) ends too.
    limits = [
        s
        for s in (options.cluster.active_deadline_seconds, spec.trial_timeout_seconds)
        if s is not None
    ]
    if limits:
        job_spec["activeDeadlineSeconds"] = min(limits)
    job_spec["template"] = {
        # Istio's proxy never exits, so the Job would never complete.
        "metadata": {"annotations": {"sidecar.istio.io/inject": "false"}},
        "spec": _pod(spec, options),
    }
    return {"apiVersion": "batch/v1", "kind": "Job", "spec": job_spec}


def _pod(spec: SearchSpec, options: KatibOptions) -> dict[str, Any]:
    cluster = options.cluster
    pod: dict[str, Any] = {}
    if cluster.service_account is not None:
        pod["serviceAccountName"] = cluster.service_account
    if cluster.node_selector:
        pod["nodeSelector"] = dict(cluster.node_selector)
    if cluster.tolerations:
        pod["tolerations"] = [_toleration(t) for t in cluster.tolerations]
    pod["restartPolicy"] = "Never"
    pod["containers"] = [_container(spec, options)]
    if options.credentials_secret is not None:
        pod["volumes"] = [
            {
                "name": CREDENTIALS_VOLUME,
                "secret": {"secretName": options.credentials_secret},
            }
        ]
    return pod


def _container(spec: SearchSpec, options: KatibOptions) -> dict[str, Any]:
    cluster = options.cluster
    container: dict[str, Any] = {"name": CONTAINER_NAME, "image": cluster.image}
    if cluster.image_pull_policy is not None:
        container["imagePullPolicy"] = cluster.image_pull_policy.value
    container["command"] = list(TRIAL_COMMAND)
    container["args"] = trial_args(spec, options)
    resources = _resources(cluster)
    if resources:
        container["resources"] = resources
    env = [{"name": name, "value": value} for name, value in cluster.env.items()]
    if options.credentials_secret is not None:
        env.append({"name": CREDENTIALS_ENV, "value": f"{CREDENTIALS_DIR}/{CREDENTIALS_KEY}"})
        container["volumeMounts"] = [
            {"name": CREDENTIALS_VOLUME, "mountPath": CREDENTIALS_DIR, "readOnly": True}
        ]
    if env:
        container["env"] = env
    return container


def _resources(cluster: ClusterSpec) -> dict[str, dict[str, str]]:
    # Requests equal limits: a trial's speed then does not depend on its neighbours,
    # and extended resources (GPUs) must have requests == limits anyway.
    amounts: dict[str, str] = {}
    if cluster.cpu is not None:
        amounts["cpu"] = cluster.cpu
    if cluster.memory is not None:
        amounts["memory"] = cluster.memory
    if cluster.gpus_per_trial > 0:
        amounts[GPU_RESOURCE] = str(cluster.gpus_per_trial)
    if not amounts:
        return {}
    return {"requests": dict(amounts), "limits": dict(amounts)}


def _toleration(toleration: Toleration) -> dict[str, Any]:
    pairs = (
        ("key", toleration.key),
        ("operator", toleration.operator),
        ("value", toleration.value),
        ("effect", toleration.effect),
        ("tolerationSeconds", toleration.toleration_seconds),
    )
    return {key: value for key, value in pairs if value is not None}
