"""The local search: Optuna proposes, trial processes train, the engine follows them.

One loop, polling once a second: start trials while the policy allows, read each
running trial's ``result.json`` after every eval (Optuna intermediate values, the
median stopping rule), and record each trial's end in the study. The decisions
themselves (stopping rule, budgets, goal) live in :mod:`._policy`.
"""

from __future__ import annotations

import logging
import os
import signal
import time
from collections.abc import Callable, Mapping
from dataclasses import replace

import optuna

from odsweep import storage
from odsweep.backends.optuna import _budget as budget
from odsweep.backends.optuna import _guard as guard
from odsweep.backends.optuna import _policy as policy
from odsweep.backends.optuna import _record as recorder
from odsweep.backends.optuna import _shared as shared
from odsweep.backends.optuna import _study as studies
from odsweep.backends.optuna import _views as views
from odsweep.backends.optuna._launcher import Resources, TrialProcess, start_trial, upload_logs
from odsweep.backends.optuna._progress import Progress
from odsweep.backends.optuna._sampling import make_sampler, suggest
from odsweep.errors import EXIT_SIGTERM
from odsweep.results import (
    STDERR_LOG,
    STDOUT_LOG,
    TRIALS_DIR,
    SearchOutcome,
    TrialResult,
    TrialStatus,
    read_result_checked,
    set_aside,
    write_result,
)
from odsweep.secrets import mask_url
from odsweep.spec import SearchSpec

logger = logging.getLogger(__name__)

# Test hook (fault injection): kill the engine after a trial's final result.json is
# written and before the study is told. Never set it outside tests.
TEST_KILL_BEFORE_TELL = "ODSWEEP_TEST_KILL_BEFORE_TELL"
# Test hook: called before each attempt to start trials, outside the study lock (a
# barrier there makes workers ask at the same instant). Never set outside tests.
before_launch: Callable[[], None] | None = None


