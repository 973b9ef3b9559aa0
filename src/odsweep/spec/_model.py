"""The search space as frozen values: what both engines (Optuna, Katib) are built from."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from types import MappingProxyType
from typing import TypeVar, overload

from odsweep.results import Constraint, ObjectiveType, Tradeoff
from odsweep.spec._kube import ClusterSpec
from odsweep.spec._space import Parameter
from odsweep.spec._warmstart import WarmStart

SettingValue = int | float | str
"""An algorithm setting's typed value."""

_T = TypeVar("_T")


def _empty_map() -> Mapping[str, str]:
    return MappingProxyType({})


class AlgorithmName(StrEnum):
    """The Katib algorithms odsweep runs on both engines."""

    RANDOM = "random"
    GRID = "grid"
    TPE = "tpe"
    MULTIVARIATE_TPE = "multivariate-tpe"
    CMAES = "cmaes"
    SOBOL = "sobol"
    BAYESIANOPTIMIZATION = "bayesianoptimization"
    HYPERBAND = "hyperband"


class ExportInputType(StrEnum):
    """The OD API exporter's ``input_type`` for the best model."""

    IMAGE_TENSOR = "image_tensor"
    ENCODED_IMAGE_STRING_TENSOR = "encoded_image_string_tensor"
    TF_EXAMPLE = "tf_example"
    FLOAT_IMAGE_TENSOR = "float_image_tensor"


@dataclass(frozen=True)
class Objective:
    """What a trial is scored by.

    Attributes:
        type: Maximize or minimize.
        metric: The objective metric name (alias ``loss`` already resolved).
        goal: Katib stops the search once a trial reaches it (>= when maximizing,
            <= when minimizing); None for no goal.
        additional_metrics: Further metrics recorded per trial (never the objective).
        tradeoffs: Further objectives: locally the study is multi-objective over the
            primary and these; on Katib they are collected and the Pareto front is
            computed after the Experiment. The primary alone decides early stopping,
            the goal and the export without constraints.
    """

    type: ObjectiveType
    metric: str
    goal: float | None = None
    additional_metrics: tuple[str, ...] = ()
    tradeoffs: tuple[Tradeoff, ...] = ()

    @property
    def collected(self) -> tuple[str, ...]:
        """The additional metrics, then each trade-off metric not already among them
        (Katib's ``additionalMetricNames``: the collector gathers exactly these)."""
        extra = [t.metric for t in self.tradeoffs if t.metric not in self.additional_metrics]
        return (*self.additional_metrics, *extra)

    @property
    def metrics(self) -> tuple[str, ...]:
        """The objective followed by every other metric collected per trial."""
        return (self.metric, *self.collected)

    @property
    def primary(self) -> Tradeoff:
        """The primary objective in the trade-offs' form (the front's first criterion)."""
        return Tradeoff(self.metric, self.type)

    def better(self, a: float, b: float) -> bool:
        """True when ``a`` is strictly better than ``b`` (:meth:`ObjectiveType.better`)."""
        return self.type.better(a, b)

    def best(self, values: Iterable[float]) -> float | None:
        """The best of ``values`` ignoring NaN, or None when there is none."""
        return self.type.best(values)

    def reached_goal(self, value: float) -> bool:
        """True when ``value`` meets ``goal`` the way Katib checks it (False without goal)."""
        if self.goal is None or math.isnan(value):
            return False
        if self.type is ObjectiveType.MAXIMIZE:
            return value >= self.goal
        return value <= self.goal


@dataclass(frozen=True)
class Algorithm:
    """The search algorithm and its validated, typed settings.

    Attributes:
        name: One of the algorithms odsweep supports.
        settings: ``(name, typed value)`` pairs in the order written.
    """

    name: AlgorithmName
    settings: tuple[tuple[str, SettingValue], ...] = ()

    @overload
    def setting(self, name: str) -> SettingValue | None: ...

    @overload
    def setting(self, name: str, default: _T) -> SettingValue | _T: ...

    def setting(self, name: str, default: object = None) -> object:
        """The typed value of setting ``name`` (int, float or str), else ``default``."""
        for key, value in self.settings:
            if key == name:
                return value
        return default

    @property
    def seed(self) -> int | None:
        """The ``random_state`` setting, or None when not set."""
        value = self.setting("random_state")
        return value if isinstance(value, int) else None


MEDIANSTOP = "medianstop"
ASHA = "asha"


@dataclass(frozen=True)
class EarlyStopping:
    """Katib's median stopping rule (both engines).

    Attributes:
        name: Always ``medianstop``.
        min_trials_required: Succeeded trials needed before any trial is stopped.
        start_step: The evaluation (1-based report count) at which a trial is compared.
    """

    name: str = MEDIANSTOP
    min_trials_required: int = 3
    start_step: int = 4

    @property
    def settings(self) -> tuple[tuple[str, int], ...]:
        """Katib's ``algorithmSettings`` as ``(name, value)`` pairs, in Katib's order."""
        return (("min_trials_required", self.min_trials_required), ("start_step", self.start_step))


