"""The local engine with Katib-style names: every algorithm samples params keyed by the
names as written, and the trial command it launches maps them to their config paths."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import optuna
import pytest
import yaml

from odsweep.backends.optuna import make_sampler, suggest
from odsweep.backends.optuna._launcher import trial_command
from odsweep.cli.main import build_parser
from odsweep.cli.trial_cmd import _options
from odsweep.spec import AlgorithmName, SearchSpec, load_spec


def _param(name: str, path: str, ptype: str, **space: Any) -> dict[str, Any]:
    return {"name": name, "configPath": path, "parameterType": ptype, "feasibleSpace": space}


PARAMETERS = [
    _param("learning-rate", "train_config.lr", "double", min=0.01, max=0.1, step=0.01),
    _param("num-layers", "model.layers", "int", min=1, max=3),
    _param("batch-size", "train_config.batch_size", "discrete", list=[4, 8]),
    _param("a.b", "train_config.use_ema", "categorical", list=["true", "false"]),
]
NAMES = [p["name"] for p in PARAMETERS]


def _write_spec(tmp_path: Path, algorithm: str) -> str:
    doc = {
        "apiVersion": "odsweep/v1alpha1",
        "kind": "SearchSpace",
        "metadata": {"name": "names-test"},
        "spec": {
            "pipelineConfigPath": "pipeline.config",
            "numTrainSteps": 10,
            "checkpointEveryNSteps": 5,
            "objective": {
                "type": "maximize",
                "objectiveMetricName": "DetectionBoxes_Precision/mAP",
            },
            "algorithm": {"algorithmName": algorithm},
            "maxTrialCount": 6,
            # bayesianoptimization refuses step (Katib's skopt service ignores it).
            "parameters": [
                {**p, "feasibleSpace": {"min": 0.01, "max": 0.1}}
                if algorithm == "bayesianoptimization" and p["name"] == "learning-rate"
                else p
                for p in PARAMETERS
            ],
        },
    }
    path = tmp_path / "search.yaml"
    path.write_text(yaml.safe_dump(doc, sort_keys=False))
    return str(path)


def _sample(spec: SearchSpec, rounds: int) -> list[dict[str, Any]]:
    study = optuna.create_study(sampler=make_sampler(spec), direction="maximize")
    seen = []
    for i in range(rounds):
        trial = study.ask()
        params = suggest(trial, spec)
        study.tell(trial, float(i))
        seen.append(params)
    return seen


# hyperband samples with random's sampler and needs a resource parameter: see test_engine_budget.
@pytest.mark.parametrize("algorithm", [a.value for a in AlgorithmName if a != "hyperband"])
def test_each_algorithm_keys_params_by_written_names(tmp_path: Path, algorithm: str) -> None:
    spec = load_spec(_write_spec(tmp_path, algorithm))
    for params in _sample(spec, rounds=6):
        assert list(params) == NAMES
        assert 0.01 <= params["learning-rate"] <= 0.1
        assert params["num-layers"] in (1, 2, 3)
        assert params["batch-size"] in (4, 8)
        assert params["a.b"] in ("true", "false")


def test_the_launched_trial_command_sets_each_config_path(tmp_path: Path) -> None:
    spec_path = _write_spec(tmp_path, "random")
    spec = load_spec(spec_path)
    parser = build_parser()
    for params in _sample(spec, rounds=4):
        argv = trial_command(
            spec_path=spec_path, trial_dir=str(tmp_path / "trials" / "t1"), params=params, seed=3
        )
        # The engine execs `python -m odsweep trial ...`; the parser sees what follows.
        assert argv[1:4] == ["-m", "odsweep", "trial"]
        options = _options(parser.parse_args(argv[3:]))
        assert dict(options.overrides) == {
            "train_config.lr": params["learning-rate"],
            "model.layers": params["num-layers"],
            "train_config.batch_size": params["batch-size"],
            "train_config.use_ema": params["a.b"],
        }
        assert options.seed == 3
