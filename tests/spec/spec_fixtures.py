"""Shared builders for the spec tests: a valid document and one-line error checks."""

from __future__ import annotations

import copy
import re
from typing import Any

import pytest

from odsweep.errors import InputError
from odsweep.spec import SearchSpec, parse_spec

BASE_DIR = "/work/specs"

LR_PATH = (
    "train_config.optimizer.momentum_optimizer.learning_rate.cosine_decay_learning_rate"
    ".learning_rate_base"
)

_VALID: dict[str, Any] = {
    "apiVersion": "odsweep/v1alpha1",
    "kind": "SearchSpace",
    "metadata": {"name": "ssd-demo"},
    "spec": {
        "pipelineConfigPath": "configs/ssd_tiny.config",
        "trainInputPath": "data/demo/train-*.tfrecord",
        "evalInputPath": "data/demo/eval-*.tfrecord",
        "labelMapPath": "data/demo/label_map.pbtxt",
        "numTrainSteps": 300,
        "checkpointEveryNSteps": 100,
        "sample1OfNEvalExamples": 1,
        "overrides": {"model.ssd.num_classes": 2},
        "objective": {
            "type": "maximize",
            "objectiveMetricName": "DetectionBoxes_Precision/mAP",
            "goal": 0.9,
            "additionalMetricNames": ["Loss/total_loss"],
        },
        "algorithm": {
            "algorithmName": "tpe",
            "algorithmSettings": [{"name": "random_state", "value": "7"}],
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
                "name": "batch_size",
                "configPath": "train_config.batch_size",
                "parameterType": "discrete",
                "feasibleSpace": {"list": [4, 8]},
            },
        ],
        "export": {"inputType": "image_tensor", "outputDirectory": "out/ssd-demo/model"},
        "cluster": {
            "image": "registry.example/odsweep:0.1",
            "namespace": "kubeflow-user",
            "gpusPerTrial": 1,
            "cpu": "4",
            "memory": "16Gi",
            "serviceAccount": "odsweep",
            "nodeSelector": {"cloud.google.com/gke-accelerator": "nvidia-tesla-t4"},
        },
    },
}


def valid_doc() -> dict[str, Any]:
    """A fresh copy of the brief's example document (tests mutate it)."""
    return copy.deepcopy(_VALID)


def at(doc: dict[str, Any], path: str) -> Any:
    """The container at a dotted path; numeric parts index lists (``spec.parameters.0``)."""
    node: Any = doc
    for part in path.split("."):
        node = node[int(part)] if part.isdigit() else node[part]
    return node


def parse(doc: object) -> SearchSpec:
    """Parse ``doc`` as if read from ``/work/specs/search.yaml``."""
    return parse_spec(doc, source=f"{BASE_DIR}/search.yaml", base_dir=BASE_DIR)


def errors(doc: object) -> list[str]:
    """Every message parsing ``doc`` reports (fails the test when it parses)."""
    with pytest.raises(InputError) as info:
        parse(doc)
    return list(info.value.messages)


def exact_line(message: str) -> str:
    """A ``match=`` pattern for ``message`` as one whole line of the error."""
    return rf"(?m)^{re.escape(message)}$"
