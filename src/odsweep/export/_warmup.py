"""TF Serving's warm-up file: real requests the server replays before it takes traffic.

TF Serving reads ``<version>/assets.extra/tf_serving_warmup_requests`` at load time:
a TFRecord of ``tensorflow_serving.apis.PredictionLog`` records, each a PredictRequest
it runs once so the first client call does not pay for graph tracing and allocation.
odsweep builds them from eval images in the export's input type (batch of one, the
``serving_default`` signature, the model named after the export's base folder, as TF
Serving's ``--model_name`` usually is) and verification replays them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from odsweep import storage
from odsweep.errors import InputError
from odsweep.export._inputs import INPUT_NAME, model_input, read_examples
from odsweep.export._types import ASSETS_EXTRA, SIGNATURE, ExportFailed

WARMUP_FILE = "tf_serving_warmup_requests"
# TF Serving replays at most 1000 records; a few images exercise every shape path.
DEFAULT_WARMUP_IMAGES = 4


@dataclass(frozen=True)
class WarmupRequest:
    """One record read back: what TF Serving would send to the model."""

    model_name: str
    signature_name: str
    inputs: dict[str, Any]  # input name -> tf.Tensor (batch of one)


def config_eval_input(config: Any) -> str | None:
    """The first eval TFRecord glob the pipeline config names, if any."""
    for reader in config.eval_input_reader:
        paths = list(reader.tf_record_input_reader.input_path)
        if paths:
            return str(paths[0])
    return None


def warmup_examples(
    tf: Any, config: Any, warmup_input: str | None, images: int = DEFAULT_WARMUP_IMAGES
) -> list[tuple[bytes, bytes]]:
    """The eval images the warm-up requests are built from (read before any export work).

    Raises:
        InputError: No images to read (one line naming where they were looked for).
    """
    source = warmup_input if warmup_input is not None else config_eval_input(config)
    if source is None:
        raise InputError(
            "warmup_input: the pipeline config names no eval input to build TF Serving's "
            "warm-up requests from; pass warmup_input='<eval TFRecord glob>'"
        )
    try:
        return read_examples(tf, source, images)
    except InputError as exc:
        raise InputError(
            f"warmup_input: {exc.messages[0]} (images for the TF Serving warm-up file)"
        ) from exc


def model_name_of(output_base: str) -> str:
    """The model's name as TF Serving would be given it: the base folder's name."""
    return output_base.rstrip("/").rsplit("/", 1)[-1] or "model"


def write_warmup(
    tf: Any,
    saved_model_dir: str,
    examples: Sequence[tuple[bytes, bytes]],
    *,
    input_type: str,
    model_name: str,
) -> str:
    """Write ``<saved_model_dir>/assets.extra/tf_serving_warmup_requests``; its path."""
    # TF Serving's protos import tensorflow.core: ``tf`` (from tfcompat) was loaded first.
    from tensorflow_serving.apis import model_pb2, predict_pb2, prediction_log_pb2

    extra = storage.join(saved_model_dir, ASSETS_EXTRA)
    tf.io.gfile.makedirs(extra)
    path = storage.join(extra, WARMUP_FILE)
    with tf.io.TFRecordWriter(path) as writer:
        for serialized, encoded in examples:
            tensor = model_input(tf, input_type, serialized, encoded)
            request = predict_pb2.PredictRequest(
                model_spec=model_pb2.ModelSpec(name=model_name, signature_name=SIGNATURE)
            )
            request.inputs[INPUT_NAME].CopyFrom(tf.make_tensor_proto(tensor.numpy()))
            log = prediction_log_pb2.PredictionLog(
                predict_log=prediction_log_pb2.PredictLog(request=request)
            )
            writer.write(log.SerializeToString())
    return path


def read_warmup(tf: Any, saved_model_dir: str) -> list[WarmupRequest]:
    """Parse the warm-up file back with TF Serving's own protos.

    Raises:
        ExportFailed: The file is missing, unreadable, or holds a record that is not a
            PredictionLog with a predict request.
    """
    from google.protobuf.message import DecodeError
    from tensorflow_serving.apis import prediction_log_pb2

    path = storage.join(saved_model_dir, ASSETS_EXTRA, WARMUP_FILE)
    if not tf.io.gfile.exists(path):
        raise ExportFailed(
            f"verify: {saved_model_dir!r} has no {ASSETS_EXTRA}/{WARMUP_FILE}; re-export it "
            "(every odsweep export carries TF Serving's warm-up requests)"
        )
    out = []
    try:
        for index, record in enumerate(tf.data.TFRecordDataset([path])):
            log = prediction_log_pb2.PredictionLog.FromString(record.numpy())
            if log.WhichOneof("log_type") != "predict_log":
                raise ExportFailed(
                    f"verify: {path!r} record {index} is a {log.WhichOneof('log_type')}, not a "
                    "predict_log; re-export the model"
                )
            request = log.predict_log.request
            out.append(
                WarmupRequest(
                    model_name=request.model_spec.name,
                    signature_name=request.model_spec.signature_name,
                    inputs={k: tf.make_ndarray(v) for k, v in request.inputs.items()},
                )
            )
    except (tf.errors.OpError, DecodeError) as exc:
        raise ExportFailed(
            f"verify: cannot read {path!r} as PredictionLog records "
            f"({type(exc).__name__}: {' '.join(str(exc).split())[:200]}); re-export the model"
        ) from exc
    if not out:
        raise ExportFailed(f"verify: {path!r} holds no requests; re-export the model")
    return out
