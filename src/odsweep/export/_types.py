"""What the export package hands back, its error, and the input types it knows.

Pure data: importing this module never imports TensorFlow.
"""

from __future__ import annotations

from dataclasses import dataclass

from odsweep.errors import OdsweepError
from odsweep.results import DetectionSample

# The OD API exporter's input types (``exporter_lib_v2.DETECTION_MODULE_MAP``) that work
# for every detection model. ``image_and_boxes_tensor`` is left out: it needs a model
# with ``predict_masks_from_boxes`` (DeepMAC only).
INPUT_TYPES: tuple[str, ...] = (
    "image_tensor",
    "float_image_tensor",
    "encoded_image_string_tensor",
    "tf_example",
)

PROVENANCE_FILE = "odsweep_provenance.json"
ASSETS_EXTRA = "assets.extra"
SIGNATURE = "serving_default"
REQUIRED_OUTPUTS: tuple[str, ...] = (
    "detection_boxes",
    "detection_scores",
    "detection_classes",
    "num_detections",
)


class ExportFailed(OdsweepError):
    """An export ran and failed, or an exported model did not pass verification."""


@dataclass(frozen=True)
class ExportResult:
    """Where an exported model landed.

    Attributes:
        base: The TF Serving model base path (``--model_base_path``).
        version: The numeric version folder it was published as.
        path: ``<base>/<version>``: the SavedModel (``saved_model.pb``, ``variables/``).
        input_type: The serving signature's input type.
        checkpoint: The checkpoint prefix that was restored.
        provenance_path: ``<path>/assets.extra/odsweep_provenance.json``.
    """

    base: str
    version: int
    path: str
    input_type: str
    checkpoint: str
    provenance_path: str


@dataclass(frozen=True)
class VerifyResult:
    """What running an exported model on real images showed.

    Attributes:
        path: The SavedModel folder that was loaded.
        input_type: How the images were fed.
        images: How many images were run.
        outputs: The signature's output names (sorted).
        num_detections: ``num_detections`` per image, in order.
        max_score: The highest detection score over all images.
        seconds: Wall time to load the model and run every image.
        warmup_requests: TF Serving warm-up requests replayed (``assets.extra``).
        samples: Each image with its ground truth and the predicted boxes scoring at
            least ``results.DETECTION_MIN_SCORE`` (what the report draws).
    """

    path: str
    input_type: str
    images: int
    outputs: tuple[str, ...]
    num_detections: tuple[int, ...]
    max_score: float
    seconds: float
    warmup_requests: int = 0
    samples: tuple[DetectionSample, ...] = ()
