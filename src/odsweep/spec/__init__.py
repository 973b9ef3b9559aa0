"""The search-space YAML (Katib's vocabulary) and its validation.

Pure: imports only the standard library and PyYAML. Checking config paths against the
pipeline proto and whether files exist is composed on top elsewhere.

Typical use::

    spec = load_spec("search.yaml")        # InputError lists every problem at once
    print(summarize(spec))
    lr = spec.parameter("learning_rate").parse_value("0.01")
"""

from __future__ import annotations

from odsweep.spec._algorithms import KATIB_ALGORITHMS, SUPPORTED_ALGORITHMS, grid_size
from odsweep.spec._io import load_spec, spec_to_dict
from odsweep.spec._kube import ClusterSpec, ImagePullPolicy, Toleration
from odsweep.spec._model import (
    Algorithm,
    AlgorithmName,
    EarlyStopping,
    ExportInputType,
    ExportSpec,
    Objective,
    ObjectiveType,
    SearchSpec,
    SettingValue,
    evals_per_trial,
)
from odsweep.spec._objective import METRIC_ALIASES
from odsweep.spec._parameters import is_safe_value
from odsweep.spec._parse import API_VERSION, KIND, MAX_NAME_LENGTH, parse_spec
from odsweep.spec._space import Distribution, Parameter, ParameterType, ParamValue
from odsweep.spec._summary import summarize

__all__ = [
    "API_VERSION",
    "KATIB_ALGORITHMS",
    "KIND",
    "MAX_NAME_LENGTH",
    "METRIC_ALIASES",
    "SUPPORTED_ALGORITHMS",
    "Algorithm",
    "AlgorithmName",
    "ClusterSpec",
    "Distribution",
    "EarlyStopping",
    "ExportInputType",
    "ExportSpec",
    "ImagePullPolicy",
    "Objective",
    "ObjectiveType",
    "ParamValue",
    "Parameter",
    "ParameterType",
    "SearchSpec",
    "SettingValue",
    "Toleration",
    "evals_per_trial",
    "grid_size",
    "is_safe_value",
    "load_spec",
    "parse_spec",
    "spec_to_dict",
    "summarize",
]
