"""Katib-style parameter names (``num-layers``, ``a.b``) through the whole Katib path.

Rendered, accepted by a re-statement of Katib 0.19's trial-template checks, substituted
the way its trial controller does (a plain string replace in the template's JSON text),
joined and run by ``sh -c`` as its pod webhook does, and finally parsed by the real
``odsweep trial`` argument parser into config overrides: each name reaches its configPath.
"""

from __future__ import annotations

import json
import random
import re
import shlex
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from odsweep.backends.katib import TRIAL_NAME_PARAMETER, check_for_katib, render_experiment
from odsweep.backends.katib import _preflight as preflight
from odsweep.cli.main import build_parser, main
from odsweep.cli.trial_cmd import _options
from odsweep.errors import EXIT_BAD_INPUT, EXIT_OK, InputError
from odsweep.spec import SearchSpec
from tests.backends.katib.katib_fixtures import (
    MODEL_DIR,
    SPEC_URI,
    job_container,
    katib_shell_command,
    make_options,
    make_spec,
    spec_doc,
    substitute,
    trial_name,
)
from tests.backends.katib.test_cli import _write_spec as write_cli_spec

MOMENTUM_PATH = "train_config.optimizer.momentum_optimizer.momentum_optimizer_value"
# The fixture's four parameters renamed as Katib users write them, plus one name using
# every other character the rule allows.
RENAMED = {
    "learning_rate": "learning-rate",
    "num_layers": "num-layers",
    "batch_size": "batch-size",
    "optimizer_ema": "a.b",
}
ODD_NAME = "m:v/1@x+y_Z"
NAMES = [*RENAMED.values(), ODD_NAME]

# Katib 0.19 constants (pkg/controller.v1beta1/consts).
REPLACE_FORMAT = "${{trialParameters.{}}}"
LEFTOVER_RE = re.compile(r"\$\{trialParameters\..+?\}")
META_REFERENCE_RE = re.compile(r"\$\{trialSpec\.(.+?)\}")


def _doc() -> dict[str, Any]:
    doc = spec_doc()
    for param in doc["spec"]["parameters"]:
        param["name"] = RENAMED[param["name"]]
    doc["spec"]["parameters"].append(
        {
            "name": ODD_NAME,
            "configPath": MOMENTUM_PATH,
            "parameterType": "discrete",
            "feasibleSpace": {"list": [0.9, 0.99]},
        }
    )
    return doc


def _render(spec: SearchSpec | None = None, **flags: Any) -> dict[str, Any]:
    spec = spec or make_spec(_doc())
    return render_experiment(spec, options=make_options(spec, **flags))


def _go_json(value: object) -> str:
    """``value`` as Go's encoding/json writes it (HTML-safe escapes, raw UTF-8)."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    for char, escaped in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026")):
        text = text.replace(char, escaped)
    return text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")


def katib_trial_template_error(experiment: dict[str, Any]) -> str | None:
    """What Katib's experiment webhook says of the trialParameters (validateTrialTemplate)."""
    template = experiment["spec"]["trialTemplate"]
    text = _go_json(template["trialSpec"])
    parameter_names = {p["name"] for p in experiment["spec"]["parameters"]}
    names: set[str] = set()
    references: set[str] = set()
    for param in template["trialParameters"]:
        name, reference = param.get("name", ""), param.get("reference", "")
        if not name or not reference or "{" in name or "}" in name:
            return f"invalid trialParameters: {param}"
        if name in names or reference in references:
            return f"duplicated: {param}"
        names.add(name)
        references.add(reference)
        if reference not in parameter_names and not META_REFERENCE_RE.fullmatch(reference):
            return f"reference {reference} does not exist in spec.parameters"
        placeholder = REPLACE_FORMAT.format(name)
        if placeholder not in text:
            return f"parameter name: {name} not found in spec.trialTemplate"
        text = text.replace(placeholder, "test-value")
    leftover = LEFTOVER_RE.findall(text)
    return f"parameters: {leftover} not found in trialParameters" if leftover else None


def katib_trial_job(experiment: dict[str, Any], assignment: dict[str, str], trial: str) -> Any:
    """The trial's Job as Katib's controller makes it (GetRunSpecWithHyperParameters)."""
    template = experiment["spec"]["trialTemplate"]
    text = _go_json(template["trialSpec"])
    for param in template["trialParameters"]:
        meta = META_REFERENCE_RE.fullmatch(param["reference"])
        value = trial if meta and meta.group(1) == "Name" else assignment[param["reference"]]
        text = text.replace(REPLACE_FORMAT.format(param["name"]), value)
    return json.loads(text)


