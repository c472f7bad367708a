"""``ip -j -d link show`` as the outside oracle for rawns.link: one link, field by field.

:func:`ip_view` renders a rawns :class:`~rawns.link.Link` the way iproute2
prints it in JSON (names for indices, strings for enums), restricted to the
fields rawns decodes; :func:`assert_same` compares that with ip's object for
the same link, key by key, so a field present on one side only also fails.
"""

from __future__ import annotations

import contextlib
import grp
import pwd
import subprocess
from collections.abc import Iterator
from typing import Any

from rawns import Handle, link
from rawns.link import BridgeInfo, BridgePortInfo, Link, MacvlanInfo, TunInfo, VxlanInfo
from tests.conftest import ip_json

MISSING = object()

_LINK_TYPES = {1: "ether", 772: "loopback", 65534: "none"}
_IGNORED_FLAGS = {"NO-CARRIER", "M-DOWN"}  # ip derives these; they are not IFF_* bits

TOP = (
    "ifindex",
    "ifname",
    "mtu",
    "qdisc",
    "operstate",
    "linkmode",
    "group",
    "txqlen",
    "link_type",
    "address",
    "broadcast",
    "master",
    "link",
    "link_index",
    "link_netnsid",
    "promiscuity",
    "min_mtu",
    "max_mtu",
    "num_tx_queues",
    "num_rx_queues",
    "gso_max_size",
    "gso_max_segs",
    "altnames",
    "ifalias",
)
BRIDGE = (
    "forward_delay",
    "hello_time",
    "max_age",
    "ageing_time",
    "stp_state",
    "priority",
    "vlan_filtering",
    "bridge_id",
    "root_id",
    "root_port",
    "root_path_cost",
    "topology_change",
    "topology_change_detected",
    "group_addr",
    "mcast_snooping",
    "mcast_router",
    "mcast_querier",
    "nf_call_iptables",
    "nf_call_ip6tables",
    "nf_call_arptables",
)
PORT = (
    "state",
    "priority",
    "cost",
    "hairpin",
    "guard",
    "root_block",
    "fastleave",
    "learning",
    "flood",
    "proxy_arp",
    "mcast_flood",
    "bcast_flood",
    "mcast_to_unicast",
    "neigh_suppress",
    "isolated",
    "locked",
    "vlan_tunnel",
    "id",
    "no",
    "designated_port",
    "designated_cost",
    "bridge_id",
    "root_id",
    "multicast_router",
)
MACVLAN = ("mode", "bcqueuelen", "usedbcqueuelen", "nopromisc")
VXLAN = (
    "id",
    "remote",
    "group",
    "remote6",
    "group6",
    "local",
    "local6",
    "link",
    "port",
    "port_range",
    "learning",
    "ttl",
    "tos",
    "ageing",
    "limit",
    "proxy",
    "l2miss",
    "l3miss",
    "udp_csum",
    "udp_zero_csum6_tx",
    "udp_zero_csum6_rx",
    "external",
    "gbp",
)
TUN = ("type", "pi", "vnet_hdr", "multi_queue", "persist", "user", "group", "numqueues")
_DATA_KEYS = {"bridge": BRIDGE, "macvlan": MACVLAN, "vxlan": VXLAN, "tun": TUN}


def _put(d: dict[str, Any], key: str, value: Any) -> None:
    if value is not None:
        d[key] = value


