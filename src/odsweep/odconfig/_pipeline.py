"""Whole-pipeline edits and checks: data paths, step count, classes, warmup."""

from __future__ import annotations

from typing import Any

from odsweep.errors import InputError
from odsweep.odconfig._schema import resolve_field
from odsweep.odconfig._values import coerce_value

_TF_RECORD = "tf_record_input_reader"
_INPUT_ONEOF = "input_reader"


def learning_rate_schedule(config: Any) -> tuple[str, Any] | None:
    """The selected learning-rate schedule message and its dotted path, if any.

    Walks ``train_config.optimizer.<selected optimizer>.learning_rate.<selected
    schedule>`` without naming the optimizers, so momentum/rms_prop/adam (and any
    later one with a ``learning_rate`` field) are handled alike.
    """
    optimizer = config.train_config.optimizer
    opt_name = optimizer.WhichOneof("optimizer")
    if opt_name is None:
        return None
    opt = getattr(optimizer, opt_name)
    if "learning_rate" not in opt.DESCRIPTOR.fields_by_name or not opt.HasField("learning_rate"):
        return None
    schedule_name = opt.learning_rate.WhichOneof("learning_rate")
    if schedule_name is None:
        return None
    path = f"train_config.optimizer.{opt_name}.learning_rate.{schedule_name}"
    return path, getattr(opt.learning_rate, schedule_name)


def _check_path_value(name: str, value: object) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip():
        return f"{name}: needs a non-empty path string, got {value!r}; give a path or glob"
    return None


def set_data_paths(
    config: Any,
    *,
    train_input: str | None = None,
    eval_input: str | None = None,
    label_map: str | None = None,
) -> None:
    """Point the config's readers at data, in place.

    ``train_input`` replaces ``train_input_reader.tf_record_input_reader.input_path``
    with one path/glob; ``eval_input`` does the same for EVERY ``eval_input_reader``;
    ``label_map`` sets ``label_map_path`` on the train reader and every eval reader.
    ``None`` leaves that part alone. Nothing changes unless every check passes.

    Args:
        config: A ``TrainEvalPipelineConfig``, modified in place.
        train_input: TFRecord path or glob for training.
        eval_input: TFRecord path or glob for evaluation.
        label_map: Path of the ``label_map.pbtxt``.

    Raises:
        InputError: Empty value; a reader that uses another input oneof (e.g.
            ``external_input_reader``); ``eval_input`` given but the config has no
            ``eval_input_reader``.
    """
    errors = [
        msg
        for msg in (
            _check_path_value("train_input", train_input),
            _check_path_value("eval_input", eval_input),
            _check_path_value("label_map", label_map),
        )
        if msg is not None
    ]
    evals = list(config.eval_input_reader)
    if eval_input is not None and not evals:
        errors.append(
            "eval_input: the base config has no eval_input_reader to point at it; "
            "add an eval_input_reader block (shuffle: false, num_epochs: 1) to the base config"
        )
    readers_to_point: list[tuple[str, Any]] = []
    if train_input is not None:
        readers_to_point.append(("train_input_reader", config.train_input_reader))
    if eval_input is not None:
        readers_to_point += [(f"eval_input_reader[{i}]", r) for i, r in enumerate(evals)]
    for key, reader in readers_to_point:
        selected = reader.WhichOneof(_INPUT_ONEOF)
        # None is fine: no input is configured yet, so nothing gets switched.
        if selected not in (None, _TF_RECORD):
            errors.append(
                f"{key}: reads with '{selected}', not '{_TF_RECORD}'; odsweep only writes "
                f"TFRecord input paths, so use a {_TF_RECORD} block in the base config"
            )
    if errors:
        raise InputError(errors)

    if train_input is not None:
        _replace_input_path(config.train_input_reader, train_input)
    if eval_input is not None:
        for reader in evals:
            _replace_input_path(reader, eval_input)
    if label_map is not None:
        config.train_input_reader.label_map_path = label_map
        for reader in evals:
            reader.label_map_path = label_map


