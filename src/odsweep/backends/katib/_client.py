"""Create, follow and delete a search's Experiment through the Kubernetes API.

Creating never replaces anything: when an Experiment of the same name exists (409
Conflict), it is read back and either resumed -- followed as it is, when its search
(parameters, objective, algorithm, early stopping, collector, trial template) is the one
this spec renders -- or refused with the differences named. Katib's own defaults are
undone before comparing (:mod:`._compare`).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from odsweep.backends.katib._api import (
    EXPERIMENTS,
    GROUP,
    REQUEST_TIMEOUT,
    VERSION,
    CustomObjectsApiLike,
    api_message,
    connect,
    is_transient,
    status_of,
)
from odsweep.backends.katib._compare import BUDGET_KEYS, MAX_SHOWN, SEARCH_KEYS, differences
from odsweep.backends.katib._errors import ExperimentFailed, KatibApiError
from odsweep.backends.katib._follow import RESUME_HINT, KatibOutcome, follow
from odsweep.backends.katib._manifest import render_experiment
from odsweep.backends.katib._namespace import CoreV1ApiLike, check_injection_label
from odsweep.backends.katib._options import KatibOptions
from odsweep.backends.katib._preflight import check_for_katib
from odsweep.backends.katib._progress import describe_counts
from odsweep.backends.katib._status import ExperimentStatus
from odsweep.backends.katib._winner import trial_results, winner_result
from odsweep.errors import InputError
from odsweep.results import TrialResult
from odsweep.spec import SearchSpec

logger = logging.getLogger(__name__)

OnExisting = Literal["resume", "refuse"]
CREATE_ATTEMPTS = 3


@dataclass(frozen=True)
class ExperimentRef:
    """The Experiment a search runs as.

    Attributes:
        name: ``metadata.name`` (the spec's name).
        namespace: Where it lives.
        created: True when this call created it; False when an existing one is resumed.
    """

    name: str
    namespace: str
    created: bool


class KatibBackend:
    """The Katib backend over one ``CustomObjectsApi``-like object (see ``_api``).

    Args:
        api: ``kubernetes.client.CustomObjectsApi`` or a stand-in with its four methods.
        core: ``kubernetes.client.CoreV1Api`` (or a stand-in) to check the namespace's
            metrics-collector label before creating; None skips that check.
        default_namespace: For specs and options that name no namespace (kubectl's).
        clock: Seconds, monotonic; tests pass a fake one.
        sleep: Waits between readings; tests pass one that advances ``clock``.
    """

    def __init__(
        self,
        api: CustomObjectsApiLike,
        *,
        core: CoreV1ApiLike | None = None,
        default_namespace: str = "default",
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.api = api
        self.core = core
        self.default_namespace = default_namespace
        self._clock = clock
        self._sleep = sleep

    @classmethod
    def from_kube_config(
        cls, *, config_file: str | None = None, context: str | None = None
    ) -> KatibBackend:
        """The backend for the cluster of the pod's service account or the kube config.

        Raises:
            InputError: "no Kubernetes configuration: ..." with the fix.
        """
        from kubernetes import client

        api, namespace = connect(config_file=config_file, context=context)
        # The same ApiClient: one configuration, one connection pool.
        core = client.CoreV1Api(getattr(api, "api_client", None))
        return cls(api, core=core, default_namespace=namespace)

    def namespace_of(self, options: KatibOptions) -> str:
        return options.cluster.namespace or self.default_namespace

    def launch(
        self, spec: SearchSpec, options: KatibOptions, *, on_existing: OnExisting = "resume"
    ) -> ExperimentRef:
        """Create the search's Experiment, or resume the same one if it exists.

        Run :func:`odsweep.validation.check_spec` first; this checks what Katib needs
        (:func:`check_for_katib`) and renders the Experiment itself.

        Args:
            spec: The validated search space.
            options: Image, storage, namespace and pod settings.
            on_existing: ``"resume"``: follow an existing Experiment of the same name when
                its search matches (else InputError naming the differences); ``"refuse"``:
                an existing one is an InputError.

        Raises:
            InputError: Katib would refuse the spec; an Experiment of that name exists and
                cannot be resumed; the webhook refused it; no permission; no Katib.
            KatibApiError: The API kept failing.
        """
        if on_existing not in ("resume", "refuse"):
            raise ValueError(f"on_existing must be 'resume' or 'refuse', got {on_existing!r}")
        check_for_katib(spec, options)
        body = render_experiment(spec, options=options)
        namespace = self.namespace_of(options)
        name = spec.name
        if self.core is not None:
            check_injection_label(self.core, namespace)
        for attempt in range(1, CREATE_ATTEMPTS + 1):
            try:
                self.api.create_namespaced_custom_object(
                    GROUP, VERSION, namespace, EXPERIMENTS, body, _request_timeout=REQUEST_TIMEOUT
                )
            except Exception as exc:
                code = status_of(exc)
                if code is None and not is_transient(exc):
                    raise  # not an API error: a bug, not something to explain or retry
                if code == 409:
                    if on_existing == "refuse":
                        raise _exists_error(namespace, name) from None
                    existing = self._read_existing(name, namespace)
                    if existing is None:  # deleted between our create and our read
                        continue
                    return self._resume(body, existing, namespace)
                if is_transient(exc) and attempt < CREATE_ATTEMPTS:
                    logger.warning(
                        "creating %s/%s failed (%s); retrying", namespace, name, api_message(exc)
                    )
                    self._sleep(2.0**attempt)
                    continue
                raise _create_error(exc, namespace, name) from None
            logger.info(
                "created Katib Experiment %s/%s: up to %d trials, %d at a time; "
                "watch it with kubectl -n %s get experiment %s -w",
                namespace,
                name,
                spec.max_trial_count,
                spec.parallel_trial_count,
                namespace,
                name,
            )
            return ExperimentRef(name, namespace, created=True)
        raise KatibApiError(
            f"{namespace}/{name}: the Experiment kept appearing and vanishing while it was "
            f"created; check who else manages it (kubectl -n {namespace} get experiments)"
        )

    def follow(
        self,
        name: str,
        namespace: str,
        *,
        timeout_seconds: float | None = None,
        poll_seconds: float = 30.0,
        progress: bool = True,
        resume_hint: str = RESUME_HINT,
    ) -> KatibOutcome:
        """Follow the Experiment until it ends; see :func:`odsweep.backends.katib.follow`."""
        return follow(
            self.api,
            name,
            namespace,
            timeout_seconds=timeout_seconds,
            poll_seconds=poll_seconds,
            progress=progress,
            resume_hint=resume_hint,
            clock=self._clock,
            sleep=self._sleep,
        )

    def delete(self, name: str, namespace: str) -> bool:
        """Delete the Experiment (Katib deletes its Trials and their Jobs with it).

        The trials' folders under ``<model_dir>/trials/`` stay.

        Returns:
            True when it was deleted, False when there was none.

        Raises:
            InputError: No permission to delete it.
            KatibApiError: Any other API error.
        """
        try:
            self.api.delete_namespaced_custom_object(
                GROUP, VERSION, namespace, EXPERIMENTS, name, _request_timeout=REQUEST_TIMEOUT
            )
        except Exception as exc:
            code = status_of(exc)
            if code == 404:
                return False
            if code is None and not is_transient(exc):
                raise
            if code in (401, 403):
                raise InputError(
                    f"{namespace}/{name}: not allowed to delete the Experiment "
                    f"({api_message(exc)}); allow delete on experiments (manifests/rbac.yaml)"
                ) from None
            raise KatibApiError(
                f"{namespace}/{name}: deleting the Experiment failed: {api_message(exc)}"
            ) from None
        logger.info("deleted Katib Experiment %s/%s (the trial folders stay)", namespace, name)
        return True

    def _read_existing(self, name: str, namespace: str) -> dict[str, Any] | None:
        try:
            obj: dict[str, Any] = self.api.get_namespaced_custom_object(
                GROUP, VERSION, namespace, EXPERIMENTS, name, _request_timeout=REQUEST_TIMEOUT
            )
        except Exception as exc:
            code = status_of(exc)
            if code == 404:
                return None
            if code is None and not is_transient(exc):
                raise
            raise _create_error(exc, namespace, name) from None
        return obj

    def _resume(
        self,
        body: dict[str, Any],
        existing: dict[str, Any],
        namespace: str,
    ) -> ExperimentRef:
        name = body["metadata"]["name"]
        where = f"{namespace}/{name}"
        if (existing.get("metadata") or {}).get("deletionTimestamp"):
            raise InputError(
                f"Katib Experiment {where} is being deleted; wait until kubectl -n {namespace} "
                f"get experiment {name} finds none, then run the search again"
            )
        theirs = existing.get("spec") or {}
        found = differences(body["spec"], theirs, keys=SEARCH_KEYS)
        if found:
            shown = found[:MAX_SHOWN]
            if len(found) > MAX_SHOWN:
                shown.append(f"... and {len(found) - MAX_SHOWN} more difference(s)")
            raise InputError(
                [
                    f"Katib Experiment {where} already exists with another search, so it is "
                    "not resumed; it differs in:",
                    *shown,
                    f"rename the search (metadata.name), or delete the old Experiment first: "
                    f"kubectl -n {namespace} delete experiment {name} (its trial folders stay)",
                ]
            )
        for line in differences(body["spec"], theirs, keys=BUDGET_KEYS):
            logger.warning("resuming %s with the cluster's own setting: %s", where, line)
        status = ExperimentStatus.from_object(existing)
        logger.info(
            "resuming Katib Experiment %s (%s; %s)",
            where,
            status.phase.value,
            describe_counts(status),
        )
        return ExperimentRef(name, namespace, created=False)


def _exists_error(namespace: str, name: str) -> InputError:
    return InputError(
        [
            f"Katib Experiment {namespace}/{name} already exists, and odsweep never replaces one",
            "resume it instead (on_existing='resume'), delete it first (kubectl -n "
            f"{namespace} delete experiment {name}), or rename the search (metadata.name)",
        ]
    )


def _create_error(exc: Exception, namespace: str, name: str) -> InputError | KatibApiError:
    """The error a failed create (or read-back) means for the user."""
    code = status_of(exc)
    where = f"{namespace}/{name}"
    message = api_message(exc)
    if code in (400, 422) or (code == 403 and "admission webhook" in message):
        return InputError(
            f"Katib refused Experiment {where}: {message}; odsweep katib render shows the "
            "Experiment that was sent"
        )
    if code == 401:
        return InputError(
            f"the Kubernetes API rejected the credentials ({message}); refresh them, e.g. "
            "gcloud container clusters get-credentials CLUSTER --region REGION"
        )
    if code == 403:
        return InputError(
            f"not allowed to create or read Experiments in namespace {namespace} ({message}); "
            "grant the account manifests/rbac.yaml (docs/katib.md, section 4), or use a "
            "namespace you may write to"
        )
    if code == 404:
        return InputError(
            f"cannot create Experiment {where} ({message}); is Katib installed (kubectl get "
            f"crd experiments.kubeflow.org) and does namespace {namespace} exist?"
        )
    return KatibApiError(f"creating Katib Experiment {where} failed: {message}")


@dataclass(frozen=True)
class KatibSearch:
    """A whole search on Katib: where it ran, how it ended, and its winner.

    Attributes:
        experiment: The Experiment.
        outcome: How it ended.
        winner: The winning trial's result.json (Katib's state applied), or None when
            the search failed or no trial has a best checkpoint.
        message: One line: the outcome, or why there is no winner.
        results: Every trial's result.json, Katib's states applied, oldest first (for
            the report; trials that wrote none are left out).
    """

    experiment: ExperimentRef
    outcome: KatibOutcome
    winner: TrialResult | None
    message: str
    results: tuple[TrialResult, ...] = ()

    @property
    def succeeded(self) -> bool:
        return self.outcome.succeeded and self.winner is not None


def run_search(
    spec: SearchSpec,
    options: KatibOptions,
    *,
    backend: KatibBackend | None = None,
    on_existing: OnExisting = "resume",
    timeout_seconds: float | None = None,
    poll_seconds: float = 30.0,
    show_progress: bool = True,
    delete_when_done: bool = False,
) -> KatibSearch:
    """Launch (or resume) the Experiment, follow it to its end, and pick the winner.

    Args:
        spec: The validated search space (``check_spec`` passed).
        options: Cluster settings; ``options.model_dir`` is where the trials write.
        backend: Default: :meth:`KatibBackend.from_kube_config`.
        on_existing: See :meth:`KatibBackend.launch`.
        timeout_seconds: Stop following after this long (the Experiment keeps running);
            None waits for its end.
        poll_seconds: Time between readings of the Experiment.
        show_progress: A bar on a terminal (log lines come either way).
        delete_when_done: Delete the Experiment once it succeeded and the winner is read
            (a failed one is kept for ``kubectl describe``).

    Raises:
        InputError, FollowTimeout, ExperimentGone, KatibApiError: see launch and follow.
    """
    backend = backend or KatibBackend.from_kube_config()
    ref = backend.launch(spec, options, on_existing=on_existing)
    outcome = backend.follow(
        ref.name,
        ref.namespace,
        timeout_seconds=timeout_seconds,
        poll_seconds=poll_seconds,
        progress=show_progress,
    )
    results = trial_results(outcome, model_dir=options.model_dir)
    if not outcome.succeeded:
        return KatibSearch(ref, outcome, None, outcome.message, results)
    try:
        chosen = winner_result(outcome, model_dir=options.model_dir)
    except ExperimentFailed as exc:
        return KatibSearch(ref, outcome, None, exc.messages[0], results)
    if delete_when_done:
        backend.delete(ref.name, ref.namespace)
    return KatibSearch(ref, outcome, chosen, outcome.message, results)
