"""``odsweep run``: the whole local sweep from one YAML."""

from __future__ import annotations

import argparse
import os
from typing import Any

from odsweep.errors import EXIT_OK


def register(sub: Any) -> None:
    p = sub.add_parser(
        "run",
        help="run the search locally (Optuna), export the best trial, write the report",
        description="Validate SPEC, run its trials with Optuna on this machine "
        "(parallelTrialCount at once), pick the best trial by its best checkpoint, export "
        "it as a TF Serving SavedModel, verify it, and write best.json and the report. "
        "Running it again on the same output resumes the sweep. Exit 0 on success, 1 when "
        "the search or the export failed, 2 on bad input.",
    )
    p.add_argument("spec", metavar="SPEC")
    p.add_argument("--output", help="output directory (default: runs/<metadata.name>)")
    p.add_argument(
        "--storage",
        help="Optuna storage URL (default: sqlite:///<output>/study.db, or for a gs:// output "
        "a local ./runs/gs/<bucket>/<path>/study.db; a PostgreSQL URL shares one study "
        "between machines)",
    )
    p.add_argument(
        "--parallel",
        type=int,
        metavar="N",
        help="trials this machine runs at once (default: parallelTrialCount); each worker "
        "of a shared study may give its own, maxTrialCount holds for the whole study",
    )
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.add_argument(
        "--backend",
        choices=("optuna", "katib"),
        default="optuna",
        help="optuna: trials on this machine (default); katib: a Katib Experiment on the "
        "cluster of your kube config (--output must then be gs://)",
    )
    k = p.add_argument_group("katib backend")
    k.add_argument("--namespace", help="Kubernetes namespace (default: the spec's cluster block)")
    k.add_argument("--image", help="trial image (default: the spec's cluster block)")
    k.add_argument(
        "--spec-uri", help="where trial pods read the spec (default: <output>/spec.yaml)"
    )
    k.add_argument("--timeout", type=float, help="stop following after this many seconds")
    k.add_argument(
        "--delete-experiment", action="store_true", help="delete the Experiment once it succeeded"
    )
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from odsweep import storage
    from odsweep.cli._guards import check_output_dir
    from odsweep.errors import InputError
    from odsweep.secrets import mask_url
    from odsweep.sweep import run_katib_sweep, run_sweep

    if args.backend == "katib":
        if args.parallel is not None:
            raise InputError(
                "--parallel: only with --backend optuna (Katib runs parallelTrialCount)"
            )
        if not args.output or args.storage:
            raise InputError(
                "--backend katib: give --output gs://BUCKET/PATH (the trial pods write there) "
                "and no --storage (Katib keeps its own state)"
            )
        result = run_katib_sweep(
            args.spec,
            output_dir=args.output,
            namespace=args.namespace,
            image=args.image,
            spec_uri=args.spec_uri,
            timeout_seconds=args.timeout,
            show_progress=not args.no_progress,
            delete_experiment=args.delete_experiment,
        )
    else:
        katib_only = [f for f in ("namespace", "image", "spec_uri", "timeout") if getattr(args, f)]
        if args.parallel is not None and args.parallel < 1:
            raise InputError(f"--parallel: must be at least 1, got {args.parallel}")
        if katib_only or args.delete_experiment:
            flags = (
                ", ".join("--" + f.replace("_", "-") for f in katib_only) or "--delete-experiment"
            )
            raise InputError(f"{flags}: only with --backend katib")
        # Refused here, before the spec and data checks: one line, nothing written.
        if args.storage:
            storage.check_study_url(args.storage)
        if args.output:
            check_output_dir(args.output)
        result = run_sweep(
            args.spec,
            output_dir=args.output,
            storage_url=args.storage,
            show_progress=not args.no_progress,
            parallel=args.parallel,
        )
    if result.finished_by:  # a worker of a shared study; another one did the end
        print(f"\n{result.message}")
        return EXIT_OK
    best = result.best
    assert best is not None  # run_sweep raises otherwise
    params = ", ".join(f"{k}={v}" for k, v in best.params.items())
    out = result.output_dir
    print(f"\n{result.message}")
    print(f"best trial: {best.trial}  {best.metric} = {best.value:.4f} at step {best.step}")
    print(f"  params: {params}")
    print(f"exported (TF Serving layout): {result.export_path}")
    html = result.report_html
    print(f"report:      {html if storage.is_remote(html) else 'open ' + os.path.abspath(html)}")
    print(f"study:       {mask_url(result.study)}")
    if args.backend == "optuna":
        print(f"dashboard:   odsweep dashboard {out}")
    print(f"tensorboard: tensorboard --logdir {storage.join(out, 'trials')}")
    return EXIT_OK
