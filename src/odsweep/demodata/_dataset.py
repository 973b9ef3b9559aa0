"""A small synthetic detection dataset that a tiny SSD learns in a few hundred steps.

The demo sweep must show a clear difference between good and bad hyperparameters within
minutes on a laptop CPU, so the data is chosen to be easy but not trivial: each image
has 1-3 non-overlapping objects of three classes that differ in both shape and colour
(red squares, green circles, blue triangles), of medium size (about 25-50 % of the image
side, which the SSD anchors of ``ssd_tiny.config`` cover), on a noisy grey
background with a random brightness. Colours are jittered and noise is added over the
objects too, so a model must look at more than one pixel. Each object also has its exact
instance mask (PNG, see :mod:`odsweep.demodata._masks`), so Mask R-CNN trains on it.

Everything is drawn from ``numpy.random.default_rng`` seeded by ``seed`` (train and
eval get independent child streams, so changing ``num_train`` leaves the eval set
unchanged), JPEG parameters are fixed and Examples are serialized deterministically: the
same arguments give byte-identical files.
"""

from __future__ import annotations

import io
import logging
import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any

import numpy as np
from numpy.typing import NDArray

from odsweep import storage
from odsweep.demodata._masks import (
    MASK_FEATURE,
    empty_masks,
    encode_png_mask,
    mask_canvas,
    to_binary,
)
from odsweep.errors import InputError

logger = logging.getLogger(__name__)

#: Class names in label-map order (label map ids are 1-based: ``id = index + 1``).
CLASS_NAMES: tuple[str, ...] = ("square", "circle", "triangle")

# One base colour per class: colour and shape both separate the classes, so a
# 0.35-width MobileNet from scratch learns them in a few hundred steps.
_CLASS_RGB: tuple[tuple[int, int, int], ...] = ((210, 50, 50), (50, 190, 60), (60, 80, 220))

# Object side as a fraction of the image side. Below ~0.2 a 128-px SSD from scratch
# finds almost nothing in 300 steps (COCO "small" objects); above ~0.5 three objects
# rarely fit without overlapping.
_MIN_SIDE = 0.25
_MAX_SIDE = 0.5
_MAX_OBJECTS = 3
_PLACEMENT_TRIES = 50
_JPEG_QUALITY = 95
_SPLITS = ("train", "eval")


@dataclass(frozen=True)
class DemoExample:
    """One generated image and its ground truth, before JPEG encoding.

    Attributes:
        pixels: ``uint8`` array of shape ``(height, width, 3)``.
        boxes: ``float32`` array ``(n, 4)`` of normalized ``[ymin, xmin, ymax, xmax]``
            (the OD API's order), tight around each drawn shape.
        labels: ``int64`` array ``(n,)`` of 1-based label-map ids.
        masks: ``uint8`` array ``(n, height, width)``, 1 on each object's pixels.
    """

    pixels: NDArray[np.uint8]
    boxes: NDArray[np.float32]
    labels: NDArray[np.int64]
    masks: NDArray[np.uint8]


@dataclass(frozen=True)
class DemoDataset:
    """Where :func:`write_demo_dataset` put the data, in the form a pipeline.config wants.

    Attributes:
        train_glob: Glob matching the train TFRecord shards (``input_path`` value).
        eval_glob: Glob matching the eval TFRecord shards.
        label_map_path: The ``label_map.pbtxt`` file.
        num_classes: Number of classes (``model.ssd.num_classes``).
        counts: Number of images and objects per split: keys ``train_images``,
            ``train_objects``, ``eval_images``, ``eval_objects``.
    """

    train_glob: str
    eval_glob: str
    label_map_path: str
    num_classes: int
    counts: Mapping[str, int]


def _overlaps(box: tuple[int, int, int, int], others: list[tuple[int, int, int, int]]) -> bool:
    # A 2-px gap keeps shapes visually separate, so every box holds exactly one object.
    y0, x0, y1, x1 = box
    return any(
        y0 <= b1 + 2 and b0 <= y1 + 2 and x0 <= c1 + 2 and c0 <= x1 + 2 for b0, c0, b1, c1 in others
    )


def _draw_shape(draw: Any, label_index: int, box: tuple[int, int, int, int], rgb: Any) -> None:
    y0, x0, y1, x1 = box
    if label_index == 0:
        draw.rectangle([x0, y0, x1, y1], fill=rgb)
    elif label_index == 1:
        draw.ellipse([x0, y0, x1, y1], fill=rgb)
    else:
        # Apex on the top edge, base on the bottom edge: the box stays tight.
        draw.polygon([((x0 + x1) / 2, y0), (x1, y1), (x0, y1)], fill=rgb)


