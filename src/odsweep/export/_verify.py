"""Check an exported model the way a server would: plain TensorFlow, real images."""

from __future__ import annotations

import logging
import math
import time
from typing import Any

from odsweep import storage
from odsweep.errors import InputError
from odsweep.export._inputs import EXPECTED_DTYPE as _EXPECTED_DTYPE
from odsweep.export._inputs import model_input as _model_input
from odsweep.export._inputs import read_examples as _read_examples
from odsweep.export._samples import label_names, predicted_boxes, truth_boxes
from odsweep.export._types import (
    INPUT_TYPES,
    REQUIRED_OUTPUTS,
    SIGNATURE,
    ExportFailed,
    VerifyResult,
)
from odsweep.export._warmup import WarmupRequest, read_warmup
from odsweep.results import DETECTION_MIN_SCORE, SAVED_MODEL_FILE, DetectionSample
from odsweep.tfcompat import load_tensorflow

logger = logging.getLogger(__name__)


def _signature_input(fn: Any, input_type: str, path: str) -> str:
    """The signature's one input name; its dtype must be the one ``input_type`` feeds."""
    specs = fn.structured_input_signature[1]
    if len(specs) != 1:
        raise ExportFailed(
            f"verify: {path!r} {SIGNATURE} takes inputs {sorted(specs)}, expected one; "
            "export without side inputs"
        )
    ((name, spec),) = specs.items()
    if spec.dtype.name != _EXPECTED_DTYPE[input_type]:
        raise ExportFailed(
            f"verify: {path!r} {SIGNATURE} input {name!r} is {spec.dtype.name}, but input_type "
            f"{input_type!r} feeds {_EXPECTED_DTYPE[input_type]}; pass the input_type it was "
            "exported with"
        )
    return str(name)


def verify_saved_model(
    path: str,
    *,
    input_type: str,
    eval_input: str,
    max_images: int = 4,
    label_map: str | None = None,
) -> VerifyResult:
    """Load a SavedModel with plain ``tf.saved_model.load`` and run real images through it,
    then replay its TF Serving warm-up requests.

    Args:
        path: The SavedModel folder, e.g. ``ExportResult.path``.
        input_type: The input type it was exported with (decides how images are fed).
        eval_input: A TFRecord glob of OD API ``tf.train.Example`` records.
        max_images: Run at most this many images (one per call).
        label_map: The label map the trial used: names the classes of the boxes kept
            in ``VerifyResult.samples`` (without it, the records' class texts or ids).

    Returns:
        What the model produced.

    Raises:
        InputError: Unknown input type, ``max_images < 1``, no SavedModel at ``path``,
            unreadable eval records or label map.
        ExportFailed: The model does not load, lacks the ``serving_default`` signature
            or a detection output, returns empty outputs, or fails on an image; or its
            TF Serving warm-up file is missing or fails to replay.
    """
    problems = []
    if input_type not in INPUT_TYPES:
        problems.append(f"input_type: unknown {input_type!r}; use one of {', '.join(INPUT_TYPES)}")
    if max_images < 1:
        problems.append(f"max_images: must be >= 1, got {max_images}")
    tf = load_tensorflow()
    if not tf.io.gfile.exists(storage.join(path, SAVED_MODEL_FILE)):
        problems.append(f"path: no {SAVED_MODEL_FILE} in {path!r}; pass a SavedModel folder")
    if problems:
        raise InputError(problems)
    examples = _read_examples(tf, eval_input, max_images)
    names = label_names(label_map) if label_map else {}
    # Parsed before the (slow) model load: a missing or broken file fails at once.
    warmup_requests = read_warmup(tf, path)

    started = time.monotonic()
    try:
        model = tf.saved_model.load(path)
    except Exception as exc:
        raise ExportFailed(
            f"verify: cannot load SavedModel {path!r}: {type(exc).__name__}: "
            f"{' '.join(str(exc).split())[:300]}; re-export it"
        ) from exc
    signatures = model.signatures
    if SIGNATURE not in signatures:
        raise ExportFailed(
            f"verify: {path!r} has no {SIGNATURE!r} signature (has {sorted(signatures) or 'none'});"
            " export it with the OD API exporter"
        )
    fn = signatures[SIGNATURE]
    input_name = _signature_input(fn, input_type, path)

    outputs: set[str] = set()
    num_detections = []
    samples = []
    max_score = -math.inf
    for index, (serialized, encoded) in enumerate(examples):
        try:
            result = fn(**{input_name: _model_input(tf, input_type, serialized, encoded)})
        except Exception as exc:
            raise ExportFailed(
                f"verify: {path!r} failed on image {index} of {eval_input!r}: "
                f"{type(exc).__name__}: {' '.join(str(exc).split())[:300]}; "
                "check input_type and the exported model"
            ) from exc
        outputs.update(result)
        missing = [k for k in REQUIRED_OUTPUTS if k not in result]
        empty = [k for k in REQUIRED_OUTPUTS if k in result and int(tf.size(result[k])) == 0]
        if missing or empty:
            raise ExportFailed(
                f"verify: {path!r} on image {index}: missing outputs {missing}, empty outputs "
                f"{empty} (has {sorted(result)}); export with the OD API exporter"
            )
        num_detections.append(int(result["num_detections"].numpy().reshape(-1)[0]))
        scores = result["detection_scores"].numpy()
        if not bool(tf.reduce_all(tf.math.is_finite(scores))):
            raise ExportFailed(
                f"verify: {path!r} on image {index}: non-finite detection_scores; "
                "the checkpoint is broken (NaN weights?), export another one"
            )
        max_score = max(max_score, float(scores.max()))
        # The images were run anyway: keep what the model saw for the report.
        samples.append(
            DetectionSample(
                image=encoded,
                truth=truth_boxes(tf, serialized, names),
                predicted=predicted_boxes(result, names, DETECTION_MIN_SCORE),
            )
        )
    warmups = _replay_warmup(tf, fn, input_name, path, warmup_requests)
    seconds = time.monotonic() - started
    logger.info(
        "verified %s (%s): %d images, max score %.3f, %.1f s",
        path,
        input_type,
        len(examples),
        max_score,
        seconds,
    )
    return VerifyResult(
        path=path,
        input_type=input_type,
        images=len(examples),
        outputs=tuple(sorted(outputs)),
        num_detections=tuple(num_detections),
        max_score=max_score,
        seconds=seconds,
        warmup_requests=warmups,
        samples=tuple(samples),
    )


def _replay_warmup(
    tf: Any, fn: Any, input_name: str, path: str, requests: list[WarmupRequest]
) -> int:
    """Run every TF Serving warm-up request through the signature, as the server would."""
    for index, request in enumerate(requests):
        if request.signature_name != SIGNATURE or set(request.inputs) != {input_name}:
            raise ExportFailed(
                f"verify: {path!r} warm-up request {index} calls {request.signature_name!r} "
                f"with inputs {sorted(request.inputs)}, but the model's {SIGNATURE!r} takes "
                f"{input_name!r}; re-export the model"
            )
        try:
            result = fn(**{k: tf.constant(v) for k, v in request.inputs.items()})
        except Exception as exc:
            raise ExportFailed(
                f"verify: {path!r} failed on warm-up request {index}: {type(exc).__name__}: "
                f"{' '.join(str(exc).split())[:300]}; re-export the model"
            ) from exc
        missing = [k for k in REQUIRED_OUTPUTS if k not in result]
        if missing:
            raise ExportFailed(
                f"verify: {path!r} warm-up request {index}: missing outputs {missing}; "
                "re-export the model"
            )
    return len(requests)
