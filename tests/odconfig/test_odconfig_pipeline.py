"""set_data_paths, set_num_train_steps, model_num_classes, warmup_problem, metrics."""

from __future__ import annotations

from typing import Any

import pytest

from odsweep.errors import InputError
from odsweep.odconfig import (
    config_to_text,
    eval_metric_names,
    learning_rate_schedule,
    model_num_classes,
    parse_pipeline_config,
    set_data_paths,
    set_num_train_steps,
    warmup_problem,
)

COCO_BOXES = frozenset(
    "DetectionBoxes_" + s
    for s in (
        "Precision/mAP",
        "Precision/mAP@.50IOU",
        "Precision/mAP@.75IOU",
        "Precision/mAP (small)",
        "Precision/mAP (medium)",
        "Precision/mAP (large)",
        "Recall/AR@1",
        "Recall/AR@10",
        "Recall/AR@100",
        "Recall/AR@100 (small)",
        "Recall/AR@100 (medium)",
        "Recall/AR@100 (large)",
    )
)
SSD_LOSSES = frozenset(
    {
        "Loss/localization_loss",
        "Loss/classification_loss",
        "Loss/regularization_loss",
        "Loss/total_loss",
    }
)


def cosine(config: Any) -> Any:
    return config.train_config.optimizer.momentum_optimizer.learning_rate.cosine_decay_learning_rate


# --- set_data_paths -----------------------------------------------------------------


def test_set_data_paths_replaces_lists_on_every_reader(tiny: Any) -> None:
    set_data_paths(
        tiny,
        train_input="gs://b/train-*.tfrecord",
        eval_input="gs://b/val-*.tfrecord",
        label_map="gs://b/label_map.pbtxt",
    )
    assert list(tiny.train_input_reader.tf_record_input_reader.input_path) == [
        "gs://b/train-*.tfrecord"
    ]
    for reader in tiny.eval_input_reader:
        assert list(reader.tf_record_input_reader.input_path) == ["gs://b/val-*.tfrecord"]
        assert reader.label_map_path == "gs://b/label_map.pbtxt"
    assert tiny.train_input_reader.label_map_path == "gs://b/label_map.pbtxt"


def test_set_data_paths_none_leaves_parts_alone(tiny: Any) -> None:
    set_data_paths(tiny, label_map="lm.pbtxt")
    assert len(tiny.train_input_reader.tf_record_input_reader.input_path) == 2
    assert tiny.eval_input_reader[1].tf_record_input_reader.input_path[0] == "data/holdout.tfrecord"


def test_set_data_paths_refuses_other_input_oneof_and_changes_nothing(tiny: Any) -> None:
    tiny.eval_input_reader[1].external_input_reader.SetInParent()
    before = config_to_text(tiny)
    with pytest.raises(
        InputError,
        match=r"^eval_input_reader\[1\]: reads with 'external_input_reader', not "
        r"'tf_record_input_reader'",
    ):
        set_data_paths(tiny, train_input="t", eval_input="e", label_map="l")
    assert config_to_text(tiny) == before


def test_set_data_paths_creates_tf_record_reader_when_none_is_set(tiny: Any) -> None:
    tiny.ClearField("train_input_reader")
    set_data_paths(tiny, train_input="t.tfrecord")
    assert tiny.train_input_reader.WhichOneof("input_reader") == "tf_record_input_reader"


def test_set_data_paths_eval_without_eval_reader(tiny: Any) -> None:
    tiny.ClearField("eval_input_reader")
    with pytest.raises(InputError, match=r"^eval_input: the base config has no eval_input_reader"):
        set_data_paths(tiny, eval_input="e")


def test_set_data_paths_reports_all_errors(tiny: Any) -> None:
    tiny.ClearField("eval_input_reader")
    with pytest.raises(InputError) as info:
        set_data_paths(tiny, train_input="", eval_input="e", label_map="  ")
    assert len(info.value.messages) == 3


# --- set_num_train_steps ------------------------------------------------------------


def test_set_num_train_steps_updates_cosine_total_steps(tiny: Any) -> None:
    set_num_train_steps(tiny, 120)
    assert tiny.train_config.num_steps == 120
    assert cosine(tiny).total_steps == 120
    assert cosine(tiny).warmup_steps == 30


@pytest.mark.parametrize("optimizer", ["rms_prop_optimizer", "adam_optimizer"])
def test_set_num_train_steps_handles_any_optimizer(optimizer: str) -> None:
    text = (
        f"train_config {{ num_steps: 10 optimizer {{ {optimizer} {{ learning_rate {{ "
        "cosine_decay_learning_rate { total_steps: 10 warmup_steps: 0 } } } } }"
    )
    config = parse_pipeline_config(text, source="t")
    set_num_train_steps(config, 77)
    opt = getattr(config.train_config.optimizer, optimizer)
    assert opt.learning_rate.cosine_decay_learning_rate.total_steps == 77


