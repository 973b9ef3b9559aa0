"""The winner: Katib's best trial, read from the trial's own result.json, as a local sweep."""

from __future__ import annotations

import copy
import logging
from pathlib import Path
from typing import Any

import pytest

from odsweep.backends.katib import (
    ExperimentFailed,
    KatibOutcome,
    render_experiment,
    run_search,
    trial_results,
    winner,
    winner_result,
)
from odsweep.errors import InputError
from odsweep.results import (
    EvalRecord,
    TrialResult,
    TrialStatus,
    best_record,
    read_best,
    read_result,
    write_best,
    write_result,
)
from odsweep.spec import ObjectiveType
from tests.backends.katib.katib_fixtures import make_options, make_spec
from tests.backends.katib.test_backend_recorded import (
    AR,
    LOSS,
    MAP,
    NAME,
    NS,
    T1,
    T2,
    T3,
    T4,
    T5,
    T6,
    FakeApi,
    backend,
    experiment,
    server_object,
    trials,
)

LOGGER = "odsweep.backends.katib"
PARAMS_T5 = {"learning_rate": 0.03147740233918151, "num_layers": 2, "batch_size": 8}


def write_trial(
    model_dir: Path,
    name: str,
    curve: list[tuple[int, float]],
    *,
    status: TrialStatus = TrialStatus.SUCCEEDED,
) -> TrialResult:
    """A trial's result.json, written as `odsweep trial` writes it (one eval per step)."""
    trial_dir = model_dir / "trials" / name
    result = TrialResult(
        trial=name,
        params=PARAMS_T5 if name == T5 else {"learning_rate": 0.01},
        status=status,
        metric=MAP,
        objective=ObjectiveType.MAXIMIZE,
        seed=7,
    )
    for step, value in curve:
        metrics = {MAP: value, AR: round(value * 0.75, 4), LOSS: round(2.0 - value, 4)}
        result = result.with_eval(EvalRecord(step, f"{trial_dir}/ckpt-{step // 100}", metrics))
    write_result(str(trial_dir), result)
    return result


def outcome(status: str = "succeeded-max-trials", **changes: Any) -> KatibOutcome:
    """Follow a recorded end state; ``changes`` edit its currentOptimalTrial."""
    obj = experiment(status)
    obj["status"]["currentOptimalTrial"].update(changes)
    trial_list = trials(status) if status in ("succeeded-max-trials", "failed-max-failed") else None
    return backend(FakeApi([obj], trial_list=trial_list)).follow(NAME, NS)


T5_CURVE = [(100, 0.2211), (200, 0.4817), (300, 0.4654)]


def test_winner_is_katibs_best_trial_from_its_own_result_json(tmp_path: Path) -> None:
    written = write_trial(tmp_path, T5, T5_CURVE)
    best = winner(outcome(), model_dir=str(tmp_path))
    assert best == best_record(written)  # exactly what the local engine records
    assert (best.trial, best.step, best.value) == (T5, 200, 0.4817)
    assert best.checkpoint == f"{tmp_path}/trials/{T5}/ckpt-2"
    assert best.metrics == {MAP: 0.4817, AR: 0.3613, LOSS: 1.5183}
    assert best.params == PARAMS_T5
    assert best.objective is ObjectiveType.MAXIMIZE
    write_best(str(tmp_path), best)
    assert read_best(str(tmp_path)) == best


