"""The route gaps of issue 13 against iproute2, both ways, each test in a fresh namespace.

``via inet6`` (RTA_VIA), ``expires``, ``ip route get`` with the flow keys
(uid, ipproto, sport, dport, iif, mark), ``ip route flush`` and the default
family of ``ip route show``. (Nexthop objects and ``nhid``: test_nexthop.py.)
"""

from __future__ import annotations

from typing import Any

import pytest

from rawns import addr, link, route, rule
from rawns.errors import NotFound
from rawns.link import Veth
from rawns.route import Route
from tests.conftest import ip_json, run


@pytest.fixture
def net(ns: Any, h: Any) -> str:
    """v0 (192.168.15.1/24, 2001:db8::1/64) <-> v1 (192.168.16.1/24), up, DAD off."""
    name = ns.name
    run("ip", "netns", "exec", name, "sysctl", "-qw", "net.ipv6.conf.all.accept_dad=0")
    run("ip", "netns", "exec", name, "sysctl", "-qw", "net.ipv6.conf.default.accept_dad=0")
    link.add(h, Veth(name="v0", peer="v1"))
    for dev in ("lo", "v0", "v1"):
        link.set(h, dev, up=True)
    addr.add(h, dev="v0", address="192.168.15.1/24")
    addr.add(h, dev="v0", address="2001:db8::1/64")
    addr.add(h, dev="v1", address="192.168.16.1/24")
    return str(name)


def test_via_inet6_both_ways(h: Any, net: str) -> None:
    v0 = link.get(h, "v0").index
    route.add(h, dst="10.9.0.0/24", via="fe80::1", dev="v0")
    run("ip", "-n", net, "route", "add", "10.8.0.0/24", "via", "inet6", "fe80::2", "dev", "v0")
    theirs = {d["dst"]: d for d in ip_json(net, "route", "show", "proto", "boot")}
    assert theirs["10.9.0.0/24"]["via"] == {"family": "inet6", "host": "fe80::1"}
    assert "gateway" not in theirs["10.9.0.0/24"]
    mine = {str(r.dst): r for r in route.dump(h, protocol=3)}
    assert mine["10.8.0.0/24"] == Route(dst="10.8.0.0/24", via="fe80::2", oif=v0)
    assert mine["10.9.0.0/24"] == Route(dst="10.9.0.0/24", via="fe80::1", oif=v0)
    route.delete(h, mine["10.8.0.0/24"])
    route.replace(h, dst="10.9.0.0/24", via="fe80::3", dev="v0")
    assert [d["via"]["host"] for d in ip_json(net, "route", "show", "proto", "boot")] == ["fe80::3"]


def test_expires_both_ways(h: Any, net: str) -> None:
    route.add(h, dst="2001:db8:5::/64", gateway="2001:db8::5", expires=300)
    run("ip", "-n", net, "-6", "route", "add", "2001:db8:6::/64", "via", "2001:db8::6",
        "expires", "600")  # fmt: skip
    theirs = {d["dst"]: d.get("expires") for d in ip_json(net, "-d", "-6", "route", "show")}
    mine = {str(r.dst): r.expires for r in route.dump(h, family=10)}
    assert set(mine) == set(theirs)
    for dst, ceiling in (("2001:db8:5::/64", 300), ("2001:db8:6::/64", 600)):
        # Counting down from what was asked; the two reads are a moment apart.
        assert 0 < mine[dst] <= ceiling and 0 < theirs[dst] <= ceiling
        assert abs(mine[dst] - theirs[dst]) <= 2
    assert mine["2001:db8::/64"] is None is theirs["2001:db8::/64"]


def _ip_get(net: str, *args: str) -> dict[str, Any]:
    (d,) = ip_json(net, "route", "get", *args)
    return dict(d)