def test_set_num_train_steps_other_schedules_untouched() -> None:
    text = (
        "train_config { num_steps: 10 optimizer { momentum_optimizer { learning_rate { "
        "manual_step_learning_rate { initial_learning_rate: 0.1 "
        "schedule { step: 5 learning_rate: 0.01 } } } } } }"
    )
    config = parse_pipeline_config(text, source="t")
    before = config.train_config.optimizer.momentum_optimizer.learning_rate.SerializeToString()
    set_num_train_steps(config, 50)
    assert config.train_config.num_steps == 50
    after = config.train_config.optimizer.momentum_optimizer.learning_rate.SerializeToString()
    assert after == before


def test_set_num_train_steps_without_optimizer() -> None:
    config = parse_pipeline_config("", source="t")
    from_katib: Any = "40"  # values arrive as strings from Katib
    set_num_train_steps(config, from_katib)
    assert config.train_config.num_steps == 40


@pytest.mark.parametrize("bad", [0, -5, 2.5, "ten"])
def test_set_num_train_steps_rejects_bad_counts(tiny: Any, bad: Any) -> None:
    with pytest.raises(InputError, match=r"^num_steps: "):
        set_num_train_steps(tiny, bad)
    assert tiny.train_config.num_steps == 300


def test_set_num_train_steps_does_not_clamp_warmup(tiny: Any) -> None:
    set_num_train_steps(tiny, 20)
    assert cosine(tiny).warmup_steps == 30
    problem = warmup_problem(tiny)
    assert problem is not None
    assert problem.startswith(
        "train_config.optimizer.momentum_optimizer.learning_rate.cosine_decay_learning_rate"
        ".warmup_steps: 30 >= total_steps 20"
    )


# --- warmup_problem -----------------------------------------------------------------


def test_no_warmup_problem_on_fixture(tiny: Any) -> None:
    assert warmup_problem(tiny) is None


def test_warmup_equal_to_total_is_a_problem(tiny: Any) -> None:
    cosine(tiny).total_steps = 30
    assert "30 >= total_steps 30" in (warmup_problem(tiny) or "")


def test_zero_warmup_is_never_a_problem(tiny: Any) -> None:
    cosine(tiny).warmup_steps = 0
    cosine(tiny).total_steps = 1
    assert warmup_problem(tiny) is None


def test_default_warmup_steps_count_when_not_written() -> None:
    # An unwritten cosine warmup_steps is 10000 (proto default), which the OD API uses.
    config = parse_pipeline_config(
        "train_config { optimizer { adam_optimizer { learning_rate { "
        "cosine_decay_learning_rate { total_steps: 500 } } } } }",
        source="t",
    )
    assert "warmup_steps: 10000 >= total_steps 500" in (warmup_problem(config) or "")


def test_learning_rate_base_below_warmup_rate_is_a_problem(tiny: Any) -> None:
    cosine(tiny).learning_rate_base = 0.001
    problem = warmup_problem(tiny)
    assert problem is not None
    assert "learning_rate_base: 0.001 < warmup_learning_rate 0.01" in problem
    assert "\n" not in problem


def test_learning_rate_schedule_locates_selected_schedule(tiny: Any) -> None:
    found = learning_rate_schedule(tiny)
    assert found is not None
    path, message = found
    assert path.endswith("momentum_optimizer.learning_rate.cosine_decay_learning_rate")
    assert message.total_steps == 300
    assert learning_rate_schedule(parse_pipeline_config("", source="t")) is None


# --- model_num_classes --------------------------------------------------------------


def test_model_num_classes_ssd(tiny: Any) -> None:
    assert model_num_classes(tiny) == 3


@pytest.mark.parametrize("arch", ["faster_rcnn", "center_net"])
def test_model_num_classes_other_arches(arch: str) -> None:
    config = parse_pipeline_config(f"model {{ {arch} {{ num_classes: 7 }} }}", source="t")
    assert model_num_classes(config) == 7


def test_model_num_classes_errors() -> None:
    with pytest.raises(InputError, match=r"^model: no meta-architecture set"):
        model_num_classes(parse_pipeline_config("", source="t"))
    with pytest.raises(InputError, match=r"^model.experimental_model: has no num_classes"):
        model_num_classes(
            parse_pipeline_config('model { experimental_model { name: "x" } }', source="t")
        )
    with pytest.raises(InputError, match=r"^model.ssd.num_classes: must be >= 1, got 0"):
        model_num_classes(parse_pipeline_config("model { ssd { } }", source="t"))


# --- eval_metric_names --------------------------------------------------------------


