"""Routes against iproute2, both ways, IPv4 and IPv6, each test in a fresh namespace.

The oracle is ``ip -d -j route show table all``: every route rawns adds is
reported by ``ip`` with the same fields, every route ``ip`` adds is dumped
by rawns with the same fields, and the two full tables are equal.
"""

from __future__ import annotations

import errno
from typing import Any

import pytest

from rawns import addr, link, route
from rawns._rtnl import RT_SCOPE, RT_TABLE, RTN, RTPROT
from rawns.errors import AlreadyExists, InvalidArgument, KernelError, NotFound
from rawns.link import Veth
from rawns.route import Nexthop, Route
from tests.conftest import ip_json, run
from tests.privileged.aio_shim import both_drivers

#: Every test runs with the sync verbs and with their rawns.aio twins (issue 17).
driver = both_drivers("addr", "link", "route")

PROTOS = {p.name.lower(): int(p) for p in RTPROT}
SCOPES = {"global": 0, "universe": 0, "site": 200, "link": 253, "host": 254, "nowhere": 255}
TYPES = {t.name.lower(): int(t) for t in RTN}
TABLES = {"main": 254, "local": 255, "default": 253}


def _num(names: dict[str, int], v: object) -> int:
    return names[v] if isinstance(v, str) and v in names else int(str(v))


Canon = tuple[Any, ...]


def canon_ip(d: dict[str, Any], v6: bool) -> Canon:
    dst = d["dst"]
    if dst == "default":
        dst = "::/0" if v6 else "0.0.0.0/0"
    elif "/" not in dst:
        dst += "/128" if v6 else "/32"
    mtu = next((m["mtu"] for m in d.get("metrics", []) if "mtu" in m), None)
    hops = tuple(
        sorted(
            (n.get("gateway"), n.get("dev"), n.get("weight", 1), "onlink" in n.get("flags", []))
            for n in d.get("nexthops", [])
        )
    )
    return (
        dst,
        _num(TYPES, d.get("type", "unicast")),
        _num(TABLES, d.get("table", "main")),
        _num(PROTOS, d.get("protocol", "boot")),
        _num(SCOPES, d.get("scope", "global")),
        d.get("gateway"),
        d.get("dev"),
        d.get("prefsrc"),
        d.get("metric"),
        "onlink" in d.get("flags", []),
        mtu,
        hops,
    )


def canon_rawns(r: Route, names: dict[int, str]) -> Canon:
    hops = tuple(
        sorted(
            (
                None if n.gateway is None else str(n.gateway),
                names.get(n.oif) if n.oif else None,
                n.weight,
                n.onlink,
            )
            for n in r.nexthops
        )
    )
    return (
        str(r.dst),
        r.type,
        r.table,
        r.protocol,
        r.scope,
        None if r.gateway is None else str(r.gateway),
        names.get(r.oif) if r.oif else None,
        None if r.prefsrc is None else str(r.prefsrc),
        r.metric,
        r.onlink,
        r.mtu,
        hops,
    )


def link_names(ns: str) -> dict[int, str]:
    return {d["ifindex"]: d["ifname"] for d in ip_json(ns, "link", "show")}


def ip_routes(ns: str, v6: bool) -> list[Canon]:
    fam = "-6" if v6 else "-4"
    return sorted(
        (canon_ip(d, v6) for d in ip_json(ns, "-d", fam, "route", "show", "table", "all")),
        key=repr,
    )


def rawns_routes(h: Any, ns: str, v6: bool) -> list[Canon]:
    names = link_names(ns)
    fam = 10 if v6 else 2
    return sorted((canon_rawns(r, names) for r in route.dump(h, family=fam, table=None)), key=repr)


@pytest.fixture
def net(ns: Any, h: Any) -> str:
    """v0 (192.168.15.1/24, 2001:db8::1/64) <-> v1, both up, DAD off, in the fresh namespace."""
    name = ns.name
    run("ip", "netns", "exec", name, "sysctl", "-qw", "net.ipv6.conf.all.accept_dad=0")
    run("ip", "netns", "exec", name, "sysctl", "-qw", "net.ipv6.conf.default.accept_dad=0")
    link.add(h, Veth(name="v0", peer="v1"))
    run("ip", "-n", name, "link", "set", "v0", "up")
    run("ip", "-n", name, "link", "set", "v1", "up")
    addr.add(h, dev="v0", address="192.168.15.1/24")
    addr.add(h, dev="v0", address="2001:db8::1/64")
    return str(name)


