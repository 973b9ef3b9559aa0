"""build_report: content of both formats, escaping, self-containment, determinism."""

from __future__ import annotations

import base64
import math
import re
from typing import Any

import pytest
from report_fixtures import METRIC, SCALES, realistic_sweep, trial

from odsweep.report import Report, build_report
from odsweep.results import TrialResult, TrialStatus, select_best
from odsweep.spec import ObjectiveType

LINKS = {
    "Katib UI": "https://kubeflow.example.com/katib/#/experiment/sweep",
    "TensorBoard": "tensorboard --logdir /runs",
}


def build(results: list[TrialResult], **kwargs: Any) -> Report:
    args: dict[str, Any] = {
        "title": "sweep",
        "results": results,
        "metric": METRIC,
        "direction": ObjectiveType.MAXIMIZE,
        "param_scales": {},
    }
    args.update(kwargs)
    return build_report(**args)


@pytest.fixture(scope="module")
def sweep() -> Report:
    return build(
        realistic_sweep(),
        title="ssd_tiny sweep",
        param_scales=SCALES,
        links=LINKS,
        export_location="/runs/export/best",
        notes=["Budget: 8 trials."],
        best_trial=select_best(realistic_sweep(), ObjectiveType.MAXIMIZE).trial,  # type: ignore[union-attr]
    )


def table_rows(markdown: str) -> list[str]:
    """The leaderboard's body lines."""
    section = markdown.split("## Leaderboard", 1)[1].split("\n## ", 1)[0]
    return [line for line in section.splitlines() if line.startswith("| ")][2:]


def cells(line: str) -> list[str]:
    """A Markdown table line split on unescaped pipes."""
    return [cell.strip() for cell in re.split(r"(?<!\\)\|", line)[1:-1]]


def test_markdown_has_header_best_trial_links_and_notes(sweep: Report) -> None:
    md = sweep.markdown
    assert md.startswith("# ssd_tiny sweep\n")
    assert f"**Objective:** {METRIC}, maximize (higher is better)" in md
    assert "**Trials:** 8 trials: 6 succeeded, 1 failed, 1 early_stopped" in md
    assert "- **Trial:** trial-4" in md
    assert f"- **Best {METRIC}:** 0.32 at step 3000" in md
    assert "- **Checkpoint:** `/runs/trial-4/best/ckpt-6`" in md
    assert "- **Exported model:** `/runs/export/best`" in md
    assert "| learning_rate | 0.005 |" in md
    assert "- [Katib UI](<https://kubeflow.example.com/katib/#/experiment/sweep>)" in md
    assert "- TensorBoard: `tensorboard --logdir /runs`" in md
    assert "- Budget: 8 trials." in md


def test_leaderboard_columns_and_order(sweep: Report) -> None:
    rows = [cells(line) for line in table_rows(sweep.markdown)]
    assert [row[1] for row in rows] == [f"trial-{i}" for i in (4, 6, 0, 7, 2, 1, 3, 5)]
    assert rows[0] == ["1", "trial-4", "succeeded", "0.005", "32", "0.32", "3000"]
    assert rows[-1] == ["8", "trial-5", "early_stopped", "0.0001", "8", "0.03", "1500"]


def test_failed_trial_error_is_shown_on_one_line(sweep: Report) -> None:
    line = next(x for x in sweep.markdown.splitlines() if x.startswith("- trial-3 (failed)"))
    assert "ResourceExhaustedError: OOM" in line and "\\[\\[node" in line
    assert "trial-3" in sweep.html and "ResourceExhaustedError: OOM" in sweep.html


