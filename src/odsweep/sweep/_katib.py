"""``odsweep run --backend katib``: launch or resume the Experiment, follow it, finish
exactly as a local sweep does (same winner rule, same files)."""

from __future__ import annotations

from typing import Any

from odsweep import storage
from odsweep.results import SPEC_SNAPSHOT
from odsweep.spec import load_spec
from odsweep.sweep._finish import SweepResult, finish
from odsweep.sweep._layout import snapshot_spec


def run_katib_sweep(
    spec_path: str,
    *,
    output_dir: str,
    namespace: str | None = None,
    image: str | None = None,
    spec_uri: str | None = None,
    timeout_seconds: float | None = None,
    show_progress: bool = True,
    delete_experiment: bool = False,
    backend: Any = None,
) -> SweepResult:
    """The same sweep on Katib.

    ``output_dir`` is the sweep's root that the trial pods write to (``gs://...``); the
    spec is snapshotted there and the pods read it (unless ``spec_uri`` says otherwise).

    Raises:
        InputError: a bad spec or cluster setting (nothing launched).
        SearchFailed: the Experiment failed or has no winner.
    """
    from odsweep.backends.katib import KatibEngine, KatibOptions, check_for_katib
    from odsweep.validation import check_spec

    spec = load_spec(spec_path)
    check_spec(spec)
    options = KatibOptions.from_spec(
        spec,
        image=image,
        namespace=namespace,
        model_dir=output_dir,
        spec_uri=spec_uri or storage.join(output_dir, SPEC_SNAPSHOT),
    )
    # Everything Katib would refuse, before a cluster is contacted or a file written.
    check_for_katib(spec, options)
    storage.makedirs(output_dir)
    snapshot_spec(spec, output_dir)
    engine = KatibEngine(
        spec,
        options,
        backend=backend,
        timeout_seconds=timeout_seconds,
        show_progress=show_progress,
        delete_when_done=delete_experiment,
    )
    return finish(spec, output_dir, engine.run())
