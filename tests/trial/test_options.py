from __future__ import annotations

import pytest

from odsweep.spec import ObjectiveType
from odsweep.trial.options import TrialOptions


def _opts(steps: int, every: int) -> TrialOptions:
    return TrialOptions(
        pipeline_config="p",
        trial_dir="/runs/x/trials/demo-3/",
        num_train_steps=steps,
        checkpoint_every_n=every,
        metric="m",
        objective=ObjectiveType.MAXIMIZE,
    )


@pytest.mark.parametrize(
    ("steps", "every", "expected"),
    [(300, 100, [100, 200, 300]), (250, 100, [100, 200, 250]), (50, 100, [50]), (1, 1, [1])],
)
def test_checkpoint_steps_include_the_end_and_never_zero(
    steps: int, every: int, expected: list[int]
) -> None:
    assert _opts(steps, every).checkpoint_steps() == expected


def test_name_is_the_directory_name() -> None:
    assert _opts(1, 1).name == "demo-3"


def test_seed_from_name_is_stable_and_differs_between_trials() -> None:
    from odsweep.trial.from_spec import seed_from_name

    assert seed_from_name("gs://b/sweep/trials/exp-abc12345") == seed_from_name("/x/exp-abc12345/")
    assert seed_from_name("/x/exp-abc12345") != seed_from_name("/x/exp-abc12346")
    assert 0 <= seed_from_name("/x/t") < 2**31
