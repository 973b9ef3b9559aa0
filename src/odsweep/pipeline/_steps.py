"""What each pipeline step does, as plain functions: the KFP components only call these.

No kfp here, so every step runs and is tested without a pipeline. Steps hand each other
locations (``model_dir``, the spec snapshot, the exported model), never file contents:
on a cluster each step is another pod, and the files live in ``gs://``.
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from odsweep import __version__, storage
from odsweep.errors import InputError
from odsweep.pipeline import _katib_step
from odsweep.pipeline._credentials import use_secret_credentials
from odsweep.pipeline._params import resolve_dirs, resolve_spec
from odsweep.results import (
    TRIALS_DIR,
    Best,
    TrialResult,
    best_record,
    read_best,
    select_best,
    trial_results,
    write_best,
)
from odsweep.spec import SearchSpec, load_spec
from odsweep.sweep import (
    SearchFailed,
    default_storage,
    model_base,
    snapshot_spec,
    write_sweep_report,
)

logger = logging.getLogger(__name__)

BACKEND_KATIB = "katib"


def start_step() -> None:
    """Logging to stderr and storage credentials: what every step needs first."""
    if not logging.getLogger().handlers:
        logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    use_secret_credentials()


def load(spec_path: str) -> SearchSpec:
    """The spec snapshot the validate step wrote."""
    return load_spec(spec_path, read_text=lambda p: storage.read_text(p, key="spec_path"))


# -- validate ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Validated:
    """Where the resolved spec was written, and the eval_dir the run uses."""

    spec_path: str
    eval_dir: str


def validate(
    search_space: str, *, model_dir: str, eval_dir: str, backend: str, **spec_params: Any
) -> Validated:
    """Resolve the parameters, check everything checkable, snapshot the spec.

    The snapshot (``<model_dir>/spec.yaml``, absolute paths) is what the later steps
    and every trial read, so the whole run sees one spec.

    Raises:
        InputError: Every problem, one line each.
    """
    eval_dir = resolve_dirs(backend, model_dir, eval_dir)
    spec = resolve_spec(search_space, **spec_params)
    from odsweep.validation import check_spec

    check_spec(spec)
    if backend == BACKEND_KATIB:
        _katib_step.check(spec, model_dir)
    return Validated(snapshot_spec(spec, model_dir), eval_dir)


# -- search -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Searched:
    """The winner of the search.

    Attributes:
        best_trial: The winning trial's name (its folder under ``<model_dir>/trials``).
        best_params: Its parameter values.
        best_metric: Its best objective value (over its checkpoints).
        experiment_url: The Katib UI page of the Experiment, "" for the optuna backend.
    """

    best_trial: str
    best_params: Mapping[str, Any]
    best_metric: float
    experiment_url: str


def search(
    spec_path: str,
    *,
    backend: str,
    model_dir: str,
    kubeflow_url: str = "",
    poll_seconds: float = 1.0,
) -> Searched:
    """Run the trials, pick the winner and write ``<model_dir>/best.json``.

    Raises:
        SearchFailed: The search failed or no trial has a best checkpoint (a report of
            the trials is written to ``model_dir`` first).
        InputError: Katib: no cluster configuration, not allowed, or another search
            under the same Experiment name.
    """
    spec = load(spec_path)
    url = ""
    if backend == BACKEND_KATIB:
        found = _katib_step.run_katib_search(spec, model_dir=model_dir)
        experiment = found.experiment
        url = _katib_step.katib_ui_url(kubeflow_url, experiment.namespace, experiment.name)
        succeeded, message = bool(found.succeeded), str(found.message)
        results: list[TrialResult] = list(found.results)
        winner: TrialResult | None = found.winner
        look = f"kubectl -n {experiment.namespace} describe experiment {experiment.name}"
    else:
        succeeded, message = _search_optuna(spec, spec_path, model_dir, poll_seconds)
        results = trial_results(model_dir)
        winner = select_best(results, spec.objective.type)
        look = f"the trial logs in {storage.join(model_dir, TRIALS_DIR)}"
    if not succeeded or winner is None:
        why = message if not succeeded else "no trial has a best checkpoint"
        html = write_sweep_report(spec, model_dir, results, None, None, notes=[message])
        raise SearchFailed(f"search {spec.name!r} failed: {why}; see {html} and {look}")
    best = _keep_export(best_record(winner), model_dir)
    write_best(model_dir, best)
    logger.info("%s; best trial %s: %s = %s", message, best.trial, best.metric, best.value)
    return Searched(best.trial, dict(best.params), best.value, url)


def _search_optuna(
    spec: SearchSpec, spec_path: str, model_dir: str, poll_seconds: float
) -> tuple[bool, str]:
    from odsweep.backends.optuna import LocalEngine

    if storage.is_remote(model_dir):
        # SQLite cannot live in a bucket, and the pod's disk goes with the pod: a new
        # study would name its trials as an earlier run's and wipe their folders.
        trials = storage.list_dir(storage.join(model_dir, TRIALS_DIR))
        if trials:
            raise InputError(
                f"model_dir: {model_dir} already holds {len(trials)} trial(s) of an earlier "
                "run, and backend=optuna keeps its study in the step's pod, which is gone; "
                "give a new model_dir"
            )
        study = "sqlite:///" + os.path.join(tempfile.mkdtemp(prefix="odsweep-study-"), "study.db")
    else:
        study = default_storage(model_dir)
    engine = LocalEngine(
        spec,
        spec_path=spec_path if storage.is_remote(spec_path) else os.path.abspath(spec_path),
        output_dir=model_dir,
        storage_url=study,
        show_progress=False,
        poll_seconds=poll_seconds,
    )
    outcome = engine.run()
    return outcome.succeeded, outcome.message


def _keep_export(best: Best, model_dir: str) -> Best:
    """The same winner as a previous run keeps its export record (the export is reused)."""
    try:
        previous = read_best(model_dir)
    except InputError:
        return best
    if previous.trial == best.trial and previous.step == best.step and previous.export:
        return replace(best, export=previous.export)
    return best


# -- export -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Exported:
    """Where the winner's SavedModel was published (TF Serving layout ``<base>/<version>``)."""

    base: str
    version: int
    path: str
    input_type: str
    trial: str
    step: int


