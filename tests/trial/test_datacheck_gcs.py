"""The data checks on gs:// shards (a real GCS server on 127.0.0.1): read through
odsweep's storage with one ranged read per shard."""

from __future__ import annotations

import pytest

from odsweep.cli.main import main
from odsweep.errors import EXIT_BAD_INPUT
from tests.gcs_fixtures import GcsBucket, gcs, gcs_server, upload_search_space
from tests.tfrecords import example, shard_bytes

__all__ = ["gcs", "gcs_server"]

pytestmark = pytest.mark.tf


def test_bad_gs_shards_are_named_by_uri(gcs: GcsBucket, capsys: pytest.CaptureFixture[str]) -> None:
    uri = upload_search_space(gcs)
    gcs.put("specs/data/train-00001-of-00002.tfrecord", b"")
    gcs.put("specs/data/eval-00001-of-00002.tfrecord", shard_bytes([example()])[:-10])
    assert main(["validate", uri]) == EXIT_BAD_INPUT
    assert capsys.readouterr().err.splitlines() == [
        "odsweep validate: error: train_input_reader: "
        f"{gcs.uri('specs/data/train-00001-of-00002.tfrecord')}: empty file (0 bytes); "
        "remove it or write it again",
        "odsweep validate: error: eval_input_reader[0]: "
        f"{gcs.uri('specs/data/eval-00001-of-00002.tfrecord')}: truncated record at byte 0; "
        "the file is damaged: copy or write it again",
    ]
