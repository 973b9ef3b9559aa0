"""verify_saved_model fails cleanly on models that are not OD API detection exports."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from odsweep.errors import InputError
from odsweep.export import ExportFailed, verify_saved_model
from odsweep.export._inputs import read_examples
from odsweep.export._warmup import write_warmup

pytestmark = pytest.mark.tf


def _images(tf: Any, folder: Path) -> str:
    """A one-record TFRecord of a tf.train.Example with a small JPEG."""
    jpeg = tf.io.encode_jpeg(tf.zeros([8, 8, 3], tf.uint8)).numpy()
    example = tf.train.Example(
        features=tf.train.Features(
            feature={"image/encoded": tf.train.Feature(bytes_list=tf.train.BytesList(value=[jpeg]))}
        )
    )
    path = folder / "eval-00000-of-00001.tfrecord"
    with tf.io.TFRecordWriter(str(path)) as writer:
        writer.write(example.SerializeToString())
    return str(folder / "eval-*.tfrecord")


def _save(
    tf: Any,
    path: Path,
    *,
    with_signature: bool,
    outputs: tuple[str, ...] = (),
    warmup_images: str | None = None,
) -> str:
    """A SavedModel that is not a detection export; with the TF Serving warm-up file
    every odsweep export carries when ``warmup_images`` is given (verify reads it first)."""
    module = tf.Module()

    @tf.function(input_signature=[tf.TensorSpec([1, None, None, 3], tf.uint8)])
    def detect(input_tensor: Any) -> dict[str, Any]:
        return {name: tf.ones([1, 2]) for name in outputs}

    module.detect = detect
    signatures = {"serving_default": detect} if with_signature else {}
    tf.saved_model.save(module, str(path), signatures=signatures or None)
    if warmup_images is not None:
        examples = read_examples(tf, warmup_images, 1)
        write_warmup(tf, str(path), examples, input_type="image_tensor", model_name="m")
    return str(path)


def test_missing_signature_fails_naming_it(tf: Any, tmp_path: Path) -> None:
    images = _images(tf, tmp_path)
    path = _save(tf, tmp_path / "plain", with_signature=False, warmup_images=images)
    with pytest.raises(ExportFailed) as info:
        verify_saved_model(path, input_type="image_tensor", eval_input=images)
    assert str(info.value) == (
        f"verify: {path!r} has no 'serving_default' signature (has none); "
        "export it with the OD API exporter"
    )


def test_missing_outputs_are_named(tf: Any, tmp_path: Path) -> None:
    images = _images(tf, tmp_path)
    path = _save(
        tf, tmp_path / "partial", with_signature=True, outputs=("detection_boxes",),
        warmup_images=images,
    )  # fmt: skip
    with pytest.raises(ExportFailed) as info:
        verify_saved_model(path, input_type="image_tensor", eval_input=images)
    message = str(info.value)
    assert "missing outputs ['detection_scores', 'detection_classes', 'num_detections']" in message
    assert "has ['detection_boxes']" in message


def test_bad_arguments_are_input_errors(tf: Any, tmp_path: Path) -> None:
    with pytest.raises(InputError) as info:
        verify_saved_model(str(tmp_path / "none"), input_type="jpeg", eval_input="x", max_images=0)
    assert [m.split(":", 1)[0] for m in info.value.messages] == [
        "input_type",
        "max_images",
        "path",
    ]
    path = _save(tf, tmp_path / "m", with_signature=True, outputs=("detection_boxes",))
    with pytest.raises(InputError, match="eval_input: no files match"):
        verify_saved_model(path, input_type="image_tensor", eval_input=str(tmp_path / "*.rec"))


def test_importing_the_package_does_not_load_tensorflow() -> None:
    code = (
        "import sys, odsweep.export; "
        "print(sorted(m for m in ('tensorflow', 'object_detection') if m in sys.modules))"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert proc.stdout.strip() == "[]", proc.stderr
