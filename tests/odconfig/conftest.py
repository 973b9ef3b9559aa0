"""Shared fixtures for odsweep.odconfig tests (no TensorFlow anywhere)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from odsweep.odconfig import load_pipeline_config

# Test modules compute their own paths: importing from conftest would clash with
# other test folders' conftest modules.
TINY_SSD = Path(__file__).parent / "fixtures" / "tiny_ssd.config"


@pytest.fixture
def tiny() -> Any:
    """A fresh parse of the hand-written SSD fixture (tests may mutate it)."""
    return load_pipeline_config(TINY_SSD)
