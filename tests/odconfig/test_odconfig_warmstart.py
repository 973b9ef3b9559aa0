"""Which fine_tune_checkpoint_type each meta-architecture accepts: rules, no TensorFlow."""

from __future__ import annotations

from typing import Any

import pytest

from odsweep import odconfig
from odsweep.demodata import base_config_path

FIX = "set spec.fineTuneCheckpointType (or --set train_config.fine_tune_checkpoint_type=)"


def _center_net(extractor: str, kind: str) -> Any:
    # A CenterNet config in the zoo's form, cut down to what the rule reads.
    text = f"""
    model {{ center_net {{
      num_classes: 3
      feature_extractor {{ type: "{extractor}" }}
      image_resizer {{ fixed_shape_resizer {{ height: 128 width: 128 }} }}
      object_center_params {{ object_center_loss_weight: 1.0 }}
    }} }}
    train_config {{
      fine_tune_checkpoint: "/ckpt/ckpt-0"
      fine_tune_checkpoint_type: "{kind}"
      fine_tune_checkpoint_version: V2
    }}
    """
    return odconfig.parse_pipeline_config(text, source="centernet.config")


def _ssd(kind: str, version: str = "V2") -> Any:
    config = odconfig.load_pipeline_config(base_config_path())
    return odconfig.apply_overrides(
        config,
        {
            "train_config.fine_tune_checkpoint": "/ckpt/ckpt-0",
            "train_config.fine_tune_checkpoint_type": kind,
            "train_config.fine_tune_checkpoint_version": version,
        },
    )


@pytest.mark.parametrize("kind", ["detection", "classification", "full"])
def test_ssd_accepts_the_three_types(kind: str) -> None:
    assert odconfig.fine_tune_problems(_ssd(kind)) == []


def test_ssd_refuses_fine_tune() -> None:
    assert odconfig.fine_tune_problems(_ssd("fine_tune")) == [
        "train_config.fine_tune_checkpoint_type: ssd accepts detection, classification, full, "
        f"got 'fine_tune'; {FIX}"
    ]


def test_a_v1_checkpoint_version_is_refused() -> None:
    assert odconfig.fine_tune_problems(_ssd("detection", "V1")) == [
        "train_config.fine_tune_checkpoint_version: the OD API TF2 loop loads only V2 "
        "(object-based) checkpoints, got V1; set it to V2 (spec.fineTuneCheckpoint does) or "
        "--set train_config.fine_tune_checkpoint_version=V2"
    ]


@pytest.mark.parametrize("kind", ["detection", "classification", "full"])
def test_center_net_resnet_accepts_the_three_types(kind: str) -> None:
    assert odconfig.fine_tune_problems(_center_net("resnet_v1_18_fpn", kind)) == []


def test_center_net_refuses_fine_tune_and_names_detection() -> None:
    assert odconfig.fine_tune_problems(_center_net("resnet_v1_18_fpn", "fine_tune")) == [
        "train_config.fine_tune_checkpoint_type: center_net no longer accepts 'fine_tune' (the "
        "OD API TF2 raises), got 'fine_tune'; use detection, which restores the same feature "
        f"extractor: {FIX}"
    ]


def test_center_net_hourglass_refuses_classification() -> None:
    assert odconfig.fine_tune_problems(_center_net("hourglass_104", "classification")) == [
        "train_config.fine_tune_checkpoint_type: center_net with feature extractor "
        "'hourglass_104' (no classification backbone) accepts detection, full, got "
        f"'classification'; {FIX}"
    ]


def test_center_net_hourglass_accepts_detection() -> None:
    assert odconfig.fine_tune_problems(_center_net("hourglass_104", "detection")) == []


def test_an_empty_type_is_the_od_apis_legacy_default() -> None:
    config = _ssd("detection")
    config.train_config.ClearField("fine_tune_checkpoint_type")
    assert odconfig.fine_tune_type(config) == "classification"
    config.train_config.from_detection_checkpoint = True
    assert odconfig.fine_tune_type(config) == "detection"
