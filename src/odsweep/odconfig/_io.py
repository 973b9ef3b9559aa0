"""Read and write pipeline.config text protos (and count classes in a label map)."""

from __future__ import annotations

import os
import re
from typing import Any

from google.protobuf import text_format
from object_detection.protos import pipeline_pb2, string_int_label_map_pb2
from object_detection.protos.pipeline_pb2 import TrainEvalPipelineConfig

from odsweep import storage
from odsweep.errors import InputError
from odsweep.odconfig._extscan import (
    external_reader_error,
    find_external_readers,
    readers_missing_paths,
)

_EXTENSION_RE = re.compile(r'Extension "([^"]+)" not registered\..*', re.DOTALL)


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _parse_reason(error: Exception) -> str:
    """The parser's reason on one line, with a hint where the parser's own is misleading."""
    reason = _one_line(str(error))
    # protobuf suggests importing a _pb2 module, which no user can do: the extension
    # (e.g. GoogleInputReader in two zoo CenterNet configs) only exists inside Google.
    reason = _EXTENSION_RE.sub(
        r'extension "\1" is not defined by the open-source OD API (Google-internal?); '
        r"replace that block, e.g. with tf_record_input_reader { input_path: ... }",
        reason,
    )
    if "has no field named" in reason:
        reason += " (misspelt, or written for another OD API version such as TF1)"
    return reason


def _read_text(path: str | os.PathLike[str], what: str) -> str:
    # storage names ``what`` and the path in its errors (missing, folder, not UTF-8).
    return storage.read_text(os.fspath(path), key=what)


def parse_pipeline_config(text: str, *, source: str) -> TrainEvalPipelineConfig:
    """Parse pipeline.config text into a ``TrainEvalPipelineConfig``.

    Uses ``text_format.Merge`` like the OD API's ``config_util`` does, so whatever
    the OD API accepts is accepted here.

    Args:
        text: The text proto.
        source: Where the text came from (a path), used in error messages.

    Returns:
        The parsed config.

    Raises:
        InputError: ``<source>: not a valid OD API pipeline.config: <reason>``.
    """
    config = pipeline_pb2.TrainEvalPipelineConfig()
    try:
        text_format.Merge(text, config)
    except (text_format.ParseError, ValueError) as exc:
        # Google-internal readers: the fix is data paths (load_config_with_data replaces
        # the blocks), which the parser's own message cannot say.
        blocks = find_external_readers(text)
        if blocks:
            missing = readers_missing_paths(blocks, train_input=None, eval_input=None)
            raise InputError(external_reader_error(source, blocks, missing)) from exc
        raise InputError(
            f"{source}: not a valid OD API pipeline.config: {_parse_reason(exc)}"
        ) from exc
    return config


def read_config_text(path: str | os.PathLike[str]) -> str:
    """The text of a pipeline.config (local or ``gs://``); errors name the path."""
    return _read_text(path, "pipeline config")


def load_pipeline_config(path: str | os.PathLike[str]) -> TrainEvalPipelineConfig:
    """Read and parse a pipeline.config file.

    Args:
        path: Local path or ``gs://`` URI of the file.

    Returns:
        The parsed config.

    Raises:
        InputError: Missing/unreadable file or invalid text proto; names the path.
    """
    return parse_pipeline_config(read_config_text(path), source=os.fspath(path))


def config_to_text(config: Any) -> str:
    """Render a config as text proto (the format the OD API reads)."""
    text: str = text_format.MessageToString(config)
    return text


def write_pipeline_config(config: Any, path: str | os.PathLike[str]) -> None:
    """Write a config as text proto atomically (:func:`odsweep.storage.write_text_atomic`).

    A reader never sees a half-written file: it gets the old file or the new one.

    Args:
        config: The config to write.
        path: Destination (local, folders are created, or ``gs://``).

    Raises:
        InputError: The destination cannot be written (permissions, a file in the way).
    """
    target = os.fspath(path)
    try:
        storage.write_text_atomic(target, config_to_text(config))
    except OSError as exc:
        raise InputError(f"{target}: cannot write pipeline config: {exc.strerror or exc}") from None


def label_map_num_classes(path: str | os.PathLike[str]) -> int:
    """The largest class id in a ``label_map.pbtxt`` (what ``num_classes`` must cover).

    Args:
        path: Local path or ``gs://`` URI of a text ``StringIntLabelMap``.

    Returns:
        The maximum ``item.id``.

    Raises:
        InputError: Missing/unreadable/invalid file, or no item with an id >= 1.
    """
    name = os.fspath(path)
    text = _read_text(path, "label map")
    label_map = string_int_label_map_pb2.StringIntLabelMap()
    try:
        text_format.Merge(text, label_map)
    except (text_format.ParseError, ValueError) as exc:
        raise InputError(
            f"{name}: not a valid label map (StringIntLabelMap text proto): {_parse_reason(exc)}"
        ) from exc
    ids: list[int] = [int(item.id) for item in label_map.item]
    if not ids or max(ids) < 1:
        raise InputError(
            f"{name}: label map has no item with an id >= 1; add 'item {{ id: 1 ... }}'"
        )
    return max(ids)
