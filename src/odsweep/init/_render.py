"""The search-space YAML as text, comments included (PyYAML's dumper drops comments).

Only a few value forms are written: numbers (floats always with a dot, since YAML 1.1
reads ``1e-08`` as a string), JSON-quoted strings (valid YAML double-quoted scalars),
empty lists and booleans. The tests parse the output back with the spec loader.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass

from odsweep.init._collect import Knob

INDENT = "  "


@dataclass(frozen=True)
class Override:
    """One ``spec.overrides`` entry and the comment above it."""

    path: str
    value: object
    why: str


@dataclass(frozen=True)
class Layout:
    """Everything the YAML says, already decided."""

    name: str
    header: tuple[str, ...]
    pipeline_config: str
    train_input: str | None
    eval_input: str | None
    label_map: str | None
    num_train_steps: int
    steps_why: str
    checkpoint_every: int
    overrides: tuple[Override, ...]
    objective_type: str
    objective_metric: str
    additional_metrics: tuple[str, ...]
    startup_trials: int
    max_trials: int
    knobs: tuple[Knob, ...]
    skipped: tuple[str, ...]


def number(value: float | int) -> str:
    """A YAML number that PyYAML reads back as the same int or float."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    text = repr(float(value))
    if "e" in text:
        mantissa, exponent = text.split("e")
        if "." not in mantissa:
            mantissa += ".0"
        return f"{mantissa}e{exponent}"
    return text


def scalar(value: object) -> str:
    if isinstance(value, bool | int | float):
        return number(value)
    if isinstance(value, list | tuple):
        return "[" + ", ".join(scalar(v) for v in value) + "]"
    return json.dumps(str(value))


def _key(text: str) -> str:
    # Paths with "[0]" stay plain YAML in block context, but quoting costs nothing.
    return json.dumps(text) if "[" in text else text


def _comment(lines: list[str], depth: int, text: str, width: int = 92) -> None:
    pad = INDENT * depth + "# "
    words = text.split()
    line = ""
    for word in words:
        if line and len(pad) + len(line) + 1 + len(word) > width:
            lines.append(pad + line)
            line = word
        else:
            line = f"{line} {word}" if line else word
    if line:
        lines.append(pad + line)


def render(layout: Layout) -> str:
    lines: list[str] = [f"# {h}" if h else "#" for h in layout.header]
    lines += [
        "apiVersion: odsweep/v1alpha1",
        "kind: SearchSpace",
        "metadata:",
        f"  name: {layout.name}",
        "spec:",
        f"  pipelineConfigPath: {scalar(layout.pipeline_config)}",
    ]
    data = (
        ("trainInputPath", layout.train_input, "train-*.tfrecord", "--train-input"),
        ("evalInputPath", layout.eval_input, "eval-*.tfrecord", "--eval-input"),
        ("labelMapPath", layout.label_map, "label_map.pbtxt", "--label-map"),
    )
    for key, value, example, flag in data:
        if value is None:
            lines.append(f"  # {key}: DATA/{example}   # not given ({flag}): set it")
        else:
            lines.append(f"  {key}: {scalar(value)}")
    _comment(lines, 1, layout.steps_why)
    lines.append(f"  numTrainSteps: {layout.num_train_steps}")
    _comment(
        lines,
        1,
        "An eval (and a checkpoint) at each fifth of the run: early stopping "
        "compares trials at these steps.",
    )
    lines.append(f"  checkpointEveryNSteps: {layout.checkpoint_every}")
    if layout.overrides:
        lines.append("  # Fixed for every trial: {config path: value}.")
        lines.append("  overrides:")
        for override in layout.overrides:
            _comment(lines, 2, override.why)
            lines.append(f"    {_key(override.path)}: {scalar(override.value)}")
    lines += [
        "  objective:",
        f"    type: {layout.objective_type}",
        f"    objectiveMetricName: {layout.objective_metric}",
    ]
    if layout.additional_metrics:
        lines.append(f"    additionalMetricNames: [{', '.join(layout.additional_metrics)}]")
    _comment(
        lines,
        1,
        "Multivariate TPE models the parameters jointly (learning rate and batch "
        "size interact); the first trials are random to seed it.",
    )
    lines += [
        "  algorithm:",
        "    algorithmName: multivariate-tpe",
        "    algorithmSettings:",
        f'      - {{name: n_startup_trials, value: "{layout.startup_trials}"}}',
        "  # Stops a trial whose objective is below the median of the others at the same step.",
        "  earlyStopping:",
        "    algorithmName: medianstop",
        "    algorithmSettings:",
        '      - {name: min_trials_required, value: "3"}',
        '      - {name: start_step, value: "2"}',
        "  parallelTrialCount: 2",
        "  # About five trials per parameter: enough for TPE to find the good region.",
        f"  maxTrialCount: {layout.max_trials}",
        "  maxFailedTrialCount: 5",
        "  parameters:",
    ]
    for knob in layout.knobs:
        _comment(lines, 2, knob.why)
        lines += _parameter(knob)
    if layout.skipped:
        lines.append("    # Seen in the config and not searched:")
        for note in layout.skipped:
            _comment(lines, 2, f"- {note}")
    lines += [
        "  # The winner is exported as a TF Serving SavedModel taking uint8 image tensors.",
        "  export:",
        "    inputType: image_tensor",
        "  # On Kubeflow (odsweep run --backend katib), the trial pods; flags override it.",
        "  # cluster:",
        "  #   image: REGISTRY/odsweep:TAG",
        "  #   namespace: kubeflow-user",
        "  #   gpusPerTrial: 1",
        '  #   cpu: "4"',
        "  #   memory: 16Gi",
    ]
    return "\n".join(lines) + "\n"


def _parameter(knob: Knob) -> Sequence[str]:
    lines = [
        f"    - name: {knob.name}",
        f"      configPath: {_key(knob.config_path)}",
        f"      parameterType: {knob.parameter_type}",
    ]
    if knob.values:
        space = "list: [" + ", ".join(str(v) for v in knob.values) + "]"
    else:
        assert knob.low is not None and knob.high is not None
        space = f"min: {number(knob.low)}, max: {number(knob.high)}"
        if knob.log:
            space += ", distribution: logUniform"
    lines.append(f"      feasibleSpace: {{{space}}}")
    return lines
