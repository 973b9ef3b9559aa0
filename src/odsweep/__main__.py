"""``python -m odsweep``: the same as the ``odsweep`` command."""

from __future__ import annotations

import sys

from odsweep.cli.main import main

if __name__ == "__main__":
    sys.exit(main())
