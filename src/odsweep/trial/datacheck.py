"""Read the data before training: every shard opened, a few records each decoded.

Today's failures this prevents: an empty shard makes training wait forever for a
record, a corrupt one fails after the model is built with only "DataLossError:
Graph execution error:". Checked here, per input reader:

- every file its globs match is non-empty and its first :data:`RECORDS_PER_SHARD`
  records are whole TFRecords with valid CRCs (the framing and checksum rule of
  TensorFlow's own record reader, applied to bytes read through
  :mod:`odsweep.storage`, so ``gs://`` costs one ranged read per shard);
- each sampled record is a ``tf.train.Example`` with an ``image/encoded`` image,
  and the OD API's decoder, built from the reader's config exactly as training
  builds it (``decoder_builder``), decodes it;
- the label map: ids >= 1, unique, the largest <= the model's ``num_classes``.

Shards are checked in a thread pool; the time taken is logged.
"""

from __future__ import annotations

import logging
import os
import re
import struct
import tempfile
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from odsweep import odconfig, storage
from odsweep.errors import InputError

logger = logging.getLogger(__name__)

RECORDS_PER_SHARD = 4
MAX_REPORTED = 20  # bad shards listed one per line; the rest are counted
WORKERS = 16  # I/O bound (gs:// round trips); decoding a few images is cheap
_FIRST_READ = 1 << 20
_MAX_READ = 256 << 20  # four records of a sane dataset are far smaller
_HEADER = 12  # uint64 length + uint32 masked CRC of the length
_FOOTER = 4  # uint32 masked CRC of the data
_TF_NOISE = re.compile(r"\{\{function_node [^}]*\}\}\s*|\s*\[Op:\w+\].*$")


@dataclass(frozen=True)
class Shard:
    """One file of an input reader: the reader's config key and its index in
    :func:`readers`."""

    key: str
    path: str
    reader: int


def _masked_crc(data: bytes) -> int:
    import google_crc32c

    crc = int(google_crc32c.value(data))
    return (((crc >> 15) | (crc << 17)) + 0xA282EAD8) & 0xFFFFFFFF


def split_records(data: bytes, count: int, *, complete: bool) -> tuple[list[bytes], str | None]:
    """Up to ``count`` records from the start of a TFRecord file's bytes.

    Args:
        data: The file's first bytes.
        count: How many records to take.
        complete: ``data`` is the whole file (so running out of bytes is truncation).

    Returns:
        The records, and the problem found (None when none). When ``complete`` is false
        and the bytes end inside a record, the problem is ``"more"``: read further.
    """
    records: list[bytes] = []
    offset = 0
    while len(records) < count and offset < len(data):
        if len(data) - offset < _HEADER:
            return records, _short(complete, offset)
        header = data[offset : offset + 8]
        (length,) = struct.unpack("<Q", header)
        (length_crc,) = struct.unpack("<I", data[offset + 8 : offset + _HEADER])
        if _masked_crc(header) != length_crc:
            return records, f"corrupt record at byte {offset} (length checksum mismatch)"
        end = offset + _HEADER + length + _FOOTER
        if end > len(data):
            return records, _short(complete, offset)
        body = data[offset + _HEADER : end - _FOOTER]
        (body_crc,) = struct.unpack("<I", data[end - _FOOTER : end])
        if _masked_crc(body) != body_crc:
            return records, f"corrupt record at byte {offset} (data checksum mismatch)"
        records.append(body)
        offset = end
    return records, None


def _short(complete: bool, offset: int) -> str:
    return f"truncated record at byte {offset}" if complete else "more"


def _sample(path: str, key: str) -> list[bytes]:
    """The first records of a shard; raises ValueError naming what is wrong."""
    size = _FIRST_READ
    while True:
        data = storage.read_head(path, size, key=key)
        complete = len(data) < size
        if not data:
            raise ValueError("empty file (0 bytes); remove it or write it again")
        records, problem = split_records(data, RECORDS_PER_SHARD, complete=complete)
        if problem == "more" and size < _MAX_READ:
            size *= 4
            continue
        if problem == "more":
            problem = f"a record longer than {_MAX_READ >> 20} MiB at its start"
        if problem is not None:
            raise ValueError(f"{problem}; the file is damaged: copy or write it again")
        return records


def _decode(tf: Any, decoder: Any, record: bytes, index: int) -> None:
    example = tf.train.Example()
    try:
        example.ParseFromString(record)
    except Exception:
        raise ValueError(
            f"record {index} is not a tf.train.Example; write the shard with an OD API "
            "dataset tool (create_*_tf_record.py)"
        ) from None
    feature = example.features.feature.get("image/encoded")
    if feature is None or not any(feature.bytes_list.value):
        raise ValueError(f"record {index} has no image/encoded; every example needs its image")
    try:
        decoder.decode(tf.constant(record))
    except Exception as exc:
        raise ValueError(
            f"record {index} does not decode with the OD API's decoder: {tf_message(exc)}"
        ) from None


def tf_message(exc: BaseException) -> str:
    """An op error's own message on one line, without TF's node and op decorations."""
    text = str(getattr(exc, "message", None) or exc)
    return " ".join(_TF_NOISE.sub("", text).split())