def test_get_with_flow_keys_picks_what_ip_picks(h: Any, net: str) -> None:
    for table, gw in ((100, "192.168.15.100"), (101, "192.168.15.101"), (102, "192.168.15.102"),
                      (103, "192.168.15.103"), (104, "192.168.15.104")):  # fmt: skip
        route.add(h, dst="10.20.0.0/16", gateway=gw, table=table)
    rule.add(h, priority=100, ip_proto=6, dport_range=(80, 80), table=100)
    rule.add(h, priority=101, uid_range=(1000, 1000), table=101)
    rule.add(h, priority=102, fwmark=7, table=102)
    rule.add(h, priority=103, sport_range=(1234, 1234), ip_proto=17, table=103)
    rule.add(h, priority=104, iif="v1", table=104)
    route.add(h, dst="10.20.0.0/16", gateway="192.168.15.254")
    cases: list[tuple[dict[str, Any], list[str]]] = [
        ({}, []),
        ({"ipproto": "tcp", "dport": 80}, ["ipproto", "tcp", "dport", "80"]),
        ({"ipproto": 6, "dport": 81}, ["ipproto", "6", "dport", "81"]),
        ({"uid": 1000}, ["uid", "1000"]),
        ({"mark": 7}, ["mark", "7"]),
        ({"ipproto": "udp", "sport": 1234}, ["ipproto", "udp", "sport", "1234"]),
        ({"iif": "v1", "src": "192.168.16.9"}, ["from", "192.168.16.9", "iif", "v1"]),
    ]
    run("ip", "netns", "exec", net, "sysctl", "-qw", "net.ipv4.ip_forward=1")
    for kw, words in cases:
        mine = route.get(h, "10.20.3.4", **kw)
        theirs = _ip_get(net, "10.20.3.4", *words)
        table = theirs.get("table", "main")
        assert (str(mine.gateway), mine.table) == (
            theirs["gateway"],
            254 if table == "main" else int(table),
        ), (kw, theirs)
    assert str(route.get(h, "10.20.3.4", ipproto="tcp", dport=80).gateway) == "192.168.15.100"


def test_flush_matches_ip_route_flush(h: Any, net: str) -> None:
    def fill() -> None:
        for i in range(5):
            route.add(h, dst=f"10.30.{i}.0/24", gateway="192.168.15.5", table=100)
            route.add(h, dst=f"10.31.{i}.0/24", gateway="192.168.15.5")
        route.add(h, dst="10.32.0.0/24", dev="v1", table=100)
        route.add(h, dst="2001:db8:9::/64", gateway="2001:db8::9", table=100)

    def state() -> list[Any]:
        return [ip_json(net, "-d", fam, "route", "show", "table", "all") for fam in ("-4", "-6")]

    fill()
    gone = route.flush(h, table=100, dev="v0")
    assert sorted(str(r.dst) for r in gone) == [f"10.30.{i}.0/24" for i in range(5)]
    after_rawns = state()
    run("ip", "-n", net, "route", "flush", "table", "100")
    run("ip", "-n", net, "-6", "route", "flush", "table", "100")
    run("ip", "-n", net, "route", "flush", "table", "main", "proto", "boot")
    fill()
    run("ip", "-n", net, "route", "flush", "table", "100", "dev", "v0")
    assert state() == after_rawns
    assert route.flush(h, table=4242) == []  # no such table: nothing to flush
    with pytest.raises(NotFound):
        route.flush(h, dev="nosuch0")
    # Both families, one protocol, every table: as `ip route flush table all proto boot` twice.
    gone = route.flush(h, family=0, table=None, protocol=3)
    assert {str(r.dst) for r in gone} == {
        "10.32.0.0/24", "2001:db8:9::/64", *(f"10.31.{i}.0/24" for i in range(5))
    }  # fmt: skip
    assert ip_json(net, "route", "show", "table", "all", "proto", "boot") == []
    assert ip_json(net, "-6", "route", "show", "table", "all", "proto", "boot") == []


def test_dump_lists_what_ip_route_show_lists(h: Any, net: str) -> None:
    route.add(h, dst="10.40.0.0/16", gateway="192.168.15.5")
    route.add(h, dst="2001:db8:40::/48", gateway="2001:db8::5")

    def dsts(routes: list[Route]) -> list[str]:
        return sorted(str(r.dst) for r in routes)

    def ip_dsts(*args: str) -> list[str]:
        return sorted(
            d["dst"] if "/" in d["dst"] else d["dst"] + ("/128" if ":" in d["dst"] else "/32")
            for d in ip_json(net, *args, "route", "show")
        )

    assert dsts(route.dump(h)) == ip_dsts() == ["10.40.0.0/16", "192.168.15.0/24",
                                                 "192.168.16.0/24"]  # fmt: skip
    assert dsts(route.dump(h, family=10)) == ip_dsts("-6")
    assert dsts(route.dump(h, family=0)) == sorted(ip_dsts() + ip_dsts("-6"))
