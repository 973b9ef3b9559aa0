"""The real cause of a crashed trial, on one line, for ``result.json`` and the engine.

TensorFlow puts its own cause last: a graph op error starts with "Graph execution
error:" and a traceback of where the node was defined, then the op's message,
then ``[[{{node ...}}]]`` decorations; an error raised while tracing a
``tf.function`` starts with "in user code:" and a traceback, and ends with the
original ``ValueError: ...`` line. The first line of either says nothing; the last
meaningful line says what happened and (when the op knows it) which file.
"""

from __future__ import annotations

import re

MAX_LENGTH = 500
DATA_NOTE = "while reading "
# First lines that only announce a traceback: the cause follows it.
_HEADERS = ("Graph execution error:", "in user code:")
_NOISE = (
    re.compile(r"^\s*\[\[\{\{node [^}]*\}\}\]\]"),  # [[{{node IteratorGetNext}}]]
    re.compile(r"^\s*\[\[.*\]\]\s*$"),
    re.compile(r"^\s*File \""),  # traceback frames
    re.compile(r"^Detected at node "),
    re.compile(r"^\s*(Traceback|During handling|The above exception)"),
)
_DECORATION = re.compile(
    r"\s*\[\[\{\{node [^}]*\}\}\]\]|\s*\[Op:[^\]]*\](\s*name:.*)?|\{\{function_node [^}]*\}\}\s*"
)
_EXCEPTION_LINE = re.compile(r"^(?:[A-Za-z_][\w.]*\.)?([A-Z]\w*(?:Error|Exception)): (.+)$")


def _meaningful(lines: list[str]) -> list[str]:
    kept = []
    for line in lines:
        if not line.strip() or any(p.search(line) for p in _NOISE):
            continue
        # Traceback source lines are indented under a frame; the cause is not.
        if line.startswith("    ") and not _EXCEPTION_LINE.match(line.strip()):
            continue
        kept.append(line.strip())
    return kept


def data_note(key: str, patterns: list[str]) -> str:
    """A note for an exception raised while reading ``key``'s data (see below)."""
    return f"{DATA_NOTE}{key} {', '.join(patterns)}; `odsweep validate` names the damaged file"


def failure_message(exc: BaseException) -> str:
    """``<Type>: <the innermost meaningful message>`` on one line.

    TensorFlow's reader errors ("corrupted record at 80527") do not name the file; the
    trial adds a note (:func:`data_note`) saying which input was being read, appended
    here when the error came from the input pipeline.

    Args:
        exc: What the trial raised (TensorFlow's ``OpError`` carries ``.message``).
    """
    kind = type(exc).__name__
    text = str(getattr(exc, "message", None) or exc)
    lines = text.splitlines()
    first = lines[0].strip() if lines else ""
    if first in _HEADERS or first.startswith(_HEADERS):
        rest = _meaningful(lines[1:])
        if rest:
            last = rest[-1]
            inner = _EXCEPTION_LINE.match(last)
            if inner:  # "ValueError: ..." re-raised from user code: keep its own type
                kind, last = inner.group(1), inner.group(2)
            text = last
        else:
            text = first
    else:
        kept = _meaningful(lines)
        text = kept[0] if kept else first
    from_input = kind == "DataLossError" or "IteratorGetNext" in str(exc)
    text = " ".join(_DECORATION.sub("", text).split())
    notes = [n for n in getattr(exc, "__notes__", ()) if n.startswith(DATA_NOTE)]
    if from_input and notes:
        text += f" ({notes[-1]})"
    message = f"{kind}: {text}" if text else kind
    return message if len(message) <= MAX_LENGTH else message[: MAX_LENGTH - 3] + "..."
