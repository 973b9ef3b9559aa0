"""Each OD API compatibility fix is needed (the probe fails without it) and works."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from odsweep import tfcompat

pytestmark = pytest.mark.tf

PROBE = Path(__file__).with_name("probe.py")

# What each check raises when its fix is left out: the failure the fix exists for.
EXPECTED_WITHOUT = {
    "estimator": "cannot import name 'estimator'",
    "tensorflow_io": "No module named 'tensorflow_io'",
    "tf_slim": "control_flow_ops' has no attribute 'case'",
    "pillow": "has no attribute 'getsize'",
    "numpy": "has no attribute 'float'",
    "keras_resnet": "has no attribute 'ResNet'",
}


def _probe(skip: str) -> dict[str, str]:
    env = {**os.environ, tfcompat.SKIP_ENV: skip}
    proc = subprocess.run(
        [sys.executable, str(PROBE)], env=env, capture_output=True, text=True, timeout=300
    )
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("PROBE ")]
    assert lines, f"probe printed no result:\n{proc.stderr[-3000:]}"
    result: dict[str, str] = json.loads(lines[-1][len("PROBE ") :])
    return result


@pytest.fixture(scope="module")
def with_fixes() -> dict[str, str]:
    return _probe("")


@pytest.fixture(scope="module")
def without_fixes() -> dict[str, str]:
    # The checks are independent of each other, so one process with every fix
    # left out shows each failure.
    return _probe(",".join(tfcompat.FIXES))


def test_every_fix_has_a_check() -> None:
    assert set(EXPECTED_WITHOUT) == set(tfcompat.FIXES)


@pytest.mark.parametrize("fix", sorted(EXPECTED_WITHOUT))
def test_fix_is_needed(fix: str, without_fixes: dict[str, str]) -> None:
    assert EXPECTED_WITHOUT[fix] in without_fixes[fix]


@pytest.mark.parametrize("fix", sorted(EXPECTED_WITHOUT))
def test_fix_works(fix: str, with_fixes: dict[str, str]) -> None:
    assert with_fixes[fix] == "ok"


def test_legacy_keras_is_set_before_tensorflow() -> None:
    code = (
        "import os, sys; from odsweep.tfcompat import load_tensorflow; tf = load_tensorflow();"
        "import tf_keras; print(os.environ['TF_USE_LEGACY_KERAS'],"
        " tf.keras.layers.Dense is tf_keras.layers.Dense)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=300, check=True
    ).stdout.split()
    assert out[-2:] == ["1", "True"]


def test_tensorflow_imported_first_without_legacy_keras_is_refused() -> None:
    code = (
        "import os; os.environ.pop('TF_USE_LEGACY_KERAS', None); import tensorflow;"
        "from odsweep.tfcompat import load_tensorflow; load_tensorflow()"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert proc.returncode != 0
    assert "without TF_USE_LEGACY_KERAS=1" in proc.stderr


def test_tensorflow_io_stub_does_not_leak() -> None:
    code = (
        "import sys; from odsweep.tfcompat import load_tensorflow; load_tensorflow();"
        "print('tensorflow_io' in sys.modules)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=300, check=True
    ).stdout.split()
    assert out[-1] == "False"
