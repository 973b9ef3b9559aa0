"""``odsweep validate``: every check that needs no training."""

from __future__ import annotations

import argparse
from typing import Any

from odsweep.errors import EXIT_OK


def register(sub: Any) -> None:
    p = sub.add_parser(
        "validate",
        help="check a search-space YAML against its base config (no training)",
        description="Check the YAML, every configPath against the pipeline.config schema, "
        "the metrics, the data paths and what Katib's admission webhook checks. Prints a "
        "summary of the space; on errors prints them all, one line each, and exits 2.",
    )
    p.add_argument("spec", metavar="SPEC")
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from odsweep.spec import load_spec, summarize
    from odsweep.validation import check_spec

    spec = load_spec(args.spec)
    check_spec(spec)
    print(summarize(spec))
    print(f"{args.spec}: valid")
    return EXIT_OK
