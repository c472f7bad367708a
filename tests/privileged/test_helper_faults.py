"""Fault injection for every multi-step helper: each request refused in turn changes nothing.

For each helper (the compose helpers that make more than one request,
``Topology.apply`` and the demo's build) a first run on fresh, identical
state counts its netlink exchanges N (``transport.fail_nth_request``); then,
for n in 1..N, the helper runs again with exchange n refused (EPERM), and:

- the error raised is the injected one (not a NotFound from an undo), with
  a note naming the failed step;
- the kernel state afterwards is the state before, read by the outside
  oracles (``ip -j`` links, addresses, routes and rules, ``nft -j list
  ruleset``, the forwarding sysctls), and no namespace was left behind.

The same namespaces are reused for every n: that they are back to their
starting state is exactly what each iteration asserts.
"""

from __future__ import annotations

import contextlib
import errno
import re
import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from rawns import Handle, compose, netns, nft, sysctl, transport
from rawns.errors import KernelError
from rawns.topology import Forward, Member, Topology
from tests.conftest import ip_json, nft_json, run
from tests.privileged.kstate import diff, snapshot

_SYSCTLS = ("net/ipv4/ip_forward", "net/ipv6/conf/all/forwarding")


def _state(names: tuple[str, ...], tag: str | None = None) -> dict[str, Any]:
    """Every namespace's kernel state, its forwarding sysctls, and the tagged namespaces."""
    out: dict[str, Any] = {}
    for n in names:
        s = snapshot(n)
        for key in _SYSCTLS:
            s[key] = run("ip", "netns", "exec", n, "cat", f"/proc/sys/{key}").strip()
        out[n] = s
    if tag is not None:
        out["netns"] = sorted(x for x in netns.dump() if tag in x)
    return out


def _settle(names: tuple[str, ...]) -> None:
    """Wait until no IPv6 address of the setup is tentative.

    A link that setup brought up gets its IPv6 link-local address at once,
    but its local route only once duplicate address detection is over (about
    two seconds later, net/ipv6/addrconf.c): a snapshot taken before that
    would see the kernel's own change as the helper's.
    """
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        if not any(
            a
            for n in names
            for x in ip_json(n, "-6", "addr", "show", "tentative")
            for a in x.get("addr_info", [])
        ):
            return
        time.sleep(0.1)


def _diff(before: dict[str, Any], after: dict[str, Any]) -> str:
    lines = []
    for k, b in before.items():
        a = after[k]
        if isinstance(b, dict):
            d = diff(b, a)
            if d:
                lines.append(f"{k}: {d}")
        elif a != b:
            lines.append(f"{k}: {b} -> {a}")
    return "\n".join(lines)


def _count(call: Callable[[], object]) -> int:
    with transport.fail_nth_request(10**9) as plan:
        call()
    assert plan.fired is None
    return plan.count


def _every_fault(
    call: Callable[[], object],
    total: int,
    label: str,
    names: tuple[str, ...],
    tag: str | None = None,
    normalise: Callable[[dict[str, Any]], dict[str, Any]] = lambda s: s,
) -> list[str]:
    """Refuse request n for n in 1..total; returns the step named for each."""
    assert total >= 1
    _settle(names)
    before = normalise(_state(names, tag))
    steps = []
    for n in range(1, total + 1):
        with transport.fail_nth_request(n) as plan, pytest.raises(KernelError) as ei:
            call()
        e = ei.value
        assert plan.fired is not None, f"request {n}/{total} never came"
        assert e.errno == errno.EPERM and "injected fault" in str(e), (n, repr(e))
        notes = "\n".join(getattr(e, "__notes__", []))
        m = re.search(rf"rawns {re.escape(label)}: step (\d+/\d+) failed: ([^\n]*)", notes)
        assert m, f"request {n}/{total} ({plan.fired}): no step named in {notes!r}"
        assert "undo problems" not in notes, notes
        after = normalise(_state(names, tag))
        assert after == before, (
            f"request {n}/{total} ({plan.fired}) refused at step {m.group(1)} "
            f"({m.group(2)[:80]}) left a change:\n{_diff(before, after)}"
        )
        steps.append(m.group(1))
    return steps


