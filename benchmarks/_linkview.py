"""One link as ``ip -d -j link show`` spells it, from each backend's objects (W5, W5V).

The comparison keys follow tests/privileged/test_ip_fields.py (which maps every key ``ip -d
-j`` prints to rawns' typed attributes); the values are normalised to ip's spelling. Timers
and counters that move between dumps (the bridge's ``*_timer``, ``carrier_changes``) are not
compared; every backend still produces them (see :func:`materialize`).
"""

from __future__ import annotations

import dataclasses
import operator
import types
from typing import Any

#: ``ip -d -j``'s top-level keys compared, and the kind data keys per kind.
TOP = (
    "ifindex", "ifname", "flags", "mtu", "qdisc", "operstate", "linkmode", "group", "txqlen",
    "link_type", "address", "broadcast", "master", "link", "promiscuity", "allmulti",
    "min_mtu", "max_mtu", "num_tx_queues", "num_rx_queues", "gso_max_size", "gso_max_segs",
    "tso_max_size", "tso_max_segs", "gro_max_size", "info_kind", "info_slave_kind",
)  # fmt: skip
DATA = {
    "bridge": ("forward_delay", "hello_time", "max_age", "ageing_time", "stp_state", "priority",
               "vlan_filtering", "root_path_cost", "mcast_snooping"),
    "vxlan": ("id", "port", "learning", "ageing", "udp_csum"),
    "macvlan": ("mode",),
    "tun": ("type", "pi", "vnet_hdr", "persist", "multi_queue"),
}  # fmt: skip

_IFF = (
    (0x1, "UP"), (0x2, "BROADCAST"), (0x4, "DEBUG"), (0x8, "LOOPBACK"), (0x10, "POINTOPOINT"),
    (0x20, "NOTRAILERS"), (0x80, "NOARP"), (0x100, "PROMISC"), (0x200, "ALLMULTI"),
    (0x400, "MASTER"), (0x800, "SLAVE"), (0x1000, "MULTICAST"), (0x2000, "PORTSEL"),
    (0x4000, "AUTOMEDIA"), (0x8000, "DYNAMIC"), (0x10000, "LOWER_UP"), (0x20000, "DORMANT"),
    (0x40000, "ECHO"),
)  # fmt: skip
_LINK_TYPES = {1: "ether", 772: "loopback", 65534: "none"}
_MACVLAN_MODES = {1: "private", 2: "vepa", 4: "bridge", 8: "passthru", 16: "source"}
_TUN_TYPES = {1: "tun", 2: "tap"}


def _flags(flags: int) -> list[str]:
    """ip's flag list: RUNNING is not printed, NO-CARRIER is (iproute2 print_link_flags)."""
    names = {n for bit, n in _IFF if flags & bit}
    if flags & 0x1 and not flags & 0x40:
        names.add("NO-CARRIER")
    return sorted(names)


def _clean(view: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in view.items() if v is not None}


# ---------------------------------------------------------------------------
# ip -d -j


def from_ip(x: dict[str, Any]) -> dict[str, Any]:
    info = x.get("linkinfo", {})
    view = {k: x.get(k) for k in TOP if k not in ("flags", "info_kind", "info_slave_kind")}
    # M-DOWN: ip derives it from *another* link's flags (the lower/peer device is down).
    view["flags"] = sorted(set(x.get("flags", [])) - {"M-DOWN"})
    view["info_kind"] = info.get("info_kind")
    view["info_slave_kind"] = info.get("info_slave_kind")
    if "link_netnsid" in x or "link_index" in x:
        view["link"] = None
    data = info.get("info_data") or {}
    for k in DATA.get(info.get("info_kind", ""), ()):
        v = data.get(k)
        view[f"data.{k}"] = int(v) if isinstance(v, bool) else v
    return _clean(view)


# ---------------------------------------------------------------------------
# rawns

_LAZY: dict[type, tuple[str, ...]] = {}
_READERS: dict[type, Any] = {}


def _readable(cls: type) -> tuple[str, ...]:
    """Every field, property and slot attribute of ``cls`` (raw-layer views excepted)."""
    names = _LAZY.get(cls)
    if names is None:
        fields = [f.name for f in dataclasses.fields(cls)] if dataclasses.is_dataclass(cls) else []
        more = [
            n
            for klass in cls.__mro__
            for n, v in vars(klass).items()
            if isinstance(v, (property, types.MemberDescriptorType))
            and not n.startswith("_")
            and n not in ("attrs", "info_data", "slave_data")
        ]
        names = _LAZY[cls] = tuple(dict.fromkeys([*fields, *more]))
    return names


def _reader(cls: type) -> Any:
    """One call that reads every name of :func:`_readable` (``operator.attrgetter``)."""
    read = _READERS.get(cls)
    if read is None:
        read = _READERS[cls] = operator.attrgetter(*_readable(cls))
    return read


def materialize(links: list[Any]) -> None:
    """Read every field and property of each Link, its kind data and port data.

    Each read goes through the class's own attribute lookup (a property runs, a lazy
    detail decodes); the loop itself is one ``attrgetter`` call per object, so what
    is timed is rawns' work, not this loop's.
    """
    for lk in links:
        _reader(type(lk))(lk)
        for sub in (lk.data, lk.port):
            if sub is not None:
                _reader(type(sub))(sub)


