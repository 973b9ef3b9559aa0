"""The rendered metricsFormat reads every OD API metric back, from printed and real trials."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import yaml

from odsweep import odconfig
from odsweep.backends.katib import _preflight as preflight
from odsweep.backends.katib import render_experiment
from odsweep.demodata import base_config_path
from odsweep.results import format_metric_lines, is_reportable_name, parse_metric_lines
from tests.backends.katib.katib_fixtures import (
    LR_PATH,
    job_container,
    katib_shell_command,
    make_options,
    make_spec,
    spec_doc,
    substitute,
)
from tests.conftest import DemoData, odsweep_cmd
from tests.katib_emulation import collect

TIMESTAMP = "2026-11-26T10:00:00Z"
# Two-stage models' losses (not produced by the SSD base config's eval).
FASTER_RCNN_LOSSES = (
    "Loss/RPNLoss/localization_loss",
    "Loss/RPNLoss/objectness_loss",
    "Loss/BoxClassifierLoss/localization_loss",
    "Loss/BoxClassifierLoss/classification_loss",
)
# What else lands in Katib's metrics file: the collector redirects stderr there too.
NOISE = (
    " Average Precision  (AP) @[ IoU=0.50:0.95 | area=   all | maxDets=100 ] = 0.123",
    "INFO:tensorflow:\t+ DetectionBoxes_Precision/mAP: 0.123000",
    "I1126 10:00:00.000 eval: {'Loss/total_loss': 0.5, 'DetectionBoxes_Recall/AR@1': 0.2}",
    "W1126 model_lib_v2.py: Loss/total_loss is NaN at step 10",
)


def _od_api_metric_names() -> list[str]:
    config = odconfig.load_pipeline_config(str(base_config_path()))
    config.eval_config.metrics_set[:] = [
        "coco_detection_metrics",
        "coco_mask_metrics",
        "pascal_voc_detection_metrics",
        "weighted_pascal_voc_detection_metrics",
    ]
    return sorted(odconfig.eval_metric_names(config) | set(FASTER_RCNN_LOSSES))


ALL_NAMES = _od_api_metric_names()


def _metrics_format() -> str:
    spec = make_spec()
    experiment = render_experiment(spec, options=make_options(spec))
    formats = experiment["spec"]["metricsCollectorSpec"]["source"]["filter"]["metricsFormat"]
    assert len(formats) == 1
    fmt: str = formats[0]
    return fmt


def test_names_cover_the_coco_family() -> None:
    assert len(ALL_NAMES) == 34
    assert all(is_reportable_name(name) for name in ALL_NAMES)


def test_every_od_api_metric_is_read_back_from_a_full_eval_block() -> None:
    # An eval prints every metric at once; values differ so a mix-up would show.
    values = {name: round(0.01 * (i + 1), 2) for i, name in enumerate(ALL_NAMES)}
    values["Loss/total_loss"] = -1.5e-05  # sign and exponent
    block = [*NOISE, *format_metric_lines(values, timestamp=TIMESTAMP), *NOISE]
    got = collect(block, ALL_NAMES, _metrics_format())
    assert got == [(TIMESTAMP, name, repr(values[name])) for name in ALL_NAMES]


def test_each_name_as_objective_passes_the_preflight_round_trip() -> None:
    fmt = _metrics_format()
    lines = format_metric_lines({n: 0.5 for n in ALL_NAMES}, timestamp=TIMESTAMP)
    for objective in ALL_NAMES:
        doc = spec_doc()
        others = [n for n in ("Loss/total_loss", "DetectionBoxes_Precision/mAP") if n != objective]
        doc["spec"]["objective"] = {
            "type": "minimize" if objective.startswith("Loss/") else "maximize",
            "objectiveMetricName": objective,
            "additionalMetricNames": others,
        }
        spec = make_spec(doc)
        assert preflight.check_metric_names(spec.objective, fmt) == [], objective
        # Only the objective's own line yields the objective, never a longer neighbour's.
        assert [n for _, n, _ in collect(lines, [objective], fmt)] == [objective]


# -- one real trial, started the way Katib starts it --------------------------------------

TRIAL_NAME = "ssd-katib-test-x7k2p9qz"
OBJECTIVE = "DetectionBoxes_Precision/mAP"
ADDITIONAL = [
    "DetectionBoxes_Precision/mAP@.50IOU",
    "DetectionBoxes_Recall/AR@100 (small)",
    "Loss/total_loss",
]


def _trial_spec(data: DemoData) -> dict[str, Any]:
    warmup = LR_PATH.rsplit(".", 1)[0] + ".warmup_steps"
    return {
        "apiVersion": "odsweep/v1alpha1",
        "kind": "SearchSpace",
        "metadata": {"name": "ssd-katib-test"},
        "spec": {
            "pipelineConfigPath": data.config,
            "trainInputPath": data.train,
            "evalInputPath": data.eval,
            "labelMapPath": data.label_map,
            "numTrainSteps": 20,
            "checkpointEveryNSteps": 10,
            # Short trials: keep the base config's warmup inside the schedule.
            "overrides": {warmup: 5},
            "objective": {
                "type": "maximize",
                "objectiveMetricName": OBJECTIVE,
                "additionalMetricNames": ADDITIONAL,
            },
            "algorithm": {"algorithmName": "random"},
            "earlyStopping": {
                "algorithmName": "medianstop",
                "algorithmSettings": [
                    {"name": "min_trials_required", "value": "1"},
                    {"name": "start_step", "value": "2"},
                ],
            },
            "maxTrialCount": 4,
            "parameters": [
                {
                    "name": "learning_rate",
                    "configPath": LR_PATH,
                    "parameterType": "double",
                    "feasibleSpace": {"min": 0.01, "max": 0.05, "distribution": "logUniform"},
                },
                {
                    "name": "batch_size",
                    "configPath": "train_config.batch_size",
                    "parameterType": "discrete",
                    "feasibleSpace": {"list": [4, 8]},
                },
            ],
        },
    }


@pytest.fixture(scope="module")
def katib_trial(
    demo_data: DemoData, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Path, dict[str, Any], subprocess.CompletedProcess[str]]:
    root = tmp_path_factory.mktemp("katib-trial")
    spec_path = root / "spec.yaml"
    spec_path.write_text(yaml.safe_dump(_trial_spec(demo_data)))
    # The CLI a user runs; local paths are fine here (the "pod" is this machine).
    render = subprocess.run(
        odsweep_cmd(
            "katib", "render", str(spec_path),
            "--image", "local/odsweep:test",
            "--model-dir", str(root / "sweep"),
            "--gpus-per-trial", "0",
            "--allow-local-paths",
        ),
        capture_output=True,
        text=True,
        timeout=300,
    )  # fmt: skip
    assert render.returncode == 0, render.stderr
    experiment: dict[str, Any] = yaml.safe_load(render.stdout)
    container = job_container(experiment)
    values = {"learning_rate": "0.02", "batch_size": "4", "trialName": TRIAL_NAME}
    words = [substitute(w, values) for w in [*container["command"], *container["args"]]]
    (root / "katib").mkdir()
    line = katib_shell_command(
        words,
        metrics_file=str(root / "katib" / "metrics.log"),
        early_stopping="earlyStopping" in experiment["spec"],
    )
    # `odsweep` as the image has it: the console script of this environment.
    env = dict(os.environ, PATH=os.path.dirname(sys.executable) + os.pathsep + os.environ["PATH"])
    proc = subprocess.run(
        ["sh", "-c", line], cwd=root, env=env, capture_output=True, text=True, timeout=900
    )
    return root, experiment, proc


@pytest.mark.tf
@pytest.mark.train
def test_real_trial_under_katibs_wrapper_reports_every_metric(
    katib_trial: tuple[Path, dict[str, Any], subprocess.CompletedProcess[str]],
) -> None:
    root, experiment, proc = katib_trial
    log = (root / "katib" / "metrics.log").read_text()
    assert proc.returncode == 0, log[-3000:]
    fmt = experiment["spec"]["metricsCollectorSpec"]["source"]["filter"]["metricsFormat"][0]
    lines = log.splitlines()
    got = collect(lines, [OBJECTIVE, *ADDITIONAL], fmt)
    assert Counter(name for _, name, _ in got) == {n: 2 for n in [OBJECTIVE, *ADDITIONAL]}
    assert all(ts.endswith("Z") and "T" in ts for ts, _, _ in got)  # medianstop needs them
    # stderr shares the file: only the trial's metric lines may yield records.
    printed = [
        (ts, n, v) for ts, n, v in parse_metric_lines(lines) if n in {OBJECTIVE, *ADDITIONAL}
    ]
    assert [(ts, n, float(v)) for ts, n, v in got] == printed
    markers = list((root / "katib").glob("*.pid"))
    assert [m.read_text().strip() for m in markers] == ["completed"]


@pytest.mark.tf
@pytest.mark.train
def test_real_trial_writes_under_model_dir_trials_trial_name(
    katib_trial: tuple[Path, dict[str, Any], subprocess.CompletedProcess[str]],
) -> None:
    root, _, proc = katib_trial
    assert proc.returncode == 0
    result = json.loads((root / "sweep" / "trials" / TRIAL_NAME / "result.json").read_text())
    assert result["trial"] == TRIAL_NAME
    assert result["status"] == "succeeded"
    assert result["params"] == {"learning_rate": 0.02, "batch_size": 4}
