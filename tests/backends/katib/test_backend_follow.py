"""Following an Experiment through recorded Katib states, and the message of each end."""

from __future__ import annotations

import io
import logging
import sys

import pytest
from urllib3.exceptions import ProtocolError

from odsweep.backends.katib import (
    ExperimentFailed,
    ExperimentGone,
    FollowTimeout,
    KatibApiError,
    KatibVerdict,
    TrialState,
)
from odsweep.errors import EXIT_BAD_INPUT, EXIT_FAILED, InputError
from tests.backends.katib.test_backend_recorded import (
    NAME,
    NS,
    T1,
    T2,
    T3,
    T4,
    T5,
    FakeApi,
    FakeClock,
    api_error,
    backend,
    experiment,
    not_found,
    trials,
)

LOGGER = "odsweep.backends.katib"
BEST_T1 = (
    f"{T1} DetectionBoxes_Precision/mAP=0.4121 [learning_rate=0.021344123372727726, "
    "num_layers=2, batch_size=8, optimizer_ema=true]"
)
RUNNING_4 = (
    "2/8 finished: 1 succeeded, 0 failed, 0 without metrics, 1 early stopped, 0 killed; "
    "2 running, 0 pending"
)
DESCRIBE = f"look at: kubectl -n {NS} describe experiment {NAME}"
UI = (
    f"look at: the Katib UI, Kubeflow dashboard > Experiments (AutoML) > {NS} > {NAME} "
    f"(/katib/experiment/{NS}/{NAME})"
)


def test_succeeded_by_max_trials_through_every_state(caplog: pytest.LogCaptureFixture) -> None:
    clock = FakeClock()
    readings = [experiment(s) for s in ("created", "running-2", "running-4")]
    api = FakeApi(
        [*readings, experiment("succeeded-max-trials")],
        trial_list=trials("succeeded-max-trials"),
    )
    with caplog.at_level(logging.INFO, logger=LOGGER):
        outcome = backend(api, clock).follow(NAME, NS, poll_seconds=30)
    assert outcome.succeeded
    assert outcome.verdict is KatibVerdict.SUCCEEDED_MAX_TRIALS
    assert outcome.message == (
        "succeeded: maxTrialCount reached: 5 succeeded, 1 failed (0 without metrics), "
        "2 early stopped, 0 killed"
    )
    assert outcome.details == ()
    assert outcome.status.optimal is not None and outcome.status.optimal.name == T5
    assert [t.name for t in outcome.trials][:2] == [T1, T2]
    assert [t.state for t in outcome.trials].count(TrialState.EARLY_STOPPED) == 2
    assert clock.sleeps == [30, 30, 30]
    assert api.calls[-1] == ("list", NS, "trials", f"katib.kubeflow.org/experiment={NAME}")
    for line in (
        f"Experiment {NS}/{NAME}: Created (ExperimentCreated: Experiment is created)",
        f"{T1} is running",
        f"{T1} succeeded",
        f"{T2} was early stopped",
        f"{T4} failed",
        f"trials: {RUNNING_4}",
        f"best so far: {BEST_T1}",
        f"Experiment {NS}/{NAME}: Succeeded (ExperimentMaxTrialsReached: Experiment has "
        "succeeded because max trial count has reached)",
        "trials: 8/8 finished: 5 succeeded, 1 failed, 0 without metrics, 2 early stopped, "
        "0 killed; 0 running, 0 pending",
    ):
        assert line in caplog.messages


def test_goal_reached_waits_for_running_trials_which_may_become_best(
    caplog: pytest.LogCaptureFixture,
) -> None:
    clock = FakeClock()
    api = FakeApi(
        [
            experiment("running-2"),
            experiment("goal-reached-running"),
            experiment("goal-reached-running"),
            experiment("goal-reached-drained"),
        ]
    )
    with caplog.at_level(logging.INFO, logger=LOGGER):
        outcome = backend(api, clock).follow(NAME, NS, poll_seconds=60)
    assert outcome.verdict is KatibVerdict.SUCCEEDED_GOAL
    assert outcome.status.optimal is not None and outcome.status.optimal.name == T4
    assert clock.sleeps == [60, 60, 60]
    assert (
        f"Experiment {NS}/{NAME} succeeded; waiting for 1 running trial(s), which may still "
        "become the best"
    ) in caplog.messages
    assert outcome.trials == ()  # the fake lists none: the status alone decides


def test_timeout_while_waiting_for_trials_returns_the_ended_experiment(
    caplog: pytest.LogCaptureFixture,
) -> None:
    clock = FakeClock()
    api = FakeApi([experiment("goal-reached-running")])
    with caplog.at_level(logging.INFO, logger=LOGGER):
        outcome = backend(api, clock).follow(NAME, NS, timeout_seconds=90, poll_seconds=60)
    assert outcome.succeeded
    assert outcome.status.optimal is not None and outcome.status.optimal.name == T3
    assert clock.sleeps == [60, 30]
    assert (
        f"stopped waiting after 90 s: 1 trial(s) of {NS}/{NAME} still running are left out of "
        "the winner"
    ) in caplog.messages


