from __future__ import annotations

import io
import math
import re

import pytest

from odsweep.results import (
    METRICS_FORMAT,
    format_metric_lines,
    is_per_category,
    is_reportable_name,
    parse_metric_lines,
    write_metric_lines,
)
from tests.katib_emulation import collect

COCO = [
    "DetectionBoxes_Precision/mAP",
    "DetectionBoxes_Precision/mAP@.50IOU",
    "DetectionBoxes_Precision/mAP@.75IOU",
    "DetectionBoxes_Precision/mAP (small)",
    "DetectionBoxes_Precision/mAP (medium)",
    "DetectionBoxes_Precision/mAP (large)",
    "DetectionBoxes_Recall/AR@1",
    "DetectionBoxes_Recall/AR@10",
    "DetectionBoxes_Recall/AR@100",
    "DetectionBoxes_Recall/AR@100 (small)",
    "DetectionBoxes_Recall/AR@100 (medium)",
    "DetectionBoxes_Recall/AR@100 (large)",
    "Loss/localization_loss",
    "Loss/classification_loss",
    "Loss/regularization_loss",
    "Loss/total_loss",
]
TS = "2026-11-26T10:00:00Z"


def test_format_has_exactly_two_groups() -> None:
    assert re.compile(METRICS_FORMAT).groups == 2


def test_every_coco_name_round_trips() -> None:
    metrics = {name: 0.25 + i / 100 for i, name in enumerate(COCO)}
    lines = format_metric_lines(metrics, timestamp=TS)
    assert len(lines) == len(COCO)
    parsed = {name: value for _, name, value in parse_metric_lines(lines)}
    assert parsed == metrics


def test_line_shape() -> None:
    (line,) = format_metric_lines({"DetectionBoxes_Precision/mAP": 0.31}, timestamp=TS)
    assert line == "2026-11-26T10:00:00Z DetectionBoxes_Precision/mAP=0.31"


def test_non_finite_values_are_not_printed() -> None:
    lines = format_metric_lines(
        {"a": math.nan, "b": math.inf, "c": -math.inf, "d": -1.0}, timestamp=TS
    )
    assert lines == [f"{TS} d=-1.0"]


@pytest.mark.parametrize(
    "name",
    ["a=b", "has  two spaces", "trailing ", " leading", "1starts_with_digit", "traffic light"],
)
def test_uncapturable_names_are_refused(name: str) -> None:
    assert not is_reportable_name(name)
    assert format_metric_lines({name: 1.0}, timestamp=TS) == []


def test_katib_collector_reads_every_metric_with_its_timestamp() -> None:
    metrics = {name: 0.5 for name in COCO}
    lines = ["some log line", *format_metric_lines(metrics, timestamp=TS), "Loss/total_loss is low"]
    got = collect(lines, COCO, METRICS_FORMAT)
    assert sorted(name for _, name, _ in got) == sorted(COCO)
    assert {ts for ts, _, _ in got} == {TS}


def test_katib_default_filter_would_lose_the_names() -> None:
    # Why odsweep ships its own metricsFormat (FINDINGS.md): the default keeps "mAP".
    default = r"([\w|-]+)\s*=\s*([+-]?\d*(\.\d+)?([Ee][+-]?\d+)?)"
    got = collect([f"{TS} DetectionBoxes_Precision/mAP=0.4"], COCO, default)
    assert got == []


def test_value_needs_a_digit() -> None:
    assert parse_metric_lines([f"{TS} mAP=."]) == []
    assert parse_metric_lines([f"{TS} mAP=-.5e-3"]) == [(TS, "mAP", -0.0005)]


def test_write_metric_lines_prints_the_formatted_lines_and_returns_them() -> None:
    out = io.StringIO()
    lines = write_metric_lines(
        {"b": 2.0, "a": 0.5, "bad": math.nan}, out, timestamp="2026-01-01T00:00:00Z"
    )
    assert lines == ["2026-01-01T00:00:00Z a=0.5", "2026-01-01T00:00:00Z b=2.0"]
    assert out.getvalue() == "2026-01-01T00:00:00Z a=0.5\n2026-01-01T00:00:00Z b=2.0\n"
    assert parse_metric_lines(out.getvalue().splitlines()) == [
        ("2026-01-01T00:00:00Z", "a", 0.5),
        ("2026-01-01T00:00:00Z", "b", 2.0),
    ]


# Class names come from the user's label map: any character, spaces included.
PER_CATEGORY = {
    "DetectionBoxes_PerformanceByCategory/mAP/traffic light": 0.4,
    "DetectionBoxes_PerformanceByCategory/mAP/cat": 0.3,
    "DetectionBoxes_PerformanceByCategory/mAP/a (b)": 0.2,
    "DetectionBoxes_Precision/mAP ByCategory/stop sign": 0.1,
    "DetectionBoxes_PerformanceBySuperCategory/vehicle": 0.5,
}


def test_per_category_metrics_are_never_printed() -> None:
    # "a (b)" and "cat" would fit the grammar; a Katib objective never names them and a
    # class name such as "traffic light" would be read by the collector as "light".
    assert is_reportable_name("DetectionBoxes_PerformanceByCategory/mAP/a (b)")
    metrics = {**PER_CATEGORY, "DetectionBoxes_Precision/mAP": 0.25}
    lines = format_metric_lines(metrics, timestamp=TS)
    assert lines == [f"{TS} DetectionBoxes_Precision/mAP=0.25"]
    got = collect(lines, [*PER_CATEGORY, "light", "DetectionBoxes_Precision/mAP"], METRICS_FORMAT)
    assert got == [(TS, "DetectionBoxes_Precision/mAP", "0.25")]


def test_is_per_category() -> None:
    assert all(is_per_category(name) for name in PER_CATEGORY)
    assert not any(is_per_category(name) for name in COCO)


def test_a_spaced_class_name_would_be_misread_if_printed() -> None:
    # Why the rule exists: the collector runs the regex over the whole line.
    line = f"{TS} DetectionBoxes_PerformanceByCategory/mAP/traffic light=0.4"
    assert collect([line], ["light"], METRICS_FORMAT) == [(TS, "light", "0.4")]
