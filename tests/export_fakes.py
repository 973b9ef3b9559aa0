"""A stand-in for the TensorFlow exporter and verifier that keeps their file contract.

``export_trial`` publishes ``<base>/<next version>/saved_model.pb`` and the provenance
file with the winner's identity (trial, step, checkpoint index and config hashes, input
type), exactly as the real exporter records it, so the export-reuse rule is exercised
for real; ``verify_saved_model`` records what it was asked to verify.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

import odsweep.export
from odsweep import storage
from odsweep.export import PROVENANCE_FILE, WARMUP_FILE, ExportResult, VerifyResult, next_version
from odsweep.export._types import ASSETS_EXTRA
from odsweep.results import SAVED_MODEL_FILE, read_result


class RecordedExport:
    def __init__(self) -> None:
        self.exports: list[tuple[str, str, dict[str, Any]]] = []
        self.verified: list[tuple[str, str]] = []
        self.label_maps: list[str | None] = []

    def export_trial(self, trial_dir: str, output_base: str, **kw: Any) -> ExportResult:
        self.exports.append((trial_dir, output_base, kw))
        result = read_result(trial_dir)
        assert result.best is not None
        identity = odsweep.export.winner_identity(
            trial_dir,
            trial=result.trial,
            step=result.best.step,
            checkpoint=result.best.checkpoint,
            input_type=kw["input_type"],
        )
        version = next_version(output_base)
        path = storage.join(output_base, str(version))
        provenance = {**kw.get("provenance", {}), **identity.provenance()}
        storage.write_text_atomic(
            storage.join(path, ASSETS_EXTRA, PROVENANCE_FILE), json.dumps(provenance)
        )
        # As a real export: TF Serving's warm-up file beside the provenance.
        storage.write_bytes_atomic(storage.join(path, ASSETS_EXTRA, WARMUP_FILE), b"")
        storage.write_bytes_atomic(storage.join(path, SAVED_MODEL_FILE), b"graph")
        return ExportResult(output_base, version, path, kw["input_type"], "ckpt", "prov")

    def verify(
        self, path: str, *, input_type: str, eval_input: str, label_map: str | None = None
    ) -> VerifyResult:
        self.verified.append((path, eval_input))
        self.label_maps.append(label_map)
        return VerifyResult(path, input_type, 1, ("num_detections",), (3,), 0.9, 0.1)


def install(monkeypatch: pytest.MonkeyPatch) -> RecordedExport:
    record = RecordedExport()
    monkeypatch.setattr(odsweep.export, "export_trial", record.export_trial)
    monkeypatch.setattr(odsweep.export, "verify_saved_model", record.verify)
    return record
