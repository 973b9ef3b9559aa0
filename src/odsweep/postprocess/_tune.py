"""Tune one trial's post-processing: evaluate each setting of the grid on its best
checkpoint (eval only), choose one, write the records, export the chosen setting.

``<out>/`` (``<output>/postprocess/`` for a sweep)::

    results.json               every setting: values, metrics, fits; the choice; the export
    results.md                 the same as a table
    settings/<name>/pipeline.config   the trial's config with that post_processing
    settings/<name>/eval/      its eval event files
    model/<version>/           the chosen setting's export (unless another base is given)

The trial folder is only read: its ``pipeline.config``, checkpoints and records stay
as they are, and no training step runs.
"""

from __future__ import annotations

import json
import logging
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from odsweep import __version__, odconfig, storage
from odsweep.errors import InputError
from odsweep.postprocess._choose import Candidate, NoSettingFits, choose, satisfies
from odsweep.postprocess._grid import (
    Knob,
    Setting,
    apply_setting,
    build_grid,
    current_values,
    family_of,
    field_path,
)
from odsweep.postprocess._table import markdown_table
from odsweep.results import (
    TRIAL_BEST_DIR,
    TRIAL_CONFIG_FILE,
    TRIAL_EVAL_DIR,
    Constraint,
    ObjectiveType,
    read_result,
)

logger = logging.getLogger(__name__)

RESULTS_FILE = "results.json"
TABLE_FILE = "results.md"
SETTINGS_DIR = "settings"
MODEL_DIR = "model"
F1_METRIC = "Postprocess/F1@0.5IOU"
LATENCY_METRIC = "Serving/latency_p50_ms"


@dataclass(frozen=True)
class TuneRequest:
    """What to tune and how to choose.

    Attributes:
        trial_dir: The trial whose best checkpoint is re-evaluated (only read).
        out_dir: Where the records and the export go.
        metric, direction: What picks the setting (among those meeting the constraints).
        grid: Values per knob; knobs not given take the default grid.
        constraints: Every one must hold for a setting to be chosen.
        eval_input, label_map: Replace the trial config's eval data (None: keep).
        input_type: The export's serving input.
        export_base: TF Serving base of the chosen export (None: ``<out_dir>/model``).
        export: False: evaluate and choose only.
        provenance: Extra facts for the export's provenance (spec name, ...).
        serving_cost: Export each setting and measure its serving cost (``Serving/*``
            metrics: latency p50/p90 at batch 1, size, parameters).
    """

    trial_dir: str
    out_dir: str
    metric: str
    direction: ObjectiveType
    grid: Mapping[Knob, tuple[float | int, ...]] = field(default_factory=dict)
    constraints: tuple[Constraint, ...] = ()
    eval_input: str | None = None
    label_map: str | None = None
    input_type: str = "image_tensor"
    export_base: str | None = None
    export: bool = True
    provenance: Mapping[str, Any] = field(default_factory=dict)
    serving_cost: bool = False


@dataclass(frozen=True)
class SettingResult:
    setting: Setting
    config_path: str
    metrics: Mapping[str, float]
    fits: bool
    cost: Mapping[str, Any] | None = None  # how the serving cost was measured


@dataclass(frozen=True)
class TuneResult:
    out_dir: str
    results_path: str
    table_path: str
    settings: tuple[SettingResult, ...]
    chosen: SettingResult
    export_path: str | None


def _best_checkpoint(trial_dir: str) -> tuple[str, int]:
    """The trial's best checkpoint, found in its own ``best/`` folder first: the path
    recorded in result.json is stale once the output folder was moved or copied."""
    result = read_result(trial_dir)
    if result.best is None:
        raise InputError(
            f"trial_dir: trial {result.trial!r} in {trial_dir!r} has no best checkpoint "
            f"(status {result.status.value}); tune a trial that has one"
        )
    name = result.best.checkpoint.rstrip("/").rsplit("/", 1)[-1]
    local = storage.join(trial_dir, TRIAL_BEST_DIR, name)
    if storage.exists(local + ".index"):
        return local, result.best.step
    return result.best.checkpoint, result.best.step


