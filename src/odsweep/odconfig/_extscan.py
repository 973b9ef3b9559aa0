"""Finding ``external_input_reader`` blocks in config text (the protos cannot parse them).

Some zoo configs (``centernet_resnet50_v2_512x512_coco17_tpu-8.config``) read their data
with ``external_input_reader { [object_detection.protos.GoogleInputReader.
google_input_reader] {...} }``, an extension that exists only inside Google: the text
cannot even be parsed. When the user gives data paths, the block is useless anyway (the
paths replace it), so it is cut out of the text before parsing and the reader gets a
``tf_record_input_reader`` on those paths. Without data paths there is nothing to read
from, and the error says which paths to give.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_TOKEN = re.compile(r'"(?:[^"\\\n]|\\.)*"|\'(?:[^\'\\\n]|\\.)*\'|#[^\n]*|[{}<>]|[A-Za-z_][\w.]*')
_READERS = ("train_input_reader", "eval_input_reader")
_EXTERNAL = "external_input_reader"


@dataclass(frozen=True)
class ExternalReader:
    """One ``external_input_reader`` block in a config's text.

    Attributes:
        key: The reader it belongs to: ``train_input_reader`` or ``eval_input_reader[i]``.
        start, end: Its span in the text (field name to closing brace).
        line: 1-based line of the field name.
    """

    key: str
    start: int
    end: int
    line: int


def find_external_readers(text: str) -> list[ExternalReader]:
    """Every top-level reader's ``external_input_reader`` block, in text order.

    A small scanner over the text format (strings and comments skipped, braces
    matched), not a parser: the parser is what fails on these blocks.
    """
    found: list[ExternalReader] = []
    stack: list[str] = []  # field names of the open blocks
    last_name = ""
    eval_count = 0
    reader_key = ""
    block_start: int | None = None
    for match in _TOKEN.finditer(text):
        token = match.group()
        if token[0] in "\"'#":
            continue
        if token in "{<":
            name = last_name
            if len(stack) == 0 and name in _READERS:
                if name == "eval_input_reader":
                    reader_key = f"eval_input_reader[{eval_count}]"
                    eval_count += 1
                else:
                    reader_key = name
            stack.append(name)
            continue
        if token in "}>":
            if stack:
                closed = stack.pop()
                if closed == _EXTERNAL and len(stack) == 1 and block_start is not None:
                    found.append(
                        ExternalReader(
                            key=reader_key,
                            start=block_start,
                            end=match.end(),
                            line=text.count("\n", 0, block_start) + 1,
                        )
                    )
                    block_start = None
            continue
        last_name = token
        if token == _EXTERNAL and len(stack) == 1 and stack[0] in _READERS:
            block_start = match.start()
    return found


def cut_external_readers(text: str, blocks: list[ExternalReader]) -> str:
    # Blanked, not removed: line numbers in any later parse error stay those of the file.
    out = text
    for block in reversed(blocks):
        span = out[block.start : block.end]
        out = out[: block.start] + re.sub(r"[^\n]", " ", span) + out[block.end :]
    return out


def external_reader_error(source: str, blocks: list[ExternalReader], missing: list[str]) -> str:
    """The one-line error for external readers that no data path replaces."""
    where = ", ".join(f"{b.key} (line {b.line})" for b in blocks)
    flags = " and ".join(missing)
    return (
        f"{source}: {where} read with external_input_reader (the Google-internal "
        "GoogleInputReader), which the open-source OD API cannot read; give the data paths "
        f"({flags}) and odsweep replaces them with tf_record_input_reader"
    )


def readers_missing_paths(
    blocks: list[ExternalReader], *, train_input: str | None, eval_input: str | None
) -> list[str]:
    """The data paths (as spec key or flag) that external readers need and lack."""
    missing = []
    if any(_is_train(b) for b in blocks) and train_input is None:
        missing.append("spec.trainInputPath or --train-input")
    if any(not _is_train(b) for b in blocks) and eval_input is None:
        missing.append("spec.evalInputPath or --eval-input")
    return missing


def unreplaced(
    blocks: list[ExternalReader], *, train_input: str | None, eval_input: str | None
) -> list[ExternalReader]:
    """The blocks whose reader gets no data path (so cannot be replaced)."""
    return [b for b in blocks if (train_input if _is_train(b) else eval_input) is None]


def _is_train(block: ExternalReader) -> bool:
    return block.key == "train_input_reader"
