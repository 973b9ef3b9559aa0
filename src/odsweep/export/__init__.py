"""Export trained OD API checkpoints for TF Serving, and check the result.

- :func:`export_checkpoint` / :func:`export_trial`: publish a checkpoint as
  ``<base>/<version>/`` (``saved_model.pb``, ``variables/``, ``assets.extra/`` with the
  pipeline.config, label map and ``odsweep_provenance.json``). Exactly the requested
  checkpoint is restored; no half-written version is ever visible.
- :func:`winner_identity` / :func:`export_is_of_winner`: an export is reused only when
  its provenance records the same trial, step, checkpoint index hash, config hash and
  input type (recorded by :func:`export_trial`).
- :func:`verify_saved_model`: load the export with plain TensorFlow and run real eval
  images through its ``serving_default`` signature, then replay its TF Serving warm-up
  requests (``assets.extra/tf_serving_warmup_requests``, :data:`WARMUP_FILE`, written
  by every export from eval images in its input type).

An export killed mid-way (SIGKILL, power loss) can leave a ``<base>/.staging-<uuid>/``
folder: TF Serving ignores it, and it is not removed automatically because another
export may be using it; delete old ones by hand.

Importing this package is cheap: TensorFlow loads on the first call.
"""

from __future__ import annotations

from odsweep.export._export import export_checkpoint, export_trial
from odsweep.export._layout import existing_versions, next_version
from odsweep.export._reuse import (
    WinnerIdentity,
    export_is_of_winner,
    matches_winner,
    read_provenance,
    winner_identity,
)
from odsweep.export._types import (
    INPUT_TYPES,
    PROVENANCE_FILE,
    ExportFailed,
    ExportResult,
    VerifyResult,
)
from odsweep.export._verify import verify_saved_model
from odsweep.export._warmup import WARMUP_FILE

__all__ = [
    "INPUT_TYPES",
    "PROVENANCE_FILE",
    "WARMUP_FILE",
    "ExportFailed",
    "ExportResult",
    "VerifyResult",
    "WinnerIdentity",
    "existing_versions",
    "export_checkpoint",
    "export_is_of_winner",
    "export_trial",
    "matches_winner",
    "next_version",
    "read_provenance",
    "verify_saved_model",
    "winner_identity",
]