def test_html_has_the_same_content(sweep: Report) -> None:
    html = sweep.html
    assert "<h1>ssd_tiny sweep</h1>" in html
    assert "8 trials: 6 succeeded, 1 failed, 1 early_stopped" in html
    assert '<tr class="best">' in html and "<td>trial-4</td>" in html
    assert '<a href="https://kubeflow.example.com/katib/#/experiment/sweep"' in html
    assert "<code>tensorboard --logdir /runs</code>" in html
    assert "<li>Budget: 8 trials.</li>" in html
    order = [m.group(1) for m in re.finditer(r"<td>(trial-\d)</td>", html)]
    assert order == [f"trial-{i}" for i in (4, 6, 0, 7, 2, 1, 3, 5)]


def test_html_is_self_contained_with_every_image_as_data_uri(sweep: Report) -> None:
    html = sweep.html
    assert set(sweep.images) == {
        "history",
        "param_01_learning_rate",
        "param_02_batch_size",
        "curves",
    }
    for png in sweep.images.values():
        assert png.startswith(b"\x89PNG\r\n\x1a\n")
        assert f'src="data:image/png;base64,{base64.b64encode(png).decode()}"' in html
    sources = re.findall(r'src="([^"]*)"', html)
    assert len(sources) == len(sweep.images)
    assert all(source.startswith("data:image/png;base64,") for source in sources)
    assert "<link" not in html and "<script" not in html and "url(" not in html
    assert "report_files/" not in html


def test_markdown_references_each_image_once(sweep: Report) -> None:
    refs = re.findall(r"!\[[^\]]*\]\(report_files/([^)]+)\.png\)", sweep.markdown)
    assert sorted(refs) == sorted(sweep.images)


def test_user_strings_are_escaped_in_html_and_markdown() -> None:
    evil = "<script>alert(1)</script>"
    results = [
        trial(evil, [0.5], params={"p<b>": "x|y\nz", "n": evil}, error=f"{evil}\nsecond"),
        trial("a|b\nc", [0.4], params={"p<b>": 1, "n": "$x$"}),
    ]
    report = build(
        results,
        title=evil,
        param_scales={"p<b>": "categorical", "n": "categorical"},
        links={evil: "javascript:alert(1)", "ok": 'https://x.example/"onmouseover=1'},
        export_location=evil,
        notes=[evil],
    )
    assert "<script" not in report.html and "<b>" not in report.html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in report.html
    assert 'href="javascript' not in report.html and 'onmouseover=1"' not in report.html
    assert "<code>javascript:alert(1)</code>" in report.html
    md = report.markdown
    # Outside code spans and link targets, every "<" is backslash-escaped.
    prose = re.sub(r"`[^`]*`|\]\(<[^>]*>\)", "", md)
    assert re.search(r"(?<!\\)<", prose) is None
    assert "\\<script\\>alert(1)\\</script\\>" in md
    assert "](javascript" not in md and "](<javascript" not in md
    rows = table_rows(md)
    assert len(rows) == 2  # the newline in "a|b\nc" did not split the row
    assert all(len(cells(line)) == 7 for line in rows)  # rank trial status p n best step
    assert cells(rows[0])[3] == "x\\|y z"
    assert cells(rows[1])[1] == "a\\|b c"
    assert cells(rows[1])[4] == "\\$x\\$"


def test_same_input_gives_the_same_bytes(sweep: Report) -> None:
    again = build(
        realistic_sweep(),
        title="ssd_tiny sweep",
        param_scales=SCALES,
        links=LINKS,
        export_location="/runs/export/best",
        notes=["Budget: 8 trials."],
        best_trial="trial-4",
    )
    assert again.markdown == sweep.markdown
    assert again.html == sweep.html
    assert dict(again.images) == dict(sweep.images)


def test_png_carries_no_software_or_time_chunk(sweep: Report) -> None:
    for png in sweep.images.values():
        assert b"tIME" not in png and b"Software" not in png and b"Matplotlib" not in png


