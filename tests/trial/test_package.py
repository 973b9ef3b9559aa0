"""The trial package's face: its names, and what importing it loads."""

from __future__ import annotations

import subprocess
import sys

import pytest

import odsweep.trial


def test_importing_the_package_loads_neither_tensorflow_nor_the_od_api() -> None:
    code = (
        "import sys, odsweep.trial; "
        "print(sorted(m for m in ('tensorflow', 'object_detection') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_every_public_name_resolves() -> None:
    from odsweep.trial.runner import run_trial

    assert odsweep.trial.run_trial is run_trial
    for name in odsweep.trial.__all__:
        assert getattr(odsweep.trial, name) is not None


def test_an_unknown_name_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match=r"^module 'odsweep\.trial' has no attribute 'nope'$"):
        _ = odsweep.trial.nope  # type: ignore[attr-defined]
