"""Exports to and from gs:// (no TensorFlow). TensorFlow's gs:// cannot reach the
emulator, so what is checked here is what odsweep decides itself: the next free
version in a bucket (through odsweep.storage, against a real GCS server), and that
the exporter is handed the gs:// paths unchanged, staging nothing locally when the
checkpoint can be restored where it is."""

from __future__ import annotations

import hashlib
from types import SimpleNamespace
from typing import Any

import pytest
from tests.gcs_fixtures import GcsBucket, gcs, gcs_server

from odsweep.export import _checkpoint, _export, existing_versions, export_trial, next_version
from odsweep.export._layout import new_staging_dir
from odsweep.results import EvalRecord, TrialResult, TrialStatus, write_result
from odsweep.spec import ObjectiveType

__all__ = ["gcs", "gcs_server"]

METRIC = "DetectionBoxes_Precision/mAP"


def test_the_next_free_version_in_a_bucket(gcs: GcsBucket) -> None:
    base = gcs.uri("models/ssd")
    assert existing_versions(base) == [] and next_version(base) == 1
    for name in (
        "models/ssd/1/saved_model.pb",
        "models/ssd/7/variables/variables.index",
        "models/ssd/.staging-0a1b/saved_model/saved_model.pb",
        "models/ssd/12b/x",
        "models/ssd/9",  # an object with a numeric name blocks that version too
        "models/ssd-old/30/saved_model.pb",  # a sibling, not a child
    ):
        gcs.put(name, b"x")
    assert existing_versions(base) == [1, 7, 9]
    assert next_version(base) == next_version(base + "/") == 10


def test_export_trial_hands_the_exporter_the_gs_paths_unchanged(
    gcs: GcsBucket, monkeypatch: pytest.MonkeyPatch
) -> None:
    trial_dir = gcs.uri("out/trials/t-1")
    result = TrialResult(
        trial="t-1",
        params={"lr": 0.1},
        status=TrialStatus.RUNNING,
        metric=METRIC,
        objective=ObjectiveType.MAXIMIZE,
    ).with_eval(
        EvalRecord(20, f"{trial_dir}/ckpt-20", {METRIC: 0.5}),
        kept_checkpoint=f"{trial_dir}/best/ckpt-20",
    )
    write_result(trial_dir, result)
    # Hashed into the provenance (the export's identity), read through the bucket too.
    gcs.put("out/trials/t-1/best/ckpt-20.index", b"index")
    gcs.put("out/trials/t-1/pipeline.config", b"model {}")
    calls: list[dict[str, Any]] = []
    monkeypatch.setattr(_export, "export_checkpoint", lambda **kw: calls.append(kw))
    export_trial(trial_dir, gcs.uri("models/ssd"), input_type="encoded_image_string_tensor")
    assert len(calls) == 1
    call = calls[0]
    assert call["pipeline_config"] == f"{trial_dir}/pipeline.config"
    assert call["checkpoint"] == f"{trial_dir}/best/ckpt-20"
    assert call["output_base"] == gcs.uri("models/ssd")
    assert call["input_type"] == "encoded_image_string_tensor"
    assert call["provenance"]["trial_dir"] == trial_dir
    assert call["provenance"]["checkpoint_index_sha256"] == hashlib.sha256(b"index").hexdigest()
    assert call["provenance"]["config_sha256"] == hashlib.sha256(b"model {}").hexdigest()


def test_the_savedmodel_is_staged_in_the_bucket_not_locally() -> None:
    staging = new_staging_dir("gs://b/models/ssd")
    assert staging.startswith("gs://b/models/ssd/.staging-")


def test_a_gs_best_checkpoint_is_restored_where_it_is() -> None:
    # A trial's best/ names its checkpoint in its own state file: the exporter is
    # given the gs:// folder itself; nothing is copied to a local folder.
    checkpoint = "gs://b/out/trials/t-1/best/ckpt-20"
    fake_tf = SimpleNamespace(train=SimpleNamespace(latest_checkpoint=lambda folder: checkpoint))
    with _checkpoint.pinned_checkpoint_dir(fake_tf, checkpoint) as folder:
        assert folder == "gs://b/out/trials/t-1/best"