@contextlib.contextmanager
def _handle(ns: Any) -> Iterator[Handle]:
    with Handle.open(netns=ns) as h:
        yield h


# ---------------------------------------------------------------------------
# compose helpers


def _bridge(ns: str, name: str = "v-net-0") -> None:
    run("ip", "-n", ns, "link", "add", name, "type", "bridge")
    run("ip", "-n", ns, "link", "set", name, "up")


def _connect(host: Handle, red: Any) -> bool:
    return compose.connect(
        host,
        red,
        bridge="v-net-0",
        veth="veth-red",
        bridge_end="veth-red-br",
        address="192.168.15.1/24",
        gateway="192.168.15.5",
        routes=("192.168.1.0/24",),
    )


@pytest.mark.parametrize("reuse", [False, True], ids=["new-veth", "reused-veth"])
def test_connect_refused_at_every_request_changes_nothing(make_ns: Any, reuse: bool) -> None:
    def setup() -> tuple[Any, Any]:
        host, red = make_ns(), make_ns()
        _bridge(host.name)
        if reuse:  # the pair is there already, both ends down, lo down: connect changes them
            run(
                "ip", "-n", host.name, "link", "add", "veth-red-br",
                "type", "veth", "peer", "name", "veth-red", "netns", red.name,
            )  # fmt: skip
        return host, red

    host, red = setup()
    with _handle(host) as h:
        total = _count(lambda: _connect(h, red))
    host, red = setup()
    with _handle(host) as h:
        steps = _every_fault(
            lambda: _connect(h, red), total, "compose.connect", (host.name, red.name)
        )
    assert len(set(steps)) >= 5, steps  # the faults landed in every kind of step


@pytest.mark.parametrize("bridge", [None, "down"], ids=["new-bridge", "bridge-down"])
def test_gateway_refused_at_every_request_changes_nothing(make_ns: Any, bridge: str | None) -> None:
    def setup() -> Any:
        ns = make_ns()
        if bridge == "down":
            run("ip", "-n", ns.name, "link", "add", "v-net-0", "type", "bridge")
        return ns

    def call(h: Handle) -> bool:
        return compose.gateway(h, bridge="v-net-0", address="192.168.15.5/24")

    ns = setup()
    with _handle(ns) as h:
        total = _count(lambda: call(h))
    ns = setup()
    with _handle(ns) as h:
        _every_fault(lambda: call(h), total, "compose.gateway", (ns.name,))
        run("ip", "netns", "exec", ns.name, "sysctl", "-qw", "net.ipv4.ip_forward=0")


_RULESETS = {
    "empty": "",
    "table": "add table ip nat\n",
    "chains": (
        "add table ip nat\n"
        "add chain ip nat postrouting { type nat hook postrouting priority srcnat; }\n"
        "add chain ip nat prerouting { type nat hook prerouting priority dstnat; }\n"
        "add chain ip nat output { type nat hook output priority -100; policy drop; }\n"
        "add rule ip nat postrouting ip saddr 10.9.0.0/16 masquerade\n"
    ),
}

_NAT_CALLS: dict[str, tuple[str, Callable[[Handle], bool]]] = {
    "masquerade": (
        "compose.masquerade",
        lambda h: compose.masquerade(h, source="192.168.15.0/24", not_oif="v-net-0"),
    ),
    "snat": (
        "compose.snat",
        lambda h: compose.snat(h, source="192.168.15.0/24", to="192.168.1.2", oif="eth0"),
    ),
    "port_forward": (
        "compose.port_forward",
        lambda h: compose.port_forward(h, 80, to="192.168.15.2", to_port=8080, iif="eth0"),
    ),
    "ensure_nat_rule-output": (
        "compose.ensure_nat_rule",
        lambda h: compose.ensure_nat_rule(
            h, "output", nft.port_forward(8080, to="192.168.15.2", to_port=80)
        ),
    ),
}


