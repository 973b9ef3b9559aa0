"""One case per validation rule, each checking the exact one-line message."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from spec_fixtures import errors, exact_line, parse, valid_doc

from odsweep.errors import InputError

Mutator = Callable[[dict[str, Any]], None]


def put(path: str, key: str | int, value: object) -> Mutator:
    """Set ``key`` in the mapping at the dotted ``path`` (numbers index lists)."""

    def mutate(doc: dict[str, Any]) -> None:
        node: Any = doc
        for part in filter(None, path.split(".")):
            node = node[int(part)] if part.isdigit() else node[part]
        node[key] = value

    return mutate


def drop(path: str, key: str) -> Mutator:
    """Delete ``key`` from the mapping at ``path``."""

    def mutate(doc: dict[str, Any]) -> None:
        node: Any = doc
        for part in filter(None, path.split(".")):
            node = node[int(part)] if part.isdigit() else node[part]
        del node[key]

    return mutate


def both(*mutators: Mutator) -> Mutator:
    def mutate(doc: dict[str, Any]) -> None:
        for m in mutators:
            m(doc)

    return mutate


P0 = "spec.parameters.0"
FS0 = "spec.parameters.0.feasibleSpace"
FS1 = "spec.parameters.1.feasibleSpace"
INT_PARAM = {"name": "steps", "configPath": "a.b", "parameterType": "int"}
SAFE = (
    "may only use letters, digits and . _ : / @ + - "
    "(Katib runs the trial command through sh -c unquoted)"
)

CASES: list[tuple[str, Mutator, str]] = [
    # --- document, metadata ---------------------------------------------------------
    (
        "unknown-top-key",
        put("", "specs", {}),
        "/work/specs/search.yaml: unknown key, got 'specs'; did you mean 'spec'?",
    ),
    (
        "unknown-nested-key-closest",
        put(FS0, "mim", 1),
        "spec.parameters[0].feasibleSpace: unknown key, got 'mim'; did you mean 'min'?",
    ),
    (
        "unknown-key-lists-valid-keys",
        put("spec.export", "zzz", 1),
        "spec.export: unknown key, got 'zzz'; valid keys: inputType, outputDirectory, constraints",
    ),
    (
        "api-version",
        put("", "apiVersion", "odsweep/v1"),
        "apiVersion: must be odsweep/v1alpha1, got 'odsweep/v1'",
    ),
    (
        "api-version-missing",
        drop("", "apiVersion"),
        "apiVersion: is required; add apiVersion: <odsweep/v1alpha1>",
    ),
    ("kind", put("", "kind", "Experiment"), "kind: must be SearchSpace, got 'Experiment'"),
    (
        "name-dns-label",
        put("metadata", "name", "SSD_demo"),
        "metadata.name: must be a DNS-1123 label starting with a letter ([a-z0-9-], at most 40 "
        "characters: Katib derives trial, pod and service names from it), got 'SSD_demo'; "
        "e.g. 'ssd-demo'",
    ),
    (
        "name-starts-with-letter",
        put("metadata", "name", "1abc"),
        "metadata.name: must be a DNS-1123 label starting with a letter ([a-z0-9-], at most 40 "
        "characters: Katib derives trial, pod and service names from it), got '1abc'; e.g. 'abc'",
    ),
    (
        "name-too-long",
        put("metadata", "name", "a" * 41),
        f"metadata.name: must be a DNS-1123 label starting with a letter ([a-z0-9-], at most 40 "
        f"characters: Katib derives trial, pod and service names from it), got '{'a' * 41}'; "
        f"e.g. '{'a' * 40}'",
    ),
    (
        "metadata-missing",
        drop("", "metadata"),
        "metadata: is required; add metadata: {name: <a-dns-label>}",
    ),
    # --- budget and trial -----------------------------------------------------------
    (
        "max-trials-positive",
        put("spec", "maxTrialCount", 0),
        "spec.maxTrialCount: must be an integer > 0, got 0",
    ),
    (
        "max-trials-required",
        drop("spec", "maxTrialCount"),
        "spec.maxTrialCount: is required; add maxTrialCount: <an integer > 0>",
    ),
    (
        "parallel-positive",
        put("spec", "parallelTrialCount", 0),
        "spec.parallelTrialCount: must be an integer > 0, got 0",
    ),
    (
        "parallel-at-most-max",
        put("spec", "parallelTrialCount", 9),
        "spec.parallelTrialCount: must be <= maxTrialCount (8), got 9",
    ),
    (
        "failed-non-negative",
        put("spec", "maxFailedTrialCount", -1),
        "spec.maxFailedTrialCount: must be an integer >= 0, got -1",
    ),
    (
        "failed-at-most-max",
        put("spec", "maxFailedTrialCount", 9),
        "spec.maxFailedTrialCount: must be <= maxTrialCount (8), got 9",
    ),
    (
        "bool-is-not-a-number",
        put("spec", "maxTrialCount", True),
        "spec.maxTrialCount: must be an integer > 0, got True",
    ),
    (
        "non-integral",
        put("spec", "maxTrialCount", "8.5"),
        "spec.maxTrialCount: must be an integer > 0, got '8.5'",
    ),
    (
        "train-steps-positive",
        put("spec", "numTrainSteps", 0),
        "spec.numTrainSteps: must be an integer > 0, got 0",
    ),
    (
        "checkpoint-at-most-steps",
        put("spec", "checkpointEveryNSteps", 301),
        "spec.checkpointEveryNSteps: must be <= numTrainSteps (300), got 301",
    ),
    (
        "sample-at-least-one",
        put("spec", "sample1OfNEvalExamples", 0),
        "spec.sample1OfNEvalExamples: must be an integer >= 1, got 0",
    ),
    (
        "pipeline-required",
        drop("spec", "pipelineConfigPath"),
        "spec.pipelineConfigPath: is required; add pipelineConfigPath: <a non-empty path>",
    ),
    (
        "path-non-empty",
        put("spec", "labelMapPath", " "),
        "spec.labelMapPath: must be a non-empty path, got ' '",
    ),
    # --- overrides ------------------------------------------------------------------
    (
        "override-path-syntax",
        put("spec.overrides", "model..x", 1),
        "spec.overrides.model..x: must be a dotted config path (segments name or name[INDEX]), "
        "got 'model..x'",
    ),
    (
        "override-value-scalar",
        put("spec.overrides", "model.x", {"y": 1}),
        "spec.overrides.model.x: must be a scalar or a list of scalars, got {'y': 1}; write one "
        "dotted config path per field",
    ),
    (
        "override-reserved",
        put("spec.overrides", "train_config.num_steps", 10),
        "spec.overrides.train_config.num_steps: is set by spec.numTrainSteps, got "
        "'train_config.num_steps'; set spec.numTrainSteps instead",
    ),
    # --- parameters -----------------------------------------------------------------
    (
        "parameters-required",
        drop("spec", "parameters"),
        "spec.parameters: is required; add at least one parameter to search",
    ),
    (
        "parameters-non-empty",
        put("spec", "parameters", []),
        "spec.parameters: must not be empty, got []; add at least one parameter to search",
    ),
    (
        "parameter-name-rule",
        put(P0, "name", "Learning Rate"),
        "spec.parameters[0].name: may only use ASCII letters, digits and . _ : / @ + - "
        "(Katib runs the trial command, which carries --param NAME=VALUE, through sh -c "
        "unquoted; found ' '), got 'Learning Rate'; e.g. 'Learning_Rate'",
    ),
    (
        "parameter-name-unique",
        put("spec.parameters.1", "name", "learning_rate"),
        "spec.parameters[1].name: duplicate parameter name (also spec.parameters[0]), got "
        "'learning_rate'; give each parameter its own name",
    ),
    (
        "config-path-syntax",
        put(P0, "configPath", "train_config.x[a]"),
        "spec.parameters[0].configPath: must be a dotted config path (segments name or "
        "name[INDEX]), got 'train_config.x[a]'; "
        "e.g. train_config.optimizer.adam_optimizer.learning_rate.constant_learning_rate"
        ".learning_rate",
    ),
    (
        "config-path-unique",
        both(put(P0, "configPath", "a.b"), put("spec.parameters.1", "configPath", "a.b")),
        "spec.parameters[1].configPath: duplicate config path (also spec.parameters[0]), got "
        "'a.b'; search each config field with one parameter",
    ),
    (
        "config-path-not-also-overridden",
        put("spec.parameters.1", "configPath", "model.ssd.num_classes"),
        "spec.parameters[1].configPath: is also fixed in spec.overrides (a field is either "
        "searched or fixed), "
        "got 'model.ssd.num_classes'; remove it from spec.overrides or from the parameters",
    ),
    (
        "config-path-reserved",
        put("spec.parameters.1", "configPath", "train_config.num_steps"),
        "spec.parameters[1].configPath: is set by spec.numTrainSteps, got "
        "'train_config.num_steps'; search or set it through spec.numTrainSteps",
    ),
    (
        "parameter-type",
        put(P0, "parameterType", "float"),
        "spec.parameters[0].parameterType: must be one of double, int, discrete, categorical, "
        "got 'float'",
    ),
    (
        "feasible-space-required",
        drop(P0, "feasibleSpace"),
        "spec.parameters[0].feasibleSpace: is required; add feasibleSpace: <min/max or list>",
    ),
    (
        "range-needs-min",
        drop(FS0, "min"),
        "spec.parameters[0].feasibleSpace.min: is required; add min: <a number>",
    ),
    (
        "range-needs-max",
        drop(FS0, "max"),
        "spec.parameters[0].feasibleSpace.max: is required; add max: <a number>",
    ),
    (
        "min-at-most-max",
        put(FS0, "min", 0.2),
        "spec.parameters[0].feasibleSpace.max: must be >= min (0.2), got 0.1",
    ),
    (
        "bound-finite",
        put(FS0, "max", ".inf"),
        "spec.parameters[0].feasibleSpace.max: must be a finite number, got '.inf'",
    ),
    (
        "int-bounds-integral",
        put("spec.parameters", 1, {**INT_PARAM, "feasibleSpace": {"min": 0.5, "max": 4}}),
        "spec.parameters[1].feasibleSpace.min: must be an integer for parameterType int, got 0.5",
    ),
    (
        "int-step-integral",
        put(
            "spec.parameters", 1, {**INT_PARAM, "feasibleSpace": {"min": 1, "max": 4, "step": 1.5}}
        ),
        "spec.parameters[1].feasibleSpace.step: must be an integer for parameterType int, got 1.5",
    ),
    (
        "step-positive",
        put("spec.parameters", 1, {**INT_PARAM, "feasibleSpace": {"min": 1, "max": 4, "step": 0}}),
        "spec.parameters[1].feasibleSpace.step: must be > 0, got 0",
    ),
    (
        "int-max-on-step-grid",
        put("spec.parameters", 1, {**INT_PARAM, "feasibleSpace": {"min": 1, "max": 10, "step": 2}}),
        "spec.parameters[1].feasibleSpace.max: must be min + a whole number of steps (1 + k * "
        "2), bounds are inclusive, got 10; use max: 9",
    ),
    (
        "double-max-on-step-grid",
        both(
            drop(FS0, "distribution"),
            put(FS0, "min", 0.1),
            put(FS0, "max", 0.35),
            put(FS0, "step", 0.1),
        ),
        "spec.parameters[0].feasibleSpace.max: must be min + a whole number of steps (0.1 + k * "
        "0.1), bounds are inclusive, got 0.35; use max: 0.3",
    ),
    (
        "range-takes-no-list",
        put(FS0, "list", [1, 2]),
        "spec.parameters[0].feasibleSpace.list: is not allowed for parameterType double, got "
        "[1, 2]; use min and max, or parameterType discrete",
    ),
    (
        "list-takes-no-min",
        put(FS1, "min", 1),
        "spec.parameters[1].feasibleSpace.min: is not allowed for parameterType discrete, got "
        "1; list the values in feasibleSpace.list",
    ),
    (
        "list-takes-no-step",
        put(FS1, "step", 1),
        "spec.parameters[1].feasibleSpace.step: is not allowed for parameterType discrete, got "
        "1; list the values in feasibleSpace.list",
    ),
    (
        "list-takes-no-distribution",
        put(FS1, "distribution", "logUniform"),
        "spec.parameters[1].feasibleSpace.distribution: is not allowed for parameterType "
        "discrete (listed values are equally likely), "
        "got 'logUniform'; remove distribution",
    ),
    (
        "list-required",
        drop(FS1, "list"),
        "spec.parameters[1].feasibleSpace.list: is required; add list: <a list of values>",
    ),
    (
        "list-non-empty",
        put(FS1, "list", []),
        "spec.parameters[1].feasibleSpace.list: must not be empty, got []; list at least one value",
    ),
    (
        "discrete-numbers",
        put(FS1, "list", [4, "eight"]),
        "spec.parameters[1].feasibleSpace.list[1]: must be a number for parameterType discrete, "
        "got 'eight'; use parameterType categorical for strings",
    ),
    (
        "discrete-unique",
        put(FS1, "list", [4, "4.0"]),
        "spec.parameters[1].feasibleSpace.list[1]: duplicate value, got '4.0'; list it once",
    ),
    (
        "categorical-strings",
        both(
            put("spec.parameters.1", "parameterType", "categorical"),
            put(FS1, "list", ["adam", True]),
        ),
        "spec.parameters[1].feasibleSpace.list[1]: must be a string for parameterType "
        "categorical, got True; quote it ('true') or use parameterType discrete",
    ),
    (
        "categorical-unique",
        both(
            put("spec.parameters.1", "parameterType", "categorical"),
            put(FS1, "list", ["adam", "adam"]),
        ),
        "spec.parameters[1].feasibleSpace.list[1]: duplicate value, got 'adam'; list it once",
    ),
    (
        "distribution-normal-refused",
        put(FS0, "distribution", "normal"),
        "spec.parameters[0].feasibleSpace.distribution: normal is not supported by odsweep (no "
        "such sampler in its local Optuna engine; "
        "Katib 0.19's optuna service drops it), got 'normal'; use uniform or logUniform",
    ),
    (
        "distribution-lognormal-refused",
        put(FS0, "distribution", "logNormal"),
        "spec.parameters[0].feasibleSpace.distribution: logNormal is not supported by odsweep "
        "(no such sampler in its local Optuna engine; "
        "Katib 0.19's optuna service drops it), got 'logNormal'; use uniform or logUniform",
    ),
    (
        "distribution-unknown",
        put(FS0, "distribution", "log_uniform"),
        "spec.parameters[0].feasibleSpace.distribution: must be one of uniform, logUniform, got "
        "'log_uniform'; did you mean 'logUniform'?",
    ),
    (
        "log-min-positive",
        put(FS0, "min", 0),
        "spec.parameters[0].feasibleSpace.min: must be > 0 for distribution=logUniform, got 0.0",
    ),
    (
        "log-max-positive",
        both(put(FS0, "min", -2), put(FS0, "max", -1)),
        "spec.parameters[0].feasibleSpace.max: must be > 0 for distribution=logUniform, got -1.0",
    ),
    (
        "log-takes-no-step",
        put(FS0, "step", 0.001),
        "spec.parameters[0].feasibleSpace.step: is not allowed with distribution=logUniform, "
        "got 0.001; remove step or use distribution uniform",
    ),
    # --- objective ------------------------------------------------------------------
    (
        "objective-type",
        put("spec.objective", "type", "maximise"),
        "spec.objective.type: must be one of maximize, minimize, max, min, got 'maximise'; did "
        "you mean 'maximize'?",
    ),
    (
        "objective-metric-required",
        drop("spec.objective", "objectiveMetricName"),
        "spec.objective.objectiveMetricName: is required; add objectiveMetricName: <e.g. "
        "DetectionBoxes_Precision/mAP>",
    ),
    (
        "objective-metric-non-empty",
        put("spec.objective", "objectiveMetricName", ""),
        "spec.objective.objectiveMetricName: must be a non-empty metric name, got ''",
    ),
    (
        "metric-name-capturable",
        put("spec.objective", "objectiveMetricName", "mAP=1"),
        "spec.objective.objectiveMetricName: must be a metric name the trial can report (a "
        "letter, then letters, digits and _ / @ . -, "
        "optionally ' (suffix)' parts; no '='), got 'mAP=1'; e.g. DetectionBoxes_Precision/mAP",
    ),
    (
        "metric-name-single-inner-space",
        put("spec.objective", "additionalMetricNames", ["DetectionBoxes_Recall/AR@100  (small)"]),
        "spec.objective.additionalMetricNames[0]: must be a metric name the trial can report (a "
        "letter, then letters, digits and _ / @ . -, "
        "optionally ' (suffix)' parts; no '='), got 'DetectionBoxes_Recall/AR@100  (small)'; "
        "e.g. DetectionBoxes_Precision/mAP",
    ),
    (
        "metric-not-per-class",
        put(
            "spec.objective",
            "additionalMetricNames",
            ["DetectionBoxes_PerformanceByCategory/mAP/cat"],
        ),
        "spec.objective.additionalMetricNames[0]: must not be a per-class metric (recorded in "
        "result.json and shown in the report, never reported to the engine), got "
        "'DetectionBoxes_PerformanceByCategory/mAP/cat'; use an overall metric, e.g. "
        "DetectionBoxes_Precision/mAP",
    ),
    (
        "additional-not-objective",
        put("spec.objective", "additionalMetricNames", ["DetectionBoxes_Precision/mAP"]),
        "spec.objective.additionalMetricNames[0]: must not repeat objectiveMetricName (Katib "
        "refuses it), got 'DetectionBoxes_Precision/mAP'; remove it",
    ),
    (
        "additional-not-objective-after-alias",
        both(
            put("spec.objective", "objectiveMetricName", "loss"),
            put("spec.objective", "additionalMetricNames", ["Loss/total_loss"]),
        ),
        "spec.objective.additionalMetricNames[0]: must not repeat objectiveMetricName (Katib "
        "refuses it), got 'Loss/total_loss'; remove it",
    ),
    (
        "additional-unique",
        put("spec.objective", "additionalMetricNames", ["loss", "Loss/total_loss"]),
        "spec.objective.additionalMetricNames[1]: duplicate metric name, got 'Loss/total_loss'; "
        "list it once",
    ),
    (
        "goal-finite",
        put("spec.objective", "goal", "nan"),
        "spec.objective.goal: must be a finite number, got 'nan'",
    ),
    # --- early stopping -------------------------------------------------------------
    (
        "early-stopping-medianstop-only",
        put("spec.earlyStopping", "algorithmName", "median"),
        "spec.earlyStopping.algorithmName: must be medianstop or asha (asha on the local "
        "engine only), got 'median'",
    ),
    (
        "early-stopping-unknown-setting",
        put("spec.earlyStopping.algorithmSettings.0", "name", "min_trials"),
        "spec.earlyStopping.algorithmSettings[0].name: unknown setting for medianstop, got "
        "'min_trials'; did you mean 'min_trials_required'?",
    ),
    (
        "early-stopping-setting-at-least-one",
        put("spec.earlyStopping.algorithmSettings.1", "value", "0"),
        "spec.earlyStopping.algorithmSettings[1].value: start_step must be an integer >= 1, got "
        "'0'",
    ),
    (
        "start-step-within-evals",
        put("spec.earlyStopping.algorithmSettings.1", "value", "4"),
        "spec.earlyStopping.algorithmSettings[1].value: start_step must be <= the 3 evaluations "
        "per trial "
        "(numTrainSteps / checkpointEveryNSteps, rounded up), or early stopping never acts, got 4; "
        "set start_step <= 3 or checkpoint more often",
    ),
    (
        "default-start-step-within-evals",
        drop("spec.earlyStopping", "algorithmSettings"),
        "spec.earlyStopping.algorithmSettings: start_step (default) must be <= the 3 "
        "evaluations per trial "
        "(numTrainSteps / checkpointEveryNSteps, rounded up), or early stopping never acts, got 4; "
        "set start_step <= 3 or checkpoint more often",
    ),
    (
        "min-trials-below-max-trials",
        put("spec.earlyStopping.algorithmSettings.0", "value", "8"),
        "spec.earlyStopping.algorithmSettings[0].value: min_trials_required must be < "
        "maxTrialCount (8), "
        "or no trial is left to stop, got 8; lower it or run more trials",
    ),
    # --- export ---------------------------------------------------------------------
    (
        "export-input-type",
        put("spec.export", "inputType", "image"),
        "spec.export.inputType: must be one of image_tensor, encoded_image_string_tensor, "
        "tf_example, float_image_tensor, got 'image'; "
        "did you mean 'image_tensor'?",
    ),
]


@pytest.mark.parametrize(("mutate", "message"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_rule(mutate: Mutator, message: str) -> None:
    doc = valid_doc()
    mutate(doc)
    with pytest.raises(InputError, match=exact_line(message)):
        parse(doc)


# "true\n": a trailing newline would end sh's command line after the value.
@pytest.mark.parametrize(
    "value", ["a b", "$(x)", "a;b", '"q"', "a|b", "`x`", "*", "a&&b", "x>y", "true\n"]
)
def test_categorical_values_must_be_shell_safe(value: str) -> None:
    doc = valid_doc()
    doc["spec"]["parameters"][1].update(
        parameterType="categorical", feasibleSpace={"list": ["adam", value]}
    )
    with pytest.raises(
        InputError,
        match=exact_line(
            f"spec.parameters[1].feasibleSpace.list[1]: {SAFE}, got {value!r}; rename the value"
        ),
    ):
        parse(doc)


def test_shell_safe_values_are_accepted() -> None:
    doc = valid_doc()
    values = ["adam", "gs://b/x.ckpt", "v1.2+build", "user@host:path", "a-b_c"]
    doc["spec"]["parameters"][1].update(parameterType="categorical", feasibleSpace={"list": values})
    assert parse(doc).parameters[1].values == tuple(values)


def test_every_problem_is_reported_at_once() -> None:
    doc = valid_doc()
    doc["apiVersion"] = "v1"
    doc["spec"]["maxTrialCount"] = 0
    doc["spec"]["parameters"][0]["feasibleSpace"]["min"] = 0
    doc["spec"]["parameters"][1]["feasibleSpace"]["list"] = [4, "a b"]
    doc["spec"]["objective"]["type"] = "up"
    doc["spec"]["cluster"]["memory"] = "16GB"
    doc["spec"]["algorithm"]["algorithmName"] = "pbt"
    messages = errors(doc)
    assert [m.split(":", 1)[0] for m in messages] == [
        "apiVersion",
        "spec.objective.type",
        "spec.algorithm.algorithmName",
        "spec.maxTrialCount",
        "spec.parameters[0].feasibleSpace.min",
        "spec.parameters[1].feasibleSpace.list[1]",
        "spec.cluster.memory",
    ]
    assert all("\n" not in m for m in messages)


def test_top_level_must_be_a_mapping() -> None:
    with pytest.raises(
        InputError, match=exact_line("/work/specs/search.yaml: must be a mapping, got None")
    ):
        parse(None)


def test_max_name_length_is_accepted() -> None:
    doc = valid_doc()
    doc["metadata"]["name"] = "a" * 39 + "1"
    assert parse(doc).name == "a" * 39 + "1"
