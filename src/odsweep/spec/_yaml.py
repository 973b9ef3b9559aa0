"""A YAML loader whose cost is bounded whatever the file holds.

PyYAML's SafeLoader runs no code, but it happily builds documents that cost far
more than their size: aliases and merge keys expand exponentially ("billion laughs"),
a few thousand ``[`` overflow its recursive composer, and a 100,000-digit integer
fails deep in ``int()``. This loader refuses each before it is built; values that are
merely out of range (huge integers, ``.inf``) are kept as markers so that the spec
parser can name their key path.
"""

from __future__ import annotations

import math
from typing import Any

import yaml

from odsweep.errors import InputError

MAX_BYTES = 1024 * 1024
"""Largest spec file read: a search space is a few KB."""
MAX_DEPTH = 64
"""Deepest nesting of lists and mappings (a search space nests about 6 levels)."""
MAX_NODES = 100_000
"""Most values in the document with every alias and merge expanded."""
MAX_INT = 2**63 - 1
"""Largest integer magnitude: the widest integer field of the OD API's protos is 64-bit,
and Katib reads int parameters as Go int64."""
_MAX_INT_DIGITS = len(str(MAX_INT))


class OutOfRange(str):
    """A number the spec cannot hold (a huge integer, ``.inf``, ``.nan``), kept as its
    text so that the parser reports it under its key path."""

    __slots__ = ()


class BoundedLoader(yaml.SafeLoader):
    """SafeLoader with a depth bound, an expanded-size bound and range-checked numbers.

    Also records duplicate mapping keys (PyYAML keeps the last one silently).
    """

    def __init__(self, stream: str, source: str) -> None:
        super().__init__(stream)
        self.source = source
        self.duplicates: list[str] = []
        self._depth = 0

    def compose_node(self, parent: Any, index: Any) -> Any:
        # The composer recurses once per level; refuse before Python's stack runs out.
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                mark = self.peek_event().start_mark  # type: ignore[no-untyped-call]
                raise InputError(
                    f"{self.source}: nested more than {MAX_DEPTH} levels deep at line "
                    f"{mark.line + 1}; a search space nests a few levels"
                )
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1

    def compose_document(self) -> Any:
        node = super().compose_document()
        if node is not None and expanded_size(node) > MAX_NODES:
            raise InputError(
                f"{self.source}: more than {MAX_NODES} values once its aliases (*name) and "
                "merge keys (<<) are expanded; write the search space out without them"
            )
        return node


def expanded_size(root: yaml.Node) -> int:
    """The number of nodes ``root`` stands for with every alias expanded.

    Linear in the number of distinct nodes (an alias is the same node object, so each
    node's size is computed once); iterative, so depth costs no stack.
    """
    sizes: dict[int, int] = {}
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, children_done = stack.pop()
        if id(node) in sizes:
            continue
        children = _children(node)
        if children_done or not children:
            # Capped: a number past the bound is as bad as a bigger one.
            total = 1 + sum(sizes.get(id(c), 1) for c in children)
            sizes[id(node)] = min(total, MAX_NODES + 1)
            continue
        stack.append((node, True))
        stack.extend((c, False) for c in children if id(c) not in sizes)
    return sizes[id(root)]


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    if isinstance(node, yaml.MappingNode):
        return [n for pair in node.value for n in pair]
    return []


def _construct_int(loader: BoundedLoader, node: yaml.ScalarNode) -> int | OutOfRange:
    text = str(node.value).replace("_", "")
    digits = text.lstrip("+-")
    # The digit count keeps int() below Python's own 4300-digit limit; YAML 1.1's
    # sexagesimal ints (1:30:00) cost a big-int multiply per ":" part.
    if (digits.isdigit() and len(digits.lstrip("0")) > _MAX_INT_DIGITS) or text.count(":") > 4:
        return OutOfRange(node.value)
    value = int(loader.construct_yaml_int(node))
    return OutOfRange(node.value) if abs(value) > MAX_INT else value


def _construct_float(loader: BoundedLoader, node: yaml.ScalarNode) -> float | OutOfRange:
    if str(node.value).count(":") > 4:
        return OutOfRange(node.value)
    value = float(loader.construct_yaml_float(node))
    return value if math.isfinite(value) else OutOfRange(node.value)


def out_of_range(data: object) -> list[tuple[str, OutOfRange]]:
    """The key path and text of every out-of-range number in a loaded document."""
    found: list[tuple[str, OutOfRange]] = []
    stack: list[tuple[str, object]] = [("", data)]
    while stack:  # bounded: the document has at most MAX_NODES values
        path, value = stack.pop()
        if isinstance(value, OutOfRange):
            found.append((path, value))
        elif isinstance(value, dict):
            for key, item in reversed(list(value.items())):
                stack.append((f"{path}.{key}" if path else str(key), item))
        elif isinstance(value, list):
            stack.extend((f"{path}[{i}]", item) for i, item in reversed(list(enumerate(value))))
    return found


def _construct_mapping(loader: BoundedLoader, node: yaml.MappingNode) -> dict[Any, Any]:
    loader.flatten_mapping(node)
    lines: dict[object, int] = {}
    for key_node, _ in node.value:
        key = loader.construct_object(key_node)
        line = key_node.start_mark.line + 1
        try:
            first = lines.setdefault(key, line)
        except TypeError:  # unhashable key: construct_mapping reports it below
            continue
        if first != line:
            loader.duplicates.append(
                f"{loader.source}: duplicate key {key!r} at line {line} (first at line "
                f"{first}), PyYAML would keep only the last; keep one"
            )
    return loader.construct_mapping(node)


BoundedLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
BoundedLoader.add_constructor("tag:yaml.org,2002:int", _construct_int)
BoundedLoader.add_constructor("tag:yaml.org,2002:float", _construct_float)


def load_yaml(text: str, *, source: str) -> tuple[object, list[str]]:
    """The document in ``text`` and messages for its duplicate keys.

    Raises:
        InputError: The text is too large, too deep or expands too far, or is not
            valid YAML (the message names file, line, column).
    """
    if len(text) > MAX_BYTES:
        raise InputError(
            f"{source}: {len(text)} characters, more than the {MAX_BYTES} a search space "
            "may have; give the search-space YAML"
        )
    loader = BoundedLoader(text, source)
    try:
        data = loader.get_single_data()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        what = exc.problem or exc.context or "syntax error"
        raise InputError(f"{source}: invalid YAML{where}: {what}; fix the syntax") from None
    except yaml.YAMLError as exc:
        raise InputError(f"{source}: invalid YAML: {' '.join(str(exc).split())}") from None
    except RecursionError:  # a guard above failed: still one line, never a traceback
        raise InputError(
            f"{source}: nested too deeply; a search space nests a few levels"
        ) from None
    finally:
        loader.dispose()
    return data, loader.duplicates
