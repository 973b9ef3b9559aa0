"""The rendered Experiment: Katib's webhook rules re-checked on the dict, and pod settings."""

from __future__ import annotations

import dataclasses
import json
import re
from typing import Any

import pytest
import yaml

from odsweep.backends.katib import (
    CREDENTIALS_DIR,
    CREDENTIALS_ENV,
    GPU_RESOURCE,
    JOB_FAILURE_CONDITION,
    JOB_SUCCESS_CONDITION,
    KatibOptions,
    ResumePolicy,
    render_experiment,
    to_yaml,
)
from odsweep.errors import InputError
from odsweep.results import METRICS_FORMAT
from odsweep.spec import KATIB_ALGORITHMS, ImagePullPolicy
from tests.backends.katib.katib_fixtures import (
    MODEL_DIR,
    PLACEHOLDER_RE,
    SPEC_URI,
    job_container,
    make_options,
    make_spec,
    spec_doc,
)

# Katib 0.19's webhook (pkg/webhook/v1beta1/experiment/validator) and its constants.
NAME_RE = re.compile(r"^[a-z]([-a-z0-9]*[a-z0-9])?$")
META_REFERENCE_RE = re.compile(r"^\$\{trialSpec\.(.+?)\}$")
META_KEYS = ("Name", "Namespace", "Kind", "APIVersion", "Annotations", "Labels")
RANGE_TYPES = ("double", "int")
LIST_TYPES = ("discrete", "categorical")


def _render(**flags: Any) -> dict[str, Any]:
    spec = make_spec()
    return render_experiment(spec, options=make_options(spec, **flags))


def _webhook_problems(experiment: dict[str, Any]) -> list[str]:
    """What Katib's Experiment validator would say about ``experiment`` (none = accepted)."""
    problems = []
    spec = experiment["spec"]
    if not NAME_RE.match(experiment["metadata"]["name"]):
        problems.append("name")
    if spec["maxTrialCount"] <= 0 or spec["parallelTrialCount"] <= 0:
        problems.append("counts")
    if spec["parallelTrialCount"] > spec["maxTrialCount"]:
        problems.append("parallel > max")
    if spec.get("maxFailedTrialCount", 0) > spec["maxTrialCount"]:
        problems.append("failed > max")
    objective = spec["objective"]
    if objective["type"] not in ("maximize", "minimize") or not objective["objectiveMetricName"]:
        problems.append("objective")
    if objective["objectiveMetricName"] in objective.get("additionalMetricNames", []):
        problems.append("objective in additional")
    if spec["algorithm"]["algorithmName"] not in KATIB_ALGORITHMS:
        problems.append("algorithm")
    if spec.get("earlyStopping", {}).get("algorithmName", "medianstop") != "medianstop":
        problems.append("early stopping")
    for param in spec["parameters"]:
        space = param["feasibleSpace"]
        if param["parameterType"] in RANGE_TYPES:
            if "min" not in space or "max" not in space or "list" in space:
                problems.append(f"{param['name']}: range shape")
        elif param["parameterType"] in LIST_TYPES:
            if not space.get("list") or {"min", "max", "step"} & set(space):
                problems.append(f"{param['name']}: list shape")
        else:
            problems.append(f"{param['name']}: type")
        if space.get("distribution", "uniform") not in ("uniform", "logUniform"):
            problems.append(f"{param['name']}: distribution")
    template = spec["trialTemplate"]
    trial_spec = template["trialSpec"]
    if "name" in trial_spec.get("metadata", {}) or "namespace" in trial_spec.get("metadata", {}):
        problems.append("trialSpec metadata")
    declared = {p["name"] for p in template["trialParameters"]}
    used = set(PLACEHOLDER_RE.findall(json.dumps(trial_spec)))
    if declared != used:
        problems.append(f"trialParameters declared {sorted(declared)} used {sorted(used)}")
    names = {p["name"] for p in spec["parameters"]}
    for p in template["trialParameters"]:
        meta = META_REFERENCE_RE.match(p["reference"])
        if p["reference"] not in names and not (meta and meta.group(1) in META_KEYS):
            problems.append(f"reference {p['reference']}")
    containers = trial_spec["spec"]["template"]["spec"]["containers"]
    if template["primaryContainerName"] not in [c["name"] for c in containers]:
        problems.append("primary container")
    for fmt in spec["metricsCollectorSpec"]["source"]["filter"]["metricsFormat"]:
        if re.compile(fmt).groups != 2:
            problems.append("metricsFormat")
    return problems


