"""``odsweep trial``: run one trial (the command both engines launch)."""

from __future__ import annotations

import argparse
from typing import Any

from odsweep.cli import args as A
from odsweep.errors import EXIT_OK


def register(sub: Any) -> None:
    p = sub.add_parser(
        "trial",
        help="train, evaluate every checkpoint, report (one trial)",
        description="Run one OD API trial: train, evaluate each checkpoint with COCO metrics, "
        "print '<RFC3339> <metric>=<value>' lines, write result.json. Exit 0 on success, "
        "1 on a failed trial, 2 on bad input (nothing trained), 143 on SIGTERM.",
    )
    p.add_argument("--pipeline-config", required=True, help="base pipeline.config")
    p.add_argument("--trial-dir", required=True, help="the trial's directory (its name names it)")
    p.add_argument("--num-train-steps", required=True, type=A.positive_int)
    p.add_argument("--checkpoint-every-n", required=True, type=A.positive_int)
    p.add_argument(
        "--metric", required=True, help="objective eval metric, e.g. DetectionBoxes_Precision/mAP"
    )
    p.add_argument("--objective", required=True, type=A.objective, help="maximize | minimize")
    p.add_argument(
        "--set",
        dest="sets",
        action="append",
        default=[],
        type=A.assignment,
        metavar="CONFIG.FIELD.PATH=VALUE",
        help="override a config field (repeatable; lists as [1.0,2.0])",
    )
    p.add_argument("--train-input", help="train TFRecord glob (replaces the config's)")
    p.add_argument("--eval-input", help="eval TFRecord glob (replaces the config's)")
    p.add_argument("--label-map", help="label_map.pbtxt (replaces the config's)")
    p.add_argument("--sample-1-of-n-eval", type=A.positive_int)
    p.add_argument("--seed", type=A.non_negative_int, default=0, help="per-trial seed (recorded)")
    p.add_argument("--keep-checkpoints", type=A.positive_int, default=7)
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    # Before anything loads TensorFlow: its threads must inherit the blocked SIGTERM.
    from odsweep.trial.signals import block_sigterm, stop_on_sigterm

    block_sigterm()
    from odsweep.trial.options import TrialOptions
    from odsweep.trial.runner import run_trial

    opts = TrialOptions(
        pipeline_config=args.pipeline_config,
        trial_dir=args.trial_dir,
        num_train_steps=args.num_train_steps,
        checkpoint_every_n=args.checkpoint_every_n,
        metric=args.metric,
        objective=args.objective,
        overrides=tuple(args.sets),
        params=dict(args.sets),
        train_input=args.train_input,
        eval_input=args.eval_input,
        label_map=args.label_map,
        sample_1_of_n_eval=args.sample_1_of_n_eval,
        seed=args.seed,
        keep_checkpoints=args.keep_checkpoints,
    )
    run_trial(opts, on_recorder=stop_on_sigterm)
    return EXIT_OK
