"""Trade-offs and export constraints at the end of a sweep: best.json's front, the
constrained winner, the none-meets failure and ``export --trial`` off the front."""

from __future__ import annotations

import enum
import json
import logging
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from odsweep.cli.main import main
from odsweep.demodata import base_config_path
from odsweep.errors import EXIT_BAD_INPUT, EXIT_FAILED, EXIT_OK
from odsweep.results import (
    SERVING_KEY,
    EvalRecord,
    ObjectiveType,
    SearchOutcome,
    TrialResult,
    TrialStatus,
    serving_record,
    trial_results,
    write_result,
)
from odsweep.spec import load_spec
from odsweep.sweep import SearchFailed, finish
from tests.export_fakes import RecordedExport, install
from tests.spec.spec_fixtures import valid_doc

METRIC = "DetectionBoxes_Precision/mAP"
LATENCY = "Serving/latency_p50_ms"
# name: (mAP at the best checkpoint, latency): 1 is accurate and slow, 2 fast, 3 in
# between and dominated by neither, 4 dominated by 2.
TRIALS = {"t-1": (0.50, 40.0), "t-2": (0.30, 10.0), "t-3": (0.40, 20.0), "t-4": (0.25, 30.0)}


class _Verdict(enum.Enum):
    DONE = "succeeded: maxTrialCount reached"


@pytest.fixture
def recorded(monkeypatch: pytest.MonkeyPatch) -> RecordedExport:
    return install(monkeypatch)


def make_output(tmp_path: Path, constraints: list[dict[str, Any]]) -> Path:
    out = tmp_path / "out"
    doc = valid_doc()
    doc["metadata"]["name"] = "t"
    doc["spec"]["pipelineConfigPath"] = str(base_config_path())
    doc["spec"]["export"].pop("outputDirectory", None)
    doc["spec"]["objective"]["tradeoffs"] = [{"objectiveMetricName": LATENCY, "type": "minimize"}]
    if constraints:
        doc["spec"]["export"]["constraints"] = constraints
    out.mkdir()
    (out / "spec.yaml").write_text(yaml.safe_dump(doc))
    for name, (m_ap, latency) in TRIALS.items():
        folder = out / "trials" / name
        (folder / "best").mkdir(parents=True)
        (folder / "pipeline.config").write_text(base_config_path().read_text())
        checkpoint = folder / "best" / "ckpt-1"
        Path(f"{checkpoint}.index").write_bytes(name.encode())
        result = TrialResult(
            trial=name,
            params={"size": name},
            status=TrialStatus.SUCCEEDED,
            metric=METRIC,
            objective=ObjectiveType.MAXIMIZE,
            extra={SERVING_KEY: serving_record({LATENCY: latency}, {}, None)},
        ).with_eval(EvalRecord(100, str(checkpoint), {METRIC: m_ap}))
        write_result(str(folder), result)
    return out


def test_best_json_lists_the_front_and_the_constrained_winner(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = make_output(tmp_path, [{"metricName": LATENCY, "max": 25}])
    assert main(["best", str(out)]) == EXIT_OK
    doc = json.loads((out / "best.json").read_text())
    assert doc["trial"] == "t-3"  # t-1 is more accurate but too slow
    assert [(p["trial"], p["metrics"]) for p in doc["pareto"]] == [
        ("t-1", {METRIC: 0.5, LATENCY: 40.0}),
        ("t-3", {METRIC: 0.4, LATENCY: 20.0}),
        ("t-2", {METRIC: 0.3, LATENCY: 10.0}),
    ]
    assert doc["tradeoffs"] == [{"objectiveMetricName": LATENCY, "type": "minimize"}]
    assert doc["constraints"] == [{"metricName": LATENCY, "max": 25.0}]


def test_no_trial_meets_the_constraints_is_a_search_failure_naming_the_closest(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = make_output(tmp_path, [{"metricName": LATENCY, "max": 8}])
    message = (
        f"export.constraints: no trial meets {LATENCY} <= 8; the closest is t-2 "
        f"({LATENCY}=10, step 100); relax the constraints or export it anyway with "
        "`odsweep export DIR --trial t-2`"
    )
    assert main(["best", str(out)]) == EXIT_FAILED
    assert capsys.readouterr().err.strip() == f"odsweep best: error: {message}"
    assert not (out / "best.json").exists()
    spec = load_spec(str(out / "spec.yaml"))
    outcome = SearchOutcome(
        verdict=_Verdict.DONE,
        succeeded=True,
        results=trial_results(str(out)),
        message="succeeded: 4 succeeded",
        where="here",
    )
    with pytest.raises(SearchFailed, match=f"^search 't' failed: {re.escape(message)}; see "):
        finish(spec, str(out), outcome)
    assert "t-2" in (out / "report.md").read_text()  # the report of the trials is written


def test_export_of_a_trial_off_the_front_says_so(
    tmp_path: Path,
    recorded: RecordedExport,
    caplog: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
) -> None:
    out = make_output(tmp_path, [])
    with caplog.at_level(logging.WARNING, logger="odsweep.sweep._finish"):
        assert main(["export", str(out), "--trial", "t-4"]) == EXIT_OK
        assert main(["export", str(out), "--trial", "t-2"]) == EXIT_OK
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert warnings == ["t-4 is not on the Pareto front (t-1, t-3, t-2); exporting it as asked"]
    assert [e[0] for e in recorded.exports] == [
        str(out / "trials" / "t-4"),
        str(out / "trials" / "t-2"),
    ]


def test_export_of_an_unknown_trial_names_the_trials(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = make_output(tmp_path, [])
    assert main(["export", str(out), "--trial", "t-9"]) == EXIT_BAD_INPUT
    assert (
        capsys.readouterr()
        .err.strip()
        .endswith(
            f"--trial: 't-9' is not a trial of this output (no trials/<name>/result.json); "
            f"give one of {out}'s trials (t-1, t-2, t-3, t-4)"
        )
    )
