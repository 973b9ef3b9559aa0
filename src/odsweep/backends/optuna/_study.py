"""The Optuna study behind a local sweep: where it lives, which spec it belongs to,
and how a sweep that was interrupted picks up again.

Each logical trial has a name ``<spec name>-<n>`` (its directory's name) kept in the
Optuna trial's user attribute ``odsweep_trial``. A trial left RUNNING by a process
that no longer exists and whose own record is not final is failed and marked
``odsweep_interrupted``, and a copy with the same parameters and the same name is
enqueued: it re-runs and counts once (see ``_record.recover``); on a shared study, a
trial whose heartbeat is older than the grace period is taken over the same way by any
worker (``_record.take_over``).
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import socket
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import optuna
from optuna.trial import FrozenTrial, TrialState

from odsweep.backends.optuna._guard import db_reason
from odsweep.backends.optuna._objectives import directions, metric_names
from odsweep.backends.optuna._shared import Liveness, creation_lock, study_lock
from odsweep.errors import InputError
from odsweep.secrets import mask_url
from odsweep.spec import SearchSpec, spec_to_dict
from odsweep.storage import engine_url

logger = logging.getLogger(__name__)

NAME_ATTR = "odsweep_trial"
OWNER_ATTR = "odsweep_owner"
INTERRUPTED_ATTR = "odsweep_interrupted"
STATUS_ATTR = "odsweep_status"
SPEC_ATTR = "odsweep_spec_sha256"
SPEC_PARTS_ATTR = "odsweep_spec_parts"


@contextmanager
def quiet_heartbeat() -> Iterator[None]:
    """Heartbeats are "experimental" and "meant for Study.optimize" in Optuna's words;
    odsweep drives ask/tell itself and records them on purpose."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
        warnings.filterwarnings("ignore", message="Heartbeat of storage is supposed")
        yield


# What a worker may differ in from the study's other workers: the export (it does not
# change a trial), where a cluster would run it, and its own parallelism (per machine).
_NOT_FINGERPRINTED = frozenset({"export", "cluster", "parallelTrialCount"})
_LEGACY_KEYS = ("parameters", "objective", "algorithm")


def spec_fingerprint(spec: SearchSpec) -> str:
    """The pre-shared-study fingerprint (parameters, objective, algorithm): studies made
    before :func:`spec_parts` existed carry only this one."""
    doc = spec_to_dict(spec)
    searched = {k: doc["spec"].get(k) for k in _LEGACY_KEYS}
    blob = json.dumps(searched, sort_keys=True, default=str)
    return hashlib.sha256(blob.encode()).hexdigest()


def spec_parts(spec: SearchSpec) -> dict[str, str]:
    """One hash per spec key that changes a trial or the search: the space, objective,
    algorithm, early stopping, steps and eval sampling, overrides, the base config and
    data paths, the budgets and time limits. Kept per key so that a refusal can say
    which keys differ."""
    body = spec_to_dict(spec)["spec"]
    return {
        key: hashlib.sha256(json.dumps(value, sort_keys=True, default=str).encode()).hexdigest()
        for key, value in body.items()
        if key not in _NOT_FINGERPRINTED
    }


def differing_keys(stored: dict[str, str], ours: dict[str, str]) -> list[str]:
    return sorted(k for k in set(stored) | set(ours) if stored.get(k) != ours.get(k))


def owner() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def owner_is_gone(value: object) -> bool:
    """True when the owner ran on this host and its process no longer exists."""
    if not isinstance(value, str) or ":" not in value:
        return False
    host, _, pid = value.rpartition(":")
    if host != socket.gethostname() or not pid.isdigit():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return int(pid) == os.getpid()  # this process cannot own a trial it has not started


def retry_interrupted(study: optuna.Study, trial: FrozenTrial) -> None:
    """Enqueue a copy of an interrupted trial: same parameters, same name."""
    # Keeps hyperband's slot (odsweep_hb_slot): the re-run takes the same place.
    kept = {k: v for k, v in trial.user_attrs.items() if k.startswith("odsweep_hb_")}
    study.enqueue_trial(
        trial.params,
        user_attrs={
            **kept,
            NAME_ATTR: trial.user_attrs.get(NAME_ATTR),
            "odsweep_retry_of": trial.number,
        },
        skip_if_exists=False,
    )
    logger.info(
        "trial %s was interrupted; it will run again with the same parameters",
        trial.user_attrs.get(NAME_ATTR),
    )