def plan(request: TuneRequest) -> tuple[Any, tuple[Setting, ...]]:
    """The trial's config (with the requested eval data) and the grid; checks only.

    Raises:
        InputError: A knob the family lacks, an unsupported family, bad data paths.
    """
    config = odconfig.load_pipeline_config(storage.join(request.trial_dir, TRIAL_CONFIG_FILE))
    if request.eval_input is not None or request.label_map is not None:
        odconfig.set_data_paths(config, eval_input=request.eval_input, label_map=request.label_map)
    return config, build_grid(config, request.grid)


def tune(request: TuneRequest) -> TuneResult:
    """Evaluate every setting, choose one, write the records and export it.

    With ``request.serving_cost`` each setting is exported (into its own folder, the
    winner's export path) and measured; else only the chosen one is exported.

    Raises:
        InputError: Bad request (see :func:`plan`), no best checkpoint.
        NoSettingFits: No setting meets the constraints (the records are written, with
            no choice and no export).
        ExportFailed: The chosen setting's export or its verification failed.
    """
    from odsweep.trial.posteval import evaluate_config

    config, grid = plan(request)
    checkpoint, step = _best_checkpoint(request.trial_dir)
    out = request.out_dir
    # The records of an earlier run go first: they would describe other settings.
    for stale in (RESULTS_FILE, TABLE_FILE):
        if storage.exists(storage.join(out, stale)):
            storage.remove(storage.join(out, stale))
    if storage.is_dir(storage.join(out, SETTINGS_DIR)):
        storage.remove_tree(storage.join(out, SETTINGS_DIR))

    evaluated: list[SettingResult] = []
    for setting in grid:
        folder = storage.join(out, SETTINGS_DIR, setting.name)
        tuned = apply_setting(config, setting)
        config_path = storage.join(folder, TRIAL_CONFIG_FILE)
        storage.makedirs(folder)
        odconfig.write_pipeline_config(tuned, config_path)
        logger.info("post-processing %s: %s", setting.name, setting.as_dict())
        metrics = dict(evaluate_config(tuned, checkpoint, storage.join(folder, TRIAL_EVAL_DIR)))
        cost = None
        if request.serving_cost:
            cost = _measure(request, config, checkpoint, setting, config_path, folder)
            metrics.update(cost.as_metrics())
        evaluated.append(
            SettingResult(
                setting,
                config_path,
                metrics,
                satisfies(_candidate(setting, metrics), request.constraints),
                None if cost is None else cost.to_dict(),
            )
        )

    candidates = [_candidate(r.setting, r.metrics) for r in evaluated]
    doc = _document(request, config, checkpoint, step, evaluated)
    try:
        picked = choose(
            candidates,
            request.metric,
            request.direction,
            request.constraints,
            tie_breaks=_tie_breaks(request.metric),
        )
    except NoSettingFits:
        _write_records(out, doc, evaluated, None, request)
        raise
    chosen = next(r for r in evaluated if r.setting.name == picked.name)
    doc["chosen"] = chosen.setting.name
    export_path = None
    if request.export:
        doc["export"] = _export_chosen(request, config, checkpoint, step, chosen)
        export_path = str(doc["export"]["path"])
    results_path, table_path = _write_records(out, doc, evaluated, chosen, request)
    return TuneResult(out, results_path, table_path, tuple(evaluated), chosen, export_path)


def _eval_input(request: TuneRequest, config: Any) -> str:
    return request.eval_input or str(
        config.eval_input_reader[0].tf_record_input_reader.input_path[0]
    )


def _measure(
    request: TuneRequest,
    config: Any,
    checkpoint: str,
    setting: Setting,
    config_path: str,
    folder: str,
) -> Any:
    """The setting's serving cost, measured on its own export (``ServingCost``)."""
    from odsweep.export import export_checkpoint
    from odsweep.serving import measure_saved_model

    eval_input = _eval_input(request, config)
    exported = export_checkpoint(
        pipeline_config=config_path,
        checkpoint=checkpoint,
        output_base=storage.join(folder, MODEL_DIR),
        input_type=request.input_type,
        provenance={"via": "tune-postprocess", "postprocess_setting": setting.as_dict()},
        warmup_input=eval_input,
    )
    return measure_saved_model(exported.path, eval_input=eval_input, input_type=request.input_type)


def _candidate(setting: Setting, metrics: Mapping[str, float]) -> Candidate:
    return Candidate(setting.name, dict(metrics))


