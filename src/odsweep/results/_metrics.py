"""The trial's metric lines: what it prints after each eval, and how to read them back.

Format, one metric per line on stdout::

    2026-11-26T10:00:00Z DetectionBoxes_Precision/mAP=0.31

An RFC3339 timestamp with time zone (Katib's median stopping rule needs it), one
space, the OD API's own metric name (it may contain ``/ @ . ( )`` and single
spaces, e.g. ``DetectionBoxes_Recall/AR@100 (small)``), ``=`` and a finite number.
The same regex is the Katib StdOut collector's ``metricsFormat``: it has exactly
two top-level groups (name, value), and Python's ``re`` and Go's RE2 read it the
same way (no look-around, no backreferences).
"""

from __future__ import annotations

import math
import re
import sys
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import TextIO

# A name: a letter, then ASCII word characters and `/ @ . -`, then optional
# parenthesised suffixes after one space (`mAP (small)`). Starting with a letter and
# allowing a space only before "(" keeps the regex from swallowing the timestamp's
# tail ("...:13Z mAP=1" must give "mAP", not "Z mAP"): Katib runs it over the whole
# line. Explicit ASCII classes because RE2's \w is ASCII and Python's is Unicode.
_NAME = r"[A-Za-z][A-Za-z0-9_/@.-]*(?: \([A-Za-z0-9_/@.-]+\))*"
# A value: requires at least one digit (Katib's default regex also accepts "." alone).
_VALUE = r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?"

METRICS_FORMAT = rf"({_NAME})=({_VALUE})"
"""Regex with two groups (metric name, value); also Katib's StdOut ``metricsFormat``."""

# Per-category metrics (``include_metrics_per_category``) end in a label-map class name,
# which may hold any character: "traffic light" would be read by Katib (which runs the
# regex over the whole line) as a metric named "light". They are never printed; they
# stay in result.json, where the report reads them.
PER_CATEGORY_MARKERS = (
    "PerformanceByCategory/",
    "PerformanceBySuperCategory/",
    " ByCategory/",
    " BySuperCategory/",
)
PER_CATEGORY_AP_PREFIX = "DetectionBoxes_PerformanceByCategory/mAP/"
"""The OD API's name of a class's box AP: this prefix, then the label map's class name."""

_LINE = re.compile(rf"^(\S+) {METRICS_FORMAT}$")
_NAME_RE = re.compile(rf"^{_NAME}$")


def is_reportable_name(name: str) -> bool:
    """True when ``name`` survives the round trip through :data:`METRICS_FORMAT`."""
    return bool(_NAME_RE.match(name))


def is_per_category(name: str) -> bool:
    """True for the OD API's per-category (and per-super-category) metric names."""
    return any(marker in name for marker in PER_CATEGORY_MARKERS)


def rfc3339_now() -> str:
    """The current UTC time as RFC3339 with a ``Z`` zone, second precision."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def format_metric_lines(metrics: Mapping[str, float], *, timestamp: str) -> list[str]:
    """One line per finite metric whose name the regex can capture, sorted by name.

    Per-category metrics are left out (:func:`is_per_category`), whatever their name.

    Non-finite values are left out: Katib cannot parse ``nan`` and a stopping rule
    must not compare with it.
    """
    lines = []
    for name in sorted(metrics):
        value = float(metrics[name])
        if math.isfinite(value) and is_reportable_name(name) and not is_per_category(name):
            lines.append(f"{timestamp} {name}={value!r}")
    return lines


def parse_metric_lines(lines: Iterable[str]) -> list[tuple[str, str, float]]:
    """Read ``(timestamp, name, value)`` back from printed lines; other lines are skipped."""
    out = []
    for line in lines:
        m = _LINE.match(line.rstrip("\n"))
        if m:
            out.append((m.group(1), m.group(2), float(m.group(3))))
    return out


def write_metric_lines(
    metrics: Mapping[str, float], out: TextIO | None = None, *, timestamp: str | None = None
) -> list[str]:
    """Print the metric lines of one eval to ``out`` (stdout by default) and flush.

    The trial's stdout is its reporting channel (Katib's StdOut collector reads it),
    so this is the one place outside ``cli/`` that prints. Returns the lines written.
    """
    stream = out if out is not None else sys.stdout
    lines = format_metric_lines(metrics, timestamp=timestamp or rfc3339_now())
    for line in lines:
        print(line, file=stream)
    stream.flush()
    return lines
