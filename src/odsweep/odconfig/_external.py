"""Load a pipeline.config pointed at the user's data, replacing readers that the
open-source protos cannot read (see :mod:`odsweep.odconfig._extscan`)."""

from __future__ import annotations

import logging
import os

from object_detection.protos.pipeline_pb2 import TrainEvalPipelineConfig

from odsweep.errors import InputError
from odsweep.odconfig._extscan import (
    cut_external_readers,
    external_reader_error,
    find_external_readers,
    readers_missing_paths,
    unreplaced,
)
from odsweep.odconfig._io import parse_pipeline_config, read_config_text
from odsweep.odconfig._pipeline import set_data_paths

logger = logging.getLogger(__name__)


def load_config_with_data(
    path: str | os.PathLike[str],
    *,
    train_input: str | None = None,
    eval_input: str | None = None,
    label_map: str | None = None,
) -> TrainEvalPipelineConfig:
    """Read a pipeline.config and point its readers at the given data.

    ``external_input_reader`` blocks are replaced by ``tf_record_input_reader`` on the
    given paths (one log line says so); see :func:`odconfig.set_data_paths` for the rest.

    Raises:
        InputError: An external reader whose data path is not given (one line: the
            readers, their lines, the flags or spec keys to give); any parse or path error.
    """
    source = os.fspath(path)
    text = read_config_text(path)
    blocks = find_external_readers(text)
    if blocks:
        missing = readers_missing_paths(blocks, train_input=train_input, eval_input=eval_input)
        if missing:
            lacking = unreplaced(blocks, train_input=train_input, eval_input=eval_input)
            raise InputError(external_reader_error(source, lacking, missing))
        text = cut_external_readers(text, blocks)
        logger.info(
            "%s: replaced the Google-internal external_input_reader of %s with "
            "tf_record_input_reader on the given data paths",
            source,
            ", ".join(b.key for b in blocks),
        )
    config = parse_pipeline_config(text, source=source)
    set_data_paths(config, train_input=train_input, eval_input=eval_input, label_map=label_map)
    return config
