"""Zoo config settings a trial here cannot honour: switched off, with a logged note.

- ``train_config.use_bfloat16: true`` (the zoo's ``*_tpu-8`` configs). odsweep trains on
  CPUs and GPUs only (its trainer never builds a TPU strategy). The OD API's own loop
  already ignores the flag for the model off a TPU (``use_bfloat16 and use_tpu``), but
  its input pipeline still casts every training image to bfloat16, which the float32
  model then trains on at lower precision, slowly and untested. Switched off, the trial
  trains exactly what the OD API's own loop trains off a TPU.

(``eval_config.include_metrics_per_category: true``, in the zoo's Mask R-CNN configs, is
kept: ``odsweep.trial.per_category`` makes it work with the released pycocotools.)

Refusing these configs would make every zoo user write the same override for settings
that only concern hardware odsweep does not use.
"""

from __future__ import annotations

import logging
from typing import Any

logger = logging.getLogger(__name__)

BFLOAT16_NOTE = (
    "train_config.use_bfloat16: true works only on TPUs; switched off for this trial "
    "(odsweep trains on CPU/GPU in float32, as the OD API does off a TPU)"
)


def switch_off_unsupported(config: Any) -> list[str]:
    """Switch off what this trial cannot run in ``config`` (in place); one note per change.

    Each note is also logged as a warning, so a trial's log says why its effective
    ``pipeline.config`` differs from the base config.
    """
    notes: list[str] = []
    if config.train_config.use_bfloat16:
        config.train_config.use_bfloat16 = False
        notes.append(BFLOAT16_NOTE)
    for note in notes:
        logger.warning("%s", note)
    return notes
