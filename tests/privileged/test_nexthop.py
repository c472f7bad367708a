"""Nexthop objects against iproute2, both ways, each test in a fresh namespace.

The oracle is ``ip -d -j nexthop show``: what rawns adds, ``ip`` lists with
the same fields; what ``ip`` adds, rawns decodes to the same
:class:`NexthopObject` values; routes using them (``nhid``) likewise. Also
runs the examples of docs/nexthop.md.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from rawns import addr, link, nexthop, route
from rawns.errors import AlreadyExists, KernelError, NotFound
from rawns.link import Veth
from rawns.nexthop import Member, NexthopObject
from tests.conftest import ip_json, kernel_lacks, run
from tests.privileged.aio_shim import both_drivers

#: Every test runs with the sync verbs and with their rawns.aio twins (issue 17).
driver = both_drivers("addr", "link", "nexthop", "route")

PROTOS = {"unspec": 0, "redirect": 1, "kernel": 2, "boot": 3, "static": 4}
SCOPES = {"global": 0, "link": 253, "host": 254}


@pytest.fixture
def net(ns: Any, h: Any) -> str:
    """lo up; v0 (192.168.15.1/24, 2001:db8::1/64) <-> v1, both up, DAD off."""
    name = ns.name
    run("ip", "netns", "exec", name, "sysctl", "-qw", "net.ipv6.conf.all.accept_dad=0")
    run("ip", "netns", "exec", name, "sysctl", "-qw", "net.ipv6.conf.default.accept_dad=0")
    link.add(h, Veth(name="v0", peer="v1"))
    for dev in ("lo", "v0", "v1"):
        link.set(h, dev, up=True)
    addr.add(h, dev="v0", address="192.168.15.1/24")
    addr.add(h, dev="v0", address="2001:db8::1/64")
    try:
        nexthop.dump(h)
    except KernelError as e:  # a kernel without CONFIG nexthop objects
        kernel_lacks(f"nexthop objects ({e})")
    return str(name)


def canon_ip(d: dict[str, Any], names: dict[str, int]) -> tuple[Any, ...]:
    return (
        d["id"],
        d.get("gateway"),
        names.get(d["dev"]) if "dev" in d else None,
        "blackhole" in d,
        tuple((g["id"], g.get("weight", 1)) for g in d.get("group", [])),
        "fdb" in d,
        "onlink" in d.get("flags", []),
        PROTOS[d["protocol"]] if d["protocol"] in PROTOS else int(d["protocol"]),
        SCOPES[d["scope"]],
    )


def canon_rawns(nh: NexthopObject) -> tuple[Any, ...]:
    return (
        nh.id,
        None if nh.gateway is None else str(nh.gateway),
        nh.oif,
        nh.blackhole,
        tuple((m.id, m.weight) for m in nh.group),
        nh.fdb,
        nh.onlink,
        nh.protocol,
        nh.scope,
    )


def _names(ns: str) -> dict[str, int]:
    return {d["ifname"]: d["ifindex"] for d in ip_json(ns, "link", "show")}


def assert_same_as_ip(h: Any, ns: str) -> list[NexthopObject]:
    names = _names(ns)
    mine = nexthop.dump(h)
    theirs = ip_json(ns, "-d", "nexthop", "show")
    assert sorted(map(canon_rawns, mine)) == sorted(canon_ip(d, names) for d in theirs)
    return mine


def test_rawns_nexthops_are_listed_by_ip(h: Any, net: str) -> None:
    v0 = link.get(h, "v0").index
    nexthop.add(h, id=1, gateway="192.168.15.5", dev="v0")
    nexthop.add(h, 2, gateway="192.168.15.6", dev="v0", onlink=True, protocol=4)
    nexthop.add(h, NexthopObject(id=3, blackhole=True))
    nexthop.add(h, id=4, gateway="fe80::1", dev=v0)
    nexthop.add(h, id=5, dev="v0")
    nexthop.add(h, id=10, group=[1, Member(id=2, weight=5)])
    mine = {nh.id: nh for nh in assert_same_as_ip(h, net)}
    assert mine[10].group == (Member(1), Member(2, 5)) and mine[10].family == 0
    assert mine[4].family == 10 and mine[2].onlink and mine[3].blackhole
    assert nexthop.get(h, 10) == mine[10]


def test_ip_nexthops_decode_to_the_same_objects(h: Any, net: str) -> None:
    v0 = link.get(h, "v0").index
    for cmd in (
        "nexthop add id 1 via 192.168.15.5 dev v0",
        "nexthop add id 2 via 192.168.15.6 dev v0 onlink proto static",
        "nexthop add id 3 blackhole",
        "-6 nexthop add id 4 via 2001:db8::5 dev v0",
        "nexthop add id 6 via 10.0.0.9 fdb",
        "nexthop add id 10 group 1/2,7",
        "nexthop add id 12 group 4",
        "nexthop add id 13 group 1/2 type resilient buckets 8",
    ):
        run("ip", "-n", net, *cmd.split())
    mine = {nh.id: nh for nh in assert_same_as_ip(h, net)}
    resilient = mine.pop(13)
    assert (resilient.group_type, resilient.group) == (1, (Member(1), Member(2)))
    assert 12 in [a.type & 0x3FFF for a in resilient.attrs]  # NHA_RES_GROUP, kept raw
    with pytest.raises(ValueError, match="resilient"):
        nexthop.replace(h, resilient)
    nexthop.delete(h, resilient)
    scope_link = {"scope": 253, "protocol": 0}
    assert mine == {
        1: NexthopObject(id=1, gateway="192.168.15.5", oif=v0, **scope_link),
        2: NexthopObject(id=2, gateway="192.168.15.6", oif=v0, onlink=True, scope=253, protocol=4),
        3: NexthopObject(id=3, blackhole=True),
        4: NexthopObject(id=4, gateway="2001:db8::5", oif=v0, **scope_link),
        6: NexthopObject(id=6, gateway="10.0.0.9", fdb=True, scope=253),
        10: NexthopObject(id=10, group=[1, Member(id=2, weight=7)]),
        12: NexthopObject(id=12, group=[4]),
    }
    assert nexthop.dump(h, groups=True) == [mine[10], mine[12]]  # 13 deleted above
    assert [nh.id for nh in nexthop.dump(h, family=10)] == [4]
    assert {nh.id for nh in nexthop.dump(h, dev="v0")} == {1, 2, 4}
    # The kernel's filters, whatever they keep, as ip's:
    for words, kw in (("groups", {"groups": True}), ("fdb", {"fdb": True}), ("dev v0", {})):
        kw = kw or {"dev": "v0"}
        theirs = {d["id"] for d in ip_json(net, "nexthop", "show", *words.split())}
        assert {nh.id for nh in nexthop.dump(h, **kw)} == theirs


def test_replace_delete_get_and_errors(h: Any, net: str) -> None:
    nexthop.add(h, id=1, gateway="192.168.15.5", dev="v0")
    with pytest.raises(AlreadyExists, match="RTM_NEWNEXTHOP id 1"):
        nexthop.add(h, id=1, gateway="192.168.15.5", dev="v0")
    nexthop.replace(h, id=1, gateway="192.168.15.7", dev="v0")
    assert [d["gateway"] for d in ip_json(net, "nexthop", "show")] == ["192.168.15.7"]
    with pytest.raises(KernelError):
        nexthop.add(h, id=9, group=[1, 77])  # 77 does not exist
    nexthop.delete(h, nexthop.get(h, 1))
    assert ip_json(net, "nexthop", "show") == []
    with pytest.raises(NotFound):
        nexthop.get(h, 1)
    with pytest.raises(NotFound):
        nexthop.delete(h, 1)
    with pytest.raises(NotFound):
        nexthop.add(h, id=2, gateway="192.168.15.5", dev="nosuch0")
    assert ip_json(net, "nexthop", "show") == []


def test_routes_on_nexthops_both_ways(h: Any, net: str) -> None:
    nexthop.add(h, id=1, gateway="192.168.15.5", dev="v0")
    nexthop.add(h, id=2, gateway="192.168.15.6", dev="v0")
    nexthop.add(h, id=10, group=[1, Member(id=2, weight=3)])
    nexthop.add(h, id=3, blackhole=True)
    route.add(h, dst="10.10.0.0/24", nhid=10)
    run("ip", "-n", net, "route", "add", "10.11.0.0/24", "nhid", "3")
    run("ip", "-n", net, "route", "add", "10.12.0.0/24", "nhid", "1")
    theirs = {d["dst"]: d for d in ip_json(net, "-d", "route", "show")}
    mine = {str(r.dst): r for r in route.dump(h)}
    for dst in ("10.10.0.0/24", "10.11.0.0/24", "10.12.0.0/24"):
        assert mine[dst].nhid == theirs[dst]["nhid"]
        assert route.label(mine[dst]).endswith(f"nhid {theirs[dst]['nhid']}")
    assert [(str(n.gateway), n.weight) for n in mine["10.10.0.0/24"].nexthops] == [
        (d["gateway"], d.get("weight", 1)) for d in theirs["10.10.0.0/24"]["nexthops"]
    ]
    assert mine["10.11.0.0/24"].type == 6 and theirs["10.11.0.0/24"]["type"] == "blackhole"
    assert str(mine["10.12.0.0/24"].gateway) == theirs["10.12.0.0/24"]["gateway"]
    # A dumped route deletes and re-adds as itself (by its nhid alone).
    for dst in ("10.10.0.0/24", "10.11.0.0/24"):
        route.delete(h, mine[dst])
    route.add(h, mine["10.10.0.0/24"])
    assert {d["dst"]: d.get("nhid") for d in ip_json(net, "route", "show", "proto", "boot")} == {
        "10.10.0.0/24": 10,
        "10.12.0.0/24": 1,
    }
    # Replacing the object moves every route that uses it, in one request.
    nexthop.replace(h, id=1, gateway="192.168.15.9", dev="v0")
    assert ip_json(net, "route", "show", "10.12.0.0/24")[0]["gateway"] == "192.168.15.9"


def test_flush_deletes_groups_first_and_the_routes_with_them(h: Any, net: str) -> None:
    run("ip", "-n", net, "nexthop", "add", "id", "1", "via", "192.168.15.5", "dev", "v0")
    run("ip", "-n", net, "nexthop", "add", "id", "2", "via", "192.168.15.6", "dev", "v0")
    run("ip", "-n", net, "nexthop", "add", "id", "3", "blackhole")
    run("ip", "-n", net, "nexthop", "add", "id", "10", "group", "1/2")
    run("ip", "-n", net, "route", "add", "10.10.0.0/24", "nhid", "10")
    before = nexthop.dump(h)
    gone = nexthop.flush(h)
    assert [nh.id for nh in gone] == [10, 1, 2, 3]
    assert sorted(gone, key=lambda nh: nh.id) == sorted(before, key=lambda nh: nh.id)
    assert ip_json(net, "nexthop", "show") == []
    assert ip_json(net, "route", "show", "10.10.0.0/24") == []
    assert nexthop.flush(h) == []


_BLOCK = re.compile(r"<!-- privileged example -->\n```python\n(.*?)```", re.S)
_DOC = Path(__file__).resolve().parents[2] / "docs" / "nexthop.md"


def _examples() -> list[str]:
    return _BLOCK.findall(_DOC.read_text()) if _DOC.exists() else []


@pytest.mark.parametrize(
    "code", _examples(), ids=[f"nexthop.md#{i}" for i in range(len(_examples()))]
)
def test_doc_example_runs(code: str) -> None:
    exec(compile(code, "docs/nexthop.md", "exec"), {"__name__": "__doc_example__"})  # noqa: S102
