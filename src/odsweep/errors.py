"""Errors that cross module seams, and the exit codes the CLI maps them to.

Every message is one line a user can act on: the key or path, the rule, the
value received and the fix, e.g.
``parameters[0].feasibleSpace.min: must be > 0 for distribution=logUniform, got 0.0``.
Only the CLI turns these into stderr lines and exit codes.
"""

from __future__ import annotations

from collections.abc import Iterable

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_BAD_INPUT = 2
EXIT_SIGTERM = 143


class OdsweepError(Exception):
    """Base class; ``exit_code`` is what the CLI exits with."""

    exit_code = EXIT_FAILED


class InputError(OdsweepError):
    """Bad user input (spec, config, flags, paths). Nothing was run or written.

    Carries one or more one-line messages so that validation reports every
    mistake at once.
    """

    exit_code = EXIT_BAD_INPUT

    def __init__(self, messages: str | Iterable[str]) -> None:
        self.messages: tuple[str, ...] = (
            (messages,) if isinstance(messages, str) else tuple(messages)
        )
        if not self.messages:
            raise ValueError("InputError needs at least one message")
        super().__init__("\n".join(self.messages))


class TrialFailed(OdsweepError):
    """A trial ran and failed (NaN loss, training crash, no usable eval)."""

    exit_code = EXIT_FAILED
