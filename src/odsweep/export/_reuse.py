"""Is an existing export the export of the current winner? Pure: no TensorFlow.

An export is reused only when its provenance names the same trial, the same step, the
same checkpoint content (the sha256 of ``<checkpoint>.index``, which lists every
tensor's checksum), the same effective ``pipeline.config`` (sha256 of the trial's own
copy) and the same serving input type. Anything else, including a provenance file
that is missing or unreadable, means a new version is published.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from odsweep import storage
from odsweep.errors import InputError
from odsweep.export._types import ASSETS_EXTRA, PROVENANCE_FILE
from odsweep.export._warmup import WARMUP_FILE
from odsweep.results import TRIAL_CONFIG_FILE

logger = logging.getLogger(__name__)

PIPELINE_FILE = TRIAL_CONFIG_FILE


def sha256_of(path: str) -> str:
    """The sha256 of a local or ``gs://`` file.

    Raises:
        InputError: the file cannot be read.
    """
    return hashlib.sha256(storage.read_bytes(path)).hexdigest()


@dataclass(frozen=True)
class WinnerIdentity:
    """What makes an export the export of one trial's best checkpoint."""

    trial: str
    step: int
    checkpoint_index_sha256: str
    config_sha256: str
    input_type: str

    def provenance(self) -> dict[str, Any]:
        """The keys recorded in ``odsweep_provenance.json`` for :func:`matches_winner`."""
        return {
            "trial": self.trial,
            "step": self.step,
            "checkpoint_index_sha256": self.checkpoint_index_sha256,
            "config_sha256": self.config_sha256,
            "input_type": self.input_type,
        }


def winner_identity(
    trial_dir: str, *, trial: str, step: int, checkpoint: str, input_type: str
) -> WinnerIdentity:
    """Hash a trial's best checkpoint's index file and its effective pipeline.config.

    Args:
        trial_dir: The trial's folder (its ``pipeline.config`` is the effective config).
        trial: The trial's name.
        step: The best checkpoint's step.
        checkpoint: The best checkpoint's prefix (``<trial_dir>/best/ckpt-40``).
        input_type: The serving input type the export uses.

    Raises:
        InputError: the index file or the config cannot be read.
    """
    return WinnerIdentity(
        trial=trial,
        step=step,
        checkpoint_index_sha256=sha256_of(f"{checkpoint}.index"),
        config_sha256=sha256_of(storage.join(trial_dir, PIPELINE_FILE)),
        input_type=input_type,
    )


def matches_winner(
    provenance: Mapping[str, Any],
    *,
    trial: str,
    step: int,
    checkpoint_index_sha256: str,
    config_sha256: str,
    input_type: str,
) -> bool:
    """True only when the provenance records exactly this winner (every key present)."""
    want = WinnerIdentity(trial, step, checkpoint_index_sha256, config_sha256, input_type)
    for key, value in want.provenance().items():
        have = provenance.get(key)
        if isinstance(have, bool) or type(have) is not type(value) or have != value:
            return False
    return True


def read_provenance(export_path: str) -> Mapping[str, Any] | None:
    """An export's ``assets.extra/odsweep_provenance.json``; None if missing or unreadable
    (such an export is simply not reused; the reason is logged)."""
    path = storage.join(export_path, ASSETS_EXTRA, PROVENANCE_FILE)
    try:
        if not storage.exists(path):
            return None
        doc = json.loads(storage.read_bytes(path))
    except (InputError, ValueError) as exc:
        logger.warning("%s is unreadable (%s): the export is not reused", path, exc)
        return None
    if not isinstance(doc, dict):
        logger.warning("%s is not a JSON object: the export is not reused", path)
        return None
    return doc


def export_is_of_winner(export_path: str, identity: WinnerIdentity) -> bool:
    """:func:`matches_winner` on an export folder's provenance file."""
    provenance = read_provenance(export_path)
    if provenance is None:
        return False
    if not storage.exists(storage.join(export_path, ASSETS_EXTRA, WARMUP_FILE)):
        # Made before exports carried TF Serving's warm-up requests: export anew.
        logger.info("%s has no %s: the export is not reused", export_path, WARMUP_FILE)
        return False
    return matches_winner(provenance, **identity.provenance())
