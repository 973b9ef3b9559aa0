"""Recording trials in the study from their own ``result.json``.

Two rules hold here, whatever the timing:

- Every eval a trial recorded reaches the study (as an intermediate value) before the
  trial is told finished: :func:`tell_result` writes the missing ones first, from the
  record read after the process exited.
- A trial whose own record is final (succeeded, failed, early stopped) is never run
  again. When the engine died between the trial's end and the study learning of it,
  the study still has the trial RUNNING; :func:`recover` records it from its
  ``result.json`` instead of re-enqueueing it. Only a trial whose record is not final
  (running, stopped, missing, unreadable) runs again, in its own folder: it resumes
  from its newest checkpoint, or moves the earlier attempt aside and starts fresh
  (``odsweep.trial.resume``).
"""

from __future__ import annotations

import logging
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import optuna
from optuna.trial import TrialState

from odsweep import storage
from odsweep.backends.optuna import _study as studies
from odsweep.backends.optuna._budget import settle_decided
from odsweep.backends.optuna._objectives import TELL_ERROR_ATTR, study_values
from odsweep.backends.optuna._shared import study_lock
from odsweep.errors import InputError
from odsweep.results import Tradeoff, TrialResult, TrialStatus, read_result_checked

logger = logging.getLogger(__name__)

STATE_OF = {
    TrialStatus.SUCCEEDED: TrialState.COMPLETE,
    TrialStatus.EARLY_STOPPED: TrialState.PRUNED,
}
FINAL = (TrialStatus.SUCCEEDED, TrialStatus.FAILED, TrialStatus.EARLY_STOPPED)


def trial_id(study: optuna.Study, number: int) -> int:
    return int(study._storage.get_trial_id_from_study_id_trial_number(study._study_id, number))


def report_evals(study: optuna.Study, number: int, result: TrialResult) -> None:
    """Write every finite eval of ``result`` the study does not have yet."""
    tid = trial_id(study, number)
    have = study._storage.get_trial(tid).intermediate_values
    for record, value in zip(result.evals, result.objective_values(), strict=True):
        if math.isfinite(value) and record.step not in have:
            study._storage.set_trial_intermediate_value(tid, record.step, value)


def tell_result(
    study: optuna.Study, number: int, result: TrialResult, tradeoffs: Sequence[Tradeoff] = ()
) -> None:
    """Record a finished trial: its evals first, then its status and value(s).

    With ``tradeoffs`` the values are the primary, then each trade-off metric at the
    trial's best checkpoint. A succeeded trial missing one is told FAIL (Optuna takes
    every value or none) with the reason in its ``odsweep_tell_error`` attribute and a
    warning; its status attribute still says succeeded, so it counts as the succeeded
    trial it is towards the budgets, and its own record is untouched.
    """
    report_evals(study, number, result)
    state = STATE_OF.get(result.status, TrialState.FAIL)
    tid = trial_id(study, number)
    study._storage.set_trial_user_attr(tid, studies.STATUS_ATTR, result.status.value)
    if state is TrialState.COMPLETE and result.best is not None:
        values = study_values(result, tradeoffs)
        if isinstance(values, str):
            logger.warning("%s", values)
            study._storage.set_trial_user_attr(tid, TELL_ERROR_ATTR, values)
            study.tell(number, state=TrialState.FAIL, skip_if_finished=True)
        else:
            study.tell(number, values, skip_if_finished=True)
    elif state is TrialState.PRUNED:
        study.tell(number, state=TrialState.PRUNED, skip_if_finished=True)
    else:
        study.tell(number, state=TrialState.FAIL, skip_if_finished=True)


@dataclass(frozen=True)
class Recovery:
    """What resuming did with the trials a dead engine left RUNNING."""

    rerun: tuple[str, ...] = ()
    recorded: tuple[str, ...] = ()