def test_another_model_dir_than_the_experiments_is_said(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    write_trial(tmp_path, T5, T5_CURVE)
    with caplog.at_level(logging.WARNING, logger=LOGGER):
        winner(outcome(), model_dir=str(tmp_path))
    assert (
        f"reading the trials from {tmp_path}, but Experiment {NS}/{NAME} writes them to "
        "gs://bucket/sweeps/ssd-katib"
    ) in caplog.messages


def test_katib_and_result_json_disagreeing_is_a_warning_result_json_wins(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    write_trial(tmp_path, T5, [(100, 0.2211), (200, 0.47)])
    with caplog.at_level(logging.WARNING, logger=LOGGER):
        best = winner(outcome(), model_dir=str(tmp_path))
    assert best.value == 0.47
    assert (
        f"{T5}: Katib recorded {MAP}=0.4817 (the max of what its collector parsed from the "
        "trial's output), but result.json's best checkpoint (step 200) has 0.47; best.json "
        "follows result.json"
    ) in caplog.messages


def test_float_noise_is_no_disagreement(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    write_trial(tmp_path, T5, [(200, 0.4817 * (1 + 1e-9))])
    with caplog.at_level(logging.WARNING, logger=LOGGER):
        winner(outcome(), model_dir=str(tmp_path))
    assert not [m for m in caplog.messages if "Katib recorded" in m]


def test_an_early_stopped_winner_is_recorded_as_early_stopped(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    # Katib's collector killed it: its own file says "stopped" (SIGTERM), no warning due.
    write_trial(tmp_path, T2, [(100, 0.0813)], status=TrialStatus.STOPPED)
    observed = trials("succeeded-max-trials")["items"][1]
    assert observed["metadata"]["name"] == T2
    picked = outcome(bestTrialName=T2, observation=observed["status"]["observation"])
    with caplog.at_level(logging.WARNING, logger=LOGGER):
        result = winner_result(picked, model_dir=str(tmp_path))
    assert (result.trial, result.status, result.error) == (T2, TrialStatus.EARLY_STOPPED, None)
    assert caplog.messages == [m for m in caplog.messages if "reading the trials" in m]


def test_katibs_state_wins_over_a_stale_result_json(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    write_trial(tmp_path, T5, T5_CURVE, status=TrialStatus.RUNNING)
    with caplog.at_level(logging.WARNING, logger=LOGGER):
        result = winner_result(outcome(), model_dir=str(tmp_path))
    assert result.status is TrialStatus.SUCCEEDED
    assert (
        f"{T5}: Katib says Succeeded, its result.json says running; recording it as succeeded"
    ) in caplog.messages


def test_a_failed_katib_best_gives_way_to_the_local_rule(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    # Katib ranks every trial with an observation; a local sweep lets only succeeded and
    # early-stopped ones compete. T4 failed after reporting a high value.
    write_trial(tmp_path, T4, [(100, 0.6)], status=TrialStatus.FAILED)
    write_trial(tmp_path, T1, [(100, 0.3), (200, 0.4121)])
    write_trial(tmp_path, T5, T5_CURVE)
    write_trial(tmp_path, T6, [(100, 0.4502)])
    write_trial(tmp_path, T2, [(100, 0.0813)], status=TrialStatus.STOPPED)
    with caplog.at_level(logging.WARNING, logger=LOGGER):
        result = winner_result(outcome(bestTrialName=T4), model_dir=str(tmp_path))
    assert result.trial == T5
    assert (
        f"Katib ranks {T4} best, but it is Failed; as in a local sweep, only succeeded and "
        "early-stopped trials compete"
    ) in caplog.messages
    # Three competing trials never wrote a result.json (T3, T7, T8): left out, said so.
    assert len([m for m in caplog.messages if " left out: " in m]) == 3


def test_no_best_checkpoint_anywhere_fails_the_search(tmp_path: Path) -> None:
    for name in (T1, T3, T5, T6, T2):
        write_trial(tmp_path, name, [])
    with pytest.raises(ExperimentFailed) as info:
        winner(outcome(), model_dir=str(tmp_path))
    trials_dir = f"{tmp_path}/trials"
    assert info.value.messages == (
        f"Katib Experiment {NS}/{NAME} succeeded, but none of its 7 succeeded or "
        f"early-stopped trial(s) has a best checkpoint in {trials_dir}",
        f"look at: {trials_dir}/<trial>/result.json of each trial",
    )


def test_a_missing_result_json_of_katibs_best_names_the_likely_cause(tmp_path: Path) -> None:
    with pytest.raises(InputError) as info:
        winner(outcome(), model_dir=str(tmp_path))
    trial_dir = f"{tmp_path}/trials/{T5}"
    assert info.value.messages[-1] == (
        f"trial {T5}: Katib says it is Succeeded, but its result.json cannot be read from "
        f"{trial_dir}; is that the Experiment's --model-dir, and can this machine read it?"
    )


def test_trial_results_carry_katibs_states_oldest_first(tmp_path: Path) -> None:
    write_trial(tmp_path, T5, T5_CURVE)
    write_trial(tmp_path, T2, [(100, 0.0813)], status=TrialStatus.STOPPED)
    write_trial(tmp_path, T4, [], status=TrialStatus.RUNNING)  # its pod was killed
    write_trial(tmp_path, T1, [(100, 0.4121)])
    results = trial_results(outcome(), model_dir=str(tmp_path))
    assert [(r.trial, r.status) for r in results] == [
        (T1, TrialStatus.SUCCEEDED),
        (T2, TrialStatus.EARLY_STOPPED),
        (T4, TrialStatus.FAILED),
        (T5, TrialStatus.SUCCEEDED),
    ]
    assert results[2].error == "Katib marked it Failed"


def test_a_trial_without_metrics_is_failed_with_katibs_reason(tmp_path: Path) -> None:
    write_trial(tmp_path, T3, [(100, 0.2)])  # exited 0, but Katib read no objective line
    (result,) = trial_results(outcome("failed-max-failed"), model_dir=str(tmp_path))
    assert (result.trial, result.status) == (T3, TrialStatus.FAILED)
    assert result.error == f"Katib read no {MAP} value from its output (MetricsUnavailable)"


def test_a_failed_experiment_has_no_winner(tmp_path: Path) -> None:
    failed = outcome("failed-max-failed")
    with pytest.raises(ExperimentFailed) as info:
        winner(failed, model_dir=str(tmp_path))
    assert info.value.messages == failed.failure().messages


def _local_run(tmp_path: Path) -> tuple[Any, Any, FakeApi]:
    spec = make_spec()
    options = make_options(spec, model_dir=str(tmp_path / "sweep"), allow_local_paths=True)
    rendered = render_experiment(spec, options=options)
    return (
        spec,
        options,
        FakeApi(
            [
                server_object(rendered, "created"),
                server_object(rendered, "running-4"),
                server_object(rendered, "succeeded-max-trials"),
            ],
            trial_list=trials("succeeded-max-trials"),
        ),
    )


def test_run_search_end_to_end(tmp_path: Path) -> None:
    spec, options, api = _local_run(tmp_path)
    written = write_trial(tmp_path / "sweep", T5, T5_CURVE)
    search = run_search(spec, options, backend=backend(api), delete_when_done=True)
    assert search.succeeded
    assert (search.experiment.name, search.experiment.namespace) == (NAME, NS)
    assert search.winner == written
    assert search.message == search.outcome.message
    assert search.results == (written,)
    assert [c[0] for c in api.calls] == ["create", "get", "get", "get", "list", "delete"]
    assert read_result(str(tmp_path / "sweep" / "trials" / T5)) == written


def test_run_search_failure_returns_the_outcome_and_keeps_the_experiment(tmp_path: Path) -> None:
    spec, options, api = _local_run(tmp_path)
    api.readings[-1] = copy.deepcopy(experiment("failed-max-failed"))
    search = run_search(spec, options, backend=backend(api), delete_when_done=True)
    assert not search.succeeded and search.winner is None
    assert search.message.startswith("failed: maxFailedTrialCount reached: ")
    assert search.results == ()
    assert "delete" not in [c[0] for c in api.calls]


def test_run_search_without_a_checkpoint_says_why(tmp_path: Path) -> None:
    spec, options, api = _local_run(tmp_path)
    write_trial(tmp_path / "sweep", T5, [])
    search = run_search(spec, options, backend=backend(api))
    assert not search.succeeded and search.outcome.succeeded
    assert search.message.endswith("has a best checkpoint in " + f"{tmp_path}/sweep/trials")


def test_run_search_resumes_after_a_timeout(tmp_path: Path) -> None:
    # The second run of the same command finds the Experiment (409) and follows it.
    spec, options, api = _local_run(tmp_path)
    api.existing = True
    write_trial(tmp_path / "sweep", T5, T5_CURVE)
    search = run_search(spec, options, backend=backend(api))
    assert search.succeeded and not search.experiment.created
    assert [c[0] for c in api.calls][:3] == ["create", "get", "get"]
