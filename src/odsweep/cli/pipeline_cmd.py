"""``odsweep pipeline compile | submit``: the Kubeflow Pipelines package and its runs."""

from __future__ import annotations

import argparse
from typing import Any

from odsweep.cli import args as A
from odsweep.errors import EXIT_OK
from odsweep.spec._kube import TAINT_EFFECTS


def register(sub: Any) -> None:
    pipeline = sub.add_parser(
        "pipeline",
        help="Kubeflow Pipelines: compile the pipeline package, submit runs",
        description="Kubeflow Pipelines (KFP v2) commands.",
    )
    commands = pipeline.add_subparsers(dest="pipeline_command", required=True, metavar="COMMAND")
    p = commands.add_parser(
        "compile",
        help="write pipelines/odsweep_pipeline.yaml and components/*.yaml",
        description="Compile the pipeline package (upload it in the KFP UI) and each step as "
        "a reusable component. Cluster settings are compile-time in KFP: set them here.",
    )
    p.add_argument(
        "--output",
        default="pipelines/odsweep_pipeline.yaml",
        help="pipeline package (default: %(default)s)",
    )
    p.add_argument(
        "--components-dir",
        default="components",
        help="where <step>.yaml go (default: %(default)s); '' to skip them",
    )
    p.add_argument("--image", help="the odsweep image the steps run in (default: the placeholder)")
    p.add_argument(
        "--credentials-secret",
        metavar="NAME",
        help="Secret with a GCP key as key.json, passed to the steps as env; the Secret "
        "must exist (default: no Secret, the pods' own identity, e.g. Workload Identity)",
    )
    p.add_argument(
        "--search-gpus",
        type=A.non_negative_int,
        help="GPUs of the search step with backend=optuna (default: 1)",
    )
    p.add_argument(
        "--node-selector",
        action="append",
        type=A.assignment,
        default=[],
        metavar="KEY=VALUE",
        help="node label for the search and export steps (repeatable)",
    )
    p.add_argument(
        "--toleration",
        action="append",
        type=_toleration,
        metavar="KEY[=VALUE]:EFFECT",
        help="taint the search and export steps tolerate (repeatable; replaces the default "
        "nvidia.com/gpu:NoSchedule)",
    )
    p.set_defaults(handler=compile_)

    p = commands.add_parser(
        "submit",
        help="start a run of the compiled pipeline on a KFP server",
        description="Create a run of the pipeline package on a Kubeflow Pipelines server and "
        "print its id and UI link. --param values are typed as the package declares; "
        "NAME=@FILE sends a file's text (e.g. search_space=@search.yaml, whose paths must "
        "then be absolute or gs://).",
    )
    p.add_argument("--host", required=True, help="KFP address, e.g. https://HOST/pipeline")
    p.add_argument("--namespace", help="Kubeflow profile namespace (multi-user installs)")
    p.add_argument("--experiment", default="odsweep", help="KFP experiment (default: %(default)s)")
    p.add_argument("--run-name", help="the run's name (default: package name and time)")
    p.add_argument(
        "--param",
        action="append",
        type=A.assignment,
        default=[],
        metavar="NAME=VALUE",
        help="a run parameter (repeatable), e.g. model_dir=gs://bucket/exp4",
    )
    p.add_argument(
        "--package",
        default="pipelines/odsweep_pipeline.yaml",
        help="compiled pipeline (default: %(default)s)",
    )
    p.set_defaults(handler=submit)


def _toleration(text: str) -> Any:
    from odsweep.spec import Toleration

    head, sep, effect = text.rpartition(":")
    if not sep or effect not in TAINT_EFFECTS or not head:
        raise argparse.ArgumentTypeError(
            f"must look like KEY[=VALUE]:EFFECT with EFFECT one of {', '.join(TAINT_EFFECTS)}, "
            f"got {text!r}"
        )
    key, eq, value = head.partition("=")
    if eq:
        return Toleration(key=key, operator="Equal", value=value, effect=effect)
    return Toleration(key=key, operator="Exists", effect=effect)


def compile_(args: argparse.Namespace) -> int:
    from odsweep.pipeline import ClusterSettings, compile_pipeline

    given: dict[str, Any] = {
        "image": args.image,
        "credentials_secret": args.credentials_secret,
        "search_gpus": args.search_gpus,
        "node_selector": dict(args.node_selector) or None,
        "tolerations": tuple(args.toleration) if args.toleration else None,
    }
    settings = ClusterSettings(**{k: v for k, v in given.items() if v is not None})
    written = compile_pipeline(
        args.output, components_dir=args.components_dir or None, settings=settings
    )
    for path in written:
        print(path)
    return EXIT_OK


def submit(args: argparse.Namespace) -> int:
    from odsweep.pipeline._submit import package_parameters, parse_arguments
    from odsweep.pipeline._submit import submit as submit_run

    declared = package_parameters(args.package)
    params = parse_arguments(args.param, declared)
    run_id, url = submit_run(
        host=args.host,
        namespace=args.namespace,
        experiment_name=args.experiment,
        params=params,
        package_path=args.package,
        run_name=args.run_name,
    )
    print(f"run {run_id}: {url}")
    return EXIT_OK
