"""The winner's detections drawn next to the ground truth, one PNG per eval image.

Drawn with Pillow (a matplotlib dependency): the image at its own aspect ratio, ground
truth on the left, the exported model's boxes scoring at least the record's minimum on
the right, each box labelled with its class name (and score). A class keeps its colour
on both sides and in every image.
"""

from __future__ import annotations

import io
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from odsweep.results import Box, DetectionSample, WinnerDetections

if TYPE_CHECKING:
    from PIL import Image as PILImage
    from PIL import ImageDraw

PANEL = 360  # the longer side of each panel, in pixels (demo images are tiny)
HEADER = 22
GAP = 10
# Okabe-Ito colours, readable with the common colour-vision deficiencies.
PALETTE = ("#E69F00", "#56B4E9", "#009E73", "#F0E442", "#0072B2", "#D55E00", "#CC79A7")
IMAGE_PREFIX = "detections_"
# An undertrained model scores dozens of boxes above the threshold; beyond this many the
# picture is unreadable, so only the most confident are drawn (the caption says so).
MAX_DRAWN = 20


@dataclass(frozen=True)
class Detections:
    """The section: one image per sample, or why there is none.

    Attributes:
        images: Names in ``Report.images``, in sample order.
        captions: One line per image (what each side shows).
        note: Why there are no images, or a caveat shown above them.
    """

    images: tuple[str, ...] = ()
    captions: tuple[str, ...] = ()
    note: str | None = None


def colour(label: str) -> str:
    """A stable colour per class name (the same in every image and run)."""
    return PALETTE[zlib.crc32(label.encode("utf-8")) % len(PALETTE)]


def detections_section(
    record: WinnerDetections | None, note: str | None
) -> tuple[Detections, dict[str, bytes]]:
    """The section and its PNGs; ``note`` (no export, stale record) wins over images."""
    if note is not None or record is None:
        return Detections(note=note or "no detections recorded: the export was not verified"), {}
    images: dict[str, bytes] = {}
    captions = []
    skipped = []
    for index, sample in enumerate(record.samples, start=1):
        try:
            png = draw_sample(sample, record.min_score)
        except OSError:  # PIL cannot decode this image format: say so, draw the rest
            skipped.append(index)
            continue
        name = f"{IMAGE_PREFIX}{index}"
        images[name] = png
        found = len(sample.predicted)
        shown = f"the top {MAX_DRAWN} of {found}" if found > MAX_DRAWN else str(found)
        captions.append(
            f"Eval image {index}: ground truth ({len(sample.truth)} boxes) | "
            f"{record.trial} at step {record.step} "
            f"({shown} boxes with score >= {record.min_score:g})"
        )
    text = None
    if skipped:
        text = f"eval images {skipped} could not be decoded for drawing"
    if not record.samples:
        text = "no detections recorded: the verification ran no eval image"
    return Detections(tuple(images), tuple(captions), text), images


def _label_text(box: Box) -> str:
    return box.label if box.score is None else f"{box.label} {box.score:.2f}"


def _draw_boxes(
    draw: ImageDraw.ImageDraw, boxes: Sequence[Box], left: int, top: int, size: tuple[int, int]
) -> None:
    width, height = size
    # Lowest score first so the most confident boxes and labels end up on top.
    for box in sorted(boxes, key=lambda b: -1.0 if b.score is None else b.score):
        x0 = left + max(0.0, min(1.0, box.xmin)) * width
        x1 = left + max(0.0, min(1.0, box.xmax)) * width
        y0 = top + max(0.0, min(1.0, box.ymin)) * height
        y1 = top + max(0.0, min(1.0, box.ymax)) * height
        fill = colour(box.label)
        draw.rectangle((x0, y0, max(x0, x1), max(y0, y1)), outline=fill, width=2)
        text = _label_text(box)
        tx0, ty0, tx1, ty1 = draw.textbbox((0, 0), text)
        tw, th = tx1 - tx0 + 4, ty1 - ty0 + 4
        ty = y0 - th if y0 - th >= top else y0  # above the box, or inside at the top edge
        draw.rectangle((x0, ty, x0 + tw, ty + th), fill=fill)
        draw.text((x0 + 2 - tx0, ty + 2 - ty0), text, fill="black")


def _count(drawn: Sequence[Box], sample: DetectionSample) -> str:
    found = len(sample.predicted)
    return f"top {len(drawn)} of {found}" if found > len(drawn) else str(found)


def _panel(image: PILImage.Image) -> PILImage.Image:
    from PIL import Image

    scale = PANEL / max(image.size)
    size = (max(1, round(image.size[0] * scale)), max(1, round(image.size[1] * scale)))
    return image.resize(size, Image.Resampling.BILINEAR)


def draw_sample(sample: DetectionSample, min_score: float) -> bytes:
    """Ground truth | predictions for one image, as PNG bytes (same input, same bytes).

    Raises:
        OSError: The image bytes are not a format Pillow decodes.
    """
    from PIL import Image, ImageDraw

    with Image.open(io.BytesIO(sample.image)) as source:
        panel = _panel(source.convert("RGB"))
    width, height = panel.size
    predicted = sorted(sample.predicted, key=lambda b: -(b.score or 0.0))[:MAX_DRAWN]
    canvas = Image.new("RGB", (2 * width + GAP, height + HEADER), "white")
    draw = ImageDraw.Draw(canvas)
    for side, (title, boxes) in enumerate(
        (
            (f"ground truth ({len(sample.truth)})", sample.truth),
            (f"predicted, score >= {min_score:g} ({_count(predicted, sample)})", predicted),
        )
    ):
        left = side * (width + GAP)
        canvas.paste(panel, (left, HEADER))
        draw.text((left + 2, 4), title, fill="black")
        _draw_boxes(draw, boxes, left, HEADER, (width, height))
    buffer = io.BytesIO()
    canvas.save(buffer, format="PNG")
    return buffer.getvalue()
