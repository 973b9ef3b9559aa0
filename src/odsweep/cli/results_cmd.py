"""Commands on a sweep's output directory: ``best``, ``export``, ``report``, ``dashboard``."""

from __future__ import annotations

import argparse
import os
from typing import Any

from odsweep.cli._guards import port
from odsweep.errors import EXIT_OK, InputError


def register(sub: Any) -> None:
    p = sub.add_parser("best", help="pick the best trial of an output dir, write best.json")
    p.add_argument("output", metavar="OUTPUT_DIR")
    p.set_defaults(handler=best)

    p = sub.add_parser("export", help="export a trial's best checkpoint for TF Serving")
    p.add_argument("output", metavar="OUTPUT_DIR")
    p.add_argument("--trial", help="trial name (default: the best trial)")
    p.add_argument("--input-type", help="exporter input type (default: the spec's)")
    p.add_argument("--to", dest="base", help="TF Serving base path (default: the spec's)")
    p.set_defaults(handler=export)

    p = sub.add_parser("report", help="write report.md and report.html for an output dir")
    p.add_argument("output", metavar="OUTPUT_DIR")
    p.set_defaults(handler=report)

    p = sub.add_parser("dashboard", help="optuna-dashboard for a sweep's study on 127.0.0.1")
    p.add_argument("output", metavar="OUTPUT_DIR")
    p.add_argument(
        "--storage",
        help="the study's URL if not the default (<OUTPUT_DIR>/study.db; for a gs:// output, "
        "./runs/gs/<bucket>/<path>/study.db)",
    )
    p.add_argument("--port", type=port, default=8080, help="1-65535 (default: 8080)")
    p.set_defaults(handler=dashboard)


def _spec(output: str) -> Any:
    from odsweep import storage
    from odsweep.results import SPEC_SNAPSHOT
    from odsweep.spec import load_spec

    path = storage.join(output, SPEC_SNAPSHOT)
    if not storage.exists(path):
        raise InputError(f"OUTPUT_DIR: {output!r} has no {SPEC_SNAPSHOT}; give a sweep's output")
    return load_spec(path)


def best(args: argparse.Namespace) -> int:
    from odsweep.sweep import select_winner, trial_results

    spec = _spec(args.output)
    chosen = select_winner(spec, args.output, trial_results(args.output))
    if chosen is None:
        raise InputError(f"OUTPUT_DIR: no trial in {args.output!r} has a best checkpoint")
    print(chosen.to_json(), end="")
    return EXIT_OK


def export(args: argparse.Namespace) -> int:
    from odsweep.sweep import (
        export_trial_verified,
        export_winner,
        select_winner,
        trial_results,
        verify_winner,
    )

    spec = _spec(args.output)
    trial = args.trial
    if trial:
        _check_trial(args.output, trial)
    chosen = None
    if not trial:
        chosen = select_winner(spec, args.output, trial_results(args.output))
        if chosen is None:
            raise InputError(f"OUTPUT_DIR: no trial in {args.output!r} has a best checkpoint")
    if chosen is None or args.base or args.input_type:
        # Another trial, or the winner elsewhere: published and verified, not best.json's.
        name = trial or (chosen.trial if chosen else "")
        path = export_trial_verified(
            spec, args.output, name, base=args.base, input_type=args.input_type
        )
        print(path)
        return EXIT_OK
    chosen = export_winner(spec, args.output, chosen)
    if "verified_images" not in chosen.export:
        chosen, _ = verify_winner(spec, args.output, chosen)
    print(chosen.export["path"])
    return EXIT_OK


def _check_trial(output: str, trial: str) -> None:
    """Refuse a ``--trial`` that is not the name of one of ``output``'s trials: a path
    (``../x``, ``/abs``) would export a folder outside the sweep."""
    from odsweep import storage
    from odsweep.results import RESULT_FILE, TRIALS_DIR

    root = storage.join(output, TRIALS_DIR)
    names = [n for n in storage.list_dir(root) if not n.startswith(".")]
    if trial in names and storage.exists(storage.join(root, trial, RESULT_FILE)):
        return
    shown = ", ".join(names[:5]) + (", ..." if len(names) > 5 else "") or "none"
    why = (
        "is a path, not a trial name"
        if "/" in trial or "\\" in trial or trial in (".", "..") or trial.startswith(".")
        else "is not a trial of this output (no trials/<name>/result.json)"
    )
    raise InputError(f"--trial: {trial!r} {why}; give one of {output}'s trials ({shown})")


def report(args: argparse.Namespace) -> int:
    from odsweep.results import ConstraintsUnmet
    from odsweep.sweep import select_winner, trial_results, write_sweep_report

    spec = _spec(args.output)
    results = trial_results(args.output)
    try:
        chosen = select_winner(spec, args.output, results)
    except ConstraintsUnmet:  # the report still shows every trial, without a winner
        chosen = None
    export_path = str(chosen.export["path"]) if chosen and chosen.export else None
    print(write_sweep_report(spec, args.output, results, chosen, export_path))
    return EXIT_OK


def dashboard(args: argparse.Namespace) -> int:
    from optuna_dashboard import run_server

    from odsweep import storage
    from odsweep.cli._guards import check_port_free
    from odsweep.secrets import mask_url
    from odsweep.sweep import default_storage

    url = args.storage or default_storage(args.output)
    if url.startswith("sqlite:///") and not os.path.exists(url[len("sqlite:///") :]):
        raise InputError(
            f"OUTPUT_DIR: no study at {mask_url(url)}; run the sweep first or give --storage"
        )
    if args.storage:
        storage.check_study_url(args.storage)
    check_port_free(args.port)
    print(f"optuna-dashboard on http://127.0.0.1:{args.port}/ (Ctrl-C to stop)")
    run_server(storage.engine_url(url), host="127.0.0.1", port=args.port)
    return EXIT_OK
