"""The "did you mean" rule: which valid names are close to a misspelt one.

One home for the spec layer (keys, algorithm names, settings) and the config layer
(proto fields, enum values); neither imports the other, both import this.
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence


def close_names(word: str, choices: Sequence[str], *, most: int = 1) -> list[str]:
    """Up to ``most`` choices like ``word``, closest first; case-insensitive.

    difflib's ratio (cutoff 0.6) first; when nothing is that close, the one choice
    ``word`` abbreviates ("gpus" for "gpusPerTrial"), which difflib scores too low.
    """
    by_lower = {c.lower(): c for c in choices}
    low = word.lower()
    matches = difflib.get_close_matches(low, list(by_lower), n=most, cutoff=0.6)
    if matches:
        return [by_lower[m] for m in matches]
    prefixed = [c for name, c in by_lower.items() if word and name.startswith(low)]
    return prefixed if len(prefixed) == 1 else []
