"""``odsweep validate`` on branch choices: the schema and the base config decide."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from odsweep.demodata import base_config_path
from odsweep.spec import load_spec
from odsweep.validation import check_spec
from tests.test_validation import data, errors, spec_file

__all__ = ["data"]  # the fixture, imported for pytest

OPT = "train_config.optimizer.optimizer"
ADAM = "train_config.optimizer.adam_optimizer"
P = "spec.parameters"


def choice(values: list[str], path: str = OPT, ptype: str = "categorical") -> dict[str, Any]:
    return {
        "name": "optimizer",
        "configPath": path,
        "parameterType": ptype,
        "feasibleSpace": {"list": values},
    }


def adam_lr(low: float = 0.002) -> dict[str, Any]:
    return {
        "name": "adam_lr",
        "configPath": f"{ADAM}.learning_rate.cosine_decay_learning_rate.learning_rate_base",
        "parameterType": "double",
        "feasibleSpace": {"min": low, "max": 0.01},
        "when": {"optimizer": "adam_optimizer"},
    }


def test_a_branch_choice_with_its_parameters_validates(data: Path) -> None:
    path = spec_file(data, parameters=[choice(["momentum_optimizer", "adam_optimizer"]), adam_lr()])
    config = check_spec(load_spec(path))
    # The base config is not switched: only trials choose.
    assert config.train_config.optimizer.WhichOneof("optimizer") == "momentum_optimizer"


def test_a_value_that_is_no_branch_of_the_oneof(data: Path) -> None:
    path = spec_file(data, parameters=[choice(["momentum_optimizer", "adam"])])
    assert errors(path) == [
        f"{P}[0].feasibleSpace.list[1]: oneof 'optimizer' of Optimizer has no branch 'adam'; "
        "its branches are rms_prop_optimizer, momentum_optimizer, adam_optimizer"
    ]


def test_a_oneof_is_chosen_by_a_categorical_only(data: Path) -> None:
    param = {**choice([]), "parameterType": "discrete", "feasibleSpace": {"list": [1, 2]}}
    assert errors(spec_file(data, parameters=[param])) == [
        f"{P}[0].parameterType: {OPT} names a oneof; a branch is chosen by a categorical "
        "parameter, got discrete; use parameterType categorical listing the branch names"
    ]


def test_a_when_parameter_is_checked_inside_its_branch(data: Path) -> None:
    # Below the base config's warmup rate (0.001): refused as for any parameter, but
    # resolved in the config where adam_optimizer is chosen.
    path = spec_file(data, parameters=[choice(["adam_optimizer"]), adam_lr(low=0.0005)])
    (message,) = errors(path)
    assert message.startswith(
        f"{P}[1].feasibleSpace.min: with adam_lr=0.0005 the trial's config is invalid: "
    )


def test_a_path_into_an_unchosen_branch_without_when_stays_refused(data: Path) -> None:
    param = {**adam_lr(), "when": None}
    path = spec_file(data, parameters=[choice(["momentum_optimizer", "adam_optimizer"]), param])
    (message,) = errors(path)
    assert message.startswith(
        f"{P}[1].configPath: oneof 'optimizer' of Optimizer selects 'momentum_optimizer' in "
        "the base config but the path enters 'adam_optimizer'; tune fields under "
        "'momentum_optimizer', or choose the branch by naming the oneof 'optimizer'"
    )


def test_an_incomplete_branch_is_refused_at_validate(data: Path) -> None:
    # A momentum optimizer without a learning rate: nothing to carry into Adam.
    config = data / "no_lr.config"
    text = base_config_path().read_text()
    start = text.index("      learning_rate {")
    end = text.index("      momentum_optimizer_value")
    config.write_text(text[:start] + text[end:])
    path = spec_file(
        data,
        parameters=[choice(["adam_optimizer"])],
        pipelineConfigPath=str(config),
    )
    messages = errors(path)
    assert (
        f"{P}[0].feasibleSpace.list[0]: choosing adam_optimizer: {OPT}: branch adam_optimizer "
        "is incomplete: train_config.optimizer.adam_optimizer.learning_rate needs its oneof "
        "'learning_rate' set"
    ) in messages[0]


def test_the_committed_branch_example_validates(data: Path) -> None:
    repo = Path(__file__).resolve().parents[1]
    doc = yaml.safe_load((repo / "search_spaces" / "demo-branches.yaml").read_text())
    doc["spec"].update(
        pipelineConfigPath=str(base_config_path()),
        trainInputPath=str(data / "train-*.tfrecord"),
        evalInputPath=str(data / "eval-*.tfrecord"),
        labelMapPath=str(data / "label_map.pbtxt"),
    )
    path = data / "branches.yaml"
    path.write_text(yaml.safe_dump(doc))
    spec = load_spec(str(path))
    check_spec(spec)
    assert spec.parameter("adam_constant_lr").when is not None
