"""Argument parsing, logging setup and the error -> exit code policy."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence
from typing import NoReturn

from odsweep import __version__
from odsweep.cli import (
    data_cmd,
    init_cmd,
    katib_cmd,
    pipeline_cmd,
    postprocess_cmd,
    results_cmd,
    run_cmd,
    trial_cmd,
    validate_cmd,
)
from odsweep.cli._guards import os_error_line
from odsweep.errors import EXIT_BAD_INPUT, OdsweepError
from odsweep.secrets import MaskingFilter, mask_text

logger = logging.getLogger("odsweep")

COMMANDS = (
    init_cmd,
    validate_cmd,
    run_cmd,
    trial_cmd,
    results_cmd,
    postprocess_cmd,
    data_cmd,
    katib_cmd,
    pipeline_cmd,
)


class _Parser(argparse.ArgumentParser):
    """argparse with one-line errors (its default prints the usage block first); the
    subcommands' parsers are of this class too (``add_subparsers`` reuses it)."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_BAD_INPUT, f"{self.prog}: error: {message}; see {self.prog} --help\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="odsweep",
        description="Hyperparameter search for TensorFlow Object Detection API models.",
    )
    parser.add_argument("--version", action="version", version=f"odsweep {__version__}")
    parser.add_argument("--debug", action="store_true", help="show tracebacks and debug logs")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for command in COMMANDS:
        command.register(sub)
    return parser


def configure_logging(debug: bool) -> None:
    logging.basicConfig(
        level=logging.DEBUG if debug else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    # Safety net: a storage URL's password in any record (a library's message, a
    # traceback) is masked before a handler writes it.
    for handler in logging.getLogger().handlers:
        if not any(isinstance(f, MaskingFilter) for f in handler.filters):
            handler.addFilter(MaskingFilter())
    # TensorFlow and absl are chatty at INFO; their warnings still show.
    for name in ("tensorflow", "absl", "h5py", "matplotlib"):
        logging.getLogger(name).setLevel(logging.DEBUG if debug else logging.WARNING)


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    configure_logging(args.debug)
    try:
        code: int = args.handler(args)
        return code
    except OdsweepError as exc:
        if args.debug:
            logger.exception("%s failed", args.command)
        messages = getattr(exc, "messages", None) or (str(exc),)
        for message in messages:
            print(f"odsweep {args.command}: error: {mask_text(message)}", file=sys.stderr)
        return exc.exit_code
    except OSError as exc:
        # A user's path (the output, a file given on the command line) failed at the OS:
        # full disk, read-only, a file where a folder should be. Nothing odsweep can fix.
        if args.debug:
            logger.exception("%s failed", args.command)
        print(f"odsweep {args.command}: error: {mask_text(os_error_line(exc))}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print(f"odsweep {args.command}: interrupted", file=sys.stderr)
        return 130


def _entry() -> None:  # pragma: no cover - console script shim
    sys.exit(main())


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

__all__ = ["EXIT_BAD_INPUT", "build_parser", "main"]
