"""What the compiled package asks of KFP and of the cluster (read back from its YAML)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from odsweep.pipeline import PARAMS, ClusterSettings, compile_pipeline
from odsweep.pipeline._components import DEFAULT_IMAGE
from odsweep.spec import Toleration

_IR_TYPE = {str: "STRING", int: "NUMBER_INTEGER"}


def compiled(tmp_path: Path, settings: ClusterSettings | None = None) -> tuple[Any, Any]:
    """(pipeline spec, kubernetes platform spec) of a fresh compile."""
    out = tmp_path / "p.yaml"
    compile_pipeline(str(out), components_dir=str(tmp_path / "components"), settings=settings)
    docs = list(yaml.safe_load_all(out.read_text()))
    return docs[0], docs[1]["platforms"]["kubernetes"]["deploymentSpec"]["executors"]


@pytest.fixture(scope="module")
def default(tmp_path_factory: pytest.TempPathFactory) -> tuple[Any, Any]:
    return compiled(tmp_path_factory.mktemp("compile"))


def test_run_parameters_are_the_documented_ones(default: tuple[Any, Any]) -> None:
    inputs = default[0]["root"]["inputDefinitions"]["parameters"]
    assert set(inputs) == {p.name for p in PARAMS}
    for p in PARAMS:
        assert inputs[p.name]["parameterType"] == _IR_TYPE[p.type], p.name
        if p.default is None:
            assert "defaultValue" not in inputs[p.name], f"{p.name} is required"
        else:
            assert inputs[p.name]["defaultValue"] == p.default, p.name


def test_pipeline_outputs(default: tuple[Any, Any]) -> None:
    outputs = default[0]["root"]["outputDefinitions"]
    assert {k: v["parameterType"] for k, v in outputs["parameters"].items()} == {
        "best_params": "STRING",
        "best_metric": "NUMBER_DOUBLE",
        "model_location": "STRING",
    }
    assert outputs["artifacts"]["model"]["artifactType"]["schemaTitle"] == "system.Model"


def test_steps_install_nothing_and_run_the_project_image(default: tuple[Any, Any]) -> None:
    executors = default[0]["deploymentSpec"]["executors"]
    # validate, search x2 (katib, optuna), export, verify, report, tune-postprocess
    assert len(executors) == 7
    for name, executor in executors.items():
        container = executor["container"]
        assert container["image"] == DEFAULT_IMAGE, name
        script = " ".join(container["command"])
        # KFP's default lightweight command pip-installs kfp at start: offline clusters fail.
        assert "pip install" not in script and "ensurepip" not in script, name
        assert "from odsweep.pipeline import" in script, name


def test_no_task_is_cached(default: tuple[Any, Any]) -> None:
    spec = default[0]
    tasks = dict(spec["root"]["dag"]["tasks"])
    for component in spec["components"].values():
        tasks.update(component.get("dag", {}).get("tasks", {}))
    steps = {k: t for k, t in tasks.items() if not k.startswith("condition")}
    assert len(steps) == 7
    for name, task in steps.items():
        assert task["cachingOptions"].get("enableCache") is not True, name


def test_the_backend_chooses_one_of_two_search_tasks(default: tuple[Any, Any]) -> None:
    spec = default[0]
    branches = spec["components"]["comp-condition-branches-1"]["dag"]["tasks"]
    conditions = sorted(t["triggerPolicy"]["condition"] for t in branches.values())
    katib = "inputs.parameter_values['pipelinechannel--backend'] == 'katib'"
    assert conditions == [f"!({katib})", katib]
    resources = {
        name: executor["container"]["resources"]
        for name, executor in spec["deploymentSpec"]["executors"].items()
    }
    # Katib's search only watches the Experiment: no GPU; Optuna's trains in its pod.
    assert "accelerator" not in resources["exec-search"]
    assert resources["exec-search"]["resourceCpuRequest"] == "250m"
    assert resources["exec-search-2"]["accelerator"]["resourceType"] == "nvidia.com/gpu"
    assert resources["exec-search-2"]["accelerator"]["resourceCount"] == "1"
    assert resources["exec-search-2"]["resourceMemoryLimit"] == "32Gi"
    for name, res in resources.items():
        assert {"resourceCpuRequest", "resourceMemoryRequest", "resourceMemoryLimit"} <= set(res), (
            name
        )


def test_storage_credentials_and_placement(default: tuple[Any, Any]) -> None:
    executors = default[1]
    # Only the placed steps have Kubernetes settings: no Secret by default.
    assert set(executors) == {"exec-search-2", "exec-export-best-model", "exec-tune-postprocess"}
    for name, config in executors.items():
        # Workload Identity by default: no Secret a pod could wait for.
        assert "secretAsEnv" not in config, name
    for name, executor in default[0]["deploymentSpec"]["executors"].items():
        assert "env" not in executor["container"], name
    gpu = [{"effect": "NoSchedule", "key": "nvidia.com/gpu", "operator": "Exists"}]
    placed = {"exec-search-2", "exec-export-best-model", "exec-tune-postprocess"}
    for name, config in executors.items():
        assert config.get("tolerations") == (gpu if name in placed else None), name
        assert "nodeSelector" not in config, name


def test_cluster_settings_reach_the_package(tmp_path: Path) -> None:
    settings = ClusterSettings(
        image="europe-docker.pkg.dev/proj/odsweep/odsweep:1.2",
        credentials_secret="gcs-key",
        search_gpus=0,
        node_selector={"cloud.google.com/gke-accelerator": "nvidia-l4"},
        tolerations=(
            Toleration(key="dedicated", operator="Equal", value="ml", effect="NoSchedule"),
        ),
    )
    spec, executors = compiled(tmp_path, settings)
    for executor in spec["deploymentSpec"]["executors"].values():
        assert executor["container"]["image"] == settings.image
        assert "accelerator" not in executor["container"]["resources"]
    for component in (tmp_path / "components").glob("*.yaml"):
        doc = yaml.safe_load(component.read_text())
        (executor,) = doc["deploymentSpec"]["executors"].values()
        assert executor["container"]["image"] == settings.image, component.name
    for name in ("exec-search-2", "exec-export-best-model", "exec-tune-postprocess"):
        assert executors[name]["nodeSelector"] == {
            "labels": {"cloud.google.com/gke-accelerator": "nvidia-l4"}
        }
        assert executors[name]["tolerations"] == [
            {"effect": "NoSchedule", "key": "dedicated", "operator": "Equal", "value": "ml"}
        ]
    assert executors["exec-verify-model"]["secretAsEnv"][0]["secretName"] == "gcs-key"
    verify = spec["deploymentSpec"]["executors"]["exec-verify-model"]["container"]
    assert verify["env"] == [{"name": "ODSWEEP_CREDENTIALS_SECRET", "value": "gcs-key"}]


def test_component_files_are_standalone_specs(tmp_path: Path) -> None:
    written = compile_pipeline(str(tmp_path / "p.yaml"), components_dir=str(tmp_path / "c"))
    names = sorted(Path(p).name for p in written[1:])
    assert names == [
        "export_best_model.yaml",
        "search.yaml",
        "sweep_report.yaml",
        "tune_postprocess.yaml",
        "validate_search_space.yaml",
        "verify_model.yaml",
    ]
    report = yaml.safe_load((tmp_path / "c" / "sweep_report.yaml").read_text())
    artifacts = report["root"]["outputDefinitions"]["artifacts"]
    assert artifacts["markdown"]["artifactType"]["schemaTitle"] == "system.Markdown"
    assert artifacts["html"]["artifactType"]["schemaTitle"] == "system.HTML"
    verify = yaml.safe_load((tmp_path / "c" / "verify_model.yaml").read_text())
    metrics = verify["root"]["outputDefinitions"]["artifacts"]["metrics"]
    assert metrics["artifactType"]["schemaTitle"] == "system.Metrics"


def test_post_processing_tuning_runs_only_when_asked(default: tuple[Any, Any]) -> None:
    spec = default[0]
    conditions = {
        name: component["dag"]["tasks"]
        for name, component in spec["components"].items()
        if "tune-postprocess" in component.get("dag", {}).get("tasks", {})
    }
    (tasks,) = conditions.values()
    root = spec["root"]["dag"]["tasks"]
    (gate,) = (t for t in root.values() if t["componentRef"]["name"] in conditions)
    assert gate["triggerPolicy"]["condition"] == (
        "inputs.parameter_values['pipelinechannel--tune_postprocess'] != ''"
    )
    assert "verify-model" in gate["dependentTasks"]
    assert tasks["tune-postprocess"]["componentRef"]["name"] == "comp-tune-postprocess"
