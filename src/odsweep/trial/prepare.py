"""Build a trial's effective ``pipeline.config`` and check, before any training,
what would otherwise fail late. TensorFlow only for decoding sampled records
(:mod:`odsweep.trial.datacheck`)."""

from __future__ import annotations

import logging
from typing import Any

from odsweep import odconfig, storage
from odsweep.errors import InputError
from odsweep.results import TRIAL_CONFIG_FILE
from odsweep.trial.annotations import check_annotations
from odsweep.trial.datacheck import check_data
from odsweep.trial.options import TrialOptions
from odsweep.trial.unsupported import switch_off_unsupported
from odsweep.trial.warmstart import warm_start_problems

logger = logging.getLogger(__name__)


def build_trial_config(opts: TrialOptions) -> Any:
    """The base config with the trial's data paths, steps, sampling and overrides.

    Raises:
        InputError: every override or path problem, all at once.
    """
    # Readers the open-source OD API cannot read (Google-internal) are replaced here.
    config = odconfig.load_config_with_data(
        opts.pipeline_config,
        train_input=opts.train_input,
        eval_input=opts.eval_input,
        label_map=opts.label_map,
    )
    if opts.sample_1_of_n_eval is not None:
        for reader in config.eval_input_reader:
            reader.sample_1_of_n_examples = opts.sample_1_of_n_eval
    # Overrides come before the step count so that a cosine schedule's total_steps
    # follows the trial's real step count whatever the overrides touched.
    config = odconfig.apply_overrides(config, dict(opts.overrides), key_prefix="--set ")
    odconfig.set_num_train_steps(config, opts.num_train_steps)
    switch_off_unsupported(config)
    return config


def preflight(config: Any, *, warm_start: bool = True) -> None:
    """Refuse what would fail after minutes of training.

    Data, label map and checkpoint paths are checked through :mod:`odsweep.storage`,
    ``gs://`` ones included (TensorFlow reads them later, from the same paths); then
    the data itself is read (:func:`odsweep.trial.datacheck.check_data`). With
    ``warm_start``, the fine-tune checkpoint too: it exists, its type suits the model
    and its variables fit the model (:mod:`odsweep.trial.warmstart`, which builds the
    model); a resumed trial, which never applies it, passes False.

    Raises:
        InputError: with one line per problem.
    """
    problems: list[str] = []
    readers = [("train_input_reader", config.train_input_reader)] + [
        (f"eval_input_reader[{i}]", r) for i, r in enumerate(config.eval_input_reader)
    ]
    for key, reader in readers:
        for pattern in reader.tf_record_input_reader.input_path:
            if "PATH_TO_BE_CONFIGURED" in pattern:
                problems.append(
                    f"{key}.tf_record_input_reader.input_path: placeholder {pattern!r}; "
                    "give the data with --train-input/--eval-input (or the spec's paths)"
                )
            elif not storage.glob(pattern):
                problems.append(
                    f"{key}.tf_record_input_reader.input_path: no file matches {pattern!r}; "
                    "check the path or generate the demo data (odsweep demo-data)"
                )
        label_map = reader.label_map_path
        if label_map and not storage.exists(label_map):
            problems.append(f"{key}.label_map_path: file not found, got {label_map!r}")
    if not problems:
        # Only once every path resolves: the data check opens what the globs match.
        problems += check_data(config)
    if not problems:
        # Keypoints/masks the config trains on but the (readable) data lacks.
        problems += check_annotations(config)
    if warm_start:
        problems += warm_start_problems(config)
    warmup = odconfig.warmup_problem(config)
    if warmup:
        problems.append(warmup)
    if problems:
        raise InputError(problems)


def write_trial_config(trial_dir: str, config: Any) -> str:
    """Write the effective config into the trial directory; returns its path."""
    path = storage.join(trial_dir, TRIAL_CONFIG_FILE)
    storage.write_text_atomic(path, odconfig.config_to_text(config))
    return path
