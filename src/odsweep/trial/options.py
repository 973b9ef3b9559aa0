"""What one trial is asked to do: a frozen value both engines build the same way."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from odsweep.spec import DEFAULT_STALL_TIMEOUT_SECONDS, ObjectiveType

DEFAULT_KEEP_CHECKPOINTS = 7  # the OD API's own default (train_loop checkpoint_max_to_keep)
DEFAULT_STEPS_PER_LOOP = 100  # the OD API's NUM_STEPS_PER_ITERATION


@dataclass(frozen=True)
class TrialOptions:
    """One trial.

    Attributes:
        pipeline_config: The base ``pipeline.config`` (local path or ``gs://``).
        trial_dir: Where the trial writes everything; its name is the trial's name.
        num_train_steps: Training steps in all.
        checkpoint_every_n: A checkpoint (and an eval) every N steps, and one at the end.
        metric: The objective metric, an OD API eval metric name.
        objective: Whether ``metric`` is maximized or minimized.
        overrides: ``(config path, value)`` pairs applied in order (later wins).
        params: The trial's parameters as reported in ``result.json``.
        train_input / eval_input / label_map: Replace the config's data paths.
        sample_1_of_n_eval: Evaluate on every n-th eval example.
        seed: Seeds Python, NumPy and TensorFlow for this trial.
        keep_checkpoints: Rotation keeps the newest N (the best is kept apart).
        steps_per_loop: Train steps per ``tf.function`` call (logging cadence).
        stall_timeout_seconds: No training step and no eval for this long fails the trial.
        time_limit_seconds: The whole trial fails after this long; None: no limit.
        serving_cost: At the end, export the best checkpoint and measure its serving
            cost (the ``Serving/*`` metrics); set when the search names one.
        export_input_type: The input type that export (and the measurement) uses.
    """

    pipeline_config: str
    trial_dir: str
    num_train_steps: int
    checkpoint_every_n: int
    metric: str
    objective: ObjectiveType
    overrides: tuple[tuple[str, Any], ...] = ()
    params: Mapping[str, Any] = field(default_factory=dict)
    train_input: str | None = None
    eval_input: str | None = None
    label_map: str | None = None
    sample_1_of_n_eval: int | None = None
    seed: int = 0
    keep_checkpoints: int = DEFAULT_KEEP_CHECKPOINTS
    steps_per_loop: int = DEFAULT_STEPS_PER_LOOP
    stall_timeout_seconds: float = DEFAULT_STALL_TIMEOUT_SECONDS
    time_limit_seconds: float | None = None
    serving_cost: bool = False
    export_input_type: str = "image_tensor"

    @property
    def name(self) -> str:
        """The trial's name: its directory's last component."""
        return self.trial_dir.rstrip("/").rsplit("/", 1)[-1]

    def checkpoint_steps(self) -> list[int]:
        """The steps at which a checkpoint is written and evaluated (step 0 never)."""
        steps = list(
            range(self.checkpoint_every_n, self.num_train_steps + 1, self.checkpoint_every_n)
        )
        if not steps or steps[-1] != self.num_train_steps:
            steps.append(self.num_train_steps)
        return steps
