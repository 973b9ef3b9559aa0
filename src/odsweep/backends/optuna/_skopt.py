"""Katib's ``bayesianoptimization`` locally: an Optuna sampler that asks ``skopt.Optimizer``.

Katib's skopt suggestion service (kubeflow/katib ``pkg/suggestion/v1beta1/skopt/``) builds
one ``skopt.Optimizer(space, base_estimator, n_initial_points, acq_func, acq_optimizer,
random_state)`` per Experiment, tells it every SUCCEEDED trial with a value (failed,
early-stopped and killed trials are never told; ``internal/trial.py``), negating the
objective for maximize, and asks ``n_points=current_request_number`` (skopt's constant
liar, ``cl_min``, inside one batch). Its space: double -> ``Real(min, max, prior)``, int
-> ``Integer(min, max, prior)`` with prior ``uniform`` or ``log-uniform``, discrete and
categorical -> ``Categorical(list)``.

This sampler passes the same settings to the same skopt (0.10.2) over the same space.
Where it differs, and why:

- **Stateless.** Each trial builds a fresh optimizer and tells it every COMPLETE trial
  at once, in trial order. Katib's service keeps one optimizer alive and tells trials as
  they succeed, so its ``gp_hedge`` gains accumulate across calls; here they start from
  zero at every trial. Stateless is what makes a resumed study (a new process) and a
  re-run with the same seed ask the same points.
- **Seed per trial.** The optimizer is seeded with ``(random_state, trial number)``, not
  ``random_state`` alone: a fresh optimizer seeded the same way would draw the same first
  random point for every trial. With no random_state the draws are unseeded, as in Katib.
- **Running trials** are told as constant lies (the best value so far, skopt's
  ``cl_min``), which is what skopt's own batch ask does inside one Katib call; Katib
  does not tell trials it asked in earlier calls, and asks the same point again when no
  trial succeeded in between. Lies are told only once a real value exists.
- **Pruned (early-stopped) and failed trials are not told**, as in Katib.
"""

from __future__ import annotations

import logging
import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import optuna
from optuna.distributions import BaseDistribution
from optuna.samplers import BaseSampler, RandomSampler
from optuna.study import StudyDirection
from optuna.trial import FrozenTrial, TrialState
from skopt import Optimizer
from skopt.space import Categorical, Dimension, Integer, Real

from odsweep.spec import Algorithm, Parameter, ParameterType, ParamValue

logger = logging.getLogger(__name__)

# Katib's skopt service defaults (OptimizerConfiguration), which are skopt's own.
SKOPT_BASE_ESTIMATOR = "GP"
SKOPT_N_INITIAL_POINTS = 10
SKOPT_ACQ_FUNC = "gp_hedge"
SKOPT_ACQ_OPTIMIZER = "auto"


@dataclass(frozen=True)
class SkoptSettings:
    """Katib's bayesianoptimization settings, with Katib's defaults."""

    base_estimator: str = SKOPT_BASE_ESTIMATOR
    n_initial_points: int = SKOPT_N_INITIAL_POINTS
    acq_func: str = SKOPT_ACQ_FUNC
    acq_optimizer: str = SKOPT_ACQ_OPTIMIZER
    random_state: int | None = None

    @classmethod
    def of(cls, algorithm: Algorithm) -> SkoptSettings:
        """The settings of a validated ``bayesianoptimization`` algorithm."""
        n_initial = algorithm.setting("n_initial_points", SKOPT_N_INITIAL_POINTS)
        if isinstance(n_initial, bool) or not isinstance(n_initial, int):
            raise TypeError(f"algorithm setting n_initial_points must be an int: {n_initial!r}")
        return cls(
            base_estimator=str(algorithm.setting("base_estimator", SKOPT_BASE_ESTIMATOR)),
            n_initial_points=n_initial,
            acq_func=str(algorithm.setting("acq_func", SKOPT_ACQ_FUNC)),
            acq_optimizer=str(algorithm.setting("acq_optimizer", SKOPT_ACQ_OPTIMIZER)),
            random_state=algorithm.seed,
        )


def dimensions(parameters: Sequence[Parameter]) -> list[Dimension]:
    """The skopt space Katib's service builds: Real / Integer with prior, Categorical."""
    dims: list[Dimension] = []
    for param in parameters:
        prior = "log-uniform" if param.is_log else "uniform"
        if param.type is ParameterType.DOUBLE:
            low, high = _bounds(param)
            dims.append(Real(low, high, prior=prior, name=param.name))
        elif param.type is ParameterType.INT:
            low, high = _bounds(param)
            dims.append(Integer(int(low), int(high), prior=prior, name=param.name))
        else:
            dims.append(Categorical(list(param.values), name=param.name))
    return dims


