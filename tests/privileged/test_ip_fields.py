"""Every field ``ip -d -j`` prints is a typed attribute of rawns' dumped object.

One namespace holds every kind this kernel has (veth, a peer in another
namespace, bridges and ports, macvlan, vxlan of each flavour, tun, tap, ifb;
no dummy here), addresses of both families with flags, lifetimes, labels and
a peer, neighbours of each state (proxy, router, ``extern_learn``,
``managed``), FDB entries, rules of every selector, and routes. Each object
``ip -d -j link/addr/neigh/rule/route show`` prints is compared with rawns'
dump of it field by field, through the tables below: each maps an ip JSON key
to a view of rawns' typed attributes, normalised to ip's spelling. Every key
ip prints must be mapped or listed in an ``IGNORED`` table with its reason;
a key ip prints that no table knows fails the test, so a field iproute2 (or
the kernel) adds shows up here.

rawns is dumped before and after ip: a value that moves between dumps (a
lifetime counting down, a neighbour's state) must be one of, or between,
rawns' two readings. Keys marked ``Present`` are timers and counters that
change continuously: there, ip printing the key must match rawns having the
attribute. Route keys whose attribute has not landed yet are listed in
``ROUTE_PENDING`` (engineer E's rawns/route fields).
"""

from __future__ import annotations

import contextlib
import grp
import ipaddress
import json
import pwd
import socket
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from rawns import Handle, addr, link, neigh, netns, route, rule
from rawns.link import BridgeInfo, BridgePortInfo, Link, MacvlanInfo, TunInfo, VxlanInfo
from tests.conftest import run, unique_name

MISSING: Any = type("Missing", (), {"__repr__": lambda self: "MISSING"})()
Ctx = dict[int, str]  # ifindex -> name, in the main namespace
View = Callable[[Any, Ctx], Any]


@dataclass(frozen=True)
class Present:
    """A timer or counter that changes between dumps: ip printing it means rawns has it."""

    view: View


@dataclass(frozen=True)
class Newer:
    """A value iproute2 6.1 does not print yet (newer than it): compared when ip prints it."""

    view: View | Present


@dataclass(frozen=True)
class Between:
    """A number that moves between dumps: ip's value lies between rawns' two readings."""

    view: View


def a(name: str, norm: Callable[[Any], Any] = lambda v: v) -> View:
    """The attribute ``name``, normalised; MISSING where rawns has None."""

    def view(obj: Any, ctx: Ctx) -> Any:
        v = getattr(obj, name)
        return MISSING if v is None else norm(v)

    return view


def when(name: str, value: Any = None) -> View:
    """ip's ``"key": null`` (or ``true``) flags, printed only when set."""

    def view(obj: Any, ctx: Ctx) -> Any:
        return value if getattr(obj, name) else MISSING

    return view


def hex0(v: int) -> str:
    """C's ``%#x``: ``0`` for zero, ``0x8`` otherwise."""
    return f"{v:#x}" if v else "0"


def ntoa_id(v: str) -> str:
    """iproute2 prints a bridge id's MAC with ether_ntoa(3): no zero padding."""
    prio, mac = v.split(".")
    return prio + "." + ":".join(f"{int(x, 16):x}" for x in mac.split(":"))


def name_of(v: int, ctx: Ctx) -> str:
    return ctx.get(v, str(v))


def dev(name: str) -> View:
    def view(obj: Any, ctx: Ctx) -> Any:
        v = getattr(obj, name)
        return MISSING if v is None else name_of(v, ctx)

    return view


PROTOCOLS = {0: "unspec", 1: "redirect", 2: "kernel", 3: "boot", 4: "static"}
SCOPES = {0: "global", 200: "site", 253: "link", 254: "host", 255: "nowhere"}
TABLES = {253: "default", 254: "main", 255: "local"}

# ---------------------------------------------------------------------------
# links


def _flags(lk: Link, ctx: Ctx) -> list[str]:
    names = set(lk.flag_names) - {"RUNNING"}
    if lk.up and "RUNNING" not in lk.flag_names:
        names.add("NO-CARRIER")  # iproute2 print_link_flags derives it
    return sorted(names)


def _link(lk: Link, ctx: Ctx) -> Any:
    if lk.link is None or lk.link_netnsid is not None or lk.link not in ctx:
        return MISSING
    return ctx[lk.link]


def _link_index(lk: Link, ctx: Ctx) -> Any:
    if lk.link is None or (lk.link_netnsid is None and lk.link in ctx):
        return MISSING
    return lk.link


