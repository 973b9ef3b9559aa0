"""Real exports of the tiny SSD: TF Serving's warm-up file, and the serving cost."""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

import pytest
from tests.trained_fixtures import Trained

from odsweep.errors import InputError
from odsweep.export import (
    ExportFailed,
    ExportResult,
    export_checkpoint,
    export_is_of_winner,
    read_provenance,
    verify_saved_model,
    winner_identity,
)
from odsweep.serving import measure_saved_model

pytestmark = pytest.mark.tf

WARMUP = Path("assets.extra") / "tf_serving_warmup_requests"


def _logs(tf: Any, export_path: str) -> list[Any]:
    # TF Serving's own protos, not odsweep's reader: what the server will parse.
    from tensorflow_serving.apis import prediction_log_pb2

    path = str(Path(export_path) / WARMUP)
    return [
        prediction_log_pb2.PredictionLog.FromString(r.numpy())
        for r in tf.data.TFRecordDataset([path])
    ]


def test_warmup_file_holds_predict_requests_of_the_input_type(
    tf: Any, exported: ExportResult, exported_trial: ExportResult
) -> None:
    logs = _logs(tf, exported.path)
    assert len(logs) == 4  # one per eval image of the trained fixture's data
    for log in logs:
        request = log.predict_log.request
        assert request.model_spec.name == "detector"  # the base folder's name
        assert request.model_spec.signature_name == "serving_default"
        tensor = request.inputs["input_tensor"]
        assert tf.dtypes.as_dtype(tensor.dtype).name == "uint8"
        assert [d.size for d in tensor.tensor_shape.dim] == [1, 128, 128, 3]
    (first,) = _logs(tf, exported_trial.path)[:1]
    serialized = tf.make_ndarray(first.predict_log.request.inputs["input_tensor"])
    assert serialized.shape == (1,)
    example = tf.train.Example.FromString(serialized[0])
    assert "image/encoded" in example.features.feature


def test_a_broken_or_missing_warmup_file_fails_verify_and_reuse(
    exported: ExportResult, trained: Trained, tmp_path: Path
) -> None:
    copy = tmp_path / "1"
    shutil.copytree(exported.path, copy)
    (copy / WARMUP).write_bytes(b"not a tfrecord at all")
    with pytest.raises(ExportFailed, match=r"cannot read .*tf_serving_warmup_requests.* as "):
        verify_saved_model(
            str(copy), input_type="image_tensor", eval_input=trained.eval_input, max_images=1
        )
    (copy / WARMUP).unlink()
    with pytest.raises(ExportFailed, match=r"has no assets.extra/tf_serving_warmup_requests; re-"):
        verify_saved_model(
            str(copy), input_type="image_tensor", eval_input=trained.eval_input, max_images=1
        )
    # Its provenance still names the same export: only the missing file prevents reuse.
    provenance = read_provenance(str(copy))
    assert provenance is not None and provenance == read_provenance(exported.path)


def test_export_refuses_warmup_images_that_do_not_exist(trained: Trained, tmp_path: Path) -> None:
    missing = str(tmp_path / "nothing-*.tfrecord")
    with pytest.raises(InputError) as info:
        export_checkpoint(
            pipeline_config=trained.pipeline_config,
            checkpoint=trained.checkpoint(10),
            output_base=str(tmp_path / "base"),
            input_type="image_tensor",
            provenance={},
            warmup_input=missing,
        )
    assert info.value.messages == (
        f"warmup_input: eval_input: no files match {missing!r}; check the TFRecord glob "
        "(images for the TF Serving warm-up file)",
    )
    assert not (tmp_path / "base").exists()


def _folder_bytes(path: str) -> int:
    return sum(
        os.path.getsize(os.path.join(folder, name))
        for folder, _, files in os.walk(path)
        for name in files
    )


def test_measure_reports_size_params_and_a_larger_input_measures_slower(
    exported: ExportResult, trained: Trained, tmp_path: Path
) -> None:
    # The same checkpoint at 512x512 instead of 128x128: 16x the pixels, a gap no load
    # on the machine can close (both are measured single-threaded, medians compared).
    text = Path(trained.pipeline_config).read_text()
    assert "height: 128" in text and "width: 128" in text
    config = tmp_path / "pipeline.config"
    config.write_text(
        text.replace("height: 128", "height: 512").replace("width: 128", "width: 512")
    )
    large = export_checkpoint(
        pipeline_config=str(config),
        checkpoint=trained.checkpoint(10),
        output_base=str(tmp_path / "large"),
        input_type="image_tensor",
        provenance={},
    )
    small = measure_saved_model(exported.path, eval_input=trained.eval_input, runs=15)
    big = measure_saved_model(large.path, eval_input=trained.eval_input, runs=15)
    assert big.latency_p50_ms > small.latency_p50_ms
    assert small.model_size_mb == _folder_bytes(exported.path) / 1e6
    assert 0.1 < small.params_millions < 10  # the tiny SSD: about 0.9 M
    assert 0 < small.latency_p50_ms <= small.latency_p90_ms
    assert (small.runs, small.warmup_runs, small.threads) == (15, 5, 1)
    assert (small.input_type, small.image_size) == ("image_tensor", (128, 128))
    # Same weights: same parameter count, whatever the input size.
    assert big.params_millions == small.params_millions


def test_reuse_requires_the_warmup_file(
    exported_trial: ExportResult, trained: Trained, tmp_path: Path
) -> None:
    from odsweep.results import read_result

    result = read_result(str(trained.trial_dir))
    assert result.best is not None
    identity = winner_identity(
        str(trained.trial_dir),
        trial=result.trial,
        step=result.best.step,
        checkpoint=result.best.checkpoint,
        input_type="tf_example",
    )
    assert export_is_of_winner(exported_trial.path, identity)
    copy = tmp_path / "2"
    shutil.copytree(exported_trial.path, copy)
    (copy / WARMUP).unlink()
    assert not export_is_of_winner(str(copy), identity)
