"""Switch a proto ``oneof`` branch on purpose: the path names the oneof, the value the branch.

``train_config.optimizer.optimizer: adam_optimizer`` selects ``adam_optimizer`` in the
``optimizer`` oneof of ``train_config.optimizer``. Writing a field into an unselected
branch stays refused (``_schema._check_oneof``): only naming the oneof switches it.

Completeness rule (what makes a switched branch trainable):

1. Carry: every field of the new branch that the old branch also has, with the same
   name and the same type, and that the old branch set, is copied over whole (e.g.
   ``learning_rate`` from ``momentum_optimizer`` to ``adam_optimizer``, its schedule
   included). Other fields of the new branch start at their proto defaults.
2. Require: every singular message field of the new branch whose type holds a oneof
   (the optimizer's ``learning_rate``, a box predictor's ``conv_hyperparams``) must have
   each of its oneofs set once all overrides are applied: carried, set by an override
   or chosen by another branch parameter. The OD API's builders refuse such a message
   unset, so it is refused here first, naming the field.

Choosing the branch the config already selects changes nothing.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from odsweep.errors import InputError
from odsweep.odconfig._schema import _check_oneof, parse_path, short_name, suggest

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class OneofRef:
    """A validated path to a oneof: the message path, the oneof's name, its branches.

    Attributes:
        path: The dotted path as written (``<message path>.<oneof name>``).
        message_path: The segments up to the message holding the oneof.
        oneof: The oneof's name.
        message_type: Full proto name of the message holding the oneof.
        branches: The oneof's field names, in declaration order.
    """

    path: str
    message_path: tuple[Any, ...]
    oneof: str
    message_type: str
    branches: tuple[str, ...]


def names_oneof(descriptor: Any, path: str) -> bool:
    """True when ``path`` (walked on the schema only) ends on the name of a oneof.

    Anything that does not walk (a typo, an index) is False: the ordinary field
    resolution then reports it.
    """
    try:
        segments = parse_path(path, key=path)
    except InputError:
        return False
    desc = descriptor
    for seg in segments[:-1]:
        fd = desc.fields_by_name.get(seg.name)
        if fd is None or fd.message_type is None:
            return False
        desc = fd.message_type
    return segments[-1].name in desc.oneofs_by_name and segments[-1].index is None


def resolve_oneof(config: Any, path: str, *, key: str) -> OneofRef:
    """Validate a path naming a oneof against the config (its oneofs and indexes).

    Raises:
        InputError: a segment into an unselected branch, a repeated message without
            the element, or a path that names no oneof.
    """
    segments = parse_path(path, key=key)
    message: Any = config
    desc: Any = config.DESCRIPTOR
    for seg in segments[:-1]:
        fd = desc.fields_by_name.get(seg.name)
        if fd is None or fd.message_type is None:
            raise InputError(f"{key}: '{path}' names no oneof; '{seg.name}' is no message there")
        _check_oneof(key, message, desc, fd)
        if fd.is_repeated:
            count = len(getattr(message, fd.name)) if message is not None else 0
            if seg.index is None or seg.index >= count:
                raise InputError(
                    f"{key}: '{seg.name}' is a repeated message with {count} element(s) in "
                    "the base config; give an existing index, e.g. "
                    f"'{seg.name}[0]'"
                )
            message = getattr(message, fd.name)[seg.index]
        else:
            has = message is not None and message.HasField(fd.name)
            message = getattr(message, fd.name) if has else None
        desc = fd.message_type
    last = segments[-1]
    oneof = desc.oneofs_by_name.get(last.name)
    if oneof is None:
        raise InputError(
            f"{key}: {short_name(desc.full_name)} has no oneof '{last.name}'; "
            f"{suggest(last.name, list(desc.oneofs_by_name))}"
        )
    return OneofRef(
        path=path,
        message_path=segments[:-1],
        oneof=oneof.name,
        message_type=desc.full_name,
        branches=tuple(f.name for f in oneof.fields),
    )


def _holder(config: Any, ref: OneofRef) -> Any:
    """The message holding the oneof, created on the way when unset."""
    message = config
    for seg in ref.message_path:
        message = getattr(message, seg.name)
        if seg.index is not None:
            message = message[seg.index]
    return message


def switch_branch(config: Any, ref: OneofRef, branch: object, *, key: str) -> bool:
    """Select ``branch`` in ``ref``'s oneof (in place), carrying the common fields.

    Returns:
        True when the branch changed, False when it was already selected.

    Raises:
        InputError: ``branch`` is not one of the oneof's fields.
    """
    if not isinstance(branch, str) or branch not in ref.branches:
        raise InputError(
            f"{key}: oneof '{ref.oneof}' of {short_name(ref.message_type)} has no branch "
            f"{branch!r}; {suggest(str(branch), list(ref.branches))}"
        )
    holder = _holder(config, ref)
    selected = holder.WhichOneof(ref.oneof)
    if selected == branch:
        return False
    target = getattr(holder, branch)
    fresh = type(target)()
    carried: list[str] = []
    if selected is not None:
        carried = _carry(getattr(holder, selected), fresh)
    getattr(holder, branch).SetInParent()  # selects the branch, clearing the old one
    getattr(holder, branch).CopyFrom(fresh)
    logger.debug(
        "%s: switched %s -> %s%s",
        ref.path,
        selected or "(unset)",
        branch,
        f", carried {', '.join(carried)}" if carried else "",
    )
    return True


def _carry(old: Any, new: Any) -> list[str]:
    """Copy the fields ``old`` set that ``new`` has with the same name and type."""
    carried: list[str] = []
    for fd in new.DESCRIPTOR.fields:
        old_fd = old.DESCRIPTOR.fields_by_name.get(fd.name)
        if old_fd is None or not _same_type(fd, old_fd):
            continue
        if fd.is_repeated:
            if not len(getattr(old, fd.name)):
                continue
            getattr(new, fd.name).extend(getattr(old, fd.name))
        elif fd.message_type is not None:
            if not old.HasField(fd.name):
                continue
            getattr(new, fd.name).CopyFrom(getattr(old, fd.name))
        else:
            if not old.HasField(fd.name):
                continue
            setattr(new, fd.name, getattr(old, fd.name))
        carried.append(fd.name)
    return carried


def _same_type(a: Any, b: Any) -> bool:
    if a.type != b.type or a.is_repeated != b.is_repeated:
        return False
    if a.message_type is not None:
        return bool(a.message_type.full_name == b.message_type.full_name)
    if a.enum_type is not None:
        return bool(a.enum_type.full_name == b.enum_type.full_name)
    return True


def completeness_problems(config: Any, ref: OneofRef, *, key: str) -> list[str]:
    """Rule 2 of the module doc for the branch ``ref`` selects in ``config``."""
    holder = _holder(config, ref)
    branch = holder.WhichOneof(ref.oneof)
    if branch is None:
        return []
    message = getattr(holder, branch)
    problems: list[str] = []
    for fd in message.DESCRIPTOR.fields:
        sub = fd.message_type
        if sub is None or fd.is_repeated or not sub.oneofs:
            continue
        value = getattr(message, fd.name)
        for oneof in sub.oneofs:
            if message.HasField(fd.name) and value.WhichOneof(oneof.name) is not None:
                continue
            where = f"{'.'.join(str(s) for s in ref.message_path)}.{branch}.{fd.name}"
            choices = ", ".join(f.name for f in oneof.fields[:6])
            problems.append(
                f"{key}: branch {branch} is incomplete: {where} needs its oneof "
                f"'{oneof.name}' set ({choices}, ...) and the old branch had none to carry; "
                f"choose it with a parameter on {where}.{oneof.name} (when: this branch) "
                "or select it in the base config"
            )
    return problems
