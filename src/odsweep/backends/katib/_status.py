"""Katib's Experiment and Trial objects (``kubeflow.org/v1beta1``) read into frozen values.

The shapes are Katib's Go types (``pkg/apis/controller/experiments/v1beta1``,
``trials/v1beta1``, ``common/v1beta1``) as the API server serializes them: every
field may be missing (``omitempty``), metric values are strings and ``"unavailable"``
when the collector read none. How a state is decided follows Katib's own helpers:

- Experiment: a condition counts only with ``status: "True"``; Succeeded or Failed
  makes it completed; a Running condition turns ``"False"`` then but stays in the list.
- Trial: the order of ``updateTrialsSummary`` (status_util.go): Killed, Failed,
  Succeeded, EarlyStopped, Running, MetricsUnavailable, else Pending. An early-stopped
  trial keeps its Running condition (the early-stopping service only appends one), so
  the order matters. Before Katib 0.16 a trial without metrics was ``Succeeded:
  "False"`` with reason ``MetricsUnavailable``; both forms are read.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from types import MappingProxyType
from typing import Any

from odsweep.backends.katib._manifest import TRIAL_NAME_PARAMETER, placeholder
from odsweep.results import TRIALS_DIR
from odsweep.spec import ObjectiveType

UNAVAILABLE = "unavailable"
"""Katib's value for a metric the collector could not read (``consts.UnavailableMetricValue``)."""


class Phase(StrEnum):
    """Where an Experiment is, from its conditions."""

    PENDING = "Pending"  # no condition yet: Katib's controller has not reconciled it
    CREATED = "Created"
    RUNNING = "Running"
    RESTARTING = "Restarting"
    SUCCEEDED = "Succeeded"
    FAILED = "Failed"

    @property
    def completed(self) -> bool:
        return self in (Phase.SUCCEEDED, Phase.FAILED)


class TrialState(StrEnum):
    """A trial's state as Katib counts it."""

    PENDING = "Pending"
    RUNNING = "Running"
    SUCCEEDED = "Succeeded"
    FAILED = "Failed"
    KILLED = "Killed"
    EARLY_STOPPED = "EarlyStopped"
    METRICS_UNAVAILABLE = "MetricsUnavailable"


# Katib's ExperimentStatus field names per state: the name list, then the count.
_LISTS = {
    TrialState.PENDING: ("pendingTrialList", "trialsPending"),
    TrialState.RUNNING: ("runningTrialList", "trialsRunning"),
    TrialState.SUCCEEDED: ("succeededTrialList", "trialsSucceeded"),
    TrialState.FAILED: ("failedTrialList", "trialsFailed"),
    TrialState.KILLED: ("killedTrialList", "trialsKilled"),
    TrialState.EARLY_STOPPED: ("earlyStoppedTrialList", "trialsEarlyStopped"),
    TrialState.METRICS_UNAVAILABLE: ("metricsUnavailableTrialList", "trialMetricsUnavailable"),
}
_TRIAL_ORDER = (
    TrialState.KILLED,
    TrialState.FAILED,
    TrialState.SUCCEEDED,
    TrialState.EARLY_STOPPED,
    TrialState.RUNNING,
    TrialState.METRICS_UNAVAILABLE,
)