def _assert_tables_equal(h: Any, ns: str) -> None:
    for v6 in (False, True):
        assert rawns_routes(h, ns, v6) == ip_routes(ns, v6)


def test_rawns_routes_are_reported_by_ip_v4(h: Any, net: str) -> None:
    v0 = link.get(h, "v0").index
    made = [
        Route(dst="10.1.0.0/16", gateway="192.168.15.5"),
        Route(dst="10.3.0.0/24", oif=v0, prefsrc="192.168.15.1", metric=50, table=100, mtu=1400),
        Route(dst="10.4.0.0/16", type=RTN.BLACKHOLE),
        Route(dst="10.6.0.0/16", type=RTN.UNREACHABLE),
        Route(dst="10.7.0.0/16", type=RTN.PROHIBIT, metric=7),
        Route(dst="10.5.0.0/16", gateway="172.16.0.1", oif=v0, onlink=True),
        Route(dst="10.8.0.0/16", gateway="192.168.15.9", protocol=RTPROT.STATIC, table=1000),
        Route(dst="10.9.9.0/24", oif=v0, scope=RT_SCOPE.LINK, protocol=RTPROT.STATIC),
        Route(
            dst="10.2.0.0/16",
            nexthops=[
                Nexthop(gateway="192.168.15.5", weight=1),
                Nexthop(gateway="192.168.15.6", oif=v0, weight=3),
            ],
        ),
        Route(dst="10.10.10.10", type=RTN.LOCAL, oif=v0),
    ]
    for r in made:
        route.add(h, r)
    route.add(h, dst="default", gateway="192.168.15.254", metric=10)
    ip = ip_routes(net, v6=False)
    names = link_names(net)
    for r in made:
        c = canon_rawns(r, names)
        if c[6] is None and r.gateway is not None:  # the kernel fills in the device
            c = (*c[:6], "v0", *c[7:])
        if r.nexthops:
            c = (*c[:11], tuple(sorted((g, "v0", w, o) for g, _d, w, o in c[11])))
        assert c in ip, f"{route.label(r)} not reported by ip as {c}"
    assert ("0.0.0.0/0", 1, 254, 3, 0, "192.168.15.254", "v0", None, 10, False, None, ()) in ip
    _assert_tables_equal(h, net)


def test_rawns_routes_are_reported_by_ip_v6(h: Any, net: str) -> None:
    v0 = link.get(h, "v0").index
    route.add(h, dst="2001:db8:1::/48", gateway="2001:db8::5", metric=100)
    route.add(h, dst="default", gateway="2001:db8::fe")
    route.add(h, dst="2001:db8:3::/48", dev="v0", table=200, mtu=1300, protocol=RTPROT.STATIC)
    route.add(h, dst="2001:db8:4::/48", type=RTN.BLACKHOLE)
    route.add(h, dst="2001:db8:6::/48", type=RTN.UNREACHABLE)
    route.add(
        h,
        dst="2001:db8:2::/48",
        nexthops=[
            Nexthop(gateway="2001:db8::5", oif=v0, weight=3),
            Nexthop(gateway="2001:db8::6", oif=v0),
        ],
    )
    ip = ip_routes(net, v6=True)
    assert ("2001:db8:1::/48", 1, 254, 3, 0, "2001:db8::5", "v0", None, 100, False, None, ()) in ip
    assert ("::/0", 1, 254, 3, 0, "2001:db8::fe", "v0", None, 1024, False, None, ()) in ip
    assert ("2001:db8:3::/48", 1, 200, 4, 0, None, "v0", None, 1024, False, 1300, ()) in ip
    assert any(c[0] == "2001:db8:4::/48" and c[1] == RTN.BLACKHOLE for c in ip)
    assert any(c[0] == "2001:db8:6::/48" and c[1] == RTN.UNREACHABLE for c in ip)
    mp = [c for c in ip if c[0] == "2001:db8:2::/48"]
    assert [c[11] for c in mp] == [
        (("2001:db8::5", "v0", 3, False), ("2001:db8::6", "v0", 1, False))
    ]
    _assert_tables_equal(h, net)


