"""``odsweep run --backend``: the guards that keep the two engines' flags apart."""

from __future__ import annotations

from pathlib import Path

import pytest

from odsweep.cli.main import main
from tests.test_validation import data, spec_file  # noqa: F401 - the fixture is used

pytestmark = pytest.mark.usefixtures("data")


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    code = main(["run", *argv])
    return code, capsys.readouterr().err


def test_katib_needs_a_gs_output(capsys: pytest.CaptureFixture[str], data: Path) -> None:  # noqa: F811
    code, err = run(capsys, spec_file(data), "--backend", "katib")
    assert code == 2 and "--backend katib: give --output gs://BUCKET/PATH" in err


def test_katib_refuses_a_local_output(capsys: pytest.CaptureFixture[str], data: Path) -> None:  # noqa: F811
    code, err = run(
        capsys,
        spec_file(data, cluster={"image": "registry.example/odsweep:1"}),
        "--backend", "katib", "--output", str(data / "out"),
    )  # fmt: skip
    assert code == 2 and "gs://" in err and "model_dir" in err.lower().replace("-", "_")


def test_katib_flags_are_refused_for_the_local_engine(
    capsys: pytest.CaptureFixture[str],
    data: Path,  # noqa: F811
) -> None:
    code, err = run(capsys, spec_file(data), "--namespace", "team-a")
    assert code == 2 and "--namespace: only with --backend katib" in err
