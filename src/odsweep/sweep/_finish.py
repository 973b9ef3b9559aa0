"""The end of a sweep, written once: select -> ``best.json`` -> export or reuse ->
verify -> report.

Every path that ends a sweep calls these functions: ``odsweep run`` on both backends
(:func:`finish`), the KFP pipeline's steps (one function per step) and
``odsweep best|export|report``. So the winner rule, the export-reuse rule, the eval
input used to verify an export and the failure report cannot drift apart.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any, NoReturn

from odsweep import __version__, storage
from odsweep.errors import InputError, OdsweepError
from odsweep.report import Report, build_report, write_report
from odsweep.results import (
    SAVED_MODEL_FILE,
    TRIAL_CONFIG_FILE,
    TRIALS_DIR,
    Best,
    ConstraintsUnmet,
    SearchOutcome,
    TrialResult,
    best_record,
    pareto_front,
    read_best_checked,
    select_best,
    trial_results,
    write_best,
)
from odsweep.spec import SearchSpec
from odsweep.sweep._branch_notes import without_ignored
from odsweep.sweep._layout import model_base, param_scales, trial_dir
from odsweep.sweep._winner_views import label_map_of, record_detections, report_inputs

logger = logging.getLogger(__name__)


class SearchFailed(OdsweepError):
    """The search ended without a usable winner (failure budget spent, no best checkpoint)."""


@dataclass(frozen=True)
class SweepResult:
    """What ``odsweep run`` tells the user at the end."""

    output_dir: str
    best: Best | None
    export_path: str | None
    report_html: str
    message: str
    study: str = ""
    finished_by: str = ""  # another worker of a shared study selects, exports, reports


# -- selection --------------------------------------------------------------------------


def select_winner(spec: SearchSpec, output_dir: str, results: Sequence[TrialResult]) -> Best | None:
    """Apply the selection rule and write ``best.json``; None when no trial competes.

    A previous ``best.json`` export record is kept only when it still is the export of
    this winner (see :func:`export_is_current`); otherwise the new ``best.json`` has no
    export and :func:`export_winner` publishes a new version. With trade-offs or export
    constraints, ``best.json`` also lists the Pareto front, the trade-offs and the
    constraints.

    Raises:
        ConstraintsUnmet: Trials have a best checkpoint but none meets the spec's
            ``export.constraints`` (the closest one is named).
    """
    constraints = spec.export.constraints
    winner = select_best(list(results), spec.objective.type, constraints)
    if winner is None:
        return None
    best = best_record(winner)
    tradeoffs = spec.objective.tradeoffs
    if tradeoffs or constraints:
        front = pareto_front(list(results), spec.objective.primary, tradeoffs)
        best = replace(best, pareto=tuple(front), tradeoffs=tradeoffs, constraints=constraints)
    previous = previous_best(output_dir)
    if previous is not None and export_is_current(spec, output_dir, previous, best):
        best = replace(best, export=previous.export)
    write_best(output_dir, best)
    return best


def previous_best(output_dir: str) -> Best | None:
    """The ``best.json`` an earlier run wrote, None when there is none.

    Raises:
        InputError: It exists but cannot be read (the file named, what is wrong).
    """
    return read_best_checked(output_dir)


def export_is_current(spec: SearchSpec, output_dir: str, previous: Best, best: Best) -> bool:
    """Is ``previous``'s export really the export of ``best``?

    Its provenance file must name the same trial, step and input type, and the hashes
    of the checkpoint's index file and of the trial's ``pipeline.config`` must match
    the files the winner has now, and its ``saved_model.pb`` must exist; a missing or
    damaged provenance means no.
    """
    from odsweep.export import export_is_of_winner, winner_identity

    export = previous.export
    if not export or previous.trial != best.trial or previous.step != best.step:
        return False
    input_type = str(export.get("input_type", ""))
    if input_type != spec.export.input_type.value:
        return False
    if not storage.exists(storage.join(str(export.get("path")), SAVED_MODEL_FILE)):
        return False  # removed since, or never completed
    try:
        identity = winner_identity(
            trial_dir(output_dir, best.trial),
            trial=best.trial,
            step=best.step,
            checkpoint=best.checkpoint,
            input_type=input_type,
        )
    except InputError as exc:  # cannot be proven: publish anew (which says what is wrong)
        logger.warning("the export of %s is not reused: %s", best.trial, exc)
        return False
    return export_is_of_winner(str(export.get("path")), identity)


# -- export and verification ------------------------------------------------------------


def eval_input_of(spec: SearchSpec, trial_path: str) -> str:
    """The images an export is verified on: the spec's ``evalInputPath``, else the
    trial's own ``pipeline.config`` eval input (what the trial evaluated on)."""
    if spec.eval_input_path:
        return spec.eval_input_path
    from odsweep import odconfig

    config = odconfig.load_pipeline_config(storage.join(trial_path, TRIAL_CONFIG_FILE))
    return str(config.eval_input_reader[0].tf_record_input_reader.input_path[0])


