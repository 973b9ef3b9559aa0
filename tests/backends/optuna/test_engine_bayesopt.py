"""bayesianoptimization through the local engine with fake trials (no TensorFlow)."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from odsweep.backends.optuna import Verdict
from odsweep.results import TrialStatus
from tests.backends.optuna.test_engine import engine, fake_env, write_spec

__all__ = ["fake_env"]  # the fixture, imported for pytest

BAYES = {
    "algorithmName": "bayesianoptimization",
    "algorithmSettings": [
        {"name": "n_initial_points", "value": "3"},
        {"name": "acq_func", "value": "EI"},
        {"name": "random_state", "value": "1"},
    ],
}
RANDOM = {"algorithmName": "random", "algorithmSettings": [{"name": "random_state", "value": "1"}]}


def sweep(tmp_path: Path, name: str, algorithm: dict[str, object]) -> list[float]:
    """The learning rates of an 8-trial sequential sweep, in trial order."""
    folder = tmp_path / name
    folder.mkdir()
    spec = write_spec(folder / "s.yaml", algorithm=algorithm, parallelTrialCount=1, maxTrialCount=8)
    outcome = engine(folder, spec).run()
    assert outcome.verdict is Verdict.SUCCEEDED_MAX_TRIALS
    assert all(r.status is TrialStatus.SUCCEEDED for r in outcome.results)
    return [float(r.params["learning_rate"]) for r in outcome.results]


def distance(lr: float) -> float:
    """How far (in decades) from the fake objective's peak at lr = 0.05."""
    return abs(math.log10(lr) - math.log10(0.05))


@pytest.mark.usefixtures("fake_env")
def test_reproducible_and_closer_to_the_optimum_than_random(tmp_path: Path) -> None:
    first = sweep(tmp_path, "a", BAYES)
    assert first == sweep(tmp_path, "b", BAYES)
    assert all(0.0005 <= lr <= 5.0 for lr in first)
    rand = sweep(tmp_path, "random", RANDOM)
    # After its 3 random points the GP's 5 picks sit nearer the peak than random's best.
    assert min(distance(lr) for lr in first[3:]) < min(distance(lr) for lr in rand)
    assert min(distance(lr) for lr in first[3:]) < 0.2
