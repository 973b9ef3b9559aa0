"""Datasets odsweep generates itself: the synthetic demo data the example sweep runs on.

Importing this package is cheap; TensorFlow is loaded only when files are written.
"""

from __future__ import annotations

from odsweep.data.demo import CLASS_NAMES, DemoDataset, DemoExample, write_demo_dataset

__all__ = ["CLASS_NAMES", "DemoDataset", "DemoExample", "write_demo_dataset"]