def from_rawns(lk: Any, names: dict[int, str]) -> dict[str, Any]:
    peer = None
    if lk.link is not None and lk.link_netnsid is None:
        peer = names.get(lk.link)
    view: dict[str, Any] = {
        "ifindex": lk.index, "ifname": lk.name, "flags": _flags(lk.flags), "mtu": lk.mtu,
        "qdisc": lk.qdisc, "operstate": lk.operstate,
        "linkmode": None if lk.linkmode is None else {0: "DEFAULT", 1: "DORMANT"}[lk.linkmode],
        "group": None if lk.group is None else ("default" if lk.group == 0 else str(lk.group)),
        "txqlen": lk.txqlen, "link_type": _LINK_TYPES.get(lk.type, str(lk.type)),
        "address": lk.mac, "broadcast": lk.broadcast,
        "master": None if lk.master is None else names.get(lk.master), "link": peer,
        "promiscuity": lk.promiscuity, "allmulti": lk.allmulti, "min_mtu": lk.min_mtu,
        "max_mtu": lk.max_mtu, "num_tx_queues": lk.num_tx_queues,
        "num_rx_queues": lk.num_rx_queues, "gso_max_size": lk.gso_max_size,
        "gso_max_segs": lk.gso_max_segs, "tso_max_size": lk.tso_max_size,
        "tso_max_segs": lk.tso_max_segs, "gro_max_size": lk.gro_max_size,
        "info_kind": lk.kind, "info_slave_kind": lk.slave_kind,
    }  # fmt: skip
    d = lk.data
    for k in DATA.get(lk.kind or "", ()) if d is not None else ():
        attr = {"id": "vni"}.get(k, k) if lk.kind == "vxlan" else k
        v = getattr(d, attr, None)
        view[f"data.{k}"] = int(v) if isinstance(v, bool) else v
    return _clean(view)


# ---------------------------------------------------------------------------
# pyroute2 (its messages: ``get_attr``/``get`` by NLA name)


def from_pyroute2(m: Any, names: dict[int, str]) -> dict[str, Any]:
    def g(n: str) -> Any:
        return m.get_attr(n)

    info = g("IFLA_LINKINFO")
    kind = info.get_attr("IFLA_INFO_KIND") if info else None
    slave = info.get_attr("IFLA_INFO_SLAVE_KIND") if info else None
    link, master = g("IFLA_LINK"), g("IFLA_MASTER")
    linkmode, group = g("IFLA_LINKMODE"), g("IFLA_GROUP")
    view: dict[str, Any] = {
        "ifindex": m["index"], "ifname": g("IFLA_IFNAME"), "flags": _flags(m["flags"]),
        "mtu": g("IFLA_MTU"), "qdisc": g("IFLA_QDISC"), "operstate": g("IFLA_OPERSTATE"),
        "linkmode": None if linkmode is None else {0: "DEFAULT", 1: "DORMANT"}[linkmode],
        "group": None if group is None else ("default" if group == 0 else str(group)),
        "txqlen": g("IFLA_TXQLEN"), "link_type": _LINK_TYPES.get(m["ifi_type"]),
        "address": g("IFLA_ADDRESS"), "broadcast": g("IFLA_BROADCAST"),
        "master": None if master is None else names.get(master),
        "link": None if link is None or g("IFLA_LINK_NETNSID") is not None else names.get(link),
        "promiscuity": g("IFLA_PROMISCUITY"), "allmulti": g("IFLA_ALLMULTI"),
        "min_mtu": g("IFLA_MIN_MTU"), "max_mtu": g("IFLA_MAX_MTU"),
        "num_tx_queues": g("IFLA_NUM_TX_QUEUES"), "num_rx_queues": g("IFLA_NUM_RX_QUEUES"),
        "gso_max_size": g("IFLA_GSO_MAX_SIZE"), "gso_max_segs": g("IFLA_GSO_MAX_SEGS"),
        "tso_max_size": g("IFLA_TSO_MAX_SIZE"), "tso_max_segs": g("IFLA_TSO_MAX_SEGS"),
        "gro_max_size": g("IFLA_GRO_MAX_SIZE"), "info_kind": kind, "info_slave_kind": slave,
    }  # fmt: skip
    data = info.get_attr("IFLA_INFO_DATA") if info else None
    prefix = {"bridge": "IFLA_BR_", "vxlan": "IFLA_VXLAN_", "macvlan": "IFLA_MACVLAN_",
              "tun": "IFLA_TUN_"}.get(kind or "")  # fmt: skip
    for k in DATA.get(kind or "", ()) if data is not None and prefix else ():
        v = data.get_attr(prefix + k.upper())
        if kind == "macvlan" and k == "mode":
            v = _MACVLAN_MODES.get(v, v)
        elif kind == "tun" and k == "type":
            v = _TUN_TYPES.get(v, v)
        view[f"data.{k}"] = int(v) if isinstance(v, bool) else v
    return _clean(view)