def test_no_trials() -> None:
    report = build([], param_scales={"lr": "log", "opt": "categorical"})
    assert report.images == {}
    assert "**Trials:** 0 trials" in report.markdown
    assert "No trials." in report.markdown and "<p>No trials.</p>" in report.html
    assert "No winner: no trial that succeeded" in report.markdown
    assert report.markdown.count("*no data:") == 4
    assert report.html.count('<p class="nodata">no data:') == 4


def test_only_running_trials_have_no_history_but_have_curves() -> None:
    report = build([trial("r", [0.1, 0.2], status=TrialStatus.RUNNING)])
    assert set(report.images) == {"curves"}
    assert "*no data: no finished trial has a finite" in report.markdown


def test_missing_and_nan_metrics_do_not_crash() -> None:
    results = [
        trial("gappy", [0.1, None, math.nan, 0.3], params={"lr": 0.01}),
        trial("empty", [None, math.nan], params={"lr": 0.02}, status=TrialStatus.FAILED),
        trial("no-evals", [], params={}, status=TrialStatus.STOPPED),
        trial("inf", [math.inf], params={"lr": "0.5"}),
    ]
    report = build(results, param_scales={"lr": "log"})
    assert set(report.images) == {"history", "param_01_lr", "curves"}
    rows = [cells(line)[1] for line in table_rows(report.markdown)]
    assert rows == ["gappy", "empty", "no-evals", "inf"]


def test_all_nan_gives_no_data_everywhere() -> None:
    report = build([trial("a", [math.nan]), trial("b", [None])], param_scales={"lr": "linear"})
    assert report.images == {}
    assert report.markdown.count("*no data:") == 3


def test_log_scale_skips_values_it_cannot_place() -> None:
    results = [trial("zero", [0.2], params={"lr": 0.0}), trial("text", [0.3], params={"lr": "x"})]
    report = build(results, param_scales={"lr": "log"})
    assert "param_01_lr" not in report.images
    assert "no trial has both a usable lr value" in report.markdown


def test_best_trial_given_by_the_engine_wins_over_the_top_row() -> None:
    results = [trial("a", [0.9]), trial("b", [0.5], params={"lr": 0.1})]
    report = build(results, best_trial="b", param_scales={"lr": "linear"})
    assert "- **Trial:** b" in report.markdown
    assert f"- **Best {METRIC}:** 0.5 at step 500" in report.markdown


def test_best_trial_not_among_results_is_said_so() -> None:
    report = build([trial("a", [0.9])], best_trial="gone")
    assert "- **Trial:** gone\n- Not among the trials in this report." in report.markdown


def test_unknown_scale_is_rejected() -> None:
    with pytest.raises(ValueError, match=r"param_scales: .*lr='uniform'"):
        build([], param_scales={"lr": "uniform"})


def test_long_error_is_truncated() -> None:
    report = build([trial("t", [0.1], status=TrialStatus.FAILED, error="x" * 1000)])
    line = next(x for x in report.markdown.splitlines() if x.startswith("- t (failed)"))
    assert line.endswith("…") and len(line) < 260


def test_a_failed_trial_with_the_best_value_is_never_shown_as_best() -> None:
    results = [
        trial("crashed", [0.95], status=TrialStatus.FAILED, error="killed"),
        trial("winner", [0.6]),
        trial("runner-up", [0.4]),
    ]
    chosen = select_best(results, ObjectiveType.MAXIMIZE)
    assert chosen is not None and chosen.trial == "winner"
    report = build(results, best_trial=chosen.trial)
    assert "- **Trial:** winner" in report.markdown
    assert report.html.count('<tr class="best">') == 1
    best_row = report.html.split('<tr class="best">', 1)[1].split("</tr>", 1)[0]
    assert "winner" in best_row and "crashed" not in best_row


def test_no_winner_given_shows_no_best_trial_even_with_ranked_rows() -> None:
    report = build([trial("a", [0.9]), trial("b", [0.5])])
    assert "- **Trial:**" not in report.markdown and 'class="best"' not in report.html
    assert "No winner:" in report.markdown