LINK: dict[str, View] = {
    "ifindex": a("index"),
    "ifname": a("name"),
    "flags": _flags,
    "mtu": a("mtu"),
    "qdisc": a("qdisc"),
    "operstate": a("operstate"),
    "linkmode": a("linkmode", lambda v: {0: "DEFAULT", 1: "DORMANT"}.get(v, str(v))),
    "group": a("group", lambda v: "default" if v == 0 else str(v)),
    "txqlen": a("txqlen"),
    "link_type": a("type", lambda v: {1: "ether", 772: "loopback", 65534: "none"}[v]),
    "address": a("mac"),
    "broadcast": a("broadcast"),
    "permaddr": a("permanent_mac"),
    "master": dev("master"),
    "link": _link,
    "link_index": _link_index,
    "link_netnsid": a("link_netnsid"),
    "promiscuity": a("promiscuity"),
    "allmulti": a("allmulti"),
    "min_mtu": a("min_mtu"),
    "max_mtu": a("max_mtu"),
    "num_tx_queues": a("num_tx_queues"),
    "num_rx_queues": a("num_rx_queues"),
    "gso_max_size": a("gso_max_size"),
    "gso_max_segs": a("gso_max_segs"),
    "tso_max_size": a("tso_max_size"),
    "tso_max_segs": a("tso_max_segs"),
    "gro_max_size": a("gro_max_size"),
    "inet6_addr_gen_mode": a("inet6_addr_gen_mode"),
    "altnames": lambda lk, ctx: list(lk.alt_names) if lk.alt_names else MISSING,
    "ifalias": a("alias"),
    "proto_down": when("proto_down", True),
    "phys_port_name": a("phys_port_name"),
    "parentbus": a("parent_dev_bus_name"),
    "parentdev": a("parent_dev_name"),
    "linkinfo.info_kind": a("kind"),
    "linkinfo.info_slave_kind": a("slave_kind"),
}
LINK_IGNORED = {
    "stats64": "counters change between dumps (rawns does not decode IFLA_STATS64)",
}

# ip prints these bridge values as 0/1 numbers
_BR_NUMBERS = (
    "vlan_filtering", "topology_change", "topology_change_detected", "mcast_snooping",
    "mcast_querier", "mcast_query_use_ifaddr", "nf_call_iptables", "nf_call_ip6tables",
    "nf_call_arptables", "mcast_stats_enabled", "vlan_stats_enabled", "vlan_stats_per_port",
    "no_linklocal_learn", "mcast_vlan_snooping",
)  # fmt: skip
_BR_SAME = (
    "forward_delay", "hello_time", "max_age", "ageing_time", "stp_state", "priority",
    "root_port", "root_path_cost", "group_addr", "mcast_router", "mcast_hash_elasticity",
    "mcast_hash_max", "mcast_last_member_cnt", "mcast_startup_query_cnt",
    "mcast_last_member_intvl", "mcast_membership_intvl", "mcast_querier_intvl",
    "mcast_query_intvl", "mcast_query_response_intvl", "mcast_startup_query_intvl",
    "vlan_protocol", "vlan_default_pvid", "mcast_igmp_version", "mcast_mld_version",
)  # fmt: skip
BRIDGE: dict[str, View | Present | Newer] = {
    **{k: a(k) for k in _BR_SAME},
    **{k: a(k, int) for k in _BR_NUMBERS},
    "group_fwd_mask": a("group_fwd_mask", hex0),
    "bridge_id": a("bridge_id", ntoa_id),
    "root_id": a("root_id", ntoa_id),
    **{k: Present(a(k)) for k in ("hello_timer", "tcn_timer", "topology_change_timer")},
    "gc_timer": Present(a("gc_timer")),
    "mst_enabled": Newer(a("mst_enabled", int)),
    "mcast_querier_ipv4_addr": Newer(a("mcast_querier_ipv4_addr", str)),
    "mcast_querier_ipv6_addr": Newer(a("mcast_querier_ipv6_addr", str)),
    "mcast_querier_ipv4_port": Newer(dev("mcast_querier_ipv4_port")),
    "mcast_querier_ipv6_port": Newer(dev("mcast_querier_ipv6_port")),
    "mcast_querier_ipv4_other_timer": Newer(Present(a("mcast_querier_ipv4_other_timer"))),
    "mcast_querier_ipv6_other_timer": Newer(Present(a("mcast_querier_ipv6_other_timer"))),
}
_PORT_SAME = (
    "state", "priority", "cost", "hairpin", "guard", "root_block", "learning", "flood",
    "proxy_arp", "proxy_arp_wifi", "mcast_flood", "bcast_flood", "mcast_to_unicast",
    "neigh_suppress", "neigh_vlan_suppress", "isolated", "locked", "vlan_tunnel", "mab",
    "designated_port", "designated_cost", "topology_change_ack", "config_pending",
    "multicast_router", "mcast_eht_hosts_limit", "mcast_eht_hosts_cnt", "mcast_n_groups",
)  # fmt: skip
#: IFLA_BRPORT_* values newer than iproute2 6.1 prints
_PORT_NEWER = (
    "neigh_vlan_suppress", "mab", "mcast_eht_hosts_limit", "mcast_eht_hosts_cnt",
    "mcast_n_groups", "mcast_max_groups", "backup_nhid",
)  # fmt: skip
PORT: dict[str, View | Present | Newer] = {
    **{k: a(k) for k in _PORT_SAME},
    **{k: Newer(a(k)) for k in _PORT_NEWER},
    "fastleave": a("fast_leave"),
    "id": a("id", lambda v: f"{v:#x}"),
    "no": a("no", lambda v: f"{v:#x}"),
    "bridge_id": a("bridge_id", ntoa_id),
    "root_id": a("root_id", ntoa_id),
    "group_fwd_mask": a("group_fwd_mask", hex0),
    "group_fwd_mask_str": a("group_fwd_mask", lambda v: f"{v:#x}"),
    "backup_port": dev("backup_port"),
    **{k: Present(a(k)) for k in ("message_age_timer", "forward_delay_timer", "hold_timer")},
}
MACVLAN: dict[str, View | Present] = {
    "mode": a("mode"),
    "bcqueuelen": a("bc_queue_len"),
    "usedbcqueuelen": a("bc_queue_len_used"),
    "nopromisc": when("nopromisc", True),
    "macaddr_count": lambda d, ctx: d.macaddr_count if d.mode == "source" else MISSING,
}