def export_winner(spec: SearchSpec, output_dir: str, best: Best, *, via: str = "") -> Best:
    """Publish the winner's best checkpoint, or reuse its export; updates ``best.json``."""
    if best.export and export_is_current(spec, output_dir, best, best):
        logger.info("the winner %s is already exported at %s", best.trial, best.export["path"])
        return best
    exported = _export(spec, output_dir, best.trial, via=via)
    record: dict[str, Any] = {
        "path": exported.path,
        "base": exported.base,
        "version": exported.version,
        "input_type": exported.input_type,
    }
    best = replace(best, export=record)
    write_best(output_dir, best)
    return best


def verify_winner(spec: SearchSpec, output_dir: str, best: Best) -> tuple[Best, Any]:
    """Load the winner's export with plain TensorFlow and run eval images through it;
    records the result in ``best.json``. Returns the updated record and the
    ``VerifyResult``."""
    from odsweep.export import verify_saved_model

    if not best.export:
        raise InputError(f"best.json: {best.trial!r} has no export to verify; export it first")
    input_type = str(best.export.get("input_type", spec.export.input_type.value))
    winner_dir = trial_dir(output_dir, best.trial)
    verified = verify_saved_model(
        str(best.export["path"]),
        input_type=input_type,
        eval_input=eval_input_of(spec, winner_dir),
        label_map=label_map_of(spec, winner_dir),
    )
    # Before best.json says "verified": a verified export always has its detections kept.
    record_detections(output_dir, best, str(best.export["path"]), verified)
    logger.info(
        "verified %s on %d images (max score %.3f)",
        best.export["path"],
        verified.images,
        verified.max_score,
    )
    export = {
        **best.export,
        "verified_images": verified.images,
        "num_detections": list(verified.num_detections),
    }
    best = replace(best, export=export)
    write_best(output_dir, best)
    return best, verified


def export_trial_verified(
    spec: SearchSpec,
    output_dir: str,
    trial: str,
    *,
    base: str | None = None,
    input_type: str | None = None,
) -> str:
    """Export any finished trial of the output (``odsweep export --trial``) and verify it
    exactly as the winner's export is verified; returns the version folder. With
    trade-offs, a trial off the Pareto front is exported all the same, with a log line
    saying so."""
    from odsweep.export import verify_saved_model

    if spec.objective.tradeoffs:
        _say_if_off_front(spec, output_dir, trial)

    exported = _export(spec, output_dir, trial, base=base, input_type=input_type)
    verify_saved_model(
        exported.path,
        input_type=exported.input_type,
        eval_input=eval_input_of(spec, trial_dir(output_dir, trial)),
    )
    return str(exported.path)


def _say_if_off_front(spec: SearchSpec, output_dir: str, trial: str) -> None:
    front = pareto_front(
        trial_results(output_dir), spec.objective.primary, spec.objective.tradeoffs
    )
    on_front = [p.trial for p in front]
    if trial not in on_front:
        logger.warning(
            "%s is not on the Pareto front (%s); exporting it as asked",
            trial,
            ", ".join(on_front) or "empty",
        )


