"""Follow an Experiment until Katib says it ended, and say why it ended.

Katib decides everything (budgets, goal, early stopping); this module only reads
``status`` every ``poll_seconds`` and turns the end into a :class:`KatibOutcome`.

After ``Succeeded`` it keeps reading while trials still run: Katib stops none of them
when the Experiment completes (a completed Experiment skips ``ReconcileTrials``), and
as long as ``trialsRunning`` is not 0 its controller keeps summarizing them, so one of
them may still become ``currentOptimalTrial`` -- exactly as the local engine waits for
its running trials. It waits on ``trialsRunning`` only, as Katib's ``HasRunningTrials``
does: once that is 0 the controller stops updating a completed Experiment, so a
pending count left in it would never drop. A failed Experiment has no winner to wait
for, so its message comes at once.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from odsweep.backends.katib._api import (
    EXPERIMENT_LABEL,
    EXPERIMENTS,
    GROUP,
    REQUEST_TIMEOUT,
    TRIALS,
    VERSION,
    CustomObjectsApiLike,
    api_message,
    is_transient,
    status_of,
)
from odsweep.backends.katib._errors import (
    ExperimentFailed,
    ExperimentGone,
    FollowTimeout,
    KatibApiError,
)
from odsweep.backends.katib._progress import FollowProgress, describe_best, describe_counts
from odsweep.backends.katib._status import ExperimentStatus, Phase, TrialInfo, TrialState
from odsweep.errors import InputError

logger = logging.getLogger(__name__)

MAX_CONSECUTIVE_ERRORS = 5
RESUME_HINT = (
    "follow it again: run the same odsweep command again (the existing Experiment is "
    "resumed, not created again)"
)
_MAX_FAILED_MESSAGE = "max failed count"
_SUGGESTION_FAILED_MESSAGE = "Suggestion has failed"


class KatibVerdict(StrEnum):
    """Why the Experiment ended; the wording of the local engine's verdicts where shared."""

    SUCCEEDED_MAX_TRIALS = "succeeded: maxTrialCount reached"
    SUCCEEDED_GOAL = "succeeded: objective goal reached"
    SUCCEEDED_SUGGESTION_END = "succeeded: the algorithm has no more suggestions"
    SUCCEEDED = "succeeded"
    FAILED_MAX_FAILED = "failed: maxFailedTrialCount reached"
    FAILED_SUGGESTION = "failed: the suggestion service failed"
    FAILED = "failed"


_SUCCEEDED_BY_REASON = {
    "ExperimentMaxTrialsReached": KatibVerdict.SUCCEEDED_MAX_TRIALS,
    "ExperimentGoalReached": KatibVerdict.SUCCEEDED_GOAL,
    "ExperimentSuggestionEndReached": KatibVerdict.SUCCEEDED_SUGGESTION_END,
}


@dataclass(frozen=True)
class KatibOutcome:
    """How an Experiment ended.

    Attributes:
        verdict: Why it ended.
        status: The last reading of the Experiment (``currentOptimalTrial``, counts, lists).
        trials: Every Trial object, oldest first; empty when they could not be listed.
        message: One line, like the local engine's ``SearchOutcome.message``.
        details: For a failure: what failed and where to look, one line each.
    """

    verdict: KatibVerdict
    status: ExperimentStatus
    trials: tuple[TrialInfo, ...]
    message: str
    details: tuple[str, ...] = ()

    @property
    def succeeded(self) -> bool:
        return self.verdict.value.startswith("succeeded")

    def failure(self) -> ExperimentFailed:
        """The error to raise for a failed outcome: the message, then ``details``."""
        return ExperimentFailed((self.message, *self.details))