def _map(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _items(value: Any) -> list[Any]:
    return list(value) if isinstance(value, list) else []


def _number(text: Any) -> float | None:
    if text is None or text == UNAVAILABLE:
        return None
    try:
        return float(text)
    except (TypeError, ValueError):
        return None


@dataclass(frozen=True)
class Metric:
    """One metric of an observation: Katib's min, max and latest over a trial's reports."""

    name: str
    min: float | None
    max: float | None
    latest: float | None

    @classmethod
    def from_object(cls, obj: Mapping[str, Any]) -> Metric:
        return cls(
            name=str(obj.get("name", "")),
            min=_number(obj.get("min")),
            max=_number(obj.get("max")),
            latest=_number(obj.get("latest")),
        )

    def value(self, strategy: str) -> float | None:
        """The value Katib ranks by: min/max per strategy, latest when that is unavailable."""
        picked = {"min": self.min, "max": self.max}.get(strategy)
        return self.latest if picked is None else picked


def _metrics(observation: Any) -> Mapping[str, Metric]:
    out = {}
    for item in _items(_map(observation).get("metrics")):
        metric = Metric.from_object(_map(item))
        out[metric.name] = metric
    return MappingProxyType(out)


def _assignments(items: Any) -> Mapping[str, str]:
    pairs = (_map(a) for a in _items(items))
    return MappingProxyType({str(a.get("name")): str(a.get("value", "")) for a in pairs})


@dataclass(frozen=True)
class OptimalTrial:
    """``status.currentOptimalTrial``: the trial Katib ranks best so far."""

    name: str
    params: Mapping[str, str]
    metrics: Mapping[str, Metric]


@dataclass(frozen=True)
class KatibObjective:
    """The Experiment's ``spec.objective`` as Katib applies it."""

    metric: str
    type: ObjectiveType
    goal: float | None
    strategies: Mapping[str, str]

    @property
    def strategy(self) -> str:
        """How the objective is taken from a trial's reports (Katib's webhook default)."""
        default = "max" if self.type is ObjectiveType.MAXIMIZE else "min"
        return self.strategies.get(self.metric, default)


@dataclass(frozen=True)
class TrialCounts:
    """Katib's trial counts (``status.trials*``)."""

    total: int = 0
    pending: int = 0
    running: int = 0
    succeeded: int = 0
    failed: int = 0
    killed: int = 0
    early_stopped: int = 0
    metrics_unavailable: int = 0

    @property
    def finished(self) -> int:
        """What counts towards ``maxTrialCount`` (Katib's completed count)."""
        ended = self.succeeded + self.failed + self.killed + self.early_stopped
        return ended + self.metrics_unavailable

    @property
    def failed_for_budget(self) -> int:
        """What counts towards ``maxFailedTrialCount``: Failed + MetricsUnavailable."""
        return self.failed + self.metrics_unavailable


@dataclass(frozen=True)
class ExperimentStatus:
    """One reading of an Experiment: its spec's essentials and its status."""

    name: str
    namespace: str
    phase: Phase
    reason: str
    message: str
    counts: TrialCounts
    optimal: OptimalTrial | None
    trial_names: Mapping[TrialState, tuple[str, ...]]
    objective: KatibObjective
    max_trial_count: int | None
    max_failed_trial_count: int | None
    algorithm: str
    container: str
    model_dir: str | None

    @classmethod
    def from_object(cls, obj: Mapping[str, Any]) -> ExperimentStatus:
        """Read an Experiment as ``get_namespaced_custom_object`` returns it."""
        metadata, spec, status = (_map(obj.get(k)) for k in ("metadata", "spec", "status"))
        phase, reason, message = _experiment_phase(_items(status.get("conditions")))
        names = {
            state: tuple(str(n) for n in _items(status.get(field)))
            for state, (field, _) in _LISTS.items()
        }
        counts = {state: int(status.get(field) or 0) for state, (_, field) in _LISTS.items()}
        optimal_obj = _map(status.get("currentOptimalTrial"))
        optimal = None
        if optimal_obj.get("bestTrialName"):
            optimal = OptimalTrial(
                name=str(optimal_obj["bestTrialName"]),
                params=_assignments(optimal_obj.get("parameterAssignments")),
                metrics=_metrics(optimal_obj.get("observation")),
            )
        objective = _map(spec.get("objective"))
        template = _map(spec.get("trialTemplate"))
        goal = objective.get("goal")
        return cls(
            name=str(metadata.get("name", "")),
            namespace=str(metadata.get("namespace", "")),
            phase=phase,
            reason=reason,
            message=message,
            counts=TrialCounts(
                total=int(status.get("trials") or 0),
                pending=counts[TrialState.PENDING],
                running=counts[TrialState.RUNNING],
                succeeded=counts[TrialState.SUCCEEDED],
                failed=counts[TrialState.FAILED],
                killed=counts[TrialState.KILLED],
                early_stopped=counts[TrialState.EARLY_STOPPED],
                metrics_unavailable=counts[TrialState.METRICS_UNAVAILABLE],
            ),
            optimal=optimal,
            trial_names=MappingProxyType(names),
            objective=KatibObjective(
                metric=str(objective.get("objectiveMetricName", "")),
                type=ObjectiveType(objective.get("type", ObjectiveType.MAXIMIZE.value)),
                goal=None if goal is None else float(goal),
                strategies=MappingProxyType(
                    {
                        str(_map(s).get("name")): str(_map(s).get("value"))
                        for s in _items(objective.get("metricStrategies"))
                    }
                ),
            ),
            max_trial_count=_int_or_none(spec.get("maxTrialCount")),
            max_failed_trial_count=_int_or_none(spec.get("maxFailedTrialCount")),
            algorithm=str(_map(spec.get("algorithm")).get("algorithmName", "")),
            container=str(template.get("primaryContainerName", "")),
            model_dir=_model_dir(template),
        )

    def state_of(self, trial: str) -> TrialState | None:
        """The state the Experiment's lists give ``trial``, or None when it is in none."""
        for state, names in self.trial_names.items():
            if trial in names:
                return state
        return None

    def best_value(self) -> float | None:
        """Katib's objective value of the optimal trial, or None."""
        if self.optimal is None:
            return None
        metric = self.optimal.metrics.get(self.objective.metric)
        return None if metric is None else metric.value(self.objective.strategy)

    @property
    def ref(self) -> str:
        """``namespace/name``, as messages name the Experiment."""
        return f"{self.namespace}/{self.name}"


@dataclass(frozen=True)
class TrialInfo:
    """One Trial object: its state and the condition that decided it."""

    name: str
    state: TrialState
    reason: str
    message: str
    params: Mapping[str, str]
    metrics: Mapping[str, Metric]

    @classmethod
    def from_object(cls, obj: Mapping[str, Any]) -> TrialInfo:
        """Read one item of ``list_namespaced_custom_object(..., "trials")``."""
        status = _map(obj.get("status"))
        conditions = [_map(c) for c in _items(status.get("conditions"))]
        state, reason, message = TrialState.PENDING, "", ""
        true = {str(c.get("type")): c for c in conditions if c.get("status") == "True"}
        for candidate in _TRIAL_ORDER:
            if candidate.value in true:
                chosen = true[candidate.value]
                state = candidate
                reason, message = str(chosen.get("reason", "")), str(chosen.get("message", ""))
                break
        else:
            for c in conditions:
                # Katib < 0.16: no metrics was "Succeeded: False" with this reason.
                if c.get("type") == "Succeeded" and str(c.get("reason", "")).startswith(
                    TrialState.METRICS_UNAVAILABLE.value
                ):
                    state = TrialState.METRICS_UNAVAILABLE
                    reason, message = str(c.get("reason", "")), str(c.get("message", ""))
        return cls(
            name=str(_map(obj.get("metadata")).get("name", "")),
            state=state,
            reason=reason,
            message=message,
            params=_assignments(_map(obj.get("spec")).get("parameterAssignments")),
            metrics=_metrics(status.get("observation")),
        )


def _experiment_phase(conditions: list[Any]) -> tuple[Phase, str, str]:
    true = {}
    for c in conditions:
        cond = _map(c)
        if cond.get("status") == "True":
            true[str(cond.get("type"))] = cond
    for phase in (Phase.SUCCEEDED, Phase.FAILED, Phase.RESTARTING, Phase.RUNNING, Phase.CREATED):
        if phase.value in true:
            cond = true[phase.value]
            return phase, str(cond.get("reason", "")), str(cond.get("message", ""))
    return Phase.PENDING, "", ""


def _int_or_none(value: Any) -> int | None:
    return None if value is None else int(value)


def _model_dir(template: Mapping[str, Any]) -> str | None:
    """The ``--model-dir`` the Experiment was rendered with, read back from the trial args."""
    suffix = f"/{TRIALS_DIR}/{placeholder(TRIAL_NAME_PARAMETER)}"
    pod = _map(_map(_map(_map(template.get("trialSpec")).get("spec")).get("template")).get("spec"))
    for container in _items(pod.get("containers")):
        args = [str(a) for a in _items(_map(container).get("args"))]
        for flag, value in itertools.pairwise(args):
            if flag == "--trial-dir" and value.endswith(suffix):
                return value[: -len(suffix)]
    return None
