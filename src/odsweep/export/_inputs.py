"""Eval images as an exported model's serving signature takes them (batch of one).

Shared by verification, the TF Serving warm-up file and the serving cost measurement,
so all three feed a model exactly the way a client of that input type would.
"""

from __future__ import annotations

from typing import Any

from odsweep.errors import InputError

# The OD API exporter names the one input of every signature it writes this way
# (exporter_lib_v2's DetectionFromImageModule and its siblings).
INPUT_NAME = "input_tensor"

# What each input type's serving signature takes, per image (batch of one).
EXPECTED_DTYPE = {
    "image_tensor": "uint8",
    "float_image_tensor": "float32",
    "encoded_image_string_tensor": "string",
    "tf_example": "string",
}


def read_examples(tf: Any, eval_input: str, max_images: int) -> list[tuple[bytes, bytes]]:
    """Up to ``max_images`` ``(serialized Example, encoded image)`` pairs from a glob.

    Raises:
        InputError: No file matches, the records are not OD API examples, or none exist.
    """
    files = sorted(tf.io.gfile.glob(eval_input))
    if not files:
        raise InputError(f"eval_input: no files match {eval_input!r}; check the TFRecord glob")
    features = {"image/encoded": tf.io.FixedLenFeature([], tf.string)}
    out = []
    try:
        for record in tf.data.TFRecordDataset(files).take(max_images):
            parsed = tf.io.parse_single_example(record, features)
            out.append((record.numpy(), parsed["image/encoded"].numpy()))
    except tf.errors.OpError as exc:
        message = " ".join(str(exc.message).split())
        raise InputError(
            f"eval_input: cannot read tf.train.Example images from {eval_input!r} ({message}); "
            "pass OD API TFRecords with an image/encoded feature"
        ) from exc
    if not out:
        raise InputError(f"eval_input: {eval_input!r} holds no records; pass a non-empty TFRecord")
    return out


def model_input(tf: Any, input_type: str, serialized: bytes, encoded: bytes) -> Any:
    """One image as the signature for ``input_type`` takes it: a batch of one."""
    if input_type == "tf_example":
        return tf.constant([serialized])
    if input_type == "encoded_image_string_tensor":
        return tf.constant([encoded])
    image = tf.io.decode_image(encoded, channels=3, expand_animations=False)
    if input_type == "float_image_tensor":
        image = tf.cast(image, tf.float32)
    return image[tf.newaxis, ...]
