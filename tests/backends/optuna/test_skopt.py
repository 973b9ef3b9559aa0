"""bayesianoptimization locally: skopt's Optimizer with Katib's settings, as a sampler."""

from __future__ import annotations

import math
import statistics
from typing import Any

import numpy as np
import optuna
import pytest

from odsweep.backends.optuna import make_sampler, suggest
from odsweep.backends.optuna._skopt import SkoptSampler, SkoptSettings, dimensions
from odsweep.spec import SearchSpec
from tests.backends.optuna.test_sampling import _param, make_spec, run, x_spec


def bayes(settings: dict[str, object] | None = None, params: list[Any] | None = None) -> SearchSpec:
    space = params if params is not None else [_param("x", "double", min=0.0, max=10.0)]
    return make_spec("bayesianoptimization", space, settings)


def sampler(spec: SearchSpec) -> SkoptSampler:
    made = make_sampler(spec)
    assert isinstance(made, SkoptSampler)
    return made


def test_katib_defaults_when_no_setting_is_given() -> None:
    assert sampler(bayes()).settings == SkoptSettings(
        base_estimator="GP", n_initial_points=10, acq_func="gp_hedge", acq_optimizer="auto",
        random_state=None,
    )  # fmt: skip


@pytest.mark.parametrize(
    ("setting", "value", "attribute", "expected"),
    [
        ("base_estimator", "RF", "base_estimator", "RandomForestRegressor"),
        ("base_estimator", "ET", "base_estimator", "ExtraTreesRegressor"),
        ("base_estimator", "GP", "base_estimator", "GaussianProcessRegressor"),
        ("acq_func", "EI", "acq_func", "EI"),
        ("acq_func", "LCB", "acq_func", "LCB"),
        ("acq_optimizer", "sampling", "acq_optimizer", "sampling"),
        ("acq_optimizer", "lbfgs", "acq_optimizer", "lbfgs"),
        ("n_initial_points", 3, "n_initial_points_", 3),
    ],
)
def test_each_setting_reaches_skopt(
    setting: str, value: object, attribute: str, expected: object
) -> None:
    optimizer = sampler(bayes({setting: value})).optimizer(seed=0)
    if attribute == "base_estimator":
        got: object = type(optimizer.base_estimator_).__name__
    else:
        got = getattr(optimizer, attribute)
    assert got == expected


def test_auto_optimizer_is_lbfgs_for_gp_and_sampling_for_forests_as_in_skopt() -> None:
    assert sampler(bayes()).optimizer(seed=0).acq_optimizer == "lbfgs"
    assert sampler(bayes({"base_estimator": "ET"})).optimizer(seed=0).acq_optimizer == "sampling"


def test_space_is_katibs_real_integer_categorical_with_priors() -> None:
    spec = bayes(params=[
        _param("lr", "double", min=0.0001, max=0.1, distribution="logUniform"),
        _param("n", "int", min=1, max=64, distribution="logUniform"),
        _param("w", "double", min=0.0, max=1.0),
        _param("depth", "discrete", list=[0.5, 1]),
        _param("opt", "categorical", list=["adam", "sgd"]),
    ])  # fmt: skip
    dims = dimensions(spec.parameters)
    described = [(type(d).__name__, getattr(d, "prior", None), d.bounds) for d in dims]
    assert described == [
        ("Real", "log-uniform", (0.0001, 0.1)),
        ("Integer", "log-uniform", (1, 64)),
        ("Real", "uniform", (0.0, 1.0)),
        ("Categorical", None, (0.5, 1)),
        ("Categorical", None, ("adam", "sgd")),
    ]


def test_same_seed_same_params_other_seed_other_params() -> None:
    first = run(bayes({"random_state": 7, "n_initial_points": 3}), rounds=6)
    assert first == run(bayes({"random_state": 7, "n_initial_points": 3}), rounds=6)
    assert first != run(bayes({"random_state": 8, "n_initial_points": 3}), rounds=6)
    # A fresh optimizer per trial, but a distinct seed per trial: no repeated startup point.
    assert len({p["x"] for p in first}) == 6


