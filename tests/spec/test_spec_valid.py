"""A valid search space parses to the expected values; defaults, aliases, round trip."""

from __future__ import annotations

import math
from pathlib import Path
from types import MappingProxyType

import pytest
import yaml
from spec_fixtures import BASE_DIR, LR_PATH, at, parse, valid_doc

from odsweep.spec import (
    Algorithm,
    AlgorithmName,
    ClusterSpec,
    Distribution,
    EarlyStopping,
    ExportInputType,
    ExportSpec,
    Objective,
    ObjectiveType,
    Parameter,
    ParameterType,
    SearchSpec,
    evals_per_trial,
    load_spec,
    parse_spec,
    spec_to_dict,
    summarize,
)

EXPECTED = SearchSpec(
    name="ssd-demo",
    source=f"{BASE_DIR}/search.yaml",
    pipeline_config_path=f"{BASE_DIR}/configs/ssd_tiny.config",
    train_input_path=f"{BASE_DIR}/data/demo/train-*.tfrecord",
    eval_input_path=f"{BASE_DIR}/data/demo/eval-*.tfrecord",
    label_map_path=f"{BASE_DIR}/data/demo/label_map.pbtxt",
    num_train_steps=300,
    checkpoint_every_n_steps=100,
    sample_1_of_n_eval_examples=1,
    overrides=MappingProxyType({"model.ssd.num_classes": 2}),
    objective=Objective(
        ObjectiveType.MAXIMIZE, "DetectionBoxes_Precision/mAP", 0.9, ("Loss/total_loss",)
    ),
    algorithm=Algorithm(AlgorithmName.TPE, (("random_state", 7),)),
    early_stopping=EarlyStopping("medianstop", min_trials_required=2, start_step=2),
    parallel_trial_count=2,
    max_trial_count=8,
    max_failed_trial_count=2,
    parameters=(
        Parameter(
            "learning_rate",
            LR_PATH,
            ParameterType.DOUBLE,
            min=0.004,
            max=0.1,
            distribution=Distribution.LOG_UNIFORM,
        ),
        Parameter("batch_size", "train_config.batch_size", ParameterType.DISCRETE, values=(4, 8)),
    ),
    export=ExportSpec(ExportInputType.IMAGE_TENSOR, f"{BASE_DIR}/out/ssd-demo/model"),
    cluster=ClusterSpec(
        image="registry.example/odsweep:0.1",
        namespace="kubeflow-user",
        gpus_per_trial=1,
        cpu="4",
        memory="16Gi",
        service_account="odsweep",
        node_selector=MappingProxyType({"cloud.google.com/gke-accelerator": "nvidia-tesla-t4"}),
    ),
)


def test_the_example_parses_to_the_expected_values() -> None:
    assert parse(valid_doc()) == EXPECTED


def test_numbers_may_be_written_as_strings() -> None:
    doc = valid_doc()
    spec_ = doc["spec"]
    spec_.update(numTrainSteps="300", checkpointEveryNSteps="100", maxTrialCount="8")
    spec_.update(parallelTrialCount="2", maxFailedTrialCount="2", sample1OfNEvalExamples="1")
    spec_["objective"]["goal"] = "0.9"
    at(doc, "spec.parameters.0.feasibleSpace").update(min="0.004", max="1e-1")
    at(doc, "spec.parameters.1.feasibleSpace")["list"] = ["4", "8"]
    at(doc, "spec.algorithm.algorithmSettings.0")["value"] = 7
    spec_["cluster"].update(cpu=4, gpusPerTrial="1")
    assert parse(doc) == EXPECTED


def test_defaults_for_optional_keys() -> None:
    doc = valid_doc()
    for key in (
        "trainInputPath",
        "evalInputPath",
        "labelMapPath",
        "sample1OfNEvalExamples",
        "overrides",
        "earlyStopping",
        "parallelTrialCount",
        "maxFailedTrialCount",
        "export",
        "cluster",
    ):
        del doc["spec"][key]
    del doc["spec"]["objective"]["goal"]
    del doc["spec"]["objective"]["additionalMetricNames"]
    del doc["spec"]["algorithm"]["algorithmSettings"]
    spec = parse(doc)
    assert (spec.train_input_path, spec.eval_input_path, spec.label_map_path) == (None,) * 3
    assert spec.sample_1_of_n_eval_examples == 1
    assert dict(spec.overrides) == {}
    assert spec.early_stopping is None
    assert spec.parallel_trial_count == 1
    assert spec.max_failed_trial_count is None  # Katib: omitted = failures never fail it
    assert spec.export == ExportSpec(ExportInputType.IMAGE_TENSOR, None)
    assert spec.cluster is None
    assert spec.objective.goal is None and spec.objective.additional_metrics == ()
    assert spec.algorithm.settings == () and spec.algorithm.seed is None


