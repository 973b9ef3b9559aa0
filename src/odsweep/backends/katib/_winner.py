"""The winner of a finished Experiment, as the local engine picks and records it.

Katib names the best trial (``status.currentOptimalTrial``) from what its collector
parsed from stdout; the trial itself wrote ``<model_dir>/trials/<trial>/result.json``
with its best checkpoint and every metric there. ``best.json`` is built from that file
with :func:`odsweep.results.best_record`, the same as a local sweep.

Two rules keep the choice the local engine's:

- Only succeeded and early-stopped trials compete (:mod:`odsweep.results`). Katib
  ranks every trial with an observation, a failed one too; when its pick did not
  succeed, the winner is chosen among the competing trials' ``result.json`` with
  :func:`~odsweep.results.select_best`.
- Katib's state of a trial wins over the state in its ``result.json``: an early-stopped
  trial was killed by Katib's collector, so its file says ``stopped`` (or ``running``
  when the kill gave it no time); it is recorded as ``early_stopped``, as the local
  engine records the trials its median rule stops.
"""

from __future__ import annotations

import logging
import math
from dataclasses import replace

from odsweep import storage
from odsweep.backends.katib._errors import ExperimentFailed
from odsweep.backends.katib._follow import KatibOutcome
from odsweep.backends.katib._status import ExperimentStatus, TrialState
from odsweep.errors import InputError
from odsweep.results import (
    RESULT_FILE,
    TRIALS_DIR,
    Best,
    TrialResult,
    TrialStatus,
    best_record,
    read_result,
    select_best,
)

logger = logging.getLogger(__name__)

REL_TOLERANCE = 1e-6
"""How far Katib's value and result.json's may differ before a warning (float printing)."""
_COMPETE = (TrialState.SUCCEEDED, TrialState.EARLY_STOPPED)
_KATIB_TO_RESULT = {
    TrialState.SUCCEEDED: TrialStatus.SUCCEEDED,
    TrialState.EARLY_STOPPED: TrialStatus.EARLY_STOPPED,
    TrialState.FAILED: TrialStatus.FAILED,
    TrialState.METRICS_UNAVAILABLE: TrialStatus.FAILED,
    TrialState.KILLED: TrialStatus.STOPPED,
    TrialState.RUNNING: TrialStatus.RUNNING,
    TrialState.PENDING: TrialStatus.RUNNING,
}
# What a trial's own file says when Katib ended it from outside: no reason to warn.
_EXPECTED = {
    TrialStatus.EARLY_STOPPED: (TrialStatus.STOPPED, TrialStatus.RUNNING),
    TrialStatus.FAILED: (TrialStatus.RUNNING, TrialStatus.STOPPED, TrialStatus.SUCCEEDED),
    TrialStatus.STOPPED: (TrialStatus.RUNNING,),
}


def winner(outcome: KatibOutcome, *, model_dir: str | None = None) -> Best:
    """``best.json`` of the winning trial (write it with :func:`odsweep.results.write_best`).

    Args:
        outcome: What :func:`follow` returned.
        model_dir: The sweep's output root; default: the Experiment's own ``--model-dir``,
            read back from its trial template.

    Raises:
        ExperimentFailed: The Experiment failed, or no competing trial has a best
            checkpoint (the local engine's "no trial has a best checkpoint").
        InputError: The winner's result.json cannot be read (wrong ``model_dir``, no
            access to the bucket).
    """
    return best_record(winner_result(outcome, model_dir=model_dir))


def winner_result(outcome: KatibOutcome, *, model_dir: str | None = None) -> TrialResult:
    """The winning trial's ``result.json`` (for export and reports); see :func:`winner`."""
    if not outcome.succeeded:
        raise outcome.failure()
    status = outcome.status
    trials_dir = _trials_dir(status, model_dir)
    competing = [name for state in _COMPETE for name in status.trial_names[state]]
    # Oldest first when the Trials were listed: select_best gives a tie to the earlier one.
    created = {t.name: i for i, t in enumerate(outcome.trials)}
    competing.sort(key=lambda name: created.get(name, len(created)))
    optimal = status.optimal
    if optimal is not None and optimal.name in competing:
        result = _read(trials_dir, optimal.name, status)
        if result.best is not None:
            _cross_check(result, status.best_value(), status)
            return result
        logger.warning(
            "Katib ranks %s best, but its result.json has no best checkpoint; choosing among "
            "the other succeeded and early-stopped trials",
            optimal.name,
        )
    elif optimal is not None:
        state = status.state_of(optimal.name)
        logger.warning(
            "Katib ranks %s best, but it is %s; as in a local sweep, only succeeded and "
            "early-stopped trials compete",
            optimal.name,
            "running" if state is None else state.value,
        )
    results = []
    for name in competing:
        try:
            results.append(_read(trials_dir, name, status))
        except InputError as exc:
            logger.warning("%s left out: %s", name, "; ".join(exc.messages))
    chosen = select_best(results, status.objective.type)
    if chosen is None:
        raise ExperimentFailed(
            [
                f"Katib Experiment {status.ref} succeeded, but none of its "
                f"{len(competing)} succeeded or early-stopped trial(s) has a best "
                f"checkpoint in {trials_dir}",
                f"look at: {storage.join(trials_dir, '<trial>', RESULT_FILE)} of each trial",
            ]
        )
    observed = {t.name: t for t in outcome.trials}.get(chosen.trial)
    if observed is not None and status.objective.metric in observed.metrics:
        metric = observed.metrics[status.objective.metric]
        _cross_check(chosen, metric.value(status.objective.strategy), status)
    return chosen


