"""``odsweep tune-postprocess``: bad flags and outputs are one line and exit 2, before any
evaluation (no TensorFlow needed) and with nothing written."""

from __future__ import annotations

from pathlib import Path

import pytest

from odsweep.cli.main import main


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    code = main(["tune-postprocess", *argv])
    err = capsys.readouterr().err
    assert err.count("\n") == 1, err
    return code, err.strip()


@pytest.mark.parametrize(
    ("flags", "message"),
    [
        (
            ["--score-threshold", "0.05,1.2"],
            "--score-threshold: 1.2 is outside [0, 1); give a score such as 0.3",
        ),
        (
            ["--max-total-detections", "ten"],
            "--max-total-detections: 'ten' is not a number; give a comma-separated list "
            "such as 50,100",
        ),
        (
            ["--iou-threshold", "1.5"],
            "--iou-threshold: 1.5 is outside (0, 1]; give an IoU such as 0.5",
        ),
        (
            ["--constraint", "Serving/latency_p50_ms=40"],
            "--constraint: 'Serving/latency_p50_ms=40' is not METRIC<=NUMBER or METRIC>=NUMBER; "
            "give e.g. Serving/latency_p50_ms<=40",
        ),
    ],
)
def test_bad_values_exit_2(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, flags: list[str], message: str
) -> None:
    code, err = _run(capsys, str(tmp_path), *flags)
    assert code == 2
    assert err == f"odsweep tune-postprocess: error: {message}"
    assert list(tmp_path.iterdir()) == []


def test_not_a_sweep_output_exits_2(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, err = _run(capsys, str(tmp_path))
    assert code == 2
    assert err == (
        f"odsweep tune-postprocess: error: OUTPUT_DIR: '{tmp_path}' has no spec.yaml; "
        "give a sweep's output"
    )
    assert list(tmp_path.iterdir()) == []


def test_unknown_choose_by_is_refused_by_argparse(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["tune-postprocess", "out", "--choose-by", "map"])
    assert exc.value.code == 2
    assert "argument --choose-by: invalid choice: 'map'" in capsys.readouterr().err
