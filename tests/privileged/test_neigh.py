"""Neighbours and FDB entries against iproute2, both directions, each test in a fresh namespace."""

from __future__ import annotations

import ipaddress
import json
from collections.abc import Callable
from typing import Any

import pytest

from rawns import Handle, addr, link, neigh
from rawns._rtnl import IFA_F, NTF, NUD
from rawns.errors import AlreadyExists, NotFound
from rawns.link import Bridge, Veth
from rawns.neigh import AF_BRIDGE, Neighbour
from rawns.probe import TcpServer, tcp_check
from tests.conftest import ip_json, run
from tests.privileged.aio_shim import both_drivers

#: Every test runs with the sync verbs and with their rawns.aio twins (issue 17).
driver = both_drivers("addr", "link", "neigh")

_NUD_ORDER = [
    NUD.INCOMPLETE,
    NUD.REACHABLE,
    NUD.STALE,
    NUD.DELAY,
    NUD.PROBE,
    NUD.FAILED,
    NUD.NOARP,
    NUD.PERMANENT,
]


def _states(state: int) -> list[str]:
    return [str(s.name) for s in _NUD_ORDER if state & s]


def _names(h: Handle) -> dict[int, str]:
    return {lk.index: lk.name for lk in link.dump(h)}


def _ip_view(n: Neighbour, names: dict[int, str]) -> dict[str, Any]:
    """A rawns Neighbour as `ip -j neigh` prints it."""
    out: dict[str, Any] = {"dst": str(n.dst), "dev": names[n.index]}
    if n.proxy:
        out["proxy"] = None
        return out
    if n.lladdr is not None:
        out["lladdr"] = n.lladdr
    if n.router:
        out["router"] = None
    out["state"] = _states(n.state)
    return out


def _veth(h: Handle, name: str = "v0", peer: str = "v1") -> None:
    link.add(h, Veth(name=name, peer=peer, up=True))


def _ours(entries: list[dict[str, Any]], prefix: str = "") -> list[dict[str, Any]]:
    """Drop entries the kernel makes by itself (fe80::, multicast) from ip's list."""
    return [
        e
        for e in entries
        if not ipaddress.ip_address(e["dst"]).is_link_local
        and not ipaddress.ip_address(e["dst"]).is_multicast
        and e["dst"].startswith(prefix)
    ]


def test_neighbours_made_by_rawns_are_shown_by_ip(ns: Any, h: Handle) -> None:
    _veth(h)
    neigh.add(h, dev="v0", dst="10.0.0.2", lladdr="02:00:00:00:00:02")
    neigh.add(h, dev="v0", dst="10.0.0.3", lladdr="02:00:00:00:00:03", state="stale", router=True)
    neigh.add(h, dev="v0", dst="fd00::2", lladdr="02:00:00:00:00:12")
    neigh.add(h, dev="v0", dst="fd00::3", lladdr="02:00:00:00:00:13", state=NUD.REACHABLE)
    names = _names(h)
    ours = sorted(
        (_ip_view(n, names) for n in neigh.dump(h) if n.dst is not None and n.lladdr),
        key=lambda d: d["dst"],
    )
    theirs = sorted(_ours(ip_json(ns.name, "neigh", "show", "nud", "all")), key=lambda d: d["dst"])
    assert ours == theirs
    assert {d["dst"] for d in theirs} == {"10.0.0.2", "10.0.0.3", "fd00::2", "fd00::3"}
    by_dst = {d["dst"]: d for d in theirs}
    assert by_dst["10.0.0.3"]["state"] == ["STALE"]
    assert "router" in by_dst["10.0.0.3"]
    assert by_dst["fd00::3"]["state"] == ["REACHABLE"]


