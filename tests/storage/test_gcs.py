"""gs:// against a real GCS JSON API server (gcp-storage-emulator on 127.0.0.1)."""

from __future__ import annotations

import pytest

from odsweep import storage
from odsweep.errors import EXIT_BAD_INPUT, InputError
from tests.gcs_fixtures import GcsBucket


def test_text_and_bytes_round_trip_with_content_types(gcs: GcsBucket) -> None:
    storage.write_text_atomic(gcs.uri("out/best.json"), '{"trial": "t-1"}\n')
    storage.write_text_atomic(gcs.uri("out/report.html"), "<html>é</html>")
    storage.write_bytes_atomic(gcs.uri("out/report_files/a.png"), b"\x89PNG\r\n")
    assert storage.read_text(gcs.uri("out/best.json")) == '{"trial": "t-1"}\n'
    assert storage.read_text(gcs.uri("out/report.html")) == "<html>é</html>"
    assert storage.read_bytes(gcs.uri("out/report_files/a.png")) == b"\x89PNG\r\n"
    assert gcs.get("out/best.json") == b'{"trial": "t-1"}\n'
    # Typed, so the Cloud console shows the report and its images.
    assert (gcs.content_type("out/report.html") or "").startswith("text/html")
    assert gcs.content_type("out/report_files/a.png") == "image/png"


def test_exists_for_objects_folders_buckets(gcs: GcsBucket) -> None:
    gcs.put("data/train-00000.tfrecord", b"x")
    assert storage.exists(gcs.uri("data/train-00000.tfrecord"))
    assert storage.exists(gcs.uri("data"))  # a "folder": objects under it
    assert storage.exists(gcs.uri("data/"))
    assert storage.exists(gcs.uri())  # the bucket
    assert not storage.exists(gcs.uri("data/eval.tfrecord"))
    assert not storage.exists(gcs.uri("dat"))  # a prefix of a name is not a folder
    assert not storage.exists("gs://no-such-bucket-odsweep/x")
    assert storage.is_dir(gcs.uri("data")) and not storage.is_dir(gcs.uri("data/train"))
    assert not storage.is_dir("gs://no-such-bucket-odsweep/x")


def test_list_dir_glob_and_remove(gcs: GcsBucket) -> None:
    for name in (
        "out/trials/t-1/result.json",
        "out/trials/t-1/ckpt-10.index",
        "out/trials/t-2/result.json",
        "out/trials/t-10/stdout.log",
        "out/trials/notes.txt",
        "out/trials-old/t-1/result.json",
    ):
        gcs.put(name, "x")
    trials = gcs.uri("out/trials")
    assert storage.list_dir(trials) == ["notes.txt", "t-1", "t-10", "t-2"]
    assert storage.list_dir(trials + "/") == ["notes.txt", "t-1", "t-10", "t-2"]
    assert storage.list_dir(gcs.uri("out/nothing")) == []
    assert storage.glob(storage.join(trials, "*", "result.json")) == [
        gcs.uri("out/trials/t-1/result.json"),
        gcs.uri("out/trials/t-2/result.json"),
    ]
    # Wildcards stay inside one segment; folders match as folders.
    assert storage.glob(gcs.uri("out/trials/t-?")) == [
        gcs.uri("out/trials/t-1"),
        gcs.uri("out/trials/t-2"),
    ]
    assert storage.glob(gcs.uri("out/*/t-1/result.json")) == [
        gcs.uri("out/trials-old/t-1/result.json"),
        gcs.uri("out/trials/t-1/result.json"),
    ]
    assert storage.glob(gcs.uri("out/trials/t-[12]/*.json")) == [
        gcs.uri("out/trials/t-1/result.json"),
        gcs.uri("out/trials/t-2/result.json"),
    ]
    assert storage.glob(gcs.uri("out/trials/notes.txt")) == [gcs.uri("out/trials/notes.txt")]
    assert storage.glob(gcs.uri("out/trials/*.tfrecord")) == []
    storage.remove(gcs.uri("out/trials/notes.txt"))
    storage.remove(gcs.uri("out/trials/notes.txt"))  # already gone: fine
    storage.remove_tree(gcs.uri("out/trials/t-1"))
    storage.remove_tree(gcs.uri("out/trials/t-404"))
    assert gcs.names("out/trials/") == [
        "out/trials/t-10/stdout.log",
        "out/trials/t-2/result.json",
    ]


def test_a_missing_object_names_its_uri_and_the_fix(gcs: GcsBucket) -> None:
    uri = gcs.uri("specs/missing.yaml")
    with pytest.raises(InputError) as info:
        storage.read_text(uri, key="best.json")
    assert info.value.exit_code == EXIT_BAD_INPUT
    assert str(info.value) == (
        f"best.json: {uri}: no such object; check the path (gcloud storage ls {gcs.uri('specs')}/)"
    )
    with pytest.raises(InputError, match=r"^gs://odsweep-test/x/: a folder, not an object"):
        storage.read_text(gcs.uri("x/"))


@pytest.mark.parametrize(
    "call",
    [
        lambda uri: storage.read_text(uri),
        lambda uri: storage.write_text_atomic(uri, "x"),
        lambda uri: storage.write_bytes_atomic(uri, b"x"),
        lambda uri: storage.list_dir(uri),
        lambda uri: storage.glob(uri + "/*.tfrecord"),
    ],
    ids=["read", "write-text", "write-bytes", "list", "glob"],
)
def test_a_missing_bucket_names_it_and_the_fix(gcs: GcsBucket, call: object) -> None:
    uri = "gs://no-such-bucket-odsweep/out/best.json"
    with pytest.raises(InputError, match=r"gs://no-such-bucket-odsweep/out/best.json.*") as info:
        call(uri)  # type: ignore[operator]
    message = str(info.value)
    assert "bucket gs://no-such-bucket-odsweep does not exist; fix the bucket name" in message
    assert "gcloud storage buckets create gs://no-such-bucket-odsweep" in str(info.value)


def test_a_uri_without_bucket_is_bad_input(gcs: GcsBucket) -> None:
    with pytest.raises(InputError, match=r"^gs:///x: a gs:// URI needs a bucket"):
        storage.read_text("gs:///x")


def test_remove_tree_refuses_a_whole_bucket(gcs: GcsBucket) -> None:
    with pytest.raises(InputError, match="refusing to delete a whole bucket"):
        storage.remove_tree(gcs.uri())
