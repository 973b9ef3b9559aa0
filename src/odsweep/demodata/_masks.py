"""Instance masks of the demo objects, in the form the OD API's decoder reads.

Each object's mask is drawn with the same geometry as the object itself (objects never
overlap), so it is exact: every pixel of the shape and no other. Masks are stored as
``image/object/mask``, one PNG per object, the OD API's ``PNG_MASKS`` form (its decoder
reads any non-zero pixel as inside).
"""

from __future__ import annotations

import io

import numpy as np
from numpy.typing import NDArray

MASK_FEATURE = "image/object/mask"
_INSIDE = 255  # any non-zero value is inside for the decoder; 255 keeps the PNG viewable


def empty_masks(image_size: int) -> NDArray[np.uint8]:
    """The ``(0, size, size)`` array of an image without objects."""
    return np.zeros((0, image_size, image_size), dtype=np.uint8)


def mask_canvas(image_size: int) -> tuple[object, object, int]:
    """A blank single-channel image, a drawer on it and the fill that marks "inside"."""
    from PIL import Image, ImageDraw

    canvas = Image.new("L", (image_size, image_size), 0)
    return canvas, ImageDraw.Draw(canvas), _INSIDE


def to_binary(canvas: object) -> NDArray[np.uint8]:
    """A drawn canvas as a 0/1 ``uint8`` array."""
    return (np.asarray(canvas) > 0).astype(np.uint8)


def encode_png_mask(mask: NDArray[np.uint8]) -> bytes:
    """One object's 0/1 mask as PNG bytes (deterministic: fixed encoder settings)."""
    from PIL import Image

    buf = io.BytesIO()
    Image.fromarray((mask > 0).astype(np.uint8) * _INSIDE).save(buf, format="PNG", optimize=False)
    return buf.getvalue()
