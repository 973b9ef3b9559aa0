"""Shared fixtures for odsweep.export tests: the session's trained trial, exported once.

Exports are slow (~20-40 s each on 2 cores), so each real export is made once and
inspected by several tests; the trial itself is ``tests.trained_fixtures.trained``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from tests.trained_fixtures import Trained

from odsweep.export import ExportResult, export_checkpoint, export_trial


@pytest.fixture(scope="session")
def model_base(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A TF Serving base that already holds non-numeric folders TF Serving ignores."""
    base = tmp_path_factory.mktemp("serving") / "detector"
    (base / ".staging-x").mkdir(parents=True)
    (base / "foo").mkdir()
    return base


@pytest.fixture(scope="session")
def exported(trained: Trained, model_base: Path) -> ExportResult:
    """ckpt-10 exported as image_tensor: NOT the trial folder's latest checkpoint (ckpt-20)."""
    return export_checkpoint(
        pipeline_config=trained.pipeline_config,
        checkpoint=trained.checkpoint(10),
        output_base=str(model_base),
        input_type="image_tensor",
        provenance={"study": "s-1", "params": {"lr": 0.01}},
    )


@pytest.fixture(scope="session")
def exported_trial(trained: Trained, model_base: Path, exported: ExportResult) -> ExportResult:
    """The trial's best checkpoint as tf_example, into the same base after ``exported``."""
    return export_trial(str(trained.trial_dir), str(model_base), input_type="tf_example")


@pytest.fixture(scope="session")
def tf() -> Any:
    from odsweep.tfcompat import load_tensorflow

    return load_tensorflow()
