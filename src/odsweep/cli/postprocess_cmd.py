"""``odsweep tune-postprocess DIR``: the winner's post-processing tuned without retraining."""

from __future__ import annotations

import argparse
from typing import Any

from odsweep.errors import EXIT_OK


def register(sub: Any) -> None:
    from odsweep.postprocess import CHOOSE_BY, Knob

    p = sub.add_parser(
        "tune-postprocess",
        help="re-evaluate the winner's best checkpoint over a grid of post-processing "
        "settings (eval only), export the chosen one",
    )
    p.add_argument("output", metavar="OUTPUT_DIR")
    p.add_argument("--trial", help="the trial to tune (default: the winner in best.json)")
    for knob in Knob:
        p.add_argument(
            knob.flag,
            dest=knob.value,
            metavar="V[,V...]",
            help=f"values of {knob.value} (default: the config's and a few near it)",
        )
    p.add_argument(
        "--constraint",
        action="append",
        default=[],
        metavar="METRIC<=V",
        help="a bound every chosen setting must meet, e.g. Serving/latency_p50_ms<=40 or "
        "Postprocess/recall@0.5IOU>=0.8 (repeatable; the spec's export.constraints apply too)",
    )
    p.add_argument(
        "--choose-by",
        choices=CHOOSE_BY,
        default="objective",
        help="objective: the spec's metric (default); f1: F1 at IoU 0.5 of the kept detections",
    )
    p.add_argument(
        "--to", dest="base", help="TF Serving base path (default: DIR/postprocess/model)"
    )
    p.add_argument("--no-export", action="store_true", help="evaluate and choose only")
    p.add_argument(
        "--serving-cost",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="export each setting and measure its latency p50/p90, size, params (default: "
        "when the spec or a --constraint names a Serving/* metric)",
    )
    p.set_defaults(handler=tune_postprocess)


def tune_postprocess(args: argparse.Namespace) -> int:
    from odsweep.postprocess import Knob, parse_constraint, parse_values, tune_sweep

    # Every flag is checked before anything is read or evaluated.
    grid = {
        knob: parse_values(knob, getattr(args, knob.value))
        for knob in Knob
        if getattr(args, knob.value) is not None
    }
    constraints = [parse_constraint(text) for text in args.constraint]
    result = tune_sweep(
        args.output,
        grid=grid,
        constraints=constraints,
        choose_by=args.choose_by,
        trial=args.trial,
        export_base=args.base,
        export=not args.no_export,
        serving_cost=args.serving_cost,
    )
    print(f"chosen {result.chosen.setting.name}: {result.chosen.setting.as_dict()}")
    print(f"table: {result.table_path}")
    if result.export_path:
        print(result.export_path)
    return EXIT_OK
