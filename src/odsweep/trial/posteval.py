"""Eval-only runs of one checkpoint under a changed post-processing (no training step).

The post-processing values are baked into the model the OD API builds from the config,
so each setting gets its own eval model, built once: the checkpoint is restored into it
(``expect_partial``: the optimizer's slots are not needed) and the stock COCO eval runs
on the config's eval input, exactly as a trial evaluates (:class:`Evaluator`). A second
pass over the same eval images computes the operating point of the setting: precision,
recall and F1 at IoU 0.5 of the detections the setting keeps (COCO's mAP/AR average
over all scores, so a score threshold can only lower them; F1 can rise with it).
"""

from __future__ import annotations

import logging
from typing import Any

from odsweep.tfcompat import learning_phase_scope, load_tensorflow
from odsweep.trial.evaluator import Evaluator

logger = logging.getLogger(__name__)

MATCH_IOU = 0.5
PRECISION = "Postprocess/precision@0.5IOU"
RECALL = "Postprocess/recall@0.5IOU"
F1 = "Postprocess/F1@0.5IOU"
DETECTIONS_PER_IMAGE = "Postprocess/detections_per_image"
OPERATING_POINT_METRICS = (F1, PRECISION, RECALL, DETECTIONS_PER_IMAGE)


class _OperatingPointEvaluator(Evaluator):
    """The trial's evaluator plus a pass that keeps the detections themselves."""

    def operating_point(self) -> dict[str, float]:
        """Precision/recall/F1 of the restored model's detections (call after evaluate)."""
        tf = self._tf
        from object_detection.core import standard_fields as fields

        model = self._model

        @tf.function  # type: ignore[untyped-decorator]
        def detect(features: Any) -> Any:
            prediction = model.predict(
                features[fields.InputDataFields.image],
                features[fields.InputDataFields.true_image_shape],
                **model.get_side_inputs(features),
            )
            return model.postprocess(prediction, features[fields.InputDataFields.true_image_shape])

        counts = _Counts()
        with learning_phase_scope(0):
            for features, labels in self._dataset:
                found = detect(features)
                gt_boxes = labels[fields.InputDataFields.groundtruth_boxes].numpy()
                gt_classes = labels[fields.InputDataFields.groundtruth_classes].numpy()
                gt_count = labels[fields.InputDataFields.num_groundtruth_boxes].numpy()
                for i in range(gt_boxes.shape[0]):
                    n_det = int(found["num_detections"][i])
                    n_gt = int(gt_count[i])
                    counts.add_image(
                        boxes=found["detection_boxes"][i][:n_det].numpy().tolist(),
                        classes=found["detection_classes"][i][:n_det].numpy().astype(int).tolist(),
                        scores=found["detection_scores"][i][:n_det].numpy().tolist(),
                        gt_boxes=gt_boxes[i][:n_gt].tolist(),
                        # one-hot over the classes, 0-based like detection_classes
                        gt_classes=gt_classes[i][:n_gt].argmax(axis=-1).tolist(),
                    )
        return counts.metrics()


def _iou(a: list[float], b: list[float]) -> float:
    """IoU of two [ymin, xmin, ymax, xmax] boxes (normalized; IoU ignores the scale)."""
    h = min(a[2], b[2]) - max(a[0], b[0])
    w = min(a[3], b[3]) - max(a[1], b[1])
    if h <= 0 or w <= 0:
        return 0.0
    inter = h * w
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / union if union > 0 else 0.0


class _Counts:
    """True/false positives over images: greedy by score, one match per ground truth."""

    def __init__(self) -> None:
        self.tp = 0
        self.fp = 0
        self.gt = 0
        self.images = 0
        self.detections = 0

    def add_image(
        self,
        *,
        boxes: list[list[float]],
        classes: list[int],
        scores: list[float],
        gt_boxes: list[list[float]],
        gt_classes: list[int],
    ) -> None:
        self.images += 1
        self.detections += len(boxes)
        self.gt += len(gt_boxes)
        taken = [False] * len(gt_boxes)
        for k in sorted(range(len(boxes)), key=lambda j: -scores[j]):
            best, best_iou = -1, MATCH_IOU
            for g, gt_box in enumerate(gt_boxes):
                if taken[g] or gt_classes[g] != classes[k]:
                    continue
                overlap = _iou(boxes[k], gt_box)
                if overlap >= best_iou:
                    best, best_iou = g, overlap
            if best >= 0:
                taken[best] = True
                self.tp += 1
            else:
                self.fp += 1

    def metrics(self) -> dict[str, float]:
        # No detections: precision 0 (nothing useful was found), which makes F1 0.
        precision = self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0
        recall = self.tp / self.gt if self.gt else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        return {
            PRECISION: precision,
            RECALL: recall,
            F1: f1,
            DETECTIONS_PER_IMAGE: self.detections / self.images if self.images else 0.0,
        }


def evaluate_config(config: Any, checkpoint: str, summary_dir: str) -> dict[str, float]:
    """COCO metrics plus the operating point of ``checkpoint`` under ``config``.

    Args:
        config: A parsed ``TrainEvalPipelineConfig`` (its eval input and post_processing
            are used as they are).
        checkpoint: The checkpoint prefix to restore (e.g. ``<trial>/best/ckpt-20``).
        summary_dir: Where the eval's TensorBoard events go.
    """
    tf = load_tensorflow()
    from object_detection.utils import config_util

    configs = config_util.create_configs_from_pipeline_proto(config)
    # The default strategy: one eval on one device; no training state is built.
    evaluator = _OperatingPointEvaluator(configs, tf.distribute.get_strategy(), summary_dir)
    metrics = evaluator.evaluate(checkpoint)
    metrics.update(evaluator.operating_point())
    return metrics
