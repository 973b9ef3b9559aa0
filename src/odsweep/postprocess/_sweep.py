"""``odsweep tune-postprocess DIR``: tune the post-processing of a sweep's winner."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from odsweep import storage
from odsweep.errors import InputError
from odsweep.postprocess._grid import Knob
from odsweep.postprocess._tune import TuneRequest, TuneResult, tune
from odsweep.results import (
    RESULT_FILE,
    SPEC_SNAPSHOT,
    Constraint,
    ObjectiveType,
    is_serving_metric,
    read_best_checked,
)
from odsweep.spec import SearchSpec, load_spec, needs_serving_cost

POSTPROCESS_DIR = "postprocess"
CHOOSE_BY = ("objective", "f1")


def spec_constraints(spec: SearchSpec) -> tuple[Constraint, ...]:
    """The spec's ``export.constraints``: the same bounds the winner's export meets."""
    return tuple(spec.export.constraints)


def _winner(output_dir: str, spec: SearchSpec) -> str:
    best = read_best_checked(output_dir)
    if best is not None:
        return best.trial
    from odsweep.sweep import select_winner, trial_results

    chosen = select_winner(spec, output_dir, trial_results(output_dir))
    if chosen is None:
        raise InputError(f"OUTPUT_DIR: no trial in {output_dir!r} has a best checkpoint")
    return chosen.trial


def tune_sweep(
    output_dir: str,
    *,
    grid: Mapping[Knob, tuple[float | int, ...]],
    constraints: Sequence[Constraint] = (),
    choose_by: str = "objective",
    trial: str | None = None,
    export_base: str | None = None,
    export: bool = True,
    serving_cost: bool | None = None,
) -> TuneResult:
    """Tune the winner's (or ``trial``'s) post-processing into ``<output_dir>/postprocess``.

    ``choose_by``: ``objective`` (the spec's metric and direction) or ``f1`` (the
    operating point: F1 at IoU 0.5 of the detections each setting keeps). The spec's
    constraints and ``constraints`` must all hold. ``serving_cost``: measure each
    setting's latency on its export; None: when the spec or a constraint names a
    ``Serving/*`` metric.

    Raises:
        InputError: Not a sweep output, unknown trial or ``choose_by``, bad grid.
        NoSettingFits, ExportFailed: See :func:`odsweep.postprocess.tune`.
    """
    if choose_by not in CHOOSE_BY:
        raise InputError(f"--choose-by: {choose_by!r} is not one of {', '.join(CHOOSE_BY)}")
    snapshot = storage.join(output_dir, SPEC_SNAPSHOT)
    if not storage.exists(snapshot):
        raise InputError(
            f"OUTPUT_DIR: {output_dir!r} has no {SPEC_SNAPSHOT}; give a sweep's output"
        )
    spec = load_spec(snapshot)
    from odsweep.sweep import trial_dir as trial_path

    if trial is not None and ("/" in trial or "\\" in trial or trial.startswith(".")):
        raise InputError(f"--trial: {trial!r} is a path, not a trial name; give a trial's name")
    name = trial or _winner(output_dir, spec)
    folder = trial_path(output_dir, name)
    if not storage.exists(storage.join(folder, RESULT_FILE)):
        raise InputError(f"--trial: {name!r} is not a trial of {output_dir!r} (no result.json)")
    metric, direction = (
        (spec.objective.metric, spec.objective.type)
        if choose_by == "objective"
        else ("Postprocess/F1@0.5IOU", ObjectiveType.MAXIMIZE)
    )
    all_constraints = (*spec_constraints(spec), *constraints)
    if serving_cost is None:
        serving_cost = needs_serving_cost(spec) or any(
            is_serving_metric(c.metric) for c in all_constraints
        )
    request = TuneRequest(
        trial_dir=folder,
        out_dir=storage.join(output_dir, POSTPROCESS_DIR),
        metric=metric,
        direction=ObjectiveType(direction),
        grid=dict(grid),
        constraints=all_constraints,
        eval_input=spec.eval_input_path,
        label_map=spec.label_map_path,
        input_type=spec.export.input_type.value,
        export_base=export_base,
        export=export,
        provenance={"spec": spec.name},
        serving_cost=serving_cost,
    )
    return tune(request)
