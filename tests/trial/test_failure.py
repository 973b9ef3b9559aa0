"""A crashed trial records the real cause, not the first line of TensorFlow's stack."""

from __future__ import annotations

from pathlib import Path

import pytest

from odsweep.trial.failure import data_note, failure_message
from tests.tfrecords import example, write_shard

# Captured from a real trial on a shard with 8 flipped bytes (pre-flight bypassed).
DATA_LOSS = (
    "Graph execution error:\n\nDetected at node IteratorGetNext defined at (most recent call "
    'last):\n  File "/tmp/dd/bypass.py", line 17, in <module>\n\n  File '
    '"/work/src/odsweep/trial/runner.py", line 179, in _train_and_evaluate\n\n  File '
    '"/work/src/odsweep/trial/trainer.py", line 144, in sample_and_train\n\n'
    "corrupted record at 80527\n\t [[{{node IteratorGetNext}}]] "
    "[Op:__inference_train_steps_36948]"
)
# Captured from a tf.function traced with mismatched shapes.
USER_CODE = (
    'in user code:\n\n    File "/tmp/dd/usercode.py", line 6, in f  *\n        return x + '
    "tf.constant([1.0, 2.0, 3.0, 4.0, 5.0])\n\n    ValueError: Dimensions must be equal, but "
    "are 4 and 5 for '{{node add}} = AddV2[T=DT_FLOAT](x, Const)' with input shapes: [4], "
    "[5].\n"
)


class DataLossError(Exception):
    """Stands in for tf.errors.DataLossError: same name, same ``.message``."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def test_a_data_loss_names_the_cause_and_the_input() -> None:
    exc = DataLossError(DATA_LOSS)
    exc.add_note(data_note("train_input_reader", ["/data/train-*.tfrecord"]))
    assert failure_message(exc) == (
        "DataLossError: corrupted record at 80527 (while reading train_input_reader "
        "/data/train-*.tfrecord; `odsweep validate` names the damaged file)"
    )


def test_an_error_in_user_code_is_the_inner_exception() -> None:
    assert failure_message(ValueError(USER_CODE)) == (
        "ValueError: Dimensions must be equal, but are 4 and 5 for '{{node add}} = "
        "AddV2[T=DT_FLOAT](x, Const)' with input shapes: [4], [5]."
    )


def test_a_plain_error_keeps_its_first_line() -> None:
    exc = FileNotFoundError("/data/ckpt-0.index: no such file\nmore detail")
    assert failure_message(exc) == "FileNotFoundError: /data/ckpt-0.index: no such file"


def test_a_note_is_not_added_to_an_error_that_did_not_come_from_the_data() -> None:
    exc = ValueError(USER_CODE)
    exc.add_note(data_note("train_input_reader", ["/data/train-*.tfrecord"]))
    assert "while reading" not in failure_message(exc)


def test_a_huge_message_is_cut() -> None:
    message = failure_message(RuntimeError("x" * 5000))
    assert len(message) == 500 and message.endswith("...")


@pytest.mark.tf
def test_real_tensorflow_errors(tmp_path: Path) -> None:
    from odsweep.tfcompat import load_tensorflow

    tf = load_tensorflow()
    shard = write_shard(tmp_path / "train.tfrecord", [example() for _ in range(4)])
    raw = bytearray(shard.read_bytes())
    raw[len(raw) // 2] ^= 0xFF
    shard.write_bytes(bytes(raw))

    @tf.function
    def read_all(dataset: object) -> object:
        total = tf.constant(0, tf.int64)
        for record in dataset:  # type: ignore[attr-defined]
            total += tf.cast(tf.strings.length(record), tf.int64)
        return total

    with pytest.raises(tf.errors.DataLossError) as lost:
        read_all(tf.data.TFRecordDataset(str(shard)))
    assert failure_message(lost.value).startswith("DataLossError: corrupted record at ")

    @tf.function
    def add(x: object) -> object:
        return x + tf.constant([1.0, 2.0])

    with pytest.raises(ValueError) as traced:
        add(tf.constant([1.0, 2.0, 3.0]))
    assert str(traced.value).startswith("in user code:")
    assert failure_message(traced.value).startswith(
        "ValueError: Dimensions must be equal, but are 3 and 2"
    )
