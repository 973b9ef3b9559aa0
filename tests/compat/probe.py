"""Runs one small check per OD API compatibility fix and prints JSON results.

Run in a fresh interpreter (the fixes are process-wide):
``python probe.py`` -> {"fix name": "ok" | "<ErrorType>: <message>"}.
"""

from __future__ import annotations

import io
import json
import traceback
from collections.abc import Callable

from odsweep.tfcompat import load_tensorflow

tf = load_tensorflow()


def check_estimator() -> None:
    import object_detection.inputs  # noqa: F401


def check_tensorflow_io() -> None:
    import object_detection.meta_architectures.deepmac_meta_arch  # noqa: F401


def check_tf_slim() -> None:
    from object_detection.data_decoders import tf_example_decoder
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 10, 10)).save(buf, format="JPEG")

    def feat(v: object) -> tf.train.Feature:
        if isinstance(v, bytes):
            return tf.train.Feature(bytes_list=tf.train.BytesList(value=[v]))
        if isinstance(v, float):
            return tf.train.Feature(float_list=tf.train.FloatList(value=[v]))
        return tf.train.Feature(int64_list=tf.train.Int64List(value=[v]))

    example = tf.train.Example(
        features=tf.train.Features(
            feature={
                "image/encoded": feat(buf.getvalue()),
                "image/format": feat(b"jpeg"),
                "image/height": feat(8),
                "image/width": feat(8),
                "image/object/bbox/xmin": feat(0.1),
                "image/object/bbox/xmax": feat(0.5),
                "image/object/bbox/ymin": feat(0.2),
                "image/object/bbox/ymax": feat(0.6),
                "image/object/class/label": feat(1),
            }
        )
    )
    decoded = tf_example_decoder.TfExampleDecoder().decode(tf.constant(example.SerializeToString()))
    assert decoded["image"].shape == (8, 8, 3), decoded["image"].shape


def check_pillow() -> None:
    import numpy as np
    from object_detection.utils import visualization_utils

    image = np.zeros((64, 64, 3), dtype=np.uint8)
    visualization_utils.draw_bounding_box_on_image_array(
        image, 0.1, 0.1, 0.8, 0.8, display_str_list=["box: 90%"]
    )


def check_numpy() -> None:
    import numpy as np
    from object_detection.utils import metrics

    precision, recall = metrics.compute_precision_recall(
        np.array([0.9, 0.2]), np.array([True, False]), 1
    )
    metrics.compute_average_precision(precision, recall)


def check_keras_resnet() -> None:
    from object_detection.models.keras_models import resnet_v1

    model = resnet_v1.resnet_v1_18(include_top=False, weights=None, input_shape=(32, 32, 3))
    assert model.output_shape[-1] == 512, model.output_shape


CHECKS: dict[str, Callable[[], None]] = {
    "estimator": check_estimator,
    "tensorflow_io": check_tensorflow_io,
    "tf_slim": check_tf_slim,
    "pillow": check_pillow,
    "numpy": check_numpy,
    "keras_resnet": check_keras_resnet,
}

if __name__ == "__main__":
    results = {}
    for name, check in CHECKS.items():
        try:
            check()
            results[name] = "ok"
        except BaseException as exc:
            results[name] = f"{type(exc).__name__}: {exc}".splitlines()[0][:300]
            if "--trace" in __import__("sys").argv:
                traceback.print_exc()
    print("PROBE " + json.dumps(results))
