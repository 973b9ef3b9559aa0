"""The winner's sections of the report: per-class AP, detections, Pareto plots.

Built from hand-made ``result.json``/``best.json`` files read back through the real
readers; the plot tests check the data handed to the plot, not pixels.
"""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest
from PIL import Image
from tests.report.report_fixtures import METRIC

from odsweep.report import build_report
from odsweep.report._detections import MAX_DRAWN, draw_sample
from odsweep.report._pareto import pareto_data, parse_selection, trial_metric
from odsweep.report._per_class import per_class_ap
from odsweep.results import (
    PER_CATEGORY_AP_PREFIX,
    Box,
    DetectionSample,
    EvalRecord,
    ObjectiveType,
    WinnerDetections,
    read_detections,
    serving_record,
    trial_results,
    write_detections,
)

LATENCY = "Serving/latency_p50_ms"
SIZE = "Serving/model_size_mb"
AP = PER_CATEGORY_AP_PREFIX


def _result(
    name: str,
    value: float,
    *,
    extra: dict[str, Any] | None = None,
    metrics: dict[str, float] | None = None,
) -> dict[str, Any]:
    evals = [
        {"step": 10, "checkpoint": f"/r/{name}/ckpt-1", "metrics": {METRIC: value / 2}},
        {
            "step": 20,
            "checkpoint": f"/r/{name}/ckpt-2",
            "metrics": {METRIC: value, **(metrics or {})},
        },
    ]
    doc = {
        "trial": name,
        "params": {"lr": 0.1},
        "status": "succeeded",
        "metric": METRIC,
        "objective": "maximize",
        "seed": 1,
        "evals": evals,
        "best": {"step": 20, "checkpoint": f"/r/{name}/best/ckpt-2", "value": value},
        "error": None,
    }
    doc.update(extra or {})
    return doc


def _write_trials(out: Path, docs: list[dict[str, Any]]) -> None:
    for doc in docs:
        folder = out / "trials" / doc["trial"]
        folder.mkdir(parents=True)
        (folder / "result.json").write_text(json.dumps(doc))


PER_CLASS = {
    f"{AP}traffic light": 0.25,
    f"{AP}<script>|x": 0.5,
    f"{AP}cat": 0.125,
    f"{AP}unicorn": -1.0,  # no ground truth in the eval set
}


def _build(out: Path, best: str, **kwargs: Any) -> Any:
    return build_report(
        title="t",
        results=trial_results(str(out)),
        metric=METRIC,
        direction=ObjectiveType.MAXIMIZE,
        param_scales={"lr": "log"},
        best_trial=best,
        **kwargs,
    )


def test_per_class_table_and_chart_of_the_winners_best_checkpoint(tmp_path: Path) -> None:
    _write_trials(tmp_path, [_result("t-1", 0.4, metrics=PER_CLASS), _result("t-2", 0.3)])
    report = _build(tmp_path, "t-1")
    assert "per_class_ap" in report.images
    md = report.markdown
    rows = [line for line in md.splitlines() if line.startswith("| ") and line.endswith("0 |")]
    assert rows[:3] == [
        r"| \<script\>\|x | 0.5000 |",
        "| traffic light | 0.2500 |",
        "| cat | 0.1250 |",
    ]
    assert "| unicorn | no ground truth — |" in md
    assert "(step 20)" in md and "report_files/per_class_ap.png" in md
    assert "<td>&lt;script&gt;|x</td>" in report.html and "<script>|x" not in report.html


def test_per_class_section_says_why_when_the_eval_recorded_none(tmp_path: Path) -> None:
    _write_trials(tmp_path, [_result("t-1", 0.4)])
    report = _build(tmp_path, "t-1")
    assert "per_class_ap" not in report.images
    assert "the eval at step 20 recorded no per-class AP" in report.markdown


def test_per_class_ap_order_and_missing_values() -> None:
    record = EvalRecord(20, "c", {**PER_CLASS, METRIC: 0.4, f"{AP}nan": float("nan")})
    assert per_class_ap(record) == [
        ("<script>|x", 0.5),
        ("traffic light", 0.25),
        ("cat", 0.125),
        ("nan", None),
        ("unicorn", None),
    ]


# -- Pareto ---------------------------------------------------------------------------