def _addr_key(base: str) -> Callable[[str], View]:
    def for_key(key: str) -> View:
        def view(d: VxlanInfo, ctx: Ctx) -> Any:
            v = getattr(d, base)
            if v is None or ("6" in key) != (v.version == 6):
                return MISSING
            return str(v)

        return view

    return for_key


VXLAN: dict[str, View | Present] = {
    "id": a("vni"),
    **{k: _addr_key("remote")(k) for k in ("remote", "remote6")},
    **{k: _addr_key("group")(k) for k in ("group", "group6")},
    **{k: _addr_key("local")(k) for k in ("local", "local6")},
    "link": dev("link"),
    "port": a("port"),
    "port_range": a("port_range", lambda v: {"low": v[0], "high": v[1]}),
    "learning": a("learning"),
    "ttl": lambda d, ctx: MISSING if d.ttl_inherit else d.ttl or 0,
    "tos": lambda d, ctx: f"{d.tos:#x}" if d.tos else MISSING,
    "label": lambda d, ctx: f"{d.label:#x}" if d.label else MISSING,
    "df": a("df", lambda v: {0: "unset", 1: "set", 2: "inherit"}[v]),
    "ageing": a("ageing"),
    "limit": lambda d, ctx: d.limit or MISSING,
    "proxy": when("proxy", True),
    "l2miss": when("l2miss", True),
    "l3miss": when("l3miss", True),
    "rsc": when("rsc", True),
    "external": when("external", True),
    "vnifilter": when("vnifilter", True),
    "udp_csum": a("udp_csum"),
    "udp_zero_csum6_tx": a("udp_zero_csum6_tx"),
    "udp_zero_csum6_rx": a("udp_zero_csum6_rx"),
    "remcsum_tx": when("remcsum_tx", True),
    "remcsum_rx": when("remcsum_rx", True),
    "gbp": when("gbp", True),
    "gpe": when("gpe", True),
}


def _user(d: TunInfo, ctx: Ctx) -> Any:
    if d.owner is None:
        return MISSING
    with contextlib.suppress(KeyError):
        return pwd.getpwuid(d.owner).pw_name
    return str(d.owner)


def _group(d: TunInfo, ctx: Ctx) -> Any:
    if d.group is None:
        return MISSING
    with contextlib.suppress(KeyError):
        return grp.getgrgid(d.group).gr_name
    return str(d.group)


TUN: dict[str, View | Present] = {
    "type": a("type"),
    "pi": a("pi"),
    "vnet_hdr": a("vnet_hdr"),
    "multi_queue": a("multi_queue"),
    "persist": a("persist"),
    "user": _user,
    "group": _group,
    "numqueues": lambda d, ctx: d.num_queues if d.multi_queue else MISSING,
    "numdisabled": lambda d, ctx: d.num_disabled_queues if d.multi_queue else MISSING,
}
DATA: dict[type, dict[str, Any]] = {
    BridgeInfo: BRIDGE,
    MacvlanInfo: MACVLAN,
    VxlanInfo: VXLAN,
    TunInfo: TUN,
}

# ---------------------------------------------------------------------------
# addresses: ip's addr_info entries (the link part of each object is the link table's)

_IFA_NAMES = (
    (0x01, "secondary"), (0x02, "nodad"), (0x04, "optimistic"), (0x08, "dadfailed"),
    (0x10, "home"), (0x20, "deprecated"), (0x40, "tentative"), (0x100, "mngtmpaddr"),
    (0x200, "noprefixroute"), (0x400, "autojoin"), (0x800, "stable-privacy"),
)  # fmt: skip


def _ifa_flag(bit: int, key: str) -> View:
    def view(x: addr.Address, ctx: Ctx) -> Any:
        if key == "secondary" and x.family == socket.AF_INET6:
            return MISSING  # IPv6 spells the bit "temporary"
        return True if x.flags & bit else MISSING

    return view


def _life(name: str) -> View:
    def view(x: addr.Address, ctx: Ctx) -> Any:
        v = getattr(x, name)
        return 0xFFFFFFFF if v is None else v

    return view


