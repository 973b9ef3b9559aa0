"""``odsweep validate gs://bucket/spec.yaml`` against a real GCS server on 127.0.0.1:
the spec, the base config, the label map and the data all live in the bucket."""

from __future__ import annotations

import pytest

from odsweep.cli.main import main
from odsweep.errors import EXIT_BAD_INPUT, EXIT_OK
from tests.gcs_fixtures import GcsBucket, gcs, gcs_server, upload_search_space

__all__ = ["gcs", "gcs_server"]


def test_validate_a_spec_in_a_bucket(gcs: GcsBucket, capsys: pytest.CaptureFixture[str]) -> None:
    uri = upload_search_space(gcs)
    assert main(["validate", uri]) == EXIT_OK
    assert capsys.readouterr().out.endswith(f"{uri}: valid\n")


def test_a_missing_spec_object_exits_2_naming_its_uri(
    gcs: GcsBucket, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["validate", gcs.uri("specs/missing.yaml")]) == EXIT_BAD_INPUT
    assert capsys.readouterr().err == (
        "odsweep validate: error: search space: gs://odsweep-test/specs/missing.yaml: "
        "no such object; "
        "check the path (gcloud storage ls gs://odsweep-test/specs/)\n"
    )


def test_a_missing_base_config_in_the_bucket_is_keyed_and_named(
    gcs: GcsBucket, capsys: pytest.CaptureFixture[str]
) -> None:
    uri = upload_search_space(gcs, pipelineConfigPath="nope.config")
    assert main(["validate", uri]) == EXIT_BAD_INPUT
    assert capsys.readouterr().err == (
        "odsweep validate: error: spec.pipelineConfigPath: pipeline config: "
        "gs://odsweep-test/specs/nope.config: no such object; check the path "
        "(gcloud storage ls gs://odsweep-test/specs/)\n"
    )


def test_missing_data_in_the_bucket_is_found_before_training(
    gcs: GcsBucket, capsys: pytest.CaptureFixture[str]
) -> None:
    uri = upload_search_space(gcs, evalInputPath="gs://odsweep-test/elsewhere/eval-*.tfrecord")
    assert main(["validate", uri]) == EXIT_BAD_INPUT
    err = capsys.readouterr().err
    assert "no file matches 'gs://odsweep-test/elsewhere/eval-*.tfrecord'" in err


def test_a_missing_bucket_exits_2_naming_it(
    gcs: GcsBucket, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["validate", "gs://odsweep-missing-bucket/spec.yaml"]) == EXIT_BAD_INPUT
    assert "bucket gs://odsweep-missing-bucket does not exist" in capsys.readouterr().err
