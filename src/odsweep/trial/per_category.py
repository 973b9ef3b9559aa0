"""Per-class AP in every eval: the OD API's per-category COCO metrics, made to work.

The OD API asks for them with ``eval_config.include_metrics_per_category`` and then
reads ``COCOeval.category_stats``, an attribute only the OD API's own fork of
pycocotools sets; with the stock ``pycocotools`` wheel the flag makes every eval fail
with "Category stats do not exist". :func:`install` computes that attribute after
``summarize()`` from the precision/recall arrays COCOeval has already accumulated, the
same 12 summaries per category that ``summarize()`` computes over all of them. The cost
is a few numpy means per class: nothing next to the eval itself.

The metrics land in ``result.json`` as
``DetectionBoxes_PerformanceByCategory/mAP/<class name>``; they are not printed as
metric lines (see ``odsweep.results.is_per_category``).
"""

from __future__ import annotations

import logging
from typing import Any

logger = logging.getLogger(__name__)

# The evaluators that honour include_metrics_per_category (eval_util's option builder).
_COCO_SETS = ("coco_detection_metrics", "coco_mask_metrics")
_DEFAULT_SET = "coco_detection_metrics"
_MARK = "_odsweep_category_stats"

# pycocotools' summarize() rows, in its order: (AP?, IoU threshold, area, maxDets index).
_ROWS: tuple[tuple[bool, float | None, str, int], ...] = (
    (True, None, "all", 2),
    (True, 0.5, "all", 2),
    (True, 0.75, "all", 2),
    (True, None, "small", 2),
    (True, None, "medium", 2),
    (True, None, "large", 2),
    (False, None, "all", 0),
    (False, None, "all", 1),
    (False, None, "all", 2),
    (False, None, "small", 2),
    (False, None, "medium", 2),
    (False, None, "large", 2),
)


def category_stats(evaluation: dict[str, Any], params: Any) -> Any:
    """A ``[12, K]`` array: ``summarize()``'s 12 numbers for each of the K categories.

    ``evaluation`` is ``COCOeval.eval`` after ``accumulate()`` (``precision`` is
    ``[T, R, K, A, M]``, ``recall`` ``[T, K, A, M]``, -1 where undefined); a category
    without ground truth gets -1, as pycocotools gives the whole set.
    """
    import numpy as np

    precision = np.asarray(evaluation["precision"])
    recall = np.asarray(evaluation["recall"])
    count = precision.shape[2]
    out = np.full((len(_ROWS), count), -1.0)
    # The 12 rows as summarize() reads them: maxDets by position, areas by label.
    for row, (is_ap, iou, area, max_index) in enumerate(_ROWS):
        a = list(params.areaRngLbl).index(area)
        m = min(max_index, len(params.maxDets) - 1)
        t = slice(None) if iou is None else np.where(np.isclose(params.iouThrs, iou))[0]
        for k in range(count):
            values = precision[t, :, k, a, m] if is_ap else recall[t, k, a, m]
            valid = values[values > -1]
            if valid.size:
                out[row, k] = float(np.mean(valid))
    return out


def install() -> None:
    """Make ``COCOEvalWrapper`` set ``category_stats`` after ``summarize()`` (once)."""
    from object_detection.metrics import coco_tools

    cls = coco_tools.COCOEvalWrapper
    if getattr(cls, _MARK, False):
        return
    original = cls.summarize

    def summarize(self: Any) -> None:
        original(self)
        # The fork, if it is the one installed, has set it already: keep its numbers.
        if not hasattr(self, "category_stats") and self.params.iouType in ("bbox", "segm"):
            self.category_stats = category_stats(self.eval, self.params)

    cls.summarize = summarize
    setattr(cls, _MARK, True)


def enable_per_category(eval_config: Any) -> bool:
    """Ask the eval for per-class AP when it runs a COCO evaluator; True if it will.

    Changes the in-memory ``eval_config`` only: the trial's ``pipeline.config`` (and so
    the exported one and the export's identity hash) stays what the user wrote.
    """
    sets = list(eval_config.metrics_set) or [_DEFAULT_SET]
    if not any(name in _COCO_SETS for name in sets):
        logger.info("no COCO evaluator in metrics_set %s: no per-class AP", sets)
        return False
    install()
    eval_config.include_metrics_per_category = True
    return True
