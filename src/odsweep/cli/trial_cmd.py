"""``odsweep trial``: run one trial (the command both engines launch)."""

from __future__ import annotations

import argparse
from dataclasses import replace
from typing import Any

from odsweep.cli import args as A
from odsweep.errors import EXIT_OK, InputError
from odsweep.export import INPUT_TYPES
from odsweep.trial import TrialOptions, seed_from_name


def register(sub: Any) -> None:
    p = sub.add_parser(
        "trial",
        help="train, evaluate every checkpoint, report (one trial)",
        description="Run one OD API trial: train, evaluate each checkpoint with COCO metrics, "
        "print '<RFC3339> <metric>=<value>' lines, write result.json. Exit 0 on success, "
        "1 on a failed trial, 2 on bad input (nothing trained), 143 on SIGTERM.",
    )
    p.add_argument(
        "--spec",
        help="search-space YAML: gives the base config, data, steps and objective; "
        "then give every parameter with --param",
    )
    p.add_argument(
        "--param",
        dest="params",
        action="append",
        default=[],
        type=A.assignment,
        metavar="NAME=VALUE",
        help="a parameter of --spec (repeatable)",
    )
    p.add_argument("--trial-dir", required=True, help="the trial's directory (its name names it)")
    p.add_argument("--pipeline-config", help="base pipeline.config (without --spec)")
    p.add_argument("--num-train-steps", type=A.positive_int)
    p.add_argument("--checkpoint-every-n", type=A.positive_int)
    p.add_argument("--metric", help="objective eval metric, e.g. DetectionBoxes_Precision/mAP")
    p.add_argument("--objective", type=A.objective, help="maximize | minimize")
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
    p.add_argument(
        "--seed",
        type=A.non_negative_int,
        default=None,
        help="per-trial seed, recorded (default: derived from the trial directory's name)",
    )
    p.add_argument("--keep-checkpoints", type=A.positive_int, default=7)
    p.add_argument(
        "--stall-timeout",
        type=A.positive_int,
        metavar="SECONDS",
        help="fail the trial after this long without a training step or eval "
        "(default 1800; a spec's trialStallTimeoutSeconds)",
    )
    p.add_argument(
        "--time-limit",
        type=A.positive_int,
        metavar="SECONDS",
        help="fail the trial after this long in all (a spec's trialTimeoutSeconds)",
    )
    p.add_argument(
        "--serving-cost",
        action="store_true",
        help="at the end, export the best checkpoint and report its Serving/* metrics "
        "(on by itself when the spec names one)",
    )
    p.add_argument(
        "--export-input-type",
        choices=INPUT_TYPES,
        help="the input type --serving-cost exports with (default image_tensor; "
        "a spec's export.inputType)",
    )
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    # Before anything loads TensorFlow: its threads must inherit the blocked SIGTERM.
    from odsweep.trial import block_sigterm, stop_on_sigterm

    block_sigterm()
    from odsweep.trial import run_trial

    run_trial(_options(args), on_recorder=stop_on_sigterm)
    return EXIT_OK


_SPEC_GIVES = (
    *("pipeline_config", "num_train_steps", "checkpoint_every_n", "metric", "objective"),
    *("train_input", "eval_input", "label_map", "sample_1_of_n_eval"),
    *("stall_timeout", "time_limit", "export_input_type"),
)


def _unique(pairs: list[tuple[str, str]], flag: str) -> dict[str, str]:
    """``NAME=VALUE`` pairs as a dict; a name given twice is refused, never overwritten."""
    seen: dict[str, str] = {}
    for name, value in pairs:
        if name in seen:
            raise InputError(
                f"{flag}: {name} given twice ({name}={seen[name]} and {name}={value}); "
                "give each once"
            )
        seen[name] = value
    return seen


def _options(args: argparse.Namespace) -> TrialOptions:
    params = _unique(args.params, "--param")
    sets = _unique(args.sets, "--set")
    if args.spec:
        clash = [n for n in _SPEC_GIVES if getattr(args, n) is not None]
        if clash:
            flags = ", ".join("--" + n.replace("_", "-") for n in clash)
            raise InputError(f"{flags}: given by --spec; change the spec or use --set")
        from odsweep.spec import load_spec
        from odsweep.trial import parse_params, trial_options

        spec = load_spec(args.spec)
        opts = trial_options(
            spec,
            trial_dir=args.trial_dir,
            params=parse_params(spec, params),
            sets=tuple(args.sets),
            seed=args.seed,
            keep_checkpoints=args.keep_checkpoints,
        )
        return replace(opts, serving_cost=True) if args.serving_cost else opts
    if args.params:
        raise InputError("--param: needs --spec (without a spec use --set CONFIG.PATH=VALUE)")
    required = ("pipeline_config", "num_train_steps", "checkpoint_every_n", "metric", "objective")
    missing = [n for n in required if getattr(args, n) is None]
    if missing:
        flags = ", ".join("--" + n.replace("_", "-") for n in missing)
        raise InputError(f"{flags}: required without --spec")
    return TrialOptions(
        pipeline_config=args.pipeline_config,
        trial_dir=args.trial_dir,
        num_train_steps=args.num_train_steps,
        checkpoint_every_n=args.checkpoint_every_n,
        metric=args.metric,
        objective=args.objective,
        overrides=tuple(args.sets),
        params=sets,
        train_input=args.train_input,
        eval_input=args.eval_input,
        label_map=args.label_map,
        sample_1_of_n_eval=args.sample_1_of_n_eval,
        seed=seed_from_name(args.trial_dir) if args.seed is None else args.seed,
        keep_checkpoints=args.keep_checkpoints,
        time_limit_seconds=args.time_limit,
        serving_cost=args.serving_cost,
        export_input_type=args.export_input_type or "image_tensor",
        **({} if args.stall_timeout is None else {"stall_timeout_seconds": args.stall_timeout}),
    )
