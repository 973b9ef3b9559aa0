"""``report.md``: GitHub-flavoured Markdown, images under ``report_files/``.

Every user-controlled string goes through ``md_text`` or ``md_code``: Markdown
renderers pass raw HTML through, so a trial named ``<script>`` must not reach the
page as a tag, and a ``|`` or newline must not break a table row.
"""

from __future__ import annotations

import re

from odsweep.report._budget import NUMERIC, Budget, bracket_table, stopped_table, totals_text
from odsweep.report._model import FILES_DIR, Content, Row
from odsweep.report._table import (
    MISSING,
    counts_text,
    direction_text,
    format_number,
    format_value,
    ordered_params,
)
from odsweep.report._winner_sections import detections_markdown, per_class_markdown

# ASCII punctuation that starts Markdown syntax (links, code, emphasis, HTML, tables,
# entities, GitHub math). CommonMark lets any ASCII punctuation be backslash-escaped.
_MD_SPECIAL = re.compile(r"([\\`*\[\]<>|&!#~$])")
_URL = re.compile(r"https?://[^\s<>]+", re.IGNORECASE)


def md_text(text: str) -> str:
    """One line of literal text: newlines folded, Markdown/HTML syntax escaped."""
    return _MD_SPECIAL.sub(r"\\\1", " ".join(str(text).split()))


def md_code(text: str) -> str:
    """A code span whose fence is longer than any backtick run inside (no escaping)."""
    flat = " ".join(str(text).split())
    longest = max((len(run) for run in re.findall(r"`+", flat)), default=0)
    fence = "`" * (longest + 1)
    # A space keeps a leading/trailing backtick from merging with the fence.
    pad = " " if flat.startswith("`") or flat.endswith("`") else ""
    return f"{fence}{pad}{flat}{pad}{fence}"


def md_link(label: str, target: str) -> str:
    """A link for an http(s) URL; anything else (a command, a path) as code."""
    if _URL.fullmatch(target.strip()):
        return f"[{md_text(label)}](<{target.strip()}>)"
    return f"{md_text(label)}: {md_code(target)}"


def _table(header: list[str], align: list[str], body: list[list[str]]) -> list[str]:
    """Table lines; cells must already be escaped."""
    lines = ["| " + " | ".join(header) + " |", "| " + " | ".join(align) + " |"]
    lines.extend("| " + " | ".join(cells) + " |" for cells in body)
    return lines


def _leaderboard(content: Content) -> list[str]:
    if not content.rows:
        return ["No trials."]
    header = ["Rank", "Trial", "Status"]
    header += [md_text(name) for name in content.params]
    header += [f"Best {md_text(content.metric)}", "Step"]
    align = ["---:", "---", "---"] + ["---"] * len(content.params) + ["---:", "---:"]
    body = []
    for row in content.rows:
        cells = [
            MISSING if row.rank is None else str(row.rank),
            md_text(row.result.trial),
            row.result.status.value,
        ]
        cells += [md_text(format_value(row.result.params.get(p))) for p in content.params]
        if row.best is None:
            cells += [MISSING, MISSING]
        else:
            cells += [format_number(row.best.value), str(row.best.step)]
        body.append(cells)
    return _table(header, align, body)


def _best(content: Content, row: Row | None) -> list[str]:
    if content.best_name is None:
        return [
            "No winner: no trial that succeeded or stopped early has a finite "
            f"{md_text(content.metric)}, or the search failed."
        ]
    lines = [f"- **Trial:** {md_text(content.best_name)}"]
    if row is None:
        lines.append("- Not among the trials in this report.")
    elif row.best is None:
        lines.append(f"- **Best {md_text(content.metric)}:** {MISSING} (no finite value)")
    else:
        value = format_number(row.best.value)
        lines.append(f"- **Best {md_text(content.metric)}:** {value} at step {row.best.step}")
        lines.append(f"- **Checkpoint:** {md_code(row.best.checkpoint)}")
    if content.export_location:
        lines.append(f"- **Exported model:** {md_code(content.export_location)}")
    if row is not None and (items := ordered_params(row, content.params)):
        lines += ["", "| Parameter | Value |", "| --- | --- |"]
        lines += [f"| {md_text(name)} | {md_text(format_value(v))} |" for name, v in items]
    return lines


def _budget(budget: Budget) -> list[str]:
    lines = [f"**Train steps:** {md_text(totals_text(budget))}"]
    for title, (header, rows) in (
        ("Where stopped trials stopped", stopped_table(budget)),
        ("Per bracket", bracket_table(budget)),
    ):
        if not rows:
            continue
        align = ["---:" if name in NUMERIC else "---" for name in header]
        body = [[md_text(cell) for cell in row] for row in rows]
        lines += ["", f"### {title}", "", *_table(header, align, body)]
    return lines


def render_markdown(content: Content) -> str:
    """The whole ``report.md`` text."""
    out = [f"# {md_text(content.title)}", ""]
    out.append(f"**Objective:** {md_text(content.metric)}, {direction_text(content.direction)}  ")
    out.append(f"**Trials:** {counts_text(content.counts, content.total)}")
    if content.notes:
        out += ["", "## Notes", ""]
        out += [f"- {md_text(note)}" for note in content.notes]
    out += ["", "## Best trial", "", *_best(content, content.best_row)]
    out += per_class_markdown(content.per_class, md_text)
    out += detections_markdown(content.detections, md_text)
    if content.links:
        out += ["", "## Links", ""]
        out += [f"- {md_link(label, target)}" for label, target in content.links]
    out += ["", "## Leaderboard", "", *_leaderboard(content)]
    if content.budget is not None:
        out += ["", "## Budget", "", *_budget(content.budget)]
    if content.errors:
        out += ["", "## Errors", ""]
        out += [
            f"- {md_text(trial)} ({status.value}): {md_text(error)}"
            for trial, status, error in content.errors
        ]
    out += ["", "## Plots"]
    for plot in content.plots:
        out += ["", f"### {md_text(plot.title)}", ""]
        if plot.image is None:
            out.append(f"*{md_text(plot.reason or 'no data')}*")
        else:
            out.append(f"![{md_text(plot.title)}]({FILES_DIR}/{plot.image}.png)")
    return "\n".join(out) + "\n"
