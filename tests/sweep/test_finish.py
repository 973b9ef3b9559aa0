"""The end of a sweep, written once: the rules every caller shares (no TensorFlow here)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

import odsweep.export
from odsweep import storage
from odsweep.cli.main import main
from odsweep.demodata import base_config_path
from odsweep.errors import EXIT_OK
from odsweep.export import ExportResult, VerifyResult
from odsweep.results import TrialStatus, read_best, write_result
from tests.report.report_fixtures import trial
from tests.spec.spec_fixtures import valid_doc

EVAL_GLOB = "/data/from-the-config/eval-?????-of-00001.tfrecord"


class RecordedExport:
    """Stands in for export_trial/verify_saved_model (no TensorFlow); writes a marker."""

    def __init__(self) -> None:
        self.exports: list[tuple[str, str]] = []
        self.verified: list[tuple[str, str]] = []

    def export_trial(self, trial_dir: str, output_base: str, **kw: Any) -> ExportResult:
        self.exports.append((trial_dir, output_base))
        version = len(self.exports)
        path = storage.join(output_base, str(version))
        storage.write_bytes_atomic(storage.join(path, "saved_model.pb"), b"graph")
        return ExportResult(output_base, version, path, kw["input_type"], "ckpt", "prov")

    def verify(self, path: str, *, input_type: str, eval_input: str) -> VerifyResult:
        self.verified.append((path, eval_input))
        return VerifyResult(path, input_type, 1, ("num_detections",), (3,), 0.9, 0.1)


@pytest.fixture
def recorded(monkeypatch: pytest.MonkeyPatch) -> RecordedExport:
    record = RecordedExport()
    monkeypatch.setattr(odsweep.export, "export_trial", record.export_trial)
    monkeypatch.setattr(odsweep.export, "verify_saved_model", record.verify)
    return record


@pytest.fixture
def output(tmp_path: Path) -> Path:
    """A finished sweep whose spec has no evalInputPath: a winner and a failed trial that
    has the best value."""
    out = tmp_path / "out"
    doc = valid_doc()
    doc["spec"]["pipelineConfigPath"] = str(base_config_path())
    del doc["spec"]["evalInputPath"]
    doc["spec"]["export"].pop("outputDirectory", None)  # the default: <output>/model
    out.mkdir()
    (out / "spec.yaml").write_text(yaml.safe_dump(doc))
    config = (
        base_config_path().read_text().replace("PATH_TO_BE_CONFIGURED", "/data/from-the-config")
    )
    for result in (
        trial("ssd-demo-1", [0.3, 0.5]),
        trial("ssd-demo-2", [0.9], error="killed", status=TrialStatus.FAILED),
    ):
        folder = out / "trials" / result.trial
        folder.mkdir(parents=True)
        (folder / "pipeline.config").write_text(config)
        write_result(str(folder), result)
    return out


def test_export_verifies_on_the_configs_eval_input_when_the_spec_has_none(
    output: Path, recorded: RecordedExport, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["export", str(output)]) == EXIT_OK
    path = capsys.readouterr().out.strip()
    assert recorded.exports == [(str(output / "trials" / "ssd-demo-1"), str(output / "model"))]
    assert recorded.verified == [(path, EVAL_GLOB)]
    best = read_best(str(output))
    assert best.trial == "ssd-demo-1" and best.export["path"] == path
    assert best.export["verified_images"] == 1


def test_export_of_another_trial_is_verified_the_same_way(
    output: Path, recorded: RecordedExport, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["export", str(output), "--trial", "ssd-demo-1", "--to", str(output / "x")]) == 0
    assert recorded.verified == [(str(output / "x" / "1"), EVAL_GLOB)]
    assert not (output / "best.json").exists()  # not the winner's record


def test_export_again_reuses_the_winners_export(
    output: Path, recorded: RecordedExport, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["export", str(output)]) == EXIT_OK
    assert main(["export", str(output)]) == EXIT_OK
    first, second = capsys.readouterr().out.split()
    assert first == second and len(recorded.exports) == 1 and len(recorded.verified) == 1


def test_best_and_report_name_the_selection_winner_not_the_failed_trial(
    output: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["best", str(output)]) == EXIT_OK
    assert '"trial": "ssd-demo-1"' in capsys.readouterr().out
    assert main(["report", str(output)]) == EXIT_OK
    markdown = (output / "report.md").read_text()
    assert "- **Trial:** ssd-demo-1" in markdown and "- **Trial:** ssd-demo-2" not in markdown
