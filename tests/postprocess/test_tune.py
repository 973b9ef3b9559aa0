"""Post-processing tuned on the session's trained trial: eval only, real COCO metrics,
the chosen setting exported with its post_processing, the trial folder untouched.

One tuning run (2 settings, each exported and its serving cost measured, and the chosen
export) is shared by the tests of this module.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from odsweep import odconfig
from odsweep.postprocess import Knob, TuneRequest, TuneResult, tune
from odsweep.results import Constraint, ObjectiveType, read_result
from tests.trained_fixtures import METRIC, Trained

pytestmark = pytest.mark.tf

AR100 = "DetectionBoxes_Recall/AR@100"
PER_IMAGE = "Postprocess/detections_per_image"


def _digest(folder: Path) -> dict[str, str]:
    """Every file of a folder with its content hash."""
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


@dataclass(frozen=True)
class Tuned:
    result: TuneResult
    request: TuneRequest
    before: dict[str, str]
    after: dict[str, str]


@pytest.fixture(scope="module")
def tuned(trained: Trained, tmp_path_factory: pytest.TempPathFactory) -> Tuned:
    before = _digest(trained.trial_dir)
    request = TuneRequest(
        trial_dir=str(trained.trial_dir),
        out_dir=str(tmp_path_factory.mktemp("tune") / "postprocess"),
        metric=METRIC,
        direction=ObjectiveType.MAXIMIZE,
        # The config's own setting and the same with one detection per image.
        grid={
            Knob.SCORE_THRESHOLD: (1e-8,),
            Knob.IOU_THRESHOLD: (0.6,),
            Knob.MAX_DETECTIONS_PER_CLASS: (100,),
            Knob.MAX_TOTAL_DETECTIONS: (100, 1),
        },
        # mAP alone would keep the config's setting: the constraint makes s01 the choice,
        # so that the export must carry a post_processing the trial never had.
        constraints=(Constraint(PER_IMAGE, 1.0, upper=True),),
        eval_input=trained.eval_input,
        label_map=str(trained.label_map),
        serving_cost=True,
    )
    result = tune(request)
    return Tuned(result, request, before, _digest(trained.trial_dir))


def _config(path: str | Path) -> Any:
    return odconfig.load_pipeline_config(str(path))


def _without_post_processing(config: Any) -> Any:
    config.model.ssd.ClearField("post_processing")
    return config


def test_settings_differ_from_the_trial_only_in_post_processing(
    tuned: Tuned, trained: Trained
) -> None:
    trial = _config(trained.pipeline_config)
    odconfig.set_data_paths(trial, eval_input=trained.eval_input, label_map=str(trained.label_map))
    s00, s01 = (_config(r.config_path) for r in tuned.result.settings)
    nms = [c.model.ssd.post_processing.batch_non_max_suppression for c in (s00, s01)]
    assert [n.max_total_detections for n in nms] == [100, 1]
    assert [n.max_detections_per_class for n in nms] == [100, 1]
    assert s00.model.ssd.post_processing == trial.model.ssd.post_processing
    assert s01.model.ssd.post_processing != trial.model.ssd.post_processing
    expected = _without_post_processing(trial)
    assert _without_post_processing(s00) == expected
    assert _without_post_processing(s01) == expected


def test_nothing_trains_and_the_trial_folder_is_untouched(tuned: Tuned, trained: Trained) -> None:
    assert tuned.after == tuned.before
    out = Path(tuned.request.out_dir)
    assert not [p for p in out.rglob("ckpt-*")], "tuning wrote a checkpoint"
    assert not (out / "settings" / "s00" / "train").exists()


def test_the_configs_own_setting_reproduces_the_trials_eval(tuned: Tuned, trained: Trained) -> None:
    recorded = read_result(str(trained.trial_dir))
    assert recorded.best is not None
    step_eval = next(e for e in recorded.evals if e.step == recorded.best.step)
    s00 = tuned.result.settings[0].metrics
    assert s00[METRIC] == pytest.approx(step_eval.metrics[METRIC], abs=1e-6)
    assert s00[AR100] == pytest.approx(step_eval.metrics[AR100], abs=1e-6)


def test_one_detection_per_image_lowers_ar_at_100(tuned: Tuned) -> None:
    s00, s01 = (r.metrics for r in tuned.result.settings)
    assert s01[AR100] < s00[AR100]
    assert s01[PER_IMAGE] == 1.0 and s00[PER_IMAGE] > 1.0


def test_the_chosen_setting_is_exported_with_its_post_processing(tuned: Tuned) -> None:
    assert tuned.result.chosen.setting.name == "s01"
    assert tuned.result.export_path is not None
    extra = Path(tuned.result.export_path) / "assets.extra"
    shipped = _config(extra / "pipeline.config")
    nms = shipped.model.ssd.post_processing.batch_non_max_suppression
    assert nms.max_total_detections == 1
    provenance = json.loads((extra / "odsweep_provenance.json").read_text())
    assert provenance["via"] == "tune-postprocess"
    assert provenance["postprocess"]["values"]["max_total_detections"] == 1
    assert provenance["postprocess"]["trial_values"]["max_total_detections"] == 100
    assert provenance["pipeline_config"] == tuned.result.chosen.config_path


def test_the_records(tuned: Tuned) -> None:
    doc = json.loads(Path(tuned.result.results_path).read_text())
    assert doc["chosen"] == "s01"
    assert [s["fits"] for s in doc["settings"]] == [False, True]
    assert doc["constraints"] == [{"metricName": PER_IMAGE, "max": 1.0}]
    assert doc["export"]["verified_images"] == 4
    assert all(n <= 1 for n in doc["export"]["num_detections"])
    table = Path(tuned.result.table_path).read_text()
    assert "| **s01** (chosen) | 1e-08 | 0.6 | 1 | 1 |" in table
    assert "| s00 | 1e-08 | 0.6 | 100 | 100 |" in table


def test_each_setting_has_its_serving_cost(tuned: Tuned) -> None:
    for setting in tuned.result.settings:
        assert setting.metrics["Serving/latency_p50_ms"] > 0
        assert (
            setting.metrics["Serving/latency_p90_ms"] >= setting.metrics["Serving/latency_p50_ms"]
        )
        assert setting.cost is not None and setting.cost["runs"] > 0
        # measured on the setting's own export, which carries its post_processing
        (model,) = (Path(setting.config_path).parent / "model").iterdir()
        shipped = _config(model / "assets.extra" / "pipeline.config")
        assert shipped == _config(setting.config_path)
    doc = json.loads(Path(tuned.result.results_path).read_text())
    assert doc["serving_cost"] == "measured on each setting's export"
    assert "| p50 ms |" in Path(tuned.result.table_path).read_text()
