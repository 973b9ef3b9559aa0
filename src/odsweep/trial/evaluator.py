"""Evaluate checkpoints with the OD API's COCO evaluators, building the eval model once.

The stock ``eval_continuously`` builds the model and dataset in a separate
process and only looks at the newest checkpoint when it wakes up; here the eval
model and dataset are built once per trial and every checkpoint is restored into
them as it is written.
"""

from __future__ import annotations

import contextlib
import logging
import math
import sys
import warnings
from typing import Any

from odsweep.tfcompat import learning_phase_scope, load_tensorflow
from odsweep.trial.per_category import enable_per_category

logger = logging.getLogger(__name__)


class Evaluator:
    """Restores a checkpoint into a private eval model and runs the OD API eval loop.

    Args:
        configs: The OD API config dict (``config_util.create_configs_from_pipeline_proto``).
        strategy: The distribution strategy the trial trains under.
        summary_dir: Where the eval TensorBoard event files go.
    """

    def __init__(self, configs: dict[str, Any], strategy: Any, summary_dir: str) -> None:
        self._tf = load_tensorflow()
        self._configs = configs
        self._strategy = strategy
        self._summary_dir = summary_dir
        self._built = False

    def _build(self) -> None:
        tf = self._tf
        from object_detection import inputs, model_lib_v2
        from object_detection.builders import optimizer_builder

        configs = self._configs
        # Per-class AP for the report; in memory only (see odsweep.trial.per_category).
        enable_per_category(configs["eval_config"])
        with self._strategy.scope():
            # is_training=True as eval_continuously does: eager_eval_loop switches the
            # model to inference itself, and the variables must match the train model's.
            self._model = model_lib_v2.MODEL_BUILD_UTIL_MAP["detection_model_fn_base"](
                model_config=configs["model"], is_training=True
            )
            self._global_step = tf.Variable(0, trainable=False, dtype=tf.int64)
            # The optimizer holds the moving averages when use_moving_averages is on.
            self._optimizer, _ = optimizer_builder.build(
                configs["train_config"].optimizer, global_step=self._global_step
            )
        self._dataset = self._strategy.experimental_distribute_dataset(
            inputs.eval_input(
                eval_config=configs["eval_config"],
                eval_input_config=configs["eval_input_configs"][0],
                model_config=configs["model"],
                model=self._model,
            )
        )
        self._ckpt = tf.train.Checkpoint(
            step=self._global_step, model=self._model, optimizer=self._optimizer
        )
        self._writer = tf.summary.create_file_writer(self._summary_dir)
        self._moving_averages = bool(configs["eval_config"].use_moving_averages)
        self._shadowed = False
        self._built = True

    def evaluate(self, checkpoint: str) -> dict[str, float]:
        """Evaluate one checkpoint; returns every metric the OD API computed, as floats."""
        if not self._built:
            self._build()
        from object_detection import model_lib_v2

        # Fix 7 of tfcompat's list: swapping in the moving averages must happen under
        # the strategy's scope ("Swapping weights must occur under a
        # tf.distribute.Strategy"); eval_continuously does it outside.
        with self._strategy.scope():
            if self._moving_averages and not self._shadowed:
                unpad = self._configs["eval_config"].batch_size == 1
                model_lib_v2._ensure_model_is_built(self._model, self._dataset, unpad)
                self._optimizer.shadow_copy(self._model)
                self._shadowed = True
            self._ckpt.restore(checkpoint).expect_partial()
            if self._moving_averages:
                self._optimizer.swap_weights()
            # eager_eval_loop sets Keras' global learning phase to 0; the scope puts it
            # back afterwards so the train model in this process is not affected.
            # pycocotools prints its summary table with print(): keep stdout for the
            # metric lines alone (Katib's collector reads it).
            with (
                learning_phase_scope(0),
                self._writer.as_default(),
                contextlib.redirect_stdout(sys.stderr),
                warnings.catch_warnings(),
            ):
                warnings.filterwarnings("ignore", message=".*set_learning_phase.*")
                raw = model_lib_v2.eager_eval_loop(
                    self._model,
                    self._configs,
                    self._dataset,
                    global_step=self._global_step,
                )
        self._writer.flush()
        metrics = {}
        for name, value in raw.items():
            number = float(value.numpy() if hasattr(value, "numpy") else value)
            metrics[str(name)] = number
        nonfinite = sorted(k for k, v in metrics.items() if not math.isfinite(v))
        if nonfinite:
            logger.warning("eval at %s: non-finite metrics %s", checkpoint, nonfinite)
        return metrics
