"""The Katib backend's test double, and checks that the recorded objects hold together.

``FakeApi`` stands in for ``kubernetes.client.CustomObjectsApi``: it serves the
Experiment readings and Trial lists under ``recorded/`` (Katib 0.19's serialized
shapes; see ``recorded/README.md``) in order, and raises ``ApiException`` exactly as the
real client does (``status``, ``reason``, and the API server's ``Status`` JSON as body).
"""

from __future__ import annotations

import copy
import functools
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import yaml
from kubernetes.client.exceptions import ApiException

from odsweep.backends.katib import (
    ExperimentStatus,
    KatibBackend,
    Phase,
    TrialInfo,
    TrialState,
    render_experiment,
)
from odsweep.backends.katib._api import EXPERIMENT_LABEL, EXPERIMENTS, GROUP, TRIALS, VERSION
from tests.backends.katib.katib_fixtures import make_options, make_spec

RECORDED = Path(__file__).parent / "recorded"
NS = "kubeflow-user"
NAME = "ssd-katib"
UID = "3b0f6c8e-5d1a-4c2e-9a47-1f6e2d8b7c90"
MAP = "DetectionBoxes_Precision/mAP"
AR = "DetectionBoxes_Recall/AR@100 (small)"
LOSS = "Loss/total_loss"
T1, T2, T3, T4, T5, T6, T7, T8 = (
    "ssd-katib-7xq2lbzv",
    "ssd-katib-kd5c8n4w",
    "ssd-katib-r9tmq6hp",
    "ssd-katib-2gv4xfjn",
    "ssd-katib-wl8b5szk",
    "ssd-katib-h6nrc27q",
    "ssd-katib-p4z9dkmt",
    "ssd-katib-f5jx2wcr",
)


@functools.cache
def _parsed(relative: str) -> dict[str, Any]:
    doc: dict[str, Any] = yaml.safe_load((RECORDED / relative).read_text())
    return doc


def load(relative: str) -> dict[str, Any]:
    """A fresh copy of a recorded object (tests edit them)."""
    return copy.deepcopy(_parsed(relative))


def experiment(status: str | None = None) -> dict[str, Any]:
    """The recorded Experiment, with ``status/<status>.yaml`` as its status (or none)."""
    obj = load("experiment.yaml")
    if status is not None:
        obj["status"] = load(f"status/{status}.yaml")["status"]
    return obj


def trials(name: str) -> dict[str, Any]:
    return load(f"trials/{name}.yaml")


def server_object(rendered: dict[str, Any], status: str | None = None) -> dict[str, Any]:
    """``rendered`` as the API server hands it back: metadata filled, Katib's defaults."""
    obj = copy.deepcopy(rendered)
    obj["metadata"] = {**load("experiment.yaml")["metadata"], **obj["metadata"]}
    for param in obj["spec"]["parameters"]:
        param["feasibleSpace"].setdefault("distribution", "uniform")
    if status is not None:
        obj["status"] = load(f"status/{status}.yaml")["status"]
    return obj


def api_error(status: int, reason: str, message: str = "") -> ApiException:
    """An ApiException as the client raises it, with the API server's Status body."""
    exc = ApiException(status=status, reason=reason)
    exc.body = json.dumps(
        {
            "kind": "Status",
            "apiVersion": "v1",
            "metadata": {},
            "status": "Failure",
            "message": message,
            "reason": reason,
            "code": status,
        }
    )
    return exc


def not_found(name: str = NAME) -> ApiException:
    return api_error(404, "NotFound", f'experiments.kubeflow.org "{name}" not found')


class FakeApi:
    """``CustomObjectsApi`` serving recorded objects; records every call.

    Args:
        readings: What each GET of the Experiment answers, in order (an exception is
            raised); the last one repeats.
        existing: Whether an Experiment of that name already exists (create -> 409).
        trial_list: What listing the Trials answers (an exception is raised).
        create_errors: Raised by the first creates, in order.
        delete_error: Raised by delete.
    """

    def __init__(
        self,
        readings: Sequence[dict[str, Any] | Exception] = (),
        *,
        existing: bool = False,
        trial_list: dict[str, Any] | Exception | None = None,
        create_errors: Sequence[Exception] = (),
        delete_error: Exception | None = None,
    ) -> None:
        self.readings = list(readings)
        self.existing = existing
        self.trial_list = trial_list
        self.create_errors = list(create_errors)
        self.delete_error = delete_error
        self.calls: list[tuple[Any, ...]] = []
        self.created: list[dict[str, Any]] = []

    def _check(self, group: str, version: str, plural: str, kwargs: dict[str, Any]) -> None:
        assert (group, version) == (GROUP, VERSION)
        assert plural in (EXPERIMENTS, TRIALS)
        assert kwargs.get("_request_timeout"), "every call must have a timeout"

    def create_namespaced_custom_object(
        self, group: str, version: str, namespace: str, plural: str, body: Any, **kwargs: Any
    ) -> Any:
        self._check(group, version, plural, kwargs)
        self.calls.append(("create", namespace, body["metadata"]["name"]))
        if self.create_errors:
            raise self.create_errors.pop(0)
        if self.existing:
            name = body["metadata"]["name"]
            message = f'experiments.kubeflow.org "{name}" already exists'
            raise api_error(409, "AlreadyExists", message)
        self.existing = True
        self.created.append(copy.deepcopy(body))
        return copy.deepcopy(body)

    def get_namespaced_custom_object(
        self, group: str, version: str, namespace: str, plural: str, name: str, **kwargs: Any
    ) -> Any:
        self._check(group, version, plural, kwargs)
        self.calls.append(("get", namespace, name))
        assert self.readings, "no recorded reading left"
        item = self.readings[0] if len(self.readings) == 1 else self.readings.pop(0)
        if isinstance(item, Exception):
            raise item
        return copy.deepcopy(item)

    def list_namespaced_custom_object(
        self, group: str, version: str, namespace: str, plural: str, **kwargs: Any
    ) -> Any:
        self._check(group, version, plural, kwargs)
        self.calls.append(("list", namespace, plural, kwargs.get("label_selector")))
        if isinstance(self.trial_list, Exception):
            raise self.trial_list
        empty = {"apiVersion": "kubeflow.org/v1beta1", "items": [], "kind": "TrialList"}
        return copy.deepcopy(self.trial_list or empty)

    def delete_namespaced_custom_object(
        self, group: str, version: str, namespace: str, plural: str, name: str, **kwargs: Any
    ) -> Any:
        self._check(group, version, plural, kwargs)
        self.calls.append(("delete", namespace, name))
        if self.delete_error is not None:
            raise self.delete_error
        return {"kind": "Status", "status": "Success"}


