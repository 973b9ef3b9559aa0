"""``odsweep pipeline compile``: flags become the package's cluster settings."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from odsweep.cli.main import main


def test_compile_with_cluster_flags(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "pipelines" / "p.yaml"
    code = main(
        [
            "pipeline",
            "compile",
            "--output",
            str(out),
            "--components-dir",
            str(tmp_path / "components"),
            "--image",
            "europe-docker.pkg.dev/proj/repo/odsweep:1.0",
            "--credentials-secret",
            "gcs-key",
            "--search-gpus",
            "2",
            "--node-selector",
            "pool=gpu",
            "--toleration",
            "dedicated=ml:NoSchedule",
            "--toleration",
            "nvidia.com/gpu:NoExecute",
        ]
    )
    assert code == 0
    printed = capsys.readouterr().out.split()
    assert printed[0] == str(out) and len(printed) == 7
    spec, platform = yaml.safe_load_all(out.read_text())
    search = spec["deploymentSpec"]["executors"]["exec-search-2"]["container"]
    assert search["image"] == "europe-docker.pkg.dev/proj/repo/odsweep:1.0"
    assert search["resources"]["accelerator"]["resourceCount"] == "2"
    k8s = platform["platforms"]["kubernetes"]["deploymentSpec"]["executors"]["exec-search-2"]
    assert k8s["nodeSelector"] == {"labels": {"pool": "gpu"}}
    assert k8s["tolerations"] == [
        {"effect": "NoSchedule", "key": "dedicated", "operator": "Equal", "value": "ml"},
        {"effect": "NoExecute", "key": "nvidia.com/gpu", "operator": "Exists"},
    ]
    assert k8s["secretAsEnv"][0]["secretName"] == "gcs-key"


def test_compile_without_components(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert (
        main(["pipeline", "compile", "--output", str(tmp_path / "p.yaml"), "--components-dir", ""])
        == 0
    )
    assert capsys.readouterr().out.split() == [str(tmp_path / "p.yaml")]


def test_bad_toleration_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(["pipeline", "compile", "--toleration", "dedicated=ml"])
    assert info.value.code == 2
    assert "KEY[=VALUE]:EFFECT" in capsys.readouterr().err