ADDR: dict[str, View | Between | Newer] = {
    "family": lambda x, ctx: "inet" if x.family == socket.AF_INET else "inet6",
    "local": lambda x, ctx: str(x.local),
    "address": lambda x, ctx: MISSING if x.peer is None else str(x.peer),
    "prefixlen": lambda x, ctx: x.prefixlen,
    "scope": lambda x, ctx: SCOPES.get(x.scope, str(x.scope)),
    "label": a("label"),
    "broadcast": a("broadcast", str),
    "dynamic": lambda x, ctx: MISSING if x.permanent else True,
    "temporary": lambda x, ctx: True if x.family == socket.AF_INET6 and x.secondary else MISSING,
    **{key: _ifa_flag(bit, key) for bit, key in _IFA_NAMES},
    "metric": a("metric"),
    "protocol": Newer(a("proto")),
    "valid_life_time": Between(_life("valid_lft")),
    "preferred_life_time": Between(_life("preferred_lft")),
}
ADDR_IGNORED: dict[str, str] = {}

# ---------------------------------------------------------------------------
# neighbours

_NUD = (
    (0x01, "INCOMPLETE"), (0x02, "REACHABLE"), (0x04, "STALE"), (0x08, "DELAY"),
    (0x10, "PROBE"), (0x20, "FAILED"), (0x40, "NOARP"), (0x80, "PERMANENT"),
)  # fmt: skip
NEIGH: dict[str, View | Present] = {
    "dst": a("dst", str),
    "dev": lambda n, ctx: name_of(n.index, ctx),
    "lladdr": a("lladdr"),
    "state": lambda n, ctx: (
        MISSING if n.proxy else [s for bit, s in _NUD if n.state & bit] or ["NONE"]
    ),
    "router": when("router"),
    "proxy": when("proxy"),
    "extern_learn": when("ext_learned"),
    "offload": when("offloaded"),
    "sticky": when("sticky"),
    "managed": when("managed"),
    "locked": when("locked"),
    "protocol": a("protocol", lambda v: PROTOCOLS.get(v, str(v))),
    "vlan": a("vlan"),
    "nhid": a("nh_id"),
    "probes": Present(a("probes")),
    **{k: Present(a("cacheinfo")) for k in ("used", "confirmed", "updated")},
    "refcnt": Present(
        lambda n, ctx: n.cacheinfo.refcnt if n.cacheinfo and n.cacheinfo.refcnt else MISSING
    ),
}

# ---------------------------------------------------------------------------
# rules


def _prefix(name: str, part: str) -> View:
    def view(r: rule.Rule, ctx: Ctx) -> Any:
        p = getattr(r, name)
        if p is None:
            return "all" if (name, part) == ("src", "addr") else MISSING
        ip, plen = (p.ip, p.network.prefixlen) if hasattr(p, "ip") else (p[0], p.prefixlen)
        if part == "addr":
            return str(ip)
        return plen if plen != ip.max_prefixlen else MISSING

    return view


def _range(name: str, which: str) -> View:
    def view(r: rule.Rule, ctx: Ctx) -> Any:
        v = getattr(r, name)
        if v is None:
            return MISSING
        single = v[0] == v[1]
        if which == "one":
            return v[0] if single else MISSING
        return MISSING if single else v[0 if which == "start" else 1]

    return view


def _action(r: rule.Rule, ctx: Ctx) -> Any:
    n = r.action.name.lower()
    return n if n in ("blackhole", "unreachable", "prohibit") else MISSING


RULE: dict[str, View | Present] = {
    "priority": a("priority"),
    "not": when("invert"),
    "src": _prefix("src", "addr"),
    "srclen": _prefix("src", "len"),
    "dst": _prefix("dst", "addr"),
    "dstlen": _prefix("dst", "len"),
    "tos": lambda r, ctx: f"{r.tos:#x}" if r.tos else MISSING,
    "fwmark": a("fwmark", lambda v: f"{v:#x}"),
    "fwmask": lambda r, ctx: MISSING if r.fwmask in (None, 0xFFFFFFFF) else f"{r.fwmask:#x}",
    "iif": a("iif"),
    "oif": a("oif"),
    "l3mdev": when("l3mdev"),
    "uid_start": lambda r, ctx: MISSING if r.uid_range is None else r.uid_range[0],
    "uid_end": lambda r, ctx: MISSING if r.uid_range is None else r.uid_range[1],
    "ipproto": a("ip_proto", lambda v: {6: "tcp", 17: "udp"}.get(v, str(v))),
    "sport": _range("sport_range", "one"),
    "sport_start": _range("sport_range", "start"),
    "sport_end": _range("sport_range", "end"),
    "dport": _range("dport_range", "one"),
    "dport_start": _range("dport_range", "start"),
    "dport_end": _range("dport_range", "end"),
    "tun_id": a("tun_id"),
    "table": lambda r, ctx: (
        TABLES.get(r.table, str(r.table)) if r.table and r.action.name == "TO_TBL" else MISSING
    ),
    "suppress_prefixlen": a("suppress_prefixlen"),
    "suppress_ifgroup": a("suppress_ifgroup", str),
    "goto": a("goto"),
    "nop": lambda r, ctx: None if r.action.name == "NOP" else MISSING,
    "action": _action,
    "flow_from": lambda r, ctx: str(r.realms >> 16) if r.realms and r.realms >> 16 else MISSING,
    "flow_to": lambda r, ctx: str(r.realms & 0xFFFF) if r.realms else MISSING,
    "protocol": a("protocol", lambda v: PROTOCOLS.get(v, str(v))),
    "iif_detached": lambda r, ctx: None if r.flags & 8 else MISSING,
    "oif_detached": lambda r, ctx: None if r.flags & 16 else MISSING,
}

