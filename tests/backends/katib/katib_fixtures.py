"""Shared builders for the Katib tests: a spec, options, and Katib's pod-side behaviour.

``katib_shell_command`` re-states what Katib's pod webhook does to the primary container
when the StdOut collector is used (pkg/webhook/v1beta1/pod, Katib 0.19): it joins the
container's command and args with single spaces, unquoted, appends a redirect of stdout
and stderr into the metrics file, an early-stopping check when the trial has
early-stopping rules, and a "completed" marker, and runs the whole line with ``sh -c``.
"""

from __future__ import annotations

import copy
import dataclasses
import random
import re
from collections.abc import Mapping, Sequence
from typing import Any

from odsweep.backends.katib import KatibOptions
from odsweep.spec import SearchSpec, parse_spec

BASE_DIR = "/work/specs"
LR_PATH = (
    "train_config.optimizer.momentum_optimizer.learning_rate.cosine_decay_learning_rate"
    ".learning_rate_base"
)
# k8s.io/apimachinery's utilrand alphabet (no vowels, no easily confused characters).
NAME_ALPHABET = "bcdfghjklmnpqrstvwxz2456789"
PLACEHOLDER_RE = re.compile(r"\$\{trialParameters\.(.+?)\}")

_DOC: dict[str, Any] = {
    "apiVersion": "odsweep/v1alpha1",
    "kind": "SearchSpace",
    "metadata": {"name": "ssd-katib"},
    "spec": {
        "pipelineConfigPath": "configs/ssd_tiny.config",
        "trainInputPath": "data/train-*.tfrecord",
        "evalInputPath": "data/eval-*.tfrecord",
        "labelMapPath": "data/label_map.pbtxt",
        "numTrainSteps": 300,
        "checkpointEveryNSteps": 100,
        "objective": {
            "type": "maximize",
            "objectiveMetricName": "DetectionBoxes_Precision/mAP",
            "goal": 0.9,
            "additionalMetricNames": [
                "DetectionBoxes_Recall/AR@100 (small)",
                "Loss/total_loss",
            ],
        },
        "algorithm": {
            "algorithmName": "tpe",
            "algorithmSettings": [
                {"name": "random_state", "value": "7"},
                {"name": "gamma", "value": 0.25},
            ],
        },
        "earlyStopping": {
            "algorithmName": "medianstop",
            "algorithmSettings": [
                {"name": "min_trials_required", "value": "2"},
                {"name": "start_step", "value": "2"},
            ],
        },
        "parallelTrialCount": 2,
        "maxTrialCount": 8,
        "maxFailedTrialCount": 2,
        "parameters": [
            {
                "name": "learning_rate",
                "configPath": LR_PATH,
                "parameterType": "double",
                "feasibleSpace": {"min": 0.004, "max": 0.1, "distribution": "logUniform"},
            },
            {
                "name": "num_layers",
                "configPath": "model.ssd.box_predictor.convolutional_box_predictor"
                ".num_layers_before_predictor",
                "parameterType": "int",
                "feasibleSpace": {"min": 0, "max": 4, "step": 2},
            },
            {
                "name": "batch_size",
                "configPath": "train_config.batch_size",
                "parameterType": "discrete",
                "feasibleSpace": {"list": [4, 8, 16]},
            },
            {
                "name": "optimizer_ema",
                "configPath": "train_config.optimizer.use_moving_average",
                "parameterType": "categorical",
                "feasibleSpace": {"list": ["true", "false"]},
            },
        ],
        "cluster": {
            "image": "registry.example/odsweep:0.1",
            "namespace": "kubeflow-user",
            "gpusPerTrial": 1,
            "cpu": "4",
            "memory": "16Gi",
            "serviceAccount": "odsweep",
            "nodeSelector": {"cloud.google.com/gke-accelerator": "nvidia-tesla-t4"},
            "tolerations": [
                {"key": "nvidia.com/gpu", "operator": "Exists", "effect": "NoSchedule"}
            ],
            "imagePullPolicy": "IfNotPresent",
            "env": {"TF_CPP_MIN_LOG_LEVEL": "1"},
            "activeDeadlineSeconds": 7200,
        },
    },
}

MODEL_DIR = "gs://bucket/sweeps/ssd-katib"
SPEC_URI = "gs://bucket/sweeps/ssd-katib/spec.yaml"


def spec_doc() -> dict[str, Any]:
    """A fresh copy of a valid spec document using every parameter type (tests mutate it)."""
    return copy.deepcopy(_DOC)


def make_spec(doc: dict[str, Any] | None = None) -> SearchSpec:
    """Parse ``doc`` (default :func:`spec_doc`) as if read from ``/work/specs/search.yaml``."""
    return parse_spec(doc or spec_doc(), source=f"{BASE_DIR}/search.yaml", base_dir=BASE_DIR)


def make_options(spec: SearchSpec, **flags: Any) -> KatibOptions:
    """Options from ``spec``'s cluster block, with gs:// storage unless ``flags`` say else."""
    flags.setdefault("model_dir", MODEL_DIR)
    flags.setdefault("spec_uri", SPEC_URI)
    return KatibOptions.from_spec(spec, **flags)


def job_container(experiment: Mapping[str, Any]) -> dict[str, Any]:
    """The (single) container of the rendered trial Job."""
    containers = experiment["spec"]["trialTemplate"]["trialSpec"]["spec"]["template"]["spec"][
        "containers"
    ]
    assert len(containers) == 1
    container: dict[str, Any] = containers[0]
    return container


def substitute(text: str, values: Mapping[str, str]) -> str:
    """``text`` with each ``${trialParameters.x}`` replaced as Katib's trial controller does."""
    return PLACEHOLDER_RE.sub(lambda m: values[m.group(1)], text)


def trial_name(experiment: str, rng: random.Random) -> str:
    """A trial name as Katib's suggestion controller makes them."""
    return f"{experiment}-{''.join(rng.choices(NAME_ALPHABET, k=8))}"


def katib_shell_command(words: Sequence[str], *, metrics_file: str, early_stopping: bool) -> str:
    """The single ``sh -c`` argument Katib's pod webhook gives the primary container."""
    metrics_dir = metrics_file.rsplit("/", 1)[0]
    parts = [*words, f"1>{metrics_file} 2>&1"]
    if early_stopping:
        parts += [
            "||",
            f"if test -f {metrics_dir}/$$$$.pid && [ $(head -n 1 {metrics_dir}/$$.pid) = "
            "early-stopped ]; then echo Training Container was Early Stopped; "
            "else echo Training Container was Failed; exit 1; fi",
        ]
    parts += ["&&", f"echo completed > {metrics_dir}/$$$$.pid"]
    return " ".join(parts)


def with_cluster(options: KatibOptions, **changes: Any) -> KatibOptions:
    """``options`` with its ClusterSpec's fields ``changes`` replaced."""
    return dataclasses.replace(options, cluster=dataclasses.replace(options.cluster, **changes))