# Accuracy against latency: t-1 best mAP but slow, t-3 fast, t-2 dominated by t-1 and t-3.
TRIALS = [
    _result("t-1", 0.40, extra={"serving": serving_record({LATENCY: 50.0, SIZE: 9.0}, {}, None)}),
    _result("t-2", 0.20, extra={"serving": serving_record({LATENCY: 60.0, SIZE: 9.0}, {}, None)}),
    _result("t-3", 0.30, metrics={LATENCY: 20.0, SIZE: 4.0}),  # read from the eval metrics
    _result("t-4", 0.10, extra={"serving": serving_record({LATENCY: 10.0}, {}, None)}),
]
BEST = {
    "trial": "t-3",
    "step": 20,
    "tradeoffs": [
        {"objectiveMetricName": LATENCY, "type": "minimize"},
        {"objectiveMetricName": SIZE, "type": "minimize"},
    ],
    "pareto": [
        {
            "trial": "t-3",
            "step": 20,
            "params": {},
            "metrics": {METRIC: 0.3, LATENCY: 20.0, SIZE: 4.0},
        },
        {
            "trial": "t-1",
            "step": 20,
            "params": {},
            "metrics": {METRIC: 0.4, LATENCY: 50.0, SIZE: 9.0},
        },
        {"trial": "t-4", "step": 20, "params": {}, "metrics": {METRIC: 0.1, LATENCY: 10.0}},
    ],
    "constraints": [{"metricName": LATENCY, "max": 40.0}, {"metricName": METRIC, "min": 0.15}],
}


def test_trial_metric_reads_eval_metrics_then_serving(tmp_path: Path) -> None:
    _write_trials(tmp_path, TRIALS)
    by_name = {r.trial: r for r in trial_results(str(tmp_path))}
    assert trial_metric(by_name["t-1"], LATENCY) == 50.0
    assert trial_metric(by_name["t-3"], LATENCY) == 20.0
    assert trial_metric(by_name["t-4"], LATENCY) == 10.0
    assert trial_metric(by_name["t-4"], SIZE) is None


def test_pareto_plot_data_front_is_best_json_pareto_set(tmp_path: Path) -> None:
    _write_trials(tmp_path, TRIALS)
    (tmp_path / "best.json").write_text(json.dumps(BEST))
    selection = parse_selection(json.loads((tmp_path / "best.json").read_text()))
    assert selection is not None
    results = trial_results(str(tmp_path))
    scored = [(r, r.best) for r in results]
    latency = pareto_data(scored, selection, selection.tradeoffs[0], METRIC, "t-3")
    assert latency.front == (("t-4", 10.0, 0.1), ("t-3", 20.0, 0.3), ("t-1", 50.0, 0.4))
    assert {p[0] for p in latency.front} == {p["trial"] for p in BEST["pareto"]}
    assert sorted((t, x, y) for t, x, y, _ in latency.points) == [
        ("t-1", 50.0, 0.4),
        ("t-2", 60.0, 0.2),
        ("t-3", 20.0, 0.3),
        ("t-4", 10.0, 0.1),
    ]
    assert latency.winner == ("t-3", 20.0, 0.3)
    assert latency.x_limits == (("max", 40.0),) and latency.y_limits == (("min", 0.15),)
    size = pareto_data(scored, selection, selection.tradeoffs[1], METRIC, "t-3")
    assert size.front == (("t-3", 4.0, 0.3), ("t-1", 9.0, 0.4))  # t-4 has no size
    assert size.x_limits == () and size.y_limits == (("min", 0.15),)


def test_report_has_one_pareto_plot_per_tradeoff(tmp_path: Path) -> None:
    _write_trials(tmp_path, TRIALS)
    report = _build(tmp_path, "t-3", selection=BEST)
    names = sorted(n for n in report.images if n.startswith("pareto_"))
    assert names == ["pareto_1_serving_latency_p50_ms", "pareto_2_serving_model_size_mb"]
    assert f"### Pareto front: {METRIC} against {LATENCY}" in report.markdown
    assert "report_files/pareto_1_serving_latency_p50_ms.png" in report.markdown


def test_old_best_json_without_tradeoffs_has_no_pareto_plot(tmp_path: Path) -> None:
    _write_trials(tmp_path, TRIALS)
    old = {k: v for k, v in BEST.items() if k not in ("tradeoffs", "pareto", "constraints")}
    report = _build(tmp_path, "t-3", selection=old)
    assert not [n for n in report.images if n.startswith("pareto")]
    assert "Pareto" not in report.markdown


