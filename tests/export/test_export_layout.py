"""TF Serving layout: version numbering, publishing whole, collisions, staging cleanup."""

from __future__ import annotations

import os
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from odsweep.errors import InputError
from odsweep.export import ExportFailed, _layout, existing_versions, export_checkpoint, next_version

pytestmark = pytest.mark.tf


def _staged_model(root: Path, tag: str) -> Path:
    """A fake staged SavedModel: enough files to see what lands where, and in which order."""
    model = root / f".staging-{tag}" / "saved_model"
    (model / "variables").mkdir(parents=True)
    (model / "variables" / "variables.index").write_text(tag)
    (model / "variables" / "variables.data-00000-of-00001").write_text(tag)
    (model / "assets.extra").mkdir()
    (model / "assets.extra" / "pipeline.config").write_text(tag)
    (model / "fingerprint.pb").write_text(tag)
    (model / "saved_model.pb").write_text(tag)
    return model


def _tree(path: Path) -> set[str]:
    return {str(p.relative_to(path)) for p in path.rglob("*") if p.is_file()}


class _Gfile:
    """Wraps tf.io.gfile: records copies, optionally claims every version is free."""

    def __init__(self, gfile: Any, *, blind: bool = False) -> None:
        self._gfile = gfile
        self._blind = blind
        self.copied: list[str] = []

    def __getattr__(self, name: str) -> Any:
        return getattr(self._gfile, name)

    def exists(self, path: str) -> bool:
        # Blind: the existence check runs before another export publishes (a race).
        return False if self._blind else bool(self._gfile.exists(path))

    def copy(self, src: str, dst: str, overwrite: bool = False) -> None:
        self.copied.append(dst)
        self._gfile.copy(src, dst, overwrite=overwrite)


def _fake_tf(tf: Any, gfile: _Gfile) -> Any:
    return SimpleNamespace(io=SimpleNamespace(gfile=gfile), errors=tf.errors)


def test_versions_start_at_one_and_ignore_non_numeric(tmp_path: Path) -> None:
    assert next_version(str(tmp_path / "missing")) == 1
    assert next_version(str(tmp_path)) == 1
    for name in (".staging-x", "foo", "v3", "12b"):
        (tmp_path / name).mkdir()
    assert existing_versions(str(tmp_path)) == []
    assert next_version(str(tmp_path)) == 1
    (tmp_path / "1").mkdir()
    assert next_version(str(tmp_path)) == 2
    (tmp_path / "7").mkdir()
    (tmp_path / "9").write_text("a file with a numeric name blocks that version too")
    assert existing_versions(str(tmp_path)) == [1, 7, 9]
    assert next_version(str(tmp_path)) == 10


@pytest.mark.parametrize("rename", [True, False], ids=["rename", "copy"])
def test_publish_moves_the_whole_model_to_the_next_version(
    tf: Any, tmp_path: Path, rename: bool
) -> None:
    (tmp_path / "foo").mkdir()
    staged = _staged_model(tmp_path, "a")
    expected = _tree(staged)
    assert _layout.publish(tf, str(staged), str(tmp_path), rename=rename) == 1
    assert _tree(tmp_path / "1") == expected
    assert (tmp_path / "1" / "saved_model.pb").read_text() == "a"
    staged_b = _staged_model(tmp_path, "b")
    assert _layout.publish(tf, str(staged_b), str(tmp_path), rename=rename) == 2
    assert (tmp_path / "2" / "saved_model.pb").read_text() == "b"


def test_copy_publish_writes_saved_model_pb_last(tf: Any, tmp_path: Path) -> None:
    gfile = _Gfile(tf.io.gfile)
    staged = _staged_model(tmp_path, "a")
    _layout.publish(_fake_tf(tf, gfile), str(staged), str(tmp_path), rename=False)
    assert len(gfile.copied) == 5
    assert gfile.copied[-1].endswith("/1/saved_model.pb")


def test_rename_publish_moves_saved_model_pb_in_last(
    tf: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    events: list[tuple[str, str, bool]] = []
    real_rename, real_replace = os.rename, os.replace

    def rename(src: str, dst: str) -> None:
        real_rename(src, dst)
        events.append(("rename", dst, (Path(dst) / "saved_model.pb").exists()))

    def replace(src: str, dst: str) -> None:
        real_replace(src, dst)
        events.append(("replace", dst, (Path(dst).parent / "variables").exists()))

    monkeypatch.setattr(_layout.os, "rename", rename)
    monkeypatch.setattr(_layout.os, "replace", replace)
    staged = _staged_model(tmp_path, "a")
    _layout.publish(tf, str(staged), str(tmp_path), rename=True)
    # The version folder appears without its .pb; the .pb arrives after, into a folder
    # whose variables are already there.
    assert events[-2] == ("rename", str(tmp_path / "1"), False)
    assert events[-1] == ("replace", str(tmp_path / "1" / "saved_model.pb"), True)


@pytest.mark.parametrize("rename", [True, False], ids=["rename", "copy"])
def test_racing_publish_takes_the_next_version_and_leaves_the_winner_intact(
    tf: Any, tmp_path: Path, rename: bool
) -> None:
    winner = _staged_model(tmp_path, "winner")
    assert _layout.publish(tf, str(winner), str(tmp_path), rename=rename) == 1
    winner_tree = _tree(tmp_path / "1")
    # The loser computed version 1 too and its existence check ran before the winner
    # published: the final step itself must refuse to land on version 1.
    blind = _fake_tf(tf, _Gfile(tf.io.gfile, blind=True))
    loser = _staged_model(tmp_path, "loser")
    version = _layout.publish(blind, str(loser), str(tmp_path), rename=rename)
    assert version == 2
    assert _tree(tmp_path / "1") == winner_tree
    assert {(tmp_path / "1" / f).read_text() for f in winner_tree} == {"winner"}
    assert (tmp_path / "2" / "saved_model.pb").read_text() == "loser"
    assert _tree(tmp_path / "2") == winner_tree


def test_failed_export_leaves_no_version_and_no_staging(
    tf: Any, trained: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from object_detection import exporter_lib_v2

    def broken_exporter(input_type: str, config: Any, ckpt_dir: str, out: str) -> None:
        # Half an export, then a failure: none of it may stay visible.
        os.makedirs(os.path.join(out, "saved_model", "variables"))
        Path(out, "saved_model", "saved_model.pb").write_text("half")
        raise ValueError("Received incompatible tensor with shape (3,) when restoring")

    monkeypatch.setattr(exporter_lib_v2, "export_inference_graph", broken_exporter)
    base = tmp_path / "base"
    with pytest.raises(ExportFailed) as info:
        export_checkpoint(
            pipeline_config=trained.pipeline_config,
            checkpoint=trained.checkpoint(10),
            output_base=str(base),
            input_type="image_tensor",
            provenance={},
        )
    message = str(info.value)
    assert "\n" not in message
    assert trained.checkpoint(10) in message
    assert "incompatible tensor" in message
    assert "trained with this pipeline.config" in message
    assert list(base.iterdir()) == []


def test_uncreatable_output_base_is_bad_input(tf: Any, trained: Any, tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    with pytest.raises(InputError, match="output_base: cannot create"):
        export_checkpoint(
            pipeline_config=trained.pipeline_config,
            checkpoint=trained.checkpoint(10),
            output_base=str(blocker / "base"),
            input_type="image_tensor",
            provenance={},
        )