def follow(
    api: CustomObjectsApiLike,
    name: str,
    namespace: str,
    *,
    timeout_seconds: float | None = None,
    poll_seconds: float = 30.0,
    progress: bool = True,
    resume_hint: str = RESUME_HINT,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> KatibOutcome:
    """Read the Experiment every ``poll_seconds`` until it has ended; see the module doc.

    Returns:
        The outcome, for Succeeded and Failed alike (check ``outcome.succeeded``).

    Raises:
        InputError: No such Experiment at the first reading; no permission to read it.
        ExperimentGone: It was deleted (or deleted and created again) while followed.
        FollowTimeout: Still running after ``timeout_seconds``; it keeps running.
        KatibApiError: The API failed ``MAX_CONSECUTIVE_ERRORS`` times in a row.
    """
    if poll_seconds <= 0:
        raise ValueError(f"poll_seconds must be > 0, got {poll_seconds}")
    start = clock()
    deadline = None if timeout_seconds is None else start + timeout_seconds
    shown = FollowProgress(enabled=progress)
    uid: str | None = None
    errors = 0
    status: ExperimentStatus | None = None
    waiting_logged = False
    try:
        while True:
            try:
                obj = api.get_namespaced_custom_object(
                    GROUP, VERSION, namespace, EXPERIMENTS, name, _request_timeout=REQUEST_TIMEOUT
                )
            except Exception as exc:
                errors = _on_get_error(exc, name, namespace, status, errors, resume_hint)
                sleep(poll_seconds)  # at most MAX_CONSECUTIVE_ERRORS times in a row
                continue
            errors = 0
            metadata = obj.get("metadata") or {}
            if uid is None:
                uid = metadata.get("uid")
            elif metadata.get("uid") != uid:
                raise ExperimentGone(_gone_lines(status, namespace, name, replaced=True))
            # The namespace is ours: an object read back may omit it (test doubles do).
            status = ExperimentStatus.from_object(
                {**obj, "metadata": {**metadata, "namespace": namespace}}
            )
            shown.update(status)
            if status.phase is Phase.FAILED or (
                status.phase is Phase.SUCCEEDED and status.counts.running == 0
            ):
                break
            if status.phase is Phase.SUCCEEDED and not waiting_logged:
                logger.info(
                    "Experiment %s %s; waiting for %d running trial(s), which may still "
                    "become the best",
                    status.ref,
                    status.phase.value.lower(),
                    status.counts.running,
                )
                waiting_logged = True
            now = clock()
            if deadline is not None and now >= deadline:
                if status.phase is Phase.SUCCEEDED:
                    logger.warning(
                        "stopped waiting after %g s: %d trial(s) of %s still running are "
                        "left out of the winner",
                        timeout_seconds,
                        status.counts.running,
                        status.ref,
                    )
                    break
                raise FollowTimeout(_timeout_lines(status, timeout_seconds, resume_hint))
            sleep(poll_seconds if deadline is None else max(0.0, min(poll_seconds, deadline - now)))
    finally:
        shown.close()
    return outcome_of(status, list_trials(api, name, namespace))


def list_trials(api: CustomObjectsApiLike, name: str, namespace: str) -> tuple[TrialInfo, ...]:
    """The Experiment's Trial objects, oldest first; empty (with a log line) on an API error."""
    try:
        answer = api.list_namespaced_custom_object(
            GROUP,
            VERSION,
            namespace,
            TRIALS,
            label_selector=f"{EXPERIMENT_LABEL}={name}",
            _request_timeout=REQUEST_TIMEOUT,
        )
    except Exception as exc:
        if status_of(exc) is None and not is_transient(exc):
            raise
        # The Experiment's own lists still name every trial; only the reasons are lost.
        logger.warning("could not list the trials of %s/%s: %s", namespace, name, api_message(exc))
        return ()
    items: list[Mapping[str, Any]] = [i for i in answer.get("items") or [] if isinstance(i, dict)]
    items.sort(key=_created_then_name)
    return tuple(TrialInfo.from_object(i) for i in items)


def _created_then_name(item: Mapping[str, Any]) -> tuple[str, str]:
    metadata = item.get("metadata") or {}
    # RFC3339 UTC timestamps sort as text; the name breaks ties within a second.
    return str(metadata.get("creationTimestamp", "")), str(metadata.get("name", ""))


def outcome_of(status: ExperimentStatus, trials: tuple[TrialInfo, ...]) -> KatibOutcome:
    """The outcome of an Experiment that has ended (Succeeded or Failed)."""
    verdict = _verdict(status)
    c = status.counts
    message = (
        f"{verdict.value}: {c.succeeded} succeeded, {c.failed_for_budget} failed "
        f"({c.metrics_unavailable} without metrics), {c.early_stopped} early stopped, "
        f"{c.killed} killed"
    )
    details: tuple[str, ...] = ()
    if not verdict.value.startswith("succeeded"):
        details = tuple(failure_lines(status, verdict, trials))
    return KatibOutcome(verdict, status, trials, message, details)


def _verdict(status: ExperimentStatus) -> KatibVerdict:
    if status.phase is Phase.SUCCEEDED:
        return _SUCCEEDED_BY_REASON.get(status.reason, KatibVerdict.SUCCEEDED)
    budget = status.max_failed_trial_count
    spent = status.counts.failed_for_budget
    if _MAX_FAILED_MESSAGE in status.message or (
        budget is not None and spent > 0 and spent >= budget
    ):
        return KatibVerdict.FAILED_MAX_FAILED
    if status.message.startswith(_SUGGESTION_FAILED_MESSAGE):
        return KatibVerdict.FAILED_SUGGESTION
    return KatibVerdict.FAILED


def failure_lines(
    status: ExperimentStatus, verdict: KatibVerdict, trials: tuple[TrialInfo, ...]
) -> list[str]:
    """What failed and where to look, one line each (the first line names the Experiment)."""
    ns, name = status.namespace, status.name
    describe = f"look at: kubectl -n {ns} describe experiment {name}"
    # The UI's route since the trial-details page; older UIs take the namespace from
    # the dashboard's selector (/katib/experiment/NAME), hence the menu path too.
    ui = (
        f"look at: the Katib UI, Kubeflow dashboard > Experiments (AutoML) > {ns} > {name} "
        f"(/katib/experiment/{ns}/{name})"
    )
    katib_says = f"{status.message} ({status.reason})" if status.reason else status.message
    if verdict is KatibVerdict.FAILED_SUGGESTION:
        service = f"{name}-{status.algorithm}"
        return [
            f"Katib Experiment {status.ref}: the {status.algorithm} suggestion service "
            f"refused its algorithm settings or crashed; Katib says: {katib_says}",
            f"look at: kubectl -n {ns} describe suggestion {name}",
            f"look at: kubectl -n {ns} logs deployment/{service} (while it exists: Katib "
            "deletes it once the Experiment ends, unless resumePolicy is LongRunning)",
            describe,
            ui,
        ]
    if verdict is not KatibVerdict.FAILED_MAX_FAILED:
        return [f"Katib Experiment {status.ref}: Katib says: {katib_says}", describe, ui]
    failed = [
        *status.trial_names[TrialState.FAILED],
        *status.trial_names[TrialState.METRICS_UNAVAILABLE],
    ]
    by_name = {t.name: t for t in trials}
    lines = [
        f"Katib Experiment {status.ref}: {status.counts.failed_for_budget} trial(s) failed "
        f"and maxFailedTrialCount is "
        f"{status.max_failed_trial_count} (Katib counts a trial that ended without metrics "
        f"as failed); Katib says: {katib_says}"
    ]
    for trial in failed:
        lines.append(_trial_line(trial, by_name.get(trial), status))
    if failed:
        first = failed[0]
        lines += [
            f"look at: kubectl -n {ns} describe trial {first}",
            f"look at: kubectl -n {ns} logs -l job-name={first} -c {status.container} --tail 100 "
            "(while its Job exists: Katib deletes a finished trial's Job unless "
            "trialTemplate.retain is true)",
        ]
        if status.model_dir:
            lines.append(
                f"look at: {status.model_dir}/trials/{first}/result.json (the trial's own "
                "status and error; absent if it never started)"
            )
    return [*lines, describe, ui]


def _trial_line(trial: str, info: TrialInfo | None, status: ExperimentStatus) -> str:
    state = status.state_of(trial)
    line = f"trial {trial}: {state.value if state else 'Failed'}"
    if info is not None and (info.reason or info.message):
        line += f" ({info.reason}): {info.message}"
    if state is TrialState.METRICS_UNAVAILABLE:
        line += (
            f"; Katib read no '{status.objective.metric}=<number>' line from its output "
            "(it ended before its first eval, or printed another name)"
        )
    return line


def _on_get_error(
    exc: Exception,
    name: str,
    namespace: str,
    last: ExperimentStatus | None,
    errors: int,
    resume_hint: str,
) -> int:
    """Raise the error a failed read means, or count it and return the new count."""
    code = status_of(exc)
    if code is None and not is_transient(exc):
        raise exc  # not an API error: a bug, not something to retry
    if code == 404:
        if last is None:
            raise InputError(
                f"{namespace}/{name}: no such Katib Experiment ({api_message(exc)}); "
                f"kubectl -n {namespace} get experiments lists them"
            ) from None
        raise ExperimentGone(_gone_lines(last, namespace, name, replaced=False)) from None
    if code in (401, 403):
        raise InputError(
            f"{namespace}/{name}: cannot read the Experiment ({api_message(exc)}); "
            "refresh your credentials, or allow get/list/watch on experiments and trials "
            f"in {namespace} (manifests/rbac.yaml)"
        ) from None
    errors += 1
    if not is_transient(exc) or errors >= MAX_CONSECUTIVE_ERRORS:
        raise KatibApiError(
            [
                f"{namespace}/{name}: reading the Experiment failed {errors} time(s) in a row, "
                f"last with: {api_message(exc)}; it keeps running on the cluster",
                resume_hint,
            ]
        ) from exc
    logger.warning(
        "reading %s/%s failed (%s); retrying (%d/%d)",
        namespace,
        name,
        api_message(exc),
        errors,
        MAX_CONSECUTIVE_ERRORS,
    )
    return errors


def _gone_lines(
    last: ExperimentStatus | None, namespace: str, name: str, *, replaced: bool
) -> list[str]:
    what = "was deleted and created again" if replaced else "was deleted"
    lines = [
        f"Katib Experiment {namespace}/{name} {what} while odsweep followed it; its Trials "
        "and their Jobs were deleted with it, so this search has no result"
    ]
    if last is not None:
        lines.append(f"last seen: {describe_counts(last)}; best: {describe_best(last)}")
        if last.model_dir:
            lines.append(f"look at: {last.model_dir}/trials/ (the trials' folders stay)")
    lines.append("run the search again to start a new Experiment")
    return lines


def _timeout_lines(
    status: ExperimentStatus, timeout_seconds: float | None, resume_hint: str
) -> list[str]:
    ns, name = status.namespace, status.name
    return [
        f"Katib Experiment {status.ref} is still {status.phase.value.lower()} after "
        f"{timeout_seconds:g} s ({describe_counts(status)}; best so far: "
        f"{describe_best(status)}); it keeps running on the cluster",
        resume_hint,
        f"watch it: kubectl -n {ns} get experiment {name} -w",
        f"stop it: kubectl -n {ns} delete experiment {name}",
    ]
