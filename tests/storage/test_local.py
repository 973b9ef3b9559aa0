"""Local paths: the same functions, plain files, atomic writes."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from odsweep import storage
from odsweep.errors import InputError


def test_text_and_bytes_round_trip_and_create_folders(tmp_path: Path) -> None:
    path = str(tmp_path / "a" / "b" / "result.json")
    storage.write_text_atomic(path, "{}\n")
    storage.write_bytes_atomic(str(tmp_path / "img" / "x.png"), b"\x89PNG")
    assert storage.read_text(path) == "{}\n"
    assert storage.read_bytes(str(tmp_path / "img" / "x.png")) == b"\x89PNG"
    # No temporary file is left beside the target; others may read it (not 0600).
    assert os.listdir(tmp_path / "a" / "b") == ["result.json"]
    assert stat.S_IMODE(os.stat(path).st_mode) & 0o044


def test_a_failed_write_leaves_the_old_file_whole(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "best.json"
    storage.write_text_atomic(str(path), "old")

    def broken_replace(src: str, dst: str) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(OSError, match="No space"):
        storage.write_text_atomic(str(path), "new")
    assert path.read_text() == "old"
    assert os.listdir(tmp_path) == ["best.json"]


def test_read_errors_name_the_path(tmp_path: Path) -> None:
    missing = str(tmp_path / "nope.json")
    with pytest.raises(InputError, match=r"^best.json: file not found, got '.*nope.json'"):
        storage.read_text(missing, key="best.json")
    with pytest.raises(InputError, match=r"^path: .* is a folder; give a file"):
        storage.read_text(str(tmp_path))
    (tmp_path / "latin1.yaml").write_bytes(b"caf\xe9")
    with pytest.raises(InputError, match=r"latin1.yaml is not UTF-8 text; save the file as UTF-8"):
        storage.read_text(str(tmp_path / "latin1.yaml"))


def test_listing_globbing_and_removing(tmp_path: Path) -> None:
    for name in ("trials/t-1/result.json", "trials/t-2/result.json", "trials/t-3/stdout.log"):
        storage.write_text_atomic(str(tmp_path / name), "x")
    trials = str(tmp_path / "trials")
    assert storage.list_dir(trials) == ["t-1", "t-2", "t-3"]
    assert storage.list_dir(str(tmp_path / "missing")) == []
    assert storage.glob(storage.join(trials, "*", "result.json")) == [
        str(tmp_path / "trials/t-1/result.json"),
        str(tmp_path / "trials/t-2/result.json"),
    ]
    assert storage.is_dir(trials) and not storage.is_dir(str(tmp_path / "trials/t-1/result.json"))
    assert storage.exists(trials) and not storage.exists(str(tmp_path / "x"))
    storage.remove(str(tmp_path / "trials/t-1/result.json"))
    storage.remove(str(tmp_path / "trials/t-1/result.json"))  # missing is fine
    storage.remove_tree(str(tmp_path / "trials/t-2"))
    storage.remove_tree(str(tmp_path / "trials/t-9"))
    assert storage.list_dir(trials) == ["t-1", "t-3"]
    with pytest.raises(InputError, match="is a file, expected a folder"):
        storage.list_dir(str(tmp_path / "trials/t-3/stdout.log"))


def test_makedirs_and_join(tmp_path: Path) -> None:
    storage.makedirs(str(tmp_path / "x" / "y"))
    assert (tmp_path / "x" / "y").is_dir()
    storage.makedirs("gs://bucket/no/folders/on/gcs")  # a no-op, no request
    assert storage.join("gs://b/out/", "trials", "t-1") == "gs://b/out/trials/t-1"
    assert storage.join("/tmp/out", "trials") == "/tmp/out/trials"
    assert storage.is_remote("gs://b/x") and not storage.is_remote("/tmp/gs://x")


def test_other_schemes_are_refused_not_treated_as_local_paths() -> None:
    with pytest.raises(
        InputError, match=r"^path: scheme not supported: only gs://, got 's3://b/x'; use gs://"
    ):
        storage.read_text("s3://b/x")
    with pytest.raises(InputError, match=r"^path: scheme not supported: only gs://"):
        storage.write_text_atomic("http://example.com/x", "x")
    with pytest.raises(
        InputError,
        match=r"^path: scheme not supported: only gs://, got 'GS://b/x'; write the scheme "
        r"lower-case: gs:// or a local path$",
    ):
        storage.exists("GS://b/x")


def test_google_cloud_storage_is_not_imported_for_local_paths(tmp_path: Path) -> None:
    import subprocess
    import sys

    code = (
        "import sys; from odsweep import storage; "
        f"storage.write_text_atomic({str(tmp_path / 'a.txt')!r}, 'x'); "
        f"storage.read_text({str(tmp_path / 'a.txt')!r}); storage.glob('/tmp/*'); "
        "print('google.cloud.storage' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
