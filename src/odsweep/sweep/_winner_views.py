"""What the report shows of the winner beyond its numbers, kept between sweep steps.

The verification of the winner's export runs eval images through it; :func:`record_detections`
keeps what it saw (``results.write_detections``), and :func:`report_inputs` hands the
report that record (or why there is none) and the ``best.json`` document whose trade-offs,
Pareto set and constraints the Pareto plots draw. The pipeline verifies and reports in
different containers: the record on the output folder is what joins them.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from odsweep import storage
from odsweep.errors import InputError
from odsweep.results import (
    BEST_FILE,
    DETECTION_MIN_SCORE,
    TRIAL_CONFIG_FILE,
    Best,
    WinnerDetections,
    read_detections,
    write_detections,
)
from odsweep.spec import SearchSpec

logger = logging.getLogger(__name__)


def label_map_of(spec: SearchSpec, trial_path: str) -> str | None:
    """The label map the trial evaluated with: the spec's, else its ``pipeline.config``'s."""
    if spec.label_map_path:
        return spec.label_map_path
    from odsweep import odconfig

    config = odconfig.load_pipeline_config(storage.join(trial_path, TRIAL_CONFIG_FILE))
    # A config may carry no eval reader (the label map then names nothing to draw).
    readers = list(config.eval_input_reader) or [config.train_input_reader]
    path = str(readers[0].label_map_path)
    return path or None


def record_detections(output_dir: str, best: Best, export_path: str, verified: Any) -> None:
    """Keep the verification's samples (a ``VerifyResult``'s) for the report."""
    record = WinnerDetections(
        trial=best.trial,
        step=best.step,
        export_path=export_path,
        min_score=DETECTION_MIN_SCORE,
        samples=tuple(verified.samples),
    )
    path = write_detections(output_dir, record)
    logger.info("kept the winner's detections on %d eval images in %s", len(record.samples), path)


def selection_document(output_dir: str) -> dict[str, Any] | None:
    """``best.json`` as a plain document (its trade-off keys included), None if absent."""
    path = storage.join(output_dir, BEST_FILE)
    if not storage.exists(path):
        return None
    doc = json.loads(storage.read_text(path, key=BEST_FILE))
    return doc if isinstance(doc, dict) else None


def report_inputs(
    output_dir: str, best: Best | None, export_path: str | None
) -> tuple[dict[str, Any] | None, WinnerDetections | None, str | None]:
    """(``best.json`` document, the winner's detections, why they are not shown)."""
    selection = selection_document(output_dir) if best is not None else None
    if best is None:
        return selection, None, None
    if not export_path:
        return (
            selection,
            None,
            "no export of the winner: no detections to draw; run `odsweep export` to export "
            "and verify it",
        )
    try:
        record = read_detections(output_dir)
    except InputError as exc:
        return selection, None, str(exc)
    if record is None:
        return (
            selection,
            None,
            "the winner's export was verified without keeping its detections (an older "
            "odsweep); run `odsweep export` again to draw them",
        )
    if (record.trial, record.step, record.export_path) != (best.trial, best.step, export_path):
        return (
            selection,
            None,
            f"the kept detections are of {record.trial} step {record.step} "
            f"({record.export_path}), not of this winner's export; run `odsweep export` again",
        )
    return selection, record, None
