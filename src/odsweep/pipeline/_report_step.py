"""The report step: leaderboard and plots for the KFP UI, and the winner's files in eval_dir.

``eval_dir`` gets what the original pipeline's eval folder held, for the winner only:
its eval event files (TensorBoard), plus ``best.json`` and ``report.md``/``report.html``
(+ ``report_files/``). They are staged in a local folder, then copied through
:mod:`odsweep.storage`, so ``eval_dir`` may be local or ``gs://``.
"""

from __future__ import annotations

import logging
import os
import re
import tempfile
from dataclasses import dataclass

from odsweep import storage
from odsweep.pipeline._steps import BACKEND_KATIB, load
from odsweep.report import FILES_DIR, write_report
from odsweep.results import BEST_FILE, TRIAL_EVAL_DIR, TRIALS_DIR, read_best, trial_results
from odsweep.sweep import sweep_report

logger = logging.getLogger(__name__)

# report.md shows its plots as report_files/<name>.png, which the KFP UI cannot reach.
_IMAGE_LINE = re.compile(r"^!\[([^\]]*)\]\(" + re.escape(FILES_DIR) + r"/[^)]+\)$", re.MULTILINE)


@dataclass(frozen=True)
class Reported:
    """The report's texts for the KFP artifacts, and where its files went."""

    markdown: str
    html: str
    eval_dir: str


def report(
    spec_path: str,
    *,
    model_dir: str,
    eval_dir: str,
    backend: str,
    experiment_url: str,
    model_path: str,
) -> Reported:
    """Write the report and copy the winner's eval files, best.json and the report.

    Args:
        spec_path: The spec snapshot.
        model_dir: The sweep's output root.
        eval_dir: Where the files go (created if missing).
        backend: ``katib`` or ``optuna`` (which links the report shows).
        experiment_url: The Katib UI page of the Experiment ("" for optuna).
        model_path: The exported model (``<base>/<version>``).

    Returns:
        The Markdown (plots replaced by a pointer to the HTML artifact) and the
        self-contained HTML.
    """
    spec = load(spec_path)
    best = read_best(model_dir)
    results = trial_results(model_dir)
    trials = storage.join(model_dir, TRIALS_DIR)
    links = {"TensorBoard": f"tensorboard --logdir {trials}"}
    if backend == BACKEND_KATIB:
        links["Katib UI"] = experiment_url
    else:
        links["optuna-dashboard"] = f"odsweep dashboard {model_dir}"
    notes = [
        f"Backend: {backend}.",
        f"Winner: {best.trial}, step {best.step}; its eval files are in {eval_dir}.",
    ]
    rendered = sweep_report(
        spec, model_dir, results, best, export_path=model_path, notes=notes, links=links
    )
    with tempfile.TemporaryDirectory(prefix="odsweep-report-") as staging:
        write_report(rendered, staging)
        with open(os.path.join(staging, BEST_FILE), "w", encoding="utf-8") as fh:
            fh.write(best.to_json())
        copy_tree(staging, eval_dir)
    winner_eval = storage.join(trials, best.trial, TRIAL_EVAL_DIR)
    if storage.is_dir(winner_eval):
        copy_tree(winner_eval, eval_dir)
    else:
        logger.warning("the winner has no eval folder at %s: no event files copied", winner_eval)
    markdown = _IMAGE_LINE.sub(r"*\1: see the HTML report.*", rendered.markdown)
    return Reported(markdown=markdown, html=rendered.html, eval_dir=eval_dir)


def copy_tree(src: str, dst: str) -> int:
    """Copy every file under ``src`` into ``dst`` (merged; same names replaced).

    Through :mod:`odsweep.storage`, so either side may be local or ``gs://``.

    Returns:
        The number of files copied.
    """
    count = 0
    for name in storage.list_dir(src):
        source, target = storage.join(src, name), storage.join(dst, name)
        if storage.is_dir(source):
            count += copy_tree(source, target)
        else:
            storage.write_bytes_atomic(target, storage.read_bytes(source, key="eval_dir"))
            count += 1
    return count
