"""Resolve dotted field paths against the pipeline.config proto schema.

The OD API's own override mechanism (``config_util.merge_external_params_with_configs``)
ignores unknown keys and silently switches oneof branches, so a typo in a search
space would tune nothing. Here every segment is checked against the proto
descriptor, and against the base config only where the config decides what is
valid: which oneof branch is selected and how many elements a repeated message
field has.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass, field
from typing import Any

from google.protobuf.descriptor import FieldDescriptor

from odsweep.errors import InputError
from odsweep.suggest import close_names

_PROTO_PACKAGE = "object_detection.protos."
_SEGMENT_RE = re.compile(r"(?P<name>[A-Za-z_][A-Za-z0-9_]*)(?:\[(?P<index>[0-9]+)\])?")
# Enough names to orient the user without turning one error into a paragraph.
_MAX_LISTED_NAMES = 12


class FieldKind(enum.Enum):
    """Value kind of a proto field, as far as overrides care."""

    FLOAT = "float"
    DOUBLE = "double"
    INT32 = "int32"
    INT64 = "int64"
    UINT32 = "uint32"
    UINT64 = "uint64"
    BOOL = "bool"
    STRING = "string"
    ENUM = "enum"
    MESSAGE = "message"


_KIND_BY_TYPE: dict[int, FieldKind] = {
    FieldDescriptor.TYPE_DOUBLE: FieldKind.DOUBLE,
    FieldDescriptor.TYPE_FLOAT: FieldKind.FLOAT,
    FieldDescriptor.TYPE_INT32: FieldKind.INT32,
    FieldDescriptor.TYPE_SINT32: FieldKind.INT32,
    FieldDescriptor.TYPE_SFIXED32: FieldKind.INT32,
    FieldDescriptor.TYPE_INT64: FieldKind.INT64,
    FieldDescriptor.TYPE_SINT64: FieldKind.INT64,
    FieldDescriptor.TYPE_SFIXED64: FieldKind.INT64,
    FieldDescriptor.TYPE_UINT32: FieldKind.UINT32,
    FieldDescriptor.TYPE_FIXED32: FieldKind.UINT32,
    FieldDescriptor.TYPE_UINT64: FieldKind.UINT64,
    FieldDescriptor.TYPE_FIXED64: FieldKind.UINT64,
    FieldDescriptor.TYPE_BOOL: FieldKind.BOOL,
    FieldDescriptor.TYPE_STRING: FieldKind.STRING,
    FieldDescriptor.TYPE_BYTES: FieldKind.STRING,
    FieldDescriptor.TYPE_ENUM: FieldKind.ENUM,
    FieldDescriptor.TYPE_MESSAGE: FieldKind.MESSAGE,
    FieldDescriptor.TYPE_GROUP: FieldKind.MESSAGE,
}


@dataclass(frozen=True)
class PathSegment:
    """One dotted-path segment: a field name and, for repeated messages, an index."""

    name: str
    index: int | None = None

    def __str__(self) -> str:
        return self.name if self.index is None else f"{self.name}[{self.index}]"


@dataclass(frozen=True)
class FieldRef:
    """A validated path to one scalar (or repeated scalar) field of a pipeline config.

    Attributes:
        path: Canonical dotted path, e.g. ``eval_input_reader[0].shuffle``.
        segments: The path split into name/index segments.
        kind: Value kind of the final field.
        repeated: True when the final field is a repeated scalar (takes a list).
        enum_values: Valid enum value names (empty unless ``kind`` is ENUM).
        message_type: Full proto name of the message holding the final field.
        field_name: Name of the final field.
        oneof: Name of the oneof holding the final field, if any.
        descriptor: The final field's ``FieldDescriptor``.
    """

    path: str
    segments: tuple[PathSegment, ...]
    kind: FieldKind
    repeated: bool
    enum_values: tuple[str, ...]
    message_type: str
    field_name: str
    oneof: str | None = None
    descriptor: Any = field(default=None, repr=False, compare=False)

    @property
    def type_name(self) -> str:
        """Human-readable field type, e.g. ``float``, ``repeated uint32``, ``enum Activation``."""
        base = self.kind.value
        if self.kind is FieldKind.ENUM and self.descriptor is not None:
            base = f"enum {short_name(self.descriptor.enum_type.full_name)}"
        return f"repeated {base}" if self.repeated else base

    @property
    def qualified_field(self) -> str:
        """``Message.field`` with the proto package stripped, for messages."""
        return f"{short_name(self.message_type)}.{self.field_name}"


def short_name(full_name: str) -> str:
    """Strip the OD API proto package from a full message/enum name."""
    return full_name.removeprefix(_PROTO_PACKAGE)


def field_kind(fd: Any) -> FieldKind:
    """Map a ``FieldDescriptor`` to its ``FieldKind``."""
    return _KIND_BY_TYPE[fd.type]


def list_names(names: list[str]) -> str:
    """Quote and join names, truncating long lists."""
    shown = ", ".join(f"'{n}'" for n in names[:_MAX_LISTED_NAMES])
    extra = len(names) - _MAX_LISTED_NAMES
    return f"{shown}, ... ({extra} more)" if extra > 0 else shown


def suggest(word: str, candidates: list[str]) -> str:
    """A 'did you mean ...' clause from difflib, or the list of valid names."""
    # Case-insensitive, so 'softmax' finds 'SOFTMAX'.
    close = close_names(word, candidates, most=3)
    if len(close) == 1:
        return f"did you mean '{close[0]}'?"
    if close:
        return f"did you mean one of {list_names(close)}?"
    return f"valid names: {list_names(sorted(candidates))}"


def parse_path(path: str, *, key: str) -> tuple[PathSegment, ...]:
    """Split a dotted path into segments, checking only the syntax.

    Args:
        path: e.g. ``eval_input_reader[0].shuffle``.
        key: Prefix for error messages (usually the override key).

    Returns:
        The segments, in order.

    Raises:
        InputError: Empty path or a segment that is not ``name`` or ``name[index]``.
    """
    if not isinstance(path, str):
        raise InputError(f"{key}: field path must be a string, got {type(path).__name__}")
    if not path:
        raise InputError(
            f"{key}: empty field path; give a dotted path such as 'train_config.batch_size'"
        )
    segments: list[PathSegment] = []
    for raw in path.split("."):
        match = _SEGMENT_RE.fullmatch(raw)
        if match is None:
            raise InputError(
                f"{key}: malformed path segment {raw!r} in {path!r}; each segment is "
                "'name' or 'name[index]' with a non-negative integer index"
            )
        index = match.group("index")
        segments.append(PathSegment(match.group("name"), None if index is None else int(index)))
    return tuple(segments)


def _check_oneof(key: str, message: Any, desc: Any, fd: Any) -> None:
    """Refuse to enter a oneof branch the base config does not select.

    Writing into another branch would silently switch e.g. momentum -> adam and
    drop every setting of the selected branch; with no branch selected there is
    nothing in the base config to tune.
    """
    oneof = fd.containing_oneof
    if oneof is None:
        return
    selected = message.WhichOneof(oneof.name) if message is not None else None
    where = f"oneof '{oneof.name}' of {short_name(desc.full_name)}"
    if selected is None:
        raise InputError(
            f"{key}: {where} has no branch set in the base config, so there is nothing to "
            f"tune under '{fd.name}'; select '{fd.name}' in the base config first"
        )
    if selected != fd.name:
        raise InputError(
            f"{key}: {where} selects '{selected}' in the base config but the path enters "
            f"'{fd.name}'; tune fields under '{selected}', or choose the branch by naming "
            f"the oneof '{oneof.name}' (a categorical parameter, this one with when: "
            f"{{<that parameter>: {fd.name}}})"
        )


def resolve_field(
    config: Any, path: str, *, key: str | None = None, clearing: bool = False
) -> FieldRef:
    """Validate a dotted path against the config's proto schema and oneof selections.

    Fields absent from the file are fine if the schema has them (unset singular
    messages are created when the override is applied).

    Args:
        config: A ``TrainEvalPipelineConfig`` (not modified).
        path: Dotted path as seen in the file, e.g.
            ``model.ssd.loss.classification_loss.weighted_sigmoid_focal.gamma``.
        key: Name used at the start of error messages; defaults to ``path``.
        clearing: The value is an empty list: a path ending on a whole repeated
            message field is then valid (the override removes every element, e.g.
            a zoo config's keypoint tasks), returned with kind MESSAGE.

    Returns:
        A ``FieldRef`` describing the final (scalar or repeated scalar) field.

    Raises:
        InputError: Unknown segment, unselected oneof branch, missing or out-of-range
            index, index on a non-repeated field, path into a scalar, a map field, or a
            path ending on a message.
    """
    key = key if key is not None else path
    segments = parse_path(path, key=key)
    message: Any = config  # None once the walk leaves what the config has set
    desc: Any = config.DESCRIPTOR
    walked: list[str] = []
    for position, seg in enumerate(segments):
        is_last = position == len(segments) - 1
        fd = desc.fields_by_name.get(seg.name)
        type_label = short_name(desc.full_name)
        if fd is None:
            raise InputError(
                f"{key}: {type_label} has no field '{seg.name}'; "
                f"{suggest(seg.name, list(desc.fields_by_name))}"
            )
        _check_oneof(key, message, desc, fd)
        kind = field_kind(fd)
        here = ".".join([*walked, seg.name])
        if kind is FieldKind.MESSAGE and fd.message_type.GetOptions().map_entry:
            raise InputError(
                f"{key}: '{here}' is a map field of {type_label}; map fields cannot be "
                "overridden, edit them in the base config"
            )
        child: Any = None
        whole_list = is_last and fd.is_repeated and seg.index is None
        if clearing and whole_list and kind is FieldKind.MESSAGE:
            return _clear_ref(desc, fd, segments, [*walked, seg.name])
        if fd.is_repeated and kind is FieldKind.MESSAGE:
            count = len(getattr(message, fd.name)) if message is not None else 0
            if count == 0:
                raise InputError(
                    f"{key}: '{here}' is a repeated message field with no elements in the "
                    "base config, so there is nothing to tune; add one to the base config"
                )
            if seg.index is None:
                raise InputError(
                    f"{key}: '{here}' is a repeated message field with {count} element(s); "
                    f"give an index, e.g. '{here}[0]'"
                    + ("" if not is_last else ", or the value [] to remove them all")
                )
            if seg.index >= count:
                raise InputError(
                    f"{key}: index {seg.index} is out of range for '{here}', which has "
                    f"{count} element(s) in the base config; valid indexes 0..{count - 1}"
                )
            child = getattr(message, fd.name)[seg.index]
        elif seg.index is not None:
            if fd.is_repeated:
                # One element of a list is rarely a hyperparameter; replacing the
                # whole list keeps the contract (and the Katib value) simple.
                what, fix = "a repeated scalar field", f"use '{here}' with a whole list value"
            else:
                what, fix = "not a repeated field", f"use '{here}'"
            raise InputError(f"{key}: '{here}' is {what}; it takes no index [{seg.index}]; {fix}")
        elif kind is FieldKind.MESSAGE and message is not None and message.HasField(fd.name):
            child = getattr(message, fd.name)
        walked.append(str(seg))

        if is_last:
            if kind is FieldKind.MESSAGE:
                sub = fd.message_type
                raise InputError(
                    f"{key}: '{here}' is a message ({short_name(sub.full_name)}), not a value; "
                    f"extend the path to one of its fields: {list_names(list(sub.fields_by_name))}"
                )
            return FieldRef(
                path=".".join(walked),
                segments=segments,
                kind=kind,
                repeated=bool(fd.is_repeated),
                enum_values=(
                    tuple(v.name for v in fd.enum_type.values) if kind is FieldKind.ENUM else ()
                ),
                message_type=desc.full_name,
                field_name=fd.name,
                oneof=fd.containing_oneof.name if fd.containing_oneof is not None else None,
                descriptor=fd,
            )
        if kind is not FieldKind.MESSAGE:
            raise InputError(
                f"{key}: '{here}' is a {kind.value} field of {type_label} and has no "
                f"sub-field '{segments[position + 1].name}'; end the path at '{here}'"
            )
        message = child
        desc = fd.message_type
    raise AssertionError("unreachable: the loop returns or raises on the last segment")


def _clear_ref(
    desc: Any, fd: Any, segments: tuple[PathSegment, ...], walked: list[str]
) -> FieldRef:
    """The whole repeated message field ``fd``, to be emptied (see ``clearing``)."""
    return FieldRef(
        path=".".join(walked),
        segments=segments,
        kind=FieldKind.MESSAGE,
        repeated=True,
        enum_values=(),
        message_type=desc.full_name,
        field_name=fd.name,
        oneof=fd.containing_oneof.name if fd.containing_oneof is not None else None,
        descriptor=fd,
    )
