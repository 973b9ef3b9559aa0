"""The Katib backend behind the one engine interface (``odsweep.results.Engine``)."""

from __future__ import annotations

from typing import Any

from odsweep.backends.katib._client import ExperimentRef, run_search
from odsweep.backends.katib._options import KatibOptions
from odsweep.results import SearchOutcome
from odsweep.spec import SearchSpec


class KatibEngine:
    """The Katib backend behind the one engine interface (``odsweep.results.Engine``).

    :meth:`run` launches or resumes the Experiment, follows it to its end and returns a
    :class:`~odsweep.results.SearchOutcome`; the sweep's end (selection, export, report)
    is the same code as for the local engine. The Experiment it ran is kept in
    :attr:`experiment` (for links to the Katib UI).
    """

    def __init__(self, spec: SearchSpec, options: KatibOptions, **search: Any) -> None:
        """``search``: :func:`run_search`'s keyword arguments (backend, on_existing,
        timeout_seconds, poll_seconds, show_progress, delete_when_done)."""
        self.spec = spec
        self.options = options
        self.search = search
        self.experiment: ExperimentRef | None = None

    def run(self) -> SearchOutcome:
        search = run_search(self.spec, self.options, **self.search)
        self.experiment = ref = search.experiment
        return SearchOutcome(
            verdict=search.outcome.verdict,
            succeeded=search.succeeded,
            results=tuple(search.results),
            message=search.message,
            where=f"Katib Experiment {ref.namespace}/{ref.name}",
            look=f"kubectl -n {ref.namespace} describe experiment {ref.name}",
        )
