"""Errors of the Katib backend: the search ran (or runs) on the cluster and did not end well.

Bad input (no kube config, a refused Experiment, no permission) is an
:class:`~odsweep.errors.InputError` (exit 2). Everything here is exit 1 and carries
several one-line messages, like ``InputError``: the first says what happened, the others
say where to look. The CLI prints each on its own line.
"""

from __future__ import annotations

from collections.abc import Iterable

from odsweep.errors import EXIT_FAILED, OdsweepError


class KatibError(OdsweepError):
    """The Experiment failed, vanished or could not be followed (exit 1)."""

    exit_code = EXIT_FAILED

    def __init__(self, messages: str | Iterable[str]) -> None:
        self.messages: tuple[str, ...] = (
            (messages,) if isinstance(messages, str) else tuple(messages)
        )
        if not self.messages:
            raise ValueError(f"{type(self).__name__} needs at least one message")
        super().__init__("\n".join(self.messages))


class ExperimentFailed(KatibError):
    """The Experiment ended Failed, or Succeeded without a usable winner."""


class ExperimentGone(KatibError):
    """The Experiment was deleted while it was followed (the API answered 404)."""


class FollowTimeout(KatibError):
    """The Experiment was still running when following it timed out; it keeps running."""


class KatibApiError(KatibError):
    """The Kubernetes API kept failing, or answered something unexpected."""
