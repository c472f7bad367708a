"""``python -m rawns``: the same command line as the ``rawns`` script (see rawns.cli)."""

from __future__ import annotations

import sys

from .cli import main

if __name__ == "__main__":
    sys.exit(main(prog="python -m rawns"))
