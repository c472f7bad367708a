"""Addresses against iproute2, both ways, IPv4 and IPv6, each test in a fresh namespace.

The oracle is ``ip -d -j addr show``: every address rawns adds is reported by
``ip`` with the same fields, every address ``ip`` adds is dumped by rawns
with the same fields, and the two full lists are equal.
"""

from __future__ import annotations

import errno
from typing import Any

import pytest

from rawns import addr, link
from rawns._rtnl import IFA_F, RT_SCOPE
from rawns.addr import Address
from rawns.errors import AlreadyExists, NotFound
from rawns.link import Veth
from tests.conftest import ip_json, run
from tests.privileged.aio_shim import both_drivers

#: Every test runs with the sync verbs and with their rawns.aio twins (issue 17).
driver = both_drivers("addr", "link")

SCOPES = {"global": 0, "site": 200, "link": 253, "host": 254, "nowhere": 255}
# The IFA_F bits ip prints by name (ip/ipaddress.c: ifa_flag_names); bit 0 is
# "secondary" for IPv4 and "temporary" for IPv6.
FLAG_NAMES = {
    "nodad": IFA_F.NODAD,
    "optimistic": IFA_F.OPTIMISTIC,
    "dadfailed": IFA_F.DADFAILED,
    "home": IFA_F.HOMEADDRESS,
    "deprecated": IFA_F.DEPRECATED,
    "tentative": IFA_F.TENTATIVE,
    "mngtmpaddr": IFA_F.MANAGETEMPADDR,
    "noprefixroute": IFA_F.NOPREFIXROUTE,
    "autojoin": IFA_F.MCAUTOJOIN,
    "stable-privacy": IFA_F.STABLE_PRIVACY,
}

Canon = tuple[Any, ...]


def _lft(v: int | None) -> str:
    # Lifetimes count down between two dumps; compare them to the nearest 10 s.
    return "forever" if v is None or v == 0xFFFFFFFF else f"~{(v + 5) // 10}"


def canon_ip(ifname: str, d: dict[str, Any]) -> Canon:
    flags = 0
    for name, bit in FLAG_NAMES.items():
        if d.get(name):
            flags |= bit
    if d.get("secondary") or d.get("temporary"):
        flags |= IFA_F.SECONDARY
    if not d.get("dynamic"):
        flags |= IFA_F.PERMANENT
    v6 = d["family"] == "inet6"
    return (
        ifname,
        10 if v6 else 2,
        d["local"],
        d["prefixlen"],
        d.get("address"),  # the peer, shown only when there is one
        d.get("broadcast"),
        SCOPES.get(d["scope"], d["scope"]),
        None if v6 else d.get("label"),
        flags,
        _lft(d.get("valid_life_time")),
        _lft(d.get("preferred_life_time")),
        d.get("metric"),
    )


_SHOWN = int(sum(FLAG_NAMES.values()) | IFA_F.SECONDARY | IFA_F.PERMANENT)


def canon_rawns(a: Address, names: dict[int, str]) -> Canon:
    return (
        names[a.index],
        a.family,
        str(a.local),
        a.prefixlen,
        None if a.peer is None else str(a.peer),
        None if a.broadcast is None else str(a.broadcast),
        a.scope,
        a.label,
        a.flags & _SHOWN,
        _lft(a.valid_lft),
        _lft(a.preferred_lft),
        a.metric,
    )


def ip_addrs(ns: str, *args: str) -> list[Canon]:
    out = []
    for ln in ip_json(ns, "-d", "addr", "show", *args):
        for d in ln.get("addr_info", []):
            out.append(canon_ip(ln["ifname"], d))
    return sorted(out, key=repr)


def rawns_addrs(h: Any, ns: str, **kw: Any) -> list[Canon]:
    names = {d["ifindex"]: d["ifname"] for d in ip_json(ns, "link", "show")}
    return sorted((canon_rawns(a, names) for a in addr.dump(h, **kw)), key=repr)


@pytest.fixture
def net(ns: Any, h: Any) -> str:
    """v0 <-> v1 (veth, both up) in the fresh namespace, DAD off so nothing stays tentative."""
    name = str(ns.name)
    run("ip", "netns", "exec", name, "sysctl", "-qw", "net.ipv6.conf.all.accept_dad=0")
    run("ip", "netns", "exec", name, "sysctl", "-qw", "net.ipv6.conf.default.accept_dad=0")
    link.add(h, Veth(name="v0", peer="v1"))
    run("ip", "-n", name, "link", "set", "v0", "up")
    run("ip", "-n", name, "link", "set", "v1", "up")
    run("ip", "-n", name, "link", "set", "lo", "up")
    return name


