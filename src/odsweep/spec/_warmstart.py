"""The warm start of every trial: ``spec.fineTuneCheckpoint`` and its type. Pure.

A warm start is fixed for the whole search (a searched checkpoint would make trials
differ in what they start from, not in their hyperparameters), so it has spec keys of
its own and no parameter may write the OD API's ``train_config.fine_tune_checkpoint*``
fields. Which types a model accepts depends on its meta-architecture: that rule needs
the pipeline config and lives in :mod:`odsweep.odconfig` (``fine_tune_type_problem``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

from odsweep.spec._problems import Problems, Reader

CHECKPOINT_KEY = "fineTuneCheckpoint"
TYPE_KEY = "fineTuneCheckpointType"

# The OD API fields a warm start sets (TrainConfig); a parameter may write none of them.
CHECKPOINT_PATH = "train_config.fine_tune_checkpoint"
TYPE_PATH = "train_config.fine_tune_checkpoint_type"
VERSION_PATH = "train_config.fine_tune_checkpoint_version"
# The deprecated switch the OD API still reads when the type is empty
# (config_util.update_fine_tune_checkpoint_type).
_LEGACY_PATH = "train_config.from_detection_checkpoint"


class CheckpointType(StrEnum):
    """What a warm start restores (the OD API's ``fine_tune_checkpoint_type``).

    ``fine_tune`` is CenterNet's old name for ``detection``: the OD API (TF2) now
    refuses it; it is accepted here so that the refusal can name the fix.
    """

    DETECTION = "detection"
    CLASSIFICATION = "classification"
    FULL = "full"
    FINE_TUNE = "fine_tune"


@dataclass(frozen=True)
class WarmStart:
    """The checkpoint every fresh trial starts from.

    Attributes:
        checkpoint: A checkpoint prefix (``.../ckpt-0``), local (resolved) or ``gs://``.
        checkpoint_type: Which part of the model it restores.
    """

    checkpoint: str
    checkpoint_type: CheckpointType

    def overrides(self) -> tuple[tuple[str, object], ...]:
        """The config fields it sets, as ``(path, value)`` pairs. ``V2``: the TF2
        (object-based) checkpoint format, the only one the OD API TF2 loop loads."""
        return (
            (CHECKPOINT_PATH, self.checkpoint),
            (TYPE_PATH, self.checkpoint_type.value),
            (VERSION_PATH, "V2"),
        )


def is_warm_start_path(config_path: str) -> bool:
    """True for a config path that belongs to the warm start (set by the spec keys)."""
    return config_path.startswith(CHECKPOINT_PATH) or config_path == _LEGACY_PATH


def warm_start_path_rule() -> tuple[str, str]:
    """``(rule, fix)`` for a parameter whose configPath is a warm-start field."""
    return (
        "is part of the warm start, which is fixed for the whole search, not searched",
        f"set spec.{CHECKPOINT_KEY} and spec.{TYPE_KEY} instead",
    )


def parse_warm_start(
    spec: Reader, checkpoint: str | None, overrides: Mapping[str, object]
) -> WarmStart | None:
    """The warm start from the spec keys (``checkpoint`` is the resolved path of
    ``fineTuneCheckpoint``, None when absent or invalid); problems go to ``spec.problems``.
    """
    problems: Problems = spec.problems
    kinds = {t.value: t.value for t in CheckpointType}
    kind = None
    if spec.has(TYPE_KEY):
        kind = spec.choice(TYPE_KEY, kinds, required=False)
        if kind is not None and not spec.has(CHECKPOINT_KEY):
            problems.add(
                spec.at(TYPE_KEY),
                f"needs spec.{CHECKPOINT_KEY}",
                kind,
                f"add spec.{CHECKPOINT_KEY}: <checkpoint prefix> or remove spec.{TYPE_KEY}",
            )
    elif spec.has(CHECKPOINT_KEY):
        # The OD API's own default (classification unless from_detection_checkpoint)
        # silently restores only the backbone: the type is asked for, not guessed.
        problems.add(
            spec.at(TYPE_KEY),
            f"is required with spec.{CHECKPOINT_KEY}",
            fix=f"add {TYPE_KEY}: detection (backbone and feature layers), classification "
            "(backbone only) or full (the whole model)",
        )
    if spec.has(CHECKPOINT_KEY):
        for path in overrides:
            if is_warm_start_path(path):
                problems.add(
                    f"spec.overrides.{path}",
                    f"is also set by spec.{CHECKPOINT_KEY}",
                    overrides[path],
                    f"remove it from spec.overrides (spec.{CHECKPOINT_KEY} and "
                    f"spec.{TYPE_KEY} set the warm start)",
                )
    if checkpoint is None or kind is None:
        return None
    return WarmStart(checkpoint, CheckpointType(kind))


def warm_start_to_dict(warm_start: WarmStart | None) -> dict[str, str]:
    """The spec keys of ``warm_start`` (none when there is none)."""
    if warm_start is None:
        return {}
    return {CHECKPOINT_KEY: warm_start.checkpoint, TYPE_KEY: warm_start.checkpoint_type.value}