def _check_shard(tf: Any, decoders: list[Any], shard: Shard) -> str | None:
    try:
        for index, record in enumerate(_sample(shard.path, shard.key), start=1):
            _decode(tf, decoders[shard.reader], record, index)
    except (ValueError, InputError) as exc:
        message = str(exc)
        if message.startswith(f"{shard.key}: "):  # storage errors carry the key already
            return message
        return f"{shard.key}: {shard.path}: {message}"
    except Exception as exc:  # a store failure: report it as that shard's problem
        return f"{shard.key}: {shard.path}: cannot read: {type(exc).__name__}: {exc}"
    return None


def readers(config: Any) -> list[tuple[str, Any]]:
    """``(key, reader)`` for the train reader and every eval reader."""
    return [("train_input_reader", config.train_input_reader)] + [
        (f"eval_input_reader[{i}]", r) for i, r in enumerate(config.eval_input_reader)
    ]


def check_records(config: Any, *, label_map_file: str | None = None) -> list[str]:
    """One line per bad shard (at most :data:`MAX_REPORTED`, then a count).

    The decoders read the label map from ``label_map_file`` (a local copy: TensorFlow's
    own ``gs://`` client is not the one odsweep reads through), or decode without one
    (the decoder refuses a broken map while being built; its problems are reported
    on their own).
    """
    shards: list[Shard] = []
    seen: set[str] = set()
    all_readers = readers(config)
    for index, (key, reader) in enumerate(all_readers):
        for pattern in reader.tf_record_input_reader.input_path:
            for path in storage.glob(pattern):
                if path not in seen:
                    seen.add(path)
                    shards.append(Shard(key, path, index))
    if not shards:
        return []
    from odsweep.tfcompat import load_tensorflow

    tf = load_tensorflow()
    from object_detection.builders import decoder_builder

    decoders = []
    for _, reader in all_readers:
        built = type(reader)()
        built.CopyFrom(reader)
        built.label_map_path = label_map_file or ""
        decoders.append(decoder_builder.build(built))
    start = time.perf_counter()
    with ThreadPoolExecutor(max_workers=min(WORKERS, len(shards))) as pool:
        found = [p for p in pool.map(lambda s: _check_shard(tf, decoders, s), shards) if p]
    logger.info("checked %d shards in %.1f s", len(shards), time.perf_counter() - start)
    return _capped(found)


def _capped(problems: Sequence[str]) -> list[str]:
    if len(problems) <= MAX_REPORTED:
        return list(problems)
    rest = len(problems) - MAX_REPORTED
    return [*problems[:MAX_REPORTED], f"... and {rest} more bad shards (not listed)"]


def check_label_map(path: str, num_classes: int) -> list[str]:
    """The label map's ids: each >= 1, unique, the largest <= ``num_classes``."""
    from google.protobuf import text_format
    from object_detection.protos import string_int_label_map_pb2

    text = storage.read_text(path, key="label_map_path")
    label_map = string_int_label_map_pb2.StringIntLabelMap()
    try:
        text_format.Merge(text, label_map)
    except (text_format.ParseError, ValueError) as exc:
        reason = " ".join(str(exc).split())
        return [f"label_map_path: {path}: not a valid label map (StringIntLabelMap): {reason}"]
    ids = [int(item.id) for item in label_map.item]
    problems: list[str] = []
    low = sorted({i for i in ids if i < 1})
    if not ids:
        problems.append(f"label_map_path: {path}: no items; add 'item {{ id: 1 name: ... }}'")
    if low:
        problems.append(
            f"label_map_path: {path}: ids must be >= 1 (0 is the background), got "
            f"{', '.join(map(str, low))}; number the classes from 1"
        )
    counts: dict[int, int] = {}
    for i in ids:
        counts[i] = counts.get(i, 0) + 1
    dupes = sorted(i for i, n in counts.items() if n > 1)
    if dupes:
        problems.append(
            f"label_map_path: {path}: ids must be unique, repeated: "
            f"{', '.join(map(str, dupes))}; give each class its own id"
        )
    if ids and max(ids) > num_classes:
        problems.append(
            f"model num_classes: {num_classes} is less than the label map's largest id "
            f"{max(ids)} ({path}); set the model's num_classes to at least {max(ids)}"
        )
    return problems


def check_data(config: Any) -> list[str]:
    """Every data problem of ``config`` (label map, then shards), one line each.

    Call it once the paths exist (the pre-flight's path checks passed).
    """
    problems: list[str] = []
    label_map = config.train_input_reader.label_map_path
    if not label_map:
        return check_records(config)
    problems += check_label_map(label_map, odconfig.model_num_classes(config))
    if problems:
        return problems + check_records(config)
    with tempfile.TemporaryDirectory(prefix="odsweep-labels-") as folder:
        local = os.path.join(folder, "label_map.pbtxt")
        with open(local, "w", encoding="utf-8") as handle:
            handle.write(storage.read_text(label_map, key="label_map_path"))
        return check_records(config, label_map_file=local)
