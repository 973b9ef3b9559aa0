"""``report.html``: one self-contained page (inline CSS, images as data URIs).

Every user-controlled string goes through ``html.escape``; links are made only for
http(s) URLs, so a ``javascript:`` target cannot become clickable.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Mapping
from html import escape

from odsweep.report._budget import NUMERIC, Budget, bracket_table, stopped_table, totals_text
from odsweep.report._model import Content, Row
from odsweep.report._table import (
    MISSING,
    counts_text,
    direction_text,
    format_number,
    format_value,
    ordered_params,
)
from odsweep.report._winner_sections import detections_html, per_class_html

_URL = re.compile(r"https?://[^\s<>\"']+", re.IGNORECASE)

_CSS = """
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif;
  margin: 0; color: #1f2328; background: #fff; line-height: 1.45; }
main { max-width: 1100px; margin: 0 auto; padding: 1.5rem; }
h1 { margin-top: 0; word-break: break-word; }
h2 { border-bottom: 1px solid #d0d7de; padding-bottom: .25rem; margin-top: 2rem; }
code { background: #f6f8fa; padding: .1rem .3rem; border-radius: 4px; word-break: break-all; }
.scroll { overflow-x: auto; }
table { border-collapse: collapse; font-size: .92rem; }
th, td { border: 1px solid #d0d7de; padding: .3rem .6rem; text-align: left; }
th { background: #f6f8fa; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
tr.best td { background: #fff8c5; }
.status { padding: .05rem .45rem; border-radius: 1rem; font-size: .85em; white-space: nowrap; }
.status-succeeded { background: #dbeafe; }
.status-early_stopped { background: #fde7c2; }
.status-failed { background: #fbd3c2; }
.status-stopped { background: #e5e5e5; }
.status-running { background: #cdeee2; }
figure { margin: 1rem 0; }
figure img { max-width: 100%; height: auto; border: 1px solid #d0d7de; }
figcaption { color: #57606a; font-size: .9rem; }
.nodata { color: #57606a; font-style: italic; }
"""


def _status(value: str) -> str:
    # Status values come from the TrialStatus enum, so they are safe as class names.
    return f'<span class="status status-{value}">{escape(value)}</span>'


def _link(label: str, target: str) -> str:
    stripped = target.strip()
    if _URL.fullmatch(stripped):
        href = escape(stripped, quote=True)
        return f'<a href="{href}" rel="noopener noreferrer">{escape(label)}</a>'
    return f"{escape(label)}: <code>{escape(target)}</code>"


def _leaderboard(content: Content) -> list[str]:
    if not content.rows:
        return ["<p>No trials.</p>"]
    head = ["Rank", "Trial", "Status", *content.params, f"Best {content.metric}", "Step"]
    out = ['<div class="scroll"><table>', "<thead><tr>"]
    out += [f"<th>{escape(cell)}</th>" for cell in head]
    out.append("</tr></thead><tbody>")
    best = content.best_row
    for row in content.rows:
        css = ' class="best"' if best is not None and row is best else ""
        cells = [
            f'<td class="num">{MISSING if row.rank is None else row.rank}</td>',
            f"<td>{escape(row.result.trial)}</td>",
            f"<td>{_status(row.result.status.value)}</td>",
        ]
        cells += [
            f"<td>{escape(format_value(row.result.params.get(p)))}</td>" for p in content.params
        ]
        if row.best is None:
            cells += [f'<td class="num">{MISSING}</td>'] * 2
        else:
            cells += [
                f'<td class="num">{format_number(row.best.value)}</td>',
                f'<td class="num">{row.best.step}</td>',
            ]
        out.append(f"<tr{css}>{''.join(cells)}</tr>")
    out.append("</tbody></table></div>")
    return out


def _best(content: Content, row: Row | None) -> list[str]:
    metric = escape(content.metric)
    if content.best_name is None:
        return [
            f"<p>No winner: no trial that succeeded or stopped early has a finite {metric}, "
            "or the search failed.</p>"
        ]
    items = [f"<li><strong>Trial:</strong> {escape(content.best_name)}</li>"]
    if row is None:
        items.append("<li>Not among the trials in this report.</li>")
    elif row.best is None:
        items.append(f"<li><strong>Best {metric}:</strong> {MISSING} (no finite value)</li>")
    else:
        value = format_number(row.best.value)
        items.append(f"<li><strong>Best {metric}:</strong> {value} at step {row.best.step}</li>")
        checkpoint = escape(row.best.checkpoint)
        items.append(f"<li><strong>Checkpoint:</strong> <code>{checkpoint}</code></li>")
    if content.export_location:
        export = escape(content.export_location)
        items.append(f"<li><strong>Exported model:</strong> <code>{export}</code></li>")
    out = ["<ul>", *items, "</ul>"]
    if row is not None and (params := ordered_params(row, content.params)):
        out.append("<table><thead><tr><th>Parameter</th><th>Value</th></tr></thead><tbody>")
        out += [
            f"<tr><td>{escape(name)}</td><td>{escape(format_value(value))}</td></tr>"
            for name, value in params
        ]
        out.append("</tbody></table>")
    return out


def _plots(content: Content, images: Mapping[str, bytes]) -> list[str]:
    out: list[str] = []
    for plot in content.plots:
        out.append(f"<h3>{escape(plot.title)}</h3>")
        png = None if plot.image is None else images.get(plot.image)
        if png is None:
            out.append(f'<p class="nodata">{escape(plot.reason or "no data")}</p>')
            continue
        data = base64.b64encode(png).decode("ascii")
        out.append(
            f'<figure><img alt="{escape(plot.title, quote=True)}" '
            f'src="data:image/png;base64,{data}"></figure>'
        )
    return out


def _budget(budget: Budget) -> list[str]:
    out = [f"<p><strong>Train steps:</strong> {escape(totals_text(budget))}</p>"]
    for title, (header, rows) in (
        ("Where stopped trials stopped", stopped_table(budget)),
        ("Per bracket", bracket_table(budget)),
    ):
        if not rows:
            continue
        out += [f"<h3>{title}</h3>", '<div class="scroll"><table>', "<thead><tr>"]
        out += [f"<th>{escape(name)}</th>" for name in header]
        out.append("</tr></thead><tbody>")
        for row in rows:
            cells = [
                f'<td class="num">{escape(cell)}</td>'
                if name in NUMERIC
                else (
                    f"<td>{_status(cell)}</td>" if name == "Status" else f"<td>{escape(cell)}</td>"
                )
                for name, cell in zip(header, row, strict=True)
            ]
            out.append(f"<tr>{''.join(cells)}</tr>")
        out.append("</tbody></table></div>")
    return out


def render_html(content: Content, images: Mapping[str, bytes]) -> str:
    """The whole ``report.html`` text."""
    title = escape(content.title)
    out = [
        "<!DOCTYPE html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{title}</title>",
        f"<style>{_CSS}</style>",
        "</head>",
        "<body><main>",
        f"<h1>{title}</h1>",
        f"<p><strong>Objective:</strong> {escape(content.metric)}, "
        f"{direction_text(content.direction)}<br>",
        f"<strong>Trials:</strong> {escape(counts_text(content.counts, content.total))}</p>",
    ]
    if content.notes:
        out += ["<h2>Notes</h2>", "<ul>"]
        out += [f"<li>{escape(note)}</li>" for note in content.notes]
        out.append("</ul>")
    out += ["<h2>Best trial</h2>", *_best(content, content.best_row)]
    out += per_class_html(content.per_class, images)
    out += detections_html(content.detections, images)
    if content.links:
        out += ["<h2>Links</h2>", "<ul>"]
        out += [f"<li>{_link(label, target)}</li>" for label, target in content.links]
        out.append("</ul>")
    out += ["<h2>Leaderboard</h2>", *_leaderboard(content)]
    if content.budget is not None:
        out += ["<h2>Budget</h2>", *_budget(content.budget)]
    if content.errors:
        out += ["<h2>Errors</h2>", "<ul>"]
        out += [
            f"<li>{escape(trial)} ({_status(status.value)}): {escape(error)}</li>"
            for trial, status, error in content.errors
        ]
        out.append("</ul>")
    out += ["<h2>Plots</h2>", *_plots(content, images), "</main></body>", "</html>"]
    return "\n".join(out) + "\n"
