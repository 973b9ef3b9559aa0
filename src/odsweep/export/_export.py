"""Export a trained checkpoint as a TF Serving model version, with its provenance."""

from __future__ import annotations

import json
import logging
import os
import time
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import odsweep
from odsweep import storage
from odsweep.errors import InputError
from odsweep.export._checkpoint import checkpoint_problem, pinned_checkpoint_dir
from odsweep.export._layout import is_local, new_staging_dir, publish, remove_tree
from odsweep.export._reuse import winner_identity
from odsweep.export._types import (
    ASSETS_EXTRA,
    INPUT_TYPES,
    PROVENANCE_FILE,
    ExportFailed,
    ExportResult,
)
from odsweep.export._warmup import model_name_of, warmup_examples, write_warmup
from odsweep.results import TRIAL_CONFIG_FILE
from odsweep.tfcompat import load_tensorflow

logger = logging.getLogger(__name__)


def _one_line(text: str, limit: int = 300) -> str:
    line = " ".join(text.split())
    return line if len(line) <= limit else f"{line[: limit - 3]}..."


def _config_label_map(config: Any) -> str | None:
    """The label map the config evaluates with (else trains with), if it names one."""
    for reader in (*config.eval_input_reader, config.train_input_reader):
        if reader.label_map_path:
            path: str = reader.label_map_path
            return path
    return None


def _resolve_label_map(
    tf: Any, config: Any | None, label_map: str | None
) -> tuple[str | None, str | None]:
    """``(label map to ship, problem)``: a given one must exist; the config's is optional."""
    if label_map is not None:
        if tf.io.gfile.exists(label_map):
            return label_map, None
        return None, f"label_map: file not found, got {label_map!r}; check the path or omit it"
    from_config = None if config is None else _config_label_map(config)
    if from_config is None:
        return None, None
    if tf.io.gfile.exists(from_config):
        return from_config, None
    logger.warning(
        "label map %s named by the pipeline config does not exist: not shipped with the model; "
        "pass label_map= to ship one",
        from_config,
    )
    return None, None


def _provenance_text(
    provenance: Mapping[str, Any], own: Mapping[str, Any]
) -> tuple[str | None, str | None]:
    """``(provenance.json text, problem)``; the caller's mapping must be JSON-serialisable.

    ``own`` (what was exported, when, by what) wins over a caller's key of the same
    name: those values describe this export, whatever the caller believed.
    """
    doc = dict(provenance)
    for key, value in own.items():
        if key in doc and doc[key] != value:
            logger.warning("provenance %r=%r replaced by the export's %r", key, doc[key], value)
        doc[key] = value
    try:
        return json.dumps(doc, indent=2, sort_keys=True, allow_nan=False) + "\n", None
    except (TypeError, ValueError) as exc:
        return None, (
            f"provenance: not JSON-serialisable ({_one_line(str(exc))}); "
            "pass only str/int/float/bool/None, lists and str-keyed dicts"
        )


def _read_config(tf: Any, pipeline_config: str) -> tuple[Any | None, list[str]]:
    """``(parsed config, problems)``; the file is read with gfile so ``gs://`` works."""
    from odsweep.odconfig import parse_pipeline_config

    if not tf.io.gfile.exists(pipeline_config):
        return None, [f"pipeline_config: file not found, got {pipeline_config!r}; check the path"]
    if tf.io.gfile.isdir(pipeline_config):
        return None, [f"pipeline_config: {pipeline_config!r} is a folder; pass its pipeline.config"]
    try:
        with tf.io.gfile.GFile(pipeline_config, "r") as fh:
            text = fh.read()
    except (OSError, UnicodeDecodeError, tf.errors.OpError) as exc:
        return None, [
            f"pipeline_config: cannot read {pipeline_config!r} ({_one_line(str(exc))}); "
            "pass a readable text pipeline.config"
        ]
    try:
        return parse_pipeline_config(text, source=pipeline_config), []
    except InputError as exc:
        return None, list(exc.messages)


def _absolute(path: str | None) -> str | None:
    """Local paths made absolute for the provenance record (it outlives the cwd)."""
    return path if path is None or not is_local(path) else os.path.abspath(path)


