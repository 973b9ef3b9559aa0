"""Log lines and a tqdm bar on one terminal: while a bar is shown, the root logger's
console handlers are swapped for ones that write through ``tqdm.write``, so a log line
never tears the bar (as optuna does). Shared by both engines' progress displays."""

from __future__ import annotations

import logging
import sys

from tqdm import tqdm

Swaps = list[tuple[logging.Handler, logging.Handler]]


class _TqdmHandler(logging.Handler):
    def emit(self, record: logging.LogRecord) -> None:
        try:
            tqdm.write(self.format(record), file=sys.stderr)
        except Exception:
            self.handleError(record)


def route_logs_through_bar() -> Swaps:
    """Swap the root logger's stdout/stderr handlers; returns what to put back."""
    root = logging.getLogger()
    swapped: Swaps = []
    for handler in list(root.handlers):
        if isinstance(handler, logging.StreamHandler) and handler.stream in (
            sys.stderr,
            sys.stdout,
        ):
            replacement = _TqdmHandler(handler.level)
            replacement.setFormatter(handler.formatter)
            root.removeHandler(handler)
            root.addHandler(replacement)
            swapped.append((handler, replacement))
    return swapped


def restore_logs(swapped: Swaps) -> None:
    """Put back the handlers :func:`route_logs_through_bar` took away."""
    root = logging.getLogger()
    for original, replacement in swapped:
        root.removeHandler(replacement)
        root.addHandler(original)
    swapped.clear()