class SkoptSampler(BaseSampler):
    """Every parameter of a trial from one ``skopt.Optimizer.ask`` (see module docstring)."""

    def __init__(
        self,
        parameters: Sequence[Parameter],
        space: dict[str, BaseDistribution],
        settings: SkoptSettings,
    ) -> None:
        self._parameters = tuple(parameters)
        self._space = dict(space)
        self.settings = settings
        # Draws the per-trial seeds when no random_state was given (unseeded, as in Katib).
        self._entropy = np.random.default_rng()
        # Only reached if a parameter is asked outside the spec's space (never in odsweep).
        self._fallback = RandomSampler(seed=settings.random_state)

    def optimizer(self, seed: int | None) -> Optimizer:
        """A fresh optimizer over the spec's space with Katib's settings."""
        return Optimizer(
            dimensions(self._parameters),
            base_estimator=self.settings.base_estimator,
            n_initial_points=self.settings.n_initial_points,
            acq_func=self.settings.acq_func,
            acq_optimizer=self.settings.acq_optimizer,
            random_state=seed,
        )

    def infer_relative_search_space(
        self, study: optuna.Study, trial: FrozenTrial
    ) -> dict[str, BaseDistribution]:
        return dict(self._space)

    def sample_relative(
        self, study: optuna.Study, trial: FrozenTrial, search_space: dict[str, BaseDistribution]
    ) -> dict[str, Any]:
        if not search_space:
            return {}
        sign = -1.0 if study.direction is StudyDirection.MAXIMIZE else 1.0
        told_x: list[list[Any]] = []
        told_y: list[float] = []
        pending: list[list[Any]] = []
        for other in study.get_trials(deepcopy=False):
            if other.number == trial.number:
                continue
            point = self._point(other)
            if point is None:
                continue
            if other.state is TrialState.COMPLETE and other.value is not None:
                if math.isfinite(other.value):
                    told_x.append(point)
                    told_y.append(sign * other.value)
            elif other.state is TrialState.RUNNING:
                pending.append(point)
        opt = self.optimizer(self._seed(trial.number))
        with warnings.catch_warnings():
            # skopt warns when a categorical-only space proposes a point already told;
            # Katib's service asks the same way, so the point stands.
            warnings.filterwarnings("ignore", message="The objective has been evaluated")
            if told_x:
                lie = min(told_y)
                opt.tell(told_x + pending, told_y + [lie] * len(pending))
            asked = opt.ask()
        params = {p.name: _python_value(p, v) for p, v in zip(self._parameters, asked, strict=True)}
        logger.debug(
            "trial %d: skopt told %d result(s) and %d running trial(s), asked %s",
            trial.number,
            len(told_x),
            len(pending) if told_x else 0,
            params,
        )
        return params

    def sample_independent(
        self,
        study: optuna.Study,
        trial: FrozenTrial,
        param_name: str,
        param_distribution: BaseDistribution,
    ) -> Any:
        return self._fallback.sample_independent(study, trial, param_name, param_distribution)

    def _seed(self, number: int) -> int:
        seed = self.settings.random_state
        if seed is None:
            return int(self._entropy.integers(0, 2**32 - 1))
        # A distinct, reproducible stream per trial: (seed, number) hashed by SeedSequence.
        return int(np.random.SeedSequence([seed, number]).generate_state(1)[0])

    def _point(self, trial: FrozenTrial) -> list[Any] | None:
        """The trial's parameters in spec order, or None if one is missing or off-space."""
        point: list[Any] = []
        for param in self._parameters:
            if param.name not in trial.params:
                return None
            value = trial.params[param.name]
            if not param.contains(value):
                return None
            point.append(value)
        return point


def _python_value(param: Parameter, value: object) -> ParamValue:
    """skopt's numpy scalar as the spec's Python type, inside the inclusive bounds."""
    if param.type is ParameterType.DOUBLE:
        low, high = _bounds(param)
        return min(max(float(value), low), high)  # type: ignore[arg-type]
    if param.type is ParameterType.INT:
        low, high = _bounds(param)
        return int(min(max(round(float(value)), int(low)), int(high)))  # type: ignore[arg-type]
    for choice in param.values:
        if choice == value:
            return choice
    raise ValueError(f"parameter {param.name}: skopt returned {value!r}, not one of the list")


def _bounds(param: Parameter) -> tuple[float, float]:
    if param.min is None or param.max is None:
        raise ValueError(f"parameter {param.name}: a {param.type.value} needs min and max")
    return float(param.min), float(param.max)