def test_neighbours_made_by_ip_are_dumped_by_rawns(ns: Any, h: Handle) -> None:
    run("ip", "-n", ns.name, "link", "add", "a0", "type", "veth", "peer", "name", "a1")
    run("ip", "-n", ns.name, "link", "set", "a0", "up")
    run(
        "ip", "-n", ns.name, "neigh", "add", "192.0.2.7", "lladdr", "0a:0b:0c:0d:0e:0f", "dev", "a0"
    )
    run(
        "ip", "-n", ns.name, "-6", "neigh", "add", "2001:db8::7", "lladdr", "0a:0b:0c:0d:0e:10",
        "dev", "a0", "nud", "noarp", "router",
    )  # fmt: skip
    run("ip", "-n", ns.name, "neigh", "add", "192.0.2.9", "lladdr", "0a:0b:0c:0d:0e:11",
        "dev", "a0", "nud", "stale")  # fmt: skip
    names = _names(h)
    theirs = {d["dst"]: d for d in _ours(ip_json(ns.name, "neigh", "show", "nud", "all"))}
    got = {str(n.dst): n for n in neigh.dump(h, dev="a0") if n.lladdr}
    assert set(got) == set(theirs) == {"192.0.2.7", "2001:db8::7", "192.0.2.9"}
    for dst, n in got.items():
        assert _ip_view(n, names) == theirs[dst]
    assert got["2001:db8::7"].state == NUD.NOARP
    assert got["2001:db8::7"].router
    assert got["192.0.2.7"].family == 2
    assert got["2001:db8::7"].family == 10
    assert isinstance(got["2001:db8::7"].dst, ipaddress.IPv6Address)


def test_proxy_entries_both_directions(ns: Any, h: Handle) -> None:
    _veth(h)
    neigh.add(h, dev="v0", dst="10.0.0.9", proxy=True)
    neigh.add(h, dev="v0", dst="fd00::9", proxy=True)
    run("ip", "-n", ns.name, "neigh", "add", "proxy", "10.0.0.10", "dev", "v0")
    theirs = sorted(
        ip_json(ns.name, "neigh", "show", "proxy"),  # both families
        key=lambda d: d["dst"],
    )
    names = _names(h)
    ours = sorted((_ip_view(n, names) for n in neigh.dump(h, proxy=True)), key=lambda d: d["dst"])
    assert ours == theirs
    assert [d["dst"] for d in ours] == ["10.0.0.10", "10.0.0.9", "fd00::9"]
    # proxy entries are not in the plain dump
    assert not [n for n in neigh.dump(h) if n.proxy]
    neigh.delete(h, dev="v0", dst="10.0.0.9", proxy=True)
    assert [str(n.dst) for n in neigh.dump(h, proxy=True, family="inet")] == ["10.0.0.10"]


def test_get_replace_delete_and_errors(h: Handle) -> None:
    _veth(h)
    neigh.add(h, dev="v0", dst="10.0.0.2", lladdr="02:00:00:00:00:02")
    got = neigh.get(h, dev="v0", dst="10.0.0.2")
    assert got.lladdr == "02:00:00:00:00:02" and got.permanent
    with pytest.raises(AlreadyExists) as exc:
        neigh.add(h, dev="v0", dst="10.0.0.2", lladdr="02:00:00:00:00:09")
    assert "10.0.0.2" in str(exc.value) and "RTM_NEWNEIGH" in str(exc.value)
    neigh.replace(h, dev="v0", dst="10.0.0.2", lladdr="02:00:00:00:00:09")
    assert neigh.get(h, dev="v0", dst="10.0.0.2").lladdr == "02:00:00:00:00:09"
    neigh.delete(h, dev="v0", dst="10.0.0.2")
    with pytest.raises(NotFound):
        neigh.get(h, dev="v0", dst="10.0.0.2")
    with pytest.raises(NotFound):
        neigh.delete(h, dev="v0", dst="10.0.0.2")
    with pytest.raises(NotFound):
        neigh.add(h, dev="nosuchdev", dst="10.0.0.2", lladdr="02:00:00:00:00:02")
    with pytest.raises(ValueError, match=r"10\.0\.0\.300"):
        neigh.add(h, dev="v0", dst="10.0.0.300", lladdr="02:00:00:00:00:02")
    with pytest.raises(ValueError, match="zz"):
        neigh.add(h, dev="v0", dst="10.0.0.4", lladdr="zz:00:00:00:00:02")
    assert not [n for n in neigh.dump(h) if n.lladdr and n.dst and str(n.dst).startswith("10.")]


def test_delete_a_dumped_neighbour(h: Handle) -> None:
    _veth(h)
    neigh.add(h, dev="v0", dst="fd00::5", lladdr="02:00:00:00:00:05")
    (n,) = [n for n in neigh.dump(h, family="inet6") if str(n.dst) == "fd00::5"]
    neigh.delete(h, n)
    assert not [n for n in neigh.dump(h, family="inet6") if str(n.dst) == "fd00::5"]


