"""A trial that chose a branch: its config, the parameters it ignores, and a real run."""

from __future__ import annotations

import logging
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from odsweep import odconfig
from odsweep.demodata import base_config_path
from odsweep.errors import InputError
from odsweep.spec import SearchSpec, load_spec
from odsweep.trial import build_trial_config, trial_options
from odsweep.trial.from_spec import parse_params
from tests.conftest import DemoData, odsweep_cmd

OPT = "train_config.optimizer"
MOMENTUM_LR = f"{OPT}.momentum_optimizer.learning_rate.cosine_decay_learning_rate"
ADAM_LR = f"{OPT}.adam_optimizer.learning_rate.cosine_decay_learning_rate"


def write_spec(folder: Path, data: DemoData | None = None, steps: int = 300) -> Path:
    spec: dict[str, Any] = {
        "pipelineConfigPath": str(base_config_path()),
        "numTrainSteps": steps,
        "checkpointEveryNSteps": steps,
        # A short warm-up for short trials, set in the base's branch: carried into Adam.
        "overrides": {f"{MOMENTUM_LR}.warmup_steps": 2},
        "objective": {"type": "maximize", "objectiveMetricName": "DetectionBoxes_Precision/mAP"},
        "algorithm": {"algorithmName": "random"},
        "maxTrialCount": 2,
        "parameters": [
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
                "when": {"optimizer": "momentum_optimizer"},
            },
            {
                "name": "adam_lr",
                "configPath": f"{ADAM_LR}.learning_rate_base",
                "parameterType": "double",
                "feasibleSpace": {"min": 0.002, "max": 0.01},
                "when": {"optimizer": "adam_optimizer"},
            },
        ],
    }
    if data is not None:
        spec.update(trainInputPath=data.train, evalInputPath=data.eval, labelMapPath=data.label_map)
    doc = {
        "apiVersion": "odsweep/v1alpha1",
        "kind": "SearchSpace",
        "metadata": {"name": "branches"},
        "spec": spec,
    }
    path = folder / "spec.yaml"
    path.write_text(yaml.safe_dump(doc))
    return path


@pytest.fixture
def spec(tmp_path: Path) -> SearchSpec:
    return load_spec(str(write_spec(tmp_path)))


def test_adam_trial_config_switches_and_ignores_the_momentum_parameter(
    spec: SearchSpec, caplog: pytest.LogCaptureFixture
) -> None:
    # Katib's flat space passes every parameter; momentum does not apply under Adam.
    params = parse_params(
        spec, {"optimizer": "adam_optimizer", "momentum": "0.85", "adam_lr": "0.005"}
    )
    assert params == {"optimizer": "adam_optimizer", "momentum": 0.85, "adam_lr": 0.005}
    with caplog.at_level(logging.INFO, logger="odsweep.trial.from_spec"):
        opts = trial_options(spec, trial_dir="/t/branches-1", params=params)
    assert (
        "parameter momentum ignored: it applies when optimizer=momentum_optimizer, this "
        "trial chose adam_optimizer"
    ) in caplog.messages
    config = build_trial_config(opts)
    optimizer = config.train_config.optimizer
    assert optimizer.WhichOneof("optimizer") == "adam_optimizer"
    cosine = optimizer.adam_optimizer.learning_rate.cosine_decay_learning_rate
    assert cosine.learning_rate_base == pytest.approx(0.005)
    assert cosine.warmup_steps == 2  # the fixed override, carried over from momentum
    assert cosine.total_steps == 300  # follows the trial's steps in the new branch too
    assert "momentum_optimizer" not in odconfig.config_to_text(config)


def test_local_trials_may_leave_inactive_parameters_out(spec: SearchSpec) -> None:
    params = parse_params(spec, {"optimizer": "momentum_optimizer", "momentum": "0.9"})
    assert params == {"optimizer": "momentum_optimizer", "momentum": 0.9}
    config = build_trial_config(trial_options(spec, trial_dir="/t/branches-2", params=params))
    momentum = config.train_config.optimizer.momentum_optimizer
    assert momentum.momentum_optimizer_value == pytest.approx(0.9)


def test_an_active_parameter_is_still_required(spec: SearchSpec) -> None:
    with pytest.raises(
        InputError,
        match=r"^--param: no value for adam_lr; give each as --param NAME=VALUE$",
    ):
        parse_params(spec, {"optimizer": "adam_optimizer"})


@pytest.mark.tf
@pytest.mark.train
def test_a_trial_that_chose_adam_trains_with_adam(demo_data: DemoData, tmp_path: Path) -> None:
    spec_path = write_spec(tmp_path, demo_data, steps=4)
    trial_dir = tmp_path / "trials" / "branches-1"
    proc = subprocess.run(
        odsweep_cmd(
            "trial",
            "--spec", str(spec_path),
            "--trial-dir", str(trial_dir),
            "--param", "optimizer=adam_optimizer",
            "--param", "adam_lr=0.004",
            "--param", "momentum=0.85",
        ),
        capture_output=True,
        text=True,
        timeout=900,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "parameter momentum ignored" in proc.stderr
    effective = odconfig.load_pipeline_config(trial_dir / "pipeline.config")
    adam = effective.train_config.optimizer
    assert adam.WhichOneof("optimizer") == "adam_optimizer"
    assert adam.adam_optimizer.learning_rate.cosine_decay_learning_rate.learning_rate_base == (
        pytest.approx(0.004)
    )
    # The checkpoint holds Adam's slots (m and v), not momentum's: Adam really trained.
    from odsweep.tfcompat import load_tensorflow

    tf = load_tensorflow()
    names = [name for name, _ in tf.train.list_variables(str(trial_dir / "best"))]
    slots = {
        name.split("/.OPTIMIZER_SLOT/optimizer/")[1].split("/")[0]
        for name in names
        if "/.OPTIMIZER_SLOT/optimizer/" in name
    }
    assert slots == {"m", "v"}, slots
