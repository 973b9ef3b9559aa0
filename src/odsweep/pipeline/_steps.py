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
from dataclasses import dataclass
from typing import Any

from odsweep import storage
from odsweep.errors import InputError
from odsweep.pipeline import _katib_step
from odsweep.pipeline._credentials import use_secret_credentials
from odsweep.pipeline._params import resolve_dirs, resolve_spec
from odsweep.results import STUDY_FILE, SearchOutcome, read_best
from odsweep.spec import SearchSpec, load_spec
from odsweep.sweep import (
    TRIALS_DIR,
    default_storage,
    export_winner,
    fail_search,
    run_local_search,
    select_winner,
    snapshot_spec,
    verify_winner,
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
    search_space: str,
    *,
    model_dir: str,
    eval_dir: str,
    backend: str,
    tune_postprocess: str = "",
    **spec_params: Any,
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
    if tune_postprocess:
        from odsweep.pipeline._postprocess_step import check_grid

        check_grid(spec, tune_postprocess)
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
        engine = _katib_step.katib_engine(spec, model_dir=model_dir)
        outcome = engine.run()
        experiment = engine.experiment
        assert experiment is not None  # run() sets it
        url = _katib_step.katib_ui_url(kubeflow_url, experiment.namespace, experiment.name)
    else:
        outcome = _search_optuna(spec, spec_path, model_dir, poll_seconds)
    best = select_winner(spec, model_dir, outcome.results) if outcome.succeeded else None
    if best is None:
        fail_search(spec, model_dir, outcome, links=None)
    logger.info("%s; best trial %s: %s = %s", outcome.message, best.trial, best.metric, best.value)
    return Searched(best.trial, dict(best.params), best.value, url)


def _search_optuna(
    spec: SearchSpec, spec_path: str, model_dir: str, poll_seconds: float
) -> SearchOutcome:
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
        study = "sqlite:///" + os.path.join(tempfile.mkdtemp(prefix="odsweep-study-"), STUDY_FILE)
    else:
        study = default_storage(model_dir)
    return run_local_search(
        spec,
        spec_path=spec_path,
        output_dir=model_dir,
        storage_url=study,
        show_progress=False,
        poll_seconds=poll_seconds,
    )


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
    spec = load(spec_path)
    best = read_best(model_dir)
    if best.trial != best_trial:
        raise InputError(
            f"best_trial: {model_dir}/best.json names {best.trial!r}, got {best_trial!r}; "
            "another run wrote to the same model_dir"
        )
    best = export_winner(spec, model_dir, best, via="kfp pipeline")
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
        InputError: ``best.json``'s export is not ``model_path``.
        ExportFailed: The model does not load or run, or lacks a detection output.
    """
    spec = load(spec_path)
    best = read_best(model_dir)
    if str(best.export.get("path")) != model_path:
        raise InputError(
            f"model_path: {model_dir}/best.json's export is {best.export.get('path')!r}, "
            f"got {model_path!r}; another run wrote to the same model_dir"
        )
    best, result = verify_winner(spec, model_dir, best)
    detections = list(result.num_detections)
    return {
        "best_metric": float(best.value),
        "verified_images": float(result.images),
        "num_detections_mean": sum(detections) / len(detections),
        "num_detections_max": float(max(detections)),
        "max_score": float(result.max_score),
        "verify_seconds": round(float(result.seconds), 3),
    }


def best_params_json(params: Mapping[str, Any]) -> str:
    """The winner's parameters as the step's JSON output (keys sorted: stable text)."""
    return json.dumps(dict(params), sort_keys=True)