def generate_example(rng: np.random.Generator, image_size: int) -> DemoExample:
    """Draws one image with 1-3 non-overlapping objects.

    Args:
        rng: The random stream; consumed in a fixed order, so a seeded stream gives
            the same example every time.
        image_size: Width and height in pixels.

    Returns:
        The pixels and their ground truth.
    """
    from PIL import Image, ImageDraw

    size = image_size
    # Random brightness per image, so the model cannot detect "anything not grey".
    base = float(rng.uniform(70.0, 180.0))
    canvas = np.full((size, size, 3), base, dtype=np.float64)
    image = Image.fromarray(canvas.astype(np.uint8))
    draw = ImageDraw.Draw(image)

    wanted = int(rng.integers(1, _MAX_OBJECTS + 1))
    placed: list[tuple[int, int, int, int]] = []
    labels: list[int] = []
    masks: list[NDArray[np.uint8]] = []
    for _ in range(wanted):
        label_index = int(rng.integers(0, len(CLASS_NAMES)))
        for _try in range(_PLACEMENT_TRIES):
            side = round(float(rng.uniform(_MIN_SIDE, _MAX_SIDE)) * size)
            # Mild aspect jitter: the config's 1:1, 2:1, 1:2 anchors still match at IoU 0.5.
            aspect = float(rng.uniform(0.8, 1.25))
            height = max(4, min(size, round(side * aspect)))
            width = max(4, min(size, round(side / aspect)))
            y0 = int(rng.integers(0, size - height + 1))
            x0 = int(rng.integers(0, size - width + 1))
            box = (y0, x0, y0 + height - 1, x0 + width - 1)
            if not _overlaps(box, placed):
                break
        else:
            continue  # crowded image: fewer objects rather than overlapping ones
        jitter = rng.integers(-30, 31, size=3)
        rgb = tuple(
            int(np.clip(c + j, 0, 255))
            for c, j in zip(_CLASS_RGB[label_index], jitter, strict=True)
        )
        _draw_shape(draw, label_index, box, rgb)
        # Same geometry on its own canvas: the mask is exactly the shape's pixels.
        mask_image, mask_draw, inside = mask_canvas(size)
        _draw_shape(mask_draw, label_index, box, inside)
        masks.append(to_binary(mask_image))
        placed.append(box)
        labels.append(label_index + 1)

    noisy = np.asarray(image, dtype=np.float64) + rng.normal(0.0, 12.0, size=(size, size, 3))
    pixels = np.clip(np.rint(noisy), 0, 255).astype(np.uint8)
    # Pixel box [y0, y1] covers rows y0..y1 inclusive: normalized max edge is (y1 + 1) / size.
    boxes = np.array(
        [[y0 / size, x0 / size, (y1 + 1) / size, (x1 + 1) / size] for y0, x0, y1, x1 in placed],
        dtype=np.float32,
    ).reshape(-1, 4)
    return DemoExample(
        pixels=pixels,
        boxes=boxes,
        labels=np.array(labels, dtype=np.int64),
        masks=np.stack(masks) if masks else empty_masks(size),
    )


def split_rng(seed: int, split: str) -> np.random.Generator:
    """The random stream of one split; independent of the other split's size.

    Args:
        seed: The dataset seed.
        split: ``"train"`` or ``"eval"``.

    Returns:
        A fresh generator; :func:`iter_examples` draws from it in order.
    """
    children = np.random.SeedSequence(seed).spawn(len(_SPLITS))
    return np.random.default_rng(children[_SPLITS.index(split)])


def iter_examples(seed: int, split: str, count: int, image_size: int) -> Iterator[DemoExample]:
    """Yields the examples :func:`write_demo_dataset` writes for one split, in order.

    Args:
        seed: The dataset seed.
        split: ``"train"`` or ``"eval"``.
        count: Number of examples.
        image_size: Width and height in pixels.

    Yields:
        One :class:`DemoExample` per image.
    """
    rng = split_rng(seed, split)
    for _ in range(count):
        yield generate_example(rng, image_size)


def encode_jpeg(pixels: NDArray[np.uint8]) -> bytes:
    """JPEG bytes with every encoder setting fixed, so equal pixels give equal bytes."""
    from PIL import Image

    buf = io.BytesIO()
    # 4:4:4 keeps the thin colour edges of small shapes; no optimize/progressive so the
    # output does not depend on encoder heuristics; no EXIF or other metadata.
    Image.fromarray(pixels).save(
        buf, format="JPEG", quality=_JPEG_QUALITY, subsampling=0, optimize=False
    )
    return buf.getvalue()


def _tf_example(tf: Any, example: DemoExample, split: str, index: int) -> bytes:
    def ints(values: list[int]) -> Any:
        return tf.train.Feature(int64_list=tf.train.Int64List(value=values))

    def floats(values: list[float]) -> Any:
        return tf.train.Feature(float_list=tf.train.FloatList(value=values))

    def strs(values: list[bytes]) -> Any:
        return tf.train.Feature(bytes_list=tf.train.BytesList(value=values))

    height, width = example.pixels.shape[:2]
    filename = f"{split}-{index:05d}.jpg".encode()
    boxes = example.boxes
    feature = {
        "image/encoded": strs([encode_jpeg(example.pixels)]),
        "image/format": strs([b"jpeg"]),
        "image/height": ints([height]),
        "image/width": ints([width]),
        "image/filename": strs([filename]),
        "image/source_id": strs([filename]),
        "image/object/bbox/ymin": floats(boxes[:, 0].tolist()),
        "image/object/bbox/xmin": floats(boxes[:, 1].tolist()),
        "image/object/bbox/ymax": floats(boxes[:, 2].tolist()),
        "image/object/bbox/xmax": floats(boxes[:, 3].tolist()),
        "image/object/class/label": ints(example.labels.tolist()),
        "image/object/class/text": strs([CLASS_NAMES[i - 1].encode() for i in example.labels]),
        # Mask R-CNN configs read these (load_instance_masks, PNG_MASKS); others ignore them.
        MASK_FEATURE: strs([encode_png_mask(m) for m in example.masks]),
    }
    proto = tf.train.Example(features=tf.train.Features(feature=feature))
    # Protobuf map order is unspecified unless asked for: needed for byte-identical files.
    data: bytes = proto.SerializeToString(deterministic=True)
    return data


