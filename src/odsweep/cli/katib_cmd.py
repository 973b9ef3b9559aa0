"""``odsweep katib render``: the Katib Experiment of a search space, as YAML on stdout."""

from __future__ import annotations

import argparse
import shlex
from typing import TYPE_CHECKING, Any

from odsweep.cli import args as A
from odsweep.errors import EXIT_OK
from odsweep.spec._kube import CREDENTIALS_ENV, CREDENTIALS_KEY, GPU_RESOURCE, ResumePolicy

if TYPE_CHECKING:
    from odsweep.backends.katib import KatibOptions
    from odsweep.spec import SearchSpec

# (flag, KatibOptions field) in the order the provenance header writes them.
_VALUE_FLAGS = (
    ("--image", "image"),
    ("--namespace", "namespace"),
    ("--gpus-per-trial", "gpus_per_trial"),
    ("--cpu", "cpu"),
    ("--memory", "memory"),
    ("--service-account", "service_account"),
    ("--model-dir", "model_dir"),
    ("--spec-uri", "spec_uri"),
    ("--resume-policy", "resume_policy"),
    ("--credentials-secret", "credentials_secret"),
)


def register(sub: Any) -> None:
    katib = sub.add_parser(
        "katib",
        help="Kubeflow Katib: render the Experiment of a search space",
        description="Kubeflow Katib backend commands.",
    )
    commands = katib.add_subparsers(dest="katib_command", required=True, metavar="COMMAND")
    p = commands.add_parser(
        "render",
        help="print the Katib Experiment YAML of a search space",
        description="Check the search space (as `odsweep validate` does) and what Katib would "
        "refuse or misread, then print a kubeflow.org/v1beta1 Experiment on stdout, ready for "
        "`kubectl apply -f -`. Flags win over the spec's cluster: block. On errors prints "
        "them all, one line each, and exits 2.",
    )
    p.add_argument("spec", metavar="SPEC", help="search-space YAML")
    p.add_argument("--image", help="trial container image (default: spec.cluster.image)")
    p.add_argument("--namespace", help="Experiment namespace (default: kubectl's context)")
    p.add_argument(
        "--gpus-per-trial",
        type=A.non_negative_int,
        help=f"{GPU_RESOURCE} per trial, 0 for CPU only (default: spec.cluster, else 1)",
    )
    p.add_argument("--cpu", help="CPU request and limit per trial, e.g. 4 or 500m")
    p.add_argument("--memory", help="memory request and limit per trial, e.g. 16Gi")
    p.add_argument("--service-account", help="service account of the trial pods")
    p.add_argument(
        "--model-dir",
        help="the sweep's output root, gs://BUCKET/PATH; trials write to "
        "<model-dir>/trials/<trial name> (required)",
    )
    p.add_argument(
        "--spec-uri",
        help="where trial pods read this spec: gs://BUCKET/PATH/spec.yaml or a path inside "
        "the image (default: SPEC itself, which needs --allow-local-paths)",
    )
    p.add_argument(
        "--resume-policy",
        choices=[p.value for p in ResumePolicy],
        help="Katib resumePolicy (default: Never)",
    )
    p.add_argument(
        "--credentials-secret",
        help=f"Secret with a GCP key as {CREDENTIALS_KEY}, mounted for {CREDENTIALS_ENV} "
        "(default: none, Workload Identity)",
    )
    p.add_argument(
        "--allow-local-paths",
        action="store_true",
        help="accept a local --model-dir or the spec's own path as --spec-uri",
    )
    p.set_defaults(handler=run_render)


def options_from_args(spec: SearchSpec, args: argparse.Namespace) -> KatibOptions:
    """The Katib options of parsed ``render`` arguments (flags over ``spec.cluster``)."""
    from odsweep.backends.katib import KatibOptions

    flags = {field: getattr(args, field) for _, field in _VALUE_FLAGS}
    return KatibOptions.from_spec(spec, allow_local_paths=args.allow_local_paths, **flags)


def command_line(args: argparse.Namespace) -> str:
    """The ``odsweep katib render`` command that gives these arguments, flags in one order."""
    words = ["odsweep", "katib", "render", args.spec]
    for flag, field in _VALUE_FLAGS:
        value = getattr(args, field)
        if value is not None:
            words += [flag, str(value)]
    if args.allow_local_paths:
        words.append("--allow-local-paths")
    return shlex.join(words)


def header(spec: SearchSpec, args: argparse.Namespace) -> str:
    """Comment lines naming the spec and the exact command that rendered the document."""
    return (
        f"# Katib Experiment for the search space {spec.name!r}, rendered by odsweep with:\n"
        f"#   {command_line(args)}\n"
    )


def render_text(args: argparse.Namespace, *, validate: bool = True) -> str:
    """The header and the Experiment YAML for parsed ``render`` arguments.

    Args:
        args: Parsed ``odsweep katib render`` arguments.
        validate: Run ``check_spec`` (base config, data, metrics: needs the files the
            spec names). The Katib checks always run.

    Raises:
        InputError: every problem found, one line each.
    """
    from odsweep.backends.katib import check_for_katib, render_experiment, to_yaml
    from odsweep.spec import load_spec

    spec = load_spec(args.spec)
    if validate:
        from odsweep.validation import check_spec

        check_spec(spec)
    options = options_from_args(spec, args)
    check_for_katib(spec, options)
    return header(spec, args) + to_yaml(render_experiment(spec, options=options))


def run_render(args: argparse.Namespace) -> int:
    print(render_text(args), end="")
    return EXIT_OK
