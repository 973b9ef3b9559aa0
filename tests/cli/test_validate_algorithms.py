"""`odsweep validate` on the issue-10 algorithms: bayesianoptimization's errors, pbt refused."""

from __future__ import annotations

from pathlib import Path

import pytest

from odsweep.cli.main import main

REPO = Path(__file__).resolve().parents[2]
SUPPORTED = "random, tpe, grid, multivariate-tpe, cmaes, sobol, bayesianoptimization, hyperband"


def validate(capsys: pytest.CaptureFixture[str], spec: Path) -> tuple[int, str]:
    code = main(["validate", str(spec)])
    return code, capsys.readouterr().err.strip()


def variant(tmp_path: Path, source: str, *edits: tuple[str, str]) -> Path:
    text = (REPO / "search_spaces" / source).read_text()
    for old, new in edits:
        assert old in text, old
        text = text.replace(old, new)
    out = tmp_path / source
    out.write_text(text)
    return out


def test_pbt_is_refused_with_the_reason_and_the_alternatives(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    spec = variant(
        tmp_path,
        "demo.yaml",
        ("algorithmName: multivariate-tpe", "algorithmName: pbt"),
        ('{name: n_startup_trials, value: "4"}', '{name: truncation_threshold, value: "0.2"}'),
    )
    code, err = validate(capsys, spec)
    assert code == 2
    # One line, whatever pbt settings follow: the algorithm itself is the problem.
    assert err == (
        "odsweep validate: error: spec.algorithm.algorithmName: pbt is a Katib algorithm "
        "odsweep does not support: population based training restarts trials from other "
        "trials' checkpoints with mutated parameters, and an odsweep trial only starts fresh "
        f"or resumes its own checkpoint, got 'pbt'; use one of {SUPPORTED}"
    )


def test_bayesianoptimization_setting_errors_are_explained(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    spec = variant(
        tmp_path,
        "demo-bayesopt.yaml",
        ("{name: base_estimator, value: GP}", "{name: base_estimator, value: RF}"),
        ("{name: acq_func, value: EI}", "{name: acq_optimizer, value: lbfgs}"),
    )
    code, err = validate(capsys, spec)
    assert code == 2
    assert err == (
        "odsweep validate: error: spec.algorithm.algorithmSettings[2].value: "
        "acq_optimizer=lbfgs needs base_estimator GP (skopt refuses it for RF, which has no "
        "gradients), got 'lbfgs'; use auto or sampling, or base_estimator GP"
    )
