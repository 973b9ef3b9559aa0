"""The end of a sweep, written once: the rules every caller shares (no TensorFlow here)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
import yaml

from odsweep.cli.main import main
from odsweep.demodata import base_config_path
from odsweep.errors import EXIT_OK
from odsweep.results import (
    TRIAL_CONFIG_FILE,
    EvalRecord,
    ObjectiveType,
    TrialResult,
    TrialStatus,
    read_best,
    write_result,
)
from tests.export_fakes import RecordedExport, install
from tests.spec.spec_fixtures import valid_doc

METRIC = "DetectionBoxes_Precision/mAP"
EVAL_GLOB = "/data/from-the-config/eval-?????-of-00001.tfrecord"


@pytest.fixture
def recorded(monkeypatch: pytest.MonkeyPatch) -> RecordedExport:
    return install(monkeypatch)


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
    for name, values, status in (
        ("ssd-demo-1", [0.3, 0.5], TrialStatus.SUCCEEDED),
        ("ssd-demo-2", [0.9], TrialStatus.FAILED),  # the best value, but it failed
    ):
        folder = out / "trials" / name
        (folder / "best").mkdir(parents=True)
        (folder / "pipeline.config").write_text(config)
        result = TrialResult(
            trial=name,
            params={},
            status=TrialStatus.RUNNING,
            metric=METRIC,
            objective=ObjectiveType.MAXIMIZE,
        )
        for step, value in enumerate(values, start=1):
            checkpoint = folder / "best" / f"ckpt-{step}"
            Path(f"{checkpoint}.index").write_bytes(f"{name} {step}".encode())
            result = result.with_eval(EvalRecord(step * 100, str(checkpoint), {METRIC: value}))
        error = "killed" if status is TrialStatus.FAILED else None
        write_result(str(folder), replace(result, status=status, error=error))
    return out


def test_export_verifies_on_the_configs_eval_input_when_the_spec_has_none(
    output: Path, recorded: RecordedExport, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["export", str(output)]) == EXIT_OK
    path = capsys.readouterr().out.strip()
    assert [e[:2] for e in recorded.exports] == [
        (str(output / "trials" / "ssd-demo-1"), str(output / "model"))
    ]
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


def test_an_export_whose_checkpoint_changed_is_not_reused(
    output: Path, recorded: RecordedExport, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["export", str(output)]) == EXIT_OK
    # Same trial, same step, other weights (a re-run wrote the folder again).
    (output / "trials" / "ssd-demo-1" / "best" / "ckpt-2.index").write_bytes(b"retrained")
    assert main(["export", str(output)]) == EXIT_OK
    first, second = capsys.readouterr().out.split()
    assert first.endswith("/model/1") and second.endswith("/model/2")
    assert read_best(str(output)).export["path"] == second  # best.json names the new one


def test_a_damaged_best_json_is_an_input_error_naming_it(
    output: Path, recorded: RecordedExport, capsys: pytest.CaptureFixture[str]
) -> None:
    (output / "best.json").write_text('{"trial": ')
    assert main(["best", str(output)]) == 2
    err = capsys.readouterr().err.strip()
    assert f"error: {output / 'best.json'}: not a valid best.json (invalid JSON" in err
    assert (output / "best.json").read_text() == '{"trial": '  # left as it was


def test_selection_keeps_an_export_only_while_it_is_the_winners(
    output: Path, recorded: RecordedExport, capsys: pytest.CaptureFixture[str]
) -> None:
    from odsweep.results import trial_results, write_best
    from odsweep.spec import load_spec
    from odsweep.sweep import select_winner

    assert main(["export", str(output)]) == EXIT_OK
    spec = load_spec(str(output / "spec.yaml"))
    exported = read_best(str(output))
    results = trial_results(str(output))
    kept = select_winner(spec, str(output), results)
    assert kept is not None and kept.export == exported.export
    # best.json says another step of the same trial: that is another model.
    write_best(str(output), replace(exported, step=exported.step + 1))
    fresh = select_winner(spec, str(output), results)
    assert fresh is not None and fresh.export == {}
    # Nor is an export whose files are gone.
    write_best(str(output), exported)
    Path(str(exported.export["path"]), "saved_model.pb").unlink()
    gone = select_winner(spec, str(output), results)
    assert gone is not None and gone.export == {}


def test_verifying_the_winner_keeps_its_detections_for_the_report(
    output: Path, recorded: RecordedExport, capsys: pytest.CaptureFixture[str]
) -> None:
    from odsweep.results import read_detections

    assert main(["report", str(output)]) == EXIT_OK
    before = (output / "report.md").read_text()
    assert "*no export of the winner: no detections to draw; run \\`odsweep export\\`" in before
    assert main(["export", str(output)]) == EXIT_OK
    path = capsys.readouterr().out.strip().splitlines()[-1]
    # The label map the spec names (it replaces the config's) names the classes.
    assert recorded.label_maps == [str(output / "data" / "demo" / "label_map.pbtxt")]
    record = read_detections(str(output))
    assert record is not None
    best = read_best(str(output))
    assert (record.trial, record.step, record.export_path) == ("ssd-demo-1", best.step, path)
    assert main(["report", str(output)]) == EXIT_OK
    after = (output / "report.md").read_text()
    assert "*no detections recorded: the verification ran no eval image*" in after


def test_detections_of_another_export_are_not_shown_as_the_winners(
    output: Path, recorded: RecordedExport, capsys: pytest.CaptureFixture[str]
) -> None:
    from odsweep.results import WinnerDetections, write_detections

    assert main(["export", str(output)]) == EXIT_OK
    write_detections(str(output), WinnerDetections("ssd-demo-2", 1, "/elsewhere", 0.3, ()))
    assert main(["report", str(output)]) == EXIT_OK
    assert (
        "the kept detections are of ssd-demo-2 step 1 (/elsewhere), not of this winner"
        in (output / "report.md").read_text()
    )


def test_the_label_map_comes_from_the_train_reader_when_the_config_has_no_eval_reader(
    tmp_path: Path,
) -> None:
    from odsweep import odconfig
    from odsweep.spec import load_spec
    from odsweep.sweep._winner_views import label_map_of

    config = odconfig.load_pipeline_config(str(base_config_path()))
    del config.eval_input_reader[:]
    config.train_input_reader.label_map_path = "/data/labels.pbtxt"
    trial = tmp_path / "t-1"
    trial.mkdir()
    (trial / TRIAL_CONFIG_FILE).write_text(odconfig.config_to_text(config))
    doc = valid_doc()
    doc["spec"].pop("labelMapPath", None)
    (tmp_path / "s.yaml").write_text(yaml.safe_dump(doc))
    spec = load_spec(str(tmp_path / "s.yaml"))
    assert label_map_of(spec, str(trial)) == "/data/labels.pbtxt"
