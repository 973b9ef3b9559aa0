"""The sweep's progress bar and one log line per finished trial."""

from __future__ import annotations

import logging
import sys

from tqdm import tqdm

from odsweep.backends._logbar import Swaps, restore_logs, route_logs_through_bar
from odsweep.backends.optuna._policy import Tally
from odsweep.results import TrialResult
from odsweep.spec import SearchSpec

logger = logging.getLogger(__name__)


class Progress:
    """A bar over ``maxTrialCount`` finished trials, with counts and the best so far."""

    def __init__(self, spec: SearchSpec, *, enabled: bool) -> None:
        self.spec = spec
        self._bar: tqdm[None] | None = None
        self._swapped: Swaps = []
        # A bar only on a terminal; in logs and CI the per-trial lines say it all.
        if not enabled or not sys.stderr.isatty():
            return
        self._bar = tqdm(total=spec.max_trial_count, unit="trial", desc=spec.name, leave=True)
        self._swapped = route_logs_through_bar()

    def update(self, tally: Tally, best: float | None) -> None:
        if self._bar is None:
            return
        self._bar.n = min(tally.finished, self.spec.max_trial_count)
        best_text = "-" if best is None else f"{best:.4g}"
        self._bar.set_postfix_str(
            f"running {tally.running}, ok {tally.succeeded}, failed {tally.failed}, "
            f"early-stopped {tally.early_stopped}, best {best_text}",
            refresh=True,
        )

    def trial_done(self, result: TrialResult) -> None:
        params = ", ".join(f"{k}={v}" for k, v in result.params.items())
        value = "-" if result.best is None else f"{result.best.value:.4g} @ step {result.best.step}"
        extra = f" ({result.error})" if result.error else ""
        logger.info(
            "%s %s: %s = %s [%s]%s",
            result.trial,
            result.status.value,
            result.metric,
            value,
            params,
            extra,
        )

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None
        restore_logs(self._swapped)