def test_medianstop_defaults_are_katibs() -> None:
    doc = valid_doc()
    doc["spec"]["numTrainSteps"] = 400  # 4 evaluations, so the default start_step 4 fits
    del doc["spec"]["earlyStopping"]["algorithmSettings"]
    assert parse(doc).early_stopping == EarlyStopping("medianstop", 3, 4)


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("max", ObjectiveType.MAXIMIZE),
        ("maximize", ObjectiveType.MAXIMIZE),
        ("min", ObjectiveType.MINIMIZE),
        ("minimize", ObjectiveType.MINIMIZE),
    ],
)
def test_objective_type_aliases(written: str, expected: ObjectiveType) -> None:
    doc = valid_doc()
    doc["spec"]["objective"]["type"] = written
    assert parse(doc).objective.type is expected


def test_loss_alias_names_the_od_api_total_loss() -> None:
    doc = valid_doc()
    doc["spec"]["objective"].update(
        type="min",
        objectiveMetricName="loss",
        additionalMetricNames=["DetectionBoxes_Recall/AR@100 (small)"],
    )
    objective = parse(doc).objective
    assert objective.metric == "Loss/total_loss"
    assert objective.metrics == ("Loss/total_loss", "DetectionBoxes_Recall/AR@100 (small)")


def test_paths_resolve_against_the_yaml_folder_but_uris_and_absolute_stay() -> None:
    doc = valid_doc()
    doc["spec"].update(
        pipelineConfigPath="../shared/x.config",
        trainInputPath="gs://bucket/data/train-*.tfrecord",
        evalInputPath="/abs/eval.tfrecord",
    )
    spec = parse(doc)
    assert spec.pipeline_config_path == "/work/shared/x.config"
    assert spec.train_input_path == "gs://bucket/data/train-*.tfrecord"
    assert spec.eval_input_path == "/abs/eval.tfrecord"


def test_relative_paths_under_a_gs_base_stay_gs() -> None:
    spec = parse_spec(valid_doc(), source="gs://b/specs/s.yaml", base_dir="gs://b/specs")
    assert spec.pipeline_config_path == "gs://b/specs/configs/ssd_tiny.config"
    assert spec.export.output_directory == "gs://b/specs/out/ssd-demo/model"


def test_round_trip_through_spec_to_dict() -> None:
    doc = valid_doc()
    doc["spec"]["algorithm"] = {
        "algorithmName": "multivariate-tpe",
        "algorithmSettings": [
            {"name": "n_startup_trials", "value": "3"},
            {"name": "random_state", "value": "1"},
        ],
    }
    doc["spec"]["overrides"]["train_config.data_augmentation_options"] = [1, 2]
    doc["spec"]["parameters"].append(
        {
            "name": "warmup",
            "configPath": "train_config.optimizer.x[0].warmup_steps",
            "parameterType": "int",
            "feasibleSpace": {"min": 0, "max": 100, "step": 10},
        }
    )
    doc["spec"]["cluster"]["tolerations"] = [
        {
            "key": "nvidia.com/gpu",
            "operator": "Exists",
            "effect": "NoExecute",
            "tolerationSeconds": 30,
        }
    ]
    doc["spec"]["cluster"].update(
        env={"A": "1"}, imagePullPolicy="Always", activeDeadlineSeconds=60
    )
    spec = parse(doc)
    dumped = spec_to_dict(spec)
    again = parse_spec(yaml.safe_load(yaml.safe_dump(dumped)), source=spec.source, base_dir="/x")
    assert again == spec
    assert spec_to_dict(again) == dumped


def test_load_spec_reads_a_file_and_resolves_against_its_folder(tmp_path: Path) -> None:
    (tmp_path / "search.yaml").write_text(yaml.safe_dump(valid_doc()))
    spec = load_spec(str(tmp_path / "search.yaml"))
    assert spec.source == str(tmp_path / "search.yaml")
    assert spec.pipeline_config_path == str(tmp_path / "configs/ssd_tiny.config")


