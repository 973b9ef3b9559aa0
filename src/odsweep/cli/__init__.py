"""The ``odsweep`` command line. Only this package configures logging and turns
errors into exit codes; everything below it raises."""

from __future__ import annotations

from odsweep.cli.main import main

__all__ = ["main"]
