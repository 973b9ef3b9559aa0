"""The winner's detections on a few eval images: the record the report draws from.

The export's verification runs the SavedModel on eval images anyway; what it saw is
kept here so that every report (``odsweep run``, ``odsweep report``, the pipeline's
report step, which runs in another container) can draw it without TensorFlow::

    <output>/detections/
      detections.json    WINNER_DETECTIONS_FILE: trial, step, export, boxes per image
      image-<i>.bin      each image's encoded bytes, as stored in the TFRecord

The images are written first and the JSON last, so a reader that finds the JSON finds
its images.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from odsweep import storage
from odsweep.errors import InputError
from odsweep.results._layout import WINNER_DETECTIONS_DIR, WINNER_DETECTIONS_FILE

DETECTION_MIN_SCORE = 0.3
"""Predicted boxes below this score are neither kept nor drawn."""


@dataclass(frozen=True)
class Box:
    """One box in normalised ``[0, 1]`` image coordinates.

    Attributes:
        ymin, xmin, ymax, xmax: The corners, as the OD API orders them.
        label: The class name from the label map (or ``class <id>`` if it has none).
        score: The model's score; None for a ground-truth box.
    """

    ymin: float
    xmin: float
    ymax: float
    xmax: float
    label: str
    score: float | None = None


@dataclass(frozen=True)
class DetectionSample:
    """One eval image with its ground truth and what the exported model found."""

    image: bytes
    truth: tuple[Box, ...]
    predicted: tuple[Box, ...]


@dataclass(frozen=True)
class WinnerDetections:
    """Which export saw the samples (so a report can tell a stale record) and the samples."""

    trial: str
    step: int
    export_path: str
    min_score: float
    samples: tuple[DetectionSample, ...]


def _box_doc(box: Box) -> dict[str, Any]:
    doc: dict[str, Any] = {"box": [box.ymin, box.xmin, box.ymax, box.xmax], "label": box.label}
    if box.score is not None:
        doc["score"] = box.score
    return doc


def _box(doc: Any) -> Box:
    ymin, xmin, ymax, xmax = (float(v) for v in doc["box"])
    score = doc.get("score")
    return Box(ymin, xmin, ymax, xmax, str(doc["label"]), None if score is None else float(score))


def _image_name(index: int) -> str:
    return f"image-{index}.bin"


def write_detections(output_dir: str, record: WinnerDetections) -> str:
    """Write the record under ``<output_dir>/detections/`` (images first); returns the JSON path."""
    folder = storage.join(output_dir, WINNER_DETECTIONS_DIR)
    for index, sample in enumerate(record.samples):
        storage.write_bytes_atomic(storage.join(folder, _image_name(index)), sample.image)
    doc = {
        "trial": record.trial,
        "step": record.step,
        "export_path": record.export_path,
        "min_score": record.min_score,
        "samples": [
            {
                "image": _image_name(index),
                "truth": [_box_doc(b) for b in sample.truth],
                "predicted": [_box_doc(b) for b in sample.predicted],
            }
            for index, sample in enumerate(record.samples)
        ],
    }
    path = storage.join(folder, WINNER_DETECTIONS_FILE)
    storage.write_text_atomic(path, json.dumps(doc, indent=2) + "\n")
    return path


def read_detections(output_dir: str) -> WinnerDetections | None:
    """The record, None when no export was verified here yet.

    Raises:
        InputError: The record or one of its images is unreadable (names the file and
            says to re-verify the export).
    """
    folder = storage.join(output_dir, WINNER_DETECTIONS_DIR)
    path = storage.join(folder, WINNER_DETECTIONS_FILE)
    if not storage.exists(path):
        return None
    key = f"{WINNER_DETECTIONS_DIR}/{WINNER_DETECTIONS_FILE}"
    try:
        doc = json.loads(storage.read_text(path, key=key))
        samples: Sequence[Any] = doc["samples"]
        return WinnerDetections(
            trial=str(doc["trial"]),
            step=int(doc["step"]),
            export_path=str(doc["export_path"]),
            min_score=float(doc["min_score"]),
            samples=tuple(
                DetectionSample(
                    image=storage.read_bytes(
                        storage.join(folder, str(s["image"])), key=f"{key} image"
                    ),
                    truth=tuple(_box(b) for b in s["truth"]),
                    predicted=tuple(_box(b) for b in s["predicted"]),
                )
                for s in samples
            ),
        )
    except (ValueError, KeyError, TypeError) as exc:
        raise InputError(
            f"{key}: {path} is damaged ({type(exc).__name__}: {exc}); "
            "delete the folder and run `odsweep export` again to re-verify the model"
        ) from None
