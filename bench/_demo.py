"""What the benchmarks share: a committed search space pointed at the demo data."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
TINY_CONFIG = ROOT / "src" / "odsweep" / "demodata" / "ssd_tiny.config"


def demo_search_space(file_name: str, data: Path) -> dict[str, Any]:
    """``search_spaces/<file_name>`` with the tiny SSD config and the demo data at
    ``data`` (as ``odsweep demo-data`` writes it) in place of its relative paths."""
    doc: dict[str, Any] = yaml.safe_load((ROOT / "search_spaces" / file_name).read_text())
    spec = doc["spec"]
    spec["pipelineConfigPath"] = str(TINY_CONFIG)
    spec["trainInputPath"] = str(data / "train-*.tfrecord")
    spec["evalInputPath"] = str(data / "eval-*.tfrecord")
    spec["labelMapPath"] = str(data / "label_map.pbtxt")
    return doc