@pytest.mark.parametrize("ruleset", list(_RULESETS))
@pytest.mark.parametrize("helper", list(_NAT_CALLS))
def test_nat_helpers_refused_at_every_request_change_nothing(
    make_ns: Any, helper: str, ruleset: str
) -> None:
    label, call = _NAT_CALLS[helper]

    def setup() -> Any:
        ns = make_ns()
        if _RULESETS[ruleset]:
            run("ip", "netns", "exec", ns.name, "nft", "-f", "-", input=_RULESETS[ruleset])
        return ns

    ns = setup()
    with _handle(ns) as h:
        total = _count(lambda: call(h))
        assert total >= 2  # reads, then one batch
    ns = setup()
    with _handle(ns) as h:
        _every_fault(lambda: call(h), total, label, (ns.name,))


def test_nat_helper_for_hook_output_names_its_chain_output(ns: Any, h: Handle) -> None:
    exprs = nft.port_forward(8080, to="192.168.15.2", to_port=80)
    assert compose.ensure_nat_rule(h, "output", exprs) is True
    assert compose.ensure_nat_rule(h, "output", exprs) is False
    chains = {c.name: c for c in nft.dump_chains(h, family="ip", table="nat")}
    assert list(chains) == ["output"]
    assert (chains["output"].hook, chains["output"].priority) == ("output", -100)
    # An existing chain keeps its policy: only the rule is added to it.
    run("ip", "netns", "exec", ns.name, "nft", "delete", "table", "ip", "nat")
    run("ip", "netns", "exec", ns.name, "nft", "-f", "-", input=_RULESETS["chains"])
    assert compose.ensure_nat_rule(h, "output", exprs) is True
    policies = {
        x["chain"]["name"]: x["chain"].get("policy")
        for x in nft_json(ns.name, "list", "chains")["nftables"]
        if "chain" in x
    }
    assert policies["output"] == "drop"
    assert [r.chain for r in nft.dump_rules(h, family="ip", table="nat")] == [
        "postrouting",
        "output",
    ]


def test_ensure_address_refused_at_every_request_changes_nothing(make_ns: Any) -> None:
    def setup() -> Any:
        ns = make_ns()
        run("ip", "-n", ns.name, "link", "add", "d0", "type", "bridge")
        return ns

    def call(h: Handle) -> bool:
        return compose.ensure_address(h, "d0", "10.0.0.1/24")

    ns = setup()
    with _handle(ns) as h:
        total = _count(lambda: call(h))
    ns = setup()
    with _handle(ns) as h:
        for n in range(1, total + 1):
            before = _state((ns.name,))
            with transport.fail_nth_request(n), pytest.raises(KernelError) as ei:
                call(h)
            assert "injected fault" in str(ei.value)
            assert _state((ns.name,)) == before


