"""Refuse an output whose trial folders the study does not know, before anything is written.

A study that does not know an output's trials (a new or mistyped ``--storage``, a
0-byte, replaced or foreign ``study.db``) would hand out the same trial names again
and train into folders that hold finished work. So the study is read first, read-only
for SQLite (opening it with Optuna would create its tables, i.e. write to the file),
and every non-empty trial folder must be one of its trials, with the same parameters
where the folder's ``result.json`` says which.
"""

from __future__ import annotations

import logging
import math
import os
import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from odsweep import storage
from odsweep.errors import InputError
from odsweep.secrets import mask_url

logger = logging.getLogger(__name__)

NAME_ATTR = "odsweep_trial"
# Where earlier attempts of re-run trials are kept (see _attempts); not a trial folder.
HIDDEN_PREFIX = "."


def sqlite_path(url: str) -> str | None:
    """The file of a ``sqlite:///`` URL, else None (a server database)."""
    if not url.lower().startswith("sqlite:///"):
        return None
    return url[len("sqlite:///") :].split("?", 1)[0]


@dataclass(frozen=True)
class StudyTrials:
    """What a study says about its trials: name -> parameters (None: study absent)."""

    url: str
    exists: bool
    params: Mapping[str, Mapping[str, Any]]


def read_sqlite_study(url: str, study_name: str) -> StudyTrials:
    """Read a SQLite study's trials without writing a byte to the file.

    Raises:
        InputError: the file is not a readable SQLite/Optuna database.
    """
    import optuna

    path = sqlite_path(url)
    if path is None:
        raise ValueError(f"not a sqlite URL: {mask_url(url)}")
    if not os.path.exists(path) or os.path.getsize(path) == 0:
        return StudyTrials(url=url, exists=False, params={})
    if not os.access(path, os.R_OK):
        raise InputError(
            f"--storage: cannot read the study {path} (permission denied); fix its "
            "permissions, or give another study with --storage"
        )
    ro = f"sqlite:///file:{os.path.abspath(path)}?mode=ro&uri=true"
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # Optuna's experimental-feature notices
            store = optuna.storages.RDBStorage(ro, skip_table_creation=True)
            try:
                study_id = store.get_study_id_from_name(study_name)
            except KeyError:
                return StudyTrials(url=url, exists=False, params={})
            trials = store.get_all_trials(study_id, deepcopy=False)
    except Exception as exc:  # sqlalchemy/sqlite errors: not a study database
        raise InputError(study_unreadable(path, exc)) from exc
    return StudyTrials(url=url, exists=True, params=names_to_params(trials))


def db_reason(exc: BaseException) -> str:
    """The database driver's own words (Optuna wraps them in a generic storage error)."""
    seen: BaseException | None = exc
    while seen is not None:
        orig = getattr(seen, "orig", None)
        if orig is not None:
            return " ".join(str(orig).split())[:200]
        seen = seen.__cause__ or seen.__context__
    return " ".join(str(exc).split())[:200]


def study_unreadable(path: str, exc: BaseException) -> str:
    why = db_reason(exc)
    return (
        f"--storage: the study {path} is not a readable Optuna database ({why}); restore "
        "it from a backup, give the sweep's study with --storage, or choose a new --output"
    )


def names_to_params(trials: Any) -> dict[str, Mapping[str, Any]]:
    out: dict[str, Mapping[str, Any]] = {}
    for trial in trials:
        name = trial.user_attrs.get(NAME_ATTR)
        if isinstance(name, str):
            out[name] = dict(trial.params)
    return out


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, bool) or isinstance(b, bool):
        return bool(a == b)
    if isinstance(a, int | float) and isinstance(b, int | float):
        return math.isclose(float(a), float(b), rel_tol=1e-12, abs_tol=0.0)
    return str(a) == str(b)


def _folder_params(trial_dir: str) -> Mapping[str, Any] | None:
    """The parameters a trial folder's result.json records, None when it cannot say."""
    import json

    path = storage.join(trial_dir, "result.json")
    try:
        if not storage.exists(path):
            return None
        doc = json.loads(storage.read_text(path, key="result"))
    except (InputError, ValueError):
        return None  # a corrupt record is reported where it is read; here it proves nothing
    params = doc.get("params") if isinstance(doc, dict) else None
    return params if isinstance(params, dict) else None


def unknown_trials(trials_dir: str, known: StudyTrials) -> list[str]:
    """The non-empty trial folders the study has no trial for (or another trial's params)."""
    unknown = []
    for name in storage.list_dir(trials_dir):
        if name.startswith(HIDDEN_PREFIX):
            continue
        folder = storage.join(trials_dir, name)
        if not storage.list_dir(folder):
            continue  # an empty folder holds nothing to lose; the launcher reuses it
        ours = known.params.get(name)
        if ours is None:
            unknown.append(name)
            continue
        recorded = _folder_params(folder)
        if recorded is not None and (
            set(recorded) != set(ours) or not all(_same(recorded[k], ours[k]) for k in ours)
        ):
            unknown.append(name)
    return unknown


def check_trials_known(*, output_dir: str, trials_dir: str, known: StudyTrials, study: str) -> None:
    """Refuse an output holding trial folders the study does not know.

    Raises:
        InputError: naming the output, the study (password masked), how many trials,
            and the fixes.
    """
    unknown = unknown_trials(trials_dir, known)
    if not unknown:
        return
    shown = ", ".join(unknown[:3]) + (", ..." if len(unknown) > 3 else "")
    where = mask_url(known.url)
    if known.exists:
        why = f"that study {study!r} at {where} does not know (other names or parameters)"
    else:
        why = f"but {where} has no study {study!r}"
    raise InputError(
        f"--storage: {output_dir} holds {len(unknown)} trial folder(s) ({shown}) {why}; give "
        "the study these trials ran with (--storage, or run from the directory the sweep "
        "was started in), or choose a new --output"
    )