class LocalEngine:
    """Runs a spec's search on this machine.

    Args:
        spec: The validated search space.
        spec_path: The YAML the trials load (``odsweep trial --spec``).
        output_dir: Trials go to ``<output_dir>/trials/<name>/``.
        storage_url: The Optuna study's SQLAlchemy URL.
        log_dir: A local folder for the trials' ``stdout.log``/``stderr.log`` while they
            run (``<log_dir>/<name>/``); needed when ``output_dir`` is ``gs://``, where
            the logs are uploaded into the trial's folder once it ends. Default: the
            trial folders themselves.
        poll_seconds: How often running trials are looked at.
        argv_prefix: Replaces ``python`` in the trial command (tests use it).
        parallel: This worker's trials at once (default: ``parallelTrialCount``).
    """

    def __init__(
        self,
        spec: SearchSpec,
        *,
        spec_path: str,
        output_dir: str,
        storage_url: str,
        poll_seconds: float = 1.0,
        show_progress: bool = True,
        argv_prefix: list[str] | None = None,
        log_dir: str | None = None,
        parallel: int | None = None,
    ) -> None:
        if log_dir is None and storage.is_remote(output_dir):
            raise ValueError(f"a local log_dir is needed for the remote output {output_dir}")
        self.spec = spec
        self.log_dir = log_dir
        self.spec_path = spec_path
        self.trials_dir = storage.join(output_dir, TRIALS_DIR)
        self.storage_url = storage_url
        self.poll_seconds = poll_seconds
        self.argv_prefix = argv_prefix
        optuna.logging.set_verbosity(optuna.logging.WARNING)
        # The output's trials must be this study's before anything is written: a study
        # that does not know them would re-run their names into their folders.
        if guard.sqlite_path(storage_url) is not None:
            known = guard.read_sqlite_study(storage_url, spec.name)
            guard.check_trials_known(
                output_dir=output_dir, trials_dir=self.trials_dir, known=known, study=spec.name
            )
        self.liveness = shared.Liveness.from_env()
        self.study = studies.open_study(
            spec, storage_url, sampler=make_sampler(spec), liveness=self.liveness
        )
        self.shared = shared.is_shared(self.study)
        self.contact = shared.Contact(self.liveness, mask_url(storage_url))
        if guard.sqlite_path(storage_url) is None:  # a server study: read through Optuna
            known = guard.StudyTrials(
                url=storage_url,
                exists=True,
                params=guard.names_to_params(self.study.get_trials(deepcopy=False)),
            )
            guard.check_trials_known(
                output_dir=output_dir, trials_dir=self.trials_dir, known=known, study=spec.name
            )
        self.parallel = parallel or spec.parallel_trial_count
        self.resources = Resources(parallel=self.parallel)
        self.running: dict[int, TrialProcess] = {}
        self.progress = Progress(spec, enabled=show_progress)
        self.plan = budget.plan_of(spec)  # hyperband's brackets, else None

    # -- the loop -----------------------------------------------------------------

    def run(self) -> SearchOutcome:
        """Search until the policy says the search is over; stop trials on interrupt."""
        recovery = recorder.recover(self.study, self.trials_dir, self.spec.objective.tradeoffs)
        if recovery.recorded:
            logger.info(
                "resuming: %d trial(s) had finished and were recorded from their result.json",
                len(recovery.recorded),
            )
        if recovery.rerun:
            logger.info("resuming: %d interrupted trial(s) will run again", len(recovery.rerun))
        try:
            verdict = self._loop()
            finished_by = self._end_claim() if self.shared else ""
        except shared.StudyUnreachable:
            self._stop_all(reason="the study is unreachable", tell=False, record=False)
            raise
        except BaseException:
            # Interrupted: the trials are stopped and say so in result.json, but stay
            # RUNNING in the study, so that resuming re-runs them (same parameters).
            self._stop_all(reason="the sweep was interrupted", tell=False)
            raise
        finally:
            self.progress.close()
        return SearchOutcome(
            verdict=verdict,
            succeeded=verdict in policy.SUCCEEDED,
            results=self.results(),
            message=self._message(verdict),
            where=mask_url(self.storage_url),
            look=f"the trial logs in {self.trials_dir}",
            finished_by=finished_by,
        )

    def _loop(self) -> policy.Verdict:
        self._last_beat = 0.0
        self._ended: policy.Verdict | None = None
        while True:
            try:
                done = self._tick()
            except shared.db_errors() as exc:
                # Cut off from the study: the trials go on while other workers cannot
                # yet take them over; past that, StudyUnreachable stops them.
                self.contact.lost(exc, guard.db_reason(exc))
                done = None
            else:
                self.contact.ok()
            if done is not None:
                return done
            time.sleep(self.poll_seconds)

    def _tick(self) -> policy.Verdict | None:
        """One look at the trials and the study; the verdict once the search is over."""
        self._collect()
        tally = self.tally()
        self.progress.update(tally, self._best_value())
        if self._ended is None:
            decision = policy.verdict(tally, spec=self.spec, goal_reached=self._goal_reached())
            if decision is not policy.Verdict.CONTINUE:
                # Katib's verdict is final once reached; running trials finish on
                # their own (and may still become the best) unless the policy says
                # to stop them.
                self._ended = decision
                if self.running and policy.STOP_RUNNING_TRIALS_ON_END[decision]:
                    self._stop_all(reason=f"the search ended ({decision.value})")
                elif self.running:
                    logger.info(
                        "%s; waiting for %d running trial(s)", decision.value, len(self.running)
                    )
        if self._ended is not None:
            if not self.running:
                return self._ended
        elif self._slots(tally) > 0:
            self._launch_some()
        if time.monotonic() - self._last_beat > self.liveness.heartbeat / 2:
            for proc in self.running.values():
                studies.heartbeat(self.study, self._trial_id(proc.number))
            if self.shared:  # a dead worker's trials, once their heartbeat is too old
                recorder.take_over(self.study, self.trials_dir, self.spec.objective.tradeoffs)
            self._last_beat = time.monotonic()
        return None

    def _slots(self, tally: policy.Tally) -> int:
        return policy.worker_slots(
            tally, spec=self.spec, running_here=len(self.running), parallel=self.parallel
        )

    def _launch_some(self) -> None:
        """Count and start trials under the study lock: workers asking at the same
        instant take turns, each seeing the trials the other just started."""
        if before_launch is not None:
            before_launch()
        with shared.study_lock(self.study):
            tally = self.tally()
            if policy.verdict(tally, spec=self.spec, goal_reached=self._goal_reached()) is (
                policy.Verdict.CONTINUE
            ):
                for _ in range(self._slots(tally)):
                    if not self._launch():
                        break
        # Beat now, after the whole batch: a heartbeat row is what lets another worker
        # take a trial over.
        self._last_beat = 0.0

    def _end_claim(self) -> str:
        """Wait for every worker's trials to end, then claim the end of the sweep;
        returns "" when this worker selects, exports and reports, else who does."""
        waiting = False
        while True:
            try:
                recorder.take_over(self.study, self.trials_dir, self.spec.objective.tradeoffs)
                running = self.tally().running
                if running == 0:
                    who = shared.claim_end(self.study, studies.owner(), gone=studies.owner_is_gone)
                    self.contact.ok()
                    return "" if who == studies.owner() else who
            except shared.db_errors() as exc:
                self.contact.lost(exc, guard.db_reason(exc))
            if not waiting:
                logger.info("waiting for the other workers' trials to end")
                waiting = True
            time.sleep(max(self.poll_seconds, 0.2))

    def _launch(self) -> bool:
        if self.plan is not None and not budget.enqueue_next(self.study, self.spec, self.plan):
            return False  # hyperband: the current rung is still running, or all ran
        with studies.quiet_heartbeat():
            trial = self.study.ask()
        name = trial.user_attrs.get(studies.NAME_ATTR) or studies.next_name(self.study, self.spec)
        studies.claim(self.study, trial, name)
        params = suggest(trial, self.spec)
        env = self.resources.acquire()
        seed = int(name.rsplit("-", 1)[-1])
        proc = start_trial(
            name=name,
            number=trial.number,
            spec_path=self.spec_path,
            trial_dir=storage.join(self.trials_dir, name),
            params=params,
            seed=seed,
            env=env,
            argv_prefix=self.argv_prefix,
            log_dir=None if self.log_dir is None else storage.join(self.log_dir, name),
        )
        self.running[trial.number] = proc
        logger.info("started %s: %s", name, _show(params))
        return True

    # -- following running trials ------------------------------------------------

    def _collect(self) -> None:
        for number, proc in list(self.running.items()):
            # Poll first: a trial seen exited has written everything it ever will, so
            # the read below (and _finish's) cannot miss a last eval.
            code = proc.poll()
            self._report_evals(proc)
            if code is None:
                continue
            proc.close()
            self.resources.release(proc.env)
            del self.running[number]
            self._finish(proc, code)

    def _report_evals(self, proc: TrialProcess) -> None:
        # result.json is written atomically: a damaged one is an error, not "no eval yet".
        # A resumed trial's record holds the evals of its earlier attempts: all are
        # reported (the study's retried trial starts with none); report_evals skips
        # the steps it already has.
        result = proc.owns(read_result_checked(proc.trial_dir))
        if result is None or len(result.evals) <= proc.reported:
            return
        values = result.objective_values()
        recorder.report_evals(self.study, proc.number, result)
        proc.reported = len(values)
        rule = self.spec.early_stopping
        if rule is None or proc.early_stopping or proc.killing:
            return
        stop = budget.decide_stop(
            self.study, self.spec, proc.number, result, self._completed_curves
        )
        if stop is not None:
            logger.info("%s is below the cut of %s: stopping it", proc.name, _show(stop))
            # Recorded before the signal: a resumed sweep never runs a stopped trial again.
            budget.record_stop(self.study, proc.number, stop)
            proc.early_stopping = True
            proc.terminate()

    def _finish(
        self, proc: TrialProcess, code: int, *, tell: bool = True, record: bool = True
    ) -> None:
        # Read after the process exited: its last eval is in this read.
        found = read_result_checked(proc.trial_dir)
        result = proc.owns(found)
        if result is None:
            if found is not None:  # an earlier attempt's, which this one never took up
                set_aside(proc.trial_dir, keep=(STDOUT_LOG, STDERR_LOG))
            result = TrialResult(
                trial=proc.name,
                params=proc.params,
                status=TrialStatus.FAILED,
                metric=self.spec.objective.metric,
                objective=self.spec.objective.type,
                error=f"exited with code {code} before writing result.json",
            )
        if proc.early_stopping and code == EXIT_SIGTERM:
            where = budget.stopped_at(self.study, proc.number)
            extra = {**result.extra, budget.STOPPED_AT_KEY: where}
            result = replace(result, status=TrialStatus.EARLY_STOPPED, error=None, extra=extra)
        elif proc.killing and code == EXIT_SIGTERM:
            result = replace(result, status=TrialStatus.STOPPED)
        elif code != 0 and result.status in (TrialStatus.RUNNING, TrialStatus.SUCCEEDED):
            result = replace(result, status=TrialStatus.FAILED, error=f"exited with code {code}")
        elif code == 0 and result.status is not TrialStatus.SUCCEEDED:
            result = replace(result, status=TrialStatus.FAILED, error="no final status")
        # The process's wall time, for the overhead benchmark and the report.
        wall = round(time.monotonic() - proc.started, 3)
        steps = budget.steps_trained(result)  # steps spent, for the budget report
        result = replace(
            result, extra={**result.extra, "wall_seconds": wall, budget.STEPS_KEY: steps}
        )
        write_result(proc.trial_dir, result)
        upload_logs(proc)
        if os.environ.get(TEST_KILL_BEFORE_TELL) == "1":
            # Test hook only: die as a SIGKILL would, between the record and the tell.
            os.kill(os.getpid(), signal.SIGKILL)
        if not record:  # the study is unreachable: its result.json says it all
            pass
        elif tell:
            recorder.tell_result(self.study, proc.number, result, self.spec.objective.tradeoffs)
        else:  # interrupted: stays RUNNING to re-run, but its curve is kept
            recorder.report_evals(self.study, proc.number, result)
        self.progress.trial_done(result)

    def _stop_all(self, *, reason: str, tell: bool = True, record: bool = True) -> None:
        """SIGTERM every running trial and wait for each to record ``stopped``."""
        if not self.running:
            return
        logger.warning("%s: stopping %d running trial(s)", reason, len(self.running))
        for proc in self.running.values():
            proc.killing = True
            proc.terminate()
        deadline = time.monotonic() + 60
        while self.running and time.monotonic() < deadline:
            for number, proc in list(self.running.items()):
                code = proc.poll()
                if code is not None:
                    proc.close()
                    del self.running[number]
                    self._finish(proc, code, tell=tell, record=record)
            time.sleep(0.2)
        for proc in self.running.values():  # did not stop within a minute
            proc.process.kill()
            proc.close()

    # -- state -------------------------------------------------------------------

    def _trial_id(self, number: int) -> int:
        return int(
            self.study._storage.get_trial_id_from_study_id_trial_number(
                self.study._study_id, number
            )
        )

    def results(self) -> tuple[TrialResult, ...]:
        return views.results(self.study, self.trials_dir)

    def tally(self) -> policy.Tally:
        return views.tally(self.study)

    def _completed_curves(self) -> list[list[float]]:
        return views.completed_curves(self.study)

    def _best_value(self) -> float | None:
        return views.best_value(self.study, self.spec)

    def _goal_reached(self) -> bool:
        best = self._best_value()
        return best is not None and self.spec.objective.reached_goal(best)

    def _message(self, verdict: policy.Verdict) -> str:
        tally = self.tally()
        return (
            f"{verdict.value}: {tally.succeeded} succeeded, {tally.failed} failed, "
            f"{tally.early_stopped} early stopped, {tally.stopped} stopped"
        )


def _show(params: Mapping[str, object]) -> str:
    return ", ".join(f"{k}={v}" for k, v in params.items())