def trial_results(
    outcome: KatibOutcome, *, model_dir: str | None = None
) -> tuple[TrialResult, ...]:
    """Every trial's result.json with Katib's state applied, oldest first (for reports).

    Trials without a readable result.json (never started, no access) are left out, as
    the local engine leaves them out of its results. A MetricsUnavailable trial is
    ``failed``, a killed one ``stopped``.
    """
    status = outcome.status
    trials_dir = _trials_dir(status, model_dir, quiet=True)
    names = [t.name for t in outcome.trials] or [
        name for names in status.trial_names.values() for name in names
    ]
    out = []
    for name in names:
        if storage.exists(storage.join(trials_dir, name, RESULT_FILE)):
            out.append(_read(trials_dir, name, status, quiet=True))
    return tuple(out)


def _trials_dir(status: ExperimentStatus, model_dir: str | None, *, quiet: bool = False) -> str:
    if model_dir is None:
        if status.model_dir is None:
            raise InputError(
                f"model_dir: the trial template of Katib Experiment {status.ref} has no "
                "--trial-dir <model-dir>/trials/...; give the sweep's --model-dir"
            )
        model_dir = status.model_dir
    elif (
        not quiet
        and status.model_dir is not None
        and status.model_dir.rstrip("/") != model_dir.rstrip("/")
    ):
        logger.warning(
            "reading the trials from %s, but Experiment %s writes them to %s",
            model_dir,
            status.ref,
            status.model_dir,
        )
    return storage.join(model_dir, TRIALS_DIR)


def _read(
    trials_dir: str, name: str, status: ExperimentStatus, *, quiet: bool = False
) -> TrialResult:
    """``name``'s result.json with Katib's state of the trial (see the module doc)."""
    state = status.state_of(name)
    trial_dir = storage.join(trials_dir, name)
    try:
        result = read_result(trial_dir)
    except InputError as exc:
        raise InputError(
            [
                *exc.messages,
                f"trial {name}: Katib says it is {state.value if state else 'unknown'}, but "
                f"its {RESULT_FILE} cannot be read from {trial_dir}; is that the "
                "Experiment's --model-dir, and can this machine read it?",
            ]
        ) from None
    wanted = _KATIB_TO_RESULT.get(state) if state is not None else None
    if wanted is None or result.status is wanted:
        return result
    if not quiet and result.status not in _EXPECTED.get(wanted, ()):
        logger.warning(
            "%s: Katib says %s, its result.json says %s; recording it as %s",
            name,
            state.value if state else "unknown",
            result.status.value,
            wanted.value,
        )
    if wanted is TrialStatus.EARLY_STOPPED:
        error = None
    elif wanted is TrialStatus.FAILED and state is not None:
        error = result.error or _katib_reason(state, status)
    else:
        error = result.error
    return replace(result, status=wanted, error=error)


def _katib_reason(state: TrialState, status: ExperimentStatus) -> str:
    if state is TrialState.METRICS_UNAVAILABLE:
        return f"Katib read no {status.objective.metric} value from its output (MetricsUnavailable)"
    return f"Katib marked it {state.value}"


def _cross_check(result: TrialResult, katib_value: float | None, status: ExperimentStatus) -> None:
    """Warn when Katib's value (parsed from stdout) and result.json's best disagree."""
    if katib_value is None or result.best is None:
        return
    ours = result.best.value
    if math.isclose(ours, katib_value, rel_tol=REL_TOLERANCE, abs_tol=1e-12):
        return
    logger.warning(
        "%s: Katib recorded %s=%r (the %s of what its collector parsed from the trial's "
        "output), but result.json's best checkpoint (step %d) has %r; best.json follows "
        "result.json",
        result.trial,
        status.objective.metric,
        katib_value,
        status.objective.strategy,
        result.best.step,
        ours,
    )
