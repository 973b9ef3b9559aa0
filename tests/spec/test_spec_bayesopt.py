"""bayesianoptimization: Katib's skopt settings, checked as its service does and a bit more."""

from __future__ import annotations

import pytest
from spec_fixtures import exact_line, parse
from test_spec_algorithms import UNIFORM_DOUBLES, doc_with

from odsweep.errors import InputError
from odsweep.spec import AlgorithmName

NAME = "bayesianoptimization"
RANGES = [
    {"name": "lr", "configPath": "a.lr", "parameterType": "double",
     "feasibleSpace": {"min": 0.0001, "max": 0.1, "distribution": "logUniform"}},
    {"name": "n", "configPath": "a.n", "parameterType": "int",
     "feasibleSpace": {"min": 1, "max": 8}},
    {"name": "opt", "configPath": "a.o", "parameterType": "categorical",
     "feasibleSpace": {"list": ["sgd", "adam"]}},
]  # fmt: skip


def test_every_katib_setting_is_accepted_and_typed() -> None:
    settings = {
        "base_estimator": "RF",
        "n_initial_points": "5",
        "acq_func": "EI",
        "acq_optimizer": "sampling",
        "random_state": 3,
    }
    algorithm = parse(doc_with(NAME, settings, RANGES)).algorithm
    assert algorithm.name is AlgorithmName.BAYESIANOPTIMIZATION
    assert algorithm.settings == (
        ("base_estimator", "RF"), ("n_initial_points", 5), ("acq_func", "EI"),
        ("acq_optimizer", "sampling"), ("random_state", 3),
    )  # fmt: skip


def test_log_uniform_int_and_lists_are_accepted() -> None:
    spec = parse(doc_with(NAME, None, RANGES))
    assert [p.is_log for p in spec.parameters] == [True, False, False]


def test_every_bad_setting_is_reported_at_once() -> None:
    doc = doc_with(NAME, {
        "base_estimator": "SVR", "n_initial_points": "0", "acq_func": "UCB",
        "acq_optimizer": "adam", "random_state": "-1", "n_calls": "4",
    }, RANGES)  # fmt: skip
    with pytest.raises(InputError) as info:
        parse(doc)
    at = "spec.algorithm.algorithmSettings"
    assert info.value.messages == (
        f"{at}[0].value: base_estimator must be GP | RF | ET, got 'SVR'",
        f"{at}[1].value: n_initial_points must be an integer > 0 (with 0 skopt has no model "
        "to ask and Katib's service fails), got '0'",
        f"{at}[2].value: acq_func must be gp_hedge | LCB | EI | PI, got 'UCB'",
        f"{at}[3].value: acq_optimizer must be auto | sampling | lbfgs, got 'adam'",
        f"{at}[4].value: random_state must be an integer >= 0, got '-1'",
        f"{at}[5].name: unknown setting for algorithm bayesianoptimization, got 'n_calls'; "
        "valid settings: base_estimator, n_initial_points, acq_func, acq_optimizer, "
        "random_state",
    )


@pytest.mark.parametrize("acq", ["EIps", "PIps"])
def test_per_second_acquisitions_are_refused(acq: str) -> None:
    with pytest.raises(InputError, match=exact_line(
        f"spec.algorithm.algorithmSettings[0].value: acq_func={acq} is not supported: "
        "skopt's per-second acquisitions need each trial's duration as well as its objective, "
        "and Katib's skopt service tells the objective alone (skopt raises at the first "
        f"result), got {acq!r}; use gp_hedge | LCB | EI | PI or remove the setting"
    )):  # fmt: skip
        parse(doc_with(NAME, {"acq_func": acq}, RANGES))


def test_gbrt_is_refused_because_skopt_cannot_run_it_on_the_locked_libraries() -> None:
    with pytest.raises(InputError, match=exact_line(
        "spec.algorithm.algorithmSettings[0].value: base_estimator=GBRT is not supported: "
        "scikit-optimize 0.10.2, its last release, cannot build or predict with GBRT on the "
        "scikit-learn and numpy odsweep's local engine locks, and a spec must mean the same "
        "on both engines, got 'GBRT'; use GP | RF | ET or remove the setting"
    )):  # fmt: skip
        parse(doc_with(NAME, {"base_estimator": "GBRT"}, RANGES))


@pytest.mark.parametrize("estimator", ["RF", "ET"])
def test_lbfgs_needs_a_gaussian_process(estimator: str) -> None:
    with pytest.raises(InputError, match=exact_line(
        "spec.algorithm.algorithmSettings[1].value: acq_optimizer=lbfgs needs base_estimator "
        f"GP (skopt refuses it for {estimator}, which has no gradients), got 'lbfgs'; use auto "
        "or sampling, or base_estimator GP"
    )):  # fmt: skip
        parse(doc_with(NAME, {"base_estimator": estimator, "acq_optimizer": "lbfgs"}, RANGES))
    # GP (also Katib's default when base_estimator is absent) takes lbfgs.
    assert parse(doc_with(NAME, {"acq_optimizer": "lbfgs"}, RANGES)).algorithm.settings


def test_step_and_empty_ranges_are_refused_together() -> None:
    params = [dict(p) for p in UNIFORM_DOUBLES]  # both have a step
    params[1] = {**params[1], "feasibleSpace": {"min": 0.9, "max": 0.9}}
    with pytest.raises(InputError) as info:
        parse(doc_with(NAME, None, params))
    assert info.value.messages == (
        "spec.parameters[0].feasibleSpace.step: algorithm bayesianoptimization ignores step "
        "(Katib's skopt service searches the whole range, off the step grid), got 0.01; "
        "remove step, or list the values with parameterType discrete",
        "spec.parameters[1].feasibleSpace.max: algorithm bayesianoptimization needs max > min "
        "(skopt refuses an empty range), got 0.9; widen the range, or set the value in the "
        "base config and drop the parameter",
    )
