"""A trial's serving cost: export its best checkpoint as the winner would be, measure it."""

from __future__ import annotations

import logging

from odsweep import storage
from odsweep.errors import InputError
from odsweep.results import TRIAL_CONFIG_FILE, TRIAL_SERVING_DIR
from odsweep.serving._cost import DEFAULT_RUNS, DEFAULT_THREADS, DEFAULT_WARMUP_RUNS, ServingCost
from odsweep.serving._measure import DEFAULT_IMAGES, measure_saved_model

logger = logging.getLogger(__name__)


def trial_eval_input(trial_dir: str) -> str:
    """The eval TFRecord glob the trial's ``pipeline.config`` evaluates on.

    Raises:
        InputError: The config is missing or names no eval input.
    """
    from odsweep.odconfig import parse_pipeline_config

    path = storage.join(trial_dir, TRIAL_CONFIG_FILE)
    config = parse_pipeline_config(storage.read_text(path, key="trial_dir"), source=path)
    for reader in config.eval_input_reader:
        paths = list(reader.tf_record_input_reader.input_path)
        if paths:
            return str(paths[0])
    raise InputError(
        f"{path}: eval_input_reader names no tf_record_input_reader.input_path; "
        "pass eval_input= to measure on other images"
    )


def measure_trial(
    trial_dir: str,
    *,
    input_type: str = "image_tensor",
    eval_input: str | None = None,
    warmup: int = DEFAULT_WARMUP_RUNS,
    runs: int = DEFAULT_RUNS,
    threads: int = DEFAULT_THREADS,
    images: int = DEFAULT_IMAGES,
) -> ServingCost:
    """Export a trial's best checkpoint to ``<trial_dir>/serving/`` and measure it.

    The export goes through :func:`odsweep.export.export_trial`, the winner's own path,
    so what is measured is what would be served. An earlier ``serving/`` folder (from
    an earlier attempt) is replaced: the measurement is of this result's best.

    Args:
        trial_dir: A trial folder with ``result.json``, ``pipeline.config``, ``best/``.
        input_type: The export's input type (the spec's ``export.inputType``).
        eval_input: Images to feed; default: the trial config's eval input.
        warmup, runs, threads, images: As :func:`measure_saved_model`.

    Raises:
        InputError: No best checkpoint, no eval images, a bad argument.
        ExportFailed: The export failed.
        MeasureFailed: The measurement failed.
    """
    from odsweep.export import export_trial

    base = storage.join(trial_dir, TRIAL_SERVING_DIR)
    if storage.exists(base):
        storage.remove_tree(base)
    images_from = eval_input if eval_input is not None else trial_eval_input(trial_dir)
    exported = export_trial(
        trial_dir, base, input_type=input_type, provenance={"purpose": "serving cost"}
    )
    return measure_saved_model(
        exported.path,
        eval_input=images_from,
        input_type=input_type,
        warmup=warmup,
        runs=runs,
        threads=threads,
        images=images,
    )
