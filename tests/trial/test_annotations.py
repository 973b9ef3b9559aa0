"""Pre-flight refuses keypoint / mask training on data without them, naming the fix."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from odsweep import odconfig
from odsweep.demodata import write_demo_dataset
from odsweep.errors import InputError
from odsweep.trial.annotations import check_annotations, keypoint_fix, mask_fix
from odsweep.trial.prepare import preflight
from tests.tfrecords import write_shard

CENTERNET = """
model {{ center_net {{
  num_classes: 3
  feature_extractor {{ type: "resnet_v1_18_fpn" }}
  image_resizer {{ fixed_shape_resizer {{ height: 128 width: 128 }} }}
  object_center_params {{ object_center_loss_weight: 1.0 }}
  keypoint_label_map_path: "{labels}"
  keypoint_estimation_task {{ task_name: "human_pose" keypoint_class_name: "c1" }}
}} }}
train_config {{ batch_size: 2 num_steps: 10
  data_augmentation_options {{ random_horizontal_flip {{}} }} }}
train_input_reader {{
  label_map_path: "{labels}"
  tf_record_input_reader {{ input_path: "{data}/train-*.tfrecord" }}
  num_keypoints: 17
}}
eval_input_reader {{
  label_map_path: "{labels}"
  tf_record_input_reader {{ input_path: "{data}/eval-*.tfrecord" }}
}}
"""
MASK_RCNN = """
model {{ faster_rcnn {{
  number_of_stages: 3
  num_classes: 3
  second_stage_box_predictor {{ mask_rcnn_box_predictor {{ predict_instance_masks: true }} }}
}} }}
train_config {{ batch_size: 2 num_steps: 10 }}
train_input_reader {{
  label_map_path: "{labels}"
  tf_record_input_reader {{ input_path: "{data}/train-*.tfrecord" }}
  load_instance_masks: true
  mask_type: PNG_MASKS
}}
eval_config {{ metrics_set: "coco_detection_metrics" metrics_set: "coco_mask_metrics"
  eval_instance_masks: true }}
eval_input_reader {{
  label_map_path: "{labels}"
  tf_record_input_reader {{ input_path: "{data}/eval-*.tfrecord" }}
  load_instance_masks: true
  mask_type: PNG_MASKS
}}
"""


def _labels(folder: Path) -> Path:
    path = folder / "label_map.pbtxt"
    path.write_text("".join(f'item {{ id: {i} name: "c{i}" }}\n' for i in (1, 2, 3)))
    return path


@pytest.fixture
def plain(tmp_path: Path) -> Path:
    """Boxes only: no keypoints, no masks."""
    write_shard(tmp_path / "train-00000-of-00001.tfrecord")
    write_shard(tmp_path / "eval-00000-of-00001.tfrecord")
    _labels(tmp_path)
    return tmp_path


def _config(template: str, data: Path) -> Any:
    text = template.format(data=data, labels=data / "label_map.pbtxt")
    return odconfig.parse_pipeline_config(text, source="test.config")


def test_keypoint_config_on_data_without_keypoints_names_the_override(plain: Path) -> None:
    config = _config(CENTERNET, plain)
    with pytest.raises(InputError) as raised:
        preflight(config)
    assert list(raised.value.messages) == [
        "train_input_reader: the config trains with keypoints but the data has none (no "
        f"image/object/keypoint/x in the first records of {plain}/train-00000-of-00001.tfrecord)"
        "; add them to the data, or drop the keypoint settings in the spec: overrides: "
        "{model.center_net.keypoint_estimation_task: [], model.center_net.keypoint_label_map_"
        'path: "", train_input_reader.num_keypoints: 0}'
    ]


def test_the_named_override_makes_the_keypoint_config_pass(plain: Path) -> None:
    config = _config(CENTERNET, plain)
    fixed = odconfig.apply_overrides(config, keypoint_fix(config))
    assert len(fixed.model.center_net.keypoint_estimation_task) == 0
    assert fixed.train_input_reader.num_keypoints == 0
    preflight(fixed)  # nothing left to refuse


def test_only_num_keypoints_in_the_reader_is_caught_too(plain: Path) -> None:
    # The zoo's center_net_resnet101_v1_fpn config: no task, but num_keypoints: 17.
    config = _config(CENTERNET, plain)
    del config.model.center_net.keypoint_estimation_task[:]
    config.model.center_net.keypoint_label_map_path = ""
    assert check_annotations(config) == [
        "train_input_reader: the config trains with keypoints but the data has none (no "
        f"image/object/keypoint/x in the first records of {plain}/train-00000-of-00001.tfrecord)"
        "; add them to the data, or drop the keypoint settings in the spec: overrides: "
        "{train_input_reader.num_keypoints: 0}"
    ]


def test_mask_config_on_data_without_masks_names_the_override(plain: Path) -> None:
    config = _config(MASK_RCNN, plain)
    assert check_annotations(config) == [
        "train_input_reader: the config trains with instance masks but the data has none (no "
        f"image/object/mask in the first records of {plain}/train-00000-of-00001.tfrecord); "
        "add them to the data, or drop the mask settings in the spec: overrides: "
        "{model.faster_rcnn.number_of_stages: 2, model.faster_rcnn.second_stage_box_predictor."
        "mask_rcnn_box_predictor.predict_instance_masks: false, train_input_reader."
        "load_instance_masks: false, eval_input_reader[0].load_instance_masks: false, "
        'eval_config.eval_instance_masks: false, eval_config.metrics_set: ["coco_detection_'
        'metrics"]}'
    ]
    fixed = odconfig.apply_overrides(config, mask_fix(config))
    assert check_annotations(fixed) == []


@pytest.mark.tf
def test_the_demo_data_has_masks_and_passes(tmp_path: Path) -> None:
    write_demo_dataset(tmp_path, num_train=2, num_eval=1, image_size=32)
    assert check_annotations(_config(MASK_RCNN, tmp_path)) == []
    # ... but no keypoints.
    assert len(check_annotations(_config(CENTERNET, tmp_path))) == 1
