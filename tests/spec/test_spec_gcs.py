"""load_spec on a gs:// YAML: read through odsweep.storage from a real GCS server."""

from __future__ import annotations

import pytest
from tests.gcs_fixtures import (
    FaultProxy,
    GcsBucket,
    fault_proxy,
    gcs,
    gcs_server,
    upload_search_space,
)

from odsweep.errors import InputError
from odsweep.spec import load_spec

__all__ = ["fault_proxy", "gcs", "gcs_server"]


def test_a_spec_in_a_bucket_resolves_its_paths_in_the_bucket(gcs: GcsBucket) -> None:
    uri = upload_search_space(gcs, labelMapPath="/abs/label_map.pbtxt")
    spec = load_spec(uri)
    assert spec.pipeline_config_path == "gs://odsweep-test/specs/base.config"
    assert spec.train_input_path == "gs://odsweep-test/specs/data/train-*.tfrecord"
    assert spec.label_map_path == "/abs/label_map.pbtxt"


def test_a_missing_spec_object_names_its_uri(gcs: GcsBucket) -> None:
    with pytest.raises(InputError) as info:
        load_spec(gcs.uri("specs/nope.yaml"))
    assert info.value.messages == (
        "search space: gs://odsweep-test/specs/nope.yaml: no such object; check the path "
        "(gcloud storage ls gs://odsweep-test/specs/)",
    )


def test_a_missing_bucket_names_it(gcs: GcsBucket) -> None:
    with pytest.raises(InputError, match=r"^search space: gs://odsweep-nobucket/s.yaml: bucket "
                       r"gs://odsweep-nobucket does not exist"):  # fmt: skip
        load_spec("gs://odsweep-nobucket/s.yaml")


def test_no_permission_names_the_uri(gcs: GcsBucket, fault_proxy: FaultProxy) -> None:
    uri = upload_search_space(gcs)
    fault_proxy.fail(r"^GET /download/.*/specs/search.yaml", status=403)
    with pytest.raises(InputError, match=r"^search space: gs://odsweep-test/specs/search.yaml: "
                       r"permission denied to read \(HTTP 403 .*\); grant"):  # fmt: skip
        load_spec(uri)
