"""The pipeline's optional post-processing step (parameter ``tune_postprocess``).

After the winner is exported and verified, its best checkpoint is re-evaluated over a
grid of ``post_processing`` values (eval only) and the chosen setting is exported to
``<model_dir>/postprocess/model/`` (``odsweep tune-postprocess`` does the same).
"""

from __future__ import annotations

from dataclasses import dataclass

from odsweep import odconfig, storage
from odsweep.errors import InputError
from odsweep.pipeline._steps import load
from odsweep.spec import SearchSpec

PARAM = "tune_postprocess"


def check_grid(spec: SearchSpec, text: str) -> None:
    """Refuse a grid the parameter cannot mean for the spec's model, before any compute.

    Raises:
        InputError: The text does not parse, or names a knob the model family lacks
            (every line names the parameter).
    """
    from odsweep.postprocess import build_grid, parse_grid

    grid = parse_grid(text, key=PARAM)
    try:
        build_grid(odconfig.load_pipeline_config(spec.pipeline_config_path), grid)
    except InputError as exc:
        raise InputError([f"{PARAM}: {_knob_names(m)}" for m in exc.messages]) from None


def _knob_names(message: str) -> str:
    """The CLI's flags (``--iou-threshold``) said as the parameter's knob names."""
    from odsweep.postprocess import Knob

    for knob in Knob:
        message = message.replace(knob.flag, knob.value)
    return message


@dataclass(frozen=True)
class Tuned:
    """The chosen setting, the table of every setting, and the chosen export."""

    chosen: str
    table: str
    model_location: str


def tune(spec_path: str, *, model_dir: str, grid_text: str) -> Tuned:
    """Tune the winner's post-processing and export the chosen setting.

    Raises:
        InputError: Bad grid text.
        NoSettingFits: No setting meets the spec's constraints.
        ExportFailed: The chosen setting's export failed.
    """
    from odsweep.postprocess import parse_grid, tune_sweep

    load(spec_path)  # the snapshot must be readable, as in every step
    result = tune_sweep(model_dir, grid=parse_grid(grid_text, key=PARAM))
    return Tuned(
        chosen=result.chosen.setting.name,
        table=storage.read_text(result.table_path),
        model_location=result.export_path or "",
    )
