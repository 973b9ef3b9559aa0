"""The run parameters are declared once (_params.PARAMS); the compiled pipeline, the
validate component and the code shipped to its pod all come from that declaration."""

from __future__ import annotations

import inspect
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml

from odsweep.pipeline import PARAMS, compile_pipeline
from odsweep.pipeline._components import validate_search_space
from odsweep.pipeline._params import SPEC_PARAMS, VALIDATE_PARAMS
from odsweep.pipeline._pipeline import build_pipeline

KFP_TYPES = {str: "STRING", int: "NUMBER_INTEGER"}


def compiled(tmp_path: Path) -> tuple[dict[str, Any], dict[str, Any]]:
    """The pipeline document and the validate component's document."""
    pipeline, *_ = compile_pipeline(
        str(tmp_path / "p.yaml"), components_dir=str(tmp_path / "components")
    )
    doc = yaml.safe_load(Path(pipeline).read_text().split("\n---\n")[0])
    step = yaml.safe_load((tmp_path / "components" / "validate_search_space.yaml").read_text())
    return doc, step


def test_the_compiled_pipeline_inputs_are_the_declared_parameters(tmp_path: Path) -> None:
    doc, _ = compiled(tmp_path)
    inputs = doc["root"]["inputDefinitions"]["parameters"]
    assert sorted(inputs) == sorted(p.name for p in PARAMS)
    for param in PARAMS:
        spec = inputs[param.name]
        assert spec["parameterType"] == KFP_TYPES[param.type], param.name
        if param.default is None:
            assert "defaultValue" not in spec, param.name
        else:
            assert spec["defaultValue"] == param.default, param.name


def test_the_pipeline_function_takes_them_in_declared_order() -> None:
    names = list(inspect.signature(build_pipeline().pipeline_func).parameters)
    assert names == [p.name for p in PARAMS]


def test_the_validate_step_takes_every_parameter_but_the_report_link(tmp_path: Path) -> None:
    run_only = ("search_space", "model_dir", "eval_dir", "backend", "tune_postprocess")
    assert (*run_only, *SPEC_PARAMS) == VALIDATE_PARAMS
    assert set(VALIDATE_PARAMS) == {p.name for p in PARAMS} - {"kubeflow_url"}
    assert list(validate_search_space.component_spec.inputs) == list(VALIDATE_PARAMS)
    _, step = compiled(tmp_path)
    assert sorted(step["root"]["inputDefinitions"]["parameters"]) == sorted(VALIDATE_PARAMS)


def test_the_shipped_source_runs_in_kfps_executor_and_passes_every_value(
    tmp_path: Path,
) -> None:
    # What the pod runs: the compiled command and args, with a real executor input.
    _, step = compiled(tmp_path)
    container = step["deploymentSpec"]["executors"]["exec-validate-search-space"]["container"]
    assert "# type: ignore" not in container["command"][-1]
    values: dict[str, Any] = {p.name: p.default for p in PARAMS if p.name in VALIDATE_PARAMS}
    # Values the step refuses, each named after its parameter: proof each arrived.
    values.update(
        search_space="",
        model_dir=str(tmp_path / "out"),
        backend="optuna",
        num_train_steps=-5,
        max_failed_trial_count=-3,
    )
    executor_input = {
        "inputs": {"parameterValues": values},
        "outputs": {
            "parameters": {
                "spec_path": {"outputFile": str(tmp_path / "spec_path")},
                "eval_dir": {"outputFile": str(tmp_path / "eval_dir")},
            },
            "outputFile": str(tmp_path / "executor_output.json"),
        },
    }
    args = [json.dumps(executor_input) if a == "{{$}}" else a for a in container["args"]]
    env = {"PATH": str(Path(sys.executable).parent) + ":/usr/bin:/bin", "HOME": str(tmp_path)}
    proc = subprocess.run(
        [*container["command"], *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
        check=False,
    )
    assert proc.returncode != 0
    out = proc.stdout + proc.stderr
    assert "num_train_steps: must be >= 1 (0 keeps the search space's value), got -5" in out
    assert "max_failed_trial_count: must be >= 0 (-1 keeps the search space's value), got -3" in out
    assert "search_space: required: a YAML path or the YAML text" in out
    assert "Looking for component `validate_search_space`" in out