def _final_record(trials_dir: str, name: object) -> TrialResult | None:
    if not isinstance(name, str):
        return None
    try:
        result = read_result_checked(storage.join(trials_dir, name))
    except InputError as exc:
        # Its folder is moved aside, not overwritten: the damaged record stays readable.
        logger.warning("%s; it runs again", exc)
        return None
    if result is None or result.status not in FINAL or result.trial != name:
        return None
    return result


def recover(study: optuna.Study, trials_dir: str, tradeoffs: Sequence[Tradeoff] = ()) -> Recovery:
    """Settle the trials whose engine on this host is gone; re-run only unfinished ones."""
    rerun: list[str] = []
    recorded: list[str] = []
    with study_lock(study):  # not inside take_over's: each holds a connection of its own
        _recover_gone(study, trials_dir, rerun, recorded, tradeoffs)
    rerun_stale, recorded_stale = take_over(study, trials_dir, tradeoffs)
    return Recovery(rerun=(*rerun, *rerun_stale), recorded=(*recorded, *recorded_stale))


def _recover_gone(
    study: optuna.Study,
    trials_dir: str,
    rerun: list[str],
    recorded: list[str],
    tradeoffs: Sequence[Tradeoff],
) -> None:
    for trial in study.get_trials(deepcopy=False, states=(TrialState.RUNNING,)):
        if not studies.owner_is_gone(trial.system_attrs.get(studies.OWNER_ATTR)):
            continue
        name = trial.user_attrs.get(studies.NAME_ATTR)
        final = _final_record(trials_dir, name)
        if final is not None:
            tell_result(study, trial.number, final, tradeoffs)
            logger.info(
                "%s had finished (%s): recorded from its result.json", name, final.status.value
            )
            recorded.append(str(name))
            continue
        decided = settle_decided(study, trial, trials_dir)
        if decided is not None:  # its early stop was decided before the engine died
            tell_result(study, trial.number, decided, tradeoffs)
            logger.info("%s had been stopped early: recorded, not run again", name)
            recorded.append(str(name))
            continue
        study._storage.set_trial_user_attr(trial._trial_id, studies.INTERRUPTED_ATTR, True)
        study._storage.set_trial_state_values(trial._trial_id, TrialState.FAIL)
        studies.retry_interrupted(study, trial)
        rerun.append(str(name))


def take_over(
    study: optuna.Study, trials_dir: str, tradeoffs: Sequence[Tradeoff] = ()
) -> tuple[list[str], list[str]]:
    """Settle the RUNNING trials whose heartbeat is older than the grace period (their
    worker died or lost the database): recorded from their ``result.json`` when it is
    final, else failed, marked interrupted and enqueued again under the same name (the
    next ask of any worker runs it; its folder is then moved aside, not wiped).

    Under the study lock, so that no worker starts a new trial in the budget slot
    between the failing and the re-enqueueing. Each trial's change from RUNNING is
    atomic in Optuna's storage: of two workers racing, one wins and the other skips.
    """
    from optuna.exceptions import UpdateFinishedTrialError

    storage: Any = study._storage  # the heartbeat half of Optuna's RDB storage
    rerun: list[str] = []
    recorded: list[str] = []
    if getattr(storage, "heartbeat_interval", None) is None:
        return rerun, recorded  # a study opened without heartbeats has no stale trials
    with study_lock(study):
        for tid in storage._get_stale_trial_ids(study._study_id):
            trial = storage.get_trial(tid)
            name = trial.user_attrs.get(studies.NAME_ATTR)
            final = _final_record(trials_dir, name)
            try:
                if final is not None:
                    tell_result(study, trial.number, final, tradeoffs)
                    recorded.append(str(name))
                    continue
                storage.set_trial_state_values(tid, TrialState.FAIL)
            except UpdateFinishedTrialError:
                continue  # another worker settled it first
            storage.set_trial_user_attr(tid, studies.INTERRUPTED_ATTR, True)
            logger.warning(
                "%s: its worker %s stopped sending heartbeats; taking it over",
                name,
                trial.system_attrs.get(studies.OWNER_ATTR, "?"),
            )
            studies.retry_interrupted(study, trial)
            rerun.append(str(name))
    return rerun, recorded
