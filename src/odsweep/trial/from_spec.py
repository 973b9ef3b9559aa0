"""A trial of a search space: the spec's base config, data, steps and objective, plus
the trial's parameter values (as strings, the way Katib passes them). Pure."""

from __future__ import annotations

import logging
import zlib
from collections.abc import Mapping, Sequence
from typing import Any

from odsweep.errors import InputError
from odsweep.spec import (
    SearchSpec,
    inactive_parameters,
    is_active,
    needs_serving_cost,
    resource_name,
    trial_steps,
)
from odsweep.trial.options import TrialOptions

logger = logging.getLogger(__name__)


def seed_from_name(trial_dir: str) -> int:
    """A stable per-trial seed from the trial's name, for engines that give none (Katib
    numbers no trials; its names carry a random suffix)."""
    name = trial_dir.rstrip("/").rsplit("/", 1)[-1]
    return zlib.crc32(name.encode()) & 0x7FFFFFFF


def parse_params(spec: SearchSpec, raw: Mapping[str, str]) -> dict[str, Any]:
    """Typed parameter values from ``NAME=VALUE`` strings; every parameter exactly once.

    A parameter whose ``when:`` branch is not chosen may be left out (the local engine
    does not sample it); given (Katib samples the flat space), it is checked and kept,
    and :func:`trial_options` ignores it.

    Raises:
        InputError: unknown names, missing parameters, values outside the space.
    """
    problems: list[str] = []
    known = {p.name: p for p in spec.parameters}
    typed: dict[str, Any] = {}
    for name, text in raw.items():
        parameter = known.get(name)
        if parameter is None:
            problems.append(
                f"--param {name}: not a parameter of {spec.name!r}; "
                f"its parameters are {', '.join(sorted(known)) or '(none)'}"
            )
            continue
        try:
            typed[name] = parameter.parse_value(text)
        except InputError as exc:
            problems.extend(exc.messages)
    missing = [
        name
        for name in known
        if name not in raw and is_active(spec.parameters, name, {**raw, **typed})
    ]
    if missing:
        problems.append(
            f"--param: no value for {', '.join(missing)}; give each as --param NAME=VALUE"
        )
    if problems:
        raise InputError(problems)
    return {name: typed[name] for name in known if name in typed}


def trial_options(
    spec: SearchSpec,
    *,
    trial_dir: str,
    params: Mapping[str, Any],
    sets: Sequence[tuple[str, Any]] = (),
    seed: int | None = None,
    keep_checkpoints: int | None = None,
) -> TrialOptions:
    """The options of one trial of ``spec``.

    Overrides apply in this order, later winning: the spec's fixed ``overrides`` and
    warm start (``fineTuneCheckpoint``, its type, checkpoint version V2), each
    parameter at its ``configPath``, then ``sets`` (``--set`` on the command line).
    hyperband's resource parameter ``r`` is no override: the trial trains ``r *
    checkpointEveryNSteps`` steps (cosine ``total_steps`` follows, as for any trial).
    """
    overrides: list[tuple[str, Any]] = list(spec.overrides.items())
    # The warm start is fixed for the search; the parser keeps parameters off its fields.
    if spec.warm_start is not None:
        overrides += list(spec.warm_start.overrides())
    # hyperband's resource parameter sets the step count (in eval intervals), not a field.
    resource = resource_name(spec.algorithm)
    # A parameter of a branch that is not chosen is ignored, as Katib's flat space needs.
    ignored = inactive_parameters(spec.parameters, params)
    for name, when in ignored.items():
        logger.info(
            "parameter %s ignored: it applies when %s=%s, this trial chose %s",
            name,
            when.parameter,
            when.branch,
            params.get(when.parameter, "(its choice does not apply)"),
        )
    overrides += [
        (spec.parameter(name).config_path, value)
        for name, value in params.items()
        if name != resource and name not in ignored
    ]
    overrides += list(sets)
    extra = {} if keep_checkpoints is None else {"keep_checkpoints": keep_checkpoints}
    if seed is None:
        seed = seed_from_name(trial_dir)
    return TrialOptions(
        pipeline_config=spec.pipeline_config_path,
        trial_dir=trial_dir,
        num_train_steps=trial_steps(spec, params),
        checkpoint_every_n=spec.checkpoint_every_n_steps,
        metric=spec.objective.metric,
        objective=spec.objective.type,
        overrides=tuple(overrides),
        params=dict(params),
        train_input=spec.train_input_path,
        eval_input=spec.eval_input_path,
        label_map=spec.label_map_path,
        sample_1_of_n_eval=spec.sample_1_of_n_eval_examples,
        seed=seed,
        stall_timeout_seconds=spec.trial_stall_timeout_seconds,
        time_limit_seconds=spec.trial_timeout_seconds,
        serving_cost=needs_serving_cost(spec),
        export_input_type=spec.export.input_type.value,
        **extra,
    )
