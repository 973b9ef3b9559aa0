"""``odsweep run`` end to end on one machine: validate, search, select, export, report.

The output directory holds ``spec.yaml`` (the search as run, which every trial
loads), ``trials/<name>/``, ``study.db`` (unless ``--storage`` says otherwise),
``best.json``, ``report.md``/``report.html`` and the export (``model/<version>/``
unless the spec's ``export.outputDirectory`` says otherwise).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import yaml

from odsweep import __version__, storage
from odsweep.errors import InputError, OdsweepError
from odsweep.report import build_report, write_report
from odsweep.selection import Best, best_record, read_best, select_best, write_best
from odsweep.spec import Distribution, ParameterType, SearchSpec, load_spec, spec_to_dict
from odsweep.trial.result import TrialResult, read_result

logger = logging.getLogger(__name__)

SPEC_SNAPSHOT = "spec.yaml"
STUDY_FILE = "study.db"
TRIALS_DIR = "trials"


class SearchFailed(OdsweepError):
    """The search ended without a usable winner (failure budget spent, no best checkpoint)."""


@dataclass(frozen=True)
class SweepResult:
    output_dir: str
    best: Best | None
    export_path: str | None
    report_html: str
    message: str


def default_output(spec: SearchSpec) -> str:
    return os.path.join("runs", spec.name)


def default_storage(output_dir: str) -> str:
    return "sqlite:///" + os.path.abspath(os.path.join(output_dir, STUDY_FILE))


def snapshot_spec(spec: SearchSpec, output_dir: str) -> str:
    """Write the spec as run (absolute paths) for the trials and later commands."""
    path = storage.join(output_dir, SPEC_SNAPSHOT)
    storage.write_text_atomic(path, yaml.safe_dump(spec_to_dict(spec), sort_keys=False))
    return path


def model_base(spec: SearchSpec, output_dir: str) -> str:
    return spec.export.output_directory or storage.join(output_dir, "model")


def param_scales(spec: SearchSpec) -> dict[str, str]:
    scales = {}
    for p in spec.parameters:
        if p.type is ParameterType.CATEGORICAL:
            scales[p.name] = "categorical"
        elif p.distribution is Distribution.LOG_UNIFORM:
            scales[p.name] = "log"
        else:
            scales[p.name] = "linear"
    return scales


def trial_results(output_dir: str) -> list[TrialResult]:
    """Every trial's result.json under ``<output>/trials``, in trial-number order."""
    root = Path(output_dir, TRIALS_DIR)
    dirs = [d for d in root.iterdir() if (d / "result.json").exists()] if root.is_dir() else []

    def number(d: Path) -> tuple[int, str]:
        tail = d.name.rsplit("-", 1)[-1]
        return (int(tail) if tail.isdigit() else 1 << 30, d.name)

    return [read_result(str(d)) for d in sorted(dirs, key=number)]


def run_sweep(
    spec_path: str,
    *,
    output_dir: str | None = None,
    storage_url: str | None = None,
    show_progress: bool = True,
    argv_prefix: Sequence[str] | None = None,
    poll_seconds: float = 1.0,
) -> SweepResult:
    """Validate, search, select, export and verify, report.

    Raises:
        InputError: a bad spec (nothing run).
        SearchFailed: the search failed, or no trial has a best checkpoint.
        ExportFailed: the winner's export or its verification failed.
    """
    from odsweep.backends.optuna import LocalEngine
    from odsweep.validation import check_spec

    spec = load_spec(spec_path)
    check_spec(spec)
    output_dir = output_dir or default_output(spec)
    Path(output_dir).mkdir(parents=True, exist_ok=True)
    snapshot = snapshot_spec(spec, output_dir)
    url = storage_url or default_storage(output_dir)
    logger.info("sweep %s: output %s, study %s", spec.name, output_dir, url)
    engine = LocalEngine(
        spec,
        spec_path=os.path.abspath(snapshot),
        output_dir=output_dir,
        storage_url=url,
        show_progress=show_progress,
        argv_prefix=list(argv_prefix) if argv_prefix else None,
        poll_seconds=poll_seconds,
    )
    outcome = engine.run()
    results = list(outcome.results)
    winner = select_best(results, spec.objective.type)
    if not outcome.succeeded or winner is None:
        html = write_sweep_report(spec, output_dir, results, None, None, notes=[outcome.message])
        why = outcome.message if not outcome.succeeded else "no trial has a best checkpoint"
        raise SearchFailed(f"search {spec.name!r} failed: {why}; see {html} and the trial logs")
    best = _export_winner(spec, output_dir, winner)
    export_path = str(best.export.get("path")) if best.export else None
    html = write_sweep_report(spec, output_dir, results, best, export_path, notes=[outcome.message])
    return SweepResult(output_dir, best, export_path, html, outcome.message)


def _export_winner(spec: SearchSpec, output_dir: str, winner: TrialResult) -> Best:
    """Export and verify the winner once; a resumed sweep with the same winner reuses it."""
    from odsweep.export import export_trial, verify_saved_model

    best = best_record(winner)
    try:
        previous = read_best(output_dir)
    except InputError:
        previous = None
    if (
        previous is not None
        and previous.trial == best.trial
        and previous.step == best.step
        and previous.export
        and Path(str(previous.export.get("path")), "saved_model.pb").exists()
    ):
        logger.info("the winner %s is already exported at %s", best.trial, previous.export["path"])
        return previous
    write_best(output_dir, best)
    trial_dir = storage.join(output_dir, TRIALS_DIR, winner.trial)
    exported = export_trial(
        trial_dir,
        model_base(spec, output_dir),
        input_type=spec.export.input_type.value,
        provenance={"spec": spec.name, "odsweep_version": __version__},
    )
    eval_input = spec.eval_input_path or _config_eval_input(trial_dir)
    verified = verify_saved_model(
        exported.path, input_type=exported.input_type, eval_input=eval_input
    )
    logger.info(
        "exported %s to %s; verified on %d images (max score %.3f)",
        best.trial,
        exported.path,
        verified.images,
        verified.max_score,
    )
    export: dict[str, Any] = {
        "path": exported.path,
        "base": exported.base,
        "version": exported.version,
        "input_type": exported.input_type,
        "verified_images": verified.images,
        "num_detections": list(verified.num_detections),
    }
    best = replace(best, export=export)
    write_best(output_dir, best)
    return best


def _config_eval_input(trial_dir: str) -> str:
    from odsweep import odconfig

    config = odconfig.load_pipeline_config(storage.join(trial_dir, "pipeline.config"))
    return str(config.eval_input_reader[0].tf_record_input_reader.input_path[0])


def write_sweep_report(
    spec: SearchSpec,
    output_dir: str,
    results: list[TrialResult],
    best: Best | None,
    export_path: str | None,
    *,
    notes: Sequence[str] = (),
) -> str:
    """Write report.md/report.html for a sweep; returns the HTML file's path."""
    report = build_report(
        title=f"odsweep: {spec.name}",
        results=results,
        metric=spec.objective.metric,
        direction=spec.objective.type,
        param_scales=param_scales(spec),
        best_trial=best.trial if best else None,
        links={
            "TensorBoard": f"tensorboard --logdir {storage.join(output_dir, TRIALS_DIR)}",
            "optuna-dashboard": f"odsweep dashboard {output_dir}",
        },
        export_location=export_path,
        notes=notes,
    )
    _, html = write_report(report, output_dir)
    return html
