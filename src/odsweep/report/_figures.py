"""Figure plumbing shared by the plots: fixed size, fixed style, reproducible PNG bytes.

Figures are built with the object-oriented API on an explicit Agg canvas rather than
through ``pyplot``: nothing global (backend, current figure) changes in the caller's
process, no display is needed, and figures are freed with their last reference.
"""

from __future__ import annotations

import io
import re
import textwrap
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING

from odsweep.results import ObjectiveType, TrialStatus

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

WIDTH_IN = 9.0
HEIGHT_IN = 4.8
DPI = 100
LABEL_WIDTH = 70
LEGEND_LABEL_LIMIT = 32

# Okabe-Ito colours (readable with the common colour-vision deficiencies) plus a marker
# per status, so that status is not told by colour alone.
STATUS_STYLE: dict[TrialStatus, tuple[str, str]] = {
    TrialStatus.SUCCEEDED: ("#0072B2", "o"),
    TrialStatus.EARLY_STOPPED: ("#E69F00", "s"),
    TrialStatus.FAILED: ("#D55E00", "X"),
    TrialStatus.STOPPED: ("#7F7F7F", "D"),
    TrialStatus.RUNNING: ("#009E73", "^"),
}

# Trials that ended before their planned last step: drawn dashed in the curves plot.
CUT_SHORT = frozenset({TrialStatus.EARLY_STOPPED, TrialStatus.FAILED, TrialStatus.STOPPED})


@contextmanager
def new_figure() -> Iterator[tuple[Figure, Axes]]:
    """A fixed-size figure with one axes, drawn in matplotlib's default style.

    The default style is forced so that a user's ``matplotlibrc`` cannot change the
    report's look or bytes.
    """
    from matplotlib import style
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    with style.context("default"):
        # Constrained layout keeps outside legends and long labels inside the fixed size.
        fig = Figure(figsize=(WIDTH_IN, HEIGHT_IN), dpi=DPI, layout="constrained")
        FigureCanvasAgg(fig)
        yield fig, fig.add_subplot()


def png_bytes(fig: Figure) -> bytes:
    """The figure as PNG; the same figure gives the same bytes.

    Agg writes no timestamp into PNGs; dropping the ``Software`` entry also keeps the
    bytes from changing with the matplotlib version.
    """
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=DPI, metadata={"Software": None})
    return buffer.getvalue()


def wrap(text: str, width: int = LABEL_WIDTH) -> str:
    """Wrap a long label (OD API parameter paths are long) onto several lines."""
    return "\n".join(textwrap.wrap(text, width, break_long_words=True)) or text


def short(text: str, limit: int = LEGEND_LABEL_LIMIT) -> str:
    """A one-line label cut to ``limit`` characters, for legends and tick labels."""
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def plain(text: str) -> str:
    """``text`` safe for matplotlib labels: ``$`` would otherwise start mathtext."""
    return text.replace("$", r"\$")


def legend_label(text: str) -> str:
    """A user string as a legend label.

    Matplotlib hides labels that start with ``_``; a leading space keeps them shown.
    """
    label = plain(short(text))
    return f" {label}" if label.startswith("_") else label


def y_label(text: str, direction: ObjectiveType) -> str:
    """A y-axis label for a metric, with which way is better on its own line."""
    word = "higher" if direction is ObjectiveType.MAXIMIZE else "lower"
    return f"{wrap(plain(text), 40)}\n({word} is better)"


def slug(text: str, limit: int = 40) -> str:
    """A file-name-safe form of a parameter name."""
    cleaned = re.sub(r"[^A-Za-z0-9]+", "_", text).strip("_").lower()
    return cleaned[:limit].rstrip("_") or "param"


def scatter_by_status(
    ax: Axes, points: Sequence[tuple[float, float, TrialStatus]], size: float
) -> None:
    """(x, y, status) points, one scatter per status so each gets its colour and marker."""
    for status in TrialStatus:
        mine = [(x, y) for x, y, s in points if s is status]
        if mine:
            colour, marker = STATUS_STYLE[status]
            ax.scatter(
                [x for x, _ in mine],
                [y for _, y in mine],
                color=colour,
                marker=marker,
                s=size,
                alpha=0.9,
                zorder=3,
            )


def status_legend(ax: Axes, statuses: set[TrialStatus], extra: list[object] | None = None) -> None:
    """A legend outside the axes (right): one entry per status drawn, in enum order."""
    from matplotlib.lines import Line2D

    handles: list[object] = [
        Line2D(
            [],
            [],
            linestyle="none",
            marker=STATUS_STYLE[status][1],
            color=STATUS_STYLE[status][0],
            label=status.value,
        )
        for status in TrialStatus
        if status in statuses
    ]
    handles.extend(extra or [])
    if handles:
        ax.figure.legend(handles=handles, loc="outside right upper", fontsize="small")
