"""A failed serving cost measurement is recorded; the trial and its evals stand."""

from __future__ import annotations

import io
from pathlib import Path

from odsweep.results import (
    SERVING_KEY,
    EvalRecord,
    ObjectiveType,
    TrialResult,
    TrialStatus,
    serving_metrics,
)
from odsweep.trial import TrialOptions
from odsweep.trial.serving_cost import measure_serving_cost


def test_a_failed_measurement_is_recorded_and_prints_nothing(tmp_path: Path) -> None:
    trial_dir = tmp_path / "t-1"
    trial_dir.mkdir()
    opts = TrialOptions(
        pipeline_config="unused.config",
        trial_dir=str(trial_dir),
        num_train_steps=10,
        checkpoint_every_n=10,
        metric="m",
        objective=ObjectiveType.MAXIMIZE,
        eval_input=str(tmp_path / "eval-*.tfrecord"),
        serving_cost=True,
    )
    # No result.json on disk: the export cannot find the best checkpoint.
    result = TrialResult("t-1", {}, TrialStatus.RUNNING, "m", ObjectiveType.MAXIMIZE).with_eval(
        EvalRecord(10, str(trial_dir / "ckpt-10"), {"m": 0.5})
    )
    out = io.StringIO()
    after = measure_serving_cost(opts, result, out)
    assert out.getvalue() == ""
    assert after.evals == result.evals and after.best == result.best
    assert serving_metrics(after) == {}
    error = after.extra[SERVING_KEY]["error"]
    assert error == (
        f"serving cost not measured: InputError: {trial_dir}/result.json: no result.json; "
        "give a trial folder of a sweep's output"
    )
    assert "\n" not in error
