"""What ``odsweep init`` writes, on small configs (no data checks: pure)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from odsweep.demodata import base_config_path
from odsweep.errors import InputError
from odsweep.init import InitRequest, draft_spec
from odsweep.init._render import number
from odsweep.spec import load_spec
from tests.zoo import PERSON_KEYPOINTS_LABEL_MAP, zoo_config

LABELS = 'item { id: 1 name: "a" }\nitem { id: 2 name: "b" }\n'


def _params(text: str) -> dict[str, dict[str, object]]:
    doc = yaml.safe_load(text)
    return {p["name"]: p for p in doc["spec"]["parameters"]}


@pytest.mark.parametrize(
    ("value", "text"), [(1e-8, "1.0e-08"), (0.08, "0.08"), (4e-05, "4.0e-05"), (3, "3")]
)
def test_numbers_read_back_as_numbers(value: float, text: str) -> None:
    assert number(value) == text
    assert yaml.safe_load(f"x: {text}")["x"] == value


def test_ranges_are_centred_on_the_configs_values_with_a_comment(tmp_path: Path) -> None:
    labels = tmp_path / "labels.pbtxt"
    labels.write_text(LABELS)
    draft = draft_spec(
        InitRequest(
            str(zoo_config("ssd_mobilenet_fpnlite").path),
            train_input=str(tmp_path / "t-*.tfrecord"),
            eval_input=str(tmp_path / "e.tfrecord"),
            label_map=str(labels),
            output=str(tmp_path / "spec.yaml"),
        )
    )
    params = _params(draft.text)
    # learning_rate_base 0.08 with warmup_learning_rate 0.026666: x3 either side.
    assert params["learning_rate"]["feasibleSpace"] == {
        "min": 0.02667,
        "max": 0.24,
        "distribution": "logUniform",
    }
    assert params["batch_size"]["feasibleSpace"] == {"list": [64, 128, 256]}
    assert params["focal_gamma"]["feasibleSpace"] == {"min": 1.0, "max": 3.0}
    assert params["warmup_steps"]["feasibleSpace"] == {"min": 500, "max": 2000}
    assert "    # The config's learning_rate_base is 0.08; x3 either side" in draft.text
    doc = yaml.safe_load(draft.text)
    assert doc["spec"]["overrides"] == {"model.ssd.num_classes": 2}
    assert doc["spec"]["labelMapPath"] == "labels.pbtxt"
    assert doc["spec"]["pipelineConfigPath"].endswith("ssd_mobilenet_v2_fpnlite_320x320.config")
    assert "  # cluster:\n  #   image: REGISTRY/odsweep:TAG\n" in draft.text
    assert "cluster" not in doc["spec"]
    # The YAML passes the spec loader as written (the data checks are the zoo tests').
    (tmp_path / "spec.yaml").write_text(draft.text)
    spec = load_spec(str(tmp_path / "spec.yaml"))
    assert spec.algorithm.name.value == "multivariate-tpe"
    assert len(spec.parameters) == len(draft.parameters)


def test_short_trials_shorten_a_long_warmup() -> None:
    draft = draft_spec(InitRequest(str(base_config_path()), num_train_steps=20))
    doc = yaml.safe_load(draft.text)
    lr = "train_config.optimizer.momentum_optimizer.learning_rate.cosine_decay_learning_rate"
    assert doc["spec"]["numTrainSteps"] == 20
    assert doc["spec"]["checkpointEveryNSteps"] == 4
    assert doc["spec"]["overrides"] == {f"{lr}.warmup_steps": 2}
    assert "warmup_steps" not in draft.parameters  # fixed, so not searched
    assert "  # trainInputPath: DATA/train-*.tfrecord   # not given (--train-input): set it\n" in (
        draft.text
    )


def test_keypoint_tasks_are_kept_with_a_keypoint_label_map() -> None:
    draft = draft_spec(
        InitRequest(
            str(zoo_config("centernet_keypoints").path),
            label_map=str(PERSON_KEYPOINTS_LABEL_MAP),
        )
    )
    overrides = yaml.safe_load(draft.text)["spec"]["overrides"]
    assert overrides["model.center_net.keypoint_label_map_path"] == str(PERSON_KEYPOINTS_LABEL_MAP)
    assert "model.center_net.keypoint_estimation_task" not in overrides
    assert "keypoint_regression_weight" in draft.parameters


def test_keypoint_tasks_are_dropped_with_a_plain_label_map(tmp_path: Path) -> None:
    labels = tmp_path / "labels.pbtxt"
    labels.write_text(LABELS)
    draft = draft_spec(
        InitRequest(str(zoo_config("centernet_keypoints").path), label_map=str(labels))
    )
    overrides = yaml.safe_load(draft.text)["spec"]["overrides"]
    flip = "train_config.data_augmentation_options[0].random_horizontal_flip"
    assert overrides == {
        "model.center_net.num_classes": 2,
        "model.center_net.keypoint_estimation_task": [],
        "model.center_net.keypoint_label_map_path": "",
        "train_input_reader.num_keypoints": 0,
        "eval_input_reader[0].num_keypoints": 0,
        f"{flip}.keypoint_flip_permutation": [],
        "eval_config.keypoint_edge": [],
    }
    assert "keypoint_regression_weight" not in draft.parameters
    assert draft.notes == (
        "keypoint task(s) human_pose dropped: the label map defines no keypoints",
    )
    assert "#   - keypoint task(s) human_pose dropped" in draft.text


def test_without_a_label_map_keypoints_are_kept_with_a_note() -> None:
    draft = draft_spec(InitRequest(str(zoo_config("centernet_keypoints").path)))
    assert draft.notes[0].startswith("keypoint task(s) human_pose kept: they need keypoint")


def test_google_readers_need_the_data_paths() -> None:
    path = zoo_config("centernet_google_reader").path
    with pytest.raises(InputError, match=r"give the data paths \(spec\.trainInputPath or "):
        draft_spec(InitRequest(str(path)))


def test_an_unknown_meta_architecture_gets_a_minimal_space(tmp_path: Path) -> None:
    config = tmp_path / "custom.config"
    config.write_text(
        'model { experimental_model { name: "mine" } }\n'
        "train_config { batch_size: 6 num_steps: 1000 optimizer { adam_optimizer {\n"
        "  learning_rate { constant_learning_rate { learning_rate: 0.001 } } } } }\n"
    )
    draft = draft_spec(InitRequest(str(config)))
    assert draft.parameters == ("learning_rate", "batch_size")
    assert draft.notes == (
        "meta-architecture 'experimental_model' is not one odsweep init knows (ssd, "
        "faster_rcnn, center_net): only the learning rate and batch size are searched; add "
        "its own knobs under parameters",
    )
    assert _params(draft.text)["batch_size"]["feasibleSpace"] == {"list": [3, 6, 12]}


def test_a_step_count_below_one_is_refused() -> None:
    with pytest.raises(InputError, match=r"^--num-train-steps: must be >= 1, got 0; give"):
        draft_spec(InitRequest(str(base_config_path()), num_train_steps=0))
