"""Every zoo meta-architecture trains as a real trial on the demo data (issue 13).

One ``odsweep trial`` process per family: a zoo-form config made tiny by overrides
(``tests/families/tiny.py``) trains a few steps, evaluates once on 4 images, prints its
metric lines and records them in ``result.json``, with the metrics that family's eval
produces (Mask R-CNN's mask metrics too). Costs and which run in CI: docs/zoo-families.md.
"""

from __future__ import annotations

import math
import os
import subprocess
from pathlib import Path

import pytest

from odsweep import odconfig
from odsweep.results import TrialStatus, is_per_category, parse_metric_lines, read_result
from odsweep.trial.annotations import keypoint_fix
from odsweep.trial.unsupported import BFLOAT16_NOTE
from tests.conftest import DemoData, odsweep_cmd
from tests.families.tiny import DROP_KEYPOINTS, FAMILIES, Family

pytestmark = [pytest.mark.tf, pytest.mark.train]

STEPS = 4
OBJECTIVE = "DetectionBoxes_Precision/mAP"


def _value(value: object) -> str:
    if isinstance(value, list):
        return "[" + ",".join(str(v) for v in value) + "]"
    return str(value)


def _run(family: Family, data: DemoData, trial_dir: Path) -> subprocess.CompletedProcess[str]:
    sets: list[str] = []
    for path, value in family.overrides.items():
        sets += ["--set", f"{path}={_value(value)}"]
    cmd = odsweep_cmd(
        "trial",
        "--pipeline-config", str(family.zoo.path),
        "--trial-dir", str(trial_dir),
        "--num-train-steps", str(STEPS),
        "--checkpoint-every-n", str(STEPS),
        "--metric", OBJECTIVE,
        "--objective", "maximize",
        "--train-input", data.train,
        "--eval-input", data.eval,
        "--label-map", data.label_map,
        # The demo eval split has 8 images: 1 of 2 keeps the eval to 4.
        "--sample-1-of-n-eval", "2",
        "--seed", "1",
        *sets,
    )  # fmt: skip
    return subprocess.run(cmd, capture_output=True, text=True, timeout=1800)


# What CI trains (the suite must stay near 30 min on 2 cores; each family costs 1-2 CPU
# minutes, see docs/zoo-families.md): the three that test what nothing else does. Mask
# R-CNN is the Faster R-CNN meta-architecture plus masks; CenterNet the keypoint drop;
# EfficientDet the SSD meta-architecture with BiFPN and the bfloat16 switch. The other
# three (plain FPN SSDs, box-only Faster R-CNN) repeat those code paths; they train with
# ODSWEEP_ALL_FAMILIES=1, and the skip reason in every run's summary says so.
IN_CI = ("efficientdet_d0", "centernet_keypoints", "mask_rcnn")
ALL = os.environ.get("ODSWEEP_ALL_FAMILIES") == "1"


def _selected(family: Family) -> object:
    if ALL or family.name in IN_CI:
        return family
    reason = f"{family.name}: covered by {', '.join(IN_CI)}; set ODSWEEP_ALL_FAMILIES=1 to train it"
    return pytest.param(family, marks=pytest.mark.skip(reason=reason))


@pytest.mark.parametrize("family", [_selected(f) for f in FAMILIES], ids=[f.name for f in FAMILIES])
def test_family_trains_evaluates_and_reports(
    family: Family, demo_data: DemoData, tmp_path: Path
) -> None:
    trial_dir = tmp_path / family.name
    proc = _run(family, demo_data, trial_dir)
    assert proc.returncode == 0, proc.stderr[-4000:]

    result = read_result(str(trial_dir))
    assert result.status is TrialStatus.SUCCEEDED and result.error is None
    assert [e.step for e in result.evals] == [STEPS]
    metrics = result.evals[0].metrics
    missing = [m for m in family.metrics if m not in metrics]
    assert missing == [], f"{family.name} reported {sorted(metrics)}"
    assert all(math.isfinite(metrics[m]) for m in family.metrics)

    # The same values went to stdout as metric lines (Katib's channel).
    printed = {name: value for _, name, value in parse_metric_lines(proc.stdout.splitlines())}
    for name in family.metrics:
        assert printed[name] == pytest.approx(metrics[name])

    effective = odconfig.load_pipeline_config(trial_dir / "pipeline.config")
    assert effective.model.WhichOneof("model") == family.zoo.meta_architecture
    assert effective.train_config.use_bfloat16 is False
    assert (BFLOAT16_NOTE in proc.stderr) is family.zoo.bfloat16
    base = odconfig.load_pipeline_config(family.zoo.path)
    # Kept as written (the zoo's Mask R-CNN asks for it): per-class AP is recorded.
    assert (
        effective.eval_config.include_metrics_per_category
        is base.eval_config.include_metrics_per_category
    )
    assert any(is_per_category(name) for name in metrics), sorted(metrics)
    if family.zoo.keypoints:
        # The override pre-flight names for data without keypoints is the one that trained.
        assert keypoint_fix(base) == dict(DROP_KEYPOINTS)
        assert len(effective.model.center_net.keypoint_estimation_task) == 0
