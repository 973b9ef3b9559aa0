"""Where a sweep keeps things: its output folder, its local state, its spec snapshot.

The output directory holds ``spec.yaml`` (the search as run, which every trial
loads), ``trials/<name>/``, ``study.db`` (unless ``--storage`` says otherwise),
``best.json``, ``report.md``/``report.html`` and the export (``model/<version>/``
unless the spec's ``export.outputDirectory`` says otherwise).

The output may be ``gs://bucket/path``. The study cannot live there (SQLite needs a
file system with locks), so it goes to :func:`local_state_dir`, with the running
trials' logs; ``--storage`` (e.g. PostgreSQL) puts it elsewhere.
"""

from __future__ import annotations

import os

import yaml

from odsweep import storage
from odsweep.results import MODEL_DIR, SPEC_SNAPSHOT, STUDY_FILE, TRIALS_DIR
from odsweep.spec import Distribution, ParameterType, SearchSpec, spec_to_dict


def default_output(spec: SearchSpec) -> str:
    return os.path.join("runs", spec.name)


def local_state_dir(output_dir: str) -> str:
    """Where a sweep's study and running trials' logs live on this machine.

    A local output holds them itself. For ``gs://bucket/path`` it is
    ``./runs/gs/bucket/path``: one folder per output, so two sweeps never share a
    study; beside the local runs, where a user sees it (a cache dir would hide the
    state a resume depends on); and kept across reboots (a temp dir is not: a lost
    study would start over and re-run trials into the bucket's trial folders).
    Resuming means running the same command from the same directory, or passing
    the study with ``--storage``.
    """
    if not storage.is_remote(output_dir):
        return output_dir
    return os.path.join("runs", "gs", *output_dir[len("gs://") :].strip("/").split("/"))


def default_storage(output_dir: str) -> str:
    """The default Optuna storage: a SQLite file in :func:`local_state_dir`."""
    return "sqlite:///" + os.path.abspath(os.path.join(local_state_dir(output_dir), STUDY_FILE))


def snapshot_spec(spec: SearchSpec, output_dir: str) -> str:
    """Write the spec as run (absolute paths) for the trials and later commands."""
    path = storage.join(output_dir, SPEC_SNAPSHOT)
    storage.write_text_atomic(path, yaml.safe_dump(spec_to_dict(spec), sort_keys=False))
    return path


def model_base(spec: SearchSpec, output_dir: str) -> str:
    """The TF Serving base path the winner is exported to."""
    return spec.export.output_directory or storage.join(output_dir, MODEL_DIR)


def trial_dir(output_dir: str, trial: str) -> str:
    return storage.join(output_dir, TRIALS_DIR, trial)


def param_scales(spec: SearchSpec) -> dict[str, str]:
    scales = {}
    for p in spec.parameters:
        if p.type is ParameterType.CATEGORICAL:
            scales[p.name] = "categorical"
        elif p.distribution is Distribution.LOG_UNIFORM:
            scales[p.name] = "log"
        else:
            scales[p.name] = "linear"
    return scales