class FakeClock:
    """A monotonic clock that only moves when the code under test sleeps."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def backend(api: FakeApi, clock: FakeClock | None = None) -> KatibBackend:
    clock = clock or FakeClock()
    return KatibBackend(api, default_namespace="team-a", clock=clock, sleep=clock.sleep)


# -- the recorded objects hold together ---------------------------------------------------


def test_recorded_experiment_is_odsweeps_rendering_as_the_server_returns_it() -> None:
    spec = make_spec()
    rendered = render_experiment(spec, options=make_options(spec))
    assert load("experiment.yaml") == server_object(rendered)


def test_every_recorded_status_counts_what_it_lists() -> None:
    for path in sorted((RECORDED / "status").glob("*.yaml")):
        status = ExperimentStatus.from_object(experiment(path.stem))
        listed = {state: len(names) for state, names in status.trial_names.items()}
        c = status.counts
        counted = {
            TrialState.PENDING: c.pending,
            TrialState.RUNNING: c.running,
            TrialState.SUCCEEDED: c.succeeded,
            TrialState.FAILED: c.failed,
            TrialState.KILLED: c.killed,
            TrialState.EARLY_STOPPED: c.early_stopped,
            TrialState.METRICS_UNAVAILABLE: c.metrics_unavailable,
        }
        assert listed == counted, path.name
        assert c.total == sum(listed.values()), path.name


def test_recorded_trials_agree_with_their_experiment_status() -> None:
    for name in ("succeeded-max-trials", "failed-max-failed"):
        status = ExperimentStatus.from_object(experiment(name))
        for item in trials(name)["items"]:
            assert item["metadata"]["labels"] == {EXPERIMENT_LABEL: NAME}
            info = TrialInfo.from_object(item)
            assert status.state_of(info.name) is info.state, (name, info.name)


def test_statuses_read_as_katib_decides_them() -> None:
    created = ExperimentStatus.from_object(experiment("created"))
    assert (created.phase, created.optimal, created.counts.total) == (Phase.CREATED, None, 0)
    assert ExperimentStatus.from_object(experiment()).phase is Phase.PENDING
    done = ExperimentStatus.from_object(experiment("succeeded-max-trials"))
    assert (done.phase, done.reason) == (Phase.SUCCEEDED, "ExperimentMaxTrialsReached")
    assert done.model_dir == "gs://bucket/sweeps/ssd-katib"
    assert (done.container, done.algorithm) == ("odsweep-trial", "tpe")
    assert (done.max_trial_count, done.max_failed_trial_count) == (8, 2)
    assert done.optimal is not None and done.optimal.name == T5
    assert done.best_value() == 0.4817
    assert done.objective.strategies[LOSS] == "min"
    assert (done.counts.finished, done.counts.failed_for_budget) == (8, 1)


def test_trial_states_follow_katibs_order_and_both_metrics_unavailable_forms() -> None:
    items = {i["metadata"]["name"]: i for i in trials("succeeded-max-trials")["items"]}
    # Early stopped keeps "Running: True"; EarlyStopped wins, as in updateTrialsSummary.
    assert TrialInfo.from_object(items[T2]).state is TrialState.EARLY_STOPPED
    unavailable = TrialInfo.from_object(trials("failed-max-failed")["items"][2])
    assert unavailable.state is TrialState.METRICS_UNAVAILABLE
    assert unavailable.metrics[MAP].max is None
    legacy = copy.deepcopy(items[T1])
    legacy["status"]["conditions"][-1].update(
        status="False", reason="MetricsUnavailable", message="Metrics are not available"
    )
    old = TrialInfo.from_object(legacy)
    assert (old.state, old.message) == (TrialState.METRICS_UNAVAILABLE, "Metrics are not available")
