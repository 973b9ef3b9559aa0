"""What the report says about parameters of branches a trial did not choose.

Locally such a parameter is never sampled (it is absent from the trial's params); on
Katib the space is flat, so it is sampled and passed, and the trial ignores it. The
report shows both the same way, a dash in its column and no point in its plot, and
a note names the trials where a value was sampled but ignored.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from odsweep.results import TrialResult
from odsweep.spec import SearchSpec, inactive_parameters

# A long list of trials would bury the report's summary: name a few, count the rest.
_MAX_NAMED = 5


def without_ignored(
    spec: SearchSpec, results: Sequence[TrialResult]
) -> tuple[list[TrialResult], list[str]]:
    """The results with ignored parameter values dropped, and the notes explaining it."""
    conditional = [p for p in spec.parameters if p.when is not None]
    if not conditional:
        return list(results), []
    cleaned: list[TrialResult] = []
    ignored_in: list[str] = []
    for result in results:
        ignored = inactive_parameters(spec.parameters, result.params)
        if ignored:
            ignored_in.append(f"{result.trial} ({', '.join(sorted(ignored))})")
            params = {k: v for k, v in result.params.items() if k not in ignored}
            result = replace(result, params=params)
        cleaned.append(result)
    conditions = "; ".join(
        f"{p.name} when {p.when.parameter}={p.when.branch}"
        for p in conditional
        if p.when is not None
    )
    notes = [
        f"Branch parameters apply only in their branch ({conditions}); a dash in their "
        "column: the trial chose another branch."
    ]
    if ignored_in:
        shown = ", ".join(ignored_in[:_MAX_NAMED])
        more = len(ignored_in) - _MAX_NAMED
        notes.append(
            f"Sampled but ignored by the trial (flat space, as on Katib): {shown}"
            + (f" and {more} more trial(s)" if more > 0 else "")
            + "."
        )
    return cleaned, notes