def open_study(
    spec: SearchSpec,
    storage_url: str,
    *,
    sampler: optuna.samplers.BaseSampler,
    liveness: Liveness | None = None,
) -> optuna.Study:
    """Create the study or load it to resume; refuse one made from a different search.

    Raises:
        InputError: the study exists but its parameters, objective or algorithm differ.
    """
    from sqlalchemy.exc import SQLAlchemyError

    try:
        with quiet_heartbeat():
            return _open(spec, storage_url, sampler, liveness or Liveness.from_env())
    except (SQLAlchemyError, ImportError) as exc:  # ImportError: no driver for the URL
        why = db_reason(exc)
        raise InputError(
            f"--storage: cannot open the study at {mask_url(storage_url)} ({why}); check the "
            "URL and that the database is reachable and not damaged, or choose a new --output"
        ) from exc


def _open(
    spec: SearchSpec,
    storage_url: str,
    sampler: optuna.samplers.BaseSampler,
    liveness: Liveness,
) -> optuna.Study:
    url = engine_url(storage_url)
    with creation_lock(url):
        storage = optuna.storages.RDBStorage(
            url, heartbeat_interval=liveness.heartbeat, grace_period=liveness.grace
        )
        # Several directions with trade-offs: a resumed study cannot change its count
        # silently, as its fingerprint holds the objective (trade-offs included).
        study = optuna.create_study(
            study_name=spec.name,
            storage=storage,
            sampler=sampler,
            directions=directions(spec.objective),
            load_if_exists=True,
        )
    # Under the study lock: two workers starting at once must not both find no
    # fingerprint and each record their own.
    with study_lock(study):
        _check_same_search(study, spec, storage_url)
        if spec.objective.tradeoffs and study.metric_names is None:
            with warnings.catch_warnings():  # experimental in Optuna; names only
                warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
                study.set_metric_names(metric_names(spec.objective))
    return study


def _check_same_search(study: optuna.Study, spec: SearchSpec, storage_url: str) -> None:
    ours = spec_parts(spec)
    attrs = study.user_attrs
    stored = attrs.get(SPEC_PARTS_ATTR)
    if isinstance(stored, dict):
        differ = differing_keys(stored, ours)
    elif attrs.get(SPEC_ATTR) is not None:  # a study made before the per-key fingerprint
        differ = list(_LEGACY_KEYS) if attrs[SPEC_ATTR] != spec_fingerprint(spec) else []
    else:
        differ = []
        study.set_user_attr(SPEC_ATTR, spec_fingerprint(spec))
    if differ:
        raise InputError(
            f"--storage: study {spec.name!r} at {mask_url(storage_url)} was made from a different "
            f"search ({', '.join(differ)} differ); use another --output or --storage, or "
            "restore the spec to resume or to join its workers"
        )
    if stored is None:
        study.set_user_attr(SPEC_PARTS_ATTR, ours)


def logical_trials(study: optuna.Study) -> list[FrozenTrial]:
    """The trials that count: an interrupted attempt is replaced by its re-run."""
    return [
        t
        for t in study.get_trials(deepcopy=False)
        if not t.user_attrs.get(INTERRUPTED_ATTR) and t.state is not TrialState.WAITING
    ]


def next_name(study: optuna.Study, spec: SearchSpec) -> str:
    """``<spec name>-<n>``, n one more than the highest used so far."""
    used = [0]
    prefix = f"{spec.name}-"
    for t in study.get_trials(deepcopy=False):
        name = t.user_attrs.get(NAME_ATTR)
        if isinstance(name, str) and name.startswith(prefix) and name[len(prefix) :].isdigit():
            used.append(int(name[len(prefix) :]))
    return f"{prefix}{max(used) + 1}"


def claim(study: optuna.Study, trial: optuna.Trial, name: str) -> None:
    """Record the trial's name and this process as its owner."""
    trial.set_user_attr(NAME_ATTR, name)
    study._storage.set_trial_system_attr(trial._trial_id, OWNER_ATTR, owner())


def heartbeat(study: optuna.Study, trial_id: int) -> None:
    storage: Any = study._storage
    record = getattr(storage, "record_heartbeat", None)
    if record is not None:
        record(trial_id)
