"""``submit`` / ``odsweep pipeline submit`` at the KFP client boundary (no server)."""

from __future__ import annotations

import datetime
from pathlib import Path
from typing import Any, ClassVar

import kfp
import kfp_server_api
import pytest
from kfp.client.client import RunPipelineResult

from odsweep.cli.main import main
from odsweep.errors import InputError
from odsweep.pipeline import submit
from odsweep.pipeline._submit import package_parameters, parse_arguments, run_url

REPO = Path(__file__).resolve().parents[2]
PACKAGE = str(REPO / "pipelines" / "odsweep_pipeline.yaml")
RUN_ID = "5d6b8b0e-7c1f-4f0a-9d61-3c2f7a1e9b42"


class RecordingClient:
    """Stands in for ``kfp.Client``: records its calls, answers as the server would."""

    instances: ClassVar[list[RecordingClient]] = []

    def __init__(self, host: str | None = None, namespace: str = "kubeflow", **kw: Any) -> None:
        self.init = {"host": host, "namespace": namespace, **kw}
        self.calls: list[dict[str, Any]] = []
        RecordingClient.instances.append(self)

    def create_run_from_pipeline_package(
        self,
        pipeline_file: str,
        arguments: dict[str, Any] | None = None,
        run_name: str | None = None,
        experiment_name: str | None = None,
        namespace: str | None = None,
        **kw: Any,
    ) -> RunPipelineResult:
        self.calls.append(
            {
                "pipeline_file": pipeline_file,
                "arguments": arguments,
                "run_name": run_name,
                "experiment_name": experiment_name,
                "namespace": namespace,
                **kw,
            }
        )
        run = kfp_server_api.V2beta1Run(
            experiment_id="0f3a9c52-exp",
            run_id=RUN_ID,
            display_name=run_name or "odsweep_pipeline.yaml 2026-11-26 12-00-00",
            state="PENDING",
            created_at=datetime.datetime(2026, 11, 26, 12, 0, tzinfo=datetime.UTC),
        )
        return RunPipelineResult(self, run)  # type: ignore[arg-type]


@pytest.fixture
def client(monkeypatch: pytest.MonkeyPatch) -> type[RecordingClient]:
    RecordingClient.instances = []
    monkeypatch.setattr(kfp, "Client", RecordingClient)
    return RecordingClient


def test_submit_creates_a_run_and_returns_its_link(
    client: type[RecordingClient], capsys: pytest.CaptureFixture[str]
) -> None:
    params = {
        "search_space": "gs://b/search.yaml",
        "model_dir": "gs://b/exp4",
        "num_train_steps": 500,
    }
    run_id, url = submit(
        host="https://kubeflow.example.com/pipeline",
        namespace="kubeflow-user",
        experiment_name="ssd-sweeps",
        params=params,
        package_path=PACKAGE,
    )
    (made,) = client.instances
    assert made.init == {
        "host": "https://kubeflow.example.com/pipeline",
        "namespace": "kubeflow-user",
    }
    assert made.calls == [
        {
            "pipeline_file": PACKAGE,
            "arguments": params,
            "run_name": None,
            "experiment_name": "ssd-sweeps",
            "namespace": "kubeflow-user",
        }
    ]
    assert run_id == RUN_ID
    # The link the KFP UI serves for a run (the client's own format).
    assert url == f"https://kubeflow.example.com/pipeline/#/runs/details/{RUN_ID}"
    assert capsys.readouterr().out == ""  # library code never prints; the CLI does


def test_run_url_forms() -> None:
    assert run_url("http://localhost:8080/", "r1") == "http://localhost:8080/#/runs/details/r1"
    assert run_url("localhost:8080", "r1") == "http://localhost:8080/#/runs/details/r1"


def test_submit_refuses_a_missing_package(client: type[RecordingClient], tmp_path: Path) -> None:
    with pytest.raises(InputError, match="run odsweep pipeline compile"):
        submit(
            host="h",
            namespace=None,
            experiment_name="e",
            params={},
            package_path=str(tmp_path / "x"),
        )
    assert client.instances == []


def test_arguments_are_typed_as_the_package_declares(tmp_path: Path) -> None:
    declared = package_parameters(PACKAGE)
    spec = tmp_path / "search.yaml"
    spec.write_text("apiVersion: odsweep/v1alpha1\nkind: SearchSpace\n")
    args = parse_arguments(
        [
            ("search_space", f"@{spec}"),
            ("model_dir", "gs://b/exp4"),
            ("num_train_steps", "500"),
            ("gpus_per_trial", "0"),
            ("backend", "optuna"),
        ],
        declared,
    )
    assert args == {
        "search_space": spec.read_text(),
        "model_dir": "gs://b/exp4",
        "num_train_steps": 500,
        "gpus_per_trial": 0,
        "backend": "optuna",
    }


def test_argument_problems_are_reported_together() -> None:
    with pytest.raises(InputError) as info:
        parse_arguments(
            [("num_train_step", "5"), ("max_trial_count", "many"), ("search_space", "@/nope.yaml")],
            package_parameters(PACKAGE),
        )
    lines = list(info.value.messages)
    assert lines[0].startswith("--param num_train_step: not a parameter of this pipeline; one of ")
    assert lines[1] == "--param max_trial_count: must be number_integer, got 'many'"
    assert lines[2].startswith("--param search_space: cannot read '/nope.yaml'")
    assert lines[3:] == [
        "--param model_dir: required (the pipeline has no default for it)",
        "--param search_space: required (the pipeline has no default for it)",
    ]


def test_cli_submit(
    client: type[RecordingClient],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(REPO)  # the default --package is relative to the repository
    code = main(
        [
            "pipeline",
            "submit",
            "--host",
            "http://localhost:8080",
            "--experiment",
            "demo",
            "--param",
            "search_space=gs://b/search.yaml",
            "--param",
            "model_dir=gs://b/exp4",
            "--param",
            "max_trial_count=12",
        ]
    )
    assert code == 0
    (made,) = client.instances
    assert made.init["namespace"] is None
    assert made.calls[0]["arguments"] == {
        "search_space": "gs://b/search.yaml",
        "model_dir": "gs://b/exp4",
        "max_trial_count": 12,
    }
    assert made.calls[0]["pipeline_file"] == "pipelines/odsweep_pipeline.yaml"
    assert (
        capsys.readouterr().out == f"run {RUN_ID}: http://localhost:8080/#/runs/details/{RUN_ID}\n"
    )


def test_cli_submit_bad_param_exits_2(
    client: type[RecordingClient], capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["pipeline", "submit", "--host", "h", "--param", "model_dir=/x"])
    assert code == 2
    assert "--param search_space: required" in capsys.readouterr().err
    assert client.instances == []