def test_dump_filters_by_device_and_family_in_the_kernel(h: Handle) -> None:
    _veth(h, "a0", "a1")
    _veth(h, "b0", "b1")
    neigh.add(h, dev="a0", dst="10.1.0.1", lladdr="02:00:00:00:01:01")
    neigh.add(h, dev="a0", dst="fd01::1", lladdr="02:00:00:00:01:02")
    neigh.add(h, dev="b0", dst="10.2.0.1", lladdr="02:00:00:00:02:01")
    a0 = link.get(h, "a0").index
    assert {str(n.dst) for n in neigh.dump(h, dev="a0") if n.lladdr} == {"10.1.0.1", "fd01::1"}
    assert {n.index for n in neigh.dump(h, dev="a0")} == {a0}
    assert {str(n.dst) for n in neigh.dump(h, family="inet") if n.lladdr} == {
        "10.1.0.1",
        "10.2.0.1",
    }
    assert {n.family for n in neigh.dump(h, family=10)} == {10}


# ---------------------------------------------------------------------------
# bridge FDB


def _vxlan(ns: Any, name: str = "vx0") -> None:
    # rawns.link has no Vxlan spec yet in this slice: ip makes the device.
    run("ip", "-n", ns.name, "link", "add", name, "type", "vxlan", "id", "42", "dstport", "4789",
        "local", "10.0.0.1", "nolearning")  # fmt: skip


def _bridge_view(n: Neighbour, names: dict[int, str]) -> dict[str, Any]:
    """A rawns FDB entry as `bridge -j fdb show` prints it."""
    out: dict[str, Any] = {"mac": n.lladdr}
    if n.index != 0:
        out["ifname"] = names[n.index]
    if n.vlan is not None:
        out["vlan"] = n.vlan
    if n.dst is not None:
        out["dst"] = str(n.dst)
    if n.port is not None:
        out["port"] = n.port
    if n.vni is not None:
        out["vni"] = n.vni
    flags = []
    if n.flags & NTF.SELF:
        flags.append("self")
    if n.flags & NTF.ROUTER:
        flags.append("router")
    out["flags"] = flags
    if n.master is not None:
        out["master"] = names[n.master]
    if n.state & NUD.PERMANENT:
        out["state"] = "permanent"
    elif n.state & NUD.NOARP:
        out["state"] = "static"
    else:
        out["state"] = ""
    return out


def _fdb_key(d: dict[str, Any]) -> tuple[str, ...]:
    return (d["mac"], d.get("ifname", ""), d.get("dst", ""), str(d.get("vni", "")))


def test_vxlan_fdb_made_by_rawns_is_shown_by_bridge(ns: Any, h: Handle) -> None:
    _vxlan(ns)
    neigh.fdb_append(h, dev="vx0", lladdr="00:00:00:00:00:00", dst="10.0.0.2")
    neigh.fdb_append(h, dev="vx0", lladdr="00:00:00:00:00:00", dst="10.0.0.3")
    neigh.fdb_add(h, dev="vx0", lladdr="02:00:00:00:00:aa", dst="10.0.0.4", vni=43, port=4790)
    theirs = run("bridge", "-n", ns.name, "-j", "fdb", "show", "dev", "vx0")
    theirs_list = json.loads(theirs)
    names = _names(h)
    ours = [_bridge_view(n, names) for n in neigh.fdb_dump(h, dev="vx0")]
    # `bridge fdb show dev X` leaves out ifname (it is X)
    for d in ours:
        d.pop("ifname", None)
    assert sorted(ours, key=_fdb_key) == sorted(theirs_list, key=_fdb_key)
    remotes = sorted(d["dst"] for d in theirs_list if d["mac"] == "00:00:00:00:00:00")
    assert remotes == ["10.0.0.2", "10.0.0.3"]
    # appending a remote that is already there is accepted and changes nothing
    neigh.fdb_append(h, dev="vx0", lladdr="00:00:00:00:00:00", dst="10.0.0.3")
    assert len(neigh.fdb_dump(h, dev="vx0")) == 3
    # delete one remote of the all-zero entry
    neigh.fdb_delete(h, dev="vx0", lladdr="00:00:00:00:00:00", dst="10.0.0.2")
    left = [str(n.dst) for n in neigh.fdb_dump(h, dev="vx0") if n.lladdr == "00:00:00:00:00:00"]
    assert left == ["10.0.0.3"]


