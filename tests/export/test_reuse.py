"""An export is reused only when its provenance records exactly the current winner."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from odsweep.errors import InputError
from odsweep.export import (
    PROVENANCE_FILE,
    WinnerIdentity,
    export_is_of_winner,
    matches_winner,
    read_provenance,
    winner_identity,
)


@pytest.fixture
def trial_dir(tmp_path: Path) -> Path:
    trial = tmp_path / "trials" / "s-2"
    (trial / "best").mkdir(parents=True)
    (trial / "best" / "ckpt-40.index").write_bytes(b"index of ckpt-40")
    (trial / "best" / "ckpt-40.data-00000-of-00001").write_bytes(b"weights")
    (trial / "pipeline.config").write_text("model { ssd { num_classes: 3 } }\n")
    return trial


def _identity(trial: Path, *, checkpoint: str | None = None) -> WinnerIdentity:
    return winner_identity(
        str(trial),
        trial="s-2",
        step=40,
        checkpoint=checkpoint or str(trial / "best" / "ckpt-40"),
        input_type="image_tensor",
    )


def _export(tmp_path: Path, provenance: dict[str, object]) -> Path:
    path = tmp_path / "model" / "1"
    (path / "assets.extra").mkdir(parents=True)
    (path / "assets.extra" / PROVENANCE_FILE).write_text(json.dumps(provenance))
    # Every export carries TF Serving's warm-up file; reuse checks it is there.
    (path / "assets.extra" / "tf_serving_warmup_requests").write_bytes(b"")
    return path


def test_the_identity_hashes_the_index_and_the_config(trial_dir: Path) -> None:
    identity = _identity(trial_dir)
    assert identity.checkpoint_index_sha256 == hashlib.sha256(b"index of ckpt-40").hexdigest()
    assert (
        identity.config_sha256 == hashlib.sha256(b"model { ssd { num_classes: 3 } }\n").hexdigest()
    )


def test_the_export_of_the_winner_is_reused(trial_dir: Path, tmp_path: Path) -> None:
    identity = _identity(trial_dir)
    export = _export(tmp_path, {"spec": "s", **identity.provenance()})
    assert export_is_of_winner(str(export), identity)


@pytest.mark.parametrize(
    "change",
    [
        {"trial": "s-3"},
        {"step": 30},
        {"step": "40"},
        {"input_type": "tf_example"},
        {"checkpoint_index_sha256": "0" * 64},
        {"config_sha256": "0" * 64},
    ],
)
def test_any_difference_means_a_new_version(
    trial_dir: Path, tmp_path: Path, change: dict[str, object]
) -> None:
    identity = _identity(trial_dir)
    export = _export(tmp_path, {**identity.provenance(), **change})
    assert not export_is_of_winner(str(export), identity)


def test_a_retrained_checkpoint_or_edited_config_is_not_the_same_winner(
    trial_dir: Path, tmp_path: Path
) -> None:
    old = _identity(trial_dir)
    export = _export(tmp_path, old.provenance())
    (trial_dir / "best" / "ckpt-40.index").write_bytes(b"index of another ckpt-40")
    assert not export_is_of_winner(str(export), _identity(trial_dir))
    (trial_dir / "best" / "ckpt-40.index").write_bytes(b"index of ckpt-40")
    assert export_is_of_winner(str(export), _identity(trial_dir))
    (trial_dir / "pipeline.config").write_text("model { ssd { num_classes: 4 } }\n")
    assert not export_is_of_winner(str(export), _identity(trial_dir))


def test_an_old_export_without_hashes_is_not_reused(trial_dir: Path, tmp_path: Path) -> None:
    identity = _identity(trial_dir)
    export = _export(tmp_path, {"trial": "s-2", "best_step": 40, "input_type": "image_tensor"})
    assert not export_is_of_winner(str(export), identity)
    assert not matches_winner({}, **identity.provenance())


def test_a_missing_or_damaged_provenance_is_not_reused(trial_dir: Path, tmp_path: Path) -> None:
    identity = _identity(trial_dir)
    assert read_provenance(str(tmp_path / "model" / "9")) is None
    export = _export(tmp_path, {})
    (export / "assets.extra" / PROVENANCE_FILE).write_text('{"trial": ')
    assert read_provenance(str(export)) is None
    assert not export_is_of_winner(str(export), identity)


def test_a_missing_checkpoint_index_is_an_input_error(trial_dir: Path) -> None:
    with pytest.raises(InputError, match=r"ckpt-30\.index"):
        _identity(trial_dir, checkpoint=str(trial_dir / "best" / "ckpt-30"))