def _shard_name(split: str, index: int, shards: int) -> str:
    return f"{split}-{index:05d}-of-{shards:05d}.tfrecord"


def _atomic_write(path: Path, write: Any) -> None:
    # TensorFlow's TFRecordWriter writes the file itself (so storage.write_bytes_atomic
    # cannot): let it write next to the target and rename, so a crash leaves a *.tmp
    # file, never a half shard that a later glob would pick up.
    tmp = path.with_name(f"{path.name}.tmp-{os.getpid()}")
    try:
        write(str(tmp))
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()


def label_map_text() -> str:
    """The label map in the OD API's ``StringIntLabelMap`` text format."""
    items = (
        f"item {{\n  id: {i}\n  name: '{name}'\n  display_name: '{name}'\n}}\n"
        for i, name in enumerate(CLASS_NAMES, start=1)
    )
    return "".join(items)


def _write_split(
    tf: Any, out: Path, split: str, *, seed: int, count: int, image_size: int, shards: int
) -> int:
    records: list[list[bytes]] = [[] for _ in range(shards)]
    objects = 0
    for index, example in enumerate(iter_examples(seed, split, count, image_size)):
        # Round-robin keeps shards within one record of each other.
        records[index % shards].append(_tf_example(tf, example, split, index))
        objects += len(example.labels)
    for shard, shard_records in enumerate(records):
        path = out / _shard_name(split, shard, shards)

        def write(tmp: str, shard_records: list[bytes] = shard_records) -> None:
            with tf.io.TFRecordWriter(tmp) as writer:
                for record in shard_records:
                    writer.write(record)

        _atomic_write(path, write)
        logger.debug("wrote %s (%d records)", path, len(shard_records))
    logger.info("wrote %d %s images (%d objects) in %d shard(s)", count, split, objects, shards)
    return objects


def write_demo_dataset(
    out_dir: str | Path,
    *,
    seed: int = 0,
    num_train: int = 64,
    num_eval: int = 16,
    image_size: int = 128,
    shards: int = 1,
) -> DemoDataset:
    """Writes the demo dataset as OD API TFRecords plus a label map.

    Files: ``OUT_DIR/train-SSSSS-of-NNNNN.tfrecord``, ``OUT_DIR/eval-SSSSS-of-NNNNN.tfrecord``
    and ``OUT_DIR/label_map.pbtxt``. Existing files of the same names are replaced.

    Args:
        out_dir: Directory to write into (created if missing).
        seed: Seed of everything random; the same arguments give byte-identical files.
        num_train: Number of train images.
        num_eval: Number of eval images.
        image_size: Width and height in pixels (the config resizes to 128x128 anyway).
        shards: Number of TFRecord files per split.

    Returns:
        The paths and sizes to put into a pipeline.config.

    Raises:
        InputError: A count, size or shard number is out of range.
    """
    problems = []
    if num_train < 1:
        problems.append(f"num_train: must be >= 1, got {num_train}")
    if num_eval < 1:
        problems.append(f"num_eval: must be >= 1, got {num_eval}")
    if image_size < 32:
        problems.append(f"image_size: must be >= 32 pixels, got {image_size}")
    if not 1 <= shards <= min(num_train, num_eval, 99999):
        problems.append(
            f"shards: must be between 1 and min(num_train, num_eval) so no shard is empty, "
            f"got {shards}"
        )
    if problems:
        raise InputError(problems)

    from odsweep.tfcompat import load_tensorflow

    tf = load_tensorflow()
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    counts = {}
    for split, count in (("train", num_train), ("eval", num_eval)):
        objects = _write_split(
            tf, out, split, seed=seed, count=count, image_size=image_size, shards=shards
        )
        counts[f"{split}_images"] = count
        counts[f"{split}_objects"] = objects

    label_map = out / "label_map.pbtxt"
    storage.write_text_atomic(str(label_map), label_map_text())
    logger.info("wrote demo dataset to %s (seed %d)", out, seed)
    return DemoDataset(
        train_glob=str(out / f"train-?????-of-{shards:05d}.tfrecord"),
        eval_glob=str(out / f"eval-?????-of-{shards:05d}.tfrecord"),
        label_map_path=str(label_map),
        num_classes=len(CLASS_NAMES),
        counts=MappingProxyType(counts),
    )
