"""The one URI rule (storage.is_remote), and that the spec, the Katib pre-flight check
and the pipeline parameters all apply it."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from odsweep import storage
from odsweep.errors import InputError
from odsweep.pipeline._params import check_location
from odsweep.spec import load_spec
from odsweep.spec._paths import resolve
from tests.spec.spec_fixtures import valid_doc


def test_gs_is_remote_and_a_local_path_is_not() -> None:
    assert storage.is_remote("gs://bucket/a/b") is True
    assert storage.is_remote("/data/a") is False
    assert storage.is_remote("relative/a") is False
    # "://" inside a local path is not a scheme.
    assert storage.is_remote("/tmp/gs://x") is False


@pytest.mark.parametrize("uri", ["s3://bucket/x", "GS://bucket/x", "Gs://b", "http://h/x"])
def test_any_other_scheme_is_refused_naming_key_and_value(uri: str) -> None:
    with pytest.raises(InputError) as info:
        storage.is_remote(uri, key="spec.trainInputPath")
    fix = (
        "write the scheme lower-case: gs://" if uri[:2].lower() == "gs" else "use gs://BUCKET/PATH"
    )
    assert info.value.messages == (
        f"spec.trainInputPath: scheme not supported: only gs://, got {uri!r}; "
        f"{fix} or a local path",
    )
    with pytest.raises(InputError, match=r"^--model-dir: scheme not supported: only gs://"):
        storage.check_uri(uri, key="--model-dir")


def test_check_uri_accepts_gs_and_local() -> None:
    storage.check_uri("gs://b/x", key="k")
    storage.check_uri("/abs", key="k")


def test_spec_paths_follow_the_same_rule() -> None:
    assert resolve("data/x", "gs://b/specs") == "gs://b/specs/data/x"
    with pytest.raises(
        InputError, match=r"^spec.evalInputPath: scheme not supported: only gs://, got 'GS://b/x'"
    ):
        resolve("GS://b/x", "/base", key="spec.evalInputPath")


def test_pipeline_parameters_follow_the_same_rule() -> None:
    check_location("model_dir", "gs://b/m")
    with pytest.raises(
        InputError, match=r"^model_dir: scheme not supported: only gs://, got 's3://b/m'"
    ):
        check_location("model_dir", "s3://b/m")


def test_a_spec_path_with_another_scheme_is_one_problem_among_the_others(
    tmp_path: Path,
) -> None:
    doc = valid_doc()
    doc["spec"]["trainInputPath"] = "s3://b/train-*.tfrecord"
    doc["spec"]["export"] = {"outputDirectory": "GS://b/model"}
    doc["spec"]["maxTrialCount"] = 0
    path = tmp_path / "search.yaml"
    path.write_text(yaml.safe_dump(doc, sort_keys=False))
    with pytest.raises(InputError) as info:
        load_spec(str(path))
    assert (
        "spec.trainInputPath: scheme not supported: only gs://, got "
        "'s3://b/train-*.tfrecord'; use gs://BUCKET/PATH or a local path"
    ) in info.value.messages
    assert (
        "spec.export.outputDirectory: scheme not supported: only gs://, got 'GS://b/model'; "
        "write the scheme lower-case: gs:// or a local path"
    ) in info.value.messages
    assert "spec.maxTrialCount: must be an integer > 0, got 0" in info.value.messages
