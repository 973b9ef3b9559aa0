"""Exactly the requested checkpoint is restored; bad arguments fail before any work."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from odsweep.errors import InputError
from odsweep.export import export_checkpoint
from odsweep.export._checkpoint import checkpoint_problem, pinned_checkpoint_dir

pytestmark = pytest.mark.tf


def _same_values(tf: Any, a: str, b: str) -> bool:
    """Do two checkpoints hold the same model weights?"""
    ra, rb = tf.train.load_checkpoint(a), tf.train.load_checkpoint(b)
    keys = [k for k in ra.get_variable_to_shape_map() if k.startswith("model/")]
    return all(np.array_equal(ra.get_tensor(k), rb.get_tensor(k)) for k in keys)


def test_a_folders_latest_checkpoint_is_used_in_place(tf: Any, trained: Any) -> None:
    best = tf.train.latest_checkpoint(str(trained.trial_dir / "best"))
    with pinned_checkpoint_dir(tf, best) as folder:
        assert folder == str(trained.trial_dir / "best")


@pytest.mark.parametrize("copy", [False, True], ids=["pointer", "copy"])
def test_an_older_checkpoint_is_pinned_in_a_temporary_folder(
    tf: Any, trained: Any, copy: bool
) -> None:
    older, latest = trained.checkpoint(10), trained.checkpoint(20)
    assert tf.train.latest_checkpoint(str(trained.trial_dir)) == latest
    assert not _same_values(tf, older, latest)
    with pinned_checkpoint_dir(tf, older, copy=copy) as folder:
        assert folder != str(trained.trial_dir)
        # What the exporter does with the folder: restore its latest checkpoint.
        restored = tf.train.CheckpointManager(
            tf.train.Checkpoint(), folder, max_to_keep=1
        ).latest_checkpoint
        assert _same_values(tf, restored, older)
        if copy:
            assert Path(restored).parent == Path(folder)
    assert not Path(folder).exists()
    # The trial folder is untouched.
    assert tf.train.latest_checkpoint(str(trained.trial_dir)) == latest


def test_checkpoint_problems_say_what_to_pass(tf: Any, trained: Any, tmp_path: Path) -> None:
    assert checkpoint_problem(tf, trained.checkpoint(10)) is None
    missing = str(trained.trial_dir / "ckpt-999")
    message = checkpoint_problem(tf, missing)
    assert message is not None
    assert missing in message and "<trial_dir>/best/ckpt-N" in message
    message = checkpoint_problem(tf, trained.checkpoint(10) + ".index")
    assert message is not None and f"e.g. {trained.checkpoint(10)!r}" in message
    message = checkpoint_problem(tf, str(trained.trial_dir))
    assert message is not None and f"e.g. {trained.checkpoint(20)!r}" in message


def test_missing_checkpoint_is_bad_input_and_writes_nothing(trained: Any, tmp_path: Path) -> None:
    missing = str(trained.trial_dir / "ckpt-999")
    base = tmp_path / "base"
    with pytest.raises(InputError) as info:
        export_checkpoint(
            pipeline_config=trained.pipeline_config,
            checkpoint=missing,
            output_base=str(base),
            input_type="image_tensor",
            provenance={},
        )
    assert info.value.messages == (
        f"checkpoint: no checkpoint at {missing!r} ({missing}.index not found); "
        "pass a checkpoint prefix such as '<trial_dir>/best/ckpt-N'",
    )
    assert not base.exists()


def test_every_bad_argument_is_reported_at_once(trained: Any, tmp_path: Path) -> None:
    with pytest.raises(InputError) as info:
        export_checkpoint(
            pipeline_config=str(tmp_path / "nope.config"),
            checkpoint=str(tmp_path / "ckpt-1"),
            output_base=str(tmp_path / "base"),
            input_type="image",
            provenance={"when": object()},
            label_map=str(tmp_path / "labels.pbtxt"),
        )
    messages = info.value.messages
    assert [m.split(":", 1)[0] for m in messages] == [
        "input_type",
        "pipeline_config",
        "checkpoint",
        "label_map",
        "provenance",
    ]
    assert all("\n" not in m for m in messages)
    assert "use one of image_tensor, float_image_tensor" in messages[0]
    assert not (tmp_path / "base").exists()
