"""The winner's sections in both formats: per-class AP (table + chart) and detections.

Kept apart from the two renderers so that Markdown and HTML show the same rows and
images; every user string (class names come from the label map) is escaped.
"""

from __future__ import annotations

import base64
from collections.abc import Callable, Mapping
from html import escape

from odsweep.report._detections import Detections
from odsweep.report._model import FILES_DIR
from odsweep.report._per_class import PerClass
from odsweep.report._table import MISSING

PER_CLASS_TITLE = "Winner: per-class AP"
DETECTIONS_TITLE = "Winner: detections on eval images"
NO_TRUTH = "no ground truth"


def _ap_text(ap: float | None) -> str:
    return f"{NO_TRUTH} {MISSING}" if ap is None else f"{ap:.4f}"


def _intro(section: PerClass) -> str:
    return (
        f"AP (COCO mAP@[.50:.95]) per class of {section.trial} at its best checkpoint "
        f"(step {section.step}), highest first."
    )


Escape = Callable[[str], str]


def per_class_markdown(section: PerClass | None, esc: Escape) -> list[str]:
    """Lines of the per-class section; ``esc`` is the Markdown text escaper."""
    if section is None:
        return []
    out = ["", f"## {PER_CLASS_TITLE}", ""]
    if section.image is None:
        return [*out, f"*{esc(section.reason or 'no data')}*"]
    out += [esc(_intro(section)), "", "| Class | AP |", "| --- | ---: |"]
    out += [f"| {esc(name)} | {_ap_text(ap)} |" for name, ap in section.rows]
    out += ["", f"![{esc(PER_CLASS_TITLE)}]({FILES_DIR}/{section.image}.png)"]
    return out


def detections_markdown(section: Detections | None, esc: Escape) -> list[str]:
    """Lines of the detections section."""
    if section is None:
        return []
    out = ["", f"## {DETECTIONS_TITLE}", ""]
    if section.note:
        out += [f"*{esc(section.note)}*"]
    for name, caption in zip(section.images, section.captions, strict=True):
        out += ["", f"![{esc(caption)}]({FILES_DIR}/{name}.png)", "", esc(caption)]
    return out


def _figure(name: str, caption: str, images: Mapping[str, bytes]) -> str:
    data = base64.b64encode(images[name]).decode("ascii")
    return (
        f'<figure><img alt="{escape(caption, quote=True)}" src="data:image/png;base64,{data}">'
        f"<figcaption>{escape(caption)}</figcaption></figure>"
    )


def per_class_html(section: PerClass | None, images: Mapping[str, bytes]) -> list[str]:
    """HTML of the per-class section."""
    if section is None:
        return []
    out = [f"<h2>{escape(PER_CLASS_TITLE)}</h2>"]
    if section.image is None or section.image not in images:
        return [*out, f'<p class="nodata">{escape(section.reason or "no data")}</p>']
    out += [f"<p>{escape(_intro(section))}</p>", '<div class="scroll"><table>']
    out.append("<thead><tr><th>Class</th><th>AP</th></tr></thead><tbody>")
    out += [
        f'<tr><td>{escape(name)}</td><td class="num">{escape(_ap_text(ap))}</td></tr>'
        for name, ap in section.rows
    ]
    out += ["</tbody></table></div>", _figure(section.image, PER_CLASS_TITLE, images)]
    return out


def detections_html(section: Detections | None, images: Mapping[str, bytes]) -> list[str]:
    """HTML of the detections section."""
    if section is None:
        return []
    out = [f"<h2>{escape(DETECTIONS_TITLE)}</h2>"]
    if section.note:
        out.append(f'<p class="nodata">{escape(section.note)}</p>')
    out += [
        _figure(name, caption, images)
        for name, caption in zip(section.images, section.captions, strict=True)
    ]
    return out
