"""The knobs of each family, the grid over them and a setting applied to a config (pure)."""

from __future__ import annotations

from typing import Any

import pytest

from odsweep import odconfig
from odsweep.demodata import base_config_path
from odsweep.errors import InputError
from odsweep.postprocess import (
    Knob,
    Setting,
    apply_setting,
    build_grid,
    current_values,
    parse_values,
    supported_knobs,
)


def _ssd() -> Any:
    return odconfig.load_pipeline_config(base_config_path())


def _center_net(with_nms: bool = False) -> Any:
    text = """
    model { center_net {
      num_classes: 3
      object_center_params { max_box_predictions: 50 }
      %s
    } }
    """ % (
        "post_processing { batch_non_max_suppression { score_threshold: 0.1 iou_threshold: 0.5 "
        "max_total_detections: 50 max_detections_per_class: 50 } }"
        if with_nms
        else ""
    )
    return odconfig.parse_pipeline_config(text, source="center_net.config")


def _faster_rcnn() -> Any:
    text = """
    model { faster_rcnn {
      num_classes: 3
      second_stage_post_processing { batch_non_max_suppression {
        score_threshold: 0.0 iou_threshold: 0.6 max_detections_per_class: 100
        max_total_detections: 300 } }
    } }
    """
    return odconfig.parse_pipeline_config(text, source="faster_rcnn.config")


def test_the_ssd_values_are_read_as_written() -> None:
    assert current_values(_ssd()) == {
        Knob.SCORE_THRESHOLD: 1e-8,
        Knob.IOU_THRESHOLD: 0.6,
        Knob.MAX_DETECTIONS_PER_CLASS: 100,
        Knob.MAX_TOTAL_DETECTIONS: 100,
    }


def test_the_default_grid_keeps_the_configs_setting_first() -> None:
    grid = build_grid(_ssd(), {})
    assert grid[0].as_dict() == {
        "score_threshold": 1e-8,
        "iou_threshold": 0.6,
        "max_detections_per_class": 100,
        "max_total_detections": 100,
    }
    scores = sorted({s.as_dict()["score_threshold"] for s in grid})
    ious = sorted({s.as_dict()["iou_threshold"] for s in grid})
    assert scores == [1e-8, 0.05, 0.3, 0.5] and ious == [0.5, 0.6]
    assert len(grid) == 8 and [s.name for s in grid][:3] == ["s00", "s01", "s02"]


def test_per_class_above_total_is_clamped_and_kept_once() -> None:
    grid = build_grid(
        _ssd(),
        {
            Knob.SCORE_THRESHOLD: (0.3,),
            Knob.IOU_THRESHOLD: (0.6,),
            Knob.MAX_DETECTIONS_PER_CLASS: (100, 5),
            Knob.MAX_TOTAL_DETECTIONS: (5,),
        },
    )
    assert [s.as_dict()["max_detections_per_class"] for s in grid] == [5]


def test_a_setting_changes_only_post_processing() -> None:
    base = _ssd()
    setting = Setting("s01", ((Knob.SCORE_THRESHOLD, 0.4), (Knob.MAX_TOTAL_DETECTIONS, 7)))
    tuned = apply_setting(base, setting)
    nms = tuned.model.ssd.post_processing.batch_non_max_suppression
    assert nms.score_threshold == pytest.approx(0.4) and nms.max_total_detections == 7
    assert base.model.ssd.post_processing.batch_non_max_suppression.max_total_detections == 100
    tuned.model.ssd.ClearField("post_processing")
    base.model.ssd.ClearField("post_processing")
    assert tuned == base


def test_faster_rcnn_tunes_its_second_stage() -> None:
    config = _faster_rcnn()
    assert supported_knobs(config) == tuple(Knob)
    tuned = apply_setting(config, Setting("s01", ((Knob.IOU_THRESHOLD, 0.4),)))
    stage = tuned.model.faster_rcnn.second_stage_post_processing.batch_non_max_suppression
    assert stage.iou_threshold == pytest.approx(0.4)


