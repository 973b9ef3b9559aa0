"""``odsweep katib render``: YAML on stdout and exit 0, or every reason on stderr and exit 2."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from odsweep.cli.main import main
from odsweep.demodata import base_config_path
from odsweep.errors import EXIT_BAD_INPUT, EXIT_OK
from tests.backends.katib.katib_fixtures import LR_PATH
from tests.tfrecords import write_shard

LABEL_MAP = "".join(f"item {{ id: {i} name: 'c{i}' }}\n" for i in (1, 2, 3))


def _write_spec(root: Path, **cluster: Any) -> Path:
    """A valid spec over placeholder data files (validation only globs them)."""
    (root / "data").mkdir()
    for name in ("train-0.tfrecord", "eval-0.tfrecord"):
        write_shard(root / "data" / name)
    (root / "data" / "label_map.pbtxt").write_text(LABEL_MAP)
    spec: dict[str, Any] = {
        "pipelineConfigPath": str(base_config_path()),
        "trainInputPath": "data/train-*.tfrecord",
        "evalInputPath": "data/eval-*.tfrecord",
        "labelMapPath": "data/label_map.pbtxt",
        "numTrainSteps": 300,
        "checkpointEveryNSteps": 100,
        "objective": {"type": "maximize", "objectiveMetricName": "DetectionBoxes_Precision/mAP"},
        "algorithm": {"algorithmName": "random"},
        "maxTrialCount": 4,
        "parameters": [
            {
                "name": "learning_rate",
                "configPath": LR_PATH,
                "parameterType": "double",
                "feasibleSpace": {"min": 0.01, "max": 0.05},
            }
        ],
    }
    if cluster:
        spec["cluster"] = cluster
    doc = {
        "apiVersion": "odsweep/v1alpha1",
        "kind": "SearchSpace",
        "metadata": {"name": "cli-demo"},
        "spec": spec,
    }
    path = root / "spec.yaml"
    path.write_text(yaml.safe_dump(doc))
    return path


def test_render_prints_the_experiment(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    spec = _write_spec(tmp_path)
    code = main([
        "katib", "render", str(spec),
        "--image", "registry.example/odsweep:0.1",
        "--model-dir", "gs://bucket/cli-demo",
        "--spec-uri", "gs://bucket/cli-demo/spec.yaml",
        "--gpus-per-trial", "2",
        "--resume-policy", "LongRunning",
        "--credentials-secret", "gcp-key",
    ])  # fmt: skip
    out, err = capsys.readouterr()
    assert code == EXIT_OK, err
    assert out.splitlines()[:2] == [
        "# Katib Experiment for the search space 'cli-demo', rendered by odsweep with:",
        f"#   odsweep katib render {spec} --image registry.example/odsweep:0.1 --gpus-per-trial 2 "
        "--model-dir gs://bucket/cli-demo --spec-uri gs://bucket/cli-demo/spec.yaml "
        "--resume-policy LongRunning --credentials-secret gcp-key",
    ]
    experiment = yaml.safe_load(out)
    assert experiment["kind"] == "Experiment"
    assert experiment["spec"]["resumePolicy"] == "LongRunning"
    pod = experiment["spec"]["trialTemplate"]["trialSpec"]["spec"]["template"]["spec"]
    assert pod["containers"][0]["resources"]["limits"] == {"nvidia.com/gpu": "2"}
    assert pod["volumes"][0]["secret"] == {"secretName": "gcp-key"}


def test_flags_win_over_the_cluster_block(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    spec = _write_spec(tmp_path, image="from-spec:1", namespace="team-a", gpusPerTrial=1)
    code = main(["katib", "render", str(spec), "--namespace", "team-b", "--gpus-per-trial", "0",
                 "--model-dir", "gs://b/x", "--spec-uri", "gs://b/x/spec.yaml"])  # fmt: skip
    out, err = capsys.readouterr()
    assert code == EXIT_OK, err
    experiment = yaml.safe_load(out)
    assert experiment["metadata"] == {"name": "cli-demo", "namespace": "team-b"}
    container = experiment["spec"]["trialTemplate"]["trialSpec"]["spec"]["template"]["spec"][
        "containers"
    ][0]
    assert container["image"] == "from-spec:1"
    assert "resources" not in container


def test_every_problem_on_stderr_one_line_each_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    spec = _write_spec(tmp_path)
    code = main(["katib", "render", str(spec), "--image", "a b", "--model-dir", "runs/x",
                 "--namespace", "Bad_NS"])  # fmt: skip
    out, err = capsys.readouterr()
    assert code == EXIT_BAD_INPUT
    assert out == ""
    assert err.splitlines() == [
        "odsweep katib: error: --image: must not contain whitespace, got 'a b'",
        "odsweep katib: error: --namespace: must be a DNS-1123 label ([a-z0-9-], at most 63 "
        "characters), got 'Bad_NS'",
        "odsweep katib: error: --model-dir: a relative path means nothing inside a trial pod, "
        "got 'runs/x'; use gs://BUCKET/PATH",
        f"odsweep katib: error: --spec-uri (not given, so the spec's path {spec}): that file is "
        "on this machine, not in the trial pod; upload it and pass --spec-uri "
        "gs://BUCKET/PATH/spec.yaml (or --spec-uri /path/inside/image), or pass "
        "--allow-local-paths",
    ]


def test_missing_image_and_model_dir(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    spec = _write_spec(tmp_path)
    assert main(["katib", "render", str(spec)]) == EXIT_BAD_INPUT
    err = capsys.readouterr().err.splitlines()
    assert [line.split(": ")[2] for line in err] == ["--image", "--model-dir"]


def test_an_invalid_spec_stops_before_the_katib_checks(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    spec = _write_spec(tmp_path)
    (tmp_path / "data" / "label_map.pbtxt").unlink()
    assert main(["katib", "render", str(spec), "--image", "i:1", "--model-dir", "x"]) == 2
    err = capsys.readouterr().err
    assert "label_map.pbtxt" in err
    assert "--model-dir" not in err


def test_local_paths_with_the_flag(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    spec = _write_spec(tmp_path)
    code = main(["katib", "render", str(spec), "--image", "i:1", "--model-dir",
                 str(tmp_path / "out"), "--allow-local-paths"])  # fmt: skip
    out, err = capsys.readouterr()
    assert code == EXIT_OK, err
    assert out.splitlines()[1].endswith(" --allow-local-paths")
    args = yaml.safe_load(out)["spec"]["trialTemplate"]["trialSpec"]["spec"]["template"]["spec"][
        "containers"
    ][0]["args"]
    assert args[:2] == ["--spec", str(spec)]


def test_render_needs_a_subcommand(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(["katib"])
    assert info.value.code == 2