def _tie_breaks(metric: str) -> tuple[tuple[str, ObjectiveType], ...]:
    """Equal values of the choosing metric: the better operating point, then the faster."""
    breaks = [(F1_METRIC, ObjectiveType.MAXIMIZE), (LATENCY_METRIC, ObjectiveType.MINIMIZE)]
    return tuple(b for b in breaks if b[0] != metric)


def _finite(metrics: Mapping[str, float]) -> dict[str, float | None]:
    """JSON has no NaN: a metric that is not finite is written as null."""
    return {k: (v if math.isfinite(v) else None) for k, v in sorted(metrics.items())}


def _document(
    request: TuneRequest,
    config: Any,
    checkpoint: str,
    step: int,
    evaluated: Sequence[SettingResult],
) -> dict[str, Any]:
    result = read_result(request.trial_dir)
    return {
        "trial": result.trial,
        "trial_dir": request.trial_dir,
        "checkpoint": checkpoint,
        "step": step,
        "family": family_of(config),
        "fields": {k.value: field_path(config, k) for k in current_values(config)},
        "trial_values": {k.value: v for k, v in current_values(config).items()},
        "chosen_by": {"metric": request.metric, "direction": request.direction.value},
        "tie_breaks": [name for name, _ in _tie_breaks(request.metric)],
        "constraints": [c.to_dict() for c in request.constraints],
        "serving_cost": (
            "measured on each setting's export" if request.serving_cost else "not measured"
        ),
        "settings": [
            {
                "name": r.setting.name,
                "values": r.setting.as_dict(),
                "config": r.config_path,
                "metrics": _finite(r.metrics),
                "fits": r.fits,
                "serving_cost": r.cost,
            }
            for r in evaluated
        ],
        "chosen": None,
        "export": None,
        "odsweep_version": __version__,
    }


def _export_chosen(
    request: TuneRequest, config: Any, checkpoint: str, step: int, chosen: SettingResult
) -> dict[str, Any]:
    """Publish and verify the chosen setting exactly as a sweep's winner is published."""
    from odsweep.export import export_checkpoint, verify_saved_model

    result = read_result(request.trial_dir)
    provenance: dict[str, Any] = {
        **request.provenance,
        "trial": result.trial,
        "trial_dir": request.trial_dir,
        "params": dict(result.params),
        "best_step": step,
        "via": "tune-postprocess",
        "postprocess": {
            "setting": chosen.setting.name,
            "values": chosen.setting.as_dict(),
            "trial_values": {k.value: v for k, v in current_values(config).items()},
            "trial_pipeline_config": storage.join(request.trial_dir, TRIAL_CONFIG_FILE),
            "chosen_by": request.metric,
            "constraints": [c.describe() for c in request.constraints],
            "metrics": _finite(chosen.metrics),
        },
    }
    exported = export_checkpoint(
        pipeline_config=chosen.config_path,
        checkpoint=checkpoint,
        output_base=request.export_base or storage.join(request.out_dir, MODEL_DIR),
        input_type=request.input_type,
        provenance=provenance,
        warmup_input=_eval_input(request, config),
    )
    eval_input = _eval_input(request, config)
    verified = verify_saved_model(
        exported.path, input_type=exported.input_type, eval_input=eval_input
    )
    return {
        "path": exported.path,
        "base": exported.base,
        "version": exported.version,
        "input_type": exported.input_type,
        "verified_images": verified.images,
        "num_detections": list(verified.num_detections),
    }


def _write_records(
    out: str,
    doc: Mapping[str, Any],
    evaluated: Sequence[SettingResult],
    chosen: SettingResult | None,
    request: TuneRequest,
) -> tuple[str, str]:
    """results.md, then results.json last: its presence means the run is complete."""
    table_path = storage.join(out, TABLE_FILE)
    results_path = storage.join(out, RESULTS_FILE)
    storage.write_text_atomic(
        table_path,
        markdown_table(
            evaluated=[(r.setting, r.metrics, r.fits) for r in evaluated],
            chosen=chosen.setting.name if chosen else None,
            metric=request.metric,
            constraints=request.constraints,
            trial=str(doc["trial"]),
            step=int(doc["step"]),
            export_path=str(doc["export"]["path"]) if doc.get("export") else None,
        ),
    )
    storage.write_text_atomic(results_path, json.dumps(doc, indent=2, allow_nan=False) + "\n")
    return results_path, table_path
