"""The OD API TF2 training loop, built so that the trial can act at each checkpoint.

It builds the model, optimizer, input and train step exactly as
``model_lib_v2.train_loop`` does (same OD API functions: ``eager_train_step``,
``inputs.train_input``, ``optimizer_builder``, ``load_fine_tune_checkpoint``), but
hands control back every ``steps`` steps: ``train_loop`` has no hook for "a
checkpoint was written", writes no final checkpoint and numbers checkpoints
1, 2, 3 rather than by step.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import Any

from odsweep.tfcompat import load_tensorflow

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class SegmentStats:
    """What one call of the compiled train step did."""

    step: int
    losses: dict[str, float]
    learning_rate: float
    steps_per_sec: float


def make_strategy() -> Any:
    """MirroredStrategy over every GPU when there are several, else the default strategy."""
    tf = load_tensorflow()
    gpus = tf.config.list_logical_devices("GPU")
    if len(gpus) > 1:
        logger.info("training on %d GPUs with MirroredStrategy", len(gpus))
        return tf.distribute.MirroredStrategy()
    return tf.distribute.get_strategy()


class Trainer:
    """Owns the train model, optimizer, input iterator and checkpoint manager.

    Args:
        configs: The OD API config dict.
        strategy: Distribution strategy (see :func:`make_strategy`).
        model_dir: Checkpoints go here as ``ckpt-<step>``; train summaries in ``train/``.
        keep_checkpoints: How many recent checkpoints rotation keeps.
        warm_start: Load ``train_config.fine_tune_checkpoint`` (a fresh trial); False
            when the trial resumes from its own checkpoint, which restores everything.
    """

    def __init__(
        self,
        configs: dict[str, Any],
        strategy: Any,
        model_dir: str,
        *,
        keep_checkpoints: int,
        warm_start: bool = True,
    ) -> None:
        tf = self._tf = load_tensorflow()
        from object_detection import inputs, model_lib_v2
        from object_detection.builders import optimizer_builder
        from object_detection.utils import config_util, variables_helper

        self._strategy = strategy
        model_config = configs["model"]
        train_config = configs["train_config"]
        train_input_config = configs["train_input_config"]
        unpad = train_config.unpad_groundtruth_tensors
        add_regularization_loss = train_config.add_regularization_loss
        clip = train_config.gradient_clipping_by_norm or None
        config_util.update_fine_tune_checkpoint_type(train_config)

        with strategy.scope():
            model = model_lib_v2.MODEL_BUILD_UTIL_MAP["detection_model_fn_base"](
                model_config=model_config, is_training=True, add_summaries=True
            )

            def dataset_fn(input_context: Any) -> Any:
                return inputs.train_input(
                    train_config=train_config,
                    train_input_config=train_input_config,
                    model_config=model_config,
                    model=model,
                    input_context=input_context,
                ).repeat()

            dataset = strategy.distribute_datasets_from_function(dataset_fn)
            self.global_step = tf.Variable(
                0,
                trainable=False,
                dtype=tf.int64,
                name="global_step",
                aggregation=tf.VariableAggregation.ONLY_FIRST_REPLICA,
            )
            optimizer, (learning_rate,) = optimizer_builder.build(
                train_config.optimizer, global_step=self.global_step
            )
            if train_config.optimizer.use_moving_average:
                model_lib_v2._ensure_model_is_built(model, dataset, unpad)
                optimizer.shadow_copy(model)
            self._learning_rate = (
                learning_rate if callable(learning_rate) else (lambda: learning_rate)
            )

        self._writer = tf.summary.create_file_writer(f"{model_dir}/train")
        with strategy.scope():
            if warm_start and train_config.fine_tune_checkpoint:
                variables_helper.ensure_checkpoint_supported(
                    train_config.fine_tune_checkpoint,
                    train_config.fine_tune_checkpoint_type,
                    model_dir,
                )
                model_lib_v2.load_fine_tune_checkpoint(
                    model,
                    train_config.fine_tune_checkpoint,
                    train_config.fine_tune_checkpoint_type,
                    train_config.fine_tune_checkpoint_version,
                    train_config.run_fine_tune_checkpoint_dummy_computation,
                    dataset,
                    unpad,
                )
                self._start_schedule_at_zero(model)
            self._ckpt = tf.train.Checkpoint(
                step=self.global_step, model=model, optimizer=optimizer
            )
            self._manager = tf.train.CheckpointManager(
                self._ckpt, model_dir, max_to_keep=keep_checkpoints
            )

        global_step = self.global_step

        def train_step_fn(features: Any, labels: Any) -> Any:
            losses = model_lib_v2.eager_train_step(
                model,
                features,
                labels,
                unpad,
                optimizer,
                training_step=global_step,
                add_regularization_loss=add_regularization_loss,
                clip_gradients_value=clip,
                num_replicas=strategy.num_replicas_in_sync,
            )
            global_step.assign_add(1)
            return losses

        def sample_and_train(iterator: Any) -> Any:
            features, labels = next(iterator)
            per_replica = strategy.run(train_step_fn, args=(features, labels))
            return model_lib_v2.reduce_dict(strategy, per_replica, tf.distribute.ReduceOp.SUM)

        def train_steps(iterator: Any, num_steps: Any) -> Any:
            # A tensor step count: one trace serves every segment length.
            for _ in tf.range(num_steps - 1):
                with tf.name_scope(""):
                    sample_and_train(iterator)
            return sample_and_train(iterator)

        self._train_steps = tf.function(train_steps)
        self._iterator = iter(dataset)

    def _start_schedule_at_zero(self, model: Any) -> None:
        """A warm-started trial counts its steps (and its learning-rate schedule) from 0.

        The OD API model tracks the global step as ``_training_step`` once a train step
        has run, and a ``full`` checkpoint holds it: restored, it made a warm-started
        trial begin at the source's step (measured: step 21 after one step from a
        ckpt-20). Binding the step now makes that deferred restore happen here, where
        it is undone; the train step binds the same variable again later.
        """
        model._training_step = self.global_step
        if self.step != 0:
            logger.info("the warm start restored step %d; this trial starts at 0", self.step)
            self.global_step.assign(0)

    @property
    def step(self) -> int:
        return int(self.global_step.numpy())

    def train(self, num_steps: int) -> SegmentStats:
        """Run ``num_steps`` training steps in one compiled call; write train summaries."""
        tf = self._tf
        start = time.perf_counter()
        with self._strategy.scope():
            losses = self._train_steps(self._iterator, tf.constant(num_steps, dtype=tf.int32))
        losses_np = {str(k): float(v.numpy()) for k, v in losses.items()}
        elapsed = time.perf_counter() - start
        stats = SegmentStats(
            step=self.step,
            losses=losses_np,
            learning_rate=float(self._learning_rate()),
            steps_per_sec=num_steps / elapsed if elapsed > 0 else float("inf"),
        )
        with self._writer.as_default(step=stats.step):
            for name, value in stats.losses.items():
                tf.summary.scalar(name, value)
            tf.summary.scalar("learning_rate", stats.learning_rate)
            tf.summary.scalar("steps_per_sec", stats.steps_per_sec)
        return stats

    def restore(self, checkpoint: str) -> int:
        """Restore model, optimizer (slots included, as they are created) and global step
        from ``checkpoint``; returns the step. The learning rate is a function of the
        global step, so the schedule continues where the checkpoint left it."""
        with self._strategy.scope():
            status = self._ckpt.restore(checkpoint)
        # Variables built so far must all match; the rest (built on the first step)
        # are restored as they are created.
        status.assert_existing_objects_matched()
        return self.step

    def save(self) -> str:
        """Write a checkpoint numbered by the global step; returns its prefix."""
        path: str = self._manager.save(checkpoint_number=self.step)
        self._writer.flush()
        return path


# The checkpoint key of the global step, as ``tf.train.Checkpoint(step=...)`` saves it.
_STEP_KEY = "step/.ATTRIBUTES/VARIABLE_VALUE"


def checkpoint_problem(checkpoint: str, step: int) -> str | None:
    """Why ``checkpoint`` cannot be resumed from (None when it can): every tensor is read
    (TensorFlow checks each one's CRC), and the saved step must match its name."""
    tf = load_tensorflow()
    try:
        reader = tf.train.load_checkpoint(checkpoint)
        for key in reader.get_variable_to_shape_map():
            reader.get_tensor(key)
        saved = int(reader.get_tensor(_STEP_KEY))
    except Exception as exc:  # any read error means "do not resume from it"
        why = " ".join(str(exc).split())[:200] or type(exc).__name__
        return f"its checkpoint {checkpoint} is unreadable ({why})"
    if saved != step:
        return f"its checkpoint {checkpoint} holds step {saved}, not {step}"
    return None