def _export(
    spec: SearchSpec,
    output_dir: str,
    trial: str,
    *,
    base: str | None = None,
    input_type: str | None = None,
    via: str = "",
) -> Any:
    from odsweep.export import export_trial

    provenance = {"spec": spec.name, "odsweep_version": __version__}
    if via:
        provenance["via"] = via
    return export_trial(
        trial_dir(output_dir, trial),
        base or model_base(spec, output_dir),
        input_type=input_type or spec.export.input_type.value,
        provenance=provenance,
    )


# -- report -----------------------------------------------------------------------------


def sweep_report(
    spec: SearchSpec,
    output_dir: str,
    results: Sequence[TrialResult],
    best: Best | None,
    *,
    export_path: str | None = None,
    notes: Sequence[str] = (),
    links: Mapping[str, str] | None = None,
) -> Report:
    """The sweep's report; ``best`` is the selection's winner (None: no winner shown)."""
    default_links = {
        "TensorBoard": f"tensorboard --logdir {storage.join(output_dir, TRIALS_DIR)}",
        "optuna-dashboard": f"odsweep dashboard {output_dir}",
    }
    # Values of branches a trial did not choose were not applied: shown as such.
    shown, branch_notes = without_ignored(spec, results)
    selection, detections, detections_note = report_inputs(output_dir, best, export_path)
    return build_report(
        title=f"odsweep: {spec.name}",
        results=shown,
        metric=spec.objective.metric,
        direction=spec.objective.type,
        param_scales=param_scales(spec),
        best_trial=best.trial if best else None,
        links=default_links if links is None else links,
        export_location=export_path,
        notes=[*notes, *branch_notes],
        train_steps=spec.num_train_steps,
        selection=selection,
        detections=detections,
        detections_note=detections_note,
    )


def write_sweep_report(
    spec: SearchSpec,
    output_dir: str,
    results: Sequence[TrialResult],
    best: Best | None,
    export_path: str | None,
    *,
    notes: Sequence[str] = (),
    links: Mapping[str, str] | None = None,
) -> str:
    """Write report.md/report.html for a sweep; returns the HTML file's path."""
    report = sweep_report(
        spec, output_dir, results, best, export_path=export_path, notes=notes, links=links
    )
    _, html = write_report(report, output_dir)
    return html


# -- the whole end ----------------------------------------------------------------------


def fail_search(
    spec: SearchSpec, output_dir: str, outcome: SearchOutcome, *, links: Mapping[str, str] | None
) -> NoReturn:
    """Report the trials of a search without a winner, then raise :class:`SearchFailed`."""
    why = outcome.message if not outcome.succeeded else "no trial has a best checkpoint"
    html = write_sweep_report(
        spec, output_dir, outcome.results, None, None, notes=[outcome.message], links=links
    )
    look = f" and {outcome.look}" if outcome.look else ""
    raise SearchFailed(f"search {spec.name!r} failed: {why}; see {html}{look}")


def finish(
    spec: SearchSpec,
    output_dir: str,
    outcome: SearchOutcome,
    *,
    links: Mapping[str, str] | None = None,
) -> SweepResult:
    """Select, write ``best.json``, export (or reuse) and verify the winner, report.

    Raises:
        SearchFailed: The search failed, or no trial has a best checkpoint.
        ExportFailed: The winner's export or its verification failed.
    """
    try:
        best = select_winner(spec, output_dir, outcome.results) if outcome.succeeded else None
    except ConstraintsUnmet as exc:
        # A search error (exit 1), reported like a search without a winner.
        unmet = replace(outcome, succeeded=False, message=str(exc))
        fail_search(spec, output_dir, unmet, links=links)
    if best is None:
        fail_search(spec, output_dir, outcome, links=links)
    best = export_winner(spec, output_dir, best)
    if "verified_images" not in best.export:
        best, _ = verify_winner(spec, output_dir, best)
    export_path = str(best.export["path"])
    html = write_sweep_report(
        spec, output_dir, outcome.results, best, export_path, notes=[outcome.message], links=links
    )
    return SweepResult(output_dir, best, export_path, html, outcome.message, study=outcome.where)