def test_ip_routes_are_dumped_by_rawns(h: Any, net: str) -> None:
    n = net
    run("ip", "-n", n, "route", "add", "10.1.0.0/16", "via", "192.168.15.5", "metric", "5")
    run("ip", "-n", n, "route", "add", "default", "via", "192.168.15.254")
    run("ip", "-n", n, "route", "add", "10.3.0.0/24", "dev", "v0", "src", "192.168.15.1",
        "table", "100", "mtu", "1400", "proto", "static")  # fmt: skip
    run("ip", "-n", n, "route", "add", "prohibit", "10.7.0.0/16")
    run("ip", "-n", n, "route", "add", "10.5.0.0/16", "via", "172.16.0.1", "dev", "v0", "onlink")
    run("ip", "-n", n, "route", "add", "10.2.0.0/16", "nexthop", "via", "192.168.15.5",
        "weight", "2", "nexthop", "via", "192.168.15.6", "weight", "5")  # fmt: skip
    run("ip", "-n", n, "-6", "route", "add", "2001:db8:1::/48", "via", "2001:db8::5")
    run("ip", "-n", n, "-6", "route", "add", "2001:db8:2::/48", "nexthop", "via", "2001:db8::5",
        "weight", "4", "nexthop", "via", "2001:db8::6")  # fmt: skip
    v0 = link.get(h, "v0").index
    main = {str(r.dst): r for r in route.dump(h, family=0)}  # table main, both families
    r = main["10.1.0.0/16"]
    assert (str(r.gateway), r.oif, r.metric, r.protocol, r.scope, r.type, r.table) == (
        "192.168.15.5", v0, 5, RTPROT.BOOT, RT_SCOPE.UNIVERSE, RTN.UNICAST, RT_TABLE.MAIN
    )  # fmt: skip
    assert main["0.0.0.0/0"].is_default and str(main["0.0.0.0/0"].gateway) == "192.168.15.254"
    assert main["10.7.0.0/16"].type == RTN.PROHIBIT
    assert main["10.5.0.0/16"].onlink
    mp = main["10.2.0.0/16"]
    assert [(str(x.gateway), x.oif, x.weight) for x in mp.nexthops] == [
        ("192.168.15.5", v0, 2),
        ("192.168.15.6", v0, 5),
    ]
    assert str(main["2001:db8:1::/48"].gateway) == "2001:db8::5"
    assert [(str(x.gateway), x.weight) for x in main["2001:db8:2::/48"].nexthops] == [
        ("2001:db8::5", 4),
        ("2001:db8::6", 1),
    ]
    assert "10.3.0.0/24" not in main  # table 100
    (t100,) = route.dump(h, table=100)
    assert (str(t100.dst), t100.oif, str(t100.prefsrc), t100.mtu, t100.protocol, t100.scope) == (
        "10.3.0.0/24", v0, "192.168.15.1", 1400, RTPROT.STATIC, RT_SCOPE.LINK
    )  # fmt: skip
    _assert_tables_equal(h, n)


def test_dump_filters_match_ip(h: Any, net: str) -> None:
    route.add(h, dst="10.1.0.0/16", gateway="192.168.15.5", protocol=RTPROT.STATIC)
    route.add(h, dst="10.4.0.0/16", type=RTN.BLACKHOLE)
    assert route.dump(h, table=4242) == []  # no such table: no routes
    statics = route.dump(h, protocol=RTPROT.STATIC)
    assert [str(r.dst) for r in statics] == ["10.1.0.0/16"]
    blackholes = route.dump(h, type=RTN.BLACKHOLE)
    assert [str(r.dst) for r in blackholes] == ["10.4.0.0/16"]
    on_v0 = {str(r.dst) for r in route.dump(h, dev="v0", family=2)}
    ip_v0 = {d["dst"] for d in ip_json(net, "-4", "route", "show", "dev", "v0")}
    assert on_v0 == {d if "/" in d else d + "/32" for d in ip_v0}