def test_rawns_addresses_are_reported_by_ip(h: Any, net: str) -> None:
    addr.add(h, dev="v0", address="192.168.15.1/24")
    addr.add(h, "192.168.15.2/24", dev="v0")  # a secondary
    addr.add(h, dev="v0", address="192.168.16.1/24", broadcast="+", label="v0:one")
    addr.add(h, dev="v0", address="10.9.0.1", peer="10.9.0.2/32", scope=RT_SCOPE.LINK)
    addr.add(h, dev="v0", address="192.168.17.1")  # no prefix: /32
    addr.add(h, dev="v0", address="192.168.18.1/24", metric=77, valid_lft=600, preferred_lft=300)
    addr.add(h, dev="v1", address="2001:db8::1/64", flags=IFA_F.NODAD)
    addr.add(h, dev="v1", address="2001:db8:2::1/64", flags=IFA_F.NOPREFIXROUTE)
    addr.add(h, dev="v1", address="2001:db8:3::1/64", valid_lft=900, preferred_lft=0)
    ip = ip_addrs(net)
    expected = [
        ("v0", 2, "192.168.15.1", 24, None, None, 0, "v0", IFA_F.PERMANENT, "forever", "forever",
         None),
        ("v0", 2, "192.168.15.2", 24, None, None, 0, "v0", IFA_F.PERMANENT | IFA_F.SECONDARY,
         "forever", "forever", None),
        ("v0", 2, "192.168.16.1", 24, None, "192.168.16.255", 0, "v0:one", IFA_F.PERMANENT,
         "forever", "forever", None),
        ("v0", 2, "10.9.0.1", 32, "10.9.0.2", None, 253, "v0", IFA_F.PERMANENT, "forever",
         "forever", None),
        ("v0", 2, "192.168.17.1", 32, None, None, 0, "v0", IFA_F.PERMANENT, "forever", "forever",
         None),
        ("v0", 2, "192.168.18.1", 24, None, None, 0, "v0", 0, "~60", "~30", 77),
        ("v1", 10, "2001:db8::1", 64, None, None, 0, None, IFA_F.PERMANENT | IFA_F.NODAD,
         "forever", "forever", None),
        ("v1", 10, "2001:db8:2::1", 64, None, None, 0, None,
         IFA_F.PERMANENT | IFA_F.NOPREFIXROUTE, "forever", "forever", None),
        ("v1", 10, "2001:db8:3::1", 64, None, None, 0, None, IFA_F.DEPRECATED, "~90", "~0", None),
    ]  # fmt: skip
    for e in expected:
        assert e in ip, f"{e} not reported by ip"
    assert rawns_addrs(h, net) == ip


def test_ip_addresses_are_dumped_by_rawns(h: Any, net: str) -> None:
    n = net
    run("ip", "-n", n, "addr", "add", "192.168.15.1/24", "brd", "+", "dev", "v0")
    run("ip", "-n", n, "addr", "add", "192.168.15.9/24", "dev", "v0", "label", "v0:sec")
    run("ip", "-n", n, "addr", "add", "10.9.0.1", "peer", "10.9.0.2/30", "dev", "v0")
    run("ip", "-n", n, "addr", "add", "127.0.0.2/8", "dev", "lo")
    run("ip", "-n", n, "addr", "add", "2001:db8::7/64", "dev", "v1", "nodad", "noprefixroute")
    run("ip", "-n", n, "addr", "add", "2001:db8:9::7/64", "dev", "v1", "valid_lft", "1000",
        "preferred_lft", "500")  # fmt: skip
    v0, v1 = link.get(h, "v0").index, link.get(h, "v1").index
    got = {str(a.address): a for a in addr.dump(h)}
    a = got["192.168.15.1/24"]
    assert (a.index, str(a.broadcast), a.label, a.scope, a.permanent, a.secondary) == (
        v0, "192.168.15.255", "v0", 0, True, False
    )  # fmt: skip
    s = got["192.168.15.9/24"]
    assert (s.label, s.secondary) == ("v0:sec", True)
    p = got["10.9.0.1/30"]
    assert (str(p.peer), p.local.exploded) == ("10.9.0.2", "10.9.0.1")
    assert got["127.0.0.2/8"].scope == RT_SCOPE.HOST
    six = got["2001:db8::7/64"]
    assert (six.index, six.family, six.label) == (v1, 10, None)
    assert six.flags & IFA_F.NODAD and six.flags & IFA_F.NOPREFIXROUTE
    lt = got["2001:db8:9::7/64"]
    assert lt.valid_lft is not None and 990 <= lt.valid_lft <= 1000
    assert lt.preferred_lft is not None and 490 <= lt.preferred_lft <= 500
    assert rawns_addrs(h, net) == ip_addrs(net)
    # Filters: per device and per family, done by the kernel.
    assert rawns_addrs(h, net, dev="v1") == ip_addrs(net, "dev", "v1")
    assert rawns_addrs(h, net, family=2) == sorted(
        (c for c in ip_addrs(net) if c[1] == 2), key=repr
    )


