"""pipeline.config and label maps read from a bucket (a real GCS server on 127.0.0.1)."""

from __future__ import annotations

import pytest
from tests.gcs_fixtures import LABEL_MAP, GcsBucket, gcs, gcs_server

from odsweep import odconfig
from odsweep.demodata import base_config_path
from odsweep.errors import InputError

__all__ = ["gcs", "gcs_server"]


def test_config_and_label_map_from_a_bucket(gcs: GcsBucket) -> None:
    uri = gcs.put("cfg/pipeline.config", base_config_path().read_text())
    config = odconfig.load_pipeline_config(uri)
    assert odconfig.model_num_classes(config) == 3
    assert odconfig.label_map_num_classes(gcs.put("cfg/label_map.pbtxt", LABEL_MAP)) == 3


def test_a_missing_config_object_names_its_uri(gcs: GcsBucket) -> None:
    with pytest.raises(
        InputError, match=r"^pipeline config: gs://odsweep-test/cfg/nope.config: no such object"
    ):
        odconfig.load_pipeline_config(gcs.uri("cfg/nope.config"))


def test_a_bad_config_in_a_bucket_names_its_uri(gcs: GcsBucket) -> None:
    uri = gcs.put("cfg/bad.config", "model { ssd { nope: 1 } }")
    with pytest.raises(InputError, match=r"^gs://odsweep-test/cfg/bad.config: not a valid OD API"):
        odconfig.load_pipeline_config(uri)