def test_webhook_accepts_the_rendered_experiment() -> None:
    assert _webhook_problems(_render()) == []


def test_webhook_accepts_the_minimal_spec_too() -> None:
    doc = spec_doc()
    for key in ("earlyStopping", "maxFailedTrialCount", "cluster"):
        del doc["spec"][key]
    del doc["spec"]["objective"]["additionalMetricNames"]
    spec = make_spec(doc)
    experiment = render_experiment(spec, options=make_options(spec, image="img:1"))
    assert _webhook_problems(experiment) == []
    assert "maxFailedTrialCount" not in experiment["spec"]
    assert "earlyStopping" not in experiment["spec"]
    assert "namespace" not in experiment["metadata"]
    assert experiment["spec"]["objective"]["metricStrategies"] == [
        {"name": "DetectionBoxes_Precision/mAP", "value": "max"}
    ]


def test_every_katib_number_is_a_string() -> None:
    spec = _render()["spec"]
    assert spec["parameters"] == [
        {
            "name": "learning_rate",
            "parameterType": "double",
            "feasibleSpace": {"min": "0.004", "max": "0.1", "distribution": "logUniform"},
        },
        {
            "name": "num_layers",
            "parameterType": "int",
            "feasibleSpace": {"min": "0", "max": "4", "step": "2"},
        },
        {
            "name": "batch_size",
            "parameterType": "discrete",
            "feasibleSpace": {"list": ["4", "8", "16"]},
        },
        {
            "name": "optimizer_ema",
            "parameterType": "categorical",
            "feasibleSpace": {"list": ["true", "false"]},
        },
    ]
    assert spec["algorithm"] == {
        "algorithmName": "tpe",
        "algorithmSettings": [
            {"name": "random_state", "value": "7"},
            {"name": "gamma", "value": "0.25"},
        ],
    }
    assert spec["earlyStopping"] == {
        "algorithmName": "medianstop",
        "algorithmSettings": [
            {"name": "min_trials_required", "value": "2"},
            {"name": "start_step", "value": "2"},
        ],
    }


def test_objective_and_metric_strategies_credit_the_best_checkpoint() -> None:
    objective = _render()["spec"]["objective"]
    assert objective == {
        "type": "maximize",
        "goal": 0.9,
        "objectiveMetricName": "DetectionBoxes_Precision/mAP",
        "additionalMetricNames": ["DetectionBoxes_Recall/AR@100 (small)", "Loss/total_loss"],
        "metricStrategies": [
            {"name": "DetectionBoxes_Precision/mAP", "value": "max"},
            {"name": "DetectionBoxes_Recall/AR@100 (small)", "value": "max"},
            {"name": "Loss/total_loss", "value": "min"},
        ],
    }


def test_minimized_loss_objective_uses_min() -> None:
    doc = spec_doc()
    doc["spec"]["objective"] = {
        "type": "minimize",
        "objectiveMetricName": "loss",
        "additionalMetricNames": ["DetectionBoxes_Precision/mAP"],
    }
    spec = make_spec(doc)
    strategies = render_experiment(spec, options=make_options(spec))["spec"]["objective"][
        "metricStrategies"
    ]
    assert strategies == [
        {"name": "Loss/total_loss", "value": "min"},
        {"name": "DetectionBoxes_Precision/mAP", "value": "max"},
    ]


def test_counts_resume_policy_and_metrics_collector() -> None:
    spec = _render(resume_policy="FromVolume")["spec"]
    assert (spec["parallelTrialCount"], spec["maxTrialCount"], spec["maxFailedTrialCount"]) == (
        2,
        8,
        2,
    )
    assert spec["resumePolicy"] == "FromVolume"
    assert spec["metricsCollectorSpec"] == {
        "collector": {"kind": "StdOut"},
        "source": {"filter": {"metricsFormat": [METRICS_FORMAT]}},
    }


def test_resume_policy_defaults_to_never() -> None:
    assert _render()["spec"]["resumePolicy"] == ResumePolicy.NEVER.value == "Never"