def test_center_net_has_only_max_box_predictions() -> None:
    config = _center_net()
    assert supported_knobs(config) == (Knob.MAX_TOTAL_DETECTIONS,)
    grid = build_grid(config, {Knob.MAX_TOTAL_DETECTIONS: (10, 50)})
    tuned = apply_setting(config, grid[0])
    assert tuned.model.center_net.object_center_params.max_box_predictions == 10


def test_center_net_refuses_nms_knobs_it_lacks() -> None:
    with pytest.raises(
        InputError,
        match=r"^--score-threshold: CenterNet \(center_net\) has no NMS stage in this config; "
        r"tune --max-total-detections \(object_center_params.max_box_predictions\) instead$",
    ):
        build_grid(_center_net(), {Knob.SCORE_THRESHOLD: (0.3,)})


def test_center_net_with_its_optional_nms_stage_tunes_it() -> None:
    config = _center_net(with_nms=True)
    assert Knob.SCORE_THRESHOLD in supported_knobs(config)
    tuned = apply_setting(config, Setting("s", ((Knob.SCORE_THRESHOLD, 0.25),)))
    nms = tuned.model.center_net.post_processing.batch_non_max_suppression
    assert nms.score_threshold == pytest.approx(0.25)


def test_another_family_is_refused() -> None:
    config = odconfig.parse_pipeline_config("model { }", source="empty.config")
    with pytest.raises(
        InputError, match=r"^model: post-processing tuning supports ssd, faster_rcnn, center_net"
    ):
        build_grid(config, {})


@pytest.mark.parametrize(
    ("knob", "text", "message"),
    [
        (Knob.SCORE_THRESHOLD, "0.3,1.5", r"^--score-threshold: 1.5 is outside \[0, 1\); "),
        (Knob.IOU_THRESHOLD, "0", r"^--iou-threshold: 0.0 is outside \(0, 1\]; "),
        (Knob.MAX_TOTAL_DETECTIONS, "2.5", r"^--max-total-detections: 2.5 is not a whole number"),
        (Knob.MAX_DETECTIONS_PER_CLASS, "0", r"^--max-detections-per-class: 0.0 is not a whole"),
        (Knob.SCORE_THRESHOLD, "low", r"^--score-threshold: 'low' is not a number; "),
        (Knob.SCORE_THRESHOLD, "0.3,", r"^--score-threshold: '0.3,' is not a comma-separated"),
        (Knob.SCORE_THRESHOLD, "nan", r"^--score-threshold: nan is not a finite number"),
    ],
)
def test_bad_values_are_refused(knob: Knob, text: str, message: str) -> None:
    with pytest.raises(InputError, match=message):
        parse_values(knob, text)


def test_values_parse_in_order_without_repeats() -> None:
    assert parse_values(Knob.SCORE_THRESHOLD, "0.05, 0.3,0.05") == (0.05, 0.3)
    assert parse_values(Knob.MAX_TOTAL_DETECTIONS, "100,1") == (100, 1)


def test_a_grid_on_one_line() -> None:
    from odsweep.postprocess import parse_grid

    assert parse_grid("default", key="p") == {}
    assert parse_grid("score_threshold=0.05,0.3; max_total_detections=1,100", key="p") == {
        Knob.SCORE_THRESHOLD: (0.05, 0.3),
        Knob.MAX_TOTAL_DETECTIONS: (1, 100),
    }


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("nms=0.5", r"^p: 'nms=0.5' is not KNOB=V\[,V...\] with KNOB one of score_threshold, "),
        ("score_threshold", r"^p: 'score_threshold' is not KNOB=V"),
        ("iou_threshold=2", r"^p: iou_threshold: 2.0 is outside \(0, 1\]; give an IoU such as"),
        ("iou_threshold=0.5;iou_threshold=0.4", r"^p: iou_threshold given twice; give each"),
    ],
)
def test_a_bad_grid_line_is_refused(text: str, message: str) -> None:
    from odsweep.postprocess import parse_grid

    with pytest.raises(InputError, match=message):
        parse_grid(text, key="p")
