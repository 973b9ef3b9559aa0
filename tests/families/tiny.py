"""How each zoo meta-architecture is made tiny for a real trial on the demo data.

Only overrides (what a user writes under the spec's ``overrides`` or as ``--set``) turn
a zoo-form config (``tests/zoo``) into one that trains in seconds: small input, batch 2,
few proposals, no pre-trained checkpoint, the demo's 3 classes, no warm-up. Where the
zoo backbone is far heavier than another of the same meta-architecture, it is swapped
through an override for a lighter one of the same extractor family, and ``swapped``
says so.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from tests.zoo import ZooConfig, zoo_config

BOX_METRICS = ("DetectionBoxes_Precision/mAP", "DetectionBoxes_Recall/AR@100")
MASK_METRICS = ("DetectionMasks_Precision/mAP", "DetectionMasks_Recall/AR@100")
LOSSES = ("Loss/total_loss",)
MOMENTUM = "train_config.optimizer.momentum_optimizer.learning_rate.cosine_decay_learning_rate"
ADAM = "train_config.optimizer.adam_optimizer.learning_rate.cosine_decay_learning_rate"
MASK_HEAD = "model.faster_rcnn.second_stage_box_predictor.mask_rcnn_box_predictor"
# The drop of the COCO person-keypoint settings that pre-flight names for data without
# keypoints (tests check it is exactly trial.annotations.keypoint_fix of the config).
DROP_KEYPOINTS: Mapping[str, object] = MappingProxyType(
    {
        "model.center_net.keypoint_estimation_task": [],
        "model.center_net.keypoint_label_map_path": "",
        "train_input_reader.num_keypoints": 0,
        "eval_input_reader[0].num_keypoints": 0,
        "train_config.data_augmentation_options[0].random_horizontal_flip"
        ".keypoint_flip_permutation": [],
        "eval_config.keypoint_edge": [],
    }
)


@dataclass(frozen=True)
class Family:
    """One meta-architecture's tiny trial.

    Attributes:
        zoo: The zoo-form config (``tests/zoo``).
        overrides: ``{dotted path: value}`` that make it tiny.
        metrics: Eval metrics this family must report.
        swapped: The backbone swap the overrides make, if any (why: cost).
    """

    zoo: ZooConfig
    overrides: Mapping[str, object]
    metrics: tuple[str, ...] = BOX_METRICS + LOSSES
    swapped: str = ""

    @property
    def name(self) -> str:
        return self.zoo.family


def _common(model: str, schedule: str = MOMENTUM) -> dict[str, object]:
    return {
        f"model.{model}.num_classes": 3,
        "train_config.batch_size": 2,
        "train_config.fine_tune_checkpoint": "",
        f"{schedule}.warmup_steps": 0,
    }


def _fixed(model: str, size: int) -> dict[str, object]:
    resizer = f"model.{model}.image_resizer.fixed_shape_resizer"
    return {f"{resizer}.height": size, f"{resizer}.width": size}


def _keep_aspect(model: str, size: int) -> dict[str, object]:
    resizer = f"model.{model}.image_resizer.keep_aspect_ratio_resizer"
    return {f"{resizer}.min_dimension": size, f"{resizer}.max_dimension": size}


def _proposals(count: int) -> dict[str, object]:
    # The OD API wants the second stage's batch within the first stage's proposals.
    return {
        "model.faster_rcnn.first_stage_max_proposals": count,
        "model.faster_rcnn.second_stage_batch_size": count,
    }


def _family(name: str, overrides: dict[str, object], **kw: object) -> Family:
    return Family(zoo_config(name), MappingProxyType(overrides), **kw)  # type: ignore[arg-type]


FAMILIES: tuple[Family, ...] = (
    _family(
        "ssd_mobilenet_fpnlite",
        {
            **_common("ssd"),
            **_fixed("ssd", 128),
            "model.ssd.feature_extractor.depth_multiplier": 0.35,
        },
    ),
    # The ResNet-50 FPN and EfficientDet extractors refuse inputs below 129 px ("image
    # size must be >= 129"); 256 trains.
    _family("ssd_resnet50_fpn", {**_common("ssd"), **_fixed("ssd", 256)}),
    _family("efficientdet_d0", {**_common("ssd"), **_keep_aspect("ssd", 256)}),
    _family(
        "centernet_keypoints",
        {
            **_common("center_net", ADAM),
            **_keep_aspect("center_net", 128),
            "model.center_net.feature_extractor.type": "resnet_v1_18_fpn",
            **DROP_KEYPOINTS,
        },
        swapped="ResNet-50 FPN -> ResNet-18 FPN (CenterNet's own FPN extractor family)",
    ),
    _family(
        "faster_rcnn_resnet50",
        {**_common("faster_rcnn"), **_keep_aspect("faster_rcnn", 128), **_proposals(16)},
    ),
    _family(
        "mask_rcnn",
        {
            **_common("faster_rcnn"),
            **_fixed("faster_rcnn", 128),
            **_proposals(16),
            "model.faster_rcnn.feature_extractor.type": "faster_rcnn_resnet50_keras",
            f"{MASK_HEAD}.mask_height": 15,
            f"{MASK_HEAD}.mask_width": 15,
        },
        metrics=BOX_METRICS + MASK_METRICS + LOSSES,
        swapped="Inception-ResNet-v2 -> ResNet-50 (Faster R-CNN's own Keras extractors)",
    ),
)
