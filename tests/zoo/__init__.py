"""Model-zoo-form pipeline configs written for odsweep's tests, one per family.

They keep each family's distinctive sections (optimizer and schedule, losses, anchors or
heatmaps, post-processing, bfloat16 where the zoo sets it) at the zoo's sizes; tests make
them tiny through overrides. They are our own files, so tests never need
``../shared/reference`` to exist.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

ZOO_DIR = Path(__file__).resolve().parent

# A label map whose person class carries the 17 COCO keypoints (the CenterNet keypoint
# task's ``keypoint_label_map_path`` form).
PERSON_KEYPOINTS_LABEL_MAP = ZOO_DIR / "person_keypoints_label_map.pbtxt"


@dataclass(frozen=True)
class ZooConfig:
    """One test config and what is special about it."""

    family: str
    """Short family name (also the ``search_spaces/<family>.yaml`` stem)."""
    filename: str
    meta_architecture: str
    """The ``model`` oneof it selects: ``ssd``, ``faster_rcnn`` or ``center_net``."""
    keypoints: bool = False
    """Carries a keypoint estimation task (needs keypoint annotations)."""
    masks: bool = False
    """Predicts instance masks (needs masks in the TFRecords)."""
    bfloat16: bool = False
    """Sets ``train_config.use_bfloat16`` (TPU-only)."""
    google_reader: bool = False
    """Its input readers are the Google-internal extension (unparseable as written)."""

    @property
    def path(self) -> Path:
        return ZOO_DIR / self.filename


ZOO_CONFIGS: tuple[ZooConfig, ...] = (
    ZooConfig("ssd_mobilenet_fpnlite", "ssd_mobilenet_v2_fpnlite_320x320.config", "ssd"),
    ZooConfig("ssd_resnet50_fpn", "ssd_resnet50_v1_fpn_640x640.config", "ssd"),
    ZooConfig("efficientdet_d0", "ssd_efficientdet_d0_512x512.config", "ssd", bfloat16=True),
    ZooConfig(
        "centernet_keypoints",
        "centernet_resnet50_v1_fpn_keypoints_512x512.config",
        "center_net",
        keypoints=True,
    ),
    ZooConfig(
        "centernet_google_reader",
        "centernet_resnet50_v2_google_reader_512x512.config",
        "center_net",
        google_reader=True,
    ),
    ZooConfig(
        "faster_rcnn_resnet50",
        "faster_rcnn_resnet50_v1_640x640.config",
        "faster_rcnn",
        bfloat16=True,
    ),
    ZooConfig(
        "mask_rcnn", "mask_rcnn_inception_resnet_v2_1024x1024.config", "faster_rcnn", masks=True
    ),
)


def zoo_config(family: str) -> ZooConfig:
    """The test config of one family (KeyError names the known families)."""
    for config in ZOO_CONFIGS:
        if config.family == family:
            return config
    raise KeyError(f"{family!r}: not one of {[c.family for c in ZOO_CONFIGS]}")
