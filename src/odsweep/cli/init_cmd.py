"""``odsweep init``: write a search-space YAML for a pipeline.config."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from odsweep.cli import args as A
from odsweep.errors import EXIT_OK


def register(sub: Any) -> None:
    p = sub.add_parser(
        "init",
        help="write a commented search-space YAML for a pipeline.config",
        description="Read PIPELINE_CONFIG and write a complete search space for its "
        "meta-architecture: the knobs practitioners tune, each range centred on the "
        "config's own value with a comment saying why, the data paths, num_classes from "
        "the label map, algorithm, early stopping and export. The result passes "
        "`odsweep validate` once the data paths are given. Without --output, the YAML is "
        "printed.",
    )
    p.add_argument("pipeline_config", metavar="PIPELINE_CONFIG")
    p.add_argument("--train-input", metavar="GLOB", help="training TFRecords")
    p.add_argument("--eval-input", metavar="GLOB", help="evaluation TFRecords")
    p.add_argument("--label-map", metavar="PATH", help="label_map.pbtxt (sets num_classes)")
    p.add_argument(
        "--num-train-steps",
        type=A.positive_int,
        default=None,
        metavar="N",
        help="steps per trial (default: the config's num_steps)",
    )
    p.add_argument("--output", "-o", metavar="SPEC.yaml", help="where to write the YAML")
    p.add_argument("--force", action="store_true", help="overwrite an existing --output")
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from odsweep.init import InitRequest, draft_spec, write_spec

    draft = draft_spec(
        InitRequest(
            pipeline_config=args.pipeline_config,
            train_input=args.train_input,
            eval_input=args.eval_input,
            label_map=args.label_map,
            num_train_steps=args.num_train_steps,
            output=args.output,
        )
    )
    if args.output is None:
        sys.stdout.write(draft.text)
        return EXIT_OK
    write_spec(draft.text, args.output, force=args.force)
    print(
        f"{args.output}: {draft.meta_architecture} search space with "
        f"{len(draft.parameters)} parameters ({', '.join(draft.parameters)})"
    )
    for note in draft.notes:
        print(f"note: {note}")
    print(f"next: odsweep validate {args.output}")
    return EXIT_OK
