"""``odsweep demo-data``: generate the demo detection dataset."""

from __future__ import annotations

import argparse
from typing import Any

from odsweep.cli import args as A
from odsweep.errors import EXIT_OK


def register(sub: Any) -> None:
    p = sub.add_parser(
        "demo-data",
        help="write a small synthetic detection dataset (TFRecords + label map)",
        description="Write OUT_DIR/train-*.tfrecord, OUT_DIR/eval-*.tfrecord and "
        "OUT_DIR/label_map.pbtxt: deterministic for a given seed.",
    )
    p.add_argument("out_dir", metavar="OUT_DIR")
    p.add_argument("--seed", type=A.non_negative_int, default=0)
    p.add_argument("--num-train", type=A.positive_int, default=None)
    p.add_argument("--num-eval", type=A.positive_int, default=None)
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from odsweep.demodata import write_demo_dataset

    kwargs = {}
    if args.num_train is not None:
        kwargs["num_train"] = args.num_train
    if args.num_eval is not None:
        kwargs["num_eval"] = args.num_eval
    ds = write_demo_dataset(args.out_dir, seed=args.seed, **kwargs)
    print(f"train: {ds.train_glob}\neval: {ds.eval_glob}\nlabel map: {ds.label_map_path}")
    return EXIT_OK
