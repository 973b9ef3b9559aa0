"""The pipeline's steps as KFP v2 lightweight Python components.

Each component body imports odsweep and calls one function of ``_steps`` /
``_report_step``: KFP ships only the function's source to the pod, and the project
image already holds odsweep and kfp. Hence ``install_kfp_package=False`` and no
``packages_to_install``: a step never reaches a package registry, so offline clusters
work and every pod runs exactly the locked versions.

This module deliberately has no ``from __future__ import annotations``: KFP reads the
annotations at decoration time to build the component interface, and postponed
(string) annotations make it fail (``Artifacts must have both a schema_title ...``).
The return annotations are ``NamedTuple(...)`` calls, the form KFP documents for
several outputs; mypy does not accept a call as a type, hence the ignores.
"""

from typing import NamedTuple

from kfp import dsl
from kfp.dsl import HTML, Markdown, Metrics, Model, Output

from odsweep.pipeline import _declared

DEFAULT_IMAGE = "registry.example/odsweep:0.1"
"""The compiled steps' image; ``odsweep pipeline compile --image`` sets the real one."""


# Takes every run parameter but kubeflow_url, so it is generated from their declaration
# (odsweep.pipeline._params.PARAMS); see _declared for why as source text.
validate_search_space = dsl.component(base_image=DEFAULT_IMAGE, install_kfp_package=False)(
    _declared.define(
        _declared.validate_source(),
        _declared.VALIDATE_STEP,
        __name__,
        {"NamedTuple": NamedTuple},
    )
)


@dsl.component(base_image=DEFAULT_IMAGE, install_kfp_package=False)  # type: ignore[untyped-decorator]
def search(spec_path: str, backend: str, model_dir: str, kubeflow_url: str) -> NamedTuple(  # type: ignore[valid-type]
    "Outputs",
    [("best_trial", str), ("best_params", str), ("best_metric", float), ("experiment_url", str)],
):
    """Run the trials (a Katib Experiment, or Optuna inside this step) and pick the winner.

    Outputs the winning trial, its parameters as JSON, its best objective value and the
    Katib UI page of the Experiment (katib backend). Writes ``<model_dir>/best.json``.
    """
    from odsweep.pipeline import _steps

    _steps.start_step()
    found = _steps.search(
        spec_path, backend=backend, model_dir=model_dir, kubeflow_url=kubeflow_url
    )

    class Outputs(NamedTuple):
        best_trial: str
        best_params: str
        best_metric: float
        experiment_url: str

    return Outputs(
        found.best_trial,
        _steps.best_params_json(found.best_params),
        found.best_metric,
        found.experiment_url,
    )


@dsl.component(base_image=DEFAULT_IMAGE, install_kfp_package=False)  # type: ignore[untyped-decorator]
def export_best_model(
    spec_path: str, model_dir: str, best_trial: str, model: Output[Model]
) -> NamedTuple(  # type: ignore[valid-type]
    "Outputs", [("model_location", str), ("model_base", str), ("model_version", int)]
):
    """Export the winner's best checkpoint as ``<base>/<version>/`` for TF Serving.

    ``model`` carries the location in its metadata (``base``, ``version``, ``path``,
    ``input_type``, ``trial``, ``step``); its own file is a JSON copy of the same, as
    KFP assigns the artifact's URI itself.
    """
    import json

    from odsweep.pipeline import _steps

    _steps.start_step()
    done = _steps.export(spec_path, model_dir=model_dir, best_trial=best_trial)
    facts = {
        "base": done.base,
        "version": str(done.version),
        "path": done.path,
        "input_type": done.input_type,
        "trial": done.trial,
        "step": str(done.step),
    }
    model.metadata.update(facts)
    with open(model.path, "w", encoding="utf-8") as fh:
        json.dump(facts, fh, indent=2, sort_keys=True)

    class Outputs(NamedTuple):
        model_location: str
        model_base: str
        model_version: int

    return Outputs(done.path, done.base, done.version)


@dsl.component(base_image=DEFAULT_IMAGE, install_kfp_package=False)  # type: ignore[untyped-decorator]
def verify_model(
    spec_path: str, model_dir: str, model_location: str, metrics: Output[Metrics]
) -> float:
    """Load the exported model with plain TensorFlow and run eval images through it.

    Logs ``best_metric``, ``verified_images``, ``num_detections_mean``/``_max``,
    ``max_score`` and ``verify_seconds`` to ``metrics``; returns the max score.
    """
    from odsweep.pipeline import _steps

    _steps.start_step()
    values = _steps.verify(spec_path, model_dir=model_dir, model_path=model_location)
    for name, value in values.items():
        metrics.log_metric(name, value)
    return values["max_score"]


@dsl.component(base_image=DEFAULT_IMAGE, install_kfp_package=False)  # type: ignore[untyped-decorator]
def sweep_report(
    spec_path: str,
    model_dir: str,
    eval_dir: str,
    backend: str,
    experiment_url: str,
    model_location: str,
    markdown: Output[Markdown],
    html: Output[HTML],
) -> str:
    """Leaderboard, plots and winning parameters as Markdown and HTML artifacts.

    Copies the winner's eval event files, ``best.json`` and the report into
    ``eval_dir``, and returns it.
    """
    from odsweep.pipeline import _report_step, _steps

    _steps.start_step()
    done = _report_step.report(
        spec_path,
        model_dir=model_dir,
        eval_dir=eval_dir,
        backend=backend,
        experiment_url=experiment_url,
        model_path=model_location,
    )
    with open(markdown.path, "w", encoding="utf-8") as fh:
        fh.write(done.markdown)
    with open(html.path, "w", encoding="utf-8") as fh:
        fh.write(done.html)
    return done.eval_dir


@dsl.component(base_image=DEFAULT_IMAGE, install_kfp_package=False)  # type: ignore[untyped-decorator]
def tune_postprocess(
    spec_path: str, model_dir: str, grid: str, model_location: str, table: Output[Markdown]
) -> str:
    """Re-evaluate the winner over a post_processing grid (eval only), export the chosen.

    ``model_location`` (the winner's export) only orders this step after the export.
    ``table`` is every setting's values and metrics; returns the chosen export's path.
    """
    from odsweep.pipeline import _postprocess_step, _steps

    _steps.start_step()
    del model_location
    done = _postprocess_step.tune(spec_path, model_dir=model_dir, grid_text=grid)
    with open(table.path, "w", encoding="utf-8") as fh:
        fh.write(done.table)
    return done.model_location


COMPONENTS = (
    validate_search_space,
    search,
    export_best_model,
    verify_model,
    sweep_report,
    tune_postprocess,
)
"""Every component, in pipeline order; each compiles to ``components/<name>.yaml``."""
