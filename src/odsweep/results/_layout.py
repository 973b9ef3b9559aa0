"""The output folder's layout: every file and folder name odsweep writes, defined once.

A sweep's output (local or ``gs://``)::

    <output>/
      spec.yaml            SPEC_SNAPSHOT    the search as run; every trial loads it
      study.db             STUDY_FILE       the local engine's Optuna study (SQLite)
      best.json            BEST_FILE        the winner, and its export once verified
      report.md, .html     REPORT_MARKDOWN, REPORT_HTML
      model/<version>/     MODEL_DIR        the export (unless export.outputDirectory)
      detections/          WINNER_DETECTIONS_DIR  the verified export's boxes on eval images
      trials/<trial>/      TRIALS_DIR
        pipeline.config    TRIAL_CONFIG_FILE  the trial's config with its parameters
        result.json        RESULT_FILE      what the trial did (read by both engines)
        best/              TRIAL_BEST_DIR   a copy of its best checkpoint
        eval/              TRIAL_EVAL_DIR   its eval event files
        stdout.log, stderr.log  STDOUT_LOG, STDERR_LOG  (the local engine's capture)
        serving/<version>/  TRIAL_SERVING_DIR  its best checkpoint exported to measure
                           its serving cost (only when the search asks for Serving/*)

A SavedModel folder holds ``saved_model.pb`` (SAVED_MODEL_FILE); its presence is how
an export is recognised as complete.
"""

from __future__ import annotations

SPEC_SNAPSHOT = "spec.yaml"
STUDY_FILE = "study.db"
BEST_FILE = "best.json"
REPORT_MARKDOWN = "report.md"
REPORT_HTML = "report.html"
MODEL_DIR = "model"
WINNER_DETECTIONS_DIR = "detections"
WINNER_DETECTIONS_FILE = "detections.json"
TRIALS_DIR = "trials"

TRIAL_CONFIG_FILE = "pipeline.config"
RESULT_FILE = "result.json"
TRIAL_BEST_DIR = "best"
TRIAL_EVAL_DIR = "eval"
STDOUT_LOG = "stdout.log"
STDERR_LOG = "stderr.log"
TRIAL_SERVING_DIR = "serving"

SAVED_MODEL_FILE = "saved_model.pb"
