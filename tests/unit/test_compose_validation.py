"""compose helpers and Topology specs refuse every bad argument before their first request.

Each call runs with a handle on the caller's own namespace, but inside
``transport.fail_nth_request(1)`` and with ``sysctl`` patched to fail: if a
bad value slipped through, its first request would be refused before it was
sent (and the test fails on ``plan.count``). Nothing reaches the kernel.
Each bad value must raise TypeError or ValueError naming the argument and
showing the value; no other exception may escape.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from rawns import Handle, compose, netns, nft, sysctl, transport
from rawns.topology import Forward, Member, Topology

_V4 = {"address": "192.168.15.1/24", "gateway": "192.168.15.5"}


@pytest.fixture(scope="module")
def h() -> Iterator[Handle]:
    with Handle.open() as handle:
        yield handle


@pytest.fixture(scope="module")
def ns() -> Iterator[netns.Netns]:
    with netns.current() as own:
        yield own


@pytest.fixture(autouse=True)
def _no_sysctl(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*a: object, **k: object) -> None:
        raise AssertionError(f"sysctl touched: {a}")

    monkeypatch.setattr(sysctl, "get", refuse)
    monkeypatch.setattr(sysctl, "set", refuse)


def _closed_handle() -> Handle:
    x = Handle.open()
    x.close()
    return x


def _closed_ns() -> netns.Netns:
    x = netns.current()
    x.close()
    return x


_NAMES = ["", "br%d", "a\0b", "x" * 16, ".", "a b", "a/b", 5, None, b"br0"]
_PORTS = [0, 65536, 2**32, -1, 2**64, "80", 1.5, True, None]
_TABLES = ["", "n\0at", "x" * 256, 5, None]


def _cases() -> Iterator[tuple[str, str, object, Callable[[Handle, netns.Netns, object], object]]]:
    """(helper, argument, bad value, call)."""

    def connect(what: str, **kw: Any) -> Callable[[Handle, netns.Netns, object], object]:
        def call(h: Handle, ns: netns.Netns, v: object) -> object:
            args: dict[str, Any] = dict(
                bridge="v-net-0", veth="veth-red", bridge_end="veth-red-br", **_V4
            )
            args.update(kw)
            host, where = h, ns
            if what == "host":
                host = v
            elif what == "ns":
                where = v
            else:
                args[what] = v
            return compose.connect(host, where, **args)

        return call

    for v in (None, "red", 3, _closed_handle(), _closed_ns()):
        yield "connect", "host", v, connect("host")
    # ("red" and 3 are a name and a pid since issue 14: tests/privileged/test_netns_args.py)
    for v in (None, "a/b", 0, 1.5, _closed_ns()):
        yield "connect", "ns", v, connect("ns")
    for what in ("bridge", "veth", "bridge_end"):
        for v in _NAMES:
            yield "connect", what, v, connect(what)
    for v in ("fe80::1%eth0/64", "10.0.0.256/24", None, 1.5, "10.0.0.1/24\0", ""):
        yield "connect", "address", v, connect("address")
    for v in ("fd00::1", "fe80::1%eth0", "10.0.0.1/24", 2**32, 1.5, "10.0.0.1\0"):
        yield "connect", "gateway", v, connect("gateway")
    for v in ("10.0.0.0/8", ["10.0.0.1/8"], ["fd00::/64"], ["fe80::%eth0/64"], [None], 5):
        yield "connect", "routes", v, connect("routes")
    yield "connect", "routes", ["10.1.0.0/16"], connect("routes", gateway=None)
    for v in (2**32, -1, 1.5, True, 67, "1500"):
        yield "connect", "mtu", v, connect("mtu")

    for v in (None, "h", _closed_handle()):
        yield (
            "gateway",
            "host",
            v,
            lambda h, ns, v: compose.gateway(v, bridge="b", address="10.0.0.1/24"),
        )
    for v in _NAMES:
        yield (
            "gateway",
            "bridge",
            v,
            lambda h, ns, v: compose.gateway(h, bridge=v, address="10.0.0.1/24"),
        )
    for v in ("fe80::1%eth0/64", "10.0.0.1/33", None, 7):
        yield "gateway", "address", v, lambda h, ns, v: compose.gateway(h, bridge="b", address=v)

    for v in ("no", 1, None, "yes", 0.0):
        yield "forwarding", "ipv4", v, lambda h, ns, v: compose.forwarding(h, ipv4=v)
        yield "forwarding", "ipv6", v, lambda h, ns, v: compose.forwarding(h, ipv6=v)
    yield "forwarding", "h", None, lambda h, ns, v: compose.forwarding(v)

    src = "192.168.15.0/24"
    for v in ("10.0.0.1/8", "fe80::%eth0/64", None, "x", 5, "10.0.0.0/8\0"):
        yield "masquerade", "source", v, lambda h, ns, v: compose.masquerade(h, source=v)
    for what in ("oif", "not_oif"):
        for v in ("eth%d", "a\0", "x" * 16, 5):
            yield (
                "masquerade",
                what,
                v,
                lambda h, ns, v, what=what: compose.masquerade(h, source=src, **{what: v}),
            )
    yield (
        "masquerade",
        "oif",
        "eth0",
        lambda h, ns, v: compose.masquerade(h, source=src, oif="eth0", not_oif="v-net-0"),
    )
    for v in _TABLES:
        yield "masquerade", "table", v, lambda h, ns, v: compose.masquerade(h, source=src, table=v)
    yield "masquerade", "h", ns, lambda h, ns, v: compose.masquerade(v, source=src)

    for v in ("fd00::1", "1.2.3.4/24", None, "1.2.3.4%x", 2**33):
        yield "snat", "to", v, lambda h, ns, v: compose.snat(h, source=src, to=v)
    for v in ("10.0.0.1/8", None):
        yield "snat", "source", v, lambda h, ns, v: compose.snat(h, source=v, to="1.2.3.4")

    for v in _PORTS:
        yield "port_forward", "dport", v, lambda h, ns, v: compose.port_forward(h, v, to="10.0.0.2")
        if v is not None:
            yield (
                "port_forward",
                "to_port",
                v,
                lambda h, ns, v: compose.port_forward(
                    h,
                    80,
                    to="10.0.0.2",
                    to_port=v,
                ),
            )
    for v in ("icmp", "tcp\0", None, 6, "TCP"):
        yield (
            "port_forward",
            "proto",
            v,
            lambda h, ns, v: compose.port_forward(
                h,
                80,
                to="10.0.0.2",
                proto=v,
            ),
        )
    for v in ("10.0.0.2/24", "fe80::2%eth0", None, "10.0.0.256"):
        yield "port_forward", "to", v, lambda h, ns, v: compose.port_forward(h, 80, to=v)
    for v in ("fd00::1", "10.0.0.1%x", 5):
        yield (
            "port_forward",
            "daddr",
            v,
            lambda h, ns, v: compose.port_forward(
                h,
                80,
                to="10.0.0.2",
                daddr=v,
            ),
        )
    for v in ("eth%d", "", "a\0b"):
        yield (
            "port_forward",
            "iif",
            v,
            lambda h, ns, v: compose.port_forward(h, 80, to="10.0.0.2", iif=v),
        )
    for v in _TABLES:
        yield (
            "port_forward",
            "table",
            v,
            lambda h, ns, v: compose.port_forward(
                h,
                80,
                to="10.0.0.2",
                table=v,
            ),
        )

    rule = nft.masquerade(source=src)
    for v in ("forward", "bogus", None, "prerouting\0", 1):
        yield "ensure_nat_rule", "hook", v, lambda h, ns, v: compose.ensure_nat_rule(h, v, rule)
    for v in ("bridge", "ip\0", None, 2):
        yield (
            "ensure_nat_rule",
            "family",
            v,
            lambda h, ns, v: compose.ensure_nat_rule(
                h,
                "postrouting",
                rule,
                family=v,
            ),
        )
    for v in _TABLES:
        yield (
            "ensure_nat_rule",
            "table",
            v,
            lambda h, ns, v: compose.ensure_nat_rule(
                h,
                "postrouting",
                rule,
                table=v,
            ),
        )
    for v in ("abc", [1], None):
        yield (
            "ensure_nat_rule",
            "exprs",
            v,
            lambda h, ns, v: compose.ensure_nat_rule(
                h,
                "postrouting",
                v,
            ),
        )

    for v in ("x", None, object()):
        yield "ensure_link", "spec", v, lambda h, ns, v: compose.ensure_link(h, v)
    for v in ("fe80::1%eth0/64", "10.0.0.1/33", None):
        yield "ensure_address", "address", v, lambda h, ns, v: compose.ensure_address(h, "lo", v)
    for v in ("eth%d", "", 2**32, 0, -1, None, 1.5, "a\0b"):
        yield (
            "ensure_address",
            "dev",
            v,
            lambda h, ns, v: compose.ensure_address(h, v, "10.0.0.1/24"),
        )
    for v in ("eth%d", 2**32, 0, 1.5, "a\0b"):
        yield (
            "ensure_route",
            "dev",
            v,
            lambda h, ns, v: compose.ensure_route(h, "10.1.0.0/16", dev=v),
        )
    for v in ("fe80::%eth0/64", "10.0.0.1/8", None):
        yield "ensure_route", "dst", v, lambda h, ns, v: compose.ensure_route(h, v)
    for v in ("fe80::1%eth0", "fd00::1", 5):
        yield (
            "ensure_route",
            "gateway",
            v,
            lambda h, ns, v: compose.ensure_route(
                h,
                "10.1.0.0/16",
                gateway=v,
            ),
        )


CASES = list(_cases())


def _shows(msg: str, value: object) -> bool:
    if isinstance(value, list) and value:  # the message shows the bad element
        return any(_shows(msg, x) for x in value)
    if value is None or isinstance(value, bool | int | float):
        return repr(value) in msg or str(value) in msg
    r = repr(value)
    return r[:20] in msg or str(value)[:20] in msg or type(value).__name__ in msg


@pytest.mark.parametrize(
    ("helper", "what", "value", "call"),
    CASES,
    ids=[f"{c[0]}-{c[1]}-{i}" for i, c in enumerate(CASES)],
)
def test_bad_argument_is_refused_before_the_first_request(
    h: Handle, ns: netns.Netns, helper: str, what: str, value: object, call: Any
) -> None:
    with transport.fail_nth_request(1) as plan, pytest.raises((TypeError, ValueError)) as ei:
        call(h, ns, value)
    assert plan.count == 0, f"{helper}({what}={value!r}) made a request first"
    msg = str(ei.value)
    assert what.split("_")[0] in msg or what in msg, (what, msg)
    assert _shows(msg, value), (value, msg)


_MEMBER = {"netns": "red", "address": "192.168.15.1"}


def _spec_cases() -> Iterator[tuple[str, str, object, Callable[[object], object]]]:
    def member(what: str) -> Callable[[object], object]:
        return lambda v: Member(**{**_MEMBER, what: v})

    def forward(what: str) -> Callable[[object], object]:
        return lambda v: Forward(**{"port": 80, "to": "192.168.15.2", what: v})

    def topo(what: str) -> Callable[[object], object]:
        return lambda v: Topology(members=[Member(**_MEMBER)], **{what: v})

    for v in ("", "a/b", "a\0b", None, 5, "red-0123456789"):
        yield "Member", "netns", v, member("netns")
    for v in ("fe80::1%eth0", "192.168.15.1\0", None, 1.5, "x"):
        yield "Member", "address", v, member("address")
    for what in ("veth", "bridge_end"):
        for v in ("eth%d", "x" * 16, "a\0", "", 5):
            yield "Member", what, v, member(what)
    for v in ("10.0.0.0/8", ["10.0.0.1/8"], [None], 5, ["fe80::%x/64"]):
        yield "Member", "routes", v, member("routes")
    for v in ("no", 1, None):
        yield "Member", "default_route", v, member("default_route")
    for v in _PORTS:
        yield "Forward", "port", v, forward("port")
        if v is not None:
            yield "Forward", "to_port", v, forward("to_port")
    for v in ("icmp", "tcp\0", None, 6):
        yield "Forward", "proto", v, forward("proto")
    for v in ("192.168.15.2/24", "fe80::2%eth0", None, "x"):
        yield "Forward", "to", v, forward("to")
    for v in ("192.168.15.1/24", "fe80::%eth0/64", "x", None, "192.168.15.0/33"):
        yield "Topology", "subnet", v, topo("subnet")
    for v in ("10.0.0.1", "192.168.15.0", "192.168.15.255", "192.168.15.5/16", "192.168.15.1"):
        yield "Topology", "gateway", v, topo("gateway")
    for what in ("bridge", "uplink"):
        for v in ("eth%d", "x" * 16, "a\0", 5):
            yield "Topology", what, v, topo(what)
    for v in ("", "n\0at", "x" * 256, 5):
        yield "Topology", "nat_table", v, topo("nat_table")
    for v in ("yes", 1, None):
        yield "Topology", "masquerade", v, topo("masquerade")
    for v in (5, "a/b", ""):
        yield "Topology", "host", v, topo("host")
    for v in ("red", [None], ["red"]):
        yield "Topology", "members", v, lambda v: Topology(members=v)
    for v in ("x", [None], [80]):
        yield (
            "Topology",
            "forwards",
            v,
            lambda v: Topology(
                members=[Member(**_MEMBER)],
                forwards=v,
            ),
        )


SPEC_CASES = list(_spec_cases())


@pytest.mark.parametrize(
    ("spec", "what", "value", "make"),
    SPEC_CASES,
    ids=[f"{c[0]}-{c[1]}-{i}" for i, c in enumerate(SPEC_CASES)],
)
def test_bad_field_is_refused_at_construction(
    spec: str, what: str, value: object, make: Any
) -> None:
    with pytest.raises((TypeError, ValueError)) as ei:
        make(value)
    msg = str(ei.value)
    assert _shows(msg, value), (value, msg)


@pytest.mark.parametrize(
    ("members", "forwards", "says"),
    [
        ([("red", "192.168.15.0")], [], "network address"),
        ([("red", "192.168.15.255")], [], "broadcast address"),
        ([("red", "192.168.15.5")], [], "'192.168.15.5' is used twice (the gateway"),
        ([("red", "192.168.15.1"), ("blue", "192.168.15.1")], [], "used twice"),
        ([("red", "192.168.15.1"), ("red", "192.168.15.2")], [], "namespace 'red' is used twice"),
        ([("red", "192.168.15.1")], [(80, "tcp"), (80, "tcp")], "forward 'tcp/80' is used twice"),
        ([("red", "192.168.15.1")], [(80, "tcp"), (80, "udp")], ""),
    ],
)
def test_topology_refuses_conflicting_members_and_forwards(
    members: list[tuple[str, str]], forwards: list[tuple[int, str]], says: str
) -> None:
    def make() -> Topology:
        return Topology(
            members=[Member(netns=n, address=a) for n, a in members],
            forwards=[Forward(port=p, proto=pr, to="192.168.15.2") for p, pr in forwards],
        )

    if not says:
        make()
        return
    with pytest.raises(ValueError, match=says.replace("(", r"\(")):
        make()


def test_topology_refuses_a_member_in_the_host_namespace() -> None:
    with pytest.raises(
        ValueError, match=r"namespace 'red' is used twice \(the host and member red"
    ):
        Topology(host="red", members=[Member(**_MEMBER)])


def test_nat_hooks_name_their_chains_after_the_hook() -> None:
    assert set(compose.NAT_HOOKS) == {"prerouting", "input", "output", "postrouting"}
    plan = Topology(
        members=[Member(**_MEMBER)], forwards=[Forward(port=80, to="192.168.15.1")]
    ).plan()
    assert plan[-2].startswith("nft add rule ip nat postrouting ")
    assert plan[-1].startswith("nft add rule ip nat prerouting ")


def test_count() -> None:
    """How many (call, argument, bad value) combinations the two tables above hold."""
    assert len(CASES) + len(SPEC_CASES) > 250
