"""The ``rawns`` command (also ``python -m rawns``): one subcommand per job.

Each subcommand is a :class:`Command` in :data:`COMMANDS`: its name, the help
lines ``--help`` shows, a function adding its options, and the function that
runs it. A command may hold commands of its own (``rawns demo`` runs the seed
scenario; a later ``rawns demo NAME`` would be a nested :class:`Command`), so
adding one is adding an entry, not editing the parser.

The runners import what they need when they run: the demo pulls in most of
rawns, and ``rawns --help`` or ``--version`` should not pay for that.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from . import __version__

__all__ = ["COMMANDS", "Command", "build_parser", "main"]

DOCS = "https://github.com/rawns/rawns/tree/main/docs"

DESCRIPTION = (
    "rawns: Linux network namespaces, links, addresses, routes and NAT over raw netlink, "
    "from Python (a small cffi shim does setns/unshare/mount; nothing shells out to ip or nft). "
    "It is a library first: `from rawns import Handle, link, netns`. "
    "This command runs its jobs."
)


@dataclass(frozen=True, slots=True, kw_only=True)
class Command:
    """One subcommand: ``help`` is its line in the parent's ``--help``, ``description``
    heads its own; ``arguments`` adds its options; ``run(args, parser)`` returns the
    exit status (``parser.error`` for a usage error, exit status 2)."""

    name: str
    help: str
    description: str
    arguments: Callable[[argparse.ArgumentParser], None] = lambda p: None
    run: Callable[[argparse.Namespace, argparse.ArgumentParser], int]
    commands: tuple[Command, ...] = ()


def _demo_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--keep", action="store_true", help="leave the topology up for inspection")


def _demo_run(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    from . import demo  # the demo uses most of rawns: loaded only when it runs

    problem = demo.usage_problem(keep=args.keep)
    if problem is not None:
        parser.error(problem)
    return demo.run(keep=args.keep)


def _k8s_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--mode",
        choices=("hostgw", "vxlan"),
        default="hostgw",
        help="how pods reach other nodes: plain routes between nodes (hostgw, the default) "
        "or a vxlan overlay (flannel's design)",
    )
    p.add_argument(
        "--pods", type=int, default=3, metavar="N", help="pods, spread over the two nodes (1..250)"
    )
    p.add_argument("--keep", action="store_true", help="leave the cluster up for inspection")


def _k8s_run(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    from . import demo, demo_k8s

    if not 1 <= args.pods <= 250:
        parser.error(f"--pods must be 1..250, not {args.pods}")
    problem = demo.usage_problem(keep=args.keep)
    if problem is not None:
        parser.error(problem)
    return demo_k8s.run(mode=args.mode, pods=args.pods, keep=args.keep)


K8S = Command(
    name="k8s",
    help="the Kubernetes network model on two simulated nodes, proven with real traffic",
    description=(
        "The Kubernetes network model: build two simulated nodes (namespaces on a shared LAN "
        "namespace), each with a pod "
        "subnet on a bridge and pods attached with rawns.pods, connect the nodes by routes "
        "(--mode hostgw) or a vxlan overlay (--mode vxlan), masquerade only traffic leaving "
        "the cluster, then prove with TCP connections: pod to pod on a node and across nodes "
        "(the server sees the pod's own IP), node to remote pod, pod to an external namespace "
        "(masqueraded). Everything is removed afterwards. Exit status as for `demo`."
    ),
    arguments=_k8s_arguments,
    run=_k8s_run,
)

COMMANDS: list[Command] = [
    Command(
        name="demo",
        help="build the seed scenario in throwaway namespaces and prove it",
        description=(
            "Build the seed private network (a bridge, two namespaces on veths, forwarding, "
            "masquerade and a DNAT port forward) in throwaway namespaces, prove each claim "
            "with real TCP connections, print a report and remove everything, also on "
            "Ctrl-C. As root it never touches the machine's own network namespace; as a "
            "plain user it runs in a private user+network+mount namespace (rootless). "
            "Exit status: 0 if every check passed, 1 if one failed, 130 or 128+N if "
            "interrupted by a signal."
        ),
        arguments=_demo_arguments,
        run=_demo_run,
        commands=(K8S,),
    ),
]


def _add(sub: argparse._SubParsersAction[argparse.ArgumentParser], cmd: Command) -> None:
    p = sub.add_parser(cmd.name, help=cmd.help, description=cmd.description)
    cmd.arguments(p)
    p.set_defaults(_command=cmd, _parser=p)
    if cmd.commands:
        nested = p.add_subparsers(title="commands", metavar="[COMMAND]")
        for c in cmd.commands:
            _add(nested, c)


def build_parser(
    prog: str = "rawns", commands: Sequence[Command] | None = None
) -> argparse.ArgumentParser:
    """The argument parser of the ``rawns`` command (``commands`` defaults to :data:`COMMANDS`)."""
    p = argparse.ArgumentParser(
        prog=prog,
        description=DESCRIPTION,
        epilog=f"Run `{prog} COMMAND --help` for a command's options. Documentation: {DOCS}",
    )
    p.add_argument("--version", action="version", version=f"rawns {__version__}")
    sub = p.add_subparsers(title="commands", metavar="COMMAND", required=True)
    for cmd in COMMANDS if commands is None else commands:
        _add(sub, cmd)
    return p


def main(argv: Sequence[str] | None = None, *, prog: str = "rawns") -> int:
    """Run the ``rawns`` command line (``argv`` defaults to ``sys.argv[1:]``); the exit status."""
    parser = build_parser(prog)
    args = parser.parse_args(sys.argv[1:] if argv is None else list(argv))
    cmd: Command = args._command
    return cmd.run(args, args._parser)
