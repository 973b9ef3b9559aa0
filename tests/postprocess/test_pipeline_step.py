"""The pipeline's ``tune_postprocess`` parameter is checked against the spec's model before
any compute (pure: no TensorFlow)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from odsweep.errors import InputError
from odsweep.pipeline._postprocess_step import check_grid
from odsweep.spec import load_spec

REPO = Path(__file__).resolve().parents[2]


def test_a_good_grid_passes() -> None:
    spec = load_spec(str(REPO / "search_spaces" / "demo.yaml"))
    check_grid(spec, "default")
    check_grid(spec, "score_threshold=0.05,0.5;max_total_detections=1,100")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("score=0.3", r"^tune_postprocess: 'score=0.3' is not KNOB=V\[,V...\] with KNOB one of "),
        ("score_threshold=1", r"^tune_postprocess: score_threshold: 1.0 is outside \[0, 1\); "),
    ],
)
def test_a_bad_grid_names_the_parameter(text: str, message: str) -> None:
    spec = load_spec(str(REPO / "search_spaces" / "demo.yaml"))
    with pytest.raises(InputError, match=message):
        check_grid(spec, text)


def test_a_knob_the_family_lacks_names_the_parameter(tmp_path: Path) -> None:
    config = tmp_path / "center_net.config"
    config.write_text("model { center_net { num_classes: 3 } }\n")
    spec = replace(
        load_spec(str(REPO / "search_spaces" / "demo.yaml")), pipeline_config_path=str(config)
    )
    with pytest.raises(
        InputError,
        match=r"^tune_postprocess: iou_threshold: CenterNet \(center_net\) has no NMS stage in "
        r"this config; tune max_total_detections \(object_center_params.max_box_predictions\)",
    ):
        check_grid(spec, "iou_threshold=0.5")


def test_the_specs_export_constraints_apply() -> None:
    from odsweep.postprocess import spec_constraints
    from odsweep.results import Constraint

    demo = load_spec(str(REPO / "search_spaces" / "demo.yaml"))
    spec = replace(
        demo,
        export=replace(
            demo.export,
            constraints=(
                Constraint("Serving/latency_p50_ms", 40.0, upper=True),
                Constraint("DetectionBoxes_Recall/AR@100", 0.2, upper=False),
            ),
        ),
    )
    assert spec_constraints(spec) == (
        Constraint("Serving/latency_p50_ms", 40.0, upper=True),
        Constraint("DetectionBoxes_Recall/AR@100", 0.2, upper=False),
    )
    assert spec_constraints(demo) == ()
