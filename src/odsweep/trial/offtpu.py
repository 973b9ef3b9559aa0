"""Settings of the model zoo's TPU configs that a trial off a TPU switches off.

The zoo's ``*_tpu-8`` configs set ``train_config.use_bfloat16: true``. odsweep trains
on CPUs and GPUs only (its trainer never builds a TPU strategy). The OD API's own
loop already ignores the flag for the model off a TPU (``use_bfloat16 and use_tpu``),
but its input pipeline still casts every training image to bfloat16, which the
float32 model on a CPU/GPU then trains on at lower precision, slowly and untested.
Switching it off gives exactly what the OD API's own loop trains off a TPU, so the
trial switches it off and says so, rather than refusing a zoo config for a setting
that only concerns hardware odsweep does not use.
"""

from __future__ import annotations

import logging
from typing import Any

logger = logging.getLogger(__name__)

BFLOAT16_NOTE = (
    "train_config.use_bfloat16: true works only on TPUs; switched off for this trial "
    "(odsweep trains on CPU/GPU in float32, as the OD API does off a TPU)"
)


def switch_off_tpu_only(config: Any) -> list[str]:
    """Switch off TPU-only settings in ``config`` (in place); returns one note per change.

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
