"""``odsweep init`` on every family's zoo-form config: the YAML it writes validates."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from odsweep.errors import InputError
from tests.conftest import DemoData
from tests.init.init_fixtures import draft_for, validate
from tests.zoo import ZOO_CONFIGS, ZooConfig

REFERENCE_DIR = Path("/work/shared/reference/od_configs")
# Reference files the OD API itself cannot parse (see tests/odconfig/test_odconfig_zoo.py).
REFERENCE_UNPARSEABLE = {
    "centernet_hg104_512x512_coco17_tpu-8.config": "Expected string but found",
    "ssd_mobilenet_v2_coco.config": 'no field named "batch_norm_trainable"',
}

# What each family's space must search (beyond learning rate and batch size).
EXPECTED = {
    "ssd": {"focal_alpha", "focal_gamma", "localization_weight", "nms_iou", "l2_backbone"},
    "faster_rcnn": {"rpn_localization_weight", "max_proposals", "rpn_nms_iou", "nms_iou"},
    "center_net": {"scale_loss_weight", "min_box_overlap_iou", "heatmap_alpha", "heatmap_beta"},
}


@pytest.mark.parametrize("zoo", ZOO_CONFIGS, ids=lambda c: c.family)
def test_init_on_each_zoo_config_validates(
    zoo: ZooConfig, demo_data: DemoData, tmp_path: Path
) -> None:
    out = tmp_path / f"{zoo.family}.yaml"
    draft = draft_for(zoo.path, demo_data, out)
    assert draft.meta_architecture == zoo.meta_architecture
    assert {"learning_rate", "warmup_steps", "batch_size"} <= set(draft.parameters)
    assert EXPECTED[zoo.meta_architecture] <= set(draft.parameters)
    config = validate(out)
    arch = getattr(config.model, zoo.meta_architecture)
    assert arch.num_classes == 3  # from the demo label map
    assert not config.train_config.use_bfloat16
    # The data paths are written relative to the YAML's folder.
    doc = yaml.safe_load(out.read_text())
    assert not Path(doc["spec"]["trainInputPath"]).is_absolute()
    if zoo.keypoints:
        assert len(config.model.center_net.keypoint_estimation_task) == 0
        assert config.train_input_reader.num_keypoints == 0
        assert "keypoint task(s) human_pose dropped" in draft.notes[0]
    if zoo.masks:
        assert "mask_loss_weight" in draft.parameters


@pytest.mark.parametrize(
    "name",
    sorted(p.name for p in REFERENCE_DIR.glob("*.config")) if REFERENCE_DIR.is_dir() else ["-"],
)
def test_init_on_each_reference_zoo_config(name: str, demo_data: DemoData, tmp_path: Path) -> None:
    if not REFERENCE_DIR.is_dir():
        pytest.skip(f"reference model-zoo configs not found at {REFERENCE_DIR}")
    out = tmp_path / "spec.yaml"
    if name in REFERENCE_UNPARSEABLE:
        with pytest.raises(InputError, match=REFERENCE_UNPARSEABLE[name]):
            draft_for(REFERENCE_DIR / name, demo_data, out)
        assert not out.exists()
        return
    draft = draft_for(REFERENCE_DIR / name, demo_data, out)
    assert len(draft.parameters) >= 8
    validate(out)
