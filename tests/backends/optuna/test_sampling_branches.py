"""Define-by-run sampling of branch parameters: inactive ones are never asked."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import optuna
import pytest

from odsweep.backends.optuna import make_sampler, suggest
from odsweep.backends.optuna._study import spec_parts
from odsweep.spec import SearchSpec
from tests.backends.optuna.test_sampling import fake_value, make_spec

OPT = "train_config.optimizer"
ROUNDS = 16  # past multivariate-tpe's 10 startup trials: the model-based part runs too


def branch_params(*, conditional_momentum: bool = True) -> list[dict[str, Any]]:
    return [
        {
            "name": "optimizer",
            "configPath": f"{OPT}.optimizer",
            "parameterType": "categorical",
            "feasibleSpace": {"list": ["momentum_optimizer", "adam_optimizer"]},
        },
        {
            "name": "momentum",
            "configPath": f"{OPT}.momentum_optimizer.momentum_optimizer_value",
            "parameterType": "double",
            "feasibleSpace": {"min": 0.8, "max": 0.95},
            "when": {"optimizer": "momentum_optimizer"} if conditional_momentum else None,
        },
        {
            "name": "schedule",
            "configPath": f"{OPT}.adam_optimizer.learning_rate.learning_rate",
            "parameterType": "categorical",
            "feasibleSpace": {"list": ["constant_learning_rate", "cosine_decay_learning_rate"]},
            "when": {"optimizer": "adam_optimizer"},
        },
        {
            "name": "constant_lr",
            "configPath": (
                f"{OPT}.adam_optimizer.learning_rate.constant_learning_rate.learning_rate"
            ),
            "parameterType": "double",
            "feasibleSpace": {"min": 0.0001, "max": 0.01, "distribution": "logUniform"},
            "when": {"schedule": "constant_learning_rate"},
        },
        {
            "name": "batch",
            "configPath": "train_config.batch_size",
            "parameterType": "int",
            "feasibleSpace": {"min": 2, "max": 8},
        },
    ]


def expected_names(params: dict[str, Any]) -> set[str]:
    names = {"optimizer", "batch"}
    if params["optimizer"] == "momentum_optimizer":
        return names | {"momentum"}
    names.add("schedule")
    if params["schedule"] == "constant_learning_rate":
        names.add("constant_lr")
    return names


def run_on_sqlite(spec: SearchSpec, db: Path) -> list[dict[str, Any]]:
    url = f"sqlite:///{db}"
    study = optuna.create_study(
        study_name="branches", storage=url, sampler=make_sampler(spec), direction="maximize"
    )
    for _ in range(ROUNDS):
        trial = study.ask()
        study.tell(trial, fake_value(suggest(trial, spec)))
    # What the study recorded, read back from the database.
    stored = optuna.load_study(study_name="branches", storage=url)
    return [dict(t.params) for t in stored.get_trials()]


@pytest.mark.parametrize("algorithm", ["random", "tpe", "multivariate-tpe"])
def test_only_the_chosen_branches_parameters_are_sampled(
    algorithm: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    spec = make_spec(algorithm, branch_params(), {"random_state": 3})
    optuna.logging.enable_propagation()
    try:
        with caplog.at_level(logging.WARNING, logger="optuna"):
            recorded = run_on_sqlite(spec, tmp_path / "study.db")
    finally:
        optuna.logging.disable_propagation()
    assert len(recorded) == ROUNDS
    for params in recorded:
        assert set(params) == expected_names(params), params
    chosen = {p["optimizer"] for p in recorded}
    assert chosen == {"momentum_optimizer", "adam_optimizer"}, "both branches were tried"
    assert any("constant_lr" in p for p in recorded)
    # multivariate-tpe runs with group=True: no fallback to independent sampling.
    assert not [r.message for r in caplog.records if "independent" in r.message]


def test_the_study_fingerprint_includes_when() -> None:
    conditional = make_spec("tpe", branch_params())
    # The same space but momentum without when: (validate would refuse its path into an
    # unchosen branch; the fingerprint must tell the two apart all the same).
    always = make_spec("tpe", branch_params(conditional_momentum=False))
    assert always.parameter("momentum").when is None
    assert spec_parts(conditional)["parameters"] != spec_parts(always)["parameters"]
    assert spec_parts(conditional)["objective"] == spec_parts(always)["objective"]
