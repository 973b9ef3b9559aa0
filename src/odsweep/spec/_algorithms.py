"""Katib 0.19's search algorithms: which odsweep runs, their settings, their limits.

Read from kubeflow/katib (Katib 0.19 layout):

- ``manifests/.../katib-config.yaml``: random, tpe -> suggestion-hyperopt; grid,
  multivariate-tpe -> suggestion-optuna; cmaes, sobol -> suggestion-goptuna;
  bayesianoptimization -> skopt; hyperband, pbt, enas, darts -> their own services.
- ``pkg/suggestion/v1beta1/hyperopt/service.py`` (``OptimizerConfiguration``): tpe
  accepts gamma in (0, 1), prior_weight > 0, n_EI_candidates > 0, random_state >= 0;
  random accepts random_state only; any other name is refused.
- ``pkg/suggestion/v1beta1/optuna/service.py``: multivariate-tpe accepts
  n_startup_trials, n_ei_candidates, random_state (each >= 0); grid accepts
  random_state and refuses maxTrialCount above the number of grid combinations.
- ``pkg/suggestion/v1beta1/goptuna/{service,converter}.go``: cmaes reads random_state,
  sigma and restart_strategy (ipop | bipop | none) and needs at least two double/int
  parameters; sobol reads no settings; neither reads ``distribution``.
- ``pkg/suggestion/v1beta1/skopt/{service,base_service}.py``: bayesianoptimization
  reads base_estimator (GP | RF | ET | GBRT, default GP), n_initial_points (>= 0,
  default 10), acq_func (gp_hedge | LCB | EI | PI | EIps | PIps, default gp_hedge),
  acq_optimizer (auto | sampling | lbfgs, default auto) and random_state (>= 0, default
  none) and hands them to ``skopt.Optimizer`` unchanged; doubles and ints become
  ``Real``/``Integer(min, max, uniform | log-uniform)`` (step ignored), lists
  ``Categorical``. Katib accepts values skopt then fails on: n_initial_points 0, acq_func
  EIps/PIps, acq_optimizer lbfgs with a non-GP model, min == max; refused here.
- ``pkg/suggestion/v1beta1/hyperband/{service,parsing_util}.py``: hyperband needs
  ``r_l`` (a float >= 0) and ``resource_name`` (one of the parameters); ``eta`` is
  ``int(float(eta))``, 3 when absent or <= 0; ``parallelTrialCount`` must be at least
  ``ceil(eta ** int(log(r_l) / log(eta)))``. Other parameters are sampled uniformly
  (no logUniform), a discrete list is read with ``int()``. odsweep's own rules for
  it (the resource is the training length) are in ``_budget``.
- ``pkg/suggestion/v1beta1/internal/search_space.py``: grid enumerates
  ``range(min, max + 1, step)`` / ``arange(min, max + step, step)``, linearly, and
  needs a step for every double.

Katib checks settings only after the Experiment is accepted, so a bad one fails the
Experiment later; odsweep checks them up front.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

from odsweep.spec._model import Algorithm, AlgorithmName, SettingValue
from odsweep.spec._problems import (
    NOTHING,
    Problems,
    Reader,
    as_list,
    as_mapping,
    closest,
    coerce_float,
    coerce_int,
    index,
    join,
)
from odsweep.spec._space import Parameter, ParameterType

SETTING_KEYS = ("name", "value")


@dataclass(frozen=True)
class _Setting:
    name: str
    kind: Literal["int", "float", "choice", "name"]
    rule: str
    check: Callable[[float], bool] = lambda _: True
    choices: tuple[str, ...] = ()
    # Values Katib accepts that odsweep refuses, with the reason.
    refused: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class _Info:
    service: str
    settings: tuple[_Setting, ...]
    honours_log: bool


# Katib's skopt service: the values it accepts, minus those skopt fails on.
BASE_ESTIMATORS = ("GP", "RF", "ET")
ACQ_FUNCS = ("gp_hedge", "LCB", "EI", "PI")
ACQ_OPTIMIZERS = ("auto", "sampling", "lbfgs")

_SEED = _Setting("random_state", "int", "an integer >= 0", lambda v: v >= 0)

_SUPPORTED: dict[str, _Info] = {
    AlgorithmName.RANDOM: _Info("hyperopt", (_SEED,), honours_log=True),
    AlgorithmName.TPE: _Info(
        "hyperopt",
        (
            _Setting("gamma", "float", "a number in (0, 1)", lambda v: 0 < v < 1),
            _Setting("prior_weight", "float", "a number > 0", lambda v: v > 0),
            _Setting("n_EI_candidates", "int", "an integer > 0", lambda v: v > 0),
            _SEED,
        ),
        honours_log=True,
    ),
    # Grid points are min, min + step, ... on a linear scale in Katib (see module
    # docstring), so a logUniform grid would silently be linear: refused.
    AlgorithmName.GRID: _Info("optuna", (_SEED,), honours_log=False),
    AlgorithmName.MULTIVARIATE_TPE: _Info(
        "optuna",
        (
            _Setting("n_startup_trials", "int", "an integer >= 0", lambda v: v >= 0),
            # Katib allows 0, but a TPE step with no EI candidates has nothing to pick.
            _Setting("n_ei_candidates", "int", "an integer > 0", lambda v: v > 0),
            _SEED,
        ),
        honours_log=True,
    ),
    AlgorithmName.CMAES: _Info(
        "goptuna",
        (
            _SEED,
            _Setting("sigma", "float", "a number > 0", lambda v: v > 0),
            _Setting(
                "restart_strategy",
                "choice",
                "none",
                choices=("none",),
                refused={
                    s: "odsweep's local engine cannot restart CMA-ES (Optuna >= 4.4 "
                    "ignores restart_strategy)"
                    for s in ("ipop", "bipop")
                },
            ),
        ),
        honours_log=False,
    ),
    AlgorithmName.SOBOL: _Info("goptuna", (), honours_log=False),
    AlgorithmName.BAYESIANOPTIMIZATION: _Info(
        "skopt",
        (
            _Setting(
                "base_estimator",
                "choice",
                "GP | RF | ET",
                choices=BASE_ESTIMATORS,
                refused={
                    # Katib's image pins numpy 1.23 / scikit-learn <= 1.3, where it runs.
                    "GBRT": "scikit-optimize 0.10.2, its last release, cannot build or "
                    "predict with GBRT on the scikit-learn and numpy odsweep's local engine "
                    "locks, and a spec must mean the same on both engines"
                },
            ),
            # skopt 0.10 with n_initial_points=0 asks a model it never fitted and raises
            # "Random evaluations exhausted": Katib accepts 0, its service then fails.
            _Setting(
                "n_initial_points",
                "int",
                "an integer > 0 (with 0 skopt has no model to ask and Katib's service fails)",
                lambda v: v > 0,
            ),
            _Setting(
                "acq_func",
                "choice",
                "gp_hedge | LCB | EI | PI",
                choices=ACQ_FUNCS,
                refused={
                    s: "skopt's per-second acquisitions need each trial's duration as well "
                    "as its objective, and Katib's skopt service tells the objective alone "
                    "(skopt raises at the first result)"
                    for s in ("EIps", "PIps")
                },
            ),
            _Setting("acq_optimizer", "choice", "auto | sampling | lbfgs", choices=ACQ_OPTIMIZERS),
            _SEED,
        ),
        honours_log=True,
    ),
    # Katib samples the other parameters uniformly between min and max (parsing_util).
    AlgorithmName.HYPERBAND: _Info(
        "hyperband",
        (
            _Setting("resource_name", "name", "the name of one of spec.parameters"),
            # Katib reads int(float(eta)) and uses 3 for <= 0; eta = 1 divides by log(1).
            _Setting("eta", "int", "an integer >= 2", lambda v: v >= 2),
            # Katib takes a float; odsweep's resource counts eval intervals (whole).
            _Setting("r_l", "int", "an integer >= 1", lambda v: v >= 1),
            # Katib's service ignores unknown settings (it logs them): a local seed only.
            _SEED,
        ),
        honours_log=False,
    ),
}

_UNSUPPORTED: dict[str, str] = {
    "pbt": "population based training restarts trials from other trials' checkpoints "
    "with mutated parameters, and an odsweep trial only starts fresh or resumes its own "
    "checkpoint",
    "enas": "it is neural architecture search, not hyperparameter search",
    "darts": "it is neural architecture search, not hyperparameter search",
}

SUPPORTED_ALGORITHMS: tuple[str, ...] = tuple(str(name) for name in _SUPPORTED)
"""Katib algorithm names odsweep runs, on Optuna locally and on Katib."""

KATIB_ALGORITHMS: tuple[str, ...] = (*SUPPORTED_ALGORITHMS, *_UNSUPPORTED)
"""Every algorithm name Katib 0.19 ships."""


def read_settings(value: object, path: str, problems: Problems) -> list[tuple[str, str, str]]:
    """Katib-shaped ``[{name, value}]`` as ``(item path, name, value text)`` triples.

    Values may be written as strings or numbers (Katib wants strings). Shape errors and
    repeated names are reported; such items are left out. Absent settings give ``[]``.
    """
    if value is NOTHING or value is None:
        return []
    items = as_list(value, path, problems)
    if items is None:
        return []
    result: list[tuple[str, str, str]] = []
    seen: set[str] = set()
    for i, item in enumerate(items):
        item_path = index(path, i)
        mapping = as_mapping(item, item_path, problems)
        if mapping is None:
            continue
        problems.unknown_keys(mapping, item_path, SETTING_KEYS)
        reader = Reader(mapping, item_path, problems)
        name = reader.string("name", required=True, what="a setting name")
        raw = reader.raw("value")
        text: str | None = None
        if raw is NOTHING:
            reader.missing("value", "a value")
        elif isinstance(raw, str):
            text = raw.strip()
        elif isinstance(raw, int | float) and not isinstance(raw, bool):
            text = str(raw)
        else:
            problems.add(reader.at("value"), "must be a string or a number", raw)
        if name is not None and name in seen:
            problems.add(reader.at("name"), "duplicate setting", name, "keep one")
            continue
        if name is not None:
            seen.add(name)
        if name is not None and text is not None:
            result.append((item_path, name, text))
    return result


def _typed(rule: _Setting, text: str) -> SettingValue | None:
    if rule.kind == "int":
        number: float | None = coerce_int(text)
    elif rule.kind == "float":
        number = coerce_float(text)
    elif rule.kind == "name":
        return text or None
    else:
        return text if text in rule.choices else None
    return number if number is not None and rule.check(number) else None


def parse_algorithm(value: object, path: str, problems: Problems) -> Algorithm | None:
    """Parse ``spec.algorithm``: a supported name and settings typed per algorithm."""
    mapping = as_mapping(value, path, problems)
    if mapping is None:
        return None
    problems.unknown_keys(mapping, path, ("algorithmName", "algorithmSettings"))
    reader = Reader(mapping, path, problems)
    name = reader.string("algorithmName", required=True, what=" | ".join(SUPPORTED_ALGORITHMS))
    settings_path = reader.at("algorithmSettings")
    items = read_settings(reader.raw("algorithmSettings"), settings_path, problems)
    if name is None:
        return None
    supported = ", ".join(SUPPORTED_ALGORITHMS)
    info = _SUPPORTED.get(name)
    if info is None:
        if name in _UNSUPPORTED:
            problems.add(
                reader.at("algorithmName"),
                f"{name} is a Katib algorithm odsweep does not support: {_UNSUPPORTED[name]}",
                name,
                f"use one of {supported}",
            )
        else:
            guess = closest(name, KATIB_ALGORITHMS)
            fix = f"did you mean {guess!r}?" if guess else f"use one of {supported}"
            problems.add(reader.at("algorithmName"), f"must be one of {supported}", name, fix)
        return None
    rules = {rule.name: rule for rule in info.settings}
    typed: list[tuple[str, SettingValue]] = []
    paths: dict[str, str] = {}
    for item_path, setting, text in items:
        rule = rules.get(setting)
        if rule is None:
            _unknown_setting(problems, join(item_path, "name"), name, setting, list(rules))
            continue
        if text in rule.refused:
            problems.add(
                join(item_path, "value"),
                f"{setting}={text} is not supported: {rule.refused[text]}",
                text,
                f"use {' | '.join(rule.choices)} or remove the setting",
            )
            continue
        parsed = _typed(rule, text)
        if parsed is None:
            problems.add(join(item_path, "value"), f"{setting} must be {rule.rule}", text)
            continue
        typed.append((setting, parsed))
        paths[setting] = item_path
    if name == AlgorithmName.BAYESIANOPTIMIZATION:
        _check_skopt_combination(dict(typed), paths, problems)
    return Algorithm(name=AlgorithmName(name), settings=tuple(typed))


def _check_skopt_combination(
    settings: Mapping[str, SettingValue], paths: Mapping[str, str], problems: Problems
) -> None:
    """skopt refuses L-BFGS for a forest or boosting model (Katib's default is GP)."""
    estimator = settings.get("base_estimator", "GP")
    if settings.get("acq_optimizer") == "lbfgs" and estimator != "GP":
        problems.add(
            join(paths["acq_optimizer"], "value"),
            f"acq_optimizer=lbfgs needs base_estimator GP (skopt refuses it for {estimator}, "
            "which has no gradients)",
            "lbfgs",
            "use auto or sampling, or base_estimator GP",
        )


def _unknown_setting(
    problems: Problems, path: str, algorithm: str, setting: str, valid: Sequence[str]
) -> None:
    if not valid:
        problems.add(
            path,
            f"algorithm {algorithm} takes no settings (Katib's {_SUPPORTED[algorithm].service} "
            "service reads none, not even a seed)",
            setting,
            "remove algorithmSettings",
        )
        return
    guess = closest(setting, valid)
    fix = f"did you mean {guess!r}?" if guess else f"valid settings: {', '.join(valid)}"
    problems.add(path, f"unknown setting for algorithm {algorithm}", setting, fix)


def grid_size(parameters: Sequence[Parameter]) -> int | None:
    """The number of grid points (product over parameters); None if any is continuous.

    ``int`` steps by 1 unless it has a step; a ``double`` needs a step to be enumerable.
    """
    total = 1
    for param in parameters:
        count = param.grid_count()
        if count is None:
            return None
        total *= count
    return total


def check_algorithm_fit(
    algorithm: Algorithm,
    parameters: Sequence[Parameter],
    max_trial_count: int | None,
    problems: Problems,
) -> None:
    """Refuse parameter sets the algorithm cannot search faithfully (Katib's rules)."""
    name = algorithm.name
    name_path = "spec.algorithm.algorithmName"
    if not _SUPPORTED[name].honours_log:
        for i, param in enumerate(parameters):
            if param.is_log:
                why = (
                    "grid points are min, min + step, ... on a linear scale"
                    if name is AlgorithmName.GRID
                    else f"Katib's {_SUPPORTED[name].service} service samples it uniformly"
                )
                problems.add(
                    f"spec.parameters[{i}].feasibleSpace.distribution",
                    f"logUniform is not honoured by algorithm {name} ({why})",
                    param.distribution.value,
                    "use tpe, multivariate-tpe or random, or list log-spaced values with "
                    "parameterType discrete",
                )
    if name is AlgorithmName.CMAES:
        ranges = sum(1 for p in parameters if p.is_range)
        if ranges < 2:
            problems.add(
                name_path,
                "cmaes needs at least two double or int parameters (Katib refuses fewer)",
                ranges,
                "add a double or int parameter, or use tpe",
            )
    if name is AlgorithmName.BAYESIANOPTIMIZATION:
        _check_skopt_space(parameters, problems)
    if name is not AlgorithmName.GRID:
        return
    for i, param in enumerate(parameters):
        if param.type is ParameterType.DOUBLE and param.step is None:
            problems.add(
                f"spec.parameters[{i}].feasibleSpace.step",
                "algorithm grid needs a step for every double parameter",
                fix="add step, or use parameterType discrete with a list",
            )
    size = grid_size(parameters)
    if size is not None and max_trial_count is not None and max_trial_count > size:
        problems.add(
            "spec.maxTrialCount",
            f"must be <= the {size} grid points for algorithm grid (Katib refuses more; "
            "the grid is exhausted after them)",
            max_trial_count,
            f"lower maxTrialCount to {size}",
        )


def _check_skopt_space(parameters: Sequence[Parameter], problems: Problems) -> None:
    """Ranges skopt cannot search as written (Katib's skopt service passes them on)."""
    for i, param in enumerate(parameters):
        if not param.is_range:
            continue
        space = f"spec.parameters[{i}].feasibleSpace"
        if param.step is not None:
            problems.add(
                join(space, "step"),
                "algorithm bayesianoptimization ignores step (Katib's skopt service searches "
                "the whole range, off the step grid)",
                param.step,
                "remove step, or list the values with parameterType discrete",
            )
        if param.min is not None and param.max is not None and param.min == param.max:
            problems.add(
                join(space, "max"),
                "algorithm bayesianoptimization needs max > min (skopt refuses an empty range)",
                param.max,
                "widen the range, or set the value in the base config and drop the parameter",
            )
