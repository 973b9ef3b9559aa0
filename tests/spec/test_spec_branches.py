"""when: on parameters (spec side): parsing, cross-checks, algorithms, activity."""

from __future__ import annotations

from typing import Any

import pytest
from spec_fixtures import errors, exact_line, parse, valid_doc

from odsweep.errors import InputError
from odsweep.spec import Condition, inactive_parameters, is_active, spec_to_dict, summarize

OPT = "train_config.optimizer.optimizer"
ADAM_LR = "train_config.optimizer.adam_optimizer.learning_rate"
P = "spec.parameters"


def branch_doc(algorithm: str = "tpe") -> dict[str, Any]:
    doc = valid_doc()
    doc["spec"]["algorithm"] = {"algorithmName": algorithm}
    doc["spec"]["earlyStopping"] = None
    doc["spec"]["parameters"] = [
        {
            "name": "optimizer",
            "configPath": OPT,
            "parameterType": "categorical",
            "feasibleSpace": {"list": ["momentum_optimizer", "adam_optimizer"]},
        },
        {
            "name": "momentum",
            "configPath": "train_config.optimizer.momentum_optimizer.momentum_optimizer_value",
            "parameterType": "double",
            "feasibleSpace": {"min": 0.8, "max": 0.9, "step": 0.05},
            "when": {"optimizer": "momentum_optimizer"},
        },
        {
            "name": "adam_schedule",
            "configPath": f"{ADAM_LR}.learning_rate",
            "parameterType": "categorical",
            "feasibleSpace": {"list": ["constant_learning_rate", "cosine_decay_learning_rate"]},
            "when": {"optimizer": "adam_optimizer"},
        },
        {
            "name": "adam_lr",
            "configPath": f"{ADAM_LR}.constant_learning_rate.learning_rate",
            "parameterType": "double",
            "feasibleSpace": {"min": 0.001, "max": 0.01, "step": 0.001},
            "when": {"adam_schedule": "constant_learning_rate"},
        },
    ]
    return doc


def test_when_parses_into_a_condition_and_round_trips() -> None:
    spec = parse(branch_doc())
    assert spec.parameter("optimizer").when is None
    assert spec.parameter("momentum").when == Condition("optimizer", "momentum_optimizer")
    assert spec.parameter("adam_lr").when == Condition("adam_schedule", "constant_learning_rate")
    written = spec_to_dict(spec)["spec"]["parameters"]
    assert "when" not in written[0]
    assert written[3]["when"] == {"adam_schedule": "constant_learning_rate"}
    assert parse(spec_to_dict(spec)) == spec


def test_activity_is_transitive_through_the_chain_of_choices() -> None:
    params = parse(branch_doc()).parameters
    momentum = {"optimizer": "momentum_optimizer", "momentum": 0.85}
    assert is_active(params, "momentum", momentum)
    assert not is_active(params, "adam_schedule", momentum)
    # adam_lr's own condition holds, but its choice does not apply under momentum.
    flat = {**momentum, "adam_schedule": "constant_learning_rate", "adam_lr": 0.002}
    assert not is_active(params, "adam_lr", flat)
    assert inactive_parameters(params, flat) == {
        "adam_schedule": Condition("optimizer", "adam_optimizer"),
        "adam_lr": Condition("adam_schedule", "constant_learning_rate"),
    }
    adam = {"optimizer": "adam_optimizer", "adam_schedule": "constant_learning_rate"}
    assert is_active(params, "adam_lr", adam)
    assert inactive_parameters(params, {**adam, "momentum": 0.8}) == {
        "momentum": Condition("optimizer", "momentum_optimizer")
    }


@pytest.mark.parametrize(
    ("index", "when", "message"),
    [
        (
            1,
            {"optimiser": "momentum_optimizer"},
            f"{P}[1].when.optimiser: names no other parameter of this space, got "
            "'optimiser'; did you mean 'optimizer'?",
        ),
        (
            1,
            {"optimizer": "sgd_optimizer"},
            f"{P}[1].when.optimizer: is not a value of parameter optimizer "
            "(momentum_optimizer, adam_optimizer), got 'sgd_optimizer'; name one of its "
            "listed branches",
        ),
        (
            1,
            {"optimizer": "adam_optimizer"},
            f"{P}[1].configPath: must lie inside the branch its when: names (start with "
            "train_config.optimizer.adam_optimizer.), got "
            "'train_config.optimizer.momentum_optimizer.momentum_optimizer_value'; fix the "
            "configPath or the when: branch",
        ),
        (
            1,
            {"momentum": "0.8"},
            f"{P}[1].when.momentum: names the parameter itself, got 'momentum'; name the "
            "categorical parameter that chooses this parameter's branch",
        ),
        (
            3,
            {"momentum": "x"},
            f"{P}[3].when.momentum: names a double parameter; only a categorical parameter "
            "choosing a oneof branch can be named, got 'momentum'; make momentum a "
            "categorical over the branch names",
        ),
        (
            1,
            {"optimizer": "momentum_optimizer", "adam_schedule": "constant_learning_rate"},
            f"{P}[1].when: must have exactly one entry {{<choice parameter>: <branch>}}, got "
            "{'optimizer': 'momentum_optimizer', 'adam_schedule': 'constant_learning_rate'}; "
            "name the parameter that chooses this parameter's branch, e.g. "
            "when: {optimizer: adam_optimizer}",
        ),
        (
            1,
            {"optimizer": ["momentum_optimizer"]},
            f"{P}[1].when.optimizer: must be one branch name (a string), got "
            "['momentum_optimizer']; write the branch this parameter's configPath lies in, "
            "e.g. adam_optimizer",
        ),
        (
            1,
            ["optimizer"],
            f"{P}[1].when: must be a mapping, got ['optimizer']",
        ),
    ],
)
def test_bad_when_is_one_line_naming_key_value_and_fix(
    index: int, when: object, message: str
) -> None:
    doc = branch_doc()
    doc["spec"]["parameters"][index]["when"] = when
    with pytest.raises(InputError, match=exact_line(message)):
        parse(doc)


@pytest.mark.parametrize("algorithm", ["grid", "cmaes", "sobol", "bayesianoptimization"])
def test_fixed_space_algorithms_refuse_when(algorithm: str) -> None:
    doc = branch_doc(algorithm)
    if algorithm == "bayesianoptimization":  # skopt takes no step; keep only its complaint
        for param in doc["spec"]["parameters"]:
            param["feasibleSpace"].pop("step", None)
    message = (
        f"{P}[1].when: is not supported by algorithm {algorithm} (it samples one fixed "
        "space, every parameter in every trial), got 'momentum'; use one of random, tpe, "
        "multivariate-tpe, hyperband, or drop when: and search one branch"
    )
    assert message in errors(doc)


@pytest.mark.parametrize("algorithm", ["random", "tpe", "multivariate-tpe"])
def test_define_by_run_algorithms_accept_when(algorithm: str) -> None:
    assert parse(branch_doc(algorithm)).parameter("adam_lr").when is not None


def test_the_summary_names_each_parameters_branch() -> None:
    lines = summarize(parse(branch_doc())).splitlines()
    momentum = next(line for line in lines if line.lstrip().startswith("momentum "))
    assert momentum.endswith(
        "-> train_config.optimizer.momentum_optimizer.momentum_optimizer_value"
        "  (when optimizer=momentum_optimizer)"
    )
    optimizer = next(line for line in lines if line.lstrip().startswith("optimizer "))
    assert optimizer.endswith(f"-> {OPT}")