def test_the_rendered_parameters_keep_katib_names() -> None:
    spec = _render()["spec"]
    assert [p["name"] for p in spec["parameters"]] == NAMES
    assert [(p["name"], p["reference"]) for p in spec["trialTemplate"]["trialParameters"]] == [
        *((name, name) for name in NAMES),
        ("trialName", "${trialSpec.Name}"),
    ]


def test_the_trial_args_carry_each_name_literally() -> None:
    assert job_container(_render())["args"] == [
        "--spec", SPEC_URI,
        "--trial-dir", f"{MODEL_DIR}/trials/${{trialParameters.trialName}}",
        "--param", "learning-rate=${trialParameters.learning-rate}",
        "--param", "num-layers=${trialParameters.num-layers}",
        "--param", "batch-size=${trialParameters.batch-size}",
        "--param", "a.b=${trialParameters.a.b}",
        "--param", f"{ODD_NAME}=${{trialParameters.{ODD_NAME}}}",
    ]  # fmt: skip


def test_katib_webhook_accepts_the_trial_template() -> None:
    assert katib_trial_template_error(_render()) is None


def test_the_pre_flight_accepts_the_spec() -> None:
    spec = make_spec(_doc())
    check_for_katib(spec, make_options(spec))  # raises InputError on any problem


def test_the_pre_flight_sees_katib_placeholders_of_any_name() -> None:
    args = ["--param", "num-layers=${trialParameters.num-layers}", "a.b=${trialParameters.a.b}"]
    assert preflight.check_args_shell_safe(args) == []
    # What is left around a placeholder is still checked.
    assert preflight.check_args_shell_safe(["a b=${trialParameters.a-b}"]) == [
        "trial command: argument 'a b=${trialParameters.a-b}' contains ' ', which sh -c "
        "would interpret; use only letters, digits and . _ : / @ + = -"
    ]


def test_a_trailing_newline_in_the_model_dir_is_refused() -> None:
    # A newline ends sh's command line: the trial would run without its redirect.
    spec = make_spec(_doc())
    with pytest.raises(InputError) as info:
        check_for_katib(spec, make_options(spec, model_dir=MODEL_DIR + "\n"))
    assert info.value.messages == (
        "--model-dir: contains '\\n', which Katib's sh -c wrapper would interpret, got "
        f"{MODEL_DIR + chr(10)!r}; use only letters, digits and . _ : / @ + = - "
        "(rename or move it)",
    )


def test_the_webhook_restatement_can_refuse() -> None:
    # The check above would catch a trialParameter name Katib cannot substitute.
    experiment = _render()
    experiment["spec"]["trialTemplate"]["trialParameters"][0]["name"] = "a<b"
    assert katib_trial_template_error(experiment) == (
        "parameter name: a<b not found in spec.trialTemplate"
    )
    experiment["spec"]["trialTemplate"]["trialParameters"][0]["name"] = "{x}"
    error = katib_trial_template_error(experiment)
    assert error is not None and error.startswith("invalid trialParameters")


def _assignments() -> list[dict[str, str]]:
    """Every bound and listed value of each parameter, others at their first value."""
    spec = make_spec(_doc())
    choices = {
        "learning-rate": ["0.004", "0.1", "0.0123456789"],
        "num-layers": ["0", "2", "4"],
        "batch-size": ["4", "8", "16"],
        "a.b": ["true", "false"],
        ODD_NAME: ["0.9", "0.99"],
    }
    assert list(choices) == [p.name for p in spec.parameters]
    out = []
    for name, values in choices.items():
        for value in values:
            out.append({n: v[0] for n, v in choices.items()} | {name: value})
    return out


def _words_after_katib(experiment: dict[str, Any], assignment: dict[str, str]) -> list[str]:
    trial = trial_name(experiment["metadata"]["name"], random.Random(len(str(assignment))))
    job = katib_trial_job(experiment, assignment, trial)
    container = job["spec"]["template"]["spec"]["containers"][0]
    words = [*container["command"], *container["args"]]
    # The JSON-level replace and a per-word replace agree: names are whole placeholders.
    rendered = job_container(experiment)
    per_word = assignment | {TRIAL_NAME_PARAMETER: trial}
    assert words == [substitute(w, per_word) for w in [*rendered["command"], *rendered["args"]]]
    return words