def test_trial_template_and_job() -> None:
    template = _render()["spec"]["trialTemplate"]
    assert template["primaryContainerName"] == "odsweep-trial"
    assert template["successCondition"] == JOB_SUCCESS_CONDITION
    assert template["failureCondition"] == JOB_FAILURE_CONDITION
    assert [(p["name"], p["reference"]) for p in template["trialParameters"]] == [
        ("learning_rate", "learning_rate"),
        ("num_layers", "num_layers"),
        ("batch_size", "batch_size"),
        ("optimizer_ema", "optimizer_ema"),
        ("trialName", "${trialSpec.Name}"),
    ]
    job = template["trialSpec"]
    assert (job["apiVersion"], job["kind"]) == ("batch/v1", "Job")
    assert "metadata" not in job
    # Retried (the trial resumes), a disruption without counting; never after a failure
    # of its own, bad input or a SIGTERM that was not a disruption (an early stop).
    assert job["spec"]["backoffLimit"] == 2
    assert job["spec"]["podFailurePolicy"] == {
        "rules": [
            {
                "action": "Ignore",
                "onPodConditions": [{"type": "DisruptionTarget", "status": "True"}],
            },
            {
                "action": "FailJob",
                "onExitCodes": {
                    "containerName": "odsweep-trial",
                    "operator": "In",
                    "values": [1, 2, 143],
                },
            },
        ]
    }
    assert job["spec"]["activeDeadlineSeconds"] == 7200
    pod = job["spec"]["template"]
    assert pod["metadata"] == {"annotations": {"sidecar.istio.io/inject": "false"}}
    assert pod["spec"]["restartPolicy"] == "Never"
    assert pod["spec"]["serviceAccountName"] == "odsweep"
    assert pod["spec"]["nodeSelector"] == {"cloud.google.com/gke-accelerator": "nvidia-tesla-t4"}
    assert pod["spec"]["tolerations"] == [
        {"key": "nvidia.com/gpu", "operator": "Exists", "effect": "NoSchedule"}
    ]


def test_container_command_and_args_one_word_each() -> None:
    container = job_container(_render())
    assert container["name"] == "odsweep-trial"
    assert container["image"] == "registry.example/odsweep:0.1"
    assert container["imagePullPolicy"] == "IfNotPresent"
    assert container["command"] == ["odsweep", "trial"]
    assert container["args"] == [
        "--spec", SPEC_URI,
        "--trial-dir", f"{MODEL_DIR}/trials/${{trialParameters.trialName}}",
        "--param", "learning_rate=${trialParameters.learning_rate}",
        "--param", "num_layers=${trialParameters.num_layers}",
        "--param", "batch_size=${trialParameters.batch_size}",
        "--param", "optimizer_ema=${trialParameters.optimizer_ema}",
    ]  # fmt: skip
    assert container["env"] == [{"name": "TF_CPP_MIN_LOG_LEVEL", "value": "1"}]


def test_trailing_slash_of_model_dir_is_not_doubled() -> None:
    args = job_container(_render(model_dir=MODEL_DIR + "/"))["args"]
    assert args[3] == f"{MODEL_DIR}/trials/${{trialParameters.trialName}}"


def test_default_spec_uri_is_the_spec_path() -> None:
    spec = make_spec()
    options = dataclasses.replace(make_options(spec), spec_uri=None)
    assert job_container(render_experiment(spec, options=options))["args"][1] == spec.source


def test_zero_gpus_requests_none() -> None:
    container = job_container(_render(gpus_per_trial=0))
    assert container["resources"] == {
        "requests": {"cpu": "4", "memory": "16Gi"},
        "limits": {"cpu": "4", "memory": "16Gi"},
    }


def test_zero_gpus_and_no_cpu_memory_has_no_resources() -> None:
    doc = spec_doc()
    del doc["spec"]["cluster"]
    spec = make_spec(doc)
    options = make_options(spec, image="img:1", gpus_per_trial=0)
    assert "resources" not in job_container(render_experiment(spec, options=options))


def test_two_gpus_are_requested_and_limited() -> None:
    container = job_container(_render(gpus_per_trial=2))
    amounts = {"cpu": "4", "memory": "16Gi", GPU_RESOURCE: "2"}
    assert container["resources"] == {"requests": amounts, "limits": amounts}


def test_default_is_one_gpu_without_cluster_block() -> None:
    doc = spec_doc()
    del doc["spec"]["cluster"]
    spec = make_spec(doc)
    container = job_container(render_experiment(spec, options=make_options(spec, image="i:1")))
    assert container["resources"] == {
        "requests": {GPU_RESOURCE: "1"},
        "limits": {GPU_RESOURCE: "1"},
    }


