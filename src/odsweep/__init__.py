"""odsweep: hyperparameter search for TensorFlow Object Detection API models.

Optuna on one machine, Katib + Kubeflow Pipelines on a cluster, one search-space YAML.
"""

from __future__ import annotations

__version__ = "0.1.0"
__all__ = ["__version__"]
