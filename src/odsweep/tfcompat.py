"""The one door to TensorFlow and the OD API, with the fixes they need on TF 2.21.

Every odsweep module that needs TensorFlow or ``object_detection`` calls
:func:`load_tensorflow` first (and nothing else imports ``tensorflow`` directly).
It sets ``TF_USE_LEGACY_KERAS`` before TensorFlow is first imported, then applies
each fix below once. Each fix only adds what TF 2.21 / NumPy 2 / Pillow >= 10
removed; none edits a file on disk, and none changes behaviour that still exists.

Why each fix exists (see shared/FINDINGS.md):

``estimator``
    ``object_detection/inputs.py`` imports ``tensorflow.compat.v1.estimator``,
    removed in TF 2.16. Only the TF1 serving input fn uses it; a stub that raises
    on use lets the module import.
``tensorflow_io``
    ``deepmac_meta_arch`` imports ``tensorflow_io`` at module level for one DeepMAC
    loss; tensorflow-io does not load on TF 2.21. A stub is visible only while
    that module imports, so nothing else mistakes it for the real package.
``tf_slim``
    tf-slim 1.1.0 uses TF-internal names that moved (``control_flow_ops.case``,
    ``array_ops.stack``, ``ops.Tensor``, ...); the first train step fails while
    decoding TFRecords. The public equivalents are put back under the old names.
``pillow``
    Pillow >= 10 removed ``FreeTypeFont.getsize``; the eval visualisations use it.
``numpy``
    NumPy 2 removed ``np.float`` / ``np.int`` (Pascal metrics, some parsers).
``keras_resnet``
    ``models/keras_models/resnet_v1.py`` does ``from keras.applications import
    resnet``, which is Keras 3; the OD API needs tf-keras there (ResNet-18/34).
    While that module imports, ``keras.applications.resnet`` is tf-keras' own.

The seventh fix (eval with ``use_moving_averages`` needs a distribution strategy
scope) is not an import-time fix: it lives where the eval model is restored, in
:mod:`odsweep.trial.evaluator`.

Set ``ODSWEEP_COMPAT_SKIP=name[,name]`` to leave fixes out (the tests use it to
show that each fix is needed).
"""

from __future__ import annotations

import contextlib
import importlib
import logging
import os
import sys
import types
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

logger = logging.getLogger(__name__)

SKIP_ENV = "ODSWEEP_COMPAT_SKIP"

_applied = False


def _skipped() -> set[str]:
    return {s.strip() for s in os.environ.get(SKIP_ENV, "").split(",") if s.strip()}


def _removed_api(name: str, reason: str) -> types.ModuleType:
    """A module whose every attribute access raises, naming what was removed and why."""

    class _Removed(types.ModuleType):
        def __getattr__(self, attr: str) -> Any:
            if attr.startswith("__"):
                raise AttributeError(attr)
            raise NotImplementedError(f"{name}.{attr} is not available: {reason}")

    return _Removed(name)


@contextmanager
def _temporary_modules(mods: dict[str, types.ModuleType]) -> Iterator[None]:
    saved = {k: sys.modules.get(k) for k in mods}
    sys.modules.update(mods)
    try:
        yield
    finally:
        for k, old in saved.items():
            if old is None:
                sys.modules.pop(k, None)
            else:
                sys.modules[k] = old


def _fix_estimator(tf: Any) -> None:
    v1 = tf.compat.v1
    if "estimator" in dir(v1):
        return
    stub = _removed_api(
        "tensorflow.compat.v1.estimator", "TF 2.16 removed Estimator (TF1-only OD API path)"
    )
    v1.estimator = stub
    sys.modules["tensorflow.compat.v1.estimator"] = stub


def _fix_tensorflow_io(tf: Any) -> None:
    name = "object_detection.meta_architectures.deepmac_meta_arch"
    if name in sys.modules:
        return
    try:
        importlib.import_module("tensorflow_io")
        return  # a working tensorflow-io is installed: nothing to fix
    except Exception:
        sys.modules.pop("tensorflow_io", None)
    stub = _removed_api("tensorflow_io", "tensorflow-io does not load on TF 2.21 (DeepMAC only)")
    with _temporary_modules({"tensorflow_io": stub}):
        importlib.import_module(name)


