"""Which ``fine_tune_checkpoint_type`` each meta-architecture restores (OD API TF2).

Read from each meta-architecture's ``restore_from_objects`` (the map
``model_lib_v2.load_fine_tune_checkpoint`` restores):

- ``ssd`` and ``faster_rcnn`` (Mask R-CNN included): ``detection`` (feature
  extractor), ``classification`` (the backbone alone), ``full`` (the whole model);
- ``center_net``: the same three, but ``fine_tune`` (its old name for ``detection``)
  raises, and the Hourglass feature extractors have no classification backbone
  (``CenterNetFeatureExtractor.classification_backbone`` raises);
- ``experimental_model``: whatever the registered model does; not checked here.

Refusing by rule here costs nothing; the variable-level check (does the checkpoint
fit the model) needs TensorFlow and lives in the trial's pre-flight.
"""

from __future__ import annotations

from typing import Any

from object_detection.protos import train_pb2

TYPE_FIX = "set spec.fineTuneCheckpointType (or --set train_config.fine_tune_checkpoint_type=)"

_COMMON = ("detection", "classification", "full")


def fine_tune_type(config: Any) -> str:
    """The type the OD API will use: the config's, else its legacy default
    (``config_util.update_fine_tune_checkpoint_type``: ``detection`` when
    ``from_detection_checkpoint`` is set, else ``classification``)."""
    train = config.train_config
    if train.fine_tune_checkpoint_type:
        return str(train.fine_tune_checkpoint_type)
    return "detection" if train.from_detection_checkpoint else "classification"


def accepted_fine_tune_types(config: Any) -> tuple[str, ...] | None:
    """The types this config's model restores; None when unknown (experimental models)."""
    arch = config.model.WhichOneof("model")
    if arch in ("ssd", "faster_rcnn"):
        return _COMMON
    if arch == "center_net":
        extractor = config.model.center_net.feature_extractor.type
        if extractor.startswith("hourglass"):
            return ("detection", "full")
        return _COMMON
    return None


def fine_tune_problems(config: Any) -> list[str]:
    """Why the config's warm start cannot work for its model (its type, its checkpoint
    version), one line each; asked only when ``train_config.fine_tune_checkpoint`` is set.
    """
    problems = []
    kind_problem = _type_problem(config)
    if kind_problem:
        problems.append(kind_problem)
    # The field's proto default is V1 (name-based TF1 checkpoints), which the TF2 loop
    # refuses (load_fine_tune_checkpoint: "Checkpoint version should be V2").
    version = config.train_config.fine_tune_checkpoint_version
    if version != train_pb2.CheckpointVersion.V2:
        problems.append(
            "train_config.fine_tune_checkpoint_version: the OD API TF2 loop loads only V2 "
            f"(object-based) checkpoints, got {train_pb2.CheckpointVersion.Name(version)}; "
            "set it to V2 (spec.fineTuneCheckpoint does) or "
            "--set train_config.fine_tune_checkpoint_version=V2"
        )
    return problems


def _type_problem(config: Any) -> str | None:
    kind = fine_tune_type(config)
    accepted = accepted_fine_tune_types(config)
    if accepted is None or kind in accepted:
        return None
    arch = config.model.WhichOneof("model")
    key = "train_config.fine_tune_checkpoint_type"
    if arch == "center_net" and kind == "fine_tune":
        return (
            f"{key}: center_net no longer accepts 'fine_tune' (the OD API TF2 raises), got "
            f"'fine_tune'; use detection, which restores the same feature extractor: {TYPE_FIX}"
        )
    model = arch
    if arch == "center_net":
        model = (
            f"center_net with feature extractor {config.model.center_net.feature_extractor.type!r}"
        )
        if kind == "classification":
            model += " (no classification backbone)"
    return f"{key}: {model} accepts {', '.join(accepted)}, got {kind!r}; {TYPE_FIX}"