def _check_inputs(
    tf: Any,
    pipeline_config: str,
    checkpoint: str,
    input_type: str,
    provenance: Mapping[str, Any],
    label_map: str | None,
    warmup_input: str | None,
) -> tuple[Any, str | None, str, list[tuple[bytes, bytes]]]:
    """Check every argument before any work: ``(config, label map to ship, provenance,
    the eval images of the warm-up requests)``.

    Raises:
        InputError: With every problem found, not just the first.
    """
    problems = []
    if input_type not in INPUT_TYPES:
        problems.append(f"input_type: unknown {input_type!r}; use one of {', '.join(INPUT_TYPES)}")
    config, config_problems = _read_config(tf, pipeline_config)
    problems.extend(config_problems)
    ckpt_problem = checkpoint_problem(tf, checkpoint)
    if ckpt_problem:
        problems.append(ckpt_problem)
    label_source, label_problem = _resolve_label_map(tf, config, label_map)
    if label_problem:
        problems.append(label_problem)
    own = {
        "input_type": input_type,
        "checkpoint": _absolute(checkpoint),
        "pipeline_config": _absolute(pipeline_config),
        "label_map": _absolute(label_source),
        "exported_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "odsweep_version": odsweep.__version__,
        "tensorflow_version": tf.__version__,
    }
    provenance_text, provenance_problem = _provenance_text(provenance, own)
    if provenance_problem:
        problems.append(provenance_problem)
    examples: list[tuple[bytes, bytes]] = []
    if config is not None and input_type in INPUT_TYPES:
        try:
            examples = warmup_examples(tf, config, warmup_input)
        except InputError as exc:
            problems.extend(exc.messages)
    if problems:
        raise InputError(problems)
    assert config is not None and provenance_text is not None  # no problems => both set
    return config, label_source, provenance_text, examples


def export_checkpoint(
    *,
    pipeline_config: str,
    checkpoint: str,
    output_base: str,
    input_type: str,
    provenance: Mapping[str, Any],
    label_map: str | None = None,
    warmup_input: str | None = None,
) -> ExportResult:
    """Export one checkpoint as ``<output_base>/<version>/`` for TF Serving.

    The version is the next free integer under ``output_base``. Beside the SavedModel,
    ``assets.extra/`` holds the ``pipeline.config``, the label map,
    ``odsweep_provenance.json`` (``provenance`` plus what was exported, when, by which
    odsweep) and ``tf_serving_warmup_requests`` (TF Serving's warm-up PredictionLogs,
    built from eval images). Nothing numeric appears under ``output_base`` until the
    model is whole.

    Args:
        pipeline_config: The pipeline.config the checkpoint was trained with.
        checkpoint: The checkpoint prefix to restore, e.g. ``<trial_dir>/best/ckpt-40``.
            Exactly this one is exported, whatever its folder's latest checkpoint is.
        output_base: The TF Serving model base path (local or ``gs://``).
        input_type: The serving input: one of :data:`INPUT_TYPES`.
        provenance: JSON-serialisable facts to record (trial, params, metric, ...).
        label_map: The label map to ship; default: the config's eval label map.
        warmup_input: TFRecord glob of the warm-up requests' images; default: the
            config's eval input.

    Returns:
        Where the model was published.

    Raises:
        InputError: Every bad argument at once (unknown input type, missing
            checkpoint/config/label map/warm-up images, unserialisable provenance).
            Nothing written.
        ExportFailed: The OD API exporter failed (e.g. the checkpoint does not fit the
            config) or publishing failed; the staging folder is removed.
    """
    tf = load_tensorflow()
    config, label_source, provenance_text, examples = _check_inputs(
        tf, pipeline_config, checkpoint, input_type, provenance, label_map, warmup_input
    )
    if config.train_config.optimizer.use_moving_average:
        # exporter_lib_v2 restores the model's own variables only; the averages live in
        # the optimizer's slots and are never swapped in.
        logger.warning(
            "%s trains with use_moving_average: the export holds the raw weights of %s, not "
            "their moving averages (the OD API TF2 exporter does not swap them in)",
            pipeline_config,
            checkpoint,
        )

    try:
        tf.io.gfile.makedirs(output_base)
    except (OSError, tf.errors.OpError) as exc:
        raise InputError(
            f"output_base: cannot create {output_base!r} ({_one_line(str(exc))}); "
            "check the path and its permissions"
        ) from exc
    staging = new_staging_dir(output_base)
    started = time.monotonic()
    try:
        _run_exporter(tf, config, checkpoint, input_type, staging)
        try:
            _write_extras(tf, staging, pipeline_config, label_source, provenance_text)
            # Staged with the rest: publish moves saved_model.pb in last.
            write_warmup(
                tf,
                storage.join(staging, "saved_model"),
                examples,
                input_type=input_type,
                model_name=model_name_of(output_base),
            )
            version = publish(tf, storage.join(staging, "saved_model"), output_base)
        except (OSError, tf.errors.OpError, RuntimeError) as exc:
            raise ExportFailed(
                f"export: cannot write the model under {output_base!r}: "
                f"{type(exc).__name__}: {_one_line(str(exc))}; check permissions and free space"
            ) from exc
    finally:
        remove_tree(tf, staging)
    path = storage.join(output_base, str(version))
    logger.info(
        "exported %s as %s (%s) in %.1f s", checkpoint, path, input_type, time.monotonic() - started
    )
    return ExportResult(
        base=output_base,
        version=version,
        path=path,
        input_type=input_type,
        checkpoint=checkpoint,
        provenance_path=storage.join(path, ASSETS_EXTRA, PROVENANCE_FILE),
    )


