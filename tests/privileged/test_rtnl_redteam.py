"""Hostile calls to link, addr, route, neigh and rule, against the kernel.

Each class of defect an outside red-team pass found (values the kernel would
store differently from what was asked, fields it would silently drop, bulk
verbs whose second request fails after the first changed things, verbs acting
on another object than the one meant) gets one test here: the call is refused
with ``TypeError``/``ValueError`` (or ``NotSupported``) naming the value, and
``ip -j``/``bridge -j`` see the namespace exactly as before. Where the right
answer is to accept, the kernel is checked to have stored what was asked.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable
from typing import Any

import pytest

from rawns import Handle, addr, link, neigh, route, rule
from rawns.errors import NotSupported
from rawns.link import Bridge, BridgePort, Ifb, Macvlan, Tun, Veth, Vxlan
from rawns.route import Route
from tests.conftest import ip_json
from tests.privileged.test_rtnl_refs import unchanged


def _world(h: Handle) -> None:
    """v0/v1 (v0 in br0) with 10.0.0.1/24 and 2001:db8::1/64 on v1, a vxlan, a tun, a rule."""
    link.add(h, Bridge(name="br0", up=True))
    link.add(h, Veth(name="v0", peer="v1", master="br0"))
    # No learning: v1's own traffic (IPv6 MLD...) would add FDB entries meanwhile.
    link.set(h, "v0", port=BridgePort(learning=False), up=True)
    link.set(h, "v1", up=True)
    addr.add(h, dev="v1", address="10.0.0.1/24")
    addr.add(h, dev="v1", address="2001:db8::1/64", flags=0x02)  # nodad
    link.add(h, Vxlan(name="vx0", vni=10, local="10.0.0.1", up=True))
    link.add(h, Tun(name="t0", up=True))
    route.add(h, dst="10.9.0.0/16", gateway="10.0.0.254")
    rule.add(h, priority=100, src="10.5.0.0/16", table=100)


# ---------------------------------------------------------------------------
# 1. values the kernel would store as something else


REWRITTEN: list[tuple[str, Callable[[Handle], object], str]] = [
    # route: IPv4 has no source prefix (RTA_SRC ignored), table 0 is main, an IPv6
    # metric 0 is 1024, an MTU above 65520 is clamped, 0.0.0.0 is no gateway
    (
        "v4 src",
        lambda h: route.add(h, dst="10.8.0.0/16", dev="v1", src="10.1.0.0/16"),
        "10.1.0.0/16",
    ),
    ("table 0", lambda h: route.add(h, dst="10.8.0.0/16", dev="v1", table=0), "route table"),
    ("v6 metric 0", lambda h: route.add(h, dst="fd08::/64", dev="v1", metric=0), "metric 0"),
    (
        "mtu 2**32-1",
        lambda h: route.add(h, dst="10.8.0.0/16", dev="v1", mtu=2**32 - 1),
        "4294967295",
    ),
    (
        "gateway 0.0.0.0",
        lambda h: route.add(h, dst="10.8.0.0/16", dev="v1", gateway="0.0.0.0"),
        "0.0.0.0",
    ),
    (
        "prefsrc 0.0.0.0",
        lambda h: route.add(h, dst="10.8.0.0/16", dev="v1", prefsrc="0.0.0.0"),
        "0.0.0.0",
    ),
    (
        "gateway with a prefix",
        lambda h: route.add(h, dst="10.8.0.0/16", gateway=ipaddress.ip_interface("10.0.0.254/24")),
        "10.0.0.254/24",
    ),
    (
        "onlink without gateway",
        lambda h: route.add(h, dst="10.8.0.0/16", dev="v1", onlink=True),
        "onlink",
    ),
    # addr: an IPv6 scope comes from the address; an IPv4 address valid forever
    # drops its preferred lifetime; a 0.0.0.0 broadcast is none
    ("v6 scope", lambda h: addr.add(h, "2001:db8::5/64", dev="v1", scope="link"), "'link'"),
    ("v4 preferred only", lambda h: addr.add(h, "10.0.0.5/24", dev="v1", preferred_lft=100), "100"),
    (
        "broadcast 0.0.0.0",
        lambda h: addr.add(h, "10.0.0.5/24", dev="v1", broadcast="0.0.0.0"),
        "0.0.0.0",
    ),
    # neigh: no lladdr is kept in these states; a tun keys IPv4 entries as 0.0.0.0;
    # a state is a u8
    (
        "lladdr in state none",
        lambda h: neigh.add(h, dev="v1", dst="10.0.0.8", lladdr="02:00:00:00:00:08", state="none"),
        "'none'",
    ),
    (
        "lladdr in state failed",
        lambda h: neigh.add(h, dev="v1", dst="10.0.0.8", lladdr="02:00:00:00:00:08", state=0x20),
        "32",
    ),
    (
        "v4 on a tun",
        lambda h: neigh.add(h, dev="t0", dst="10.0.0.8", state="incomplete"),
        "0.0.0.0",
    ),
    (
        "v4 on lo",
        lambda h: neigh.replace(h, dev="lo", dst="10.0.0.8", lladdr="00:00:00:00:00:01"),
        "0.0.0.0",
    ),
    (
        "state 0x100",
        lambda h: neigh.add(h, dev="v1", dst="10.0.0.8", lladdr="02:00:00:00:00:08", state=0x100),
        "256",
    ),
    (
        "proxy with a state",
        lambda h: neigh.add(h, dev="v1", dst="10.0.0.8", proxy=True, state="stale"),
        "stale",
    ),
    # link: 0.0.0.0 is no vxlan remote; source port 0 is no port
    (
        "vxlan remote 0.0.0.0",
        lambda h: link.add(h, Vxlan(name="vz", vni=5, remote="0.0.0.0")),
        "0.0.0.0",
    ),
    ("vxlan local ::", lambda h: link.add(h, Vxlan(name="vz", vni=5, local="::")), "::"),
    (
        "vxlan source port 0",
        lambda h: link.add(h, Vxlan(name="vz", vni=5, port_range=(0, 80))),
        "(0, 80)",
    ),
    # rule: fwmark 0 without a mask matches every packet
    ("fwmark 0", lambda h: rule.add(h, priority=200, fwmark=0, table=100), "fwmark=0"),
]


@pytest.mark.parametrize(("what", "call", "needle"), REWRITTEN, ids=[w for w, _c, _n in REWRITTEN])
def test_values_the_kernel_would_store_differently_are_refused(
    ns: Any, h: Handle, what: str, call: Callable[[Handle], object], needle: str
) -> None:
    _world(h)
    e = unchanged(ns.name, lambda: call(h))
    assert needle in str(e), what


def test_a_route_from_a_lookup_is_not_added_back_without_its_lookup_fields(
    ns: Any, h: Handle
) -> None:
    _world(h)
    # iif: the lookup's input (and RTM_F_CLONED in flags): neither is a route's
    found = route.get(h, "10.0.0.1", src="10.0.0.5", iif="v1")
    assert found.iif is not None
    e = unchanged(ns.name, lambda: route.add(h, found))
    assert "iif" in str(e)


def test_what_is_accepted_is_what_the_kernel_stores(ns: Any, h: Handle) -> None:
    _world(h)
    # a peer given as an interface value sets the prefix length, as "P/LEN" does
    addr.add(h, "10.7.0.1", dev="v1", peer=ipaddress.ip_interface("10.7.0.2/30"))
    (mine,) = [
        a
        for x in ip_json(ns.name, "addr", "show", "dev", "v1")
        for a in x["addr_info"]
        if a["local"] == "10.7.0.1"
    ]
    assert (mine["address"], mine["prefixlen"]) == ("10.7.0.2", 30)
    # an IPv6 address's scope, left unset, is the kernel's: the dump agrees
    addr.add(h, "fe80::5/64", dev="v1", flags=0x02)
    want = addr.Address(index=link.get(h, "v1").index, address="fe80::5/64", flags=0x02)
    (got,) = [a for a in addr.dump(h, dev="v1") if str(a.address) == "fe80::5/64"]
    assert (got.scope, got.address) == (want.scope, want.address) == (253, want.address)
    # an MTU at the kernel's limit is stored as given
    route.add(h, dst="10.8.0.0/16", dev="v1", mtu=65520)
    assert [r.mtu for r in route.dump(h) if str(r.dst) == "10.8.0.0/16"] == [65520]


# ---------------------------------------------------------------------------
# 2. fields the target table would drop


DROPPED: list[tuple[str, dict[str, Any], str]] = [
    ("dst on a bridge port", {"dev": "v0", "dst": "10.0.0.9", "on": "master"}, "10.0.0.9"),
    ("vni in the bridge", {"dev": "v0", "vni": 5, "on": "master"}, "vni=5"),
    ("port on a veth's own list", {"dev": "v1", "port": 4789}, "port=4789"),
    ("via on a veth", {"dev": "v1", "via": "v0"}, "via='v0'"),
    (
        "src_vni on a vxlan that is not external",
        {"dev": "vx0", "dst": "10.0.0.9", "src_vni": 7},
        "src_vni=7",
    ),
    ("vlan on a vxlan", {"dev": "vx0", "dst": "10.0.0.9", "vlan": 5}, "vlan=5"),
    ("sticky on a veth's own list", {"dev": "v1", "sticky": True}, "sticky"),
]


@pytest.mark.parametrize(("what", "kw", "needle"), DROPPED, ids=[w for w, _k, _n in DROPPED])
def test_fdb_fields_the_table_would_drop_are_refused(
    ns: Any, h: Handle, what: str, kw: dict[str, Any], needle: str
) -> None:
    _world(h)
    for verb in (neigh.fdb_add, neigh.fdb_replace, neigh.fdb_delete):
        e = unchanged(ns.name, lambda: verb(h, lladdr="02:00:00:00:00:08", **kw))  # noqa: B023
        assert needle in str(e), (what, verb)
    # what the table keeps is accepted and stored
    neigh.fdb_add(h, dev="vx0", lladdr="02:00:00:00:00:08", dst="10.0.0.9", vni=7, port=4790)
    (e8,) = [e for e in neigh.fdb_dump(h, dev="vx0") if e.lladdr == "02:00:00:00:00:08"]
    assert (str(e8.dst), e8.vni, e8.port) == ("10.0.0.9", 7, 4790)


def test_fdb_append_still_says_not_supported_off_a_vxlan(ns: Any, h: Handle) -> None:
    _world(h)
    e = unchanged(
        ns.name,
        lambda: neigh.fdb_append(h, dev="v1", lladdr="00:00:00:00:00:00", dst="10.0.0.9"),
        NotSupported,
    )
    assert "vxlan" in str(e)
    e = unchanged(
        ns.name,
        lambda: neigh.fdb_append(h, dev="vx0", lladdr="00:00:00:00:00:00", dst="10.0.0.9", vlan=5),
    )
    assert "vlan=5" in str(e)


# ---------------------------------------------------------------------------
# 3. replace: what the kernel leaves as it is while reporting success


def test_replace_refuses_what_the_kernel_cannot_change_in_place(ns: Any, h: Handle) -> None:
    _world(h)
    link.add(h, Macvlan(name="mz", link="v1", mode="bridge"))
    queues = link.get(h, "br0").num_tx_queues
    for spec, needle in (
        (Macvlan(name="mz", link="vx0", mode="bridge"), "lower device"),
        (Bridge(name="br0", num_tx_queues=(queues or 1) + 3), "num_tx_queues"),
    ):
        e = unchanged(ns.name, lambda: link.replace(h, spec), NotSupported)  # noqa: B023
        assert needle in str(e)
        results = link.add_many(h, [spec], replace=True, check=False)
        assert isinstance(results[0], NotSupported)
    # what it can change, it changes
    link.replace(h, Macvlan(name="mz", link="v1", mode="private"))
    assert link.get(h, "mz").data.mode == "private"  # type: ignore[union-attr]


# ---------------------------------------------------------------------------
# 4. bulk verbs: an item given twice would fail after the first changed things


def test_bulk_verbs_refuse_an_item_given_twice(ns: Any, h: Handle) -> None:
    _world(h)
    v1 = link.get(h, "v1")
    index = v1.index
    for call, needle in (
        (lambda: link.add_many(h, [Ifb(name="dz"), Ifb(name="dz")]), "'dz'"),
        (lambda: link.add_many(h, [Ifb(name="dz"), Veth(name="va", peer="dz")]), "'dz'"),
        (
            lambda: link.add_many(h, [Veth(name="va", peer="vb"), Veth(name="vb", peer="vc")]),
            "'vb'",
        ),
        (lambda: link.delete_many(h, ["v1", "v1"]), "'v1'"),
        (lambda: link.delete_many(h, [v1, "v1"]), "'v1'"),
        (lambda: link.delete_many(h, [index, v1]), "refs[1]"),
        (lambda: route.add_many(h, ["10.8.0.0/16", "10.8.0.0/16"], oif=index), "routes[1]"),
        (
            lambda: route.add_many(h, [Route(dst="10.8.0.0/16", oif=index)] * 2),
            "repeats routes[0]",
        ),
        (
            lambda: addr.add_many(h, [addr.Address(index=index, address="10.0.0.5/24")] * 2),
            "addresses[1]",
        ),
    ):
        e = unchanged(ns.name, call)
        assert needle in str(e)
    # with replace=True a second spec of the same kind changes what the first made
    link.add_many(h, [Ifb(name="dz"), Ifb(name="dz", mtu=1400)], replace=True)
    assert link.get(h, "dz").mtu == 1400


# ---------------------------------------------------------------------------
# 5. verbs acting on another object than the one meant


def test_rule_delete_without_a_field_keeps_the_local_rule(ns: Any, h: Handle) -> None:
    _world(h)
    for call in (
        lambda: rule.delete(h),
        lambda: rule.delete(h, family="inet6"),
        lambda: rule.delete(h, priority=None),
        lambda: rule.delete(h, fwmark=0),
    ):
        unchanged(ns.name, call)
    assert any(r.priority == 0 for r in rule.dump(h, family="inet"))
    rule.delete(h, priority=100)  # one field is enough
    assert not any(r.priority == 100 for r in rule.dump(h))
