"""One table of bad calls across the public API: the documented exception, naming the value,
and the kernel state of the namespace unchanged (``ip``/``nft`` dumps before and after).

Caller mistakes are refused before anything is sent (``ValueError``/``TypeError``,
STYLE 6); what only the kernel can judge comes back as a ``KernelError``
subclass, and a refused request changes nothing either (rtnetlink requests
and nf_tables batches are all or nothing). See docs/errors.md.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest

from rawns import Handle, addr, link, monitor, neigh, netns, nft, route, rule, sysctl
from rawns.errors import InvalidArgument, KernelError, NotFound
from rawns.link import Bridge, Ifb, Macvlan, Veth, Vxlan
from tests.conftest import unique_name
from tests.privileged.kstate import diff, snapshot


@dataclass(frozen=True)
class World:
    ns: netns.Netns
    h: Handle
    closed: Handle  # a handle on ns, already closed
    dead: netns.Netns  # a namespace deleted and closed
    table: nft.Table  # an nf_tables table that exists in ns


@dataclass(frozen=True)
class Case:
    id: str
    call: Callable[[World], object]
    exc: type[BaseException]
    names: str  # must appear in the exception's message


def _tx(w: World, fill: Callable[[nft.Transaction], object]) -> None:
    with nft.transaction(w.h) as tx:
        fill(tx)


#: Namespace names the cases pass (or that a path escape would produce).
CASE_NAMESPACES = {"rawns-nosuch-x", "etc", "a", "b", "a b", "x", "n" * 255, "net", "proc"}
LONG = "x" * 16
CASES: list[Case] = [
    # --- interface names: empty, 16+ bytes, '/', whitespace, NUL, '..', ':', types
    Case("ifname-empty", lambda w: link.add(w.h, Bridge(name="")), ValueError, "empty"),
    Case("ifname-16-bytes", lambda w: link.add(w.h, Bridge(name=LONG)), ValueError, LONG),
    Case("ifname-utf8-16-bytes", lambda w: link.add(w.h, Bridge(name="é" * 8)), ValueError, "é"),
    Case("ifname-slash", lambda w: link.add(w.h, Bridge(name="a/b")), ValueError, "'a/b'"),
    Case("ifname-space", lambda w: link.add(w.h, Bridge(name="a b")), ValueError, "'a b'"),
    Case("ifname-tab", lambda w: link.add(w.h, Ifb(name="a\tb")), ValueError, "'a\\tb'"),
    Case("ifname-nul", lambda w: link.add(w.h, Ifb(name="a\0b")), ValueError, "'a\\x00b'"),
    Case("ifname-dotdot", lambda w: link.add(w.h, Ifb(name="..")), ValueError, "'..'"),
    Case("ifname-colon", lambda w: link.add(w.h, Ifb(name="a:b")), ValueError, "'a:b'"),
    Case("ifname-not-str", lambda w: link.add(w.h, Ifb(name=5)), TypeError, "5"),  # type: ignore[arg-type]
    Case("veth-peer-long", lambda w: link.add(w.h, Veth(name="v9", peer=LONG)), ValueError, LONG),
    Case("veth-same-names", lambda w: link.add(w.h, Veth(name="v9", peer="v9")), ValueError, "v9"),
    Case("get-bad-name", lambda w: link.get(w.h, "bad/name"), ValueError, "bad/name"),
    Case("delete-empty-name", lambda w: link.delete(w.h, ""), ValueError, "empty"),
    Case("rename-to-space", lambda w: link.set(w.h, "br0", name="x y"), ValueError, "'x y'"),
    Case("rename-too-long", lambda w: link.set(w.h, "br0", name=LONG), ValueError, LONG),
    Case("index-zero", lambda w: link.get(w.h, 0), ValueError, "0"),
    Case("index-negative", lambda w: link.get(w.h, -3), ValueError, "-3"),
    Case("index-bool", lambda w: link.get(w.h, True), TypeError, "True"),
    Case("index-float", lambda w: link.get(w.h, 3.5), TypeError, "3.5"),  # type: ignore[arg-type]
    # --- links the kernel does not have
    Case("get-missing", lambda w: link.get(w.h, "nosuch0"), NotFound, "nosuch0"),
    Case("delete-missing", lambda w: link.delete(w.h, "nosuch0"), NotFound, "nosuch0"),
    Case("set-missing", lambda w: link.set(w.h, "nosuch0", up=True), NotFound, "nosuch0"),
    Case("master-missing", lambda w: link.set(w.h, "v0", master="nosuch0"), NotFound, "nosuch0"),
    Case("index-missing", lambda w: link.get(w.h, 999_999), NotFound, "999999"),
    Case("add-existing", lambda w: link.add(w.h, Bridge(name="br0")), FileExistsError, "br0"),
    # --- MTU, MAC, other link values
    Case("mtu-negative", lambda w: link.add(w.h, Bridge(name="m0", mtu=-1)), ValueError, "-1"),
    Case("mtu-zero", lambda w: link.set(w.h, "br0", mtu=0), ValueError, "0"),
    Case("mtu-huge", lambda w: link.set(w.h, "br0", mtu=70_000), ValueError, "70000"),
    Case("mtu-2**40", lambda w: link.set(w.h, "br0", mtu=2**40), ValueError, str(2**40)),
    Case("mtu-str", lambda w: link.set(w.h, "br0", mtu="1500"), TypeError, "1500"),
    Case("mtu-too-big-for-kernel", lambda w: link.set(w.h, "v0", mtu=65_536), KernelError, "v0"),
    Case("mac-bad-hex", lambda w: link.set(w.h, "br0", mac="zz:00:00:00:00:01"), ValueError, "zz"),
    Case("mac-short", lambda w: link.set(w.h, "br0", mac="02:00:00:00:00"), ValueError, "02:00"),
    Case("set-nothing", lambda w: link.set(w.h, "br0"), ValueError, "br0"),
    Case(
        "master-and-nomaster",
        lambda w: link.set(w.h, "v0", master="br0", nomaster=True),
        ValueError,
        "nomaster",
    ),
    Case("txqlen-negative", lambda w: link.set(w.h, "br0", txqlen=-5), ValueError, "-5"),
    Case("alias-long", lambda w: link.set(w.h, "br0", alias="a" * 300), ValueError, "aaaa"),
    # --- link kinds and their data: unknown kinds, ports, VNIs, families
    Case("kind-base-spec", lambda w: link.add(w.h, link.LinkSpec(name="k0")), TypeError, "k0"),
    Case("kind-not-a-spec", lambda w: link.add(w.h, "bridge"), TypeError, "bridge"),  # type: ignore[arg-type]
    Case(
        "macvlan-mode",
        lambda w: link.add(w.h, Macvlan(name="mv0", link="v0", mode="sideways")),
        ValueError,
        "sideways",
    ),
    Case(
        "macvlan-lower-missing",
        lambda w: link.add(w.h, Macvlan(name="mv0", link="nosuch0")),
        NotFound,
        "nosuch0",
    ),
    Case(
        "vxlan-vni-huge",
        lambda w: link.add(w.h, Vxlan(name="vx0", vni=2**24)),
        ValueError,
        str(2**24),
    ),
    Case(
        "vxlan-port-70000",
        lambda w: link.add(w.h, Vxlan(name="vx0", vni=1, port=70_000)),
        ValueError,
        "70000",
    ),
    Case(
        "vxlan-port-negative",
        lambda w: link.add(w.h, Vxlan(name="vx0", vni=1, port=-1)),
        ValueError,
        "-1",
    ),
    Case(
        "vxlan-mixed-families",
        lambda w: link.add(w.h, Vxlan(name="vx0", vni=1, local="10.0.0.1", remote="2001:db8::1")),
        ValueError,
        "2001:db8::1",
    ),
    Case(
        "vxlan-ttl", lambda w: link.add(w.h, Vxlan(name="vx0", vni=1, ttl=300)), ValueError, "300"
    ),
    # --- moving links: deleted namespace, wrong types
    Case("move-to-deleted-ns", lambda w: link.set(w.h, "br0", netns=w.dead), ValueError, "closed"),
    Case(
        "veth-peer-in-deleted-ns",
        lambda w: link.add(w.h, Veth(name="v8", peer="v9", peer_netns=w.dead)),
        ValueError,
        "closed",
    ),
    # a name is a namespace argument (issue 14): an unknown one is named, nothing sent
    Case(
        "move-by-name-str",
        lambda w: link.set(w.h, "br0", netns="rawns-nosuch-red"),
        FileNotFoundError,
        "rawns-nosuch-red",
    ),
    Case("move-to-pid-0", lambda w: link.set(w.h, "br0", netns=0), ValueError, "0"),
    # a pid is checked before it is sent: a dead one is named
    Case(
        "move-to-dead-pid",
        lambda w: link.set(w.h, "br0", netns=0x7FFFFFF0),
        FileNotFoundError,
        "2147483632",
    ),
    # --- addresses: invalid, mismatched, IPv6 on IPv4 fields, missing devices
    Case(
        "addr-octet-300",
        lambda w: addr.add(w.h, "10.0.0.300/24", dev="br0"),
        ValueError,
        "10.0.0.300",
    ),
    Case("addr-prefix-33", lambda w: addr.add(w.h, "10.0.0.1/33", dev="br0"), ValueError, "33"),
    Case(
        "addr6-prefix-129", lambda w: addr.add(w.h, "2001:db8::1/129", dev="br0"), ValueError, "129"
    ),
    Case("addr-garbage", lambda w: addr.add(w.h, "not-an-ip", dev="br0"), ValueError, "not-an-ip"),
    Case("addr-int", lambda w: addr.add(w.h, 12345, dev="br0"), TypeError, "12345"),  # type: ignore[arg-type]
    Case(
        "addr-v6-broadcast",
        lambda w: addr.add(w.h, "10.0.0.1/24", dev="br0", broadcast="ff02::1"),
        ValueError,
        "ff02::1",
    ),
    Case(
        "addr-mixed-peer",
        lambda w: addr.add(w.h, "10.0.0.1/32", dev="br0", peer="2001:db8::2"),
        ValueError,
        "2001:db8::2",
    ),
    Case(
        "addr-v6-label",
        lambda w: addr.add(w.h, "2001:db8::5/64", dev="br0", label="br0:v6"),
        ValueError,
        "label",
    ),
    Case("addr-no-dev", lambda w: addr.add(w.h, "10.0.0.1/24"), TypeError, "dev"),
    Case(
        "addr-dev-missing",
        lambda w: addr.add(w.h, "10.0.0.1/24", dev="nosuch0"),
        NotFound,
        "nosuch0",
    ),
    Case(
        "addr-lifetime-negative",
        lambda w: addr.add(w.h, "10.0.0.1/24", dev="br0", valid_lft=-1),
        ValueError,
        "-1",
    ),
    Case(
        "addr-delete-absent",
        lambda w: addr.delete(w.h, "10.9.9.9/24", dev="br0"),
        NotFound,
        "10.9.9.9",
    ),
    Case("addr-dump-dev-missing", lambda w: addr.dump(w.h, dev="nosuch0"), NotFound, "nosuch0"),
    Case(
        "addr-exists",
        lambda w: addr.add(w.h, "10.1.0.1/24", dev="br0"),
        FileExistsError,
        "10.1.0.1",
    ),
    # --- routes
    Case(
        "route-prefix-33", lambda w: route.add(w.h, dst="10.0.0.0/33", dev="br0"), ValueError, "33"
    ),
    Case(
        "route-garbage-dst",
        lambda w: route.add(w.h, dst="garbage", dev="br0"),
        ValueError,
        "garbage",
    ),
    Case(
        "route-v4-gw-on-v6",
        lambda w: route.add(w.h, dst="2001:db8:5::/48", gateway="10.1.0.9"),
        ValueError,
        "10.1.0.9",
    ),
    Case(
        "route-v6-prefsrc-on-v4",
        lambda w: route.add(w.h, dst="10.5.0.0/16", dev="br0", prefsrc="2001:db8::1"),
        ValueError,
        "2001:db8::1",
    ),
    Case(
        "route-table-negative",
        lambda w: route.add(w.h, dst="10.5.0.0/16", dev="br0", table=-1),
        ValueError,
        "-1",
    ),
    Case(
        "route-table-2**32",
        lambda w: route.add(w.h, dst="10.5.0.0/16", dev="br0", table=2**32),
        ValueError,
        str(2**32),
    ),
    Case(
        "route-metric-negative",
        lambda w: route.add(w.h, dst="10.5.0.0/16", dev="br0", metric=-1),
        ValueError,
        "-1",
    ),
    Case(
        "route-dev-missing",
        lambda w: route.add(w.h, dst="10.5.0.0/16", dev="nosuch0"),
        NotFound,
        "nosuch0",
    ),
    Case(
        "route-gw-unreachable",
        lambda w: route.add(w.h, dst="10.88.0.0/16", gateway="192.0.2.1"),
        InvalidArgument,
        "10.88.0.0/16",
    ),
    Case(
        "route-delete-absent",
        lambda w: route.delete(w.h, dst="10.99.0.0/16"),
        NotFound,
        "10.99.0.0/16",
    ),
    Case("route-get-bad-ip", lambda w: route.get(w.h, "300.1.1.1"), ValueError, "300.1.1.1"),
    # --- neighbours and rules
    Case(
        "neigh-bad-lladdr",
        lambda w: neigh.add(w.h, dev="br0", dst="10.1.0.7", lladdr="zz:zz"),
        ValueError,
        "zz:zz",
    ),
    Case(
        "neigh-bad-dst",
        lambda w: neigh.add(w.h, dev="br0", dst="10.1.0.300", lladdr="02:00:00:00:00:07"),
        ValueError,
        "10.1.0.300",
    ),
    Case(
        "neigh-bad-state",
        lambda w: neigh.add(
            w.h, dev="br0", dst="10.1.0.7", lladdr="02:00:00:00:00:07", state="sleepy"
        ),
        ValueError,
        "sleepy",
    ),
    Case(
        "neigh-dev-missing",
        lambda w: neigh.add(w.h, dev="nosuch0", dst="10.1.0.7", lladdr="02:00:00:00:00:07"),
        NotFound,
        "nosuch0",
    ),
    Case(
        "rule-priority-negative", lambda w: rule.add(w.h, priority=-1, table=100), ValueError, "-1"
    ),
    Case(
        "rule-src-prefix-33",
        lambda w: rule.add(w.h, src="10.0.0.0/33", table=100),
        ValueError,
        "33",
    ),
    Case(
        "rule-mixed-families",
        lambda w: rule.add(w.h, src="10.0.0.0/8", dst="2001:db8::/32", table=100),
        ValueError,
        "2001:db8::/32",
    ),
    Case(
        "rule-fwmark-2**32",
        lambda w: rule.add(w.h, fwmark=2**32, table=100),
        ValueError,
        str(2**32),
    ),
    Case(
        "rule-delete-absent", lambda w: rule.delete(w.h, priority=4242, table=100), NotFound, "4242"
    ),
    # --- sysctls: paths outside net., traversal, missing keys
    Case(
        "sysctl-not-net",
        lambda w: sysctl.get(w.h, "kernel.hostname"),
        ValueError,
        "kernel.hostname",
    ),
    Case(
        "sysctl-slash",
        lambda w: sysctl.get(w.h, "net/../../etc/passwd"),
        ValueError,
        "net/../../etc/passwd",
    ),
    Case(
        "sysctl-dotdot-component",
        lambda w: sysctl.set(w.h, ("net", "ipv4", "conf", "..", "forwarding"), 1),
        ValueError,
        "..",
    ),
    Case(
        "sysctl-missing-key",
        lambda w: sysctl.get(w.h, "net.ipv4.no_such_key"),
        NotFound,
        "net.ipv4.no_such_key",
    ),
    Case(
        "sysctl-missing-dev",
        lambda w: sysctl.set(w.h, "net.ipv4.conf.nosuch0.forwarding", 1),
        NotFound,
        "nosuch0",
    ),
    Case(
        "sysctl-bad-value",
        lambda w: sysctl.set(w.h, "net.ipv4.ip_forward", "yes"),
        KernelError,
        "ip_forward",
    ),
    # --- nf_tables: values checked before the batch, and batches refused whole
    Case(
        "nft-family", lambda w: _tx(w, lambda tx: tx.add_table("bogus", "t1")), ValueError, "bogus"
    ),
    Case(
        "nft-hook",
        lambda w: _tx(
            w, lambda tx: tx.add_chain(w.table, "c1", type="filter", hook="sideways", priority=0)
        ),
        ValueError,
        "sideways",
    ),
    Case("nft-port-70000", lambda w: nft.port_forward(70_000, to="10.1.0.2"), ValueError, "70000"),
    Case("nft-port-negative", lambda w: nft.port_forward(-1, to="10.1.0.2"), ValueError, "-1"),
    Case("nft-masq-prefix-33", lambda w: nft.masquerade(source="10.0.0.0/33"), ValueError, "33"),
    Case("nft-get-missing", lambda w: nft.tables.get(w.h, "ip", "nosuch"), NotFound, "nosuch"),
    Case(
        "nft-batch-refused-whole",
        lambda w: _tx(
            w,
            lambda tx: (
                tx.add_table("ip", "half"),
                tx.delete_table(nft.Table(family="ip", name="nosuch")),
            ),
        ),
        NotFound,
        "nosuch",
    ),
    # --- namespaces: names that would escape /run/netns, unknown names, bad refs
    Case("netns-empty", lambda w: netns.create(""), ValueError, "empty"),
    Case("netns-traversal", lambda w: netns.create("../../etc"), ValueError, "../../etc"),
    Case("netns-slash", lambda w: netns.create("a/b"), ValueError, "a/b"),
    Case("netns-nul", lambda w: netns.create("x\0y"), ValueError, "x\\x00y"),
    Case("netns-long", lambda w: netns.create("n" * 300), ValueError, "nnnn"),
    Case("netns-space", lambda w: netns.create("a b"), ValueError, "a b"),
    Case(
        "netns-open-missing",
        lambda w: netns.open("rawns-nosuch-x"),
        FileNotFoundError,
        "rawns-nosuch-x",
    ),
    Case(
        "netns-delete-missing",
        lambda w: netns.delete("rawns-nosuch-x"),
        FileNotFoundError,
        "rawns-nosuch-x",
    ),
    Case(
        "netns-open-traversal",
        lambda w: netns.open("../../proc/1/ns/net"),
        ValueError,
        "../../proc",
    ),
    Case("netns-pid-negative", lambda w: netns.open(pid=-1), ValueError, "-1"),
    Case("netns-fd-negative", lambda w: netns.open(fd=-1), ValueError, "-1"),
    Case("netns-two-refs", lambda w: netns.open("a", pid=1), TypeError, "exactly one"),
    Case(
        "netns-dead-pid", lambda w: netns.open(pid=0x7FFFFFF0), FileNotFoundError, str(0x7FFFFFF0)
    ),
    # --- handles: bad namespace refs, closed handles
    # an int is a pid (one namespace argument type, issue 14): out of range is refused
    Case("handle-netns-int", lambda w: Handle.open(netns=2**31), ValueError, "2147483648"),
    Case("handle-netns-bytes", lambda w: Handle.open(netns=b"x"), TypeError, "b'x'"),  # type: ignore[arg-type]
    Case("handle-deleted-ns", lambda w: Handle.open(netns=w.dead), ValueError, "closed"),
    Case(
        "handle-unknown-ns",
        lambda w: Handle.open(netns="rawns-nosuch-x"),
        FileNotFoundError,
        "rawns-nosuch-x",
    ),
    Case("handle-ns-traversal", lambda w: Handle.open(netns="../x"), ValueError, "../x"),
    Case("closed-link-dump", lambda w: link.dump(w.closed), ValueError, "closed"),
    Case("closed-link-add", lambda w: link.add(w.closed, Ifb(name="c0")), ValueError, "closed"),
    Case(
        "closed-addr-add", lambda w: addr.add(w.closed, "10.3.0.1/24", dev=1), ValueError, "closed"
    ),
    Case("closed-route-dump", lambda w: route.dump(w.closed), ValueError, "closed"),
    Case("closed-nft", lambda w: nft.dump_tables(w.closed), ValueError, "closed"),
    Case(
        "closed-sysctl", lambda w: sysctl.get(w.closed, "net.ipv4.ip_forward"), ValueError, "closed"
    ),
    # --- monitors
    Case(
        "monitor-group", lambda w: monitor.open(netns=w.ns, groups=("bogus",)), ValueError, "bogus"
    ),
    Case("monitor-rcvbuf", lambda w: monitor.open(netns=w.ns, rcvbuf=-1), ValueError, "-1"),
    Case("monitor-deleted-ns", lambda w: monitor.open(netns=w.dead), ValueError, "closed"),
]


def test_the_table_has_at_least_sixty_cases() -> None:
    assert len(CASES) >= 60
    assert len({c.id for c in CASES}) == len(CASES)


@pytest.fixture(scope="module")
def world() -> Iterator[World]:
    ns = netns.create(unique_name())
    dead = netns.create(unique_name())
    dead_name = dead.name
    assert dead_name is not None
    dead.close()
    netns.delete(dead_name)
    try:
        with Handle.open(netns=ns) as h:
            # No IPv6 link-local addresses: they appear asynchronously (when a
            # link gets carrier) and would look like a state change.
            sysctl.set(h, "net.ipv6.conf.default.addr_gen_mode", 1)
            link.add(h, Bridge(name="br0", up=True))
            link.add(h, Veth(name="v0", peer="v1", master="br0"))
            addr.add(h, "10.1.0.1/24", dev="br0")
            addr.add(h, "2001:db8::1/64", dev="br0", flags=0x02)  # IFA_F_NODAD: no tentative flip
            route.add(h, dst="10.2.0.0/16", gateway="10.1.0.254")
            rule.add(h, priority=1000, src="10.1.0.0/24", table=100)
            with nft.transaction(h) as tx:
                table = tx.add_table("inet", "keep")
                tx.add_chain(table, "input", type="filter", hook="input", priority=0)
            closed = Handle.open(netns=ns)
            closed.close()
            yield World(ns=ns, h=h, closed=closed, dead=dead, table=table)
    finally:
        ns.close()
        netns.delete(ns.name or "")


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_bad_call_raises_the_documented_error_and_changes_nothing(case: Case, world: World) -> None:
    name = world.ns.name
    assert name is not None
    before = snapshot(name)
    listing = os.listdir(netns.NETNS_RUN_DIR)
    with pytest.raises(case.exc) as ei:
        case.call(world)
    message = str(ei.value)
    assert case.names in message, f"{case.id}: {type(ei.value).__name__}: {message!r}"
    assert diff(before, snapshot(name)) == "", case.id
    # Other suites may create namespaces meanwhile; a bad call must not have
    # created one of the names the cases use.
    new = set(os.listdir(netns.NETNS_RUN_DIR)) - set(listing)
    assert not new & CASE_NAMESPACES, new