MAX_FAILED_LINES = (
    "failed: maxFailedTrialCount reached: 1 succeeded, 2 failed (1 without metrics), "
    "0 early stopped, 0 killed",
    f"Katib Experiment {NS}/{NAME}: 2 trial(s) failed and maxFailedTrialCount is 2 (Katib "
    "counts a trial that ended without metrics as failed); Katib says: Experiment has failed "
    "because max failed count has reached (ExperimentFailed)",
    f"trial {T2}: Failed (TrialFailed. Job reason: BackoffLimitExceeded): Trial has failed. "
    "Job message: Job has reached the specified backoff limit",
    f"trial {T3}: MetricsUnavailable (MetricsUnavailable. Job reason: CompletionsReached): "
    "Metrics are not available. Job message: Reached expected number of succeeded pods; "
    "Katib read no 'DetectionBoxes_Precision/mAP=<number>' line from its output (it ended "
    "before its first eval, or printed another name)",
    f"look at: kubectl -n {NS} describe trial {T2}",
    f"look at: kubectl -n {NS} logs -l job-name={T2} -c odsweep-trial --tail 100 (while its "
    "Job exists: Katib deletes a finished trial's Job unless trialTemplate.retain is true)",
    f"look at: gs://bucket/sweeps/ssd-katib/trials/{T2}/result.json (the trial's own status "
    "and error; absent if it never started)",
    DESCRIBE,
    UI,
)


def test_failed_by_max_failed_trials_names_each_trial_and_where_to_look() -> None:
    clock = FakeClock()
    api = FakeApi(
        [experiment("running-2"), experiment("failed-max-failed")],
        trial_list=trials("failed-max-failed"),
    )
    outcome = backend(api, clock).follow(NAME, NS)
    assert not outcome.succeeded
    assert outcome.verdict is KatibVerdict.FAILED_MAX_FAILED
    # No waiting for the trial still running: a failed search has no winner to wait for.
    assert clock.sleeps == [30.0]
    error = outcome.failure()
    assert isinstance(error, ExperimentFailed) and error.exit_code == EXIT_FAILED
    assert error.messages == MAX_FAILED_LINES


def test_failed_trials_without_the_trial_list_still_name_the_trials(
    caplog: pytest.LogCaptureFixture,
) -> None:
    forbidden = api_error(403, "Forbidden", 'cannot list resource "trials"')
    api = FakeApi([experiment("failed-max-failed")], trial_list=forbidden)
    with caplog.at_level(logging.INFO, logger=LOGGER):
        outcome = backend(api).follow(NAME, NS)
    assert outcome.details[1:3] == (
        f"trial {T2}: Failed",
        f"trial {T3}: MetricsUnavailable; Katib read no 'DetectionBoxes_Precision/mAP=<number>' "
        "line from its output (it ended before its first eval, or printed another name)",
    )
    assert (
        f'could not list the trials of {NS}/{NAME}: cannot list resource "trials"'
        in caplog.messages
    )


def test_suggestion_failure_points_at_the_suggestion_service() -> None:
    outcome = backend(FakeApi([experiment("failed-suggestion")])).follow(NAME, NS)
    assert outcome.verdict is KatibVerdict.FAILED_SUGGESTION
    assert outcome.failure().messages == (
        "failed: the suggestion service failed: 0 succeeded, 0 failed (0 without metrics), "
        "0 early stopped, 0 killed",
        f"Katib Experiment {NS}/{NAME}: the tpe suggestion service refused its algorithm "
        "settings or crashed; Katib says: Suggestion has failed (ExperimentFailed)",
        f"look at: kubectl -n {NS} describe suggestion {NAME}",
        f"look at: kubectl -n {NS} logs deployment/{NAME}-tpe (while it exists: Katib deletes "
        "it once the Experiment ends, unless resumePolicy is LongRunning)",
        DESCRIBE,
        UI,
    )


def test_any_other_failure_quotes_katib() -> None:
    odd = experiment("failed-suggestion")
    odd["status"]["conditions"][-1]["message"] = "Something else broke"
    outcome = backend(FakeApi([odd])).follow(NAME, NS)
    assert outcome.verdict is KatibVerdict.FAILED
    assert outcome.details == (
        f"Katib Experiment {NS}/{NAME}: Katib says: Something else broke (ExperimentFailed)",
        DESCRIBE,
        UI,
    )