def test_load_spec_uses_an_injected_reader_for_gs() -> None:
    seen: list[str] = []

    def read_text(path: str) -> str:
        seen.append(path)
        return yaml.safe_dump(valid_doc())

    spec = load_spec("gs://bucket/specs/search.yaml", read_text=read_text)
    assert seen == ["gs://bucket/specs/search.yaml"]
    assert spec.label_map_path == "gs://bucket/specs/data/demo/label_map.pbtxt"


def test_evals_per_trial_counts_the_last_partial_interval() -> None:
    doc = valid_doc()
    assert evals_per_trial(parse(doc)) == 3
    doc["spec"]["numTrainSteps"] = 250
    assert evals_per_trial(parse(doc)) == 3
    doc["spec"]["checkpointEveryNSteps"] = 250
    del doc["spec"]["earlyStopping"]
    assert evals_per_trial(parse(doc)) == 1


def test_summarize_lists_budget_objective_and_each_parameter() -> None:
    text = summarize(parse(valid_doc()))
    lines = text.splitlines()
    assert lines[0] == "ssd-demo: maximize DetectionBoxes_Precision/mAP (goal 0.9)"
    assert (
        lines[1] == "  algorithm tpe (random_state=7); 8 trials, 2 in parallel, stop after 2 failed"
    )
    assert "3 evaluations (every 100 steps); medianstop from eval 2 after 2 trials" in lines[2]
    assert lines[3].startswith("  learning_rate  double [0.004, 0.1] logUniform  -> train_config.")
    assert lines[4].startswith("  batch_size     discrete {4, 8}")
    assert lines[5] == "  fixed: model.ssd.num_classes=2"


def test_objective_better_best_and_goal() -> None:
    maximize = Objective(ObjectiveType.MAXIMIZE, "m", goal=0.5)
    minimize = Objective(ObjectiveType.MINIMIZE, "m", goal=0.5)
    assert maximize.better(0.2, 0.1) and not maximize.better(0.1, 0.1)
    assert minimize.better(0.1, 0.2) and not minimize.better(0.2, 0.1)
    assert maximize.better(0.0, math.nan) and not maximize.better(math.nan, 0.0)
    assert maximize.best([0.1, math.nan, 0.3, 0.2]) == 0.3
    assert minimize.best([0.1, math.nan, 0.3]) == 0.1
    assert maximize.best([math.nan]) is None
    assert maximize.reached_goal(0.5) and not maximize.reached_goal(0.49)
    assert minimize.reached_goal(0.5) and not minimize.reached_goal(0.51)
    assert not Objective(ObjectiveType.MAXIMIZE, "m").reached_goal(1.0)


def test_algorithm_setting_accessor_returns_typed_values() -> None:
    doc = valid_doc()
    doc["spec"]["algorithm"]["algorithmSettings"] = [
        {"name": "gamma", "value": "0.3"},
        {"name": "n_EI_candidates", "value": "12"},
        {"name": "random_state", "value": 0},
    ]
    algorithm = parse(doc).algorithm
    assert algorithm.setting("gamma") == 0.3
    assert algorithm.setting("n_EI_candidates") == 12
    assert algorithm.setting("prior_weight", 1.0) == 1.0
    assert algorithm.setting("prior_weight") is None
    assert algorithm.seed == 0  # seed 0 is a seed, not "no seed"


def test_spec_parameter_lookup() -> None:
    spec = parse(valid_doc())
    assert spec.parameter("batch_size").values == (4, 8)
    with pytest.raises(KeyError):
        spec.parameter("nope")


def test_parsed_values_are_read_only() -> None:
    spec = parse(valid_doc())
    with pytest.raises(TypeError):
        spec.overrides["x"] = 1  # type: ignore[index]
    with pytest.raises(AttributeError):
        spec.name = "other"  # type: ignore[misc]


def test_a_stepped_double_under_grid_parses() -> None:
    doc = valid_doc()
    doc["spec"]["algorithm"] = {"algorithmName": "grid"}
    doc["spec"]["parameters"][0]["feasibleSpace"] = {"min": 0.01, "max": 0.05, "step": 0.01}
    spec = parse(doc)
    assert spec.parameters[0].grid_values() == (0.01, 0.02, 0.03, 0.04, 0.05)