def _replace_input_path(reader: Any, glob: str) -> None:
    paths = reader.tf_record_input_reader.input_path
    del paths[:]
    paths.append(glob)


def set_num_train_steps(config: Any, num_steps: int, *, key: str = "num_steps") -> None:
    """Set ``train_config.num_steps`` and keep the learning-rate schedule consistent.

    The OD API's own ``train_steps`` override leaves a cosine schedule's
    ``total_steps`` at its old value, so a shorter run would end at a high learning
    rate; here any selected schedule with a ``total_steps`` field gets
    ``total_steps = num_steps``. ``warmup_steps`` is left alone on purpose: see
    ``warmup_problem``.

    Args:
        config: A ``TrainEvalPipelineConfig``, modified in place.
        num_steps: Training steps, >= 1 (0 would mean "train forever" to the OD API).
        key: Name used at the start of error messages.

    Raises:
        InputError: ``num_steps`` not a whole number in 1..2**32-1.
    """
    ref = resolve_field(config, "train_config.num_steps", key=key)
    steps = coerce_value(ref, num_steps, key=key)
    if not isinstance(steps, int) or steps < 1:
        raise InputError(
            f"{key}: must be >= 1, got {num_steps!r}; 0 would make the OD API train forever"
        )
    config.train_config.num_steps = steps
    found = learning_rate_schedule(config)
    if found is not None:
        _, schedule = found
        if "total_steps" in schedule.DESCRIPTOR.fields_by_name:
            schedule.total_steps = steps


def model_num_classes(config: Any) -> int:
    """``num_classes`` of whichever meta-architecture the config selects.

    Raises:
        InputError: No meta-architecture set, or one without ``num_classes``
            (``experimental_model``), or ``num_classes`` not set (0).
    """
    arch = config.model.WhichOneof("model")
    if arch is None:
        names = ", ".join(f.name for f in config.model.DESCRIPTOR.fields)
        raise InputError(f"model: no meta-architecture set; the config needs one of {names}")
    meta = getattr(config.model, arch)
    if "num_classes" not in meta.DESCRIPTOR.fields_by_name:
        raise InputError(f"model.{arch}: has no num_classes field; cannot tell the class count")
    num_classes = int(meta.num_classes)
    if num_classes < 1:
        raise InputError(f"model.{arch}.num_classes: must be >= 1, got {num_classes}; set it")
    return num_classes


def warmup_problem(config: Any) -> str | None:
    """One line describing a learning-rate warmup the run cannot complete, else None.

    Effective values are used (proto defaults included: an unwritten cosine
    ``warmup_steps`` is 10000). Reported:

    - ``warmup_steps >= total_steps`` (the OD API raises when warmup_steps >
      total_steps; at equality the whole run is warmup and the schedule never decays);
    - with a warmup, ``learning_rate_base < warmup_learning_rate`` (the OD API
      raises; easy to hit when a search lowers ``learning_rate_base``).

    Returns:
        The message(s), joined by ``"; "``, or None.
    """
    found = learning_rate_schedule(config)
    if found is None:
        return None
    path, schedule = found
    fields = schedule.DESCRIPTOR.fields_by_name
    if "warmup_steps" not in fields or "total_steps" not in fields:
        return None
    warmup, total = int(schedule.warmup_steps), int(schedule.total_steps)
    if warmup <= 0:
        return None
    problems: list[str] = []
    if warmup >= total:
        problems.append(
            f"{path}.warmup_steps: {warmup} >= total_steps {total}, so training never gets "
            f"past warmup (the OD API rejects warmup_steps > total_steps); set warmup_steps "
            f"below {total} or train longer"
        )
    if "learning_rate_base" in fields and "warmup_learning_rate" in fields:
        base, warm = float(schedule.learning_rate_base), float(schedule.warmup_learning_rate)
        if base < warm:
            problems.append(
                f"{path}.learning_rate_base: {base:g} < warmup_learning_rate {warm:g}, which "
                "the OD API rejects; lower warmup_learning_rate or raise learning_rate_base"
            )
    return "; ".join(problems) or None
