"""The search-space YAML (Katib's vocabulary) and its validation.

Pure: imports only the standard library, PyYAML and :mod:`odsweep.results` (whose
:class:`ObjectiveType` and metric-name grammar it re-uses). Checking config paths against the
pipeline proto and whether files exist is composed on top elsewhere.

Typical use::

    spec = load_spec("search.yaml")        # InputError lists every problem at once
    print(summarize(spec))
    lr = spec.parameter("learning_rate").parse_value("0.01")

Decisions the engines can rely on:

- ``double``/``int`` bounds are inclusive on both ends; with ``step`` the values are
  ``min + k * step`` and ``max`` must be such a point (refused otherwise).
- ``metadata.name``: DNS-1123 label starting with a letter, at most 40 characters.
  Parameter names: Katib's own (``num-layers``, ``learningRate``, ``lr``) as written:
  ASCII letters, digits and ``. _ : / @ + -``, not starting with ``-``, at most 512
  characters, and not ``trialName`` (odsweep's own trial parameter); see ``_names``.
- Categorical/discrete values use only letters, digits and ``. _ : / @ + -`` (Katib
  runs the trial command through ``sh -c`` unquoted).
- Metric names follow the trial's stdout grammar (``odsweep.results``).
- ``maxFailedTrialCount`` omitted means no limit (Katib's behaviour); ``parallelTrialCount``
  defaults to 1.
- Algorithms: random, tpe, grid, multivariate-tpe, cmaes, sobol, bayesianoptimization,
  hyperband, with Katib's settings per suggestion service. ``logUniform`` is refused for
  grid, cmaes, sobol and hyperband (they would sample it linearly); ``normal``/``logNormal``
  are refused everywhere; ``grid`` refuses ``maxTrialCount`` above the number of grid
  points, as Katib does; bayesianoptimization refuses ``step`` (skopt ignores it).
- hyperband's resource parameter sets ``train_config.num_steps`` in eval intervals
  (``trial_steps``); early stopping is medianstop or asha, never with hyperband
  (``_budget``).
"""

from __future__ import annotations

from odsweep.results import Constraint, ObjectiveType, Tradeoff
from odsweep.spec._algorithms import KATIB_ALGORITHMS, SUPPORTED_ALGORITHMS, grid_size
from odsweep.spec._branches import (
    CONDITIONAL_ALGORITHMS,
    branch_prefix,
    inactive_parameters,
    is_active,
)
from odsweep.spec._budget import NUM_STEPS_PATH, resource_name, trial_steps
from odsweep.spec._hyperband import Bracket, Rung, brackets, smallest_resource
from odsweep.spec._io import load_spec, spec_to_dict
from odsweep.spec._kube import ClusterSpec, ImagePullPolicy, ResumePolicy, Toleration
from odsweep.spec._model import (
    DEFAULT_STALL_TIMEOUT_SECONDS,
    Algorithm,
    AlgorithmName,
    AshaStopping,
    EarlyStopping,
    ExportInputType,
    ExportSpec,
    Objective,
    SearchSpec,
    SettingValue,
    evals_per_trial,
)
from odsweep.spec._names import RESERVED_PARAMETER_NAMES, TRIAL_NAME_PARAMETER
from odsweep.spec._objective import METRIC_ALIASES
from odsweep.spec._parameters import is_safe_value
from odsweep.spec._parse import API_VERSION, KIND, MAX_NAME_LENGTH, parse_spec
from odsweep.spec._serving import needs_serving_cost
from odsweep.spec._space import Condition, Distribution, Parameter, ParameterType, ParamValue
from odsweep.spec._summary import summarize
from odsweep.spec._tradeoffs import MULTI_OBJECTIVE_ALGORITHMS
from odsweep.spec._warmstart import CheckpointType, WarmStart, is_warm_start_path

__all__ = [
    "API_VERSION",
    "CONDITIONAL_ALGORITHMS",
    "DEFAULT_STALL_TIMEOUT_SECONDS",
    "KATIB_ALGORITHMS",
    "KIND",
    "MAX_NAME_LENGTH",
    "METRIC_ALIASES",
    "MULTI_OBJECTIVE_ALGORITHMS",
    "NUM_STEPS_PATH",
    "RESERVED_PARAMETER_NAMES",
    "SUPPORTED_ALGORITHMS",
    "TRIAL_NAME_PARAMETER",
    "Algorithm",
    "AlgorithmName",
    "AshaStopping",
    "Bracket",
    "CheckpointType",
    "ClusterSpec",
    "Condition",
    "Constraint",
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
    "ResumePolicy",
    "Rung",
    "SearchSpec",
    "SettingValue",
    "Toleration",
    "Tradeoff",
    "WarmStart",
    "brackets",
    "branch_prefix",
    "evals_per_trial",
    "grid_size",
    "inactive_parameters",
    "is_active",
    "is_safe_value",
    "is_warm_start_path",
    "load_spec",
    "needs_serving_cost",
    "parse_spec",
    "resource_name",
    "smallest_resource",
    "spec_to_dict",
    "summarize",
    "trial_steps",
]