def test_replace_delete_flush(h: Any, net: str) -> None:
    addr.add(h, dev="v0", address="192.168.15.1/24")
    with pytest.raises(AlreadyExists) as ei:
        addr.add(h, dev="v0", address="192.168.15.1/24")
    assert "192.168.15.1/24 dev v0" in str(ei.value)
    addr.replace(h, dev="v0", address="192.168.15.1/24", valid_lft=500, preferred_lft=500)
    (info,) = [
        d
        for d in ip_json(net, "addr", "show", "dev", "v0")[0]["addr_info"]
        if d["family"] == "inet"
    ]
    assert 490 <= info["valid_life_time"] <= 500
    addr.delete(h, dev="v0", address="192.168.15.1/24")
    assert all(
        d["family"] != "inet" for d in ip_json(net, "addr", "show", "dev", "v0")[0]["addr_info"]
    )
    with pytest.raises(NotFound) as nf:
        addr.delete(h, dev="v0", address="192.168.15.1/24")
    assert nf.value.errno == errno.EADDRNOTAVAIL
    # flush: a primary with secondaries, on one device only, v4 and v6.
    for a in ("192.168.15.1/24", "192.168.15.2/24", "192.168.15.3/24", "2001:db8::1/64"):
        addr.add(h, dev="v0", address=a)
    addr.add(h, dev="v1", address="192.168.99.1/24")
    gone = addr.flush(h, dev="v0")
    assert {str(a.address) for a in gone} >= {"192.168.15.1/24", "2001:db8::1/64"}
    assert ip_json(net, "addr", "show", "dev", "v0")[0]["addr_info"] == []
    v1_info = ip_json(net, "addr", "show", "dev", "v1")[0]["addr_info"]
    assert v1_info[0]["local"] == "192.168.99.1"


def test_missing_device_is_not_found_naming_it(h: Any, net: str) -> None:
    with pytest.raises(NotFound) as ei:
        addr.add(h, dev="nosuchdev", address="192.168.15.1/24")
    assert "nosuchdev" in str(ei.value)
    with pytest.raises(NotFound) as by_index:
        addr.add(h, dev=4242, address="192.168.15.1/24")
    assert "4242" in str(by_index.value)


def test_values_refused_before_sending(h: Any, net: str) -> None:
    with pytest.raises(ValueError, match="broadcast is IPv4-only"):
        addr.add(h, dev="v0", address="2001:db8::1/64", broadcast="+")
    with pytest.raises(ValueError, match="label is IPv4-only"):
        addr.add(h, dev="v0", address="2001:db8::1/64", label="v0:x")
    with pytest.raises(ValueError, match="IPv6 where IPv4"):
        addr.add(h, dev="v0", address="192.168.15.1/24", peer="2001:db8::2")
    with pytest.raises(ValueError, match="label"):
        addr.add(h, dev="v0", address="192.168.15.1/24", label="eth9:x")
    with pytest.raises(ValueError, match="preferred_lft"):
        addr.add(h, dev="v0", address="192.168.15.1/24", valid_lft=10)
    assert ip_json(net, "addr", "show", "dev", "v0")[0]["addr_info"][:1] != [{"family": "inet"}]
    assert all(
        d["family"] != "inet" for d in ip_json(net, "addr", "show", "dev", "v0")[0]["addr_info"]
    )


def test_add_many_pipelined(h: Any, net: str) -> None:
    v0 = link.get(h, "v0").index
    addrs = [Address(index=v0, address=f"10.{i // 250}.{i % 250}.1/32") for i in range(500)]
    assert addr.add_many(h, addrs) == [None] * 500
    assert len([c for c in ip_addrs(net, "dev", "v0") if c[1] == 2]) == 500
    res = addr.add_many(h, addrs[:1], check=False)
    assert isinstance(res[0], AlreadyExists)