def test_deleted_while_followed() -> None:
    api = FakeApi([experiment("running-4"), not_found()])
    with pytest.raises(ExperimentGone) as info:
        backend(api).follow(NAME, NS)
    assert info.value.exit_code == EXIT_FAILED
    assert info.value.messages == (
        f"Katib Experiment {NS}/{NAME} was deleted while odsweep followed it; its Trials and "
        "their Jobs were deleted with it, so this search has no result",
        f"last seen: {RUNNING_4}; best: {BEST_T1}",
        "look at: gs://bucket/sweeps/ssd-katib/trials/ (the trials' folders stay)",
        "run the search again to start a new Experiment",
    )


def test_deleted_and_created_again_is_noticed_by_its_uid() -> None:
    replaced = experiment("created")
    replaced["metadata"]["uid"] = "0d9e2b7a-aaaa-4bbb-8ccc-123456789abc"
    api = FakeApi([experiment("running-4"), replaced])
    with pytest.raises(ExperimentGone, match="was deleted and created again while"):
        backend(api).follow(NAME, NS)


def test_no_such_experiment_is_an_input_error() -> None:
    with pytest.raises(InputError) as info:
        backend(FakeApi([not_found()])).follow(NAME, NS)
    assert info.value.exit_code == EXIT_BAD_INPUT
    assert info.value.messages == (
        f'{NS}/{NAME}: no such Katib Experiment (experiments.kubeflow.org "{NAME}" not '
        f"found); kubectl -n {NS} get experiments lists them",
    )


def test_still_running_at_timeout_keeps_running_on_the_cluster() -> None:
    clock = FakeClock()
    api = FakeApi([experiment("running-4")])
    with pytest.raises(FollowTimeout) as info:
        backend(api, clock).follow(NAME, NS, timeout_seconds=100, poll_seconds=30)
    assert clock.sleeps == [30, 30, 30, 10]
    assert info.value.exit_code == EXIT_FAILED
    assert info.value.messages == (
        f"Katib Experiment {NS}/{NAME} is still running after 100 s ({RUNNING_4}; best so "
        f"far: {BEST_T1}); it keeps running on the cluster",
        "follow it again: run the same odsweep command again (the existing Experiment is "
        "resumed, not created again)",
        f"watch it: kubectl -n {NS} get experiment {NAME} -w",
        f"stop it: kubectl -n {NS} delete experiment {NAME}",
    )
    assert not any(call[0] in ("create", "delete") for call in api.calls)


def test_transient_read_errors_are_retried(caplog: pytest.LogCaptureFixture) -> None:
    api = FakeApi(
        [
            experiment("running-2"),
            api_error(503, "ServiceUnavailable", "etcd leader changed"),
            ProtocolError("Connection aborted."),
            experiment("succeeded-max-trials"),
        ]
    )
    with caplog.at_level(logging.INFO, logger=LOGGER):
        assert backend(api).follow(NAME, NS).succeeded
    assert f"reading {NS}/{NAME} failed (etcd leader changed); retrying (1/5)" in caplog.messages


def test_five_read_errors_in_a_row_give_up_saying_it_keeps_running() -> None:
    api = FakeApi([experiment("running-2"), api_error(502, "BadGateway", "upstream reset")])
    with pytest.raises(KatibApiError) as info:
        backend(api).follow(NAME, NS)
    assert info.value.messages == (
        f"{NS}/{NAME}: reading the Experiment failed 5 time(s) in a row, last with: upstream "
        "reset; it keeps running on the cluster",
        "follow it again: run the same odsweep command again (the existing Experiment is "
        "resumed, not created again)",
    )


def test_no_permission_to_read_is_an_input_error() -> None:
    api = FakeApi([api_error(403, "Forbidden", 'cannot get resource "experiments"')])
    with pytest.raises(InputError, match=r"allow get/list/watch on experiments and trials"):
        backend(api).follow(NAME, NS)


def test_a_bug_is_not_retried() -> None:
    api = FakeApi([KeyError("not an API error")])
    with pytest.raises(KeyError):
        backend(api).follow(NAME, NS)


def test_poll_seconds_must_be_positive() -> None:
    with pytest.raises(ValueError, match="poll_seconds must be > 0, got 0"):
        backend(FakeApi([experiment("running-2")])).follow(NAME, NS, poll_seconds=0)


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_on_a_terminal_a_bar_shows_counts_and_best_and_logs_go_through_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    terminal = _Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    root = logging.getLogger()
    handler = logging.StreamHandler(terminal)
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    try:
        api = FakeApi([experiment("running-4"), experiment("succeeded-max-trials")])
        backend(api).follow(NAME, NS, progress=True)
        # The original handler is back once following ends.
        assert handler in root.handlers
    finally:
        root.removeHandler(handler)
        root.setLevel(level)
    shown = terminal.getvalue()
    assert "running 2, ok 1, failed 0, early-stopped 1, killed 0, best 0.4121" in shown
    assert "8/8" in shown
    assert f"best so far: {BEST_T1}" in shown
