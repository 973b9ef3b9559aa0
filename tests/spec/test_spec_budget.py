"""hyperband's settings and resource rules, asha's settings, and which pairs are allowed."""

from __future__ import annotations

from typing import Any

import pytest
from spec_fixtures import LR_PATH, errors, exact_line, parse, valid_doc

from odsweep.errors import InputError
from odsweep.spec import AlgorithmName, AshaStopping, spec_to_dict, summarize, trial_steps

STEPS_PARAM = {
    "name": "steps",
    "configPath": "train_config.num_steps",
    "parameterType": "int",
    "feasibleSpace": {"min": 1, "max": 9},
}


def hyperband_doc(**settings: object) -> dict[str, Any]:
    """900 steps, an eval every 100: r_l = 9 evals, eta 3, the 22 trials of its brackets."""
    doc = valid_doc()
    doc["spec"]["numTrainSteps"] = 900
    values = {"resource_name": "steps", "eta": "3", "r_l": "9", **settings}
    doc["spec"]["algorithm"] = {
        "algorithmName": "hyperband",
        "algorithmSettings": [{"name": k, "value": v} for k, v in values.items() if v is not None],
    }
    del doc["spec"]["earlyStopping"]
    doc["spec"]["maxTrialCount"] = 22
    doc["spec"]["parameters"] = [
        {
            "name": "learning_rate",
            "configPath": LR_PATH,
            "parameterType": "discrete",
            "feasibleSpace": {"list": [0.001, 0.01, 0.1]},
        },
        dict(STEPS_PARAM),
    ]
    return doc


def test_hyperband_parses_and_its_trials_train_r_evals() -> None:
    spec = parse(hyperband_doc())
    assert spec.algorithm.name is AlgorithmName.HYPERBAND
    assert spec.algorithm.settings == (("resource_name", "steps"), ("eta", 3), ("r_l", 9))
    assert trial_steps(spec, {"learning_rate": 0.01, "steps": 3}) == 300
    assert trial_steps(spec, {}) == 900
    assert parse(spec_to_dict(spec)) == spec


def hyperband_error(doc: dict[str, Any], message: str) -> None:
    with pytest.raises(InputError, match=exact_line(message)):
        parse(doc)


def test_hyperband_needs_r_l_and_resource_name() -> None:
    messages = errors(hyperband_doc(r_l=None, resource_name=None))
    assert len(messages) == 2
    fix = (
        "add {name: resource_name, value: <the step-count parameter>} and "
        "{name: r_l, value: <evals of a full trial>}"
    )
    assert messages[0] == (
        "spec.algorithm.algorithmSettings: hyperband needs the setting resource_name (Katib "
        f"refuses the Experiment without r_l and resource_name); {fix}"
    )
    assert messages[1].startswith(
        "spec.algorithm.algorithmSettings: hyperband needs the setting r_l"
    )


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"eta": "1"}, "spec.algorithm.algorithmSettings[1].value: eta must be an integer >= 2, "
         "got '1'"),
        ({"r_l": "0"}, "spec.algorithm.algorithmSettings[2].value: r_l must be an integer >= 1, "
         "got '0'"),
        ({"r_l": "4.5"}, "spec.algorithm.algorithmSettings[2].value: r_l must be an integer >= "
         "1, got '4.5'"),
        ({"r_l": "3"}, "spec.algorithm.algorithmSettings: r_l must be numTrainSteps / "
         "checkpointEveryNSteps (900 / 100 = 9): a trial given r trains r * "
         "checkpointEveryNSteps steps and r_l is a full trial, got 3; set r_l, numTrainSteps "
         "and checkpointEveryNSteps so that they agree"),
        ({"resource_name": "step"}, "spec.algorithm.algorithmSettings: resource_name must be the "
         "name of one of spec.parameters (Katib refuses others), got 'step'; did you mean "
         "'steps'?"),
        ({"seed": "1"}, "spec.algorithm.algorithmSettings[3].name: unknown setting for algorithm "
         "hyperband, got 'seed'; valid settings: resource_name, eta, r_l, random_state"),
    ],
)  # fmt: skip
def test_hyperband_settings_errors(settings: dict[str, object], message: str) -> None:
    hyperband_error(hyperband_doc(**settings), message)


def test_r_l_below_eta_is_refused() -> None:
    doc = hyperband_doc(r_l="2")
    doc["spec"]["numTrainSteps"] = 200
    hyperband_error(
        doc,
        "spec.algorithm.algorithmSettings: r_l must be >= eta (3), or hyperband has one bracket "
        "and halves nothing, got 2; raise r_l (evaluate more often) or use algorithm random",
    )


def test_the_resource_must_be_the_training_length() -> None:
    doc = hyperband_doc()
    doc["spec"]["parameters"][1]["configPath"] = "train_config.batch_size"
    hyperband_error(
        doc,
        "spec.parameters[1].configPath: hyperband's resource parameter must be the training "
        "length (train_config.num_steps; its value counts eval intervals), got "
        "'train_config.batch_size'; set configPath: train_config.num_steps",
    )


def test_the_resource_is_an_int_covering_every_rung() -> None:
    doc = hyperband_doc()
    doc["spec"]["parameters"][1]["feasibleSpace"] = {"min": 1, "max": 8}
    hyperband_error(
        doc,
        "spec.parameters[1].feasibleSpace: must hold every resource hyperband hands out (1..9, "
        "step 1), got 'an integer in [1, 8] (bounds inclusive)'; use {min: 1, max: 9}",
    )
    doc["spec"]["parameters"][1]["parameterType"] = "double"
    hyperband_error(
        doc,
        "spec.parameters[1].parameterType: hyperband's resource parameter must be int (a count "
        "of eval intervals), got 'double'; use parameterType int with feasibleSpace "
        "{min: 1, max: 9}",
    )


