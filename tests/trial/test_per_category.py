"""Per-class AP with the stock pycocotools: each class's AP is the AP of that class alone."""

from __future__ import annotations

from typing import Any

import pytest

pytestmark = pytest.mark.tf

CATEGORIES = [{"id": 1, "name": "red circle"}, {"id": 2, "name": "blue (square)"}]


def _gt(image: int, box_id: int, category: int, box: list[float]) -> dict[str, Any]:
    return {
        "id": box_id,
        "image_id": image,
        "category_id": category,
        "bbox": box,
        "area": box[2] * box[3],
        "iscrowd": 0,
    }


def _det(image: int, category: int, box: list[float], score: float) -> dict[str, Any]:
    return {"image_id": image, "category_id": category, "bbox": box, "score": score}


# Class 1 is found well, class 2 half: one of its two boxes is missed, a false hit scores high.
GROUND_TRUTH = [
    _gt(1, 1, 1, [10, 10, 40, 40]),
    _gt(1, 2, 2, [60, 60, 30, 30]),
    _gt(2, 3, 1, [5, 5, 50, 50]),
    _gt(2, 4, 2, [70, 10, 20, 20]),
]
DETECTIONS = [
    _det(1, 1, [10, 10, 40, 40], 0.9),
    _det(2, 1, [6, 5, 50, 50], 0.8),
    _det(1, 2, [61, 60, 30, 30], 0.7),
    _det(2, 2, [0, 60, 20, 20], 0.95),
]


def _metrics(categories: list[dict[str, Any]]) -> tuple[dict[str, float], dict[str, float]]:
    from object_detection.metrics import coco_tools

    from odsweep.trial.per_category import install

    install()
    ids = {c["id"] for c in categories}
    groundtruth = coco_tools.COCOWrapper(
        {
            "images": [{"id": 1}, {"id": 2}],
            "categories": categories,
            "annotations": [a for a in GROUND_TRUTH if a["category_id"] in ids],
        }
    )
    detections = groundtruth.LoadAnnotations([d for d in DETECTIONS if d["category_id"] in ids])
    evaluator = coco_tools.COCOEvalWrapper(groundtruth, detections, agnostic_mode=False)
    summary, per_category = evaluator.ComputeMetrics(
        include_metrics_per_category=True, all_metrics_per_category=True
    )
    return dict(summary), dict(per_category)


def test_each_class_ap_equals_that_class_evaluated_alone() -> None:
    _, per_category = _metrics(CATEGORIES)
    for category in CATEGORIES:
        alone, _ = _metrics([category])
        name = category["name"]
        assert per_category[f"PerformanceByCategory/mAP/{name}"] == pytest.approx(
            alone["Precision/mAP"]
        )
        assert per_category[f"Recall/AR@100 ByCategory/{name}"] == pytest.approx(
            alone["Recall/AR@100"]
        )
    # The two classes really differ, so a swapped index would fail above.
    first = per_category["PerformanceByCategory/mAP/red circle"]
    second = per_category["PerformanceByCategory/mAP/blue (square)"]
    assert first > 0.5 > second >= 0.0


def test_enable_per_category_only_for_coco_evaluators() -> None:
    from object_detection.protos import eval_pb2

    from odsweep.trial.per_category import enable_per_category

    default = eval_pb2.EvalConfig()
    assert enable_per_category(default) is True
    assert default.include_metrics_per_category is True
    pascal = eval_pb2.EvalConfig(metrics_set=["pascal_voc_detection_metrics"])
    assert enable_per_category(pascal) is False
    assert pascal.include_metrics_per_category is False
