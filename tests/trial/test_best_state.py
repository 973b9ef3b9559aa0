"""best/checkpoint names the kept checkpoint relative to best/, whatever the trial dir."""

from __future__ import annotations

import pytest


@pytest.mark.tf
@pytest.mark.parametrize(
    "best_dir", ["runs/t-1/best", "/abs/runs/t-1/best", "gs://bucket/out/trials/t-1/best"]
)
def test_the_best_checkpoint_state_names_the_checkpoint_relative_to_best(best_dir: str) -> None:
    from odsweep.tfcompat import load_tensorflow
    from odsweep.trial.runner import checkpoint_state_args

    load_tensorflow()
    from tensorflow.python.checkpoint import checkpoint_management

    save_dir, path = checkpoint_state_args(best_dir, "ckpt-40")
    state = checkpoint_management.generate_checkpoint_state_proto(
        save_dir, path, all_model_checkpoint_paths=[path]
    )
    assert state.model_checkpoint_path == "ckpt-40"
    assert list(state.all_model_checkpoint_paths) == ["ckpt-40"]
