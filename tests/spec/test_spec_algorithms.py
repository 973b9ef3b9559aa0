"""Algorithms: which are supported, their settings as Katib's services check them, limits."""

from __future__ import annotations

from typing import Any

import pytest
from spec_fixtures import exact_line, parse, valid_doc

from odsweep.errors import InputError
from odsweep.spec import (
    KATIB_ALGORITHMS,
    SUPPORTED_ALGORITHMS,
    AlgorithmName,
    Parameter,
    ParameterType,
    grid_size,
)

UNIFORM_DOUBLES = [
    {"name": "lr", "configPath": "a.lr", "parameterType": "double",
     "feasibleSpace": {"min": 0.01, "max": 0.05, "step": 0.01}},
    {"name": "momentum", "configPath": "a.momentum", "parameterType": "double",
     "feasibleSpace": {"min": 0.8, "max": 0.9, "step": 0.05}},
]  # fmt: skip


def doc_with(
    name: str, settings: dict[str, object] | None = None, params: list[Any] | None = None
) -> dict[str, Any]:
    """The valid example with another algorithm (and parameters every algorithm takes)."""
    doc = valid_doc()
    algorithm: dict[str, Any] = {"algorithmName": name}
    if settings is not None:
        algorithm["algorithmSettings"] = [{"name": k, "value": v} for k, v in settings.items()]
    doc["spec"]["algorithm"] = algorithm
    doc["spec"]["parameters"] = params if params is not None else list(UNIFORM_DOUBLES)
    doc["spec"]["maxTrialCount"] = 6
    return doc


def settings_error(name: str, settings: dict[str, object], message: str) -> None:
    with pytest.raises(InputError, match=exact_line(message)):
        parse(doc_with(name, settings))


def test_supported_and_known_names() -> None:
    assert SUPPORTED_ALGORITHMS == (
        "random", "tpe", "grid", "multivariate-tpe", "cmaes", "sobol", "bayesianoptimization",
        "hyperband",
    )  # fmt: skip
    assert set(KATIB_ALGORITHMS) - set(SUPPORTED_ALGORITHMS) == {
        "pbt", "enas", "darts"
    }  # fmt: skip


@pytest.mark.parametrize(
    ("name", "settings", "expected"),
    [
        ("random", {"random_state": "3"}, (("random_state", 3),)),
        (
            "tpe",
            {"gamma": "0.25", "prior_weight": "1.5", "n_EI_candidates": 24, "random_state": 0},
            (("gamma", 0.25), ("prior_weight", 1.5), ("n_EI_candidates", 24), ("random_state", 0)),
        ),
        (
            "multivariate-tpe",
            {"n_startup_trials": "0", "n_ei_candidates": "24", "random_state": "5"},
            (("n_startup_trials", 0), ("n_ei_candidates", 24), ("random_state", 5)),
        ),
        (
            "cmaes",
            {"random_state": "1", "sigma": "0.3", "restart_strategy": "none"},
            (("random_state", 1), ("sigma", 0.3), ("restart_strategy", "none")),
        ),
        ("grid", {"random_state": "2"}, (("random_state", 2),)),
        ("sobol", None, ()),
    ],
)
def test_katib_settings_are_accepted_and_typed(
    name: str, settings: dict[str, object] | None, expected: tuple[tuple[str, object], ...]
) -> None:
    algorithm = parse(doc_with(name, settings)).algorithm
    assert algorithm.name is AlgorithmName(name)
    assert algorithm.settings == expected


@pytest.mark.parametrize(
    ("name", "why"),
    [
        ("pbt", "population based training restarts trials from other trials' checkpoints "
         "with mutated parameters, and an odsweep trial only starts fresh or resumes its own "
         "checkpoint"),
        ("enas", "it is neural architecture search, not hyperparameter search"),
    ],
)  # fmt: skip
def test_katib_algorithms_odsweep_cannot_run_are_refused(name: str, why: str) -> None:
    with pytest.raises(InputError, match=exact_line(
        f"spec.algorithm.algorithmName: {name} is a Katib algorithm odsweep does not support: "
        f"{why}, got {name!r}; use one of random, tpe, grid, multivariate-tpe, cmaes, sobol, "
        "bayesianoptimization, hyperband"
    )):  # fmt: skip
        parse(doc_with(name))


