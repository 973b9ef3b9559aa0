"""``write_report``: the report's files, images first so no reader sees a broken report."""

from __future__ import annotations

import re

from odsweep import storage
from odsweep.report._model import FILES_DIR, HTML_FILE, MARKDOWN_FILE, Report

_IMAGE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")


def write_report(report: Report, out_dir: str) -> tuple[str, str]:
    """Write ``report.md``, ``report.html`` and ``report_files/<name>.png`` under ``out_dir``.

    The PNGs are written (each atomically) before the two text files are replaced, so
    a reader never opens a report that points at images not yet there. PNGs of an
    earlier report that the new one no longer uses are removed afterwards.

    Args:
        report: What ``build_report`` returned.
        out_dir: A local folder (created if missing) or a ``gs://`` folder.

    Returns:
        The paths of ``report.md`` and ``report.html``.

    Raises:
        InputError: ``gs://``: missing bucket or no permission (names the URI).
        StorageError: ``gs://``: the store kept failing.
        ValueError: an image name would not be a plain file name.
    """
    bad = sorted(name for name in report.images if not _IMAGE_NAME.fullmatch(name))
    if bad:
        raise ValueError(f"report.images: names must be plain file names, got {bad}")
    files_dir = storage.join(out_dir, FILES_DIR)
    for name in sorted(report.images):
        storage.write_bytes_atomic(storage.join(files_dir, f"{name}.png"), report.images[name])
    md_path = storage.join(out_dir, MARKDOWN_FILE)
    html_path = storage.join(out_dir, HTML_FILE)
    storage.write_text_atomic(md_path, report.markdown)
    storage.write_text_atomic(html_path, report.html)
    keep = {f"{name}.png" for name in report.images}
    for name in storage.list_dir(files_dir):
        if name.endswith(".png") and name not in keep:
            storage.remove(storage.join(files_dir, name))
    return md_path, html_path
