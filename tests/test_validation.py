"""``check_spec``: what validation adds on top of the YAML checks (needs the base config)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from odsweep.demodata import base_config_path
from odsweep.errors import InputError
from odsweep.spec import load_spec
from odsweep.validation import check_spec
from tests.tfrecords import write_shard

LR = "train_config.optimizer.momentum_optimizer.learning_rate.cosine_decay_learning_rate"


@pytest.fixture
def data(tmp_path: Path) -> Path:
    write_shard(tmp_path / "train-0.tfrecord")
    write_shard(tmp_path / "eval-0.tfrecord")
    (tmp_path / "label_map.pbtxt").write_text(
        "".join(f'item {{ id: {i} name: "c{i}" }}\n' for i in (1, 2, 3))
    )
    return tmp_path


def spec_file(data: Path, *, parameters: list[dict[str, Any]] | None = None, **spec: Any) -> str:
    doc: dict[str, Any] = {
        "apiVersion": "odsweep/v1alpha1",
        "kind": "SearchSpace",
        "metadata": {"name": "v"},
        "spec": {
            "pipelineConfigPath": str(base_config_path()),
            "trainInputPath": str(data / "train-*.tfrecord"),
            "evalInputPath": str(data / "eval-*.tfrecord"),
            "labelMapPath": str(data / "label_map.pbtxt"),
            "numTrainSteps": 300,
            "checkpointEveryNSteps": 100,
            "objective": {"type": "max", "objectiveMetricName": "DetectionBoxes_Precision/mAP"},
            "algorithm": {"algorithmName": "random"},
            "maxTrialCount": 4,
            "parameters": parameters
            or [
                {
                    "name": "lr",
                    "configPath": f"{LR}.learning_rate_base",
                    "parameterType": "double",
                    "feasibleSpace": {"min": 0.02, "max": 0.2},
                }
            ],
        },
    }
    doc["spec"].update(spec)
    path = data / "spec.yaml"
    path.write_text(yaml.safe_dump(doc))
    return str(path)


def errors(path: str) -> list[str]:
    with pytest.raises(InputError) as err:
        check_spec(load_spec(path))
    return list(err.value.messages)


def test_a_valid_spec_passes(data: Path) -> None:
    config = check_spec(load_spec(spec_file(data)))
    assert config.train_config.num_steps == 300


def test_config_path_typo_names_the_closest_field(data: Path) -> None:
    (msg,) = errors(
        spec_file(
            data,
            parameters=[
                {
                    "name": "bs",
                    "configPath": "train_config.batch_sise",
                    "parameterType": "int",
                    "feasibleSpace": {"min": 2, "max": 8},
                }
            ],
        )
    )
    assert msg.startswith("spec.parameters[0].configPath:") and "batch_size" in msg


def test_path_into_an_unselected_oneof_is_refused(data: Path) -> None:
    (msg,) = errors(
        spec_file(
            data,
            parameters=[
                {
                    "name": "lr",
                    "configPath": "train_config.optimizer.adam_optimizer.learning_rate."
                    "constant_learning_rate.learning_rate",
                    "parameterType": "double",
                    "feasibleSpace": {"min": 0.01, "max": 0.1},
                }
            ],
        )
    )
    assert "momentum_optimizer" in msg and "adam_optimizer" in msg


def test_a_double_cannot_set_an_int_field(data: Path) -> None:
    (msg,) = errors(
        spec_file(
            data,
            parameters=[
                {
                    "name": "bs",
                    "configPath": "train_config.batch_size",
                    "parameterType": "double",
                    "feasibleSpace": {"min": 2, "max": 8},
                }
            ],
        )
    )
    assert msg.startswith("spec.parameters[0].parameterType: a double parameter cannot set")


def test_categorical_values_must_be_enum_names(data: Path) -> None:
    (msg,) = errors(
        spec_file(
            data,
            parameters=[
                {
                    "name": "conv",
                    "configPath": "model.ssd.post_processing.score_converter",
                    "parameterType": "categorical",
                    "feasibleSpace": {"list": ["SIGMOID", "SOFTMAXX"]},
                }
            ],
        )
    )
    assert msg.startswith("spec.parameters[0].feasibleSpace.list[1]:") and "SOFTMAX" in msg


def test_a_bound_that_breaks_the_warmup_is_refused(data: Path) -> None:
    (msg,) = errors(
        spec_file(
            data,
            parameters=[
                {
                    "name": "lr",
                    "configPath": f"{LR}.learning_rate_base",
                    "parameterType": "double",
                    "feasibleSpace": {"min": 0.0001, "max": 0.2},
                }
            ],
        )
    )
    assert msg.startswith("spec.parameters[0].feasibleSpace.min: with lr=0.0001")
    assert "warmup_learning_rate" in msg


def test_objective_metric_must_be_produced_by_the_eval(data: Path) -> None:
    (msg,) = errors(
        spec_file(
            data,
            objective={"type": "max", "objectiveMetricName": "DetectionBoxes_Precision/mAP@.95IOU"},
        )
    )
    assert msg.startswith("spec.objective.objectiveMetricName: the eval of this config")
    assert "DetectionBoxes_Precision/mAP@.75IOU" in msg


def test_loss_alias_is_accepted(data: Path) -> None:
    check_spec(load_spec(spec_file(data, objective={"type": "min", "objectiveMetricName": "loss"})))


def test_bad_override_is_keyed_under_spec_overrides(data: Path) -> None:
    (msg,) = errors(spec_file(data, overrides={"train_config.batch_sise": 4}))
    assert msg.startswith("spec.overrides.train_config.batch_sise")
    assert "did you mean 'batch_size'" in msg


def test_parameter_and_data_problems_are_reported_together(data: Path) -> None:
    messages = errors(
        spec_file(
            data,
            trainInputPath=str(data / "nope-*.tfrecord"),
            objective={"type": "max", "objectiveMetricName": "DetectionBoxes_Precision/mAP@.95IOU"},
        )
    )
    assert len(messages) == 2
    assert any("no file matches" in m for m in messages)
    assert any(m.startswith("spec.objective.objectiveMetricName") for m in messages)


def test_a_tradeoff_metric_must_be_produced_by_the_eval_unless_measured_at_serving(
    data: Path,
) -> None:
    objective = {
        "type": "max",
        "objectiveMetricName": "DetectionBoxes_Precision/mAP",
        "tradeoffs": [
            {"objectiveMetricName": "Serving/latency_p50_ms", "type": "min"},
            {"objectiveMetricName": "DetectionBoxes_Recall/AR@7", "type": "max"},
        ],
    }
    (msg,) = errors(spec_file(data, objective=objective))
    assert msg.startswith(
        "spec.objective.tradeoffs[1].objectiveMetricName: the eval of this config "
        "(metrics_set: coco_detection_metrics) does not produce 'DetectionBoxes_Recall/AR@7'"
    )


def test_serving_metrics_are_accepted_as_additional_metrics(data: Path) -> None:
    from odsweep.results import SERVING_METRICS
    from odsweep.spec import needs_serving_cost

    objective = {
        "type": "max",
        "objectiveMetricName": "DetectionBoxes_Precision/mAP",
        "additionalMetricNames": list(SERVING_METRICS),
    }
    spec = load_spec(spec_file(data, objective=objective))
    check_spec(spec)
    assert needs_serving_cost(spec)
    assert not needs_serving_cost(load_spec(spec_file(data)))


def test_unknown_names_are_still_refused_beside_serving_metrics(data: Path) -> None:
    objective = {
        "type": "max",
        "objectiveMetricName": "DetectionBoxes_Precision/mAP",
        "additionalMetricNames": ["Serving/latency_p50_ms", "Serving/latency_p99_ms", "mAP@.99"],
    }
    got = errors(spec_file(data, objective=objective))
    assert got[0] == (
        "spec.objective.additionalMetricNames[1]: unknown serving metric "
        "'Serving/latency_p99_ms'; choose one of Serving/latency_p50_ms, "
        "Serving/latency_p90_ms, Serving/model_size_mb, Serving/params_millions"
    )
    assert got[1].startswith(
        "spec.objective.additionalMetricNames[2]: the eval of this config "
        "(metrics_set: coco_detection_metrics) does not produce 'mAP@.99'"
    )
    assert len(got) == 2


def test_a_serving_metric_cannot_be_the_primary_objective(data: Path) -> None:
    objective = {"type": "min", "objectiveMetricName": "Serving/latency_p50_ms"}
    assert errors(spec_file(data, objective=objective)) == [
        "spec.objective.objectiveMetricName: 'Serving/latency_p50_ms' is measured once, at a "
        "trial's end, so it cannot rank the evals of a trial nor stop one early; keep an eval "
        "metric here and name 'Serving/latency_p50_ms' in spec.objective.additionalMetricNames"
    ]
