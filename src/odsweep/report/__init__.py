"""The sweep report: a leaderboard, the best trial and plots, as Markdown and HTML.

Pure apart from matplotlib (no TensorFlow): it reads ``TrialResult`` values, however
they were collected (local Optuna study or Katib experiment).

Typical use::

    report = build_report(
        title="ssd_tiny sweep",
        results=results,
        metric="DetectionBoxes_Precision/mAP",
        direction=ObjectiveType.MAXIMIZE,
        param_scales={"learning_rate": "log", "batch_size": "categorical"},
        links={"TensorBoard": "tensorboard --logdir runs/"},
        train_steps=3000,  # adds the budget section
    )
    md_path, html_path = write_report(report, "runs/report")
"""

from __future__ import annotations

from odsweep.report._budget import BRACKET_KEY, STOPPED_AT_KEY, Budget, compute_budget
from odsweep.report._build import build_report
from odsweep.report._model import FILES_DIR, HTML_FILE, MARKDOWN_FILE, Report
from odsweep.report._param_plots import SCALES
from odsweep.report._write import write_report

__all__ = [
    "BRACKET_KEY",
    "FILES_DIR",
    "HTML_FILE",
    "MARKDOWN_FILE",
    "SCALES",
    "STOPPED_AT_KEY",
    "Budget",
    "Report",
    "build_report",
    "compute_budget",
    "write_report",
]