def test_fdb_made_by_bridge_is_dumped_by_rawns(ns: Any, h: Handle) -> None:
    _vxlan(ns)
    link.add(h, Bridge(name="br0"))
    _veth(h)
    run("ip", "-n", ns.name, "link", "set", "v1", "master", "br0")
    run("bridge", "-n", ns.name, "fdb", "append", "00:00:00:00:00:00", "dev", "vx0",
        "dst", "10.0.0.5", "vni", "100", "port", "4790")  # fmt: skip
    run("bridge", "-n", ns.name, "fdb", "add", "02:00:00:00:00:bb", "dev", "v1", "master")
    theirs = json.loads(run("bridge", "-n", ns.name, "-j", "fdb", "show"))
    names = _names(h)
    ours = [_bridge_view(n, names) for n in neigh.fdb_dump(h)]
    assert sorted(ours, key=_fdb_key) == sorted(theirs, key=_fdb_key)
    (vx,) = [n for n in neigh.fdb_dump(h, dev="vx0")]
    assert (str(vx.dst), vx.vni, vx.port, vx.family) == ("10.0.0.5", 100, 4790, AF_BRIDGE)
    br0 = link.get(h, "br0").index
    (port_entry,) = [n for n in neigh.fdb_dump(h, master="br0") if n.lladdr == "02:00:00:00:00:bb"]
    assert port_entry.master == br0
    assert port_entry.permanent
    # delete a dumped entry, and the bridge's view follows
    neigh.fdb_delete(h, port_entry)
    theirs = json.loads(run("bridge", "-n", ns.name, "-j", "fdb", "show", "br", "br0"))
    assert "02:00:00:00:00:bb" not in {d["mac"] for d in theirs}
    # a dumped vxlan remote (non-default vni and port) deletes as reported
    neigh.fdb_delete(h, vx)
    assert json.loads(run("bridge", "-n", ns.name, "-j", "fdb", "show", "dev", "vx0")) == []


def test_fdb_on_a_bridge_port_via_master(ns: Any, h: Handle) -> None:
    link.add(h, Bridge(name="br0"))
    _veth(h)
    run("ip", "-n", ns.name, "link", "set", "v1", "master", "br0")
    neigh.fdb_add(h, dev="v1", lladdr="02:00:00:00:00:cc", on="master")
    theirs = json.loads(run("bridge", "-n", ns.name, "-j", "fdb", "show", "dev", "v1"))
    entry = [d for d in theirs if d["mac"] == "02:00:00:00:00:cc"]
    assert entry and entry[0]["master"] == "br0" and entry[0]["state"] == "permanent"
    neigh.fdb_delete(h, dev="v1", lladdr="02:00:00:00:00:cc", on="master")
    with pytest.raises(NotFound):
        neigh.fdb_delete(h, dev="v1", lladdr="02:00:00:00:00:cc", on="master")


# ---------------------------------------------------------------------------
# real traffic


def test_tcp_between_namespaces_leaves_the_peer_in_the_neighbour_table(
    make_ns: Callable[[], Any],
) -> None:
    red, blue = make_ns(), make_ns()
    with Handle.open(netns=red) as hr, Handle.open(netns=blue) as hb:
        link.add(hr, Veth(name="veth-red", peer="veth-blue", peer_netns=blue, up=True))
        link.set(hb, "veth-blue", up=True)
        addr.add(hr, "192.168.15.1/24", dev="veth-red")
        addr.add(hb, "192.168.15.2/24", dev="veth-blue")
        addr.add(hr, "fd15::1/64", dev="veth-red", flags=IFA_F.NODAD)
        addr.add(hb, "fd15::2/64", dev="veth-blue", flags=IFA_F.NODAD)
        for host, src in (("192.168.15.2", "192.168.15.1"), ("fd15::2", "fd15::1")):
            with TcpServer(blue, host, 18080, name="blue"):
                seen = tcp_check(red, host, 18080, timeout=5.0)
            assert (seen.server, str(seen.seen_source)) == ("blue", src)
        blue_mac = link.get(hb, "veth-blue").mac
        peers = {str(n.dst): n for n in neigh.dump(hr, dev="veth-red") if n.lladdr}
        for dst in ("192.168.15.2", "fd15::2"):
            n = peers[dst]
            assert n.lladdr == blue_mac
            assert n.state & (NUD.REACHABLE | NUD.STALE | NUD.DELAY | NUD.PROBE)
        # and ip agrees
        theirs = {d["dst"]: d for d in ip_json(red.name, "neigh", "show", "dev", "veth-red")}
        names = _names(hr)
        for dst in ("192.168.15.2", "fd15::2"):
            view = _ip_view(peers[dst], names)
            view.pop("dev")
            assert theirs[dst]["lladdr"] == view["lladdr"]
            assert theirs[dst]["state"] == view["state"]
