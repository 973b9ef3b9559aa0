"""``odsweep run`` with the spec, the data and the output in a bucket (a real GCS server
on 127.0.0.1). Fake trials (no TensorFlow); the export is recorded rather than run,
since TensorFlow's own gs:// cannot reach the emulator: what is checked is that it is
handed the gs:// paths unchanged."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest

from odsweep.cli.main import main
from odsweep.errors import EXIT_OK, InputError
from odsweep.results import trial_results
from odsweep.sweep import default_storage, local_state_dir, run_sweep
from tests.backends.optuna.test_engine import FAKE
from tests.export_fakes import RecordedExport, install
from tests.gcs_fixtures import GcsBucket, gcs, gcs_server, upload_search_space

__all__ = ["gcs", "gcs_server"]


@pytest.fixture
def recorded(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> RecordedExport:
    record = install(monkeypatch)
    monkeypatch.setenv("FAKE_DELAY", "0.02")
    monkeypatch.delenv("FAKE_FAIL_ABOVE", raising=False)
    monkeypatch.delenv("FAKE_LOG", raising=False)
    monkeypatch.chdir(tmp_path)  # the local study goes under ./runs/gs/...
    return record


def _run(spec_uri: str, out: str) -> Any:
    return run_sweep(
        spec_uri,
        output_dir=out,
        show_progress=False,
        argv_prefix=[sys.executable, str(FAKE)],
        poll_seconds=0.05,
    )


def test_a_sweep_with_everything_in_a_bucket(
    gcs: GcsBucket, recorded: RecordedExport, tmp_path: Path
) -> None:
    spec_uri = upload_search_space(gcs)
    out = gcs.uri("sweeps/run-1")
    result = _run(spec_uri, out)

    # The study: a local SQLite file, one folder per gs:// output, and said where.
    db = tmp_path / "runs" / "gs" / "odsweep-test" / "sweeps" / "run-1" / "study.db"
    assert db.is_file()
    assert result.study == f"sqlite:///{db}" == default_storage(out)
    assert local_state_dir(out + "/") == "runs/gs/odsweep-test/sweeps/run-1"
    # The trials' logs were local while they ran, and are in the bucket now.
    assert (db.parent / "trials" / "gcs-1" / "stdout.log").is_file()

    names = set(gcs.names("sweeps/run-1/"))
    for name in ("spec.yaml", "best.json", "report.md", "report.html"):
        assert f"sweeps/run-1/{name}" in names
    assert any(n.startswith("sweeps/run-1/report_files/") for n in names)
    assert {f"sweeps/run-1/trials/gcs-{i}/result.json" for i in (1, 2)} <= names
    assert not (tmp_path / "gs:").exists() and not list(tmp_path.glob("gs*"))  # no "gs:/" dirs

    # The export was handed the gs:// trial folder and model base unchanged.
    best = json.loads(gcs.get("sweeps/run-1/best.json"))
    assert recorded.exports == [
        (f"{out}/trials/{best['trial']}", f"{out}/model", recorded.exports[0][2])
    ]
    assert recorded.verified == [(f"{out}/model/1", gcs.uri("specs/data/eval-*.tfrecord"))]
    assert best["export"]["path"] == f"{out}/model/1"
    assert result.report_html == f"{out}/report.html"
    assert [r.trial for r in trial_results(out)] == ["gcs-1", "gcs-2"]

    # Resumed from the same directory: nothing re-run, the export in the bucket reused.
    again = _run(spec_uri, out)
    assert again.best == result.best and len(recorded.exports) == 1


def test_results_commands_on_a_bucket_output(
    gcs: GcsBucket, recorded: RecordedExport, capsys: pytest.CaptureFixture[str]
) -> None:
    out = gcs.uri("sweeps/run-2")
    _run(upload_search_space(gcs), out)
    capsys.readouterr()
    assert main(["best", out]) == EXIT_OK
    printed = json.loads(capsys.readouterr().out)
    assert printed == json.loads(gcs.get("sweeps/run-2/best.json"))
    assert printed["trial"] in ("gcs-1", "gcs-2")
    assert main(["report", out]) == EXIT_OK
    assert capsys.readouterr().out.strip() == f"{out}/report.html"


def test_a_lost_study_is_not_started_over_the_bucket_trials(
    gcs: GcsBucket, recorded: RecordedExport, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    spec_uri = upload_search_space(gcs)
    out = gcs.uri("sweeps/run-3")
    _run(spec_uri, out)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)  # its ./runs/gs/... has no study
    with pytest.raises(InputError, match=(
        r"^--storage: gs://odsweep-test/sweeps/run-3 holds 2 trial folder\(s\) \(gcs-1, gcs-2\) "
        r"but sqlite:///.*/elsewhere/runs/gs/odsweep-test/sweeps/run-3/study.db has no study "
        r"'gcs'; give the study these trials ran with \(--storage, or run from the directory "
        r"the sweep was started in\), or choose a new --output$"
    )):  # fmt: skip
        _run(spec_uri, out)