def test_credentials_secret_is_mounted_read_only_and_named_by_env() -> None:
    experiment = _render(credentials_secret="gcp-sa-key")
    pod = experiment["spec"]["trialTemplate"]["trialSpec"]["spec"]["template"]["spec"]
    assert pod["volumes"] == [{"name": "gcp-credentials", "secret": {"secretName": "gcp-sa-key"}}]
    container = job_container(experiment)
    assert container["volumeMounts"] == [
        {"name": "gcp-credentials", "mountPath": CREDENTIALS_DIR, "readOnly": True}
    ]
    assert container["env"][-1] == {
        "name": CREDENTIALS_ENV,
        "value": f"{CREDENTIALS_DIR}/key.json",
    }


def test_without_credentials_secret_workload_identity_is_assumed() -> None:
    experiment = _render()
    pod = experiment["spec"]["trialTemplate"]["trialSpec"]["spec"]["template"]["spec"]
    container = job_container(experiment)
    assert "volumes" not in pod and "volumeMounts" not in container
    assert CREDENTIALS_ENV not in [e["name"] for e in container["env"]]


def test_from_spec_takes_the_cluster_block_and_flags_win() -> None:
    spec = make_spec()
    options = KatibOptions.from_spec(
        spec, model_dir=MODEL_DIR, namespace="team-a", cpu=None, gpus_per_trial=0
    )
    # The spec's ClusterSpec, held whole, with the flags applied.
    assert spec.cluster is not None
    assert options.cluster == dataclasses.replace(
        spec.cluster, namespace="team-a", gpus_per_trial=0
    )
    assert options.cluster.image == "registry.example/odsweep:0.1"
    assert options.cluster.cpu == "4"  # None means "flag not given"
    assert options.cluster.image_pull_policy is ImagePullPolicy.IF_NOT_PRESENT
    assert options.cluster.active_deadline_seconds == 7200
    assert options.resume_policy is ResumePolicy.NEVER
    assert options.spec_uri is None


def test_from_spec_requires_image_and_model_dir() -> None:
    doc = spec_doc()
    del doc["spec"]["cluster"]
    spec = make_spec(doc)
    with pytest.raises(InputError) as info:
        KatibOptions.from_spec(spec)
    assert info.value.messages == (
        "--image: required: /work/specs/search.yaml has no spec.cluster.image; give the trial "
        "image, e.g. --image registry.example/odsweep:0.1",
        "--model-dir: required: the sweep's output root, e.g. gs://BUCKET/odsweep/ssd-katib "
        "(trials go to <model-dir>/trials/<trial>)",
    )


def test_from_spec_refuses_unknown_policy_and_unknown_option() -> None:
    spec = make_spec()
    with pytest.raises(InputError, match=r"^--resume-policy: must be one of Never, "
                       r"LongRunning, FromVolume, got 'Sometimes'$"):  # fmt: skip
        KatibOptions.from_spec(spec, model_dir=MODEL_DIR, resume_policy="Sometimes")
    with pytest.raises(TypeError, match="unknown option"):
        KatibOptions.from_spec(spec, model_dir=MODEL_DIR, bucket="x")


def test_to_yaml_round_trips_in_a_stable_key_order() -> None:
    experiment = _render(credentials_secret="gcp-sa-key")
    text = to_yaml(experiment)
    assert yaml.safe_load(text) == experiment
    assert list(yaml.safe_load(text)) == ["apiVersion", "kind", "metadata", "spec"]
    assert list(yaml.safe_load(text)["spec"]) == [
        "objective",
        "algorithm",
        "earlyStopping",
        "parallelTrialCount",
        "maxTrialCount",
        "maxFailedTrialCount",
        "resumePolicy",
        "metricsCollectorSpec",
        "parameters",
        "trialTemplate",
    ]
    assert text == to_yaml(_render(credentials_secret="gcp-sa-key"))
    # The regex and conditions stay on one line each (no folding that could alter them).
    assert any(line.strip().endswith(f"- '{METRICS_FORMAT}'") for line in text.splitlines())


def test_render_is_pure() -> None:
    spec = make_spec()
    options = make_options(spec)
    first = render_experiment(spec, options=options)
    first["spec"]["parameters"].clear()
    assert render_experiment(spec, options=options)["spec"]["parameters"] != []