@dataclass(frozen=True)
class AshaStopping:
    """Asynchronous successive halving (local engine only; Katib has no such service).

    Rung ``k`` (k = 0, 1, ...) is at step ``min_resource * reduction_factor ** (k +
    min_early_stopping_rate)``; a trial that reaches a rung continues only while its
    value there is in the top ``1 / reduction_factor`` of the values recorded at that
    rung so far (``backends/optuna/_asha.py``).

    Attributes:
        name: Always ``asha``.
        min_resource: Steps of the first rung; a multiple of ``checkpointEveryNSteps``.
        reduction_factor: ``eta``, >= 2: one trial in ``eta`` goes on at each rung.
        min_early_stopping_rate: Rungs skipped at the start (``s`` in Li et al. 2020).
    """

    name: str = ASHA
    min_resource: int = 1
    reduction_factor: int = 3
    min_early_stopping_rate: int = 0

    @property
    def settings(self) -> tuple[tuple[str, int], ...]:
        """The settings as ``(name, value)`` pairs, in the order documented."""
        return (
            ("min_resource", self.min_resource),
            ("reduction_factor", self.reduction_factor),
            ("min_early_stopping_rate", self.min_early_stopping_rate),
        )


@dataclass(frozen=True)
class ExportSpec:
    """How the best trial's model is exported.

    Attributes:
        input_type: The exporter's input signature.
        output_directory: Where the SavedModel goes (resolved path), or None for the
            engine's default.
        constraints: The exported trial is the best primary among the trials meeting
            all of them (none met: the search fails naming the closest trial).
    """

    input_type: ExportInputType = ExportInputType.IMAGE_TENSOR
    output_directory: str | None = None
    constraints: tuple[Constraint, ...] = ()


DEFAULT_STALL_TIMEOUT_SECONDS = 1800
"""A trial stalled this long is failed: generous, as a big model's first step (graph
building, a fine-tune checkpoint from gs://) or a large eval can take many minutes."""


# Keyword-only: nineteen fields are too many to pass by position safely.
@dataclass(frozen=True, kw_only=True)
class SearchSpec:
    """A validated search-space file.

    Paths are strings (``gs://`` survives); relative paths were resolved against the
    YAML file's folder, ``gs://`` and absolute paths kept as written.

    Attributes:
        name: DNS-1123 label (<= 40 characters) naming the study / Katib Experiment.
        source: Path or URI of the YAML file it came from.
        pipeline_config_path: The base OD API ``pipeline.config``.
        train_input_path: Replaces the config's train TFRecord glob, if set.
        eval_input_path: Replaces the config's eval TFRecord glob, if set.
        label_map_path: Replaces the config's label map, if set.
        num_train_steps: Training steps per trial.
        checkpoint_every_n_steps: A checkpoint (and an evaluation) every N steps.
        sample_1_of_n_eval_examples: Evaluate on every n-th eval example.
        overrides: Fixed ``{config path: value}`` applied to every trial (read-only).
        objective: The metric and its direction.
        algorithm: The search algorithm.
        early_stopping: Median stopping, ASHA, or None.
        parallel_trial_count: Trials run at once.
        max_trial_count: Trials in all.
        max_failed_trial_count: The search fails once this many trials failed
            (Katib: ``failed >= max``, so 0 and 1 both stop at the first failure);
            None means failures never fail the search (Katib's behaviour when the field
            is omitted).
        parameters: The searched parameters, in file order.
        export: How the best model is exported.
        cluster: Pod settings for Kubernetes, or None.
        trial_stall_timeout_seconds: A trial that makes no training step and no eval
            for this long is failed (its own watchdog).
        trial_timeout_seconds: A trial running longer than this is failed (locally by
            itself; on Katib also the Job's ``activeDeadlineSeconds``), or None.
        warm_start: The checkpoint every fresh trial starts from, or None.
    """

    name: str
    source: str
    pipeline_config_path: str
    train_input_path: str | None = None
    eval_input_path: str | None = None
    label_map_path: str | None = None
    num_train_steps: int
    checkpoint_every_n_steps: int
    sample_1_of_n_eval_examples: int = 1
    overrides: Mapping[str, object] = field(default_factory=_empty_map)
    objective: Objective
    algorithm: Algorithm
    early_stopping: EarlyStopping | AshaStopping | None = None
    parallel_trial_count: int = 1
    max_trial_count: int
    max_failed_trial_count: int | None = None
    parameters: tuple[Parameter, ...]
    export: ExportSpec = field(default_factory=ExportSpec)
    cluster: ClusterSpec | None = None
    trial_stall_timeout_seconds: int = DEFAULT_STALL_TIMEOUT_SECONDS
    trial_timeout_seconds: int | None = None
    warm_start: WarmStart | None = None

    def parameter(self, name: str) -> Parameter:
        """The parameter called ``name``.

        Raises:
            KeyError: There is no such parameter.
        """
        for param in self.parameters:
            if param.name == name:
                return param
        raise KeyError(name)


def evals_per_trial(spec: SearchSpec) -> int:
    """How many evaluations a full trial reports: one per checkpoint, plus the last step.

    ``ceil(num_train_steps / checkpoint_every_n_steps)``: checkpoints at every N steps
    and one at the final step when it is not a multiple of N.
    """
    return -(-spec.num_train_steps // spec.checkpoint_every_n_steps)