def _fix_tf_slim(tf: Any) -> None:
    from tensorflow.python.framework import ops
    from tensorflow.python.ops import array_ops, control_flow_ops

    moved: list[tuple[Any, str, Any]] = [
        (control_flow_ops, "case", tf.compat.v1.case),
        (control_flow_ops, "cond", tf.compat.v1.cond),
        (control_flow_ops, "while_loop", tf.compat.v1.while_loop),
        (control_flow_ops, "Assert", tf.compat.v1.Assert),
        (array_ops, "stack", tf.stack),
        (array_ops, "unstack", tf.unstack),
        (ops, "Tensor", tf.Tensor),
        (ops, "IndexedSlices", tf.IndexedSlices),
    ]
    for module, attr, value in moved:
        if not hasattr(module, attr):
            setattr(module, attr, value)


def _fix_pillow(tf: Any) -> None:
    from PIL import ImageFont

    if hasattr(ImageFont.FreeTypeFont, "getsize"):
        return

    def getsize(self: Any, text: str, *args: Any, **kwargs: Any) -> tuple[int, int]:
        left, top, right, bottom = self.getbbox(text, *args, **kwargs)
        return right - left, bottom - top

    ImageFont.FreeTypeFont.getsize = getsize  # type: ignore[attr-defined]


def _fix_numpy(tf: Any) -> None:
    import numpy as np

    for name, value in (("float", float), ("int", int)):
        if name not in np.__dict__:
            setattr(np, name, value)


def _fix_keras_resnet(tf: Any) -> None:
    name = "object_detection.models.keras_models.resnet_v1"
    if name in sys.modules:
        return
    import tf_keras
    from tf_keras.src.applications import resnet as legacy_resnet

    # The implementation module: resnet_v1 also calls resnet.ResNet, which the
    # public tf_keras.applications.resnet does not export.
    applications = types.ModuleType("keras.applications")
    applications.resnet = legacy_resnet  # type: ignore[attr-defined]
    legacy = {
        "keras": tf_keras,
        "keras.applications": applications,
        "keras.applications.resnet": legacy_resnet,
    }
    with _temporary_modules(legacy):
        importlib.import_module(name)


FIXES: dict[str, Callable[[Any], None]] = {
    "estimator": _fix_estimator,
    "tf_slim": _fix_tf_slim,
    "pillow": _fix_pillow,
    "numpy": _fix_numpy,
    # Before tensorflow_io: deepmac_meta_arch imports resnet_v1.
    "keras_resnet": _fix_keras_resnet,
    "tensorflow_io": _fix_tensorflow_io,
}


def load_tensorflow() -> Any:
    """Import TensorFlow with legacy Keras and apply every OD API fix once.

    Returns:
        The ``tensorflow`` module.

    Raises:
        RuntimeError: TensorFlow was imported before this call without
            ``TF_USE_LEGACY_KERAS=1``; the OD API would then get Keras 3.
    """
    global _applied
    if "tensorflow" not in sys.modules:
        os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
        os.environ["TF_USE_LEGACY_KERAS"] = "1"
    elif os.environ.get("TF_USE_LEGACY_KERAS") != "1":
        raise RuntimeError(
            "TensorFlow was imported before odsweep.tfcompat without TF_USE_LEGACY_KERAS=1; "
            "the OD API needs tf-keras. Import odsweep.tfcompat first or set the variable."
        )
    import tensorflow as tf

    if not _applied:
        skip = _skipped()
        for name, fix in FIXES.items():
            if name in skip:
                logger.warning("OD API compatibility fix %r skipped (%s)", name, SKIP_ENV)
                continue
            fix(tf)
        _applied = True
    return tf


def learning_phase_scope(value: int) -> contextlib.AbstractContextManager[Any]:
    """Legacy Keras' scope that sets the global learning phase and restores it on exit.

    ``eager_eval_loop`` sets the phase to 0 for good; the evaluator wraps it in this
    scope so the train model in the same process is not affected. It lives here
    because it reaches into ``tf_keras.src``, which only this module imports.
    """
    load_tensorflow()
    from tf_keras.src import backend as keras_backend

    scope: contextlib.AbstractContextManager[Any] = (
        keras_backend.deprecated_internal_learning_phase_scope(value)
    )
    return scope
