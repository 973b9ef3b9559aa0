"""The storage layer's own error (bad input is :class:`odsweep.errors.InputError`)."""

from __future__ import annotations

from odsweep.errors import OdsweepError


class StorageError(OdsweepError):
    """The object store failed for a reason the user's input did not cause (an outage,
    retries used up, an unexpected answer). The message names the ``gs://`` URI."""
