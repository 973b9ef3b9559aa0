"""The OD API's real message survives TensorFlow's "in user code:" wrapping.

A zoo CenterNet config on data without keypoint flip permutations used to fail with only
"ValueError: in user code:" recorded. Here the same OD API function fails inside a real
``tf.function`` (seconds, no model), and the trial's failure message is its own line.
"""

from __future__ import annotations

import pytest

from odsweep.trial.failure import failure_message

pytestmark = pytest.mark.tf


def test_the_keypoint_flip_error_is_recorded_with_its_own_message() -> None:
    from odsweep.tfcompat import load_tensorflow

    tf = load_tensorflow()
    from object_detection.core import preprocessor

    @tf.function  # type: ignore[misc]
    def augment(image: object, boxes: object, keypoints: object) -> object:
        return preprocessor.random_horizontal_flip(image, boxes, keypoints=keypoints)

    with pytest.raises(ValueError) as raised:
        augment(tf.zeros([8, 8, 3]), tf.constant([[0.1, 0.1, 0.5, 0.5]]), tf.zeros([1, 17, 2]))
    assert str(raised.value).startswith("in user code:")
    assert failure_message(raised.value) == (
        "ValueError: keypoints are provided but keypoints_flip_permutation is not provided"
    )
