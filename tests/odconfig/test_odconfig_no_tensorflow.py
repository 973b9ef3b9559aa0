"""odsweep.odconfig must stay importable without TensorFlow (fast CLI, light images)."""

from __future__ import annotations

import subprocess
import sys

CHECK = (
    "import sys, odsweep.odconfig\n"
    "heavy = ('tensorflow', 'keras', 'tf_keras')\n"
    "bad = sorted(m for m in sys.modules if m.split('.')[0] in heavy)\n"
    "assert not bad, bad\n"
)


def test_import_does_not_pull_in_tensorflow() -> None:
    # A fresh interpreter: other tests in this session may have imported TensorFlow.
    result = subprocess.run(
        [sys.executable, "-c", CHECK], capture_output=True, text=True, timeout=120, check=False
    )
    assert result.returncode == 0, result.stderr
