"""The steps' own logic without KFP and without training (synthetic trials)."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
import yaml

from odsweep.demodata import base_config_path
from odsweep.errors import InputError
from odsweep.pipeline import _katib_step, _steps
from odsweep.pipeline._report_step import copy_tree, report
from odsweep.results import (
    SPEC_SNAPSHOT,
    TrialResult,
    best_record,
    read_best,
    trial_results,
    write_best,
    write_result,
)
from odsweep.sweep import SearchFailed, snapshot_spec
from tests.report.report_fixtures import trial
from tests.tfrecords import write_shard

IMAGE = "registry.example/odsweep:0.1"
LR = "train_config.optimizer.momentum_optimizer.learning_rate.cosine_decay_learning_rate"


@pytest.fixture
def data(tmp_path: Path) -> Path:
    """Files validation looks at (TFRecords are only globbed, not read)."""
    root = tmp_path / "data"
    root.mkdir()
    write_shard(root / "train-0.tfrecord")
    write_shard(root / "eval-0.tfrecord")
    (root / "label_map.pbtxt").write_text(
        "".join(f'item {{ id: {i} name: "c{i}" }}\n' for i in (1, 2, 3))
    )
    return root


def search_space(data: Path, **spec: Any) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "apiVersion": "odsweep/v1alpha1",
        "kind": "SearchSpace",
        "metadata": {"name": "steps"},
        "spec": {
            "pipelineConfigPath": str(base_config_path()),
            "trainInputPath": str(data / "train-*.tfrecord"),
            "evalInputPath": str(data / "eval-*.tfrecord"),
            "labelMapPath": str(data / "label_map.pbtxt"),
            "numTrainSteps": 300,
            "checkpointEveryNSteps": 100,
            "overrides": {f"{LR}.warmup_steps": 5},
            "objective": {"type": "max", "objectiveMetricName": "DetectionBoxes_Precision/mAP"},
            "algorithm": {"algorithmName": "random"},
            "maxTrialCount": 4,
            "parameters": [
                {
                    "name": "learning_rate",
                    "configPath": f"{LR}.learning_rate_base",
                    "parameterType": "double",
                    "feasibleSpace": {"min": 0.02, "max": 0.2, "distribution": "logUniform"},
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
    doc["spec"].update(spec)
    return doc


def test_validate_applies_parameters_and_snapshots_the_spec(data: Path, tmp_path: Path) -> None:
    model_dir = tmp_path / "sweep"
    done = _steps.validate(
        yaml.safe_dump(search_space(data)),
        model_dir=str(model_dir),
        eval_dir="",
        backend="optuna",
        num_train_steps=200,
        max_trial_count=2,
    )
    assert done == _steps.Validated(str(model_dir / SPEC_SNAPSHOT), str(model_dir / "eval"))
    snapshot = yaml.safe_load((model_dir / SPEC_SNAPSHOT).read_text())["spec"]
    assert snapshot["numTrainSteps"] == 200 and snapshot["maxTrialCount"] == 2
    assert _steps.load(done.spec_path).num_train_steps == 200


def test_validate_runs_every_check_before_any_compute(data: Path, tmp_path: Path) -> None:
    doc = search_space(data, labelMapPath=str(data / "missing.pbtxt"))
    with pytest.raises(InputError, match=r"missing\.pbtxt"):
        _steps.validate(
            yaml.safe_dump(doc), model_dir=str(tmp_path / "s"), eval_dir="", backend="optuna"
        )
    assert not (tmp_path / "s").exists()


def test_validate_for_katib_adds_katibs_checks(data: Path, tmp_path: Path) -> None:
    doc = search_space(data, cluster={"image": IMAGE})
    with pytest.raises(InputError) as info:
        _steps.validate(
            yaml.safe_dump(doc), model_dir=str(tmp_path / "s"), eval_dir="", backend="katib"
        )
    # A trial pod cannot see this machine's disk; named as the pipeline parameter.
    assert any(
        line.startswith("model_dir: a local path is lost with each trial's pod")
        for line in info.value.messages
    ), info.value.messages


def test_katib_search_without_a_cluster_says_how_to_connect(
    data: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("KUBERNETES_SERVICE_HOST", "KUBERNETES_SERVICE_PORT", "KUBECONFIG"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    model_dir = tmp_path / "s"
    doc = search_space(data, cluster={"image": IMAGE})
    done = _steps.validate(
        yaml.safe_dump(doc), model_dir=str(model_dir), eval_dir="", backend="optuna"
    )
    with pytest.raises(InputError, match=r"^no Kubernetes configuration"):
        _steps.search(done.spec_path, backend="katib", model_dir=str(model_dir))


def test_katib_ui_url() -> None:
    assert (
        _katib_step.katib_ui_url("https://kf.example.com/", "team-a", "ssd")
        == "https://kf.example.com/katib/experiment/ssd?ns=team-a"
    )
    assert _katib_step.katib_ui_url("", "team-a", "ssd") == "/katib/experiment/ssd?ns=team-a"


@pytest.fixture
def finished_sweep(data: Path, tmp_path: Path) -> tuple[str, Path]:
    """A sweep's model_dir as the search step leaves it: snapshot, trials, best.json."""
    from odsweep.pipeline._params import resolve_spec

    model_dir = tmp_path / "sweep"
    spec = resolve_spec(yaml.safe_dump(search_space(data, cluster={"image": IMAGE})))
    spec_path = snapshot_spec(spec, str(model_dir))
    trials = [
        trial("steps-1", [0.1, 0.2], params={"learning_rate": 0.03, "batch_size": 4}, every=100),
        trial(
            "steps-2", [0.15, 0.35, 0.3], params={"learning_rate": 0.1, "batch_size": 8}, every=100
        ),
    ]
    for result in trials:
        write_result(str(model_dir / "trials" / result.trial), result)
    events = model_dir / "trials" / "steps-2" / "eval" / "eval_input"
    events.mkdir(parents=True)
    (events / "events.out.tfevents.1.host").write_bytes(b"\x00event")
    best = best_record(trials[1])
    write_best(str(model_dir), best)
    return spec_path, model_dir


