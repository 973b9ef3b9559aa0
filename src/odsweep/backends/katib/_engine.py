"""The Katib backend behind the one engine interface (``odsweep.results.Engine``)."""

from __future__ import annotations

from odsweep.backends.katib._client import ExperimentRef, KatibBackend, OnExisting, run_search
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

    def __init__(
        self,
        spec: SearchSpec,
        options: KatibOptions,
        *,
        backend: KatibBackend | None = None,
        on_existing: OnExisting = "resume",
        timeout_seconds: float | None = None,
        poll_seconds: float = 30.0,
        show_progress: bool = True,
        delete_when_done: bool = False,
    ) -> None:
        self.spec = spec
        self.options = options
        self.backend = backend
        self.on_existing: OnExisting = on_existing
        self.timeout_seconds = timeout_seconds
        self.poll_seconds = poll_seconds
        self.show_progress = show_progress
        self.delete_when_done = delete_when_done
        self.experiment: ExperimentRef | None = None

    def run(self) -> SearchOutcome:
        search = run_search(
            self.spec,
            self.options,
            backend=self.backend,
            on_existing=self.on_existing,
            timeout_seconds=self.timeout_seconds,
            poll_seconds=self.poll_seconds,
            show_progress=self.show_progress,
            delete_when_done=self.delete_when_done,
        )
        self.experiment = ref = search.experiment
        return SearchOutcome(
            verdict=search.outcome.verdict,
            succeeded=search.succeeded,
            results=tuple(search.results),
            message=search.message,
            where=f"Katib Experiment {ref.namespace}/{ref.name}",
            look=f"kubectl -n {ref.namespace} describe experiment {ref.name}",
        )
