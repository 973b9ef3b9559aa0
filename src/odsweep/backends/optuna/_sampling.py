"""Katib's search algorithms as Optuna samplers, and the spec's space as Optuna calls.

Each Katib algorithm maps to the Optuna sampler closest to what Katib's suggestion
service runs, configured as that service configures its library. Read from
kubeflow/katib (Katib 0.19 layout) and the libraries it calls:

- ``pkg/suggestion/v1beta1/hyperopt/base_service.py`` (random, tpe): ``hyperopt.rand`` /
  ``hyperopt.tpe.suggest`` with the user's gamma, prior_weight, n_EI_candidates and
  ``n_startup_jobs=current_request_number``; ``random_state`` seeds a RandomState that
  draws a new seed per GetSuggestions call. ``internal/trial.py`` passes SUCCEEDED trials
  only. hyperopt 0.2 defaults (``hyperopt/tpe.py``): gamma 0.25, prior_weight 1.0,
  n_EI_candidates 24, ``n_below = min(ceil(gamma * sqrt(n)), 25)``.
- ``pkg/suggestion/v1beta1/optuna/{service,base_service}.py`` (grid, multivariate-tpe):
  ``GridSampler(combinations, seed)``; ``TPESampler(multivariate=True,
  constant_liar=True, seed, n_startup_trials / n_ei_candidates only when set)``, so
  Optuna's defaults 10 and 24 otherwise; trials are asked with fixed distributions and
  only succeeded ones are told.
- ``pkg/suggestion/v1beta1/goptuna/converter.go`` (cmaes, sobol) and c-bata/goptuna:
  ``cmaes.NewSampler`` with 0 startup trials, seed (goptuna's default 0) and sigma
  (default min range / 6), mean at the centre; ``sobol.NewSampler()`` takes no option.

==================  =========================================  ===========================
Katib (service)     Optuna sampler                             Differences
==================  =========================================  ===========================
random (hyperopt)   ``RandomSampler(seed)``                    Values differ for a seed.
                                                               With ``step`` hyperopt's
                                                               ``quniform`` rounds to
                                                               multiples of step; Optuna
                                                               gives ``min + k * step``. A
                                                               logUniform int is a float
                                                               truncated by Katib, a log
                                                               integer here.
tpe (hyperopt)      ``TPESampler(multivariate=False,           Katib's startup is the
                    constant_liar=False, n_startup_trials=1,   batch size (see below).
                    n_ei_candidates=n_EI_candidates or 24,     Katib fills a k-slot batch
                    gamma=min(ceil(g * sqrt(n)), 25),          from one seed, so its k
                    prior_weight, seed)``; Optuna's defaults   suggestions can repeat.
                    for magic clip, endpoints and weights      Optuna's TPE also learns
                    already are hyperopt's.                    from PRUNED trials.
grid (optuna)       ``GridSampler(grid values, seed)``         None but the Optuna version:
                                                               same sampler, same points.
multivariate-tpe    ``TPESampler(multivariate=True,            Katib never tells failed or
(optuna)            constant_liar=True, n_startup_trials or    early-stopped trials (they
                    10, n_ei_candidates or 24, seed)``         stay RUNNING, penalized by
                                                               the constant liar).
cmaes (goptuna)     ``CmaEsSampler(seed or 0, sigma0=sigma,    Different CMA-ES code and
                    n_startup_trials=0)`` over every double/   RNG: same start, different
                    int from the first trial; categoricals by  values. Restarts refused by
                    ``RandomSampler(seed)``.                   the spec.
bayesian-           ``SkoptSampler`` (_skopt.py): a fresh      Stateless, seeded per
optimization        ``skopt.Optimizer`` per trial with         trial; gp_hedge gains are
(skopt)             Katib's settings, told COMPLETE trials.    not kept (see _skopt.py).
sobol (goptuna)     ``QMCSampler("sobol", scramble=False)``    goptuna skips the origin:
                    over the whole space from the first        its trial i is our trial
                    trial; no seed anywhere.                   i + 1. goptuna's int never
                                                               reaches max; ours does.
==================  =========================================  ===========================

TPE startup: Katib passes ``n_startup_jobs`` = the number of trials it asks for in that
call. The first call (``parallelTrialCount`` trials, no history) is random; after that
a freed slot asks for one trial and one succeeded trial is enough for TPE. odsweep uses
1, the same whenever slots free one at a time; when k > 1 slots free at once, Katib stays
random for that batch until k trials have succeeded.

Deprecated Optuna arguments (gamma, prior_weight, sigma0 since Optuna 4.9) and
QMCSampler's experimental status are expected here: only those warnings are silenced.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from typing import assert_never

import optuna
from optuna.distributions import (
    BaseDistribution,
    CategoricalDistribution,
    FloatDistribution,
    IntDistribution,
)
from optuna.exceptions import ExperimentalWarning
from optuna.samplers import (
    BaseSampler,
    CmaEsSampler,
    GridSampler,
    QMCSampler,
    RandomSampler,
    TPESampler,
)
from optuna.trial import BaseTrial, FrozenTrial

from odsweep.backends.optuna._skopt import SkoptSampler, SkoptSettings
from odsweep.spec import (
    Algorithm,
    AlgorithmName,
    Parameter,
    ParameterType,
    ParamValue,
    SearchSpec,
    is_active,
)

# hyperopt 0.2 defaults (hyperopt/tpe.py), which Katib's suggestion-hyperopt keeps.
HYPEROPT_GAMMA = 0.25
HYPEROPT_PRIOR_WEIGHT = 1.0
HYPEROPT_N_EI_CANDIDATES = 24
# hyperopt caps the "good" group at DEFAULT_LF = 25 trials (ap_split_trials' gamma_cap).
HYPEROPT_GAMMA_CAP = 25
# Katib's n_startup_jobs is the batch size; one freed slot at a time gives 1.
KATIB_TPE_STARTUP_TRIALS = 1

# Katib's suggestion-optuna sets neither unless given: Optuna's defaults apply.
OPTUNA_N_STARTUP_TRIALS = 10
OPTUNA_N_EI_CANDIDATES = 24
# optuna/service.py's OptimizerConfiguration sets constant_liar=True for multivariate-tpe.
MULTIVARIATE_TPE_CONSTANT_LIAR = True

# goptuna's CMA-ES seeds its RNG with 0 when Katib passes no random_state.
GOPTUNA_DEFAULT_SEED = 0

_DEPRECATED_ARGS = r"`(gamma|prior_weight|sigma0)` has been deprecated"


@dataclass(frozen=True)
class HyperoptGamma:
    """hyperopt's split: the best ``min(ceil(gamma * sqrt(n)), 25)`` of n trials are "good".

    Optuna's own default is ``min(ceil(0.1 * n), 25)``; a frozen dataclass rather than a
    lambda so the sampler stays picklable and readable in logs.
    """

    gamma: float = HYPEROPT_GAMMA

    def __call__(self, n: int) -> int:
        return min(math.ceil(self.gamma * math.sqrt(n)), HYPEROPT_GAMMA_CAP)


def make_sampler(spec: SearchSpec) -> BaseSampler:
    """The Optuna sampler that plays Katib's ``spec.algorithm`` locally (see module table).

    Args:
        spec: A validated spec; its algorithm settings are already typed and checked.

    Returns:
        A fresh sampler; one per study.
    """
    algorithm = spec.algorithm
    name = algorithm.name
    seed = algorithm.seed
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=_DEPRECATED_ARGS, category=FutureWarning)
        warnings.filterwarnings("ignore", category=ExperimentalWarning, message="QMCSampler")
        if name in (AlgorithmName.RANDOM, AlgorithmName.HYPERBAND):
            # hyperband: Katib's service samples new configurations uniformly at random;
            # the brackets and the resource values are the scheduler's (_hyperband).
            return RandomSampler(seed=seed)
        if name is AlgorithmName.GRID:
            return GridSampler(_grid(spec), seed=seed)
        if name is AlgorithmName.TPE:
            return _hyperopt_tpe(algorithm)
        if name is AlgorithmName.MULTIVARIATE_TPE:
            # With when: the space changes with the branch: group=True models each
            # branch's parameters jointly instead of falling back to independent TPE.
            conditional = any(p.when is not None for p in spec.parameters)
            if conditional:
                warnings.filterwarnings(
                    "ignore", category=ExperimentalWarning, message="Argument ``group``"
                )
            return TPESampler(
                seed=seed,
                multivariate=True,
                group=conditional,
                constant_liar=MULTIVARIATE_TPE_CONSTANT_LIAR,
                n_startup_trials=_int(algorithm, "n_startup_trials", OPTUNA_N_STARTUP_TRIALS),
                n_ei_candidates=_int(algorithm, "n_ei_candidates", OPTUNA_N_EI_CANDIDATES),
            )
        if name is AlgorithmName.CMAES:
            sigma = algorithm.setting("sigma")
            return _FixedSpaceCmaEsSampler(
                distributions(spec),
                seed=GOPTUNA_DEFAULT_SEED if seed is None else seed,
                sigma0=None if sigma is None else float(sigma),
            )
        if name is AlgorithmName.SOBOL:
            return _FixedSpaceSobolSampler(distributions(spec))
        if name is AlgorithmName.BAYESIANOPTIMIZATION:
            # skopt itself, as Katib's skopt service runs it: see _skopt.py.
            return SkoptSampler(spec.parameters, distributions(spec), SkoptSettings.of(algorithm))
        assert_never(name)


def _hyperopt_tpe(algorithm: Algorithm) -> TPESampler:
    prior_weight = algorithm.setting("prior_weight")
    return TPESampler(
        seed=algorithm.seed,
        multivariate=False,
        # hyperopt ignores running trials; Optuna 5 would otherwise penalize them.
        constant_liar=False,
        n_startup_trials=KATIB_TPE_STARTUP_TRIALS,
        n_ei_candidates=_int(algorithm, "n_EI_candidates", HYPEROPT_N_EI_CANDIDATES),
        gamma=HyperoptGamma(_float(algorithm, "gamma", HYPEROPT_GAMMA)),
        # Optuna's default prior weight already is hyperopt's 1.0: pass only a set one.
        prior_weight=None if prior_weight is None else float(prior_weight),
    )


def _int(algorithm: Algorithm, name: str, default: int) -> int:
    value = algorithm.setting(name, default)
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"algorithm setting {name} must be an int, got {value!r}")
    return value


def _float(algorithm: Algorithm, name: str, default: float) -> float:
    value = algorithm.setting(name, default)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TypeError(f"algorithm setting {name} must be a number, got {value!r}")
    return float(value)


def _grid(spec: SearchSpec) -> dict[str, list[ParamValue]]:
    grid: dict[str, list[ParamValue]] = {}
    for param in spec.parameters:
        values = param.grid_values()
        if values is None:
            raise ValueError(
                f"parameter {param.name}: algorithm grid needs enumerable values "
                f"({param.describe()}); the spec should have refused it"
            )
        grid[param.name] = list(values)
    return grid


class _FixedSpaceCmaEsSampler(CmaEsSampler):
    """CMA-ES over the spec's numeric parameters from the very first trial.

    Optuna infers the space from finished trials, so its first trials would be random;
    goptuna (Katib) knows the space up front and asks CMA-ES from trial one.
    """

    def __init__(
        self, space: Mapping[str, BaseDistribution], *, seed: int, sigma0: float | None
    ) -> None:
        super().__init__(
            seed=seed,
            sigma0=sigma0,
            n_startup_trials=0,
            independent_sampler=RandomSampler(seed=seed),
            # Categorical parameters are expected to go to the independent sampler.
            warn_independent_sampling=False,
        )
        self._fixed_space = {
            name: dist
            for name, dist in space.items()
            if isinstance(dist, FloatDistribution | IntDistribution) and not dist.single()
        }

    def infer_relative_search_space(
        self, study: optuna.Study, trial: FrozenTrial
    ) -> dict[str, BaseDistribution]:
        return dict(self._fixed_space)


class _FixedSpaceSobolSampler(QMCSampler):
    """Unscrambled Sobol over the whole space from the very first trial (no seed).

    Without a known space Optuna samples the first trial with a randomly seeded
    independent sampler, which would make the search non-deterministic.
    """

    def __init__(self, space: Mapping[str, BaseDistribution]) -> None:
        super().__init__(
            qmc_type="sobol",
            scramble=False,
            # Never used (the space is fixed); seeded so that nothing here is random.
            independent_sampler=RandomSampler(seed=0),
            warn_independent_sampling=False,
        )
        self._fixed_space = dict(space)

    def infer_relative_search_space(
        self, study: optuna.Study, trial: FrozenTrial
    ) -> dict[str, BaseDistribution]:
        return dict(self._fixed_space)


def suggest(trial: BaseTrial, spec: SearchSpec) -> dict[str, ParamValue]:
    """Ask ``trial`` for every parameter of ``spec`` that applies, in file order.

    Parameters with ``when:`` are asked only when their branch was chosen (choices
    first), so samplers that support it see a conditional space.

    ``double`` -> ``suggest_float``, ``int`` -> ``suggest_int`` (step 1 without step),
    ``discrete``/``categorical`` -> ``suggest_categorical`` over the listed values.
    Bounds are inclusive, like the spec's; ints stay ``int``, doubles ``float`` and list
    values keep the type the spec parsed them to.

    Args:
        trial: A trial from ``study.ask()`` (or a ``FixedTrial``).
        spec: The search space.

    Returns:
        ``{parameter name: value}``; every value satisfies ``Parameter.contains``.
    """
    values: dict[str, ParamValue] = {}
    # Define-by-run: a choice is asked before the parameters of its branches, and a
    # parameter whose branch was not chosen is not asked at all (absent from the trial).
    for param in sorted(spec.parameters, key=lambda p: _depth(spec, p)):
        if is_active(spec.parameters, param.name, values):
            values[param.name] = _suggest_one(trial, param)
    return {p.name: values[p.name] for p in spec.parameters if p.name in values}


def _depth(spec: SearchSpec, param: Parameter) -> int:
    """How many ``when:`` links lead from ``param`` to a parameter that always applies."""
    depth = 0
    current = param
    while current.when is not None and depth < len(spec.parameters):
        current = spec.parameter(current.when.parameter)
        depth += 1
    return depth


def _suggest_one(trial: BaseTrial, param: Parameter) -> ParamValue:
    if param.type is ParameterType.DOUBLE:
        low, high = _bounds(param)
        step = None if param.step is None else float(param.step)
        return trial.suggest_float(param.name, low, high, step=step, log=param.is_log)
    if param.type is ParameterType.INT:
        low, high = _bounds(param)
        step = 1 if param.step is None else int(param.step)
        return trial.suggest_int(param.name, int(low), int(high), step=step, log=param.is_log)
    value = trial.suggest_categorical(param.name, list(param.values))
    if not isinstance(value, int | float | str):
        raise TypeError(f"parameter {param.name}: unexpected categorical value {value!r}")
    return value


def distributions(spec: SearchSpec) -> dict[str, BaseDistribution]:
    """The Optuna distributions ``suggest`` uses, for ``enqueue_trial`` / ``ask(...)``.

    ``study.ask(fixed_distributions=distributions(spec))`` samples the same space as
    ``suggest(study.ask(), spec)``, and ``suggest`` on such a trial returns its params.
    """
    return {param.name: _distribution(param) for param in spec.parameters}


def _distribution(param: Parameter) -> BaseDistribution:
    if param.type is ParameterType.DOUBLE:
        low, high = _bounds(param)
        step = None if param.step is None else float(param.step)
        return FloatDistribution(low, high, log=param.is_log, step=step)
    if param.type is ParameterType.INT:
        low, high = _bounds(param)
        step = 1 if param.step is None else int(param.step)
        return IntDistribution(int(low), int(high), log=param.is_log, step=step)
    return CategoricalDistribution(list(param.values))


def _bounds(param: Parameter) -> tuple[float, float]:
    if param.min is None or param.max is None:
        raise ValueError(f"parameter {param.name}: a {param.type.value} needs min and max")
    return float(param.min), float(param.max)
