"""The committed pipeline package and component specs are what the code compiles now."""

from __future__ import annotations

import difflib
from pathlib import Path

import kfp
import yaml

from odsweep.pipeline import compile_pipeline

REPO = Path(__file__).resolve().parents[2]
REGENERATE = "bash scripts/regenerate.sh"
PIPELINE = Path("pipelines", "odsweep_pipeline.yaml")
COMPONENTS = Path("components")


def fresh(tmp_path: Path) -> dict[Path, str]:
    """Compile into tmp_path; map each file's repo-relative path to its text."""
    written = compile_pipeline(str(tmp_path / PIPELINE), components_dir=str(tmp_path / COMPONENTS))
    return {Path(p).relative_to(tmp_path): Path(p).read_text() for p in written}


def test_committed_files_match_a_fresh_compile(tmp_path: Path) -> None:
    compiled = fresh(tmp_path)
    committed = {PIPELINE} | {p.relative_to(REPO) for p in (REPO / COMPONENTS).glob("*.yaml")}
    assert committed == set(compiled), (
        f"components/ holds other files than the pipeline's steps; run {REGENERATE}"
    )
    for rel, text in sorted(compiled.items()):
        old = (REPO / rel).read_text()
        if old != text:
            diff = "".join(
                list(
                    difflib.unified_diff(
                        old.splitlines(True), text.splitlines(True), str(rel), "fresh"
                    )
                )[:40]
            )
            raise AssertionError(
                f"{rel} differs from a fresh compile; run {REGENERATE}, review, commit\n{diff}"
            )


def test_compiling_is_deterministic(tmp_path: Path) -> None:
    # Nothing KFP writes varies between compiles (no timestamps, sorted keys) and the
    # SDK version it records is the locked one: the golden comparison needs no normalising.
    assert fresh(tmp_path / "a") == fresh(tmp_path / "b")
    doc = yaml.safe_load((REPO / PIPELINE).read_text().split("\n---\n")[0])
    assert doc["sdkVersion"] == f"kfp-{kfp.__version__}" == "kfp-2.17.3"
