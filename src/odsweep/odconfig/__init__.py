"""Read, validate, override and write OD API ``pipeline.config`` files.

Only the OD API's generated ``*_pb2`` modules and ``google.protobuf`` are used:
importing this package never imports TensorFlow.

Overrides are dotted proto paths as seen in the file
(``train_config.optimizer.momentum_optimizer.learning_rate.cosine_decay_learning_rate.
learning_rate_base``, ``eval_input_reader[0].shuffle``), checked against the proto
schema and the base config's oneof selections, with typed values.
"""

from __future__ import annotations

from odsweep.odconfig._branches import (
    OneofRef,
    completeness_problems,
    names_oneof,
    resolve_oneof,
)
from odsweep.odconfig._external import load_config_with_data
from odsweep.odconfig._io import (
    config_to_text,
    label_map_num_classes,
    load_pipeline_config,
    parse_pipeline_config,
    write_pipeline_config,
)
from odsweep.odconfig._keypoints import (
    has_keypoint_tasks,
    keypoint_drop_overrides,
    label_map_has_keypoints,
)
from odsweep.odconfig._metrics import eval_metric_names
from odsweep.odconfig._overrides import apply_overrides, set_field
from odsweep.odconfig._pipeline import (
    learning_rate_schedule,
    model_num_classes,
    set_data_paths,
    set_num_train_steps,
    warmup_problem,
)
from odsweep.odconfig._schema import FieldKind, FieldRef, PathSegment, parse_path, resolve_field
from odsweep.odconfig._values import coerce_value
from odsweep.odconfig._warmstart import (
    accepted_fine_tune_types,
    fine_tune_problems,
    fine_tune_type,
)

__all__ = [
    "FieldKind",
    "FieldRef",
    "OneofRef",
    "PathSegment",
    "accepted_fine_tune_types",
    "apply_overrides",
    "coerce_value",
    "completeness_problems",
    "config_to_text",
    "eval_metric_names",
    "fine_tune_problems",
    "fine_tune_type",
    "has_keypoint_tasks",
    "keypoint_drop_overrides",
    "label_map_has_keypoints",
    "label_map_num_classes",
    "learning_rate_schedule",
    "load_config_with_data",
    "load_pipeline_config",
    "model_num_classes",
    "names_oneof",
    "parse_path",
    "parse_pipeline_config",
    "resolve_field",
    "resolve_oneof",
    "set_data_paths",
    "set_field",
    "set_num_train_steps",
    "warmup_problem",
    "write_pipeline_config",
]
