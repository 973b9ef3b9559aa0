"""Run an exported model the way a server would: plain TensorFlow, nothing from odsweep.

Usage: python serve_probe.py <saved_model_dir>. The OD API, tf-keras, tf-models-official
and tf-slim are installed in this venv, so importing them is blocked outright: if
loading or running the model needed any of them, this fails. Prints ``PROBE <json>``.
"""

from __future__ import annotations

import importlib.abc
import json
import sys
from typing import Any, ClassVar

BLOCKED = ("object_detection", "tf_keras", "official", "tf_slim", "odsweep")


class _Blocker(importlib.abc.MetaPathFinder):
    attempts: ClassVar[list[str]] = []

    def find_spec(self, name: str, path: Any = None, target: Any = None) -> None:
        if name.split(".")[0] in BLOCKED:
            self.attempts.append(name)
            raise ImportError(f"{name} is blocked: a served model must not need it")
        return None


def main(path: str) -> None:
    sys.meta_path.insert(0, _Blocker())
    import tensorflow as tf

    model = tf.saved_model.load(path)
    fn = model.signatures["serving_default"]
    image = tf.cast(tf.random.uniform([1, 96, 128, 3], maxval=255, seed=1), tf.uint8)
    out = fn(input_tensor=image)
    report = {
        "outputs": sorted(out),
        "boxes_shape": out["detection_boxes"].shape.as_list(),
        "num_detections": float(out["num_detections"].numpy()[0]),
        "blocked_attempts": _Blocker.attempts,
        "loaded": sorted(m for m in sys.modules if m.split(".")[0] in BLOCKED),
    }
    print("PROBE " + json.dumps(report))


if __name__ == "__main__":
    main(sys.argv[1])
