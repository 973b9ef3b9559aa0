"""The demo dataset: OD API readable, agrees with what was generated, deterministic."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from odsweep.demodata import CLASS_NAMES, DemoDataset, write_demo_dataset
from odsweep.demodata._dataset import _CLASS_RGB, iter_examples
from odsweep.errors import InputError

SIZE = 64  # small images keep the test fast; the generator scales with image_size


def _write(out: Path, **kwargs: Any) -> DemoDataset:
    args: dict[str, Any] = {"num_train": 6, "num_eval": 3, "image_size": SIZE, **kwargs}
    return write_demo_dataset(out, **args)


def _file_bytes(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def _decode_split(glob: str, label_map: str) -> dict[int, dict[str, Any]]:
    """Image index -> decoded tensors, through the decoder the OD API's input pipeline uses."""
    from odsweep.tfcompat import load_tensorflow

    tf = load_tensorflow()
    from object_detection.core.standard_fields import InputDataFields as F
    from object_detection.data_decoders.tf_example_decoder import TfExampleDecoder

    decoder = TfExampleDecoder(label_map_proto_file=label_map)
    decoded = {}
    for record in tf.data.TFRecordDataset(sorted(tf.io.gfile.glob(glob))):
        d = decoder.decode(record)
        name = d[F.source_id].numpy().decode()  # e.g. "train-00004.jpg"
        decoded[int(name.split("-")[1].split(".")[0])] = {
            "image": d[F.image].numpy(),
            "boxes": d[F.groundtruth_boxes].numpy(),
            "classes": d[F.groundtruth_classes].numpy(),
        }
    return decoded


def test_arguments_are_checked_before_anything_is_written(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"^num_train: must be >= 1, got 0\nshards: "):
        write_demo_dataset(tmp_path / "out", num_train=0)
    with pytest.raises(InputError, match=r"^shards: must be between 1 and min\(num_train"):
        write_demo_dataset(tmp_path / "out", num_eval=2, shards=3)
    assert not (tmp_path / "out").exists()


def test_importing_the_package_does_not_load_tensorflow() -> None:
    code = "import sys, odsweep.demodata; print('tensorflow' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


@pytest.mark.tf
def test_decoded_examples_agree_with_the_generated_ones(tmp_path: Path) -> None:
    ds = _write(tmp_path, seed=3, shards=2)
    assert ds.num_classes == len(CLASS_NAMES) == 3
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "eval-00000-of-00002.tfrecord",
        "eval-00001-of-00002.tfrecord",
        "label_map.pbtxt",
        "train-00000-of-00002.tfrecord",
        "train-00001-of-00002.tfrecord",
    ]  # two shards per split, and no temporary file left behind
    objects = 0
    for split, glob, count in (("train", ds.train_glob, 6), ("eval", ds.eval_glob, 3)):
        decoded = _decode_split(glob, ds.label_map_path)
        assert sorted(decoded) == list(range(count))
        for index, example in enumerate(iter_examples(3, split, count, SIZE)):
            got = decoded[index]
            assert got["image"].shape == (SIZE, SIZE, 3)
            # JPEG at quality 95 with 4:4:4 chroma: a few grey levels off on average.
            diff = np.abs(got["image"].astype(float) - example.pixels.astype(float))
            assert diff.mean() < 4.0
            np.testing.assert_array_equal(got["boxes"], example.boxes)
            np.testing.assert_array_equal(got["classes"], example.labels)
            assert 1 <= len(example.labels) <= 3
            objects += len(example.labels)
    assert dict(ds.counts) == {
        "train_images": 6,
        "train_objects": ds.counts["train_objects"],
        "eval_images": 3,
        "eval_objects": ds.counts["eval_objects"],
    }
    assert ds.counts["train_objects"] + ds.counts["eval_objects"] == objects


def test_boxes_hold_their_class_colour() -> None:
    """Each box's centre shows its class's colour: boxes, labels and pixels line up."""
    for example in iter_examples(0, "train", 20, 128):
        for (y0, x0, y1, x1), label in zip(example.boxes, example.labels, strict=True):
            assert 0.0 <= y0 < y1 <= 1.0 and 0.0 <= x0 < x1 <= 1.0
            # The centre third of the box: inside every shape (the triangle's lower half).
            cy, cx = int((y0 + 2 * y1) / 3 * 128), int((x0 + x1) / 2 * 128)
            patch = example.pixels[cy - 2 : cy + 3, cx - 2 : cx + 3].reshape(-1, 3)
            colour = patch.mean(axis=0)
            assert np.abs(colour - np.array(_CLASS_RGB[label - 1])).max() < 45


@pytest.mark.tf
def test_same_seed_same_bytes_other_seed_other_bytes(tmp_path: Path) -> None:
    def written(name: str, **kwargs: Any) -> dict[str, bytes]:
        _write(tmp_path / name, **kwargs)
        return _file_bytes(tmp_path / name)

    first, again, other = written("a", seed=5), written("b", seed=5), written("c", seed=6)
    assert first == again
    for name in ("train-00000-of-00001.tfrecord", "eval-00000-of-00001.tfrecord"):
        assert first[name] != other[name]
    # More train images leave the eval split unchanged: each split has its own stream.
    bigger = written("d", seed=5, num_train=9)
    assert bigger["eval-00000-of-00001.tfrecord"] == first["eval-00000-of-00001.tfrecord"]


@pytest.mark.tf
def test_label_map_parses_with_the_od_api(tmp_path: Path) -> None:
    ds = _write(tmp_path)
    from odsweep.tfcompat import load_tensorflow

    load_tensorflow()
    from object_detection.utils import label_map_util

    items = label_map_util.load_labelmap(ds.label_map_path).item
    assert len(items) == ds.num_classes
    assert [(i.id, i.name) for i in items] == [(1, "square"), (2, "circle"), (3, "triangle")]
    assert label_map_util.get_label_map_dict(ds.label_map_path) == {
        "square": 1,
        "circle": 2,
        "triangle": 3,
    }
