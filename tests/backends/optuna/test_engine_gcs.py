"""The local engine with a gs:// output (a real GCS server on 127.0.0.1): trials are
handed the gs:// paths unchanged, write result.json into the bucket, and the engine
follows them through odsweep.storage. Fake trials (no TensorFlow)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from odsweep.backends.optuna import LocalEngine, Verdict, suggest
from odsweep.backends.optuna import _study as studies
from odsweep.results import TrialStatus
from odsweep.spec import load_spec
from tests.backends.optuna.test_engine import FAKE
from tests.gcs_fixtures import GcsBucket, gcs, gcs_server, upload_search_space

__all__ = ["gcs", "gcs_server"]


def test_trials_write_into_the_bucket_and_the_engine_reads_them_there(
    gcs: GcsBucket, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FAKE_DELAY", "0.05")
    monkeypatch.delenv("FAKE_FAIL_ABOVE", raising=False)
    monkeypatch.delenv("FAKE_LOG", raising=False)
    spec_uri = upload_search_space(gcs)
    logs = tmp_path / "logs"
    engine = LocalEngine(
        load_spec(spec_uri),
        spec_path=spec_uri,
        output_dir=gcs.uri("out"),
        storage_url=f"sqlite:///{tmp_path / 'study.db'}",
        poll_seconds=0.05,
        show_progress=False,
        argv_prefix=[sys.executable, str(FAKE)],
        log_dir=str(logs),
    )
    # An earlier attempt of gcs-1 the study holds as its own interrupted trial (owned by
    # this process, which never started it: a dead engine's), and what it left: the
    # re-run must not see (or resume) it, and must not delete it either.
    with studies.quiet_heartbeat():
        trial = engine.study.ask()
    suggest(trial, engine.spec)
    studies.claim(engine.study, trial, "gcs-1")
    gcs.put("out/trials/gcs-1/ckpt-999.index", b"stale")
    gcs.put("out/trials/gcs-1/result.json", "{not json")
    outcome = engine.run()
    assert outcome.verdict is Verdict.SUCCEEDED_MAX_TRIALS, outcome.message
    assert [r.trial for r in outcome.results] == ["gcs-1", "gcs-2"]
    assert all(r.status is TrialStatus.SUCCEEDED for r in outcome.results)
    names = gcs.names("out/")
    for trial in ("gcs-1", "gcs-2"):
        prefix = f"out/trials/{trial}/"
        # The fake trial's checkpoints (an eval every 10 of 40 steps), no stale ckpt-999.
        assert sorted(n[len(prefix) :] for n in names if n.startswith(prefix)) == [
            "ckpt-10.index",
            "ckpt-20.index",
            "ckpt-30.index",
            "ckpt-40.index",
            "pipeline.config",
            "result.json",
            "stderr.log",
            "stdout.log",
        ]
        doc = json.loads(gcs.get(f"{prefix}result.json"))
        # The trial got its gs:// folder unchanged (its checkpoints are named under it).
        assert doc["evals"][0]["checkpoint"] == gcs.uri(f"{prefix}ckpt-10")
        assert doc["wall_seconds"] > 0  # the engine's final write went to the bucket
        # The logs were written locally while it ran, then uploaded.
        local = (logs / trial / "stdout.log").read_bytes()
        assert b"DetectionBoxes_Precision/mAP=" in local
        assert gcs.get(f"{prefix}stdout.log") == local
    # The earlier attempt, moved aside whole.
    assert gcs.get("out/trials/.attempts/gcs-1-1/ckpt-999.index") == b"stale"
    assert gcs.get("out/trials/.attempts/gcs-1-1/result.json") == b"{not json"


def test_a_remote_output_needs_a_local_log_dir(gcs: GcsBucket, tmp_path: Path) -> None:
    spec_uri = upload_search_space(gcs)
    with pytest.raises(ValueError, match="a local log_dir is needed for the remote output"):
        LocalEngine(
            load_spec(spec_uri),
            spec_path=spec_uri,
            output_dir=gcs.uri("out"),
            storage_url=f"sqlite:///{tmp_path / 'study.db'}",
        )
