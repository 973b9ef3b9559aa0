"""The report on a space with branch choices: ignored values shown as not applied."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from odsweep.results import BestCheckpoint, ObjectiveType, TrialResult, TrialStatus
from odsweep.spec import SearchSpec, load_spec
from odsweep.sweep._branch_notes import without_ignored
from odsweep.sweep._finish import sweep_report
from tests.trial.test_branches_trial import write_spec

MAP = "DetectionBoxes_Precision/mAP"


def result(name: str, value: float, **params: object) -> TrialResult:
    return TrialResult(
        trial=name,
        params=params,
        status=TrialStatus.SUCCEEDED,
        metric=MAP,
        objective=ObjectiveType.MAXIMIZE,
        best=BestCheckpoint(300, f"/x/{name}/best/ckpt-300", value),
    )


def space(tmp_path: Path) -> SearchSpec:
    return load_spec(str(write_spec(tmp_path)))


# Local: momentum not sampled. Katib (flat): sampled, passed, ignored by the trial.
LOCAL = result("branches-1", 0.4, optimizer="adam_optimizer", adam_lr=0.004)
KATIB = result("branches-2", 0.3, optimizer="adam_optimizer", adam_lr=0.005, momentum=0.85)
MOMENTUM = result("branches-3", 0.2, optimizer="momentum_optimizer", momentum=0.9)


def test_ignored_values_are_dropped_and_named_in_a_note(tmp_path: Path) -> None:
    shown, notes = without_ignored(space(tmp_path), [LOCAL, KATIB, MOMENTUM])
    assert [r.params for r in shown] == [
        LOCAL.params,
        {"optimizer": "adam_optimizer", "adam_lr": 0.005},
        MOMENTUM.params,
    ]
    assert notes == [
        "Branch parameters apply only in their branch (momentum when "
        "optimizer=momentum_optimizer; adam_lr when optimizer=adam_optimizer); a dash in "
        "their column: the trial chose another branch.",
        "Sampled but ignored by the trial (flat space, as on Katib): branches-2 (momentum).",
    ]


def test_a_space_without_when_gets_no_note(tmp_path: Path) -> None:
    spec = space(tmp_path)
    plain = replace(spec, parameters=spec.parameters[:1])
    assert without_ignored(plain, [LOCAL]) == ([LOCAL], [])


def test_the_report_shows_the_note_and_a_dash_for_the_ignored_value(tmp_path: Path) -> None:
    report = sweep_report(space(tmp_path), str(tmp_path / "out"), [LOCAL, KATIB], None)
    assert "Sampled but ignored by the trial (flat space, as on Katib): branches-2" in (
        report.markdown
    )
    row = next(line for line in report.markdown.splitlines() if "| branches-2 |" in line)
    assert "0.85" not in row and "| — |" in row
