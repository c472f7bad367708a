"""``python -m rawns.cni install DIR [--resident SOCKET]``: write the plugin launchers (or the
resident mode's shims) into a CNI plugin directory; ``python -m rawns.cni serve --socket PATH``:
run the resident daemon."""

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
    ins.add_argument(
        "--resident",
        metavar="SOCKET",
        default=None,
        help="write thin shims forwarding to the resident daemon at SOCKET instead",
    )
    ins.add_argument(
        "--shim",
        choices=("auto", "c", "python"),
        default="auto",
        help="with --resident: copies of the compiled shim (c), Python scripts (python), or "
        "the compiled one if rawns was built with it, else Python (auto, the default)",
    )
    srv = sub.add_parser(
        "serve", help="run the resident daemon the --resident shims forward to (as root)"
    )
    srv.add_argument("--socket", required=True, metavar="PATH", help="its unix socket (0600)")
    srv.add_argument(
        "--idle",
        type=float,
        default=None,
        metavar="SECONDS",
        help="close a node namespace's sockets unused this long (default 60)",
    )
    args = p.parse_args(argv)
    if args.command == "serve":
        from . import _daemon

        try:
            _daemon.serve(args.socket, idle=_daemon.IDLE if args.idle is None else args.idle)
        except (OSError, ValueError) as e:
            print(f"python -m rawns.cni serve: {e}", file=sys.stderr)
            return 1
        except KeyboardInterrupt:
            return 130
        return 0
    try:
        for path in install(
            args.directory, python=args.python, resident=args.resident, shim=args.shim
        ):
            print(path)
    except (OSError, ValueError) as e:
        print(f"python -m rawns.cni install: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
