"""``python -m rawns.cni install DIR``: write the plugin launchers into a CNI plugin directory."""

from __future__ import annotations

import argparse
import sys

from ._launcher import PLUGINS, install


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(
        prog="python -m rawns.cni",
        description="Write the rawns CNI plugins' launchers (" + ", ".join(PLUGINS) + ") into "
        "a runtime's plugin directory, e.g. /opt/cni/bin. Each starts this Python with -I -S "
        "(no site, no PYTHON* variables), the directories of rawns and cffi fixed at install.",
    )
    sub = p.add_subparsers(dest="command", required=True)
    ins = sub.add_parser("install", help="write the four launchers into DIR")
    ins.add_argument("directory", metavar="DIR")
    ins.add_argument(
        "--python", default=None, help="the interpreter to run (default: this one, sys.executable)"
    )
    args = p.parse_args(argv)
    try:
        for path in install(args.directory, python=args.python):
            print(path)
    except (OSError, ValueError) as e:
        print(f"python -m rawns.cni install: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