def test_replace_and_delete(h: Any, net: str) -> None:
    route.add(h, dst="10.1.0.0/16", gateway="192.168.15.5")
    with pytest.raises(AlreadyExists) as ei:
        route.add(h, dst="10.1.0.0/16", gateway="192.168.15.5")
    assert "10.1.0.0/16 via 192.168.15.5" in str(ei.value)
    route.replace(h, dst="10.1.0.0/16", gateway="192.168.15.6")
    (d,) = ip_json(net, "route", "show", "10.1.0.0/16")
    assert d["gateway"] == "192.168.15.6"
    route.delete(h, dst="10.1.0.0/16")
    assert ip_json(net, "route", "show", "10.1.0.0/16") == []
    with pytest.raises(NotFound) as nf:
        route.delete(h, dst="10.1.0.0/16")
    assert nf.value.errno == errno.ESRCH and "10.1.0.0/16" in str(nf.value)
    # A dumped Route deletes exactly itself.
    route.add(h, dst="10.9.0.0/16", gateway="192.168.15.5", metric=3)
    (r,) = [x for x in route.dump(h) if str(x.dst) == "10.9.0.0/16"]
    route.delete(h, r)
    assert ip_json(net, "route", "show", "10.9.0.0/16") == []


def test_route_get_matches_ip(h: Any, net: str) -> None:
    route.add(h, dst="10.1.0.0/16", gateway="192.168.15.5")
    route.add(h, dst="2001:db8:1::/48", gateway="2001:db8::5")
    for dst in ("10.1.2.3", "192.168.15.77", "2001:db8:1::9"):
        (ip,) = ip_json(net, "route", "get", dst)
        got = route.get(h, dst)
        assert str(got.dst).split("/")[0] == ip["dst"]
        assert (None if got.gateway is None else str(got.gateway)) == ip.get("gateway")
        assert link_names(net)[got.oif or 0] == ip["dev"]
        assert (None if got.prefsrc is None else str(got.prefsrc)) == ip.get("prefsrc")
        assert got.table == _num(TABLES, ip.get("table", "main"))
    fib = route.get(h, "10.1.2.3", fibmatch=True)
    assert str(fib.dst) == "10.1.0.0/16"
    with pytest.raises(InvalidArgument) as ei:
        route.get(h, "8.8.8.8")  # no default route here: a lookup, no traffic
    assert ei.value.errno == errno.ENETUNREACH


def test_unreachable_gateway_is_invalid_argument_with_extack(h: Any, net: str) -> None:
    with pytest.raises(InvalidArgument) as ei:
        route.add(h, dst="10.50.0.0/16", gateway="10.99.0.1")
    e = ei.value
    assert e.errno == errno.ENETUNREACH
    assert "RTM_NEWROUTE 10.50.0.0/16 via 10.99.0.1" in str(e)
    assert e.extack and "gateway" in e.extack.lower()
    assert e.extack in str(e)
    # IPv6 says EHOSTUNREACH, without extack text (net/ipv6/route.c: ip6_validate_gw).
    with pytest.raises(KernelError) as e6:
        route.add(h, dst="2001:db8:50::/48", gateway="2001:db8:99::1")
    assert e6.value.errno == errno.EHOSTUNREACH
    assert "RTM_NEWROUTE 2001:db8:50::/48 via 2001:db8:99::1" in str(e6.value)


def test_missing_device_is_not_found(h: Any, net: str) -> None:
    with pytest.raises(NotFound) as ei:
        route.add(h, dst="10.50.0.0/16", dev="nosuchdev")
    assert "nosuchdev" in str(ei.value)


def test_mixed_families_refused_before_sending(h: Any, net: str) -> None:
    with pytest.raises(ValueError, match="IPv6 where IPv4"):
        route.add(h, dst="10.1.0.0/16", gateway="2001:db8::5")
    with pytest.raises(ValueError, match=r"IPv4-only|IPv6-only"):
        route.add(h, dst="10.1.0.0/16", gateway="192.168.15.5", pref=1)
    assert ip_json(net, "route", "show", "10.1.0.0/16") == []


def test_add_many_pipelined(h: Any, net: str) -> None:
    rs = [Route(dst=f"10.{i // 256}.{i % 256}.0/24", gateway="192.168.15.5") for i in range(2000)]
    assert route.add_many(h, rs) == [None] * 2000
    assert len(ip_json(net, "route", "show", "via", "192.168.15.5")) == 2000
    dumped = {r.dst for r in route.dump(h, family=0) if r.gateway is not None}
    assert dumped == {r.dst for r in rs}
    # Errors come back per route; the others still go in.
    more = [rs[0], Route(dst="10.200.0.0/24", gateway="192.168.15.5")]
    res = route.add_many(h, more, check=False)
    assert isinstance(res[0], AlreadyExists) and "10.0.0.0/24" in str(res[0]) and res[1] is None
