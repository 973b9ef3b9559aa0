"""The Kubeflow Pipelines (KFP v2) pipeline: one search-space YAML, on a cluster or locally.

``validate -> search -> export -> verify -> report``, as lightweight Python components
that call this library (the project image holds odsweep), so ``kfp.local`` runs the same
DAG on one machine with ``backend="optuna"``.

- :func:`resolve_spec` (``_params``, pure): the run's parameters applied to the YAML;
  unset values (``""``, ``0``, ``-1``) keep the YAML's.
- :func:`compile_pipeline` (``_pipeline``): ``pipelines/odsweep_pipeline.yaml`` and
  ``components/<step>.yaml``.
- :func:`submit` (``_submit``): start a run on a KFP server, return its id and UI link.

Importing this package does not import kfp; the names that need it load on first use.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from odsweep.pipeline._params import (
    BACKENDS,
    PARAM_BY_NAME,
    PARAMS,
    SPEC_PARAMS,
    UNSET_COUNT,
    UNSET_OPTIONAL,
    UNSET_STR,
    Param,
    resolve_dirs,
    resolve_spec,
)

if TYPE_CHECKING:
    from odsweep.pipeline._pipeline import ClusterSettings, build_pipeline, compile_pipeline
    from odsweep.pipeline._submit import submit

_LAZY = {
    "ClusterSettings": "odsweep.pipeline._pipeline",
    "build_pipeline": "odsweep.pipeline._pipeline",
    "compile_pipeline": "odsweep.pipeline._pipeline",
    "submit": "odsweep.pipeline._submit",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "BACKENDS",
    "PARAMS",
    "PARAM_BY_NAME",
    "SPEC_PARAMS",
    "UNSET_COUNT",
    "UNSET_OPTIONAL",
    "UNSET_STR",
    "ClusterSettings",
    "Param",
    "build_pipeline",
    "compile_pipeline",
    "resolve_dirs",
    "resolve_spec",
    "submit",
]