def _write_extras(
    tf: Any, staging: str, pipeline_config: str, label_map: str | None, provenance_text: str
) -> None:
    """Fill ``<staged SavedModel>/assets.extra/`` (TF Serving's place for side files)."""
    extra = storage.join(staging, "saved_model", ASSETS_EXTRA)
    tf.io.gfile.makedirs(extra)
    tf.io.gfile.copy(pipeline_config, storage.join(extra, TRIAL_CONFIG_FILE), overwrite=True)
    if label_map is not None:
        name = label_map.rstrip("/").rsplit("/", 1)[-1]
        tf.io.gfile.copy(label_map, storage.join(extra, name), overwrite=True)
    with tf.io.gfile.GFile(storage.join(extra, PROVENANCE_FILE), "w") as fh:
        fh.write(provenance_text)


def _run_exporter(tf: Any, config: Any, checkpoint: str, input_type: str, staging: str) -> None:
    """Run the OD API exporter into ``staging`` with ``checkpoint`` as the one restored."""
    from object_detection import exporter_lib_v2

    with pinned_checkpoint_dir(tf, checkpoint) as checkpoint_dir:
        try:
            exporter_lib_v2.export_inference_graph(input_type, config, checkpoint_dir, staging)
        except Exception as exc:
            raise ExportFailed(
                f"export: the OD API exporter failed on checkpoint {checkpoint!r}: "
                f"{type(exc).__name__}: {_one_line(str(exc))}; check that the checkpoint was "
                "trained with this pipeline.config (--debug shows the traceback)"
            ) from exc


def export_trial(
    trial_dir: str,
    output_base: str,
    *,
    input_type: str = "image_tensor",
    provenance: Mapping[str, Any] | None = None,
    label_map: str | None = None,
    warmup_input: str | None = None,
) -> ExportResult:
    """Export a finished trial's best checkpoint (per its ``result.json``).

    Args:
        trial_dir: The trial directory (``pipeline.config``, ``result.json``, ``best/``).
        output_base: The TF Serving model base path.
        input_type: The serving input: one of :data:`INPUT_TYPES`.
        provenance: Extra facts to record beside the trial's own (study name, ...).
        label_map: The label map to ship; default: the config's eval label map.
        warmup_input: As :func:`export_checkpoint`.

    Returns:
        Where the model was published.

    Raises:
        InputError: No result.json, or the trial has no best checkpoint.
        ExportFailed: As :func:`export_checkpoint`.
    """
    from odsweep.results import read_result

    result = read_result(trial_dir)
    if result.best is None:
        raise InputError(
            f"trial_dir: trial {result.trial!r} in {trial_dir!r} has no best checkpoint "
            f"(status {result.status.value}, no finite {result.metric}); export another trial"
        )
    doc: dict[str, Any] = {
        "trial": result.trial,
        "trial_dir": trial_dir,
        "params": dict(result.params),
        "metric": result.metric,
        "objective": result.objective.value,
        "best_step": result.best.step,
        "best_value": result.best.value,
        "status": result.status.value,
        "seed": result.seed,
    }
    doc.update(provenance or {})
    # What a later run compares to decide whether this export is its winner's (_reuse).
    identity = winner_identity(
        trial_dir,
        trial=result.trial,
        step=result.best.step,
        checkpoint=result.best.checkpoint,
        input_type=input_type,
    )
    doc.update(identity.provenance())
    return export_checkpoint(
        pipeline_config=storage.join(trial_dir, TRIAL_CONFIG_FILE),
        checkpoint=result.best.checkpoint,
        output_base=output_base,
        input_type=input_type,
        provenance=doc,
        label_map=label_map,
        warmup_input=warmup_input,
    )