def ip_view(lk: Link, names: dict[int, str]) -> dict[str, Any]:
    """The fields rawns decodes, rendered as ``ip -j -d link show`` prints them."""
    v: dict[str, Any] = {"ifindex": lk.index, "ifname": lk.name}
    _put(v, "mtu", lk.mtu)
    _put(v, "qdisc", lk.qdisc)
    v["operstate"] = lk.operstate
    if lk.linkmode is not None:
        v["linkmode"] = {0: "DEFAULT", 1: "DORMANT"}.get(lk.linkmode, str(lk.linkmode))
    if lk.group is not None:
        v["group"] = "default" if lk.group == 0 else str(lk.group)
    _put(v, "txqlen", lk.txqlen)
    v["link_type"] = _LINK_TYPES.get(lk.type, str(lk.type))
    _put(v, "address", lk.mac)
    _put(v, "broadcast", lk.broadcast)
    if lk.master is not None:
        v["master"] = names[lk.master]
    if lk.link is not None:
        if lk.link_netnsid is None and lk.link in names:
            v["link"] = names[lk.link]
        else:
            v["link_index"] = lk.link
    _put(v, "link_netnsid", lk.link_netnsid)
    _put(v, "promiscuity", lk.promiscuity)
    _put(v, "min_mtu", lk.min_mtu)
    _put(v, "max_mtu", lk.max_mtu)
    _put(v, "num_tx_queues", lk.num_tx_queues)
    _put(v, "num_rx_queues", lk.num_rx_queues)
    _put(v, "gso_max_size", lk.gso_max_size)
    _put(v, "gso_max_segs", lk.gso_max_segs)
    if lk.alt_names:
        v["altnames"] = list(lk.alt_names)
    _put(v, "ifalias", lk.alias)
    info: dict[str, Any] = {}
    _put(info, "info_kind", lk.kind)
    data = _data_view(lk, names)
    if data is not None:
        info["info_data"] = data
    _put(info, "info_slave_kind", lk.slave_kind)
    if isinstance(lk.port, BridgePortInfo):
        info["info_slave_data"] = _port_view(lk.port)
    if info:
        v["linkinfo"] = info
    return v


def _data_view(lk: Link, names: dict[int, str]) -> dict[str, Any] | None:
    d = lk.data
    out: dict[str, Any] = {}
    if isinstance(d, BridgeInfo):
        for k in BRIDGE:
            _put(out, k, getattr(d, k))
        for k in ("vlan_filtering", "topology_change", "topology_change_detected"):
            if k in out:
                out[k] = int(out[k])
        for k in ("mcast_snooping", "mcast_querier"):
            if k in out:
                out[k] = int(out[k])
        for k in ("nf_call_iptables", "nf_call_ip6tables", "nf_call_arptables"):
            if k in out:
                out[k] = int(out[k])
        _ether_ntoa_ids(out)
        return out
    if isinstance(d, MacvlanInfo):
        _put(out, "mode", d.mode)
        _put(out, "bcqueuelen", d.bc_queue_len)
        _put(out, "usedbcqueuelen", d.bc_queue_len_used)
        if d.nopromisc:
            out["nopromisc"] = True
        return out
    if isinstance(d, VxlanInfo):
        if d.external:
            out["external"] = True
        _put(out, "id", d.vni)
        for key, addr in (("remote", d.remote), ("group", d.group)):
            if addr is not None:
                out[key + ("6" if addr.version == 6 else "")] = str(addr)
        if d.local is not None:
            out["local" + ("6" if d.local.version == 6 else "")] = str(d.local)
        if d.link is not None:
            out["link"] = names[d.link]
        if d.port_range is not None:
            out["port_range"] = {"low": d.port_range[0], "high": d.port_range[1]}
        _put(out, "port", d.port)
        _put(out, "learning", d.learning)
        if d.tos:
            out["tos"] = f"{d.tos:#x}"
        out["ttl"] = d.ttl or 0
        _put(out, "ageing", d.ageing)
        if d.limit:
            out["limit"] = d.limit
        for k in ("proxy", "l2miss", "l3miss"):
            if getattr(d, k):
                out[k] = True
        _put(out, "udp_csum", d.udp_csum)
        _put(out, "udp_zero_csum6_tx", d.udp_zero_csum6_tx)
        _put(out, "udp_zero_csum6_rx", d.udp_zero_csum6_rx)
        if d.gbp:
            out["gbp"] = True
        return out
    if isinstance(d, TunInfo):
        _put(out, "type", d.type)
        _put(out, "pi", d.pi)
        _put(out, "vnet_hdr", d.vnet_hdr)
        _put(out, "multi_queue", d.multi_queue)
        if d.multi_queue:
            _put(out, "numqueues", d.num_queues)
        _put(out, "persist", d.persist)
        if d.owner is not None:
            try:
                out["user"] = pwd.getpwuid(d.owner).pw_name
            except KeyError:
                out["user"] = str(d.owner)
        if d.group is not None:
            try:
                out["group"] = grp.getgrgid(d.group).gr_name
            except KeyError:
                out["group"] = str(d.group)
        return out
    return None