def test_initial_points_are_skopts_random_draws_then_the_model_takes_over() -> None:
    spec = bayes({"random_state": 5, "n_initial_points": 2, "acq_func": "EI"})
    study = optuna.create_study(sampler=make_sampler(spec), direction="maximize")
    for _ in range(2):
        trial = study.ask()
        study.tell(trial, -((float(suggest(trial, spec)["x"]) - 7.3) ** 2))
    trial = study.ask()
    asked = float(suggest(trial, spec)["x"])
    # What skopt itself asks after the same two results (maximize: told negated).
    told = [[t.params["x"]] for t in study.trials[:2]]
    values = [-(t.value or 0.0) for t in study.trials[:2]]
    seed = int(np.random.SeedSequence([5, 2]).generate_state(1)[0])
    reference = sampler(spec).optimizer(seed)
    reference.tell(told, values)
    assert asked == pytest.approx(float(reference.ask()[0]))


def test_pruned_and_failed_trials_are_not_told() -> None:
    spec = bayes({"random_state": 3, "n_initial_points": 2})
    study = optuna.create_study(sampler=make_sampler(spec), direction="minimize")
    trial = study.ask()
    study.tell(trial, float(suggest(trial, spec)["x"]))
    for state in (optuna.trial.TrialState.PRUNED, optuna.trial.TrialState.FAIL):
        trial = study.ask()
        suggest(trial, spec)
        study.tell(trial, state=state)
    # One COMPLETE result < n_initial_points=2: still a random draw, no model fitted.
    trial = study.ask()
    seed = int(np.random.SeedSequence([3, trial.number]).generate_state(1)[0])
    fresh = sampler(spec).optimizer(seed)
    fresh.tell([[study.trials[0].params["x"]]], [study.trials[0].value])
    assert not fresh.models
    assert float(suggest(trial, spec)["x"]) == pytest.approx(float(fresh.ask()[0]))


def test_bounds_are_inclusive_and_types_kept() -> None:
    spec = bayes(
        {"random_state": 1, "n_initial_points": 8},
        [_param("n", "int", min=0, max=2), _param("b", "discrete", list=[4, 8])],
    )
    seen = run(spec, rounds=12)
    assert {p["n"] for p in seen} == {0, 1, 2}
    assert {p["b"] for p in seen} == {4, 8}
    assert all(type(p["n"]) is int and type(p["b"]) is int for p in seen)


def distances(spec: SearchSpec, trials: int) -> list[float]:
    study = optuna.create_study(sampler=make_sampler(spec), direction="maximize")
    study.optimize(lambda t: -((float(suggest(t, spec)["x"]) - 7.3) ** 2), n_trials=trials)
    return [abs(float(t.params["x"]) - 7.3) for t in study.trials]


def test_gp_concentrates_near_a_planted_optimum_faster_than_random() -> None:
    model = distances(bayes({"random_state": 2, "n_initial_points": 4}), 12)[4:]
    rand = distances(x_spec("random", {"random_state": 2}), 12)[4:]
    assert statistics.median(model) < 0.1 < statistics.median(rand)


def test_running_trials_are_told_as_lies_so_parallel_asks_differ() -> None:
    spec = bayes({"random_state": 4, "n_initial_points": 2, "acq_func": "EI"})
    study = optuna.create_study(sampler=make_sampler(spec), direction="maximize")
    for _ in range(3):
        trial = study.ask()
        study.tell(trial, -((float(suggest(trial, spec)["x"]) - 7.3) ** 2))
    running = study.ask()
    first = float(suggest(running, spec)["x"])
    second = float(suggest(study.ask(), spec)["x"])
    # The second ask sees the first as a lie at its point: skopt moves away from it.
    assert not math.isclose(first, second, abs_tol=1e-3)
