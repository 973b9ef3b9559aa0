"""Katib's StdOut/File metrics collector, re-stated in Python for tests.

Katib (pkg/metricscollector/v1beta1/file-metricscollector) reads each line that
contains one of the metric names, takes the first space-separated field as the
timestamp if it parses as RFC3339, runs the metricsFormat regex over the WHOLE
line (FindAllStringSubmatch), trims the two groups and keeps exact name matches.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from datetime import datetime


def collect(
    lines: Iterable[str], metrics: Sequence[str], metrics_format: str
) -> list[tuple[str, str, str]]:
    """``(timestamp, name, value)`` as Katib would record them."""
    regex = re.compile(metrics_format)
    out = []
    for line in lines:
        if not any(m in line for m in metrics):
            continue
        timestamp = "0001-01-01T00:00:00Z"
        head, sep, _ = line.partition(" ")
        if sep:
            try:
                datetime.fromisoformat(head.replace("Z", "+00:00"))
                timestamp = head
            except ValueError:
                pass
        for groups in regex.findall(line):
            name, value = groups[0].strip(), groups[1].strip()
            if name in metrics:
                out.append((timestamp, name, value))
    return out
