"""The verification keeps what the real SavedModel saw: ground truth and boxes per image."""

from __future__ import annotations

import io
from typing import Any

import pytest
from PIL import Image

from odsweep.demodata._dataset import CLASS_NAMES
from odsweep.export import ExportResult, verify_saved_model
from odsweep.report._detections import draw_sample
from odsweep.results import DETECTION_MIN_SCORE

pytestmark = pytest.mark.tf


def _truth_from_records(tf: Any, eval_input: str, count: int) -> list[list[tuple[float, ...]]]:
    """The boxes and class ids of the first records, parsed with the protobuf API."""
    out = []
    files = sorted(tf.io.gfile.glob(eval_input))
    for raw in tf.data.TFRecordDataset(files).take(count):
        feature = tf.train.Example.FromString(raw.numpy()).features.feature

        def floats(key: str, feature: Any = feature) -> list[float]:
            return list(feature[key].float_list.value)

        out.append(
            list(
                zip(
                    *(floats(f"image/object/bbox/{k}") for k in ("ymin", "xmin", "ymax", "xmax")),
                    feature["image/object/class/label"].int64_list.value,
                    strict=True,
                )
            )
        )
    return out


def test_samples_hold_the_records_truth_and_the_models_boxes(
    tf: Any, exported: ExportResult, trained: Any
) -> None:
    result = verify_saved_model(
        exported.path,
        input_type="image_tensor",
        eval_input=trained.eval_input,
        label_map=str(trained.label_map),
    )
    assert len(result.samples) == result.images == 4
    expected = _truth_from_records(tf, trained.eval_input, 4)
    for sample, truth in zip(result.samples, expected, strict=True):
        got = [v for b in sample.truth for v in (b.ymin, b.xmin, b.ymax, b.xmax)]
        assert got == pytest.approx([v for t in truth for v in t[:4]])
        assert truth, "the demo eval images all hold objects"
        # Named from the label map (the demo's), not left as ids.
        assert [b.label for b in sample.truth] == [CLASS_NAMES[int(t[4]) - 1] for t in truth]
        assert all(b.score is not None and b.score >= DETECTION_MIN_SCORE for b in sample.predicted)
    # The kept boxes are exactly the model's outputs at or above the threshold.
    model = tf.saved_model.load(exported.path)
    fn = model.signatures["serving_default"]
    image = tf.io.decode_image(result.samples[0].image, channels=3)[tf.newaxis, ...]
    scores = fn(input_tensor=image)["detection_scores"].numpy().reshape(-1)
    assert len(result.samples[0].predicted) == int((scores >= DETECTION_MIN_SCORE).sum())

    png = draw_sample(result.samples[0], DETECTION_MIN_SCORE)
    with Image.open(io.BytesIO(png)) as drawn:
        assert drawn.format == "PNG" and drawn.size[0] > drawn.size[1]
