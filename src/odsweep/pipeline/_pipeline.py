"""The pipeline: validate -> search (Katib or Optuna) -> export -> verify -> report
(-> post-processing tuning, when ``tune_postprocess`` is set).

Like ``_components``, this module has no ``from __future__ import annotations``: KFP
reads the pipeline function's annotations (parameter types, outputs) at decoration time.

Cluster settings are compile-time (:class:`ClusterSettings`): KFP takes resources,
node selectors, tolerations and Secrets from the compiled package, not from run
parameters. ``kfp.local`` ignores all of them (with a warning).
"""

import copy
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, NamedTuple

from kfp import compiler, dsl, kubernetes
from kfp.dsl import Model

from odsweep.pipeline._components import (
    COMPONENTS,
    DEFAULT_IMAGE,
    export_best_model,
    search,
    sweep_report,
    tune_postprocess,
    validate_search_space,
    verify_model,
)
from odsweep.pipeline._credentials import (
    CREDENTIALS_JSON_ENV,
    CREDENTIALS_SECRET_ENV,
)
from odsweep.pipeline._declared import signature, with_signature
from odsweep.pipeline._params import PARAMS, VALIDATE_PARAMS
from odsweep.spec import Toleration
from odsweep.spec._kube import CREDENTIALS_KEY, GPU_RESOURCE

PIPELINE_NAME = "odsweep"
PIPELINE_FILE = os.path.join("pipelines", "odsweep_pipeline.yaml")
COMPONENTS_DIR = "components"
# GKE taints GPU nodes with nvidia.com/gpu=present:NoSchedule; tolerating the key is
# harmless where no such taint exists.
GPU_TOLERATION = Toleration(key=GPU_RESOURCE, operator="Exists", effect="NoSchedule")


@dataclass(frozen=True)
class StepResources:
    """CPU request, memory request and memory limit of a step (Kubernetes quantities).

    No CPU limit: throttling slows TensorFlow's input pipeline for no gain.
    """

    cpu: str
    memory: str
    memory_limit: str


STEP_RESOURCES: Mapping[str, StepResources] = MappingProxyType(
    {
        "validate": StepResources("500m", "1Gi", "2Gi"),
        # With Katib the step only creates and watches the Experiment.
        "search-katib": StepResources("250m", "512Mi", "1Gi"),
        # With Optuna the trials train inside the step's pod.
        "search-optuna": StepResources("4", "16Gi", "32Gi"),
        "export": StepResources("2", "8Gi", "8Gi"),
        "verify": StepResources("1", "4Gi", "4Gi"),
        "report": StepResources("500m", "1Gi", "2Gi"),
        # One eval model per setting, and one export.
        "postprocess": StepResources("2", "8Gi", "8Gi"),
    }
)


def _no_labels() -> Mapping[str, str]:
    return MappingProxyType({})


@dataclass(frozen=True, kw_only=True)
class ClusterSettings:
    """What the compiled pipeline asks of the cluster.

    Attributes:
        image: The odsweep image every step runs in.
        credentials_secret: Secret whose ``key.json`` (a GCP service-account key) the
            steps get as an environment variable; the Secret must then exist. None (the
            default): no Secret is referenced and the pods' own identity (Workload
            Identity) applies.
        accelerator: The GPU resource name.
        search_gpus: GPUs of the search step with the optuna backend (its trials run
            in that pod); the katib search step gets none (its trials are Katib pods).
        node_selector: Node labels the search and export steps must run on.
        tolerations: Taints the search and export steps tolerate.
    """

    image: str = DEFAULT_IMAGE
    credentials_secret: str | None = None
    accelerator: str = GPU_RESOURCE
    search_gpus: int = 1
    node_selector: Mapping[str, str] = field(default_factory=_no_labels)
    tolerations: tuple[Toleration, ...] = (GPU_TOLERATION,)


def _configure(
    task: dsl.PipelineTask, step: str, settings: ClusterSettings, *, placed: bool = False
) -> dsl.PipelineTask:
    """Image, resources, credentials, no cache; node placement for the heavy steps."""
    res = STEP_RESOURCES[step]
    task.set_container_image(settings.image)
    task.set_cpu_request(res.cpu).set_memory_request(res.memory).set_memory_limit(res.memory_limit)
    # Every step reads or writes storage KFP cannot see (model_dir, eval_dir, the export):
    # a cache hit would hand out paths to files a later run replaced or deleted.
    task.set_caching_options(False)
    if settings.credentials_secret is not None:
        _use_secret(task, settings.credentials_secret)
    if placed:
        for key, value in sorted(settings.node_selector.items()):
            kubernetes.add_node_selector(task, label_key=key, label_value=value)
        for t in settings.tolerations:
            kubernetes.add_toleration(
                task,
                key=t.key,
                operator=t.operator,
                value=t.value,
                effect=t.effect,
                toleration_seconds=t.toleration_seconds,
            )
    return task.set_display_name(step)