def test_malformed_pareto_entry_is_named() -> None:
    bad = {**BEST, "pareto": [{"trial": "t-1", "step": "x", "metrics": {}}]}
    with pytest.raises(ValueError, match=r"best.json: pareto\[0\]: malformed"):
        parse_selection(bad)
    both = {**BEST, "constraints": [{"metricName": LATENCY, "max": 1, "min": 0}]}
    with pytest.raises(ValueError, match=r"best.json: constraints\[0\]: malformed"):
        parse_selection(both)


# -- detections -----------------------------------------------------------------------


def _png(width: int, height: int) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (40, 90, 140)).save(buffer, format="PNG")
    return buffer.getvalue()


def _record(trial: str = "t-1", export: str = "/m/1") -> WinnerDetections:
    sample = DetectionSample(
        image=_png(64, 48),
        truth=(Box(0.1, 0.1, 0.5, 0.6, "traffic light"),),
        predicted=(
            Box(0.12, 0.1, 0.5, 0.62, "traffic light", 0.91),
            Box(0.6, 0.6, 0.9, 0.9, "cat", 0.35),
        ),
    )
    empty = DetectionSample(image=_png(30, 60), truth=(), predicted=())
    return WinnerDetections(trial, 20, export, 0.3, (sample, empty))


def test_detections_record_round_trips(tmp_path: Path) -> None:
    record = _record()
    write_detections(str(tmp_path), record)
    assert read_detections(str(tmp_path)) == record
    assert read_detections(str(tmp_path / "none")) is None


def test_detection_images_are_drawn_side_by_side(tmp_path: Path) -> None:
    _write_trials(tmp_path, [_result("t-1", 0.4)])
    report = _build(tmp_path, "t-1", detections=_record())
    assert sorted(n for n in report.images if n.startswith("detections_")) == [
        "detections_1",
        "detections_2",
    ]
    with Image.open(io.BytesIO(report.images["detections_1"])) as image:
        assert image.size == (2 * 360 + 10, 270 + 22)  # two 360x270 panels and a header
    assert "![Eval image 1: ground truth (1 boxes)" in report.markdown
    assert "report_files/detections_2.png" in report.markdown
    assert "(2 boxes with score &gt;= 0.3)" in report.html
    assert draw_sample(_record().samples[0], 0.3) == report.images["detections_1"]


def test_only_the_most_confident_boxes_are_drawn(tmp_path: Path) -> None:
    # MAX_DRAWN confident boxes top left, 5 weaker ones bottom right: those are left out.
    strong = [Box(0.1, 0.1, 0.2, 0.2, "cat", 0.9) for _ in range(MAX_DRAWN)]
    weak = [Box(0.7, 0.7, 0.9, 0.9, "cat", 0.31) for _ in range(5)]
    crowded = DetectionSample(image=_png(64, 48), truth=(), predicted=(*weak, *strong))
    record = WinnerDetections("t-1", 20, "/m/1", 0.3, (crowded,))
    _write_trials(tmp_path, [_result("t-1", 0.4)])
    report = _build(tmp_path, "t-1", detections=record)
    assert f"(the top {MAX_DRAWN} of {MAX_DRAWN + 5} boxes with score" in report.markdown
    with Image.open(io.BytesIO(report.images["detections_1"])) as image:
        rgb = image.convert("RGB")
        left = 360 + 10  # the predictions panel
        # On the left edge of a weak box: background; on a strong box's edge: drawn.
        assert rgb.getpixel((left + round(0.7 * 360), 22 + round(0.8 * 270))) == (40, 90, 140)
        assert rgb.getpixel((left + round(0.1 * 360), 22 + round(0.15 * 270))) != (40, 90, 140)


def test_without_export_the_report_says_so(tmp_path: Path) -> None:
    _write_trials(tmp_path, [_result("t-1", 0.4)])
    report = _build(tmp_path, "t-1", detections_note="no export of the winner")
    assert not [n for n in report.images if n.startswith("detections_")]
    assert "## Winner: detections on eval images\n\n*no export of the winner*" in report.markdown
    assert '<p class="nodata">no export of the winner</p>' in report.html
