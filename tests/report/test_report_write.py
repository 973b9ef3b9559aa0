"""write_report: the files, images before text, stale images removed, bad input."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from report_fixtures import METRIC, trial

from odsweep import storage
from odsweep.report import FILES_DIR, Report, build_report, write_report
from odsweep.spec import ObjectiveType


@pytest.fixture(scope="module")
def report() -> Report:
    results = [trial("a", [0.1, 0.2], params={"lr": 0.01}), trial("b", [0.3], params={"lr": 0.1})]
    return build_report(
        title="w",
        results=results,
        metric=METRIC,
        direction=ObjectiveType.MAXIMIZE,
        param_scales={"lr": "log"},
    )


def test_writes_markdown_html_and_every_image(report: Report, tmp_path: Path) -> None:
    out = tmp_path / "nested" / "report"
    md_path, html_path = write_report(report, str(out))
    assert (md_path, html_path) == (str(out / "report.md"), str(out / "report.html"))
    assert Path(md_path).read_text(encoding="utf-8") == report.markdown
    assert Path(html_path).read_text(encoding="utf-8") == report.html
    for name, png in report.images.items():
        assert (out / FILES_DIR / f"{name}.png").read_bytes() == png
    refs = re.findall(r"\]\((report_files/[^)]+)\)", report.markdown)
    assert len(refs) == len(report.images) == 3
    assert all((out / ref).is_file() for ref in refs)
    assert not [p for p in out.rglob("*") if p.name.endswith(".tmp")]


def test_images_exist_before_the_text_files_are_written(
    report: Report, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[tuple[str, set[str]]] = []
    real = storage.write_text_atomic

    def spy(path: str, text: str) -> None:
        files = tmp_path / FILES_DIR
        seen.append((Path(path).name, {p.stem for p in files.glob("*.png")}))
        real(path, text)

    monkeypatch.setattr(storage, "write_text_atomic", spy)
    write_report(report, str(tmp_path))
    assert [name for name, _ in seen] == ["report.md", "report.html"]
    assert all(present == set(report.images) for _, present in seen)


def test_rewriting_removes_images_the_new_report_no_longer_uses(
    report: Report, tmp_path: Path
) -> None:
    (tmp_path / FILES_DIR).mkdir()
    stale = tmp_path / FILES_DIR / "param_07_old.png"
    stale.write_bytes(b"old")
    keep = tmp_path / FILES_DIR / "notes.txt"
    keep.write_text("not ours to delete")
    write_report(report, str(tmp_path))
    assert not stale.exists() and keep.exists()
    assert {p.stem for p in (tmp_path / FILES_DIR).glob("*.png")} == set(report.images)


def test_an_empty_report_writes_no_image_folder_content(tmp_path: Path) -> None:
    empty = build_report(
        title="e", results=[], metric=METRIC, direction=ObjectiveType.MINIMIZE, param_scales={}
    )
    write_report(empty, str(tmp_path))
    assert (tmp_path / "report.md").is_file() and (tmp_path / "report.html").is_file()
    assert "report_files/" not in empty.markdown


@pytest.mark.parametrize("name", ["../evil", "a/b", ".hidden", ""])
def test_image_names_must_be_plain_file_names(tmp_path: Path, name: str) -> None:
    bad = Report(markdown="", html="", images={name: b"x"})
    with pytest.raises(ValueError, match=r"report\.images: names must be plain file names"):
        write_report(bad, str(tmp_path))
    assert not any(tmp_path.iterdir())
