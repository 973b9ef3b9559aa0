"""The demo data's instance masks: exact per object, and read by the OD API's decoder."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from odsweep.demodata import write_demo_dataset
from odsweep.demodata._dataset import _CLASS_RGB, iter_examples

SIZE = 64


def test_each_mask_is_tight_in_its_box_and_covers_only_its_shape() -> None:
    for example in iter_examples(0, "train", 20, 128):
        assert example.masks.shape == (len(example.labels), 128, 128)
        assert example.masks.dtype == np.uint8
        assert set(np.unique(example.masks)) <= {0, 1}
        for mask, box, label in zip(example.masks, example.boxes, example.labels, strict=True):
            rows = np.flatnonzero(mask.any(axis=1))
            cols = np.flatnonzero(mask.any(axis=0))
            # The box is tight around the drawn shape; so is the mask.
            got = [rows[0] / 128, cols[0] / 128, (rows[-1] + 1) / 128, (cols[-1] + 1) / 128]
            np.testing.assert_allclose(got, box, atol=1e-6)
            # Inside the mask: the class colour (noise averages out); it is the shape.
            colour = example.pixels[mask == 1].mean(axis=0)
            assert np.abs(colour - np.array(_CLASS_RGB[label - 1])).max() < 30
        # Objects never overlap, so neither do their masks.
        assert example.masks.sum(axis=0).max() <= 1


@pytest.mark.tf
def test_the_od_api_decoder_reads_the_masks_exactly(tmp_path: Path) -> None:
    ds = write_demo_dataset(tmp_path, seed=2, num_train=4, num_eval=1, image_size=SIZE)
    from odsweep.tfcompat import load_tensorflow

    tf = load_tensorflow()
    from object_detection.core.standard_fields import InputDataFields as F
    from object_detection.data_decoders.tf_example_decoder import TfExampleDecoder
    from object_detection.protos import input_reader_pb2

    decoder = TfExampleDecoder(
        load_instance_masks=True,
        instance_mask_type=input_reader_pb2.PNG_MASKS,
        label_map_proto_file=ds.label_map_path,
    )
    records = list(tf.data.TFRecordDataset(sorted(tf.io.gfile.glob(ds.train_glob))))
    assert len(records) == 4
    for record, example in zip(records, iter_examples(2, "train", 4, SIZE), strict=True):
        decoded = decoder.decode(record)
        masks = decoded[F.groundtruth_instance_masks].numpy()
        np.testing.assert_array_equal(masks, example.masks)
