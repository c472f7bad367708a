"""``python -m rawns demo``: the project's main job (see rawns.demo)."""

from __future__ import annotations

import sys

from .demo import main

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
