"""The demo behind ``python -m rawns demo``: the seed scenario, proven with real traffic.

It builds ``shared/seed/network-namespaces.md`` in throwaway namespaces: one
namespace plays the host (bridge ``v-net-0`` at 192.168.15.5/24, forwarding,
MASQUERADE, a DNAT port forward of port 80 to 192.168.15.2:80), two are the
seed's red (192.168.15.1) and blue (192.168.15.2), and one plays the external
network 192.168.1.0/24 (the host is 192.168.1.2 there, the far end
192.168.1.3). The machine's own network namespace is never touched. Then it
proves each claim with TCP connections and prints a report; everything is
removed afterwards, also on Ctrl-C or SIGTERM.

Without root it first moves into a private user+network+mount namespace
(:func:`rawns.rootless.enter`), so a plain user sees the whole scenario work.
"""

from __future__ import annotations

import argparse
import contextlib
import signal
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from types import FrameType

from . import addr, link, netns, probe, rootless
from .handle import Handle
from .topology import Applied, Forward, Member, Topology

__all__ = ["main", "run_demo"]

SUBNET = "192.168.15.0/24"
GATEWAY = "192.168.15.5"
RED, BLUE = "192.168.15.1", "192.168.15.2"
HOST_UPLINK, EXTERNAL = "192.168.1.2", "192.168.1.3"
PREFIX = "rawns-demo-"


class Report:
    """Pass/fail lines with timings; ``ok`` is false after any failure."""

    def __init__(self) -> None:
        self.ok = True
        self.passed = 0
        self.failed = 0

    def check(self, what: str, fn: Callable[[], str]) -> None:
        t0 = time.perf_counter()
        try:
            detail = fn()
            status = "PASS"
            self.passed += 1
        except Exception as e:  # the report shows every failure and goes on
            detail = f"{type(e).__name__}: {e}"
            status = "FAIL"
            self.ok = False
            self.failed += 1
        ms = (time.perf_counter() - t0) * 1000
        print(f"  [{status}] {what:<52} {ms:7.1f} ms  {detail}", flush=True)

    def fail(self, what: str, e: BaseException) -> None:
        self.ok = False
        self.failed += 1
        notes = "".join(f"\n      {n}" for n in getattr(e, "__notes__", ()))
        print(f"  [FAIL] {what}: {type(e).__name__}: {e}{notes}", flush=True)


class _Stop(BaseException):
    """SIGTERM, turned into an exception so that cleanup runs."""


@contextlib.contextmanager
def _signals_to_exceptions() -> Iterator[None]:
    def on_term(signum: int, frame: FrameType | None) -> None:
        raise _Stop(f"signal {signum}")

    old = signal.signal(signal.SIGTERM, on_term)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, old)


def _cleanup(tag: str) -> list[str]:
    """Remove every namespace this run made (found by its unique tag), uninterruptibly."""
    old_int = signal.signal(signal.SIGINT, signal.SIG_IGN)
    old_term = signal.signal(signal.SIGTERM, signal.SIG_IGN)
    try:
        for name in netns.dump():
            if name.startswith(PREFIX) and name.endswith(tag):
                with contextlib.suppress(FileNotFoundError):
                    netns.delete(name)
        return [n for n in netns.dump() if n.startswith(PREFIX) and n.endswith(tag)]
    finally:
        signal.signal(signal.SIGINT, old_int)
        signal.signal(signal.SIGTERM, old_term)


def _build(tag: str) -> tuple[Applied, dict[str, netns.Netns]]:
    names = {role: f"{PREFIX}{role}-{tag}" for role in ("host", "red", "blue", "ext")}
    spaces: dict[str, netns.Netns] = {}
    spaces["host"] = netns.create(names["host"], delete_on_exit=False)
    spaces["ext"] = netns.create(names["ext"], delete_on_exit=False)
    # The "external network": a veth between the host and the far end.
    with Handle.open(netns=spaces["host"]) as host, Handle.open(netns=spaces["ext"]) as ext:
        link.add(
            host,
            link.Veth(name="eth0", peer="eth0", peer_netns=spaces["ext"], up=True, peer_up=True),
        )
        addr.add(host, f"{HOST_UPLINK}/24", dev="eth0")
        addr.add(ext, f"{EXTERNAL}/24", dev="eth0")
        link.set(ext, "lo", up=True)
    topo = Topology(
        host=spaces["host"],
        subnet=SUBNET,
        bridge="v-net-0",
        gateway=GATEWAY,
        uplink="eth0",
        members=[
            Member(netns=names["red"], address=RED, veth="veth-red", bridge_end="veth-red-br"),
            Member(
                netns=names["blue"],
                address=BLUE,
                veth="veth-blue",
                bridge_end="veth-blue-br",
                routes=("192.168.1.0/24",),
            ),
        ],
        forwards=[Forward(port=80, to=BLUE, to_port=80)],
    )
    print("building the seed scenario (equivalent commands):")
    for i, s in enumerate(topo.plan(), 1):
        print(f"  {i:2}. {s}")
    applied = topo.apply()
    spaces["red"] = netns.open(names["red"])
    spaces["blue"] = netns.open(names["blue"])
    return applied, spaces


