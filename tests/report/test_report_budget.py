"""The report's budget: steps spent vs full budget, where stopped trials stopped, brackets."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest
from report_fixtures import METRIC, SCALES, realistic_sweep, trial

from odsweep.report import Report, build_report, compute_budget
from odsweep.results import TrialResult, TrialStatus
from odsweep.spec import ObjectiveType

FULL = 3000  # the fixtures evaluate every 500 steps; a finished trial has 6 evals


def with_extra(result: TrialResult, **extra: Any) -> TrialResult:
    return replace(result, extra={**result.extra, **extra})


def hyperband_sweep() -> list[TrialResult]:
    """Two brackets, an ASHA-style stop record, a median stop without one."""
    s, e = TrialStatus.SUCCEEDED, TrialStatus.EARLY_STOPPED
    return [
        with_extra(trial("hb-0", [0.1, 0.2], status=s), bracket=1),
        with_extra(
            trial("hb-1", [0.05], status=e),
            bracket=1,
            stopped_at={"rule": "asha", "rung": 0, "step": 500},
        ),
        with_extra(trial("hb-2", [0.1, 0.2, 0.3, 0.3, 0.3, 0.4], status=s), bracket=0),
        trial("hb-3", [0.01, 0.02], status=e),
    ]


def build(results: list[TrialResult], **kwargs: Any) -> Report:
    return build_report(
        title="budget",
        results=results,
        metric=METRIC,
        direction=ObjectiveType.MAXIMIZE,
        param_scales=SCALES if kwargs.pop("scales", False) else {},
        **kwargs,
    )


def section(markdown: str, heading: str) -> list[str]:
    body = markdown.split(f"{heading}\n\n", 1)[1]
    return [line for line in body.split("\n\n", 1)[0].splitlines() if line.startswith("| ")]


def test_totals_are_last_eval_steps_against_trials_times_train_steps() -> None:
    # Hand count: six trials ran to 3000; trial-3 failed after its eval at 1000;
    # trial-5 stopped early after its eval at 1500. 6 * 3000 + 1000 + 1500 = 20500.
    budget = compute_budget(realistic_sweep(), FULL)
    assert (budget.trials, budget.spent, budget.full) == (8, 20500, 24000)
    assert [(s.trial, s.status, s.step, s.target) for s in budget.stopped] == [
        ("trial-3", TrialStatus.FAILED, 1000, 3000),
        ("trial-5", TrialStatus.EARLY_STOPPED, 1500, 3000),
    ]
    assert budget.brackets == ()


def test_a_trial_with_its_own_target_counts_that_target() -> None:
    budget = compute_budget(hyperband_sweep(), FULL, {"hb-0": 1000, "hb-1": 1000})
    # 1000 + 1000 + 3000 + 3000 at full budget; spent 1000 + 500 + 3000 + 1000.
    assert (budget.spent, budget.full) == (5500, 8000)
    assert [(b.bracket, b.trials, b.spent, b.full) for b in budget.brackets] == [
        ("1", 2, 1500, 2000),
        ("0", 1, 3000, 3000),
    ]


def test_the_rule_record_is_used_when_present() -> None:
    stopped = compute_budget(hyperband_sweep(), FULL).stopped
    assert [(s.trial, s.step, s.rule, s.rung, s.bracket) for s in stopped] == [
        ("hb-1", 500, "asha", "0", "1"),
        ("hb-3", 1000, None, None, None),
    ]


def test_a_trial_without_evals_spent_nothing_we_know_of() -> None:
    failed = trial("t", [], status=TrialStatus.FAILED, error="OOM")
    budget = compute_budget([failed], FULL)
    assert (budget.spent, budget.full) == (0, 3000)
    assert budget.stopped[0].step is None


@pytest.fixture(scope="module")
def plain() -> Report:
    return build(realistic_sweep(), scales=True, train_steps=FULL)


@pytest.fixture(scope="module")
def hyperband() -> Report:
    return build(hyperband_sweep(), train_steps=FULL, target_steps={"hb-0": 1000, "hb-1": 1000})


def test_markdown_totals_and_stopped_table(plain: Report) -> None:
    md = plain.markdown
    assert "## Budget\n\n**Train steps:** 20,500 train steps of 24,000 at full budget (85%) " in md
    assert "over 8 trials; 3,500 saved\n" in md
    assert section(md, "### Where stopped trials stopped") == [
        "| Trial | Status | Stopped at step | Of | Rule | Rung |",
        "| --- | --- | ---: | ---: | --- | --- |",
        "| trial-3 | failed | 1,000 | 3,000 | — | — |",
        "| trial-5 | early_stopped | 1,500 | 3,000 | — | — |",
    ]
    assert "### Per bracket" not in md


def test_markdown_rule_rung_and_brackets(hyperband: Report) -> None:
    md = hyperband.markdown
    assert section(md, "### Where stopped trials stopped") == [
        "| Trial | Status | Stopped at step | Of | Rule | Rung | Bracket |",
        "| --- | --- | ---: | ---: | --- | --- | --- |",
        "| hb-1 | early_stopped | 500 | 1,000 | asha | 0 | 1 |",
        "| hb-3 | early_stopped | 1,000 | 3,000 | — | — | — |",
    ]
    assert section(md, "### Per bracket") == [
        "| Bracket | Trials | Steps spent | Full budget | Share |",
        "| --- | ---: | ---: | ---: | ---: |",
        "| 1 | 2 | 1,500 | 2,000 | 75% |",
        "| 0 | 1 | 3,000 | 3,000 | 100% |",
    ]


def test_html_has_the_same_section(hyperband: Report) -> None:
    html = hyperband.html
    assert (
        "<h2>Budget</h2>\n<p><strong>Train steps:</strong> 5,500 train steps of 8,000 at full "
        "budget (69%) over 4 trials; 2,500 saved</p>"
    ) in html
    assert (
        '<tr><td>hb-1</td><td><span class="status status-early_stopped">early_stopped</span>'
        '</td><td class="num">500</td><td class="num">1,000</td><td>asha</td><td>0</td>'
        "<td>1</td></tr>"
    ) in html
    assert (
        '<tr><td>1</td><td class="num">2</td><td class="num">1,500</td>'
        '<td class="num">2,000</td><td class="num">75%</td></tr>'
    ) in html


def test_trial_names_are_escaped_in_the_budget_tables() -> None:
    report = build([trial("<b>|x", [0.1], status=TrialStatus.STOPPED)], train_steps=FULL)
    assert "| \\<b\\>\\|x | stopped | 500 | 3,000 |" in report.markdown
    assert "<td>&lt;b&gt;|x</td>" in report.html
    assert "<b>|x" not in report.html


def test_no_train_steps_no_budget_section() -> None:
    report = build([trial("t", [0.1])])
    assert "Budget" not in report.markdown and "Budget" not in report.html
