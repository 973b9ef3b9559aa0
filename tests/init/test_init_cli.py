"""``odsweep init`` on the command line: output, refusal to overwrite, errors (exit 2)."""

from __future__ import annotations

from pathlib import Path

import pytest

from odsweep.cli.main import main
from odsweep.demodata import base_config_path
from tests.zoo import zoo_config


def test_writes_the_file_and_says_what_is_in_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "spec.yaml"
    assert main(["init", str(base_config_path()), "--output", str(out)]) == 0
    assert out.read_text().startswith("# Search space written by `odsweep init` from ssd_tiny")
    printed = capsys.readouterr().out.splitlines()
    assert printed[0].startswith(f"{out}: ssd search space with ")
    assert printed[-1] == f"next: odsweep validate {out}"
    assert [p.name for p in tmp_path.iterdir()] == ["spec.yaml"]  # no temp file left


def test_without_output_the_yaml_goes_to_stdout(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["init", str(base_config_path())]) == 0
    assert "apiVersion: odsweep/v1alpha1\nkind: SearchSpace\n" in capsys.readouterr().out


def test_an_existing_output_is_refused_without_force(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "spec.yaml"
    out.write_text("mine\n")
    assert main(["init", str(base_config_path()), "--output", str(out)]) == 2
    assert capsys.readouterr().err == (
        f"odsweep init: error: --output: {str(out)!r} already exists; pass --force to "
        "overwrite it or choose another path\n"
    )
    assert out.read_text() == "mine\n"
    assert main(["init", str(base_config_path()), "--output", str(out), "--force"]) == 0
    assert out.read_text().startswith("# Search space written by `odsweep init`")


def test_a_folder_as_output_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["init", str(base_config_path()), "--output", str(tmp_path)]) == 2
    assert f"--output: {str(tmp_path)!r} is a folder; give a file path" in capsys.readouterr().err


def test_google_readers_without_paths_exit_2_with_the_fix(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "spec.yaml"
    path = zoo_config("centernet_google_reader").path
    assert main(["init", str(path), "--output", str(out)]) == 2
    (line,) = capsys.readouterr().err.splitlines()
    assert line.startswith(f"odsweep init: error: {path}: train_input_reader (line 58), ")
    assert line.endswith("and odsweep replaces them with tf_record_input_reader")
    assert not out.exists()  # nothing half-written


def test_a_missing_config_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["init", str(tmp_path / "nope.config")]) == 2
    assert "nope.config" in capsys.readouterr().err