def test_eval_metric_names_ssd_coco(tiny: Any) -> None:
    assert eval_metric_names(tiny) == COCO_BOXES | SSD_LOSSES


def test_eval_metric_names_default_metrics_set_is_coco(tiny: Any) -> None:
    tiny.eval_config.ClearField("metrics_set")
    assert eval_metric_names(tiny) == COCO_BOXES | SSD_LOSSES


def test_eval_metric_names_unknown_set_adds_nothing(tiny: Any) -> None:
    tiny.eval_config.ClearField("metrics_set")
    tiny.eval_config.metrics_set.append("my_custom_metrics")
    assert eval_metric_names(tiny) == SSD_LOSSES


def test_eval_metric_names_per_category_not_guessed(tiny: Any) -> None:
    tiny.eval_config.include_metrics_per_category = True
    assert eval_metric_names(tiny) == COCO_BOXES | SSD_LOSSES


def test_eval_metric_names_regularization_needs_a_regularizer(tiny: Any) -> None:
    tiny.train_config.add_regularization_loss = False
    assert "Loss/regularization_loss" not in eval_metric_names(tiny)
    tiny.train_config.add_regularization_loss = True
    tiny.model.ssd.feature_extractor.conv_hyperparams.ClearField("regularizer")
    tiny.model.ssd.box_predictor.convolutional_box_predictor.conv_hyperparams.ClearField(
        "regularizer"
    )
    assert "Loss/regularization_loss" not in eval_metric_names(tiny)


def test_eval_metric_names_mask_and_pascal_sets(tiny: Any) -> None:
    del tiny.eval_config.metrics_set[:]
    tiny.eval_config.metrics_set.extend(
        [
            "coco_mask_metrics",
            "pascal_voc_detection_metrics",
            "weighted_pascal_voc_detection_metrics",
        ]
    )
    names = eval_metric_names(tiny)
    assert "DetectionMasks_Recall/AR@100 (large)" in names
    assert "PascalBoxes_Precision/mAP@0.5IOU" in names
    assert "WeightedPascalBoxes_Precision/mAP@0.5IOU" in names
    assert "DetectionBoxes_Precision/mAP" not in names


def test_eval_metric_names_precision_at_recall(tiny: Any) -> None:
    del tiny.eval_config.metrics_set[:]
    tiny.eval_config.metrics_set.append("precision_at_recall_detection_metrics")
    assert "PrecisionAtRecallBoxes_Precision/mAP@0.5IOU" in eval_metric_names(tiny)
    tiny.eval_config.recall_lower_bound = 0.5
    assert "PrecisionAtRecallBoxes_Precision/mAP@0.5IOU@[0.5,1.0]Recall" in eval_metric_names(tiny)


def test_eval_metric_names_faster_rcnn() -> None:
    config = parse_pipeline_config(
        "model { faster_rcnn { num_classes: 2 first_stage_box_predictor_conv_hyperparams { "
        "regularizer { l2_regularizer { weight: 0.0 } } } } }",
        source="t",
    )
    assert eval_metric_names(config) - COCO_BOXES == {
        "Loss/RPNLoss/localization_loss",
        "Loss/RPNLoss/objectness_loss",
        "Loss/BoxClassifierLoss/localization_loss",
        "Loss/BoxClassifierLoss/classification_loss",
        "Loss/regularization_loss",
        "Loss/total_loss",
    }
    config.model.faster_rcnn.number_of_stages = 1
    assert "Loss/BoxClassifierLoss/localization_loss" not in eval_metric_names(config)


def test_eval_metric_names_mask_rcnn_mask_loss() -> None:
    config = parse_pipeline_config(
        "model { faster_rcnn { num_classes: 2 number_of_stages: 3 second_stage_box_predictor { "
        "mask_rcnn_box_predictor { predict_instance_masks: true } } } }",
        source="t",
    )
    assert "Loss/BoxClassifierLoss/mask_loss" in eval_metric_names(config)


def test_eval_metric_names_center_net() -> None:
    config = parse_pipeline_config(
        "model { center_net { num_classes: 2 object_detection_task { } "
        'keypoint_estimation_task { task_name: "human_pose" } } }',
        source="t",
    )
    assert eval_metric_names(config) - COCO_BOXES == {
        "Loss/object_center",
        "Loss/box/scale",
        "Loss/box/offset",
        "Loss/human_pose/keypoint/heatmap",
        "Loss/human_pose/keypoint/offset",
        "Loss/human_pose/keypoint/regression",
        "Loss/total_loss",
    }


def test_eval_metric_names_unknown_arch_total_loss_only() -> None:
    config = parse_pipeline_config('model { experimental_model { name: "x" } }', source="t")
    assert eval_metric_names(config) - COCO_BOXES == {"Loss/total_loss"}
