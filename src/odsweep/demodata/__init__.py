"""The demo: a synthetic detection dataset odsweep generates itself, and the tiny SSD
base config (``ssd_tiny.config``) the example sweep trains on it.

Importing this package is cheap; TensorFlow is loaded only when files are written.
"""

from __future__ import annotations

from odsweep.demodata._configs import available_configs, base_config_path
from odsweep.demodata._dataset import (
    CLASS_NAMES,
    DemoDataset,
    DemoExample,
    write_demo_dataset,
)

__all__ = [
    "CLASS_NAMES",
    "DemoDataset",
    "DemoExample",
    "available_configs",
    "base_config_path",
    "write_demo_dataset",
]