def _prove(rep: Report, ns: dict[str, netns.Netns]) -> None:
    red, blue, ext, host = ns["red"], ns["blue"], ns["ext"], ns["host"]
    with contextlib.ExitStack() as stack:
        stack.enter_context(probe.TcpServer(blue, BLUE, 8080, name="blue"))
        stack.enter_context(probe.TcpServer(red, RED, 8080, name="red"))
        stack.enter_context(probe.TcpServer(ext, EXTERNAL, 8080, name="external"))
        stack.enter_context(probe.TcpServer(blue, BLUE, 80, name="blue-web"))

        def talk(src: netns.Netns, host_: str, port: int, server: str, source: str) -> str:
            r = probe.tcp_check(src, host_, port)
            if r.server != server:
                raise AssertionError(f"answered by {r.server}, expected {server}")
            if str(r.seen_source) != source:
                raise AssertionError(f"far end saw {r.seen_source}, expected {source}")
            return f"{r.server} saw source {r.seen_source}"

        rep.check("red -> blue over the bridge v-net-0", lambda: talk(red, BLUE, 8080, "blue", RED))
        rep.check("blue -> red over the bridge v-net-0", lambda: talk(blue, RED, 8080, "red", BLUE))
        rep.check(
            "blue -> external 192.168.1.3 (masquerade)",
            lambda: talk(blue, EXTERNAL, 8080, "external", HOST_UPLINK),
        )
        rep.check(
            "red -> external 192.168.1.3 (masquerade)",
            lambda: talk(red, EXTERNAL, 8080, "external", HOST_UPLINK),
        )
        rep.check(
            "external -> host:80 lands on blue (DNAT)",
            lambda: talk(ext, HOST_UPLINK, 80, "blue-web", EXTERNAL),
        )

        def host_to_red() -> str:
            r = probe.tcp_check(host, RED, 8080)
            return f"{r.server} saw source {r.seen_source}"

        rep.check("host -> red via its bridge address", host_to_red)

        def isolated() -> str:
            try:
                probe.tcp_check(ext, BLUE, 8080, timeout=0.5)
            except OSError as e:
                return f"refused as expected ({e.strerror or type(e).__name__})"
            raise AssertionError("the external side reached the private subnet directly")

        rep.check("external cannot reach 192.168.15.0/24 directly", isolated)


def run_demo(*, keep: bool = False) -> bool:
    """Build, prove, report and clean up; True if every check passed."""
    mode = "root"
    if not rootless.is_root():
        rootless.enter()
        mode = "rootless (private user+network+mount namespace, uid mapped to 0)"
    tag = uuid.uuid4().hex[:6]
    print(
        f"rawns demo, mode: {mode}; namespaces {PREFIX}*-{tag} "
        "(the machine's own network namespace is not touched)"
    )
    rep = Report()
    applied: Applied | None = None
    spaces: dict[str, netns.Netns] = {}
    t0 = time.perf_counter()
    try:
        with _signals_to_exceptions():
            try:
                applied, spaces = _build(tag)
            except Exception as e:
                rep.fail("build the seed topology", e)
            else:
                ms = (time.perf_counter() - t0) * 1000
                print(f"built in {ms:.0f} ms; made:")
                print(applied.summary())
                print("checks (real TCP connections between the namespaces):")
                _prove(rep, spaces)
    finally:
        for ns in spaces.values():
            ns.close()
        if keep and rep.ok:
            names = sorted(n for n in netns.dump() if n.endswith(tag))
            print(
                "--keep: left in place for inspection, e.g. "
                f"`ip -n {names[0]} -d link`; remove with: "
                + "; ".join(f"ip netns del {n}" for n in names)
            )
        else:
            if applied is not None:
                with contextlib.suppress(Exception):
                    applied.teardown()
            left = _cleanup(tag)
            print("cleanup: " + ("nothing left behind" if not left else f"LEFT {left}"))
            rep.ok = rep.ok and not left
    print(f"result: {rep.passed} passed, {rep.failed} failed" + ("" if rep.ok else "  (FAILED)"))
    return rep.ok


def main(argv: list[str]) -> int:
    p = argparse.ArgumentParser(prog="python -m rawns")
    sub = p.add_subparsers(dest="cmd", required=True)
    d = sub.add_parser("demo", help="build the seed scenario in throwaway namespaces and prove it")
    d.add_argument("--keep", action="store_true", help="leave the topology up for inspection")
    args = p.parse_args(argv)
    if args.cmd == "demo":
        if args.keep and not rootless.is_root():
            p.error("--keep needs root: a rootless topology vanishes with the process")
        try:
            return 0 if run_demo(keep=args.keep) else 1
        except KeyboardInterrupt:
            print("interrupted; cleaned up", file=sys.stderr)
            return 130
        except _Stop:
            return 143
    return 2  # pragma: no cover - argparse enforces the choices


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main(sys.argv[1:]))
