"""Small valid (and deliberately broken) TFRecord shards for tests, written without
TensorFlow: the tf.Example protobuf and the record framing are encoded by hand."""

from __future__ import annotations

import io
import struct
from pathlib import Path

import google_crc32c
from PIL import Image


def _varint(n: int) -> bytes:
    out = bytearray()
    while True:
        byte = n & 0x7F
        n >>= 7
        if n:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def _field(number: int, payload: bytes) -> bytes:
    return _varint(number << 3 | 2) + _varint(len(payload)) + payload


def _feature(kind: str, values: list[bytes] | list[float] | list[int]) -> bytes:
    if kind == "bytes":
        inner = b"".join(_field(1, v) for v in values)  # type: ignore[arg-type]
        return _field(1, inner)
    if kind == "float":
        packed = b"".join(struct.pack("<f", v) for v in values)
        return _field(2, _field(1, packed))
    packed = b"".join(_varint(int(v) & 0xFFFFFFFFFFFFFFFF) for v in values)
    return _field(3, _field(1, packed))


def png(size: int = 16) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (size, size), (120, 30, 200)).save(buf, format="PNG")
    return buf.getvalue()


def example(*, image: bytes | None = None, label: int = 1) -> bytes:
    """A serialized tf.Example with one box; ``image=b""`` leaves image/encoded out."""
    image = png() if image is None else image
    features: dict[str, tuple[str, list[bytes] | list[float] | list[int]]] = {
        "image/height": ("int", [16]),
        "image/width": ("int", [16]),
        "image/format": ("bytes", [b"png"]),
        "image/object/bbox/xmin": ("float", [0.1]),
        "image/object/bbox/xmax": ("float", [0.6]),
        "image/object/bbox/ymin": ("float", [0.2]),
        "image/object/bbox/ymax": ("float", [0.7]),
        "image/object/class/label": ("int", [label]),
    }
    if image:
        features["image/encoded"] = ("bytes", [image])
    entries = b"".join(
        _field(1, _field(1, key.encode()) + _field(2, _feature(kind, values)))
        for key, (kind, values) in features.items()
    )
    return _field(1, entries)


def _masked(data: bytes) -> int:
    crc = int(google_crc32c.value(data))
    return (((crc >> 15) | (crc << 17)) + 0xA282EAD8) & 0xFFFFFFFF


def frame(record: bytes) -> bytes:
    """One record in TFRecord framing (length, its CRC, data, its CRC)."""
    length = struct.pack("<Q", len(record))
    return length + struct.pack("<I", _masked(length)) + record + struct.pack("<I", _masked(record))


def shard_bytes(records: list[bytes] | None = None) -> bytes:
    return b"".join(frame(r) for r in (records if records is not None else [example()]))


def write_shard(path: Path, records: list[bytes] | None = None) -> Path:
    path.write_bytes(shard_bytes(records))
    return path