def test_forwarding_restores_the_first_sysctl_when_the_second_write_fails(
    ns: Any, h: Handle, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = _state((ns.name,))
    real = sysctl.set
    calls: list[str] = []

    def failing(where: Any, key: Any, value: Any) -> None:
        calls.append(str(key))
        if len(calls) == 2:
            raise PermissionError(errno.EPERM, "refused on purpose")
        real(where, key, value)

    monkeypatch.setattr(sysctl, "set", failing)
    with pytest.raises(PermissionError, match="on purpose") as ei:
        compose.forwarding(h, ipv4=True, ipv6=True)
    assert "rawns compose.forwarding: step 2/2 failed" in "\n".join(ei.value.__notes__)
    assert calls[:2] == ["net.ipv4.ip_forward", "net.ipv6.conf.all.forwarding"]
    assert calls[2:] == ["net.ipv4.ip_forward"]  # the undo
    assert _state((ns.name,)) == before


# ---------------------------------------------------------------------------
# Topology.apply and the demo's build


def _topology(host: Any, tag: str, uplink: str | None = None) -> Topology:
    return Topology(
        host=host,
        uplink=uplink,
        members=[
            Member(netns=f"rawns-f-red-{tag}", address="192.168.15.1", veth="veth-red"),
            Member(
                netns=f"rawns-f-blue-{tag}",
                address="192.168.15.2",
                veth="veth-blue",
                routes=("192.168.1.0/24",),
            ),
        ],
        forwards=[Forward(port=80, to="192.168.15.2", to_port=80)],
    )


@contextlib.contextmanager
def _tagged() -> Iterator[str]:
    tag = uuid.uuid4().hex[:8]
    try:
        yield tag
    finally:
        for n in netns.dump():
            if tag in n:
                netns.delete(n)


@pytest.mark.parametrize("existing", [False, True], ids=["fresh", "members-exist"])
def test_topology_apply_refused_at_every_request_leaves_nothing(
    make_ns: Any, existing: bool
) -> None:
    def setup(tag: str) -> tuple[Any, Topology, tuple[str, ...]]:
        host = make_ns()
        topo = _topology(host, tag)
        names: tuple[str, ...] = (host.name,)
        if existing:  # red exists with its veth pair (down); the bridge exists, down
            red = topo.members[0].netns
            run("ip", "netns", "add", red)
            run("ip", "-n", host.name, "link", "add", "v-net-0", "type", "bridge")
            run(
                "ip", "-n", host.name, "link", "add", "veth-red-br",
                "type", "veth", "peer", "name", "veth-red", "netns", red,
            )  # fmt: skip
            names += (red,)
        return host, topo, names

    def normaliser(host_ns: str) -> Callable[[dict[str, Any]], dict[str, Any]]:
        """Blank the MAC of the port-less bridge made by setup (see docs/compose.md).

        A bridge takes its MAC from its ports; when its last port leaves, the
        kernel gives it 00:00:00:00:00:00 (br_stp_recalculate_bridge_id), not
        the random one it had before its first port. Setting that back would
        pin it (NET_ADDR_SET: the bridge would no longer follow its ports), so
        the undo leaves it to the kernel. Only that value may differ, and only
        in the variant where setup made that bridge.
        """

        def normalise(state: dict[str, Any]) -> dict[str, Any]:
            if not existing:
                return state
            host = state[host_ns]
            ports = any(x[4] == '"v-net-0"' for x in host["links"])
            links = [
                (*x[:5], "(port-less bridge: the kernel's)", *x[6:])
                if x[1] == '"v-net-0"' and not ports
                else x
                for x in host["links"]
            ]
            return {**state, host_ns: {**host, "links": links}}

        return normalise

    with _tagged() as tag:  # count the requests; apply + teardown restores the start too
        host, topo, names = setup(tag)
        normalise = normaliser(host.name)
        _settle(names)
        before = normalise(_state(names, tag))
        with transport.fail_nth_request(10**9) as plan:
            applied = topo.apply()
        total = plan.count
        applied.teardown()
        after = normalise(_state(names, tag))
        assert after == before, _diff(before, after)
    with _tagged() as tag:
        host, topo, names = setup(tag)
        steps = _every_fault(topo.apply, total, "topology", names, tag, normaliser(host.name))
    assert {s.split("/")[0] for s in steps} >= {"3", "4", "6", "7", "8", "9"}, steps


def test_demo_build_refused_at_every_request_leaves_nothing(
    capsys: pytest.CaptureFixture[str],
) -> None:
    from rawns import demo

    def root_links() -> list[str]:
        return sorted(x["ifname"] for x in ip_json(None, "link", "show"))

    links = root_links()
    with _tagged() as tag:
        with transport.fail_nth_request(10**9) as plan:
            applied, spaces = demo._build(tag)
        total = plan.count
        for s in spaces.values():
            s.close()
        applied.teardown()
    with _tagged() as tag:
        for n in range(1, total + 1):
            with transport.fail_nth_request(n) as plan, pytest.raises(KernelError) as ei:
                demo._build(tag)
            assert "injected fault" in str(ei.value)
            notes = "\n".join(ei.value.__notes__)
            assert re.search(r"rawns demo: step \d+/8 failed", notes), notes
            assert "undo problems" not in notes, notes
            assert [x for x in netns.dump() if tag in x] == [], f"request {n}/{total}"
    assert root_links() == links
    capsys.readouterr()
