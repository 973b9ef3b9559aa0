"""The engine's side of budget-based search: ASHA's rung records, early-stop decisions
recorded before the signal, and Hyperband's next trial as an enqueued Optuna trial.

The decisions themselves are pure (:mod:`._asha`, :mod:`._hyperband`,
:mod:`._policy`); this module reads and writes the study.

An early-stop decision is written to the study (``odsweep_stopped_at``) BEFORE the
trial is signalled: an engine killed between the two leaves a trial whose decision is
known, and resuming records it as early stopped (:func:`settle_decided`) instead of
running it again.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import optuna
from optuna.trial import TrialState

from odsweep import storage
from odsweep.backends.optuna import _study as studies
from odsweep.backends.optuna._asha import keeps_running, rungs_reached, value_at
from odsweep.backends.optuna._hyperband import SLOT_ATTR, Launched, Next, Slot, next_trial
from odsweep.backends.optuna._objectives import primary_value
from odsweep.backends.optuna._policy import median_stop
from odsweep.errors import InputError
from odsweep.results import TrialResult, TrialStatus, read_result_checked, write_result
from odsweep.spec import AlgorithmName, AshaStopping, Bracket, SearchSpec, brackets, resource_name

logger = logging.getLogger(__name__)

STOPPED_AT_ATTR = "odsweep_stopped_at"
STOPPED_AT_KEY = "stopped_at"
"""The key of ``result.json``'s extra that says where an early-stopped trial stopped."""
STEPS_KEY = "steps_trained"
"""The key of ``result.json``'s extra with the last evaluated step (steps spent)."""


def _rung_attr(rung: int) -> str:
    return f"odsweep_asha_rung_{rung}"


def _trial_id(study: optuna.Study, number: int) -> int:
    return int(study._storage.get_trial_id_from_study_id_trial_number(study._study_id, number))


def record_stop(study: optuna.Study, number: int, stopped_at: dict[str, Any]) -> None:
    """Write the decision to stop trial ``number`` (call before signalling it)."""
    study._storage.set_trial_user_attr(_trial_id(study, number), STOPPED_AT_ATTR, stopped_at)


def stopped_at(study: optuna.Study, number: int) -> dict[str, Any] | None:
    """The recorded early-stop decision of trial ``number``, if any."""
    value = study._storage.get_trial(_trial_id(study, number)).user_attrs.get(STOPPED_AT_ATTR)
    return value if isinstance(value, dict) else None


def median_stopped_at(result: TrialResult) -> dict[str, Any]:
    """Where the median rule stopped a trial: its eval count and step."""
    return {"rule": "medianstop", "eval": len(result.evals), "step": result.evals[-1].step}


def plan_of(spec: SearchSpec) -> tuple[Bracket, ...] | None:
    """hyperband's brackets for ``spec``; None for every other algorithm."""
    if spec.algorithm.name is not AlgorithmName.HYPERBAND:
        return None
    return brackets(int(spec.algorithm.setting("r_l", 1)), int(spec.algorithm.setting("eta", 3)))


def decide_stop(
    study: optuna.Study,
    spec: SearchSpec,
    number: int,
    result: TrialResult,
    completed: Callable[[], list[list[float]]],
) -> dict[str, Any] | None:
    """Whether the spec's early stopping stops trial ``number`` now, and where.

    ``completed`` gives the succeeded trials' curves (read only for medianstop).
    """
    rule = spec.early_stopping
    if isinstance(rule, AshaStopping):
        return asha_stop(study, spec, number, result)
    if rule is not None and median_stop(
        rule=rule,
        objective=spec.objective,
        running=result.objective_values(),
        completed=completed(),
    ):
        return median_stopped_at(result)
    return None


def asha_stop(
    study: optuna.Study, spec: SearchSpec, number: int, result: TrialResult
) -> dict[str, Any] | None:
    """Decide each rung trial ``number`` reached since the last call; record its value.

    Returns:
        ``{"rule": "asha", "rung": k, "step": s}`` when the trial is below the cut of
        rung ``k``, else None.
    """
    rule = spec.early_stopping
    if not isinstance(rule, AshaStopping):
        return None
    steps = [record.step for record in result.evals]
    values = result.objective_values()
    tid = _trial_id(study, number)
    mine = study._storage.get_trial(tid).user_attrs
    for rung, step in rungs_reached(rule, spec.num_train_steps, steps):
        key = _rung_attr(rung)
        if key in mine:
            continue
        value = value_at(spec.objective, steps, values, step)
        others = [
            None if t.user_attrs.get(studies.STATUS_ATTR) == TrialStatus.FAILED.value else v
            for t in studies.logical_trials(study)
            if t.number != number and key in t.user_attrs
            for v in [t.user_attrs[key]]
        ]
        study._storage.set_trial_user_attr(tid, key, value)
        if not keeps_running(rule, spec.objective, value=value, others=others):
            return {"rule": "asha", "rung": rung, "step": step}
    return None


def settle_decided(
    study: optuna.Study, trial: optuna.trial.FrozenTrial, trials_dir: str
) -> TrialResult | None:
    """The early-stopped record of a trial whose stop was decided, written to its folder.

    None when no decision was recorded or the trial left no readable record.
    """
    decision = trial.user_attrs.get(STOPPED_AT_ATTR)
    name = trial.user_attrs.get(studies.NAME_ATTR)
    if not isinstance(decision, dict) or not isinstance(name, str):
        return None
    folder = storage.join(trials_dir, name)
    try:
        result = read_result_checked(folder)
    except InputError:
        return None
    if result is None:
        return None
    result = replace(
        result,
        status=TrialStatus.EARLY_STOPPED,
        error=None,
        extra={**result.extra, STOPPED_AT_KEY: decision, STEPS_KEY: steps_trained(result)},
    )
    write_result(folder, result)
    return result


def steps_trained(result: TrialResult) -> int:
    """The steps a trial is known to have trained: its last evaluated step."""
    return result.evals[-1].step if result.evals else 0


def enqueue_next(study: optuna.Study, spec: SearchSpec, plan: tuple[Bracket, ...]) -> bool:
    """Make Hyperband's next trial the one ``study.ask()`` returns; False when none starts.

    Nothing starts while a rung is still running or once every bracket ran. A waiting
    trial (an interrupted one, re-run with its slot) goes first: nothing is enqueued.
    """
    if study.get_trials(deepcopy=False, states=(TrialState.WAITING,)):
        return True
    launched = [
        Launched(
            slot=Slot(*t.user_attrs[SLOT_ATTR]),
            finished=t.state is not TrialState.RUNNING,
            value=primary_value(t) if t.state is TrialState.COMPLETE else None,
            params=t.params,
        )
        for t in studies.logical_trials(study)
        if SLOT_ATTR in t.user_attrs
    ]
    step = next_trial(plan, launched, spec.objective)
    if not isinstance(step, Next):
        return False
    name = resource_name(spec.algorithm)
    if name is None:
        raise ValueError("hyperband without resource_name: the spec should have refused it")
    params = {**(step.params or {}), name: step.resource}
    slot = [step.slot.s, step.slot.i, step.slot.k]
    study.enqueue_trial(params, user_attrs={SLOT_ATTR: slot}, skip_if_exists=False)
    logger.info(
        "hyperband bracket s=%d rung %d: configuration %d with %s=%d (%s)",
        step.slot.s,
        step.slot.i,
        step.slot.k,
        name,
        step.resource,
        "promoted" if step.params else "new",
    )
    return True