def test_shlex_gives_back_the_argv() -> None:
    experiment = _render()
    for assignment in _assignments():
        words = _words_after_katib(experiment, assignment)
        assert shlex.split(" ".join(words)) == words
        line = katib_shell_command(words, metrics_file="/m/metrics.log", early_stopping=True)
        assert shlex.split(line)[: len(words)] == words


def _write_spec(tmp_path: Path) -> Path:
    path = tmp_path / "search.yaml"
    path.write_text(yaml.safe_dump(_doc(), sort_keys=False))
    return path


@pytest.mark.skipif(shutil.which("sh") is None, reason="needs sh")
def test_real_sh_hands_the_trial_its_argv_and_each_name_reaches_its_config_path(
    tmp_path: Path,
) -> None:
    spec_path = _write_spec(tmp_path)
    spec = make_spec(_doc())
    experiment = _render(spec, spec_uri=str(spec_path))
    metrics_file = tmp_path / "metrics.log"
    parser = build_parser()
    for assignment in _assignments():
        words = _words_after_katib(experiment, assignment)
        line = katib_shell_command(words, metrics_file=str(metrics_file), early_stopping=True)
        script = f'{words[0]}() {{ printf "%s\\n" "$@"; }}; {line}'
        proc = subprocess.run(["sh", "-c", script], capture_output=True, text=True, check=False)
        assert proc.returncode == 0, proc.stderr
        argv = metrics_file.read_text().splitlines()
        assert argv == words[1:]
        options = _options(parser.parse_args(argv))
        expected = {p.config_path: p.parse_value(assignment[p.name]) for p in spec.parameters}
        assert dict(options.overrides) == dict(spec.overrides) | expected
        assert dict(options.params) == {p.name: expected[p.config_path] for p in spec.parameters}


def test_katib_render_takes_a_katib_users_space(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # The space as Katib's examples write it, through the real CLI (validate + pre-flight).
    spec_path = write_cli_spec(tmp_path)
    doc = yaml.safe_load(spec_path.read_text())
    doc["spec"]["parameters"] = [
        dict(doc["spec"]["parameters"][0], name="learning-rate"),
        {
            "name": "num-layers",
            "configPath": "model.ssd.box_predictor.convolutional_box_predictor"
            ".num_layers_before_predictor",
            "parameterType": "int",
            "feasibleSpace": {"min": 0, "max": 2},
        },
        {
            "name": "batch-size",
            "configPath": "train_config.batch_size",
            "parameterType": "discrete",
            "feasibleSpace": {"list": [2, 4]},
        },
    ]
    spec_path.write_text(yaml.safe_dump(doc))
    code = main([
        "katib", "render", str(spec_path),
        "--image", "registry.example/odsweep:0.1",
        "--model-dir", "gs://bucket/cli-demo",
        "--spec-uri", "gs://bucket/cli-demo/spec.yaml",
    ])  # fmt: skip
    out, err = capsys.readouterr()
    assert code == EXIT_OK, err
    experiment = yaml.safe_load(out)
    assert [p["name"] for p in experiment["spec"]["parameters"]] == [
        "learning-rate",
        "num-layers",
        "batch-size",
    ]
    assert katib_trial_template_error(experiment) is None
    assert job_container(experiment)["args"][4:] == [
        "--param", "learning-rate=${trialParameters.learning-rate}",
        "--param", "num-layers=${trialParameters.num-layers}",
        "--param", "batch-size=${trialParameters.batch-size}",
    ]  # fmt: skip


def test_katib_render_refuses_a_reserved_name(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    spec_path = write_cli_spec(tmp_path)
    doc = yaml.safe_load(spec_path.read_text())
    doc["spec"]["parameters"][0]["name"] = "trialName"
    spec_path.write_text(yaml.safe_dump(doc))
    code = main(["katib", "render", str(spec_path), "--image", "i:1", "--model-dir", "gs://b/x"])
    out, err = capsys.readouterr()
    assert (code, out) == (EXIT_BAD_INPUT, "")
    assert err.splitlines() == [
        "odsweep katib: error: spec.parameters[0].name: is reserved by odsweep (the Katib "
        "trial template passes the trial's name under it; reserved names: trialName), got "
        "'trialName'; rename it, e.g. 'trial_name'"
    ]