def _use_secret(task: dsl.PipelineTask, secret: str) -> None:
    """The Secret's key as env, required, without the ``optional`` field in the package.

    kfp-kubernetes writes ``optional`` even when False, and KFP drivers older than the
    field reject the package (``unknown field "optional"``, kubeflow/pipelines#12495)
    while later ones before 2.15 ignore it. Left out, it means required everywhere.
    """
    kubernetes.use_secret_as_env(
        task, secret_name=secret, secret_key_to_env={CREDENTIALS_KEY: CREDENTIALS_JSON_ENV}
    )
    for entry in task.platform_config["kubernetes"]["secretAsEnv"]:
        if entry.get("optional") is False:
            del entry["optional"]
    # The name too, so the Katib trial pods mount the same Secret.
    task.set_env_variable(CREDENTIALS_SECRET_ENV, secret)


class PipelineOutputs(NamedTuple):
    """The pipeline's outputs (KFP reads the field names and types)."""

    best_params: str
    best_metric: float
    model_location: str
    model: Model


SIGNATURE = signature([p.name for p in PARAMS], defaults=True, returns=PipelineOutputs)
"""The pipeline function's signature: every declared parameter, with its default."""


def build_pipeline(settings: ClusterSettings | None = None) -> Any:
    """The pipeline function (a KFP ``GraphComponent``) for these cluster settings."""
    cfg = settings or ClusterSettings()

    def odsweep_pipeline(*args: Any) -> Any:
        # KFP passes every declared parameter, positionally, in the signature's order.
        p = SIGNATURE.bind(*args).arguments
        model_dir, backend, kubeflow_url = p["model_dir"], p["backend"], p["kubeflow_url"]
        checked = validate_search_space(**{name: p[name] for name in VALIDATE_PARAMS})
        _configure(checked, "validate", cfg)
        spec_path = checked.outputs["spec_path"]
        search_args = {
            "spec_path": spec_path,
            "backend": backend,
            "model_dir": model_dir,
            "kubeflow_url": kubeflow_url,
        }
        # Two search tasks, one runs: a Katib search only watches its Experiment and
        # must not hold a GPU for hours; an Optuna search trains in its own pod.
        with dsl.If(backend == "katib", name="katib"):
            on_katib = _configure(search(**search_args), "search-katib", cfg)
        with dsl.Else(name="optuna"):
            on_optuna = _configure(search(**search_args), "search-optuna", cfg, placed=True)
            if cfg.search_gpus > 0:
                on_optuna.set_accelerator_type(cfg.accelerator)
                on_optuna.set_accelerator_limit(cfg.search_gpus)

        def searched(name: str) -> Any:
            return dsl.OneOf(on_katib.outputs[name], on_optuna.outputs[name])

        exported = export_best_model(
            spec_path=spec_path, model_dir=model_dir, best_trial=searched("best_trial")
        )
        _configure(exported, "export", cfg, placed=True)
        location = exported.outputs["model_location"]
        verified = verify_model(spec_path=spec_path, model_dir=model_dir, model_location=location)
        _configure(verified, "verify", cfg)
        reported = sweep_report(
            spec_path=spec_path,
            model_dir=model_dir,
            eval_dir=checked.outputs["eval_dir"],
            backend=backend,
            experiment_url=searched("experiment_url"),
            model_location=location,
        )
        # After verify: it adds its results to best.json, which the report copies.
        _configure(reported.after(verified), "report", cfg)
        with dsl.If(p["tune_postprocess"] != "", name="postprocess"):
            tuned = tune_postprocess(
                spec_path=spec_path,
                model_dir=model_dir,
                grid=p["tune_postprocess"],
                model_location=location,
            )
            _configure(tuned.after(verified), "postprocess", cfg, placed=True)

        return PipelineOutputs(
            best_params=searched("best_params"),
            best_metric=searched("best_metric"),
            model_location=location,
            model=exported.outputs["model"],
        )

    # The run parameters are those declared in _params.PARAMS, in their order.
    with_signature(odsweep_pipeline, SIGNATURE)
    return dsl.pipeline(
        name=PIPELINE_NAME,
        description="Hyperparameter search for a TensorFlow Object Detection API model "
        "(Katib or Optuna), export of the best checkpoint for TF Serving, verification, "
        'report. Unset parameters ("", 0, -1) keep the search space\'s values.',
    )(odsweep_pipeline)


def compile_pipeline(
    output: str = PIPELINE_FILE,
    *,
    components_dir: str | None = COMPONENTS_DIR,
    settings: ClusterSettings | None = None,
) -> list[str]:
    """Compile the pipeline package and, unless ``components_dir`` is None, each step.

    Args:
        output: The pipeline YAML to write (folders are created).
        components_dir: Where ``<component>.yaml`` files go (reusable by other pipelines).
        settings: Cluster settings; the defaults when None.

    Returns:
        The files written, pipeline first.
    """
    cfg = settings or ClusterSettings()
    os.makedirs(os.path.dirname(os.path.abspath(output)), exist_ok=True)
    compiler.Compiler().compile(build_pipeline(cfg), output)
    written = [output]
    if components_dir is not None:
        os.makedirs(components_dir, exist_ok=True)
        for component in COMPONENTS:
            # A copy: the module's components stay as decorated.
            spec_copy = copy.deepcopy(component)
            container = spec_copy.component_spec.implementation.container
            assert container is not None  # lightweight components are containers
            container.image = cfg.image
            path = os.path.join(components_dir, f"{component.python_func.__name__}.yaml")
            compiler.Compiler().compile(spec_copy, path)
            written.append(path)
    return written
