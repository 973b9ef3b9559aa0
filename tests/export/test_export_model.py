"""Real exports of a trained trial: layout, provenance, the restored weights, serving."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from odsweep import __version__
from odsweep.export import ExportFailed, ExportResult, verify_saved_model
from odsweep.export._types import REQUIRED_OUTPUTS
from odsweep.results import read_result

pytestmark = pytest.mark.tf

PROBE = Path(__file__).with_name("serve_probe.py")


def _unmatched_weights(tf: Any, saved_model: str, checkpoint: str) -> tuple[int, int]:
    """(model weights in ``checkpoint``, how many of them the SavedModel does not hold).

    The SavedModel names its variables differently (``_model/.../variables/3``), so a
    weight counts as held when some SavedModel variable has its exact shape and values.
    """
    saved = tf.train.load_checkpoint(f"{saved_model}/variables/variables")
    values = [
        saved.get_tensor(k)
        for k in saved.get_variable_to_shape_map()
        if k.endswith("VARIABLE_VALUE")
    ]
    ckpt = tf.train.load_checkpoint(checkpoint)
    keys = [
        k
        for k in ckpt.get_variable_to_shape_map()
        if k.startswith("model/") and "OPTIMIZER_SLOT" not in k
    ]
    missing = 0
    for key in keys:
        weight = ckpt.get_tensor(key)
        if not any(v.shape == weight.shape and np.array_equal(v, weight) for v in values):
            missing += 1
    return len(keys), missing


def test_first_export_is_version_1_and_staging_is_cleaned(
    exported: ExportResult, model_base: Path
) -> None:
    assert exported.version == 1
    assert exported.path == str(model_base / "1")
    assert exported.base == str(model_base)
    assert exported.input_type == "image_tensor"
    # Only the export's own version was added: its staging folder is gone.
    assert sorted(os.listdir(model_base))[:3] == [".staging-x", "1", "foo"]


def test_layout_is_what_tf_serving_loads(exported: ExportResult, trained: Any) -> None:
    version = Path(exported.path)
    assert (version / "saved_model.pb").is_file()
    assert (version / "variables" / "variables.index").is_file()
    assert list((version / "variables").glob("variables.data-*"))
    extra = version / "assets.extra"
    assert sorted(p.name for p in extra.iterdir()) == [
        "label_map.pbtxt",
        "odsweep_provenance.json",
        "pipeline.config",
        "tf_serving_warmup_requests",
    ]
    assert (extra / "pipeline.config").read_bytes() == Path(trained.pipeline_config).read_bytes()
    assert (extra / "label_map.pbtxt").read_bytes() == trained.label_map.read_bytes()
    # The exporter's own side outputs (a re-saved checkpoint, a re-written config) are not
    # shipped: the SavedModel holds the weights, assets.extra the original config.
    assert not (version / "checkpoint").exists()
    assert not (version / "pipeline.config").exists()


def test_provenance_records_the_caller_facts_and_the_export(exported: ExportResult) -> None:
    assert exported.provenance_path == f"{exported.path}/assets.extra/odsweep_provenance.json"
    doc = json.loads(Path(exported.provenance_path).read_text())
    assert doc["study"] == "s-1"
    assert doc["params"] == {"lr": 0.01}
    assert doc["input_type"] == "image_tensor"
    assert doc["checkpoint"] == exported.checkpoint
    assert doc["odsweep_version"] == __version__
    assert doc["exported_at"].endswith("+00:00")
    assert doc["label_map"].endswith("label_map.pbtxt")


def test_the_requested_checkpoint_is_restored_not_the_latest(
    tf: Any, exported: ExportResult, trained: Any
) -> None:
    # ckpt-10 was asked for; the trial folder's state file names ckpt-20.
    assert tf.train.latest_checkpoint(str(trained.trial_dir)) == trained.checkpoint(20)
    total, missing = _unmatched_weights(tf, exported.path, trained.checkpoint(10))
    assert total > 100 and missing == 0
    total, missing = _unmatched_weights(tf, exported.path, trained.checkpoint(20))
    assert missing > total // 2


def test_verify_runs_eval_images_through_image_tensor(exported: ExportResult, trained: Any) -> None:
    result = verify_saved_model(
        exported.path, input_type="image_tensor", eval_input=trained.eval_input
    )
    assert result.images == 4
    assert result.warmup_requests == 4  # TF Serving's warm-up file, replayed
    assert set(REQUIRED_OUTPUTS) <= set(result.outputs)
    assert len(result.num_detections) == 4
    assert all(n > 0 for n in result.num_detections)
    assert 0.0 < result.max_score <= 1.0
    assert result.seconds > 0
    assert (
        verify_saved_model(
            exported.path, input_type="image_tensor", eval_input=trained.eval_input, max_images=1
        ).images
        == 1
    )


def test_exported_model_runs_without_od_api_or_tf_keras(exported: ExportResult) -> None:
    env = {k: v for k, v in os.environ.items() if k != "TF_USE_LEGACY_KERAS"}
    env["TF_CPP_MIN_LOG_LEVEL"] = "2"
    proc = subprocess.run(
        [sys.executable, str(PROBE), exported.path],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        cwd=exported.base,  # not the repo: nothing importable from the working tree
    )
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("PROBE ")]
    assert proc.returncode == 0 and lines, proc.stderr[-3000:]
    report = json.loads(lines[-1][len("PROBE ") :])
    assert set(REQUIRED_OUTPUTS) <= set(report["outputs"])
    assert report["boxes_shape"][0] == 1 and report["boxes_shape"][2] == 4
    assert report["loaded"] == []
    assert report["blocked_attempts"] == []


def test_second_export_of_a_trial_is_version_2_with_its_best_checkpoint(
    tf: Any, exported_trial: ExportResult, trained: Any
) -> None:
    result = read_result(str(trained.trial_dir))
    assert result.best is not None
    assert exported_trial.version == 2
    assert exported_trial.checkpoint == result.best.checkpoint
    doc = json.loads(Path(exported_trial.provenance_path).read_text())
    assert doc["trial"] == result.trial
    assert doc["metric"] == result.metric
    assert doc["best_step"] == result.best.step
    assert doc["best_value"] == result.best.value
    assert doc["input_type"] == "tf_example"
    total, missing = _unmatched_weights(tf, exported_trial.path, result.best.checkpoint)
    assert total > 100 and missing == 0


def test_verify_feeds_serialized_examples_to_tf_example_exports(
    exported_trial: ExportResult, trained: Any
) -> None:
    result = verify_saved_model(
        exported_trial.path, input_type="tf_example", eval_input=trained.eval_input, max_images=2
    )
    assert result.images == 2
    assert set(REQUIRED_OUTPUTS) <= set(result.outputs)


def test_verify_rejects_the_wrong_input_type(exported_trial: ExportResult, trained: Any) -> None:
    with pytest.raises(ExportFailed) as info:
        verify_saved_model(
            exported_trial.path, input_type="image_tensor", eval_input=trained.eval_input
        )
    message = str(info.value)
    assert "is string, but input_type 'image_tensor' feeds uint8" in message
    assert "\n" not in message