def test_report_writes_eval_dir_and_kfp_texts(
    finished_sweep: tuple[str, Path], tmp_path: Path
) -> None:
    spec_path, model_dir = finished_sweep
    eval_dir = tmp_path / "eval_dir"
    done = report(
        spec_path,
        model_dir=str(model_dir),
        eval_dir=str(eval_dir),
        backend="katib",
        experiment_url="https://kf.example.com/katib/experiment/steps?ns=team-a",
        model_path="gs://bucket/models/ssd/1",
    )
    assert done.eval_dir == str(eval_dir)
    files = sorted(str(p.relative_to(eval_dir)) for p in eval_dir.rglob("*") if p.is_file())
    assert "best.json" in files and "report.md" in files and "report.html" in files
    assert "eval_input/events.out.tfevents.1.host" in files
    assert any(f.startswith("report_files/") and f.endswith(".png") for f in files)
    assert json.loads((eval_dir / "best.json").read_text())["trial"] == "steps-2"
    # The Markdown artifact has no links to report_files/ (the KFP UI cannot reach them).
    assert "report_files/" not in done.markdown and "see the HTML report" in done.markdown
    assert "steps-2" in done.markdown and "learning_rate" in done.markdown
    assert "[Katib UI](<https://kf.example.com/katib/experiment/steps?ns=team-a>)" in done.markdown
    assert "gs://bucket/models/ssd/1" in done.markdown
    assert "data:image/png;base64," in done.html and "steps-2" in done.html


def test_export_refuses_a_best_json_of_another_run(finished_sweep: tuple[str, Path]) -> None:
    spec_path, model_dir = finished_sweep
    with pytest.raises(InputError, match="names 'steps-2', got 'steps-1'"):
        _steps.export(spec_path, model_dir=str(model_dir), best_trial="steps-1")