def _port_view(p: BridgePortInfo) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k in PORT:
        attr = {"fastleave": "fast_leave"}.get(k, k)
        _put(out, k, getattr(p, attr))
    for k in ("id", "no"):
        if k in out:
            out[k] = f"{out[k]:#x}"
    _ether_ntoa_ids(out)
    return out


def _ether_ntoa_ids(out: dict[str, Any]) -> None:
    """iproute2 prints bridge ids with ether_ntoa(3): hex bytes without zero padding."""
    for k in ("bridge_id", "root_id"):
        if k in out:
            prio, mac = out[k].split(".")
            out[k] = prio + "." + ":".join(f"{int(x, 16):x}" for x in mac.split(":"))


def flags_of(lk: Link) -> set[str]:
    return set(lk.flag_names) - {"RUNNING"}


def assert_same(lk: Link, ipd: dict[str, Any], names: dict[int, str]) -> None:
    """rawns' Link and ip's JSON object for one link agree on every field rawns decodes."""
    view = ip_view(lk, names)
    where = f"link {lk.name} (#{lk.index})"
    for key in TOP:
        assert view.get(key, MISSING) == ipd.get(key, MISSING), (
            f"{where}: {key}: rawns {view.get(key, MISSING)!r} != ip {ipd.get(key, MISSING)!r}"
        )
    assert flags_of(lk) == set(ipd["flags"]) - _IGNORED_FLAGS, where
    mine, theirs = view.get("linkinfo", {}), ipd.get("linkinfo", {})
    for key in ("info_kind", "info_slave_kind"):
        assert mine.get(key) == theirs.get(key), f"{where}: {key}"
    keys = _DATA_KEYS.get(mine.get("info_kind", ""), ())
    for key in keys:
        a = mine.get("info_data", {}).get(key, MISSING)
        b = theirs.get("info_data", {}).get(key, MISSING)
        assert a == b, f"{where}: info_data.{key}: rawns {a!r} != ip {b!r}"
    if "info_slave_data" in theirs or "info_slave_data" in mine:
        for key in PORT:
            a = mine.get("info_slave_data", {}).get(key, MISSING)
            b = theirs.get("info_slave_data", {}).get(key, MISSING)
            assert a == b, f"{where}: info_slave_data.{key}: rawns {a!r} != ip {b!r}"


def assert_dumps_agree(h: Handle, ns_name: str) -> list[Link]:
    """Every link of ``ip -d -j link show`` equals rawns' dump of it, and none is missing."""
    mine = link.dump(h)
    theirs = ip_json(ns_name, "-d", "link", "show")
    names = {lk.index: lk.name for lk in mine}
    assert sorted(names) == sorted(x["ifindex"] for x in theirs)
    by_index = {x["ifindex"]: x for x in theirs}
    for lk in mine:
        assert_same(lk, by_index[lk.index], names)
    return mine


def ip_link(ns_name: str, name: str) -> dict[str, Any]:
    """``ip -n NS -d -j link show dev NAME``'s one object."""
    out = ip_json(ns_name, "-d", "link", "show", "dev", name)
    assert len(out) == 1
    result: dict[str, Any] = out[0]
    return result


def ip_names(ns_name: str) -> set[str]:
    return {x["ifname"] for x in ip_json(ns_name, "link", "show")}


@contextlib.contextmanager
def process_in(ns_name: str) -> Iterator[int]:
    """A ``sleep`` inside the named namespace, for ``netns=PID``; killed on exit (by its pid)."""
    import os
    import time

    p = subprocess.Popen(["ip", "netns", "exec", ns_name, "sleep", "60"])
    try:
        here = os.readlink("/proc/self/ns/net")
        for _ in range(500):
            if os.readlink(f"/proc/{p.pid}/ns/net") != here:
                break
            time.sleep(0.01)
        yield p.pid
    finally:
        p.kill()
        p.wait()