# ---------------------------------------------------------------------------
# routes

_RTN = {1: "unicast", 2: "local", 3: "broadcast", 4: "anycast", 5: "multicast"}
_RTN.update({6: "blackhole", 7: "unreachable", 8: "prohibit", 9: "throw", 10: "nat"})
_RTAX = {2: "mtu", 3: "window", 4: "rtt", 8: "advmss", 9: "reordering", 10: "hoplimit"}


def _metrics(r: Any, ctx: Ctx) -> Any:
    out = {_RTAX.get(k, str(k)): v for k, v in r.metrics}
    return [out] if out else MISSING


def _route_flags(r: Any, ctx: Ctx) -> list[str]:
    names = ((1, "dead"), (4, "onlink"), (8, "offload"), (16, "linkdown"), (32, "unresolved"))
    return [n for bit, n in names if r.flags & bit]


def _nexthops(r: Any, ctx: Ctx) -> Any:
    if not r.nexthops:
        return MISSING
    out = []
    for nh in r.nexthops:
        d: dict[str, Any] = {}
        if nh.gateway is not None:
            d["gateway"] = str(nh.gateway)
        if nh.oif is not None:
            d["dev"] = name_of(nh.oif, ctx)
        d["weight"] = nh.weight
        d["flags"] = _route_flags(nh, ctx)
        out.append(d)
    return out


ROUTE: dict[str, View | Present | Between] = {
    "type": lambda r, ctx: _RTN.get(r.type, str(r.type)),
    "dst": lambda r, ctx: (
        "default"
        if r.dst.prefixlen == 0
        else str(r.dst.network_address if r.dst.prefixlen == r.dst.max_prefixlen else r.dst)
    ),
    "gateway": a("gateway", str),
    "dev": dev("oif"),
    "table": lambda r, ctx: TABLES.get(r.table, str(r.table)),
    "protocol": a("protocol", lambda v: PROTOCOLS.get(v, str(v))),
    "scope": a("scope", lambda v: SCOPES.get(v, str(v))),
    "prefsrc": a("prefsrc", str),
    "metric": a("metric"),
    "flags": _route_flags,
    "metrics": _metrics,
    "nexthops": _nexthops,
    "pref": a("pref", lambda v: {0: "medium", 1: "high", 3: "low"}.get(v, str(v))),
    "tos": lambda r, ctx: f"{r.tos:#x}" if r.tos else MISSING,
    "iif": dev("iif"),
    "from": a("src", str),
}
#: Route keys whose typed attribute is engineer E's (rawns/route): compared once it exists.
ROUTE_PENDING: dict[str, tuple[str, View | Between]] = {
    "via": ("via", lambda r, ctx: {"family": "inet6", "host": str(r.via)} if r.via else MISSING),
    "nhid": ("nhid", a("nhid")),
    "expires": ("expires", Between(a("expires"))),
}
ROUTE_IGNORED = {
    "nh_info": "the nexthop object's own fields: ip nexthop show, not the route's",
    "flow": "RTA_FLOW (realms): no typed Route attribute yet (rawns/route is engineer E's)",
    "cache": "route cache entries: not in this namespace",
}

# ---------------------------------------------------------------------------
# comparing


def _scalar(v: Any) -> float | None:
    return float(v) if isinstance(v, int | float) and not isinstance(v, bool) else None


def compare(
    what: str,
    theirs: dict[str, Any],
    table: dict[str, Any],
    ignored: dict[str, str],
    before: Any,
    after: Any,
    ctx: Ctx,
) -> list[str]:
    """Differences between ip's object and rawns' two readings of it, key by key."""
    errors = [
        f"{what}: ip prints {key!r} = {theirs[key]!r}, which no table maps or ignores"
        for key in theirs
        if key not in table and key not in ignored
    ]
    for key, view in table.items():
        want = theirs.get(key, MISSING)
        if isinstance(view, Newer):
            if want is MISSING:
                continue
            view = view.view
        if isinstance(view, Present):
            has = [view.view(x, ctx) is not MISSING for x in (before, after)]
            if (want is not MISSING) not in has:
                errors.append(f"{what}: {key}: ip {want!r}, rawns has it: {has}")
            continue
        if isinstance(view, Between):
            lo, hi = sorted(
                (view.view(before, ctx), view.view(after, ctx)),
                key=lambda v: -1 if v is MISSING else v,
            )
            w = _scalar(want)
            if want is lo or want is hi:
                continue
            if w is None or _scalar(lo) is None or not lo <= w <= hi:
                errors.append(f"{what}: {key}: ip {want!r} not within rawns {lo!r}..{hi!r}")
            continue
        got = {_norm(view(x, ctx)) for x in (before, after)}
        if _norm(want) not in got:
            errors.append(f"{what}: {key}: rawns {sorted(got, key=repr)!r} != ip {want!r}")
    return errors


