"""The warm start's pre-flight: is ``train_config.fine_tune_checkpoint`` there, and does
it fit the model for its ``fine_tune_checkpoint_type``, before any compute is spent.

The OD API finds a bad warm start only after building the input pipeline and the
model and running a dummy step, and then says little more than "Unresolved object"
or a shape error for one tensor. Here the model is built once (no data, no training),
the objects the OD API would restore for that type (``restore_from_objects``) are
walked to the checkpoint keys TensorFlow gives them, and those keys and shapes are
compared with the checkpoint's own (``tf.train.list_variables``). The verdict is
TensorFlow's: the same restore the OD API does (``assert_existing_objects_matched``)
decides, the listing explains it.

A trial resuming from its own checkpoint restores everything from that checkpoint:
the warm start is neither checked nor applied again (:func:`applies_warm_start`).
"""

from __future__ import annotations

import logging
import os
import re
import tempfile
from collections import deque
from typing import Any

from odsweep import odconfig, storage
from odsweep.trial.resume import Attempt

logger = logging.getLogger(__name__)

KEY = "train_config.fine_tune_checkpoint"
_SHOWN = 3  # mismatches listed in the one-line message
_VALUE_SUFFIX = ".ATTRIBUTES/VARIABLE_VALUE"
_STATE_PATH = re.compile(r'^model_checkpoint_path: "(.*)"$', re.MULTILINE)
_FIX = {
    "detection": "use a checkpoint of the same feature extractor (type, depth_multiplier, "
    "min_depth, FPN levels) or fineTuneCheckpointType: classification",
    "classification": "use a checkpoint of the same backbone saved as "
    "tf.train.Checkpoint(feature_extractor=<backbone>)",
    "full": "use a checkpoint of the same model (num_classes included) or "
    "fineTuneCheckpointType: detection",
}


def applies_warm_start(config: Any, attempt: Attempt) -> bool:
    """True when this attempt starts from the warm start: a fresh attempt of a config
    with ``fine_tune_checkpoint``. A resumed attempt restores its own checkpoint."""
    if not config.train_config.fine_tune_checkpoint:
        return False
    return attempt.checkpoint is None and not attempt.finished


def checkpoint_exists(prefix: str) -> bool:
    """True when ``prefix`` is a checkpoint (its ``.index``) or a folder with a
    ``checkpoint`` state file; ``gs://`` answered by :mod:`odsweep.storage`."""
    if "PATH_TO_BE_CONFIGURED" in prefix:
        return False
    # gs:// too: TensorFlow reads the checkpoint itself, but finding out it is missing
    # after the model is built costs minutes; the storage module answers in a request.
    return storage.exists(prefix + ".index") or storage.exists(storage.join(prefix, "checkpoint"))


def warm_start_problems(config: Any) -> list[str]:
    """Every reason the config's warm start would fail (empty when it has none): the
    checkpoint is missing, its type or version does not suit the model (rules, no
    TensorFlow), or its variables do not fit the model (:func:`checkpoint_mismatch`:
    loads TensorFlow and builds the model, a few seconds for the tiny SSD)."""
    train = config.train_config
    ckpt = train.fine_tune_checkpoint
    if not ckpt:
        return []
    if not checkpoint_exists(ckpt):
        return [
            f"{KEY}: no checkpoint at {ckpt!r}; point it at a checkpoint prefix (ckpt-0) "
            f"or clear it with --set {KEY}="
        ]
    problems = odconfig.fine_tune_problems(config)
    if problems:
        return problems
    problem = checkpoint_mismatch(config)
    return [problem] if problem else []


def checkpoint_mismatch(config: Any) -> str | None:
    """Why the checkpoint does not fit the model for its type, or None when the OD
    API's restore of it succeeds."""
    tf = _tf()
    kind = odconfig.fine_tune_type(config)
    ckpt = _resolve(tf, config.train_config.fine_tune_checkpoint)
    try:
        saved = _saved_variables(tf, ckpt)
    except Exception as exc:  # unreadable: corrupt, not a checkpoint, no permission
        return f"{KEY}: cannot read checkpoint {ckpt!r} ({_first_line(exc)}); check the path"
    if kind == "detection" and any(k.startswith("feature_extractor") for k in saved):
        # variables_helper.ensure_checkpoint_supported refuses these (old zoo layout).
        return (
            f"{KEY}: {ckpt!r} is laid out for 'classification' (its keys start with "
            "feature_extractor/), not 'detection'; set fineTuneCheckpointType: classification "
            "or use a detection checkpoint"
        )
    try:
        model = build_model(config)
    except Exception as exc:  # the OD API refuses the model config itself
        why = _first_line(exc)
        return (
            f"model: the OD API cannot build this model to check the warm start: {why}; "
            "fix the model section of the pipeline config"
        )
    try:
        restore_map = model.restore_from_objects(fine_tune_checkpoint_type=kind)
    except (ValueError, NotImplementedError, AttributeError) as exc:
        return f"{KEY}_type: the model cannot restore {kind!r}: {_first_line(exc)}"
    expected = variable_keys(tf, restore_map)
    mismatches = _compare(expected, saved)
    # A local checkpoint is restored as the OD API will (TensorFlow's verdict); of a
    # gs:// one only the index was read: its keys decide.
    if storage.is_remote(ckpt):
        verdict = "its variables differ" if mismatches else None
    else:
        verdict = _restore_error(tf, restore_map, ckpt)
    if verdict is None:
        if mismatches:  # TensorFlow matched by object graph what the keys did not show
            logger.info("warm start %s restores although %s", ckpt, "; ".join(mismatches[:3]))
        return None
    if not mismatches:
        return f"{KEY}: {ckpt!r} does not restore as {kind!r}: {verdict}; {_FIX[kind]}"
    shown = "; ".join(mismatches[:_SHOWN])
    more = "; ..." if len(mismatches) > _SHOWN else ""
    return (
        f"{KEY}: {len(mismatches)} of {len(expected)} variables a {kind!r} warm start "
        f"restores do not match {ckpt!r}: {shown}{more}; fix: {_FIX[kind]}"
    )


