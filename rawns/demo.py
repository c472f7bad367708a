"""The demo behind ``rawns demo``: the seed scenario, proven with real traffic.

It builds ``shared/seed/network-namespaces.md`` in throwaway namespaces: one
namespace plays the host (bridge ``v-net-0`` at 192.168.15.5/24, forwarding,
MASQUERADE, a DNAT port forward of port 80 to 192.168.15.2:80), two are the
seed's red (192.168.15.1) and blue (192.168.15.2), and one plays the external
network 192.168.1.0/24 (the host is 192.168.1.2 there, the far end
192.168.1.3). The machine's own network namespace is never touched. Then it
proves each claim with TCP connections and prints a report; everything is
removed afterwards, also on Ctrl-C, SIGTERM or SIGHUP
(:func:`rawns.netns.unwind_on_signals`). Each run's namespaces share a
prefix, ``rawns-demo-<tag>-``, which :func:`rawns.netns.delete_stale` removes
if a run was killed outright.

Without root it first moves into a private user+network+mount namespace
(:func:`rawns.rootless.enter`), so a plain user sees the whole scenario work.
"""

from __future__ import annotations

import contextlib
import dataclasses
import signal
import sys
import time
import uuid
from collections.abc import Callable
from ipaddress import IPv4Interface

from . import link, netns, probe, rootless
from .compose import Step, run_steps
from .compose._ensure import _address_step, _up_step
from .compose._steps import _Inside
from .topology import Applied, Forward, Member, Topology

__all__ = ["run", "run_demo", "usage_problem"]

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


_QUIET = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


def _names(tag: str) -> dict[str, str]:
    return {role: f"{PREFIX}{tag}-{role}" for role in ("host", "red", "blue", "ext")}


def _cleanup(tag: str) -> list[str]:
    """Remove every namespace this run made (they share one prefix), uninterruptibly."""
    old = {s: signal.signal(s, signal.SIG_IGN) for s in _QUIET}
    try:
        netns.delete_stale(f"{PREFIX}{tag}-")
        return netns.dump(prefix=f"{PREFIX}{tag}-")
    finally:
        for s, handler in old.items():
            signal.signal(s, handler)


def _topology(names: dict[str, str]) -> Topology:
    """The seed's private network, with the seed's own NAT lines.

    No uplink: the seed's ``-s 192.168.15.0/24 -j MASQUERADE`` names no
    interface, so neither does the masquerade here (it skips only traffic
    that stays on the bridge, see docs/nat.md), and its DNAT line names no
    incoming interface either.
    """
    return Topology(
        host=names["host"],
        subnet=SUBNET,
        bridge="v-net-0",
        gateway=GATEWAY,
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


def _build_steps(
    names: dict[str, str], topo: Topology, inside: dict[str, _Inside], out: list[Applied]
) -> list[Step]:
    """The demo's own steps: the host and the external network, then the topology.

    Only the two namespaces need an undo: what the later steps make inside
    them goes with them.
    """

    def make_ns(role: str) -> Step:
        def do() -> bool:
            netns.create(names[role], delete_on_exit=False).close()
            return True

        def undo() -> None:
            inside[role].close()  # our descriptors would keep it alive
            with contextlib.suppress(FileNotFoundError):
                netns.delete(names[role])

        return Step(f"ip netns add {names[role]}", do, undo)

    host, ext = inside["host"].handle, inside["ext"].handle
    h_n, e_n = f"ip -n {names['host']}", f"ip -n {names['ext']}"

    def veth() -> bool:
        spec = link.Veth(name="eth0", peer="eth0", peer_netns=inside["ext"].netns(), up=True)
        link.add(host(), spec)
        return True

    def apply() -> bool:
        out.append(topo.apply())
        return True

    def teardown() -> None:
        out.pop().teardown()

    return [
        make_ns("host"),
        make_ns("ext"),
        Step(f"{h_n} link add eth0 up type veth peer name eth0 netns {names['ext']}", veth),
        _in_ns(_up_step(ext, "eth0", f"{e_n} link set eth0 up")),
        _in_ns(_up_step(ext, "lo", f"{e_n} link set lo up")),
        _in_ns(
            _address_step(
                host,
                "eth0",
                IPv4Interface(f"{HOST_UPLINK}/24"),
                f"{h_n} addr add {HOST_UPLINK}/24 dev eth0",
            )
        ),
        _in_ns(
            _address_step(
                ext,
                "eth0",
                IPv4Interface(f"{EXTERNAL}/24"),
                f"{e_n} addr add {EXTERNAL}/24 dev eth0",
            )
        ),
        Step("the seed's private network (the topology below)", apply, teardown),
    ]


def _in_ns(step: Step) -> Step:
    """``step`` without its undo: the namespace it acts in is deleted instead."""
    return dataclasses.replace(step, undo=None)


def _build(tag: str) -> tuple[Applied, dict[str, netns.Netns]]:
    """Build everything, or (if any step fails) nothing: the error names the step."""
    names = _names(tag)
    topo = _topology(names)  # checked here, before anything is made
    inside = {role: _Inside(names[role]) for role in ("host", "ext")}
    out: list[Applied] = []
    steps = _build_steps(names, topo, inside, out)
    print("building the seed scenario (equivalent commands):")
    for i, s in enumerate(steps, 1):
        print(f"  {i:2}. {s.description}")
    for i, line in enumerate(topo.plan(), 1):
        print(f"      {i:2}. {line}")
    try:
        run_steps(steps, "demo")
    finally:
        for opened in inside.values():
            opened.close()
    spaces = {role: netns.open(name) for role, name in names.items()}
    return out[0], spaces


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
        f"rawns demo, mode: {mode}; namespaces {PREFIX}{tag}-* "
        "(the machine's own network namespace is not touched)"
    )
    rep = Report()
    applied: Applied | None = None
    spaces: dict[str, netns.Netns] = {}
    t0 = time.perf_counter()
    try:
        with netns.unwind_on_signals():
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
            names = netns.dump(prefix=f"{PREFIX}{tag}-")
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


def usage_problem(*, keep: bool) -> str | None:
    """Why ``rawns demo`` can't run with these options here (a usage error), or None."""
    if keep and not rootless.is_root():
        return "--keep needs root: a rootless topology vanishes with the process"
    return None


def run(*, keep: bool = False) -> int:
    """``rawns demo``: 0 if every check passed, 1 if not, 130 or 128+N after a signal.

    Whatever the demo made is removed before this returns, also when interrupted.
    """
    try:
        return 0 if run_demo(keep=keep) else 1
    except KeyboardInterrupt:
        print("interrupted; cleaned up", file=sys.stderr)
        return 130
    except netns.Terminated as e:
        print(f"{e}; cleaned up", file=sys.stderr)
        return 128 + e.signum