def test_copy_tree_merges(tmp_path: Path) -> None:
    src, dst = tmp_path / "src", tmp_path / "dst"
    (src / "a" / "b").mkdir(parents=True)
    (src / "top.txt").write_text("1")
    (src / "a" / "b" / "deep.txt").write_text("2")
    (dst / "a").mkdir(parents=True)
    (dst / "a" / "keep.txt").write_text("3")
    assert copy_tree(str(src), str(dst)) == 2
    assert (dst / "a" / "b" / "deep.txt").read_text() == "2"
    assert (dst / "a" / "keep.txt").read_text() == "3"


def test_optuna_on_a_bucket_refuses_trials_of_an_earlier_run(
    finished_sweep: tuple[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    spec_path, _ = finished_sweep
    listed: list[str] = []

    def list_dir(path: str) -> list[str]:
        listed.append(path)
        return ["steps-1", "steps-2"]

    monkeypatch.setattr(_steps.storage, "list_dir", list_dir)
    with pytest.raises(InputError, match=r"^model_dir: gs://b/sweep already holds 2 trial\(s\)"):
        _steps._search_optuna(_steps.load(spec_path), spec_path, "gs://b/sweep", 1.0)
    assert listed == ["gs://b/sweep/trials"]


def fake_katib_search(
    monkeypatch: pytest.MonkeyPatch, *, succeeded: bool, results: list[TrialResult]
) -> list[dict[str, Any]]:
    """Replace the Katib backend's run_search; return the calls it gets."""
    import odsweep.backends.katib as katib
    from odsweep.backends.katib import _engine

    calls: list[dict[str, Any]] = []

    def run_search(spec: Any, options: Any, **kw: Any) -> Any:
        calls.append({"spec": spec.name, "options": options, **kw})
        winner = max(results, key=lambda r: r.best.value if r.best else -1.0)
        return katib.KatibSearch(
            experiment=katib.ExperimentRef("steps", "team-a", created=True),
            outcome=SimpleNamespace(
                succeeded=succeeded,
                verdict=katib.KatibVerdict.SUCCEEDED_MAX_TRIALS
                if succeeded
                else katib.KatibVerdict.FAILED,
            ),
            winner=winner if succeeded else None,
            message="succeeded: maxTrialCount reached" if succeeded else "failed: boom",
            results=tuple(results),
        )

    monkeypatch.setattr(_engine, "run_search", run_search)
    return calls


def test_katib_search_follows_the_experiment_and_picks_its_winner(
    finished_sweep: tuple[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    spec_path, model_dir = finished_sweep
    (model_dir / "best.json").unlink()
    results = trial_results(str(model_dir))
    calls = fake_katib_search(monkeypatch, succeeded=True, results=results)
    found = _steps.search(
        spec_path, backend="katib", model_dir=str(model_dir), kubeflow_url="https://kf.example"
    )
    assert found.best_trial == "steps-2" and found.best_metric == pytest.approx(0.35)
    assert found.experiment_url == "https://kf.example/katib/experiment/steps?ns=team-a"
    assert read_best(str(model_dir)).trial == "steps-2"
    (call,) = calls
    options = call["options"]
    assert options.model_dir == str(model_dir)
    assert options.spec_uri == str(model_dir / SPEC_SNAPSHOT)  # the validate step's snapshot
    assert options.credentials_secret is None  # no key from a Secret: Workload Identity
    assert call["on_existing"] == "resume" and call["show_progress"] is False


def test_a_failed_katib_search_reports_and_says_where_to_look(
    finished_sweep: tuple[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    spec_path, model_dir = finished_sweep
    fake_katib_search(monkeypatch, succeeded=False, results=trial_results(str(model_dir)))
    with pytest.raises(SearchFailed) as info:
        _steps.search(spec_path, backend="katib", model_dir=str(model_dir))
    assert "failed: boom" in str(info.value)
    assert "kubectl -n team-a describe experiment steps" in str(info.value)
    assert (model_dir / "report.html").is_file()