def variable_keys(tf: Any, restore_map: dict[str, Any]) -> dict[str, tuple[int, ...]]:
    """``{checkpoint key: shape}`` of every variable reachable from the restore map,
    keyed as ``tf.train.Checkpoint(**restore_map)`` would save it: the first path a
    breadth-first walk of the object graph finds, each name escaped as TensorFlow does."""
    root = tf.train.Checkpoint(**restore_map)
    view = tf.train.TrackableView
    seen = {id(root)}
    queue: deque[tuple[Any, tuple[str, ...]]] = deque([(root, ())])
    keys: dict[str, tuple[int, ...]] = {}
    while queue:
        obj, path = queue.popleft()
        for name, child in view.children(obj).items():
            if id(child) in seen:
                continue
            seen.add(id(child))
            child_path = (*path, _escape(name))
            if isinstance(child, tf.Variable):
                keys["/".join(child_path) + "/" + _VALUE_SUFFIX] = tuple(child.shape.as_list())
            else:
                queue.append((child, child_path))
    return keys


def _escape(name: str) -> str:
    # TensorFlow's escaping of object names in checkpoint keys ("." -> ".S", "/" -> "./").
    return name.replace(".", ".S").replace("/", "./")


def _compare(expected: dict[str, tuple[int, ...]], saved: dict[str, list[int]]) -> list[str]:
    problems = []
    for key, shape in expected.items():
        name = key[: -len(_VALUE_SUFFIX) - 1]
        if key not in saved:
            problems.append(f"{name} not in the checkpoint")
        elif tuple(saved[key]) != shape:
            problems.append(
                f"{name} shape {_shape(shape)} vs {_shape(saved[key])} in the checkpoint"
            )
    return problems


def _shape(shape: Any) -> str:
    return "(" + ",".join(str(d) for d in shape) + ")"


def _restore_error(tf: Any, restore_map: dict[str, Any], ckpt: str) -> str | None:
    """What the OD API's own restore (``load_fine_tune_checkpoint``) says, or None."""
    try:
        status = tf.train.Checkpoint(**restore_map).read(ckpt)
        status.expect_partial().assert_existing_objects_matched()
    except Exception as exc:  # TensorFlow's verdict, reported, never raised
        return _first_line(exc)
    return None


def build_model(config: Any) -> Any:
    """The config's detection model with its variables created: one forward pass on a
    blank image (what the OD API's dummy computation does, without the input pipeline)."""
    tf = _tf()
    from object_detection.builders import model_builder

    # Inference mode: Faster R-CNN's training-mode predict wants groundtruth; the
    # variables are the same either way.
    model = model_builder.build(config.model, is_training=False)
    # The model's own preprocess resizes to its input size: any small image will do.
    image = tf.zeros([1, 64, 64, 3], dtype=tf.float32)
    preprocessed, shapes = model.preprocess(image)
    model.predict(preprocessed, shapes)
    return model


def _resolve(tf: Any, ckpt: str) -> str:
    """A folder (with a ``checkpoint`` state file) becomes its latest checkpoint."""
    if storage.exists(ckpt + ".index"):
        return ckpt
    if storage.is_remote(ckpt):
        state = storage.read_text(storage.join(ckpt, "checkpoint"))
        found = _STATE_PATH.search(state)
        if found is None:
            return ckpt
        name = found.group(1)
        return name if storage.is_remote(name) else storage.join(ckpt, name)
    latest = tf.train.latest_checkpoint(ckpt)
    return str(latest) if latest else ckpt


def _saved_variables(tf: Any, ckpt: str) -> dict[str, list[int]]:
    """``{key: shape}`` of the checkpoint. Of a ``gs://`` one only the ``.index`` is
    fetched (through :mod:`odsweep.storage`; it names every tensor and its shape):
    the data files can be gigabytes, and the trainer reads them once anyway."""
    if not storage.is_remote(ckpt):
        return dict(tf.train.list_variables(ckpt))
    with tempfile.TemporaryDirectory(prefix="odsweep-warmstart-") as tmp:
        local = os.path.join(tmp, "ckpt")
        with open(local + ".index", "wb") as f:
            f.write(storage.read_bytes(ckpt + ".index"))
        return dict(tf.train.list_variables(local))


def _first_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return (text[:300] + "...") if len(text) > 300 else text or type(exc).__name__


def _tf() -> Any:
    from odsweep.tfcompat import load_tensorflow

    return load_tensorflow()