def test_unknown_algorithm_gets_the_closest_name() -> None:
    with pytest.raises(InputError, match=exact_line(
        "spec.algorithm.algorithmName: must be one of random, tpe, grid, multivariate-tpe, "
        "cmaes, sobol, bayesianoptimization, hyperband, got 'cma-es'; did you mean 'cmaes'?"
    )):  # fmt: skip
        parse(doc_with("cma-es"))


@pytest.mark.parametrize(
    ("name", "setting", "valid"),
    [
        ("tpe", "n_startup_trials", "gamma, prior_weight, n_EI_candidates, random_state"),
        ("random", "gamma", "random_state"),
        ("multivariate-tpe", "gamma", "n_startup_trials, n_ei_candidates, random_state"),
        ("grid", "sigma", "random_state"),
        ("cmaes", "popsize", "random_state, sigma, restart_strategy"),
    ],
)
def test_settings_an_algorithm_does_not_read_are_refused(
    name: str, setting: str, valid: str
) -> None:
    settings_error(
        name,
        {setting: "1"},
        f"spec.algorithm.algorithmSettings[0].name: unknown setting for algorithm {name}, "
        f"got {setting!r}; valid settings: {valid}",
    )


def test_misspelled_setting_gets_the_closest_name() -> None:
    settings_error(
        "tpe",
        {"n_ei_candidates": "3"},
        "spec.algorithm.algorithmSettings[0].name: unknown setting for algorithm tpe, "
        "got 'n_ei_candidates'; did you mean 'n_EI_candidates'?",
    )


def test_sobol_takes_no_settings_not_even_a_seed() -> None:
    settings_error(
        "sobol",
        {"random_state": "1"},
        "spec.algorithm.algorithmSettings[0].name: algorithm sobol takes no settings (Katib's "
        "goptuna service reads none, not even a seed), got 'random_state'; remove "
        "algorithmSettings",
    )


@pytest.mark.parametrize(
    ("name", "setting", "value", "rule"),
    [
        ("tpe", "gamma", "0", "a number in (0, 1)"),
        ("tpe", "gamma", "1", "a number in (0, 1)"),
        ("tpe", "gamma", "x", "a number in (0, 1)"),
        ("tpe", "prior_weight", "0", "a number > 0"),
        ("tpe", "n_EI_candidates", "0", "an integer > 0"),
        ("tpe", "n_EI_candidates", "2.5", "an integer > 0"),
        ("tpe", "random_state", "-1", "an integer >= 0"),
        ("random", "random_state", "seven", "an integer >= 0"),
        ("multivariate-tpe", "n_startup_trials", "-1", "an integer >= 0"),
        ("multivariate-tpe", "n_ei_candidates", "0", "an integer > 0"),
        ("cmaes", "sigma", "0", "a number > 0"),
        ("cmaes", "restart_strategy", "None", "none"),
        ("grid", "random_state", "-3", "an integer >= 0"),
    ],
)
def test_setting_values_are_type_and_range_checked(
    name: str, setting: str, value: str, rule: str
) -> None:
    settings_error(
        name,
        {setting: value},
        f"spec.algorithm.algorithmSettings[0].value: {setting} must be {rule}, got {value!r}",
    )


@pytest.mark.parametrize("strategy", ["ipop", "bipop"])
def test_cmaes_restarts_are_refused_because_optuna_ignores_them(strategy: str) -> None:
    settings_error(
        "cmaes",
        {"restart_strategy": strategy},
        f"spec.algorithm.algorithmSettings[0].value: restart_strategy={strategy} is not "
        "supported: odsweep's local engine cannot restart CMA-ES (Optuna >= 4.4 ignores "
        f"restart_strategy), got {strategy!r}; use none or remove the setting",
    )


def test_settings_shape_problems_are_reported() -> None:
    doc = doc_with("tpe")
    doc["spec"]["algorithm"]["algorithmSettings"] = [
        {"name": "gamma"},
        {"name": "random_state", "value": True},
        {"name": "prior_weight", "value": "0.2", "type": "x"},
        "random_state=1",
        {"name": "gamma", "value": "0.3"},
    ]
    with pytest.raises(InputError) as info:
        parse(doc)
    assert info.value.messages == (
        "spec.algorithm.algorithmSettings[0].value: is required; add value: <a value>",
        "spec.algorithm.algorithmSettings[1].value: must be a string or a number, got True",
        "spec.algorithm.algorithmSettings[2]: unknown key, got 'type'; valid keys: name, value",
        "spec.algorithm.algorithmSettings[3]: must be a mapping, got 'random_state=1'",
        "spec.algorithm.algorithmSettings[4].name: duplicate setting, got 'gamma'; keep one",
    )


