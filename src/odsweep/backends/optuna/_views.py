"""What the study says about the search: every worker's trials, read afresh each time."""

from __future__ import annotations

import logging

import optuna
from optuna.trial import TrialState

from odsweep import storage
from odsweep.backends.optuna import _study as studies
from odsweep.backends.optuna._objectives import primary_value
from odsweep.backends.optuna._policy import Tally
from odsweep.errors import InputError
from odsweep.results import TrialResult, TrialStatus, read_result_checked
from odsweep.spec import SearchSpec

logger = logging.getLogger(__name__)


def results(study: optuna.Study, trials_dir: str) -> tuple[TrialResult, ...]:
    """Every logical trial's result.json, in trial order (missing ones skipped).

    A finished trial whose result.json is damaged keeps the study's record (it is
    not re-run) and is left out here, with a warning naming the file.
    """
    out = []
    for trial in studies.logical_trials(study):
        name = trial.user_attrs.get(studies.NAME_ATTR)
        if isinstance(name, str):
            try:
                result = read_result_checked(storage.join(trials_dir, name))
            except InputError as exc:
                logger.warning("%s (the study keeps its %s record)", exc, trial.state.name)
                continue
            if result is not None:
                out.append(result)
    return tuple(out)


def tally(study: optuna.Study) -> Tally:
    counts = dict.fromkeys(TrialStatus, 0)
    for trial in studies.logical_trials(study):
        if trial.state is TrialState.RUNNING:
            counts[TrialStatus.RUNNING] += 1
            continue
        status = trial.user_attrs.get(studies.STATUS_ATTR)
        if not status and trial.state is TrialState.FAIL:
            continue  # failed by a take-over, about to be marked and re-enqueued
        counts[TrialStatus(status) if status else _status_of(trial.state)] += 1
    return Tally(
        succeeded=counts[TrialStatus.SUCCEEDED],
        failed=counts[TrialStatus.FAILED],
        early_stopped=counts[TrialStatus.EARLY_STOPPED],
        stopped=counts[TrialStatus.STOPPED],
        running=counts[TrialStatus.RUNNING],
    )


def completed_curves(study: optuna.Study) -> list[list[float]]:
    curves = []
    for trial in studies.logical_trials(study):
        if trial.user_attrs.get(studies.STATUS_ATTR) == TrialStatus.SUCCEEDED.value:
            values = trial.intermediate_values
            curves.append([values[s] for s in sorted(values)])
    return curves


def best_value(study: optuna.Study, spec: SearchSpec) -> float | None:
    """The best primary value so far (the goal and the progress bar read the primary
    alone, also in a multi-objective study)."""
    values = [
        v
        for t in studies.logical_trials(study)
        if t.state is TrialState.COMPLETE and (v := primary_value(t)) is not None
    ]
    return spec.objective.best(values)


def _status_of(state: TrialState) -> TrialStatus:
    if state is TrialState.COMPLETE:
        return TrialStatus.SUCCEEDED
    if state is TrialState.PRUNED:
        return TrialStatus.EARLY_STOPPED
    return TrialStatus.FAILED
