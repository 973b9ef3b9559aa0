"""The pipeline parameters applied to the search-space YAML: set wins, unset keeps the YAML's."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from odsweep.errors import InputError
from odsweep.pipeline import PARAMS, SPEC_PARAMS, resolve_dirs, resolve_spec
from odsweep.pipeline._params import INLINE_SOURCE, is_inline
from odsweep.spec import ExportInputType, ObjectiveType, SearchSpec
from tests.spec.spec_fixtures import valid_doc


def write(tmp_path: Path, doc: dict[str, Any]) -> str:
    path = tmp_path / "specs" / "search.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(doc))
    return str(path)


@pytest.fixture
def spec_file(tmp_path: Path) -> str:
    return write(tmp_path, valid_doc())


def messages(excinfo: pytest.ExceptionInfo[InputError]) -> list[str]:
    return list(excinfo.value.messages)


def test_every_unset_parameter_keeps_the_yaml(spec_file: str) -> None:
    plain = resolve_spec(spec_file)
    unset = {p.name: p.default for p in PARAMS if p.name in SPEC_PARAMS}
    assert resolve_spec(spec_file, **unset) == plain
    assert plain.num_train_steps == 300 and plain.max_failed_trial_count == 2
    assert plain.pipeline_config_path == str(Path(spec_file).parent / "configs/ssd_tiny.config")


# (parameter, value, how to read it back from the spec, expected)
MAPPINGS: list[tuple[str, Any, Any, Any]] = [
    (
        "pipeline_config_path",
        "gs://bucket/experiments/4/pipeline.config",
        lambda s: s.pipeline_config_path,
        "gs://bucket/experiments/4/pipeline.config",
    ),
    (
        "inference_output_directory",
        "/srv/models/ssd",
        lambda s: s.export.output_directory,
        "/srv/models/ssd",
    ),
    ("num_train_steps", 500, lambda s: s.num_train_steps, 500),
    ("sample_1_of_n_eval_examples", 3, lambda s: s.sample_1_of_n_eval_examples, 3),
    (
        "inference_input_type",
        "encoded_image_string_tensor",
        lambda s: s.export.input_type,
        ExportInputType.ENCODED_IMAGE_STRING_TENSOR,
    ),
    (
        "eval_checkpoint_metric",
        "DetectionBoxes_Precision/mAP@.50IOU",
        lambda s: s.objective.metric,
        "DetectionBoxes_Precision/mAP@.50IOU",
    ),
    ("metric_objective_type", "min", lambda s: s.objective.type, ObjectiveType.MINIMIZE),
    ("namespace", "team-a", lambda s: s.cluster.namespace, "team-a"),
    ("image", "registry.example/o:0.2", lambda s: s.cluster.image, "registry.example/o:0.2"),
    ("gpus_per_trial", 2, lambda s: s.cluster.gpus_per_trial, 2),
    ("gpus_per_trial", 0, lambda s: s.cluster.gpus_per_trial, 0),
    ("parallel_trial_count", 4, lambda s: s.parallel_trial_count, 4),
    ("max_trial_count", 6, lambda s: s.max_trial_count, 6),
    ("max_failed_trial_count", 0, lambda s: s.max_failed_trial_count, 0),
    ("max_failed_trial_count", 5, lambda s: s.max_failed_trial_count, 5),
]  # fmt: skip


@pytest.mark.parametrize(("name", "value", "read", "expected"), MAPPINGS)
def test_a_set_parameter_wins_over_the_yaml(
    spec_file: str, name: str, value: Any, read: Any, expected: Any
) -> None:
    plain = resolve_spec(spec_file)
    spec = resolve_spec(spec_file, **{name: value})
    assert read(spec) == expected
    assert read(plain) != expected
    # Nothing else moved.
    assert spec.name == plain.name and spec.parameters == plain.parameters


def test_every_spec_parameter_has_a_mapping_test() -> None:
    assert {m[0] for m in MAPPINGS} == set(SPEC_PARAMS)


def test_metric_aliases_and_the_goal_still_apply(spec_file: str) -> None:
    spec = resolve_spec(spec_file, eval_checkpoint_metric="loss", metric_objective_type="minimize")
    assert spec.objective.metric == "Loss/total_loss"
    assert spec.objective.type is ObjectiveType.MINIMIZE
    # Promoted from additionalMetricNames: dropped there, as Katib refuses both.
    assert "Loss/total_loss" not in spec.objective.additional_metrics


def test_parameters_fill_a_yaml_without_the_keys(tmp_path: Path) -> None:
    doc = valid_doc()
    spec = doc["spec"]
    for key in ("pipelineConfigPath", "numTrainSteps", "cluster", "export"):
        del spec[key]
    path = write(tmp_path, doc)
    with pytest.raises(InputError, match="pipelineConfigPath"):
        resolve_spec(path)
    resolved = resolve_spec(
        path,
        pipeline_config_path="/data/pipeline.config",
        num_train_steps=400,
        image="registry.example/odsweep:0.1",
        namespace="team-a",
        inference_output_directory="gs://bucket/models/ssd",
    )
    assert resolved.pipeline_config_path == "/data/pipeline.config"
    assert resolved.num_train_steps == 400
    assert resolved.cluster is not None and resolved.cluster.namespace == "team-a"
    assert resolved.export.output_directory == "gs://bucket/models/ssd"


def test_cluster_parameters_without_an_image_anywhere_name_the_image(tmp_path: Path) -> None:
    doc = valid_doc()
    del doc["spec"]["cluster"]
    with pytest.raises(InputError) as info:
        resolve_spec(write(tmp_path, doc), namespace="team-a", gpus_per_trial=0)
    assert messages(info) == [
        "image: required with namespace and gpus_per_trial: the search space has no "
        "spec.cluster.image, and those parameters go into spec.cluster, which needs the "
        "trial image"
    ]


KEEP = "keeps the search space's value"
RELATIVE = (
    "pipeline_config_path: must be an absolute path or a gs:// URI, got 'configs/p.config'; "
    "a pipeline step has no working folder a relative path could mean"
)


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"num_train_steps": -5}, f"num_train_steps: must be >= 1 (0 {KEEP}), got -5"),
        ({"max_trial_count": -1}, f"max_trial_count: must be >= 1 (0 {KEEP}), got -1"),
        ({"gpus_per_trial": -2}, f"gpus_per_trial: must be >= 0 (-1 {KEEP}), got -2"),
        (
            {"max_failed_trial_count": -3},
            f"max_failed_trial_count: must be >= 0 (-1 {KEEP}), got -3",
        ),
        ({"num_train_steps": "500"}, "num_train_steps: must be an integer, got '500'"),
        ({"num_train_steps": True}, "num_train_steps: must be an integer, got True"),
        ({"image": 3}, "image: must be a string, got 3"),
        ({"pipeline_config_path": "configs/p.config"}, RELATIVE),
    ],
)
def test_bad_parameter_values_are_refused_before_reading(
    params: dict[str, Any], message: str
) -> None:
    with pytest.raises(InputError) as info:
        resolve_spec("/does/not/exist.yaml", **params)
    assert messages(info) == [message]


def test_spec_errors_name_the_parameter_that_set_the_key(spec_file: str) -> None:
    with pytest.raises(InputError) as info:
        resolve_spec(spec_file, inference_input_type="jpeg", max_trial_count=1)
    lines = messages(info)
    assert any(
        line.startswith("pipeline parameter inference_input_type: spec.export.inputType:")
        for line in lines
    ), lines
    # parallelTrialCount (2, from the YAML) above the new maxTrialCount: named by the
    # parameter that broke the rule.
    assert (
        "pipeline parameter max_trial_count: spec.parallelTrialCount: must be <= "
        "maxTrialCount (1), got 2"
    ) in lines


def test_unknown_keyword_is_a_programming_error(spec_file: str) -> None:
    with pytest.raises(TypeError, match="model_dir"):
        resolve_spec(spec_file, model_dir="/x")


def test_missing_file_and_empty_search_space(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"^search_space: file not found"):
        resolve_spec(str(tmp_path / "nope.yaml"))
    with pytest.raises(InputError, match=r"^search_space: required"):
        resolve_spec("  ")


def inline(doc: dict[str, Any]) -> str:
    return yaml.safe_dump(doc)


def test_inline_yaml_with_absolute_paths(tmp_path: Path) -> None:
    doc = valid_doc()
    spec = doc["spec"]
    spec["pipelineConfigPath"] = "gs://bucket/experiments/4/pipeline.config"
    for key in ("trainInputPath", "evalInputPath", "labelMapPath"):
        spec[key] = f"/data/{key}"
    spec["export"]["outputDirectory"] = "gs://bucket/models/ssd"
    resolved = resolve_spec(inline(doc), num_train_steps=200)
    assert resolved.source == INLINE_SOURCE
    assert resolved.pipeline_config_path == "gs://bucket/experiments/4/pipeline.config"
    assert resolved.train_input_path == "/data/trainInputPath"
    assert resolved.num_train_steps == 200


def test_inline_yaml_with_relative_paths_names_each_key() -> None:
    with pytest.raises(InputError) as info:
        resolve_spec(inline(valid_doc()))
    keys = [line.split(":", 1)[0] for line in messages(info)]
    assert keys == [
        "spec.pipelineConfigPath",
        "spec.trainInputPath",
        "spec.evalInputPath",
        "spec.labelMapPath",
        "spec.export.outputDirectory",
    ]
    assert (
        "inline search_space YAML needs absolute or gs:// paths, got 'configs/ssd_tiny.config'"
        in (messages(info)[0])
    )


def test_a_parameter_replaces_a_relative_inline_path() -> None:
    doc = valid_doc()
    spec = doc["spec"]
    for key in ("trainInputPath", "evalInputPath", "labelMapPath", "export"):
        del spec[key]
    with pytest.raises(InputError, match=r"^spec\.pipelineConfigPath: inline"):
        resolve_spec(inline(doc))
    resolved = resolve_spec(inline(doc), pipeline_config_path="/data/pipeline.config")
    assert resolved.pipeline_config_path == "/data/pipeline.config"


def test_inline_detection() -> None:
    assert is_inline("apiVersion: odsweep/v1alpha1\nkind: SearchSpace\n")
    assert is_inline('{"apiVersion": "odsweep/v1alpha1"}')
    assert not is_inline("gs://bucket/search.yaml")
    assert not is_inline("/abs/search.yaml")


def test_inline_yaml_that_is_not_a_search_space() -> None:
    with pytest.raises(InputError, match=re.escape("not a search space (no spec: mapping)")):
        resolve_spec("a: 1\nb: 2\n")
    with pytest.raises(InputError, match="duplicate key 'a'"):
        resolve_spec("a: 1\na: 2\n")


def test_a_gs_path_is_read_with_the_given_reader() -> None:
    doc = valid_doc()
    read: list[str] = []

    def reader(path: str) -> str:
        read.append(path)
        return yaml.safe_dump(doc)

    spec: SearchSpec = resolve_spec("gs://bucket/specs/search.yaml", read_text=reader)
    assert read == ["gs://bucket/specs/search.yaml"]
    # Relative paths resolve against the YAML's gs:// folder, as load_spec does.
    assert spec.pipeline_config_path == "gs://bucket/specs/configs/ssd_tiny.config"


def test_resolve_dirs() -> None:
    assert resolve_dirs("optuna", "/runs/x", "") == "/runs/x/eval"
    assert resolve_dirs("katib", "gs://b/x/", "") == "gs://b/x/eval"
    assert resolve_dirs("katib", "gs://b/x", "gs://b/eval") == "gs://b/eval"
    with pytest.raises(InputError) as info:
        resolve_dirs("argo", "", "eval")
    assert messages(info) == [
        "backend: must be one of katib, optuna, got 'argo'",
        "model_dir: required: the sweep's output root, e.g. gs://bucket/sweep",
        "eval_dir: must be an absolute path or a gs:// URI, got 'eval'; a pipeline step has no "
        "working folder a relative path could mean",
    ]


def test_a_rule_between_keys_names_the_parameter(spec_file: str) -> None:
    with pytest.raises(InputError) as info:
        resolve_spec(spec_file, num_train_steps=30)
    assert messages(info) == [
        "pipeline parameter num_train_steps: spec.checkpointEveryNSteps: must be <= "
        "numTrainSteps (30), got 100"
    ]


def test_inline_yaml_with_a_relative_warm_start_checkpoint_is_refused() -> None:
    doc = valid_doc()
    spec = doc["spec"]
    for key in ("pipelineConfigPath", "trainInputPath", "evalInputPath", "labelMapPath"):
        spec[key] = f"/abs/{key}"
    spec["export"]["outputDirectory"] = "gs://bucket/models/ssd"
    spec.update(fineTuneCheckpoint="zoo/ckpt-0", fineTuneCheckpointType="detection")
    with pytest.raises(InputError) as info:
        resolve_spec(inline(doc))
    assert messages(info) == [
        "spec.fineTuneCheckpoint: inline search_space YAML needs absolute or gs:// paths, got "
        "'zoo/ckpt-0'; write the full path, or pass the YAML as a file path instead"
    ]
