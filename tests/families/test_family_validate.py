"""``odsweep validate`` on a zoo CenterNet config and data without keypoints: refused with
the YAML that fixes it, and that YAML (``[]`` clears the keypoint tasks) validates."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from odsweep.errors import InputError
from odsweep.spec import load_spec
from odsweep.validation import check_spec
from tests.families.tiny import ADAM, DROP_KEYPOINTS
from tests.tfrecords import write_shard
from tests.zoo import zoo_config

pytestmark = pytest.mark.tf  # the pre-flight decodes records with the OD API


def _spec(data: Path, overrides: dict[str, Any]) -> str:
    doc = {
        "apiVersion": "odsweep/v1alpha1",
        "kind": "SearchSpace",
        "metadata": {"name": "kp"},
        "spec": {
            "pipelineConfigPath": str(zoo_config("centernet_keypoints").path),
            "trainInputPath": str(data / "train-0.tfrecord"),
            "evalInputPath": str(data / "eval-0.tfrecord"),
            "labelMapPath": str(data / "label_map.pbtxt"),
            "numTrainSteps": 300,
            "checkpointEveryNSteps": 100,
            "objective": {"type": "max", "objectiveMetricName": "DetectionBoxes_Precision/mAP"},
            "algorithm": {"algorithmName": "random"},
            "maxTrialCount": 2,
            "overrides": {f"{ADAM}.warmup_steps": 0, **overrides},
            "parameters": [
                {
                    "name": "lr",
                    "configPath": f"{ADAM}.learning_rate_base",
                    "parameterType": "double",
                    "feasibleSpace": {"min": 1e-4, "max": 1e-2},
                }
            ],
        },
    }
    path = data / "spec.yaml"
    path.write_text(yaml.safe_dump(doc))
    return str(path)


@pytest.fixture
def data(tmp_path: Path) -> Path:
    write_shard(tmp_path / "train-0.tfrecord")
    write_shard(tmp_path / "eval-0.tfrecord")
    (tmp_path / "label_map.pbtxt").write_text('item { id: 1 name: "person" }\n')
    return tmp_path


def test_keypoint_config_on_plain_data_is_refused_with_the_yaml_fix(data: Path) -> None:
    with pytest.raises(InputError) as raised:
        check_spec(load_spec(_spec(data, {})))
    assert list(raised.value.messages) == [
        "train_input_reader: the config trains with keypoints but the data has none (no "
        f"image/object/keypoint/x in the first records of {data}/train-0.tfrecord); add them "
        "to the data, or drop the keypoint settings in the spec: overrides: "
        "{model.center_net.keypoint_estimation_task: [], model.center_net.keypoint_label_map_"
        'path: "", train_input_reader.num_keypoints: 0, eval_input_reader[0].num_keypoints: 0, '
        "train_config.data_augmentation_options[0].random_horizontal_flip.keypoint_flip_"
        "permutation: [], eval_config.keypoint_edge: []}"
    ]


def test_the_named_yaml_overrides_validate(data: Path) -> None:
    config = check_spec(load_spec(_spec(data, dict(DROP_KEYPOINTS))))
    assert len(config.model.center_net.keypoint_estimation_task) == 0
    assert config.train_input_reader.num_keypoints == 0
