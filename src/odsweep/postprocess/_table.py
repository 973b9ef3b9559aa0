"""The post-processing results as a markdown table (one row per setting)."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

from odsweep.postprocess._grid import Knob, Setting
from odsweep.results import Constraint

# The columns after the knob values: the objective's usual companions, the operating
# point, the serving cost when measured.
_METRIC_COLUMNS = (
    ("mAP", "DetectionBoxes_Precision/mAP"),
    ("AR@100", "DetectionBoxes_Recall/AR@100"),
    ("F1@.5", "Postprocess/F1@0.5IOU"),
    ("P@.5", "Postprocess/precision@0.5IOU"),
    ("R@.5", "Postprocess/recall@0.5IOU"),
    ("det/img", "Postprocess/detections_per_image"),
    ("p50 ms", "Serving/latency_p50_ms"),
    ("p90 ms", "Serving/latency_p90_ms"),
)


def _number(value: float | int | None) -> str:
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "n/a"
    if isinstance(value, int):
        return str(value)
    return f"{value:.4g}"


def markdown_table(
    *,
    evaluated: Sequence[tuple[Setting, Mapping[str, float], bool]],
    chosen: str | None,
    metric: str,
    constraints: Sequence[Constraint],
    trial: str,
    step: int,
    export_path: str | None,
) -> str:
    knobs = [k for k in Knob if any(k in dict(s.values) for s, _, _ in evaluated)]
    columns = [(label, name) for label, name in _METRIC_COLUMNS if name != metric]
    columns.insert(0, (metric.rsplit("/", 1)[-1] + " (chooses)", metric))
    columns = [c for c in columns if any(c[1] in m for _, m, _ in evaluated)]
    lines = [
        f"# Post-processing of {trial} (step {step}), eval only",
        "",
        f"Chosen by `{metric}` among the settings that meet "
        + (", ".join(f"`{c.describe()}`" for c in constraints) if constraints else "no constraint")
        + "; equal values go to the higher F1@.5, then the lower latency.",
        "",
        "| setting | "
        + " | ".join(k.value for k in knobs)
        + " | "
        + " | ".join(label for label, _ in columns)
        + " | fits |",
        "|---" * (2 + len(knobs) + len(columns)) + "|",
    ]
    for setting, metrics, fits in evaluated:
        values = dict(setting.values)
        name = f"**{setting.name}** (chosen)" if setting.name == chosen else setting.name
        cells = [name]
        cells += [_number(values.get(k)) for k in knobs]
        cells += [_number(metrics.get(n)) for _, n in columns]
        cells.append("yes" if fits else "no")
        lines.append("| " + " | ".join(cells) + " |")
    lines.append("")
    if chosen is None:
        lines.append("No setting meets the constraints: nothing was exported.")
    elif export_path:
        lines.append(f"The chosen setting is exported at `{export_path}`.")
    else:
        lines.append("The chosen setting was not exported (--no-export).")
    return "\n".join(lines) + "\n"