def test_cmaes_needs_two_double_or_int_parameters() -> None:
    params = [UNIFORM_DOUBLES[0], valid_doc()["spec"]["parameters"][1]]
    with pytest.raises(InputError, match=exact_line(
        "spec.algorithm.algorithmName: cmaes needs at least two double or int parameters "
        "(Katib refuses fewer), got 1; add a double or int parameter, or use tpe"
    )):  # fmt: skip
        parse(doc_with("cmaes", params=params))


@pytest.mark.parametrize(
    ("name", "why"),
    [
        ("cmaes", "Katib's goptuna service samples it uniformly"),
        ("sobol", "Katib's goptuna service samples it uniformly"),
        ("grid", "grid points are min, min + step, ... on a linear scale"),
    ],
)
def test_log_uniform_is_refused_where_it_is_not_honoured(name: str, why: str) -> None:
    params = [dict(UNIFORM_DOUBLES[0]), UNIFORM_DOUBLES[1]]
    params[0]["feasibleSpace"] = {"min": 0.01, "max": 0.05, "distribution": "logUniform"}
    if name == "grid":  # a log grid would also lack a step; only the log error matters here
        params[0]["parameterType"] = "int"
        params[0]["feasibleSpace"] = {"min": 1, "max": 4, "distribution": "logUniform"}
    with pytest.raises(InputError, match=exact_line(
        f"spec.parameters[0].feasibleSpace.distribution: logUniform is not honoured by "
        f"algorithm {name} ({why}), got 'logUniform'; use tpe, multivariate-tpe or random, "
        "or list log-spaced values with parameterType discrete"
    )):  # fmt: skip
        parse(doc_with(name, params=params))


@pytest.mark.parametrize("name", ["random", "tpe", "multivariate-tpe"])
def test_log_uniform_is_accepted_where_it_is_honoured(name: str) -> None:
    params = [dict(UNIFORM_DOUBLES[0]), UNIFORM_DOUBLES[1]]
    params[0]["feasibleSpace"] = {"min": 0.01, "max": 0.05, "distribution": "logUniform"}
    assert parse(doc_with(name, params=params)).parameters[0].is_log


def test_grid_needs_a_step_for_every_double() -> None:
    params = [dict(UNIFORM_DOUBLES[0]), UNIFORM_DOUBLES[1]]
    params[0]["feasibleSpace"] = {"min": 0.01, "max": 0.05}
    with pytest.raises(InputError, match=exact_line(
        "spec.parameters[0].feasibleSpace.step: algorithm grid needs a step for every double "
        "parameter; add step, or use parameterType discrete with a list"
    )):  # fmt: skip
        parse(doc_with("grid", params=params))


def test_grid_counts_int_without_step_as_step_one() -> None:
    params = [
        {"name": "n", "configPath": "a.n", "parameterType": "int",
         "feasibleSpace": {"min": 1, "max": 3}},
        {"name": "opt", "configPath": "a.o", "parameterType": "categorical",
         "feasibleSpace": {"list": ["sgd", "adam"]}},
    ]  # fmt: skip
    spec = parse(doc_with("grid", params=params))
    assert grid_size(spec.parameters) == 6
    assert spec.parameters[0].grid_values() == (1, 2, 3)


def test_grid_refuses_more_trials_than_grid_points() -> None:
    doc = doc_with("grid")  # 5 x 3 = 15 points
    doc["spec"]["maxTrialCount"] = 16
    with pytest.raises(InputError, match=exact_line(
        "spec.maxTrialCount: must be <= the 15 grid points for algorithm grid (Katib refuses "
        "more; the grid is exhausted after them), got 16; lower maxTrialCount to 15"
    )):  # fmt: skip
        parse(doc)
    doc["spec"]["maxTrialCount"] = 15
    assert grid_size(parse(doc).parameters) == 15


def test_grid_size_is_none_for_a_continuous_parameter() -> None:
    continuous = Parameter("x", "a.x", ParameterType.DOUBLE, min=0.0, max=1.0)
    stepped = Parameter("y", "a.y", ParameterType.DOUBLE, min=0.0, max=1.0, step=0.25)
    assert grid_size([stepped]) == 5
    assert grid_size([stepped, continuous]) is None
