"""Post-processing tuned without retraining (``odsweep tune-postprocess``).

A trained detector's post-processing (score threshold, NMS IoU threshold, detections
kept per class and in all; CenterNet's peaks kept) changes what it outputs without
changing a weight. This package re-evaluates one checkpoint under a grid of such
settings (eval only, one eval model per setting), reports each setting's COCO metrics,
its operating point (precision/recall/F1 at IoU 0.5 of the kept detections) and, when
measured, its serving cost, chooses one under the constraints and exports it the way a
sweep's winner is exported.

- :mod:`._grid`: the knobs of each family, the grid, a setting applied to a config.
- :mod:`._choose`: the constraints and the choice (pure).
- :mod:`._tune`: one trial's tuning, its records and export.
- :mod:`._sweep`: the same for a sweep's winner (``odsweep tune-postprocess DIR``).

Importing this package does not load TensorFlow.
"""

from __future__ import annotations

from odsweep.postprocess._choose import (
    Candidate,
    NoSettingFits,
    choose,
    parse_constraint,
)
from odsweep.postprocess._grid import (
    Knob,
    Setting,
    apply_setting,
    build_grid,
    current_values,
    family_of,
    parse_grid,
    parse_values,
    supported_knobs,
)
from odsweep.postprocess._sweep import CHOOSE_BY, POSTPROCESS_DIR, spec_constraints, tune_sweep
from odsweep.postprocess._tune import (
    RESULTS_FILE,
    SETTINGS_DIR,
    TABLE_FILE,
    SettingResult,
    TuneRequest,
    TuneResult,
    plan,
    tune,
)

__all__ = [
    "CHOOSE_BY",
    "POSTPROCESS_DIR",
    "RESULTS_FILE",
    "SETTINGS_DIR",
    "TABLE_FILE",
    "Candidate",
    "Knob",
    "NoSettingFits",
    "Setting",
    "SettingResult",
    "TuneRequest",
    "TuneResult",
    "apply_setting",
    "build_grid",
    "choose",
    "current_values",
    "family_of",
    "parse_constraint",
    "parse_grid",
    "parse_values",
    "plan",
    "spec_constraints",
    "supported_knobs",
    "tune",
    "tune_sweep",
]
