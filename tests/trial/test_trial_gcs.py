"""``odsweep trial`` with its spec, data and folder in a bucket (a real GCS server on
127.0.0.1). TensorFlow's gs:// cannot reach the emulator, so training is replaced by a
recorder: checked is that odsweep's own files (effective pipeline.config, result.json)
land in the bucket and that training is handed the gs:// paths unchanged."""

from __future__ import annotations

import json
from typing import Any

import pytest

from odsweep import odconfig
from odsweep.cli.main import build_parser
from odsweep.cli.trial_cmd import _options
from odsweep.results import EvalRecord
from odsweep.trial import runner
from odsweep.trial.options import TrialOptions
from tests.gcs_fixtures import GcsBucket, gcs, gcs_server, upload_search_space

__all__ = ["gcs", "gcs_server"]

METRIC = "DetectionBoxes_Precision/mAP"


def _args(gcs: GcsBucket) -> Any:
    spec_uri = upload_search_space(gcs)
    argv = ["trial", "--spec", spec_uri, "--trial-dir", gcs.uri("out/trials/gcs-3")]
    return build_parser().parse_args([*argv, "--param", "learning_rate=0.05"])


def test_trial_options_keep_the_gs_paths(gcs: GcsBucket) -> None:
    opts = _options(_args(gcs))
    assert opts.pipeline_config == gcs.uri("specs/base.config")
    assert opts.train_input == gcs.uri("specs/data/train-*.tfrecord")
    assert opts.eval_input == gcs.uri("specs/data/eval-*.tfrecord")
    assert opts.label_map == gcs.uri("specs/data/label_map.pbtxt")
    assert opts.trial_dir == gcs.uri("out/trials/gcs-3") and opts.name == "gcs-3"


def test_a_trial_writes_its_own_files_into_the_bucket(
    gcs: GcsBucket, monkeypatch: pytest.MonkeyPatch
) -> None:
    handed: list[tuple[TrialOptions, Any]] = []

    def fake_training(
        opts: TrialOptions, config: Any, recorder: Any, out: Any, attempt: Any, **_: Any
    ) -> None:
        handed.append((opts, config))
        ckpt = f"{opts.trial_dir}/ckpt-40"
        recorder.update(
            recorder.result.with_eval(
                EvalRecord(40, ckpt, {METRIC: 0.4}),
                kept_checkpoint=f"{opts.trial_dir}/best/ckpt-40",
            )
        )

    monkeypatch.setattr(runner, "_train_and_evaluate", fake_training)
    runner.run_trial(_options(_args(gcs)))

    ((opts, config),) = handed
    assert opts.trial_dir == gcs.uri("out/trials/gcs-3")
    # TensorFlow reads the data from the same gs:// paths.
    reader = config.train_input_reader
    assert list(reader.tf_record_input_reader.input_path) == [
        gcs.uri("specs/data/train-*.tfrecord")
    ]
    written = odconfig.parse_pipeline_config(
        gcs.get("out/trials/gcs-3/pipeline.config").decode(), source="bucket"
    )
    assert written == config
    result = json.loads(gcs.get("out/trials/gcs-3/result.json"))
    assert result["status"] == "succeeded"
    assert result["best"]["checkpoint"] == gcs.uri("out/trials/gcs-3/best/ckpt-40")
