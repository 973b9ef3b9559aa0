"""Apply a batch of typed overrides to a copy of a pipeline config."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from object_detection.protos.pipeline_pb2 import TrainEvalPipelineConfig

from odsweep.errors import InputError
from odsweep.odconfig._branches import (
    OneofRef,
    completeness_problems,
    names_oneof,
    resolve_oneof,
    switch_branch,
)
from odsweep.odconfig._schema import FieldRef, resolve_field
from odsweep.odconfig._values import coerce_value


def set_field(config: Any, ref: FieldRef, value: object) -> None:
    """Write an already-coerced value at ``ref`` in ``config`` (in place).

    Unset singular messages on the way are created; oneofs and indexes were checked
    by ``resolve_field`` against a config with the same selections.
    """
    message = config
    for seg in ref.segments[:-1]:
        message = getattr(message, seg.name)
        if seg.index is not None:
            message = message[seg.index]
    if ref.repeated:
        container = getattr(message, ref.field_name)
        del container[:]
        container.extend(value)
    else:
        setattr(message, ref.field_name, value)


def _is_empty_list(value: object) -> bool:
    # YAML's [] arrives as an empty tuple (spec) or list; --set gives the string "[]".
    if isinstance(value, str):
        return value.strip().replace(" ", "") == "[]"
    return isinstance(value, list | tuple) and not value


def apply_overrides(
    config: TrainEvalPipelineConfig,
    overrides: Mapping[str, object],
    *,
    key_prefix: str = "",
) -> TrainEvalPipelineConfig:
    """Return a copy of ``config`` with every override applied.

    All overrides are validated first (path against the schema and the base
    config's oneof selections, value against the field type); nothing is applied
    unless all are valid. A path naming a oneof (``train_config.optimizer.optimizer:
    adam_optimizer``) switches that branch (see ``odconfig._branches``): overrides that
    resolve in the config as given apply first (a fixed override of the old branch is
    carried or dropped with it), then the switches, outer oneofs before inner ones,
    then the overrides that enter a chosen branch.
    The value ``[]`` on a path that ends on a whole repeated
    message field removes its elements (``model.center_net.keypoint_estimation_task:
    []`` drops a zoo config's keypoint tasks).

    Args:
        config: The base config; left untouched.
        overrides: Dotted field path -> value (see ``resolve_field``/``coerce_value``).
        key_prefix: Prepended verbatim to each path in error messages, e.g.
            ``"overrides."``.

    Returns:
        A new config.

    Raises:
        InputError: One message per bad override, all at once.
    """
    errors: list[str] = []
    planned: list[tuple[FieldRef, object]] = []
    first_key_by_path: dict[str, str] = {}

    def plan(work: Any, path: str, *, final: bool) -> bool:
        """Resolve and type one override against ``work``; False to retry it later."""
        key = f"{key_prefix}{path}"
        try:
            ref = resolve_field(work, path, key=key, clearing=_is_empty_list(overrides[path]))
        except InputError as exc:
            if final:
                errors.extend(exc.messages)
            return False
        try:
            typed = coerce_value(ref, overrides[path], key=key)
        except InputError as exc:
            errors.extend(exc.messages)
            return True
        # Two spellings of one field (e.g. "a[0].b" and "a[00].b") would make the
        # result depend on dict order.
        if ref.path in first_key_by_path:
            errors.append(
                f"{key}: sets the same field as {first_key_by_path[ref.path]} ({ref.path}); "
                "give it once"
            )
            return True
        first_key_by_path[ref.path] = key
        planned.append((ref, typed))
        return True

    result = type(config)()
    result.CopyFrom(config)
    switches = [p for p in overrides if names_oneof(config.DESCRIPTOR, p)]
    fields = [p for p in overrides if p not in switches]
    # Before any switch: what resolves in the config as it is (a fixed override of the
    # base's branch is then carried by the switch, or dropped with the branch).
    # Without a switch this is the only pass, and every problem is final.
    later = [p for p in fields if not plan(config, p, final=not switches)]
    for ref, typed in planned:
        set_field(result, ref, typed)
    del planned[:]
    # Outer oneofs first: a schedule chosen inside adam_optimizer needs adam selected.
    switched: list[tuple[str, OneofRef]] = []
    for path in sorted(switches, key=lambda p: p.count(".")):
        key = f"{key_prefix}{path}"
        try:
            oneof = resolve_oneof(result, path, key=key)
            switch_branch(result, oneof, overrides[path], key=key)
        except InputError as exc:
            errors.extend(exc.messages)
            continue
        switched.append((key, oneof))
    # Then what enters a chosen branch.
    for path in later if switches else []:
        plan(result, path, final=True)
    if errors:
        raise InputError(errors)
    for ref, typed in planned:
        set_field(result, ref, typed)
    for key, oneof in switched:
        errors += completeness_problems(result, oneof, key=key)
    if errors:
        raise InputError(errors)
    return result