def test_num_steps_stays_reserved_for_other_parameters_and_algorithms() -> None:
    doc = hyperband_doc()
    doc["spec"]["algorithm"]["algorithmName"] = "random"
    doc["spec"]["algorithm"]["algorithmSettings"] = []
    hyperband_error(
        doc,
        "spec.parameters[1].configPath: is set by spec.numTrainSteps, got "
        "'train_config.num_steps'; search or set it through spec.numTrainSteps",
    )


def test_only_the_resource_parameter_sets_num_steps() -> None:
    doc = hyperband_doc()
    doc["spec"]["parameters"].append({**STEPS_PARAM, "name": "more_steps"})
    doc["spec"]["parameters"][1]["configPath"] = "train_config.num_steps"
    messages = errors(doc)
    assert messages[0] == (
        "spec.parameters[2].configPath: duplicate config path (also spec.parameters[1]), got "
        "'train_config.num_steps'; search each config field with one parameter"
    )
    doc["spec"]["parameters"][1] = {**STEPS_PARAM, "configPath": "train_config.batch_size"}
    hyperband_error(
        doc,
        "spec.parameters[2].configPath: only hyperband's resource parameter "
        "(resource_name=steps) may set it, got 'train_config.num_steps'; set resource_name: "
        "more_steps, or remove this parameter",
    )


def test_max_trial_count_is_at_most_the_schedule() -> None:
    doc = hyperband_doc()
    doc["spec"]["maxTrialCount"] = 23
    hyperband_error(
        doc,
        "spec.maxTrialCount: must be <= the 22 trials of hyperband's brackets (r_l=9, eta=3, "
        "s_max=2); nothing is left to run after them, got 23; lower maxTrialCount to 22",
    )


def test_hyperband_refuses_log_uniform_as_katib_samples_uniformly() -> None:
    doc = hyperband_doc()
    doc["spec"]["parameters"][0] = valid_doc()["spec"]["parameters"][0]
    messages = errors(doc)
    assert messages == [
        "spec.parameters[0].feasibleSpace.distribution: logUniform is not honoured by "
        "algorithm hyperband (Katib's hyperband service samples it uniformly), got "
        "'logUniform'; use tpe, multivariate-tpe or random, or list log-spaced values with "
        "parameterType discrete"
    ]


def test_hyperband_with_early_stopping_is_refused() -> None:
    doc = hyperband_doc()
    doc["spec"]["earlyStopping"] = valid_doc()["spec"]["earlyStopping"]
    hyperband_error(
        doc,
        "spec.earlyStopping: cannot be combined with algorithm hyperband (its brackets already "
        "stop configurations early), got 'medianstop'; remove earlyStopping, or use asha or "
        "medianstop with another algorithm",
    )


# --- asha ---------------------------------------------------------------------------


def asha_doc(**settings: object) -> dict[str, Any]:
    doc = valid_doc()
    doc["spec"]["numTrainSteps"] = 900
    doc["spec"]["earlyStopping"] = {
        "algorithmName": "asha",
        "algorithmSettings": [{"name": k, "value": v} for k, v in settings.items()],
    }
    return doc


def test_asha_parses_with_defaults() -> None:
    spec = parse(asha_doc(min_resource="100"))
    assert spec.early_stopping == AshaStopping(
        min_resource=100, reduction_factor=3, min_early_stopping_rate=0
    )
    assert parse(spec_to_dict(spec)) == spec
    assert "; asha rungs from step 100 (x3)" in summarize(spec)
    spec = parse(asha_doc(min_resource=200, reduction_factor=2, min_early_stopping_rate=1))
    assert spec.early_stopping == AshaStopping(
        min_resource=200, reduction_factor=2, min_early_stopping_rate=1
    )


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({}, "spec.earlyStopping.algorithmSettings: asha needs the setting min_resource (steps "
         "to the first rung); add {name: min_resource, value: 100}"),
        ({"min_resource": "150"}, "spec.earlyStopping.algorithmSettings[0].value: min_resource "
         "must be a multiple of checkpointEveryNSteps (100): a rung is an eval, got 150; use 100"),
        ({"min_resource": "0"}, "spec.earlyStopping.algorithmSettings[0].value: min_resource "
         "must be an integer >= 1 (steps), got '0'"),
        ({"min_resource": "100", "reduction_factor": "1"}, "spec.earlyStopping.algorithm"
         "Settings[1].value: reduction_factor must be an integer >= 2, got '1'"),
        ({"min_resource": "100", "min_early_stopping_rate": "-1"}, "spec.earlyStopping."
         "algorithmSettings[1].value: min_early_stopping_rate must be an integer >= 0, got '-1'"),
        ({"min_resource": "100", "min_early_stopping_rate": "2"}, "spec.earlyStopping."
         "algorithmSettings[0].value: the first rung (min_resource * reduction_factor ** "
         "min_early_stopping_rate = 900 steps) must be before the end of a trial (900 steps), "
         "or asha never acts, got 100; lower min_resource or min_early_stopping_rate"),
        ({"min_resource": "100", "start_step": "2"}, "spec.earlyStopping.algorithmSettings[1]."
         "name: unknown setting for asha, got 'start_step'; valid: min_resource, "
         "reduction_factor, min_early_stopping_rate"),
    ],
)  # fmt: skip
def test_asha_settings_errors(settings: dict[str, object], message: str) -> None:
    with pytest.raises(InputError, match=exact_line(message)):
        parse(asha_doc(**settings))