def _norm(v: Any) -> Any:
    """A hashable form (ip's lists and objects)."""
    return json.dumps(v, sort_keys=True) if v is not MISSING else v


def _flat_link(x: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    """ip's link object with linkinfo's kinds as top keys; its info_data and info_slave_data."""
    top = {k: v for k, v in x.items() if k != "linkinfo"}
    # M-DOWN is the flags of another link (IFLA_LINK's, down): not this link's bits.
    top["flags"] = sorted(set(top["flags"]) - {"M-DOWN"})
    info = dict(x.get("linkinfo", {}))
    data = info.pop("info_data", {})
    slave = info.pop("info_slave_data", {})
    for k, v in info.items():
        top[f"linkinfo.{k}"] = v
    return top, data, slave


def compare_links(theirs: list[dict[str, Any]], before: list[Link], after: list[Link]) -> int:
    ctx = {lk.index: lk.name for lk in before}
    b = {lk.index: lk for lk in before}
    f = {lk.index: lk for lk in after}
    assert sorted(b) == sorted(x["ifindex"] for x in theirs) == sorted(f)
    errors: list[str] = []
    fields = 0
    for x in theirs:
        one, two = b[x["ifindex"]], f[x["ifindex"]]
        what = f"link {one.name}"
        top, data, slave = _flat_link(x)
        errors += compare(what, top, LINK, LINK_IGNORED, one, two, ctx)
        fields += len(top)
        if data or one.data is not None:
            table = DATA.get(type(one.data), {})
            errors += compare(f"{what} info_data", data, table, {}, one.data, two.data, ctx)
            fields += len(data)
        if slave or one.port is not None:
            assert isinstance(one.port, BridgePortInfo), what
            errors += compare(f"{what} info_slave_data", slave, PORT, {}, one.port, two.port, ctx)
            fields += len(slave)
    assert not errors, "\n".join(errors)
    return fields


# ---------------------------------------------------------------------------
# the namespace: every kind this kernel has

OTHER = "other"  # the veth peer's namespace, for link_netnsid


def _ip(ns: str, *cmds: str, optional: bool = False) -> None:
    for c in cmds:
        out = run("ip", "-n", ns, *c.split(), check=not optional)
        del out


def _build(ns: str, other: str) -> None:
    _ip(
        ns,
        "link add br0 type bridge mcast_querier 1 mcast_stats_enabled 1 no_linklocal_learn 1",
        "link add br1 type bridge stp_state 1 group_fwd_mask 8 mcast_snooping 0 "
        "mcast_igmp_version 3 mcast_mld_version 2 nf_call_iptables 1",
        "link add v0 type veth peer name v1",
        "link add v2 type veth peer name v3",
        f"link add vo type veth peer name vo-peer netns {other}",
        "link set v0 master br0",
        "link set v2 master br1",
        "link set dev v2 type bridge_slave proxy_arp_wifi on hairpin on mcast_router 2 "
        "group_fwd_mask 8 neigh_suppress on isolated on",
        "link add v4 type veth peer name v5",
        "link set v4 master br0",
        "link set v0 type bridge_slave backup_port v4",
        "link add mv0 link v1 type macvlan mode bridge",
        "link add mv1 link v3 type macvlan mode passthru nopromisc",
        "link add vx0 type vxlan id 42 dstport 4789 local 10.9.0.1",
        "link add vx1 type vxlan id 43 group 239.1.1.1 dev v1 ttl 10 tos 0x10 ageing 100 "
        "maxaddress 50 proxy l2miss l3miss noudpcsum dstport 0 srcport 1000 2000",
        "link add vx6 type vxlan id 44 remote 2001:db8::9 local 2001:db8::1 udp6zerocsumtx "
        "udp6zerocsumrx flowlabel 5 dstport 4790 df set",
        "link add vx2 type vxlan external dstport 4791 ttl inherit",
        "link add vx3 type vxlan id 45 dstport 4792 gbp remcsumtx remcsumrx df inherit",
        "tuntap add tun0 mode tun",
        "tuntap add tap0 mode tap user 65534 multi_queue",
        "link add ifb0 type ifb",
        "link set ifb0 alias the-ifb mtu 1400 txqlen 100 group 5",
        "link property add dev ifb0 altname ifb-alt",
        "link set dev tap0 addrgenmode none",
        "link set dev vx3 addrgenmode random",
    )
    for d in ("br0", "br1", "v0", "v1", "v2", "v3", "mv0", "vx0", "tun0", "vo", "lo"):
        _ip(ns, f"link set {d} up")
    _ip(
        ns,
        "addr add 10.1.0.1/24 dev br0 label br0:a",
        "addr add 10.1.1.1/24 dev br0 valid_lft 1000 preferred_lft 500",
        "addr add 10.1.0.9/24 dev br0",
        "addr add 10.1.2.1/24 brd + dev br0 metric 50",
        "addr add 2001:db8::1/64 dev br0 nodad",
        "addr add 2001:db8:1::1/64 dev br0 valid_lft 2000 preferred_lft 1000 noprefixroute",
        "addr add 2001:db8:2::1/64 dev br0 nodad home mngtmpaddr",
        "addr add 10.2.0.1 peer 10.2.0.2/32 dev tun0",
        "addr add 10.3.0.1/24 dev v1",
    )
    states = ("permanent", "stale", "reachable", "noarp", "delay", "probe", "failed")
    for i, st in enumerate(states, start=5):
        _ip(ns, f"neigh add 10.1.0.{i} lladdr 02:00:00:00:00:{i:02x} dev br0 nud {st}")
    _ip(
        ns,
        "neigh add 10.1.0.20 dev br0 nud incomplete",
        "neigh add proxy 10.1.0.50 dev br0",
        "neigh add proxy 2001:db8::50 dev br0",
        "neigh add 10.1.0.21 lladdr 02:00:00:00:00:21 dev br0 extern_learn",
        "neigh add 10.1.0.22 lladdr 02:00:00:00:00:22 dev br0 protocol 4",
        "neigh add 2001:db8::5 lladdr 02:00:00:00:00:05 dev br0 router nud permanent",
    )
    _ip(ns, "neigh add 10.1.0.23 dev br0 managed", optional=True)  # kernel 5.16+
    run("ip", "netns", "exec", ns, "bridge", "fdb", "add", "02:00:00:00:00:aa", "dev", "v0",
        "master", "static")  # fmt: skip
    run("ip", "netns", "exec", ns, "bridge", "fdb", "add", "02:00:00:00:00:cc", "dev", "vx0",
        "dst", "10.9.0.2", "self", "permanent")  # fmt: skip
    _ip(
        ns,
        "rule add from 10.1.0.0/24 table 100 priority 100",
        "rule add to 10.2.0.0/16 fwmark 0x5/0xff iif br0 oif v0 table 101 priority 101",
        "rule add not from 10.3.0.0/16 tos 0x10 table main suppress_prefixlen 8 priority 102",
        "rule add priority 103 blackhole",
        "rule add priority 104 unreachable",
        "rule add priority 105 prohibit",
        "rule add priority 106 goto 110",
        "rule add priority 110 nop",
        "rule add priority 107 uidrange 100-200 table 100",
        "rule add priority 108 ipproto tcp sport 1000-2000 dport 80 table 100",
        "rule add priority 109 realms 1/2 table 100 protocol static",
        "rule add priority 111 suppress_ifgroup 5 table 100",
        "rule add priority 113 from 10.1.2.3/8 table 100",
        "rule add priority 114 tun_id 7 table 100",
        "rule add priority 115 fwmark 0x9 table 100",
        "-6 rule add from 2001:db8::/32 table 200 priority 100",
    )
    _ip(ns, "rule add priority 112 l3mdev", optional=True)  # CONFIG_NET_L3_MASTER_DEV
    _ip(
        ns,
        "route add 10.50.0.0/16 via 10.1.0.5 dev br0 metric 10 proto static",
        "route add blackhole 10.51.0.0/16",
        "route add unreachable 10.52.0.0/16 table 100",
        "route add prohibit 10.53.0.0/16",
        "route add 10.54.0.0/16 dev br0 src 10.1.0.1 scope link mtu 1400 advmss 1300",
        "-6 route add 2001:db8:50::/48 via 2001:db8::5 dev br0 expires 300 pref high",
        "route add 10.55.0.0/16 nexthop via 10.1.0.5 dev br0 weight 2 nexthop via 10.1.0.6 dev br0",
        "route add 10.56.0.0/16 via inet6 2001:db8::5 dev br0",
        "route add 10.58.0.0/16 via 10.1.0.5 dev br0 onlink",
    )
    _ip(ns, "nexthop add id 5 via 10.1.0.5 dev br0", optional=True)
    _ip(ns, "route add 10.57.0.0/16 nhid 5", optional=True)


@pytest.fixture(scope="module")
def world() -> Iterator[tuple[Handle, str]]:
    """The namespace with everything (and the peer's), removed even on failure."""
    made: list[Any] = []
    try:
        for _ in range(2):
            made.append(netns.create(unique_name()))
        main, other = made
        _build(main.name, other.name)
        with Handle.open(netns=main) as h:
            yield h, main.name
    finally:
        for ns in made:
            ns.close()
            with contextlib.suppress(FileNotFoundError):
                netns.delete(ns.name)


def ip_j(ns: str, *args: str) -> Any:
    out = run("ip", "-n", ns, "-d", "-j", *args)
    return json.loads(out) if out.strip() else []


# ---------------------------------------------------------------------------
# the comparisons


def test_every_link_field_ip_prints(world: tuple[Handle, str]) -> None:
    h, ns = world
    before = link.dump(h)
    theirs = ip_j(ns, "link", "show")
    after = link.dump(h)
    kinds = {lk.kind for lk in before}
    assert kinds >= {"bridge", "veth", "macvlan", "vxlan", "tun", "ifb"}
    assert compare_links(theirs, before, after) > 500


def _ctx(h: Handle) -> Ctx:
    return {lk.index: lk.name for lk in link.dump(h)}


def test_every_address_field_ip_prints(world: tuple[Handle, str]) -> None:
    h, ns = world
    ctx = _ctx(h)
    before = {(x.index, str(x.address)): x for x in addr.dump(h)}
    theirs = ip_j(ns, "addr", "show")
    after = {(x.index, str(x.address)): x for x in addr.dump(h)}
    errors: list[str] = []
    seen = set()
    for obj in theirs:
        for info in obj["addr_info"]:
            key = (obj["ifindex"], f"{info['local']}/{info['prefixlen']}")
            seen.add(key)
            what = f"address {key[1]} dev {obj['ifname']}"
            errors += compare(what, info, ADDR, ADDR_IGNORED, before[key], after[key], ctx)
    assert not errors, "\n".join(errors)
    assert seen == set(before) == set(after)
    assert len(seen) >= 10


def _neigh_key(n: neigh.Neighbour, ctx: Ctx) -> tuple[str, str]:
    return (ctx.get(n.index, str(n.index)), str(n.dst))


def _compare_neighbours(ctx: Ctx, theirs: list[Any], before: Any, after: Any) -> list[str]:
    b = {_neigh_key(n, ctx): n for n in before}
    f = {_neigh_key(n, ctx): n for n in after}
    errors: list[str] = []
    for x in theirs:
        key = (x.get("dev", "0"), x["dst"])
        if key not in b or key not in f:
            continue  # came or went between the dumps (the kernel's own entries)
        errors += compare(f"neighbour {key}", x, NEIGH, {}, b[key], f[key], ctx)
    keys = {(x.get("dev", "0"), x["dst"]) for x in theirs}
    missing = (set(b) & set(f)) - keys
    assert not missing, f"rawns dumps neighbours ip does not: {missing}"
    return errors


def test_every_neighbour_field_ip_prints(world: tuple[Handle, str]) -> None:
    h, ns = world
    ctx = _ctx(h)
    before = neigh.dump(h)
    theirs = ip_j(ns, "-s", "neigh", "show", "nud", "all")
    after = neigh.dump(h)
    errors = _compare_neighbours(ctx, theirs, before, after)
    before = neigh.dump(h, proxy=True)
    theirs = ip_j(ns, "neigh", "show", "proxy")
    after = neigh.dump(h, proxy=True)
    errors += _compare_neighbours(ctx, theirs, before, after)
    assert not errors, "\n".join(errors)
    flags = {k for x in ip_j(ns, "neigh", "show", "nud", "all") for k in x}
    assert {"extern_learn", "router", "protocol"} <= flags


def test_every_rule_field_ip_prints(world: tuple[Handle, str]) -> None:
    h, ns = world
    errors: list[str] = []
    for fam, opt in (("inet", "-4"), ("inet6", "-6")):
        before = rule.dump(h, family=fam)
        theirs = ip_j(ns, opt, "rule", "show")
        after = rule.dump(h, family=fam)
        assert len(before) == len(theirs) == len(after)
        for one, x, two in zip(before, theirs, after, strict=True):
            errors += compare(f"rule {x['priority']}", x, RULE, {}, one, two, {})
    assert not errors, "\n".join(errors)


def _route_table() -> tuple[dict[str, Any], list[str]]:
    table: dict[str, Any] = dict(ROUTE)
    waiting = []
    fields = set(getattr(route.Route, "__slots__", ()))
    for key, (attr_name, view) in ROUTE_PENDING.items():
        if attr_name in fields:
            table[key] = view
        else:
            waiting.append(key)
    return table, waiting


def test_every_route_field_ip_prints(world: tuple[Handle, str]) -> None:
    h, ns = world
    ctx = _ctx(h)
    table, waiting = _route_table()
    ignored = {**ROUTE_IGNORED, **{k: "waits for rawns/route (engineer E)" for k in waiting}}
    errors: list[str] = []
    for fam, opt in ((socket.AF_INET, "-4"), (socket.AF_INET6, "-6")):
        before = route.dump(h, family=fam, table=None)
        theirs = ip_j(ns, opt, "route", "show", "table", "all")
        after = route.dump(h, family=fam, table=None)
        assert len(before) == len(theirs) == len(after), opt
        for one, x, two in zip(before, theirs, after, strict=True):
            what = f"route {x['dst']} table {x.get('table')}"
            errors += compare(what, x, table, ignored, one, two, ctx)
    assert not errors, "\n".join(errors)


def test_tables_name_real_attributes() -> None:
    """Each table's attribute names exist on the typed objects (a typo would read as None)."""
    for cls, table in ((BridgeInfo, _BR_SAME + _BR_NUMBERS), (BridgePortInfo, _PORT_SAME)):
        names = set(cls.__slots__)
        assert set(table) <= names, set(table) - names
    assert ipaddress  # (imported for the annotations of views)
