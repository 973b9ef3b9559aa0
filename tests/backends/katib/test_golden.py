"""The committed ``katib_experiments/`` are exactly what the code renders now."""

from __future__ import annotations

import shlex
from pathlib import Path

import pytest
import yaml

from odsweep.cli import katib_cmd
from odsweep.cli.main import build_parser

REPO = Path(__file__).resolve().parents[3]
EXAMPLES = REPO / "katib_experiments"
SPACES = REPO / "search_spaces"
REGENERATE = "bash scripts/regenerate.sh"
COMMAND_PREFIX = "#   odsweep katib render "
# Examples named after their algorithm rather than their spec (scripts/regenerate.sh's
# experiment_name table): example stem -> search space stem.
RENDERED_AS = {"bayesianoptimization": "demo-bayesopt"}


def _space_of(example_stem: str) -> str:
    return RENDERED_AS.get(example_stem, example_stem)


def _command(example: Path) -> list[str]:
    """The render command recorded in the example's header, without the program name."""
    for line in example.read_text().splitlines():
        if line.startswith(COMMAND_PREFIX):
            return shlex.split(line[len("#   ") :])[1:]
    pytest.fail(f"{example.relative_to(REPO)}: no '{COMMAND_PREFIX}...' header; run {REGENERATE}")


def test_every_search_space_has_a_rendered_experiment() -> None:
    spaces = sorted(p.stem for p in SPACES.glob("*.yaml"))
    examples = sorted(_space_of(p.stem) for p in EXAMPLES.glob("*.yaml"))
    assert spaces, "no search_spaces/*.yaml"
    assert examples == spaces, f"katib_experiments/ is out of date; run {REGENERATE}"


@pytest.mark.parametrize("example", sorted(EXAMPLES.glob("*.yaml")), ids=lambda p: p.name)
def test_committed_experiment_matches_the_code(
    example: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    argv = _command(example)
    assert argv[:2] == ["katib", "render"]
    assert argv[2] == f"search_spaces/{_space_of(example.stem)}.yaml", (
        "each example renders its namesake (or its RENDERED_AS spec)"
    )
    monkeypatch.chdir(REPO)  # the recorded spec path is relative to the repository
    args = build_parser().parse_args(argv)
    # The spec checks that need data files are `odsweep validate`'s tests' business;
    # the Katib checks and the rendering are pure and run here.
    rendered = katib_cmd.render_text(args, validate=False)
    assert example.read_text() == rendered, (
        f"{example.relative_to(REPO)} differs from what the code renders now; regenerate "
        f"with: {REGENERATE}"
    )


@pytest.mark.parametrize("example", sorted(EXAMPLES.glob("*.yaml")), ids=lambda p: p.name)
def test_examples_use_placeholders_not_local_paths(example: Path) -> None:
    experiment = yaml.safe_load(example.read_text())
    container = experiment["spec"]["trialTemplate"]["trialSpec"]["spec"]["template"]["spec"][
        "containers"
    ][0]
    assert container["image"] == "registry.example/odsweep:0.1"
    assert container["args"][1].startswith("gs://YOUR_BUCKET/")
    assert container["args"][3].startswith("gs://YOUR_BUCKET/")
    assert str(REPO) not in example.read_text()