def export(spec_path: str, *, model_dir: str, best_trial: str) -> Exported:
    """Export the winner's best checkpoint, or reuse the export of the same checkpoint.

    Raises:
        InputError: ``best.json`` names another trial than ``best_trial``.
        ExportFailed: The exporter failed.
    """
    from odsweep.export import export_trial

    spec = load(spec_path)
    best = read_best(model_dir)
    if best.trial != best_trial:
        raise InputError(
            f"best_trial: {model_dir}/best.json names {best.trial!r}, got {best_trial!r}; "
            "another run wrote to the same model_dir"
        )
    done = best.export
    if done and storage.exists(storage.join(str(done["path"]), "saved_model.pb")):
        logger.info("the winner %s is already exported at %s", best.trial, done["path"])
        return _exported(best)
    exported = export_trial(
        storage.join(model_dir, TRIALS_DIR, best.trial),
        model_base(spec, model_dir),
        input_type=spec.export.input_type.value,
        provenance={"spec": spec.name, "odsweep_version": __version__, "via": "kfp pipeline"},
    )
    record = {
        "path": exported.path,
        "base": exported.base,
        "version": exported.version,
        "input_type": exported.input_type,
    }
    best = replace(best, export=record)
    write_best(model_dir, best)
    return _exported(best)


def _exported(best: Best) -> Exported:
    e = best.export
    return Exported(
        base=str(e["base"]),
        version=int(e["version"]),
        path=str(e["path"]),
        input_type=str(e["input_type"]),
        trial=best.trial,
        step=best.step,
    )


# -- verify -----------------------------------------------------------------------------


def verify(spec_path: str, *, model_dir: str, model_path: str) -> dict[str, float]:
    """Load the export with plain TensorFlow, run eval images, record it in best.json.

    Returns:
        The metrics for the KFP ``Metrics`` artifact: the winner's best objective value,
        the images run, the mean and max ``num_detections``, the max score, the seconds.

    Raises:
        ExportFailed: The model does not load or run, or lacks a detection output.
    """
    from odsweep.export import verify_saved_model

    spec = load(spec_path)
    best = read_best(model_dir)
    input_type = str(best.export.get("input_type", spec.export.input_type.value))
    trial_dir = storage.join(model_dir, TRIALS_DIR, best.trial)
    eval_input = spec.eval_input_path or _config_eval_input(trial_dir)
    result = verify_saved_model(model_path, input_type=input_type, eval_input=eval_input)
    detections = list(result.num_detections)
    export_record = {
        **best.export,
        "verified_images": result.images,
        "num_detections": detections,
    }
    write_best(model_dir, replace(best, export=export_record))
    return {
        "best_metric": float(best.value),
        "verified_images": float(result.images),
        "num_detections_mean": sum(detections) / len(detections),
        "num_detections_max": float(max(detections)),
        "max_score": float(result.max_score),
        "verify_seconds": round(float(result.seconds), 3),
    }


def _config_eval_input(trial_dir: str) -> str:
    from odsweep import odconfig

    config = odconfig.load_pipeline_config(storage.join(trial_dir, "pipeline.config"))
    return str(config.eval_input_reader[0].tf_record_input_reader.input_path[0])


def best_params_json(params: Mapping[str, Any]) -> str:
    """The winner's parameters as the step's JSON output (keys sorted: stable text)."""
    return json.dumps(dict(params), sort_keys=True)
