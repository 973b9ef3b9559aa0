"""``odsweep run`` end to end on one machine: validate, search, select, export, report.

The output directory holds ``spec.yaml`` (the search as run, which every trial
loads), ``trials/<name>/``, ``study.db`` (unless ``--storage`` says otherwise),
``best.json``, ``report.md``/``report.html`` and the export (``model/<version>/``
unless the spec's ``export.outputDirectory`` says otherwise).

The output may be ``gs://bucket/path``. The study cannot live there (SQLite needs a
file system with locks), so it goes to :func:`local_state_dir`, with the running
trials' logs; ``--storage`` (e.g. PostgreSQL) puts it elsewhere.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

import yaml

from odsweep import __version__, storage
from odsweep.errors import InputError, OdsweepError
from odsweep.report import build_report, write_report
from odsweep.secrets import mask_url
from odsweep.selection import Best, best_record, read_best, select_best, write_best
from odsweep.spec import Distribution, ParameterType, SearchSpec, load_spec, spec_to_dict
from odsweep.trial.result import RESULT_FILE, TrialResult, read_result

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
    study: str = ""


def default_output(spec: SearchSpec) -> str:
    return os.path.join("runs", spec.name)


def local_state_dir(output_dir: str) -> str:
    """Where a sweep's study and running trials' logs live on this machine.

    A local output holds them itself. For ``gs://bucket/path`` it is
    ``./runs/gs/bucket/path``: one folder per output, so two sweeps never share a
    study; beside the local runs, where a user sees it (a cache dir would hide the
    state a resume depends on); and kept across reboots (a temp dir is not: a lost
    study would start over and re-run trials into the bucket's trial folders).
    Resuming means running the same command from the same directory, or passing
    the study with ``--storage``.
    """
    if not storage.is_remote(output_dir):
        return output_dir
    return os.path.join("runs", "gs", *output_dir[len("gs://") :].strip("/").split("/"))


def default_storage(output_dir: str) -> str:
    """The default Optuna storage: a SQLite file in :func:`local_state_dir`."""
    return "sqlite:///" + os.path.abspath(os.path.join(local_state_dir(output_dir), STUDY_FILE))


def _check_study_not_lost(output_dir: str, url: str) -> None:
    """Refuse to start a new default study over trials an earlier study ran.

    The new study would name its trials as the old one did and wipe their folders.
    """
    db = url[len("sqlite:///") :]
    if os.path.exists(db):
        return
    trials = storage.list_dir(storage.join(output_dir, TRIALS_DIR))
    if trials:
        raise InputError(
            f"--storage: {output_dir} already holds {len(trials)} trial(s) but there is no "
            f"study at {db}; run from the directory the sweep was started in, give its study "
            "with --storage, or choose a new --output"
        )


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
    root = storage.join(output_dir, TRIALS_DIR)
    names = [
        n for n in storage.list_dir(root) if storage.exists(storage.join(root, n, RESULT_FILE))
    ]

    def number(name: str) -> tuple[int, str]:
        tail = name.rsplit("-", 1)[-1]
        return (int(tail) if tail.isdigit() else 1 << 30, name)

    return [read_result(storage.join(root, n)) for n in sorted(names, key=number)]


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
    state_dir = os.path.abspath(local_state_dir(output_dir))
    url = storage_url or default_storage(output_dir)
    if storage_url is None:
        _check_study_not_lost(output_dir, url)
    storage.makedirs(output_dir)
    os.makedirs(state_dir, exist_ok=True)
    snapshot = snapshot_spec(spec, output_dir)
    logger.info("sweep %s: output %s", spec.name, output_dir)
    logger.info("study: %s (resume: the same command again, from %s)", mask_url(url), os.getcwd())
    engine = LocalEngine(
        spec,
        spec_path=snapshot if storage.is_remote(snapshot) else os.path.abspath(snapshot),
        output_dir=output_dir,
        storage_url=url,
        show_progress=show_progress,
        argv_prefix=list(argv_prefix) if argv_prefix else None,
        poll_seconds=poll_seconds,
        log_dir=storage.join(state_dir, TRIALS_DIR) if storage.is_remote(output_dir) else None,
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
    return SweepResult(output_dir, best, export_path, html, outcome.message, study=mask_url(url))


def run_katib_sweep(
    spec_path: str,
    *,
    output_dir: str,
    namespace: str | None = None,
    image: str | None = None,
    spec_uri: str | None = None,
    timeout_seconds: float | None = None,
    show_progress: bool = True,
    delete_experiment: bool = False,
    backend: Any = None,
) -> SweepResult:
    """The same sweep on Katib: launch or resume the Experiment, follow it, then select,
    export and report exactly as the local engine does (same winner rule, same files).

    ``output_dir`` is the sweep's root that the trial pods write to (``gs://...``); the
    spec is snapshotted there and the pods read it (unless ``spec_uri`` says otherwise).

    Raises:
        InputError: a bad spec or cluster setting (nothing launched).
        SearchFailed: the Experiment failed or has no winner.
    """
    from odsweep.backends.katib import KatibOptions, check_for_katib, run_search
    from odsweep.validation import check_spec

    spec = load_spec(spec_path)
    check_spec(spec)
    options = KatibOptions.from_spec(
        spec,
        image=image,
        namespace=namespace,
        model_dir=output_dir,
        spec_uri=spec_uri or storage.join(output_dir, SPEC_SNAPSHOT),
    )
    # Everything Katib would refuse, before a cluster is contacted or a file written.
    check_for_katib(spec, options)
    storage.makedirs(output_dir)
    snapshot_spec(spec, output_dir)
    search = run_search(
        spec,
        options,
        backend=backend,
        timeout_seconds=timeout_seconds,
        show_progress=show_progress,
        delete_when_done=delete_experiment,
    )
    where = f"Katib Experiment {search.experiment.namespace}/{search.experiment.name}"
    results = list(search.results)
    if not search.succeeded or search.winner is None:
        html = write_sweep_report(spec, output_dir, results, None, None, notes=[search.message])
        raise SearchFailed(
            f"search {spec.name!r} failed: {search.message}; see {html} and "
            f"kubectl -n {search.experiment.namespace} describe experiment {search.experiment.name}"
        )
    best = _export_winner(spec, output_dir, search.winner)
    export_path = str(best.export.get("path")) if best.export else None
    html = write_sweep_report(spec, output_dir, results, best, export_path, notes=[search.message])
    return SweepResult(output_dir, best, export_path, html, search.message, study=where)


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
        and storage.exists(storage.join(str(previous.export.get("path")), "saved_model.pb"))
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
