"""Linux bridges: the :class:`Bridge` spec, its ports' settings, and their typed views.

Times are in hundredths of a second (the kernel's clock_t at USER_HZ=100),
as ``ip link`` takes and ``ip -j -d link show`` prints them:
``forward_delay=1500`` is 15 s.
"""

from __future__ import annotations

import struct
from collections.abc import Callable
from ipaddress import IPv4Address, IPv6Address
from typing import Any

from .. import _check
from .._dataclass import dataclass, field
from .._rtnl import IFLA_BR, IFLA_BRPORT
from .._wire import NLA_TYPE_MASK, Writer, iter_attrs
from ..errors import DecodeError
from ._decode import (
    NestTable,
    fixed_reader,
    register_info,
    register_port,
    register_port_settings,
)
from ._spec import LinkSpec, PortSettings, Resolve, set_field
from ._types import Link, LinkInfo, PortInfo, mac_str

__all__ = ["Bridge", "BridgeInfo", "BridgePort", "BridgePortInfo"]

_U16 = struct.Struct("=H").unpack_from
_BE16 = struct.Struct(">H").unpack_from
_U32 = struct.Struct("=I").unpack_from
_U64 = struct.Struct("=Q").unpack_from

_VLAN_PROTOCOLS = {"802.1Q": 0x8100, "802.1ad": 0x88A8}
_VLAN_PROTOCOL_NAMES = {v: k for k, v in _VLAN_PROTOCOLS.items()}
_PROTOCOL_SPELLINGS = {k.lower(): k for k in _VLAN_PROTOCOLS}  # "802.1AD" is "802.1ad"
VLAN_PVID_MAX = 4094  # VLAN_VID_MASK - 1: 4095 is reserved (net/bridge/br_vlan.c)

# STP port states (linux/if_bridge.h BR_STATE_*), as ``ip -d`` names them.
PORT_STATES = ("disabled", "listening", "learning", "forwarding", "blocking")


@dataclass(frozen=True, slots=True, kw_only=True)
class Bridge(LinkSpec):
    """A Linux bridge (``ip link add NAME type bridge ...``); ``None`` keeps the kernel default.

    ``stp`` turns on kernel STP; ``forward_delay``, ``hello_time``,
    ``max_age`` and ``ageing_time`` are in hundredths of a second;
    ``priority`` is the bridge priority (0..65535); ``vlan_filtering`` and
    ``vlan_protocol`` (``"802.1Q"``/``"802.1ad"``) and ``vlan_default_pvid``
    (0..4094) control VLAN awareness; ``mcast_snooping`` IGMP/MLD snooping.
    Timers are u32 (0..4294967295); the kernel refuses values outside its
    STP ranges itself (:class:`~rawns.errors.InvalidArgument`).
    """

    kind = "bridge"

    stp: bool | None = None
    forward_delay: int | None = None
    hello_time: int | None = None
    max_age: int | None = None
    ageing_time: int | None = None
    priority: int | None = None
    vlan_filtering: bool | None = None
    vlan_protocol: str | None = None
    mcast_snooping: bool | None = None
    vlan_default_pvid: int | None = None

    def __post_init__(self) -> None:
        super(Bridge, self).__post_init__()
        for f in ("stp", "vlan_filtering", "mcast_snooping"):
            if getattr(self, f) is not None:
                _check.boolean(getattr(self, f), f)
        for f in ("forward_delay", "hello_time", "max_age", "ageing_time"):
            if getattr(self, f) is not None:
                _check.uint(getattr(self, f), 32, f"{f} (hundredths of a second)")
        if self.priority is not None:
            _check.uint(self.priority, 16, "priority")
        if self.vlan_default_pvid is not None:
            _check.integer(self.vlan_default_pvid, "vlan_default_pvid", 0, VLAN_PVID_MAX)
        if self.vlan_protocol is not None:
            v = self.vlan_protocol
            proto = _PROTOCOL_SPELLINGS.get(v.lower()) if isinstance(v, str) else None
            if proto is None:
                _check.choice(v, "vlan_protocol", _VLAN_PROTOCOLS)  # raises, naming v
            set_field(self, "vlan_protocol", proto)

    def _has_data(self) -> bool:
        return any(
            getattr(self, f) is not None
            for f in (
                "stp",
                "forward_delay",
                "hello_time",
                "max_age",
                "ageing_time",
                "priority",
                "vlan_filtering",
                "vlan_protocol",
                "mcast_snooping",
                "vlan_default_pvid",
            )
        )

    def _put_data(self, w: Writer, resolve: Resolve) -> None:
        # iproute2 writes these in the order given on the command line;
        # rawns uses IFLA_BR_* number order (the golden command does too).
        if self.forward_delay is not None:
            w.put_u32(IFLA_BR.FORWARD_DELAY, self.forward_delay)
        if self.hello_time is not None:
            w.put_u32(IFLA_BR.HELLO_TIME, self.hello_time)
        if self.max_age is not None:
            w.put_u32(IFLA_BR.MAX_AGE, self.max_age)
        if self.ageing_time is not None:
            w.put_u32(IFLA_BR.AGEING_TIME, self.ageing_time)
        if self.stp is not None:
            w.put_u32(IFLA_BR.STP_STATE, int(self.stp))
        if self.priority is not None:
            w.put_u16(IFLA_BR.PRIORITY, self.priority)
        if self.vlan_filtering is not None:
            w.put_u8(IFLA_BR.VLAN_FILTERING, int(self.vlan_filtering))
        if self.vlan_protocol is not None:
            w.put_be16(IFLA_BR.VLAN_PROTOCOL, _VLAN_PROTOCOLS[self.vlan_protocol])
        if self.mcast_snooping is not None:
            w.put_u8(IFLA_BR.MCAST_SNOOPING, int(self.mcast_snooping))
        if self.vlan_default_pvid is not None:
            w.put_u16(IFLA_BR.VLAN_DEFAULT_PVID, self.vlan_default_pvid)

    @classmethod
    def _parse_data(
        cls, payload: bytes, start: int, end: int, top: dict[str, Any]
    ) -> dict[str, Any]:
        kw: dict[str, Any] = {}
        for t, a, _b in iter_attrs(payload, start, end):
            t &= NLA_TYPE_MASK
            if t == IFLA_BR.FORWARD_DELAY:
                kw["forward_delay"] = _U32(payload, a)[0]
            elif t == IFLA_BR.HELLO_TIME:
                kw["hello_time"] = _U32(payload, a)[0]
            elif t == IFLA_BR.MAX_AGE:
                kw["max_age"] = _U32(payload, a)[0]
            elif t == IFLA_BR.AGEING_TIME:
                kw["ageing_time"] = _U32(payload, a)[0]
            elif t == IFLA_BR.STP_STATE:
                kw["stp"] = bool(_U32(payload, a)[0])
            elif t == IFLA_BR.PRIORITY:
                kw["priority"] = _U16(payload, a)[0]
            elif t == IFLA_BR.VLAN_FILTERING:
                kw["vlan_filtering"] = bool(payload[a])
            elif t == IFLA_BR.VLAN_PROTOCOL:
                kw["vlan_protocol"] = _VLAN_PROTOCOL_NAMES.get(_BE16(payload, a)[0])
            elif t == IFLA_BR.MCAST_SNOOPING:
                kw["mcast_snooping"] = bool(payload[a])
            elif t == IFLA_BR.VLAN_DEFAULT_PVID:
                kw["vlan_default_pvid"] = _U16(payload, a)[0]
            else:
                raise DecodeError(f"IFLA_BR attribute {t} is not a Bridge field", offset=a)
        return kw


def bridge_id(raw: bytes) -> str:
    """struct ifla_bridge_id as ``8000.02:00:0a:00:00:01``: the priority as 4 hex
    digits, a dot, the MAC with two digits a byte as rawns prints every MAC.

    ``ip -d`` prints the MAC part with ether_ntoa(3), without leading zeros
    (``8000.2:0:a:0:0:1``; iproute2 ip/iplink_bridge.c: br_dump_bridge_id);
    the priority part is the same. sysfs' ``bridge/bridge_id`` has no colons.
    """
    return f"{raw[:2].hex()}.{mac_str(raw[2:8])}"


# Readers of one attribute's value: (payload, start, end) -> the value, or None
# when the size is not the kernel's (the attribute is then skipped, as before).
Reader = Callable[[bytes, int, int], Any]


def _flag(payload: bytes, a: int, b: int) -> bool | None:
    return bool(payload[a]) if b > a else None


def _byte(payload: bytes, a: int, b: int) -> int | None:
    return payload[a] if b > a else None


def _u16(payload: bytes, a: int, b: int) -> int | None:
    return int(_U16(payload, a)[0]) if b - a == 2 else None


def _u32(payload: bytes, a: int, b: int) -> int | None:
    return int(_U32(payload, a)[0]) if b - a == 4 else None


def _u64(payload: bytes, a: int, b: int) -> int | None:
    return int(_U64(payload, a)[0]) if b - a == 8 else None


def _id(payload: bytes, a: int, b: int) -> str | None:
    return bridge_id(payload[a:b]) if b - a == 8 else None


def _mac(payload: bytes, a: int, b: int) -> str | None:
    return mac_str(payload[a:b]) if b - a == 6 else None


# Each gives struct's value of its code at the start, when it gives one.
fixed_reader(_flag, "?", 1)
fixed_reader(_byte, "B", 1)
fixed_reader(_u16, "H", 2)
fixed_reader(_u32, "I", 4)
fixed_reader(_u64, "Q", 8)


def _vlan_protocol(payload: bytes, a: int, b: int) -> str | None:
    if b - a != 2:
        return None
    proto = _BE16(payload, a)[0]
    return _VLAN_PROTOCOL_NAMES.get(proto, f"{proto:#06x}")


# linux/if_bridge.h: IFLA_BR_* and IFLA_BRPORT_* newer than the generated
# constants (uapi 6.1), as kernel 6.18 sends them.
IFLA_BR_FDB_N_LEARNED = 48
IFLA_BR_FDB_MAX_LEARNED = 49
IFLA_BRPORT_MAB = 40
IFLA_BRPORT_MCAST_N_GROUPS = 41
IFLA_BRPORT_MCAST_MAX_GROUPS = 42
IFLA_BRPORT_NEIGH_VLAN_SUPPRESS = 43
IFLA_BRPORT_BACKUP_NHID = 44

# IFLA_BR_MULTI_BOOLOPT (struct br_boolopt_multi: u32 optval, u32 optmask):
# BR_BOOLOPT_* bit numbers, by BridgeInfo field.
_BOOLOPTS = (("no_linklocal_learn", 0), ("mcast_vlan_snooping", 1), ("mst_enabled", 2))
_BOOLOPT = struct.Struct("=II").unpack_from

# IFLA_BR_MCAST_QUERIER_STATE's nest (linux/if_bridge.h: BRIDGE_QUERIER_*).
_QUERIER_IP_ADDRESS, _QUERIER_IP_PORT, _QUERIER_IP_OTHER_TIMER = 1, 2, 3
_QUERIER_IPV6_ADDRESS, _QUERIER_IPV6_PORT, _QUERIER_IPV6_OTHER_TIMER = 5, 6, 7

#: (field, attribute, reader): the IFLA_BR_* values BridgeInfo holds as they
#: come, in IFLA_BR_* number order. A unit test checks each field exists.
_BR_VALUES: tuple[tuple[str, int, Reader], ...] = (
    ("forward_delay", IFLA_BR.FORWARD_DELAY, _u32),
    ("hello_time", IFLA_BR.HELLO_TIME, _u32),
    ("max_age", IFLA_BR.MAX_AGE, _u32),
    ("ageing_time", IFLA_BR.AGEING_TIME, _u32),
    ("stp_state", IFLA_BR.STP_STATE, _u32),
    ("priority", IFLA_BR.PRIORITY, _u16),
    ("vlan_filtering", IFLA_BR.VLAN_FILTERING, _flag),
    ("vlan_protocol", IFLA_BR.VLAN_PROTOCOL, _vlan_protocol),
    ("group_fwd_mask", IFLA_BR.GROUP_FWD_MASK, _u16),
    ("root_id", IFLA_BR.ROOT_ID, _id),
    ("bridge_id", IFLA_BR.BRIDGE_ID, _id),
    ("root_port", IFLA_BR.ROOT_PORT, _u16),
    ("root_path_cost", IFLA_BR.ROOT_PATH_COST, _u32),
    ("topology_change", IFLA_BR.TOPOLOGY_CHANGE, _flag),
    ("topology_change_detected", IFLA_BR.TOPOLOGY_CHANGE_DETECTED, _flag),
    ("hello_timer", IFLA_BR.HELLO_TIMER, _u64),
    ("tcn_timer", IFLA_BR.TCN_TIMER, _u64),
    ("topology_change_timer", IFLA_BR.TOPOLOGY_CHANGE_TIMER, _u64),
    ("gc_timer", IFLA_BR.GC_TIMER, _u64),
    ("group_addr", IFLA_BR.GROUP_ADDR, _mac),
    ("mcast_router", IFLA_BR.MCAST_ROUTER, _byte),
    ("mcast_snooping", IFLA_BR.MCAST_SNOOPING, _flag),
    ("mcast_query_use_ifaddr", IFLA_BR.MCAST_QUERY_USE_IFADDR, _flag),
    ("mcast_querier", IFLA_BR.MCAST_QUERIER, _flag),
    ("mcast_hash_elasticity", IFLA_BR.MCAST_HASH_ELASTICITY, _u32),
    ("mcast_hash_max", IFLA_BR.MCAST_HASH_MAX, _u32),
    ("mcast_last_member_cnt", IFLA_BR.MCAST_LAST_MEMBER_CNT, _u32),
    ("mcast_startup_query_cnt", IFLA_BR.MCAST_STARTUP_QUERY_CNT, _u32),
    ("mcast_last_member_intvl", IFLA_BR.MCAST_LAST_MEMBER_INTVL, _u64),
    ("mcast_membership_intvl", IFLA_BR.MCAST_MEMBERSHIP_INTVL, _u64),
    ("mcast_querier_intvl", IFLA_BR.MCAST_QUERIER_INTVL, _u64),
    ("mcast_query_intvl", IFLA_BR.MCAST_QUERY_INTVL, _u64),
    ("mcast_query_response_intvl", IFLA_BR.MCAST_QUERY_RESPONSE_INTVL, _u64),
    ("mcast_startup_query_intvl", IFLA_BR.MCAST_STARTUP_QUERY_INTVL, _u64),
    ("nf_call_iptables", IFLA_BR.NF_CALL_IPTABLES, _flag),
    ("nf_call_ip6tables", IFLA_BR.NF_CALL_IP6TABLES, _flag),
    ("nf_call_arptables", IFLA_BR.NF_CALL_ARPTABLES, _flag),
    ("vlan_default_pvid", IFLA_BR.VLAN_DEFAULT_PVID, _u16),
    ("vlan_stats_enabled", IFLA_BR.VLAN_STATS_ENABLED, _flag),
    ("mcast_stats_enabled", IFLA_BR.MCAST_STATS_ENABLED, _flag),
    ("mcast_igmp_version", IFLA_BR.MCAST_IGMP_VERSION, _byte),
    ("mcast_mld_version", IFLA_BR.MCAST_MLD_VERSION, _byte),
    ("vlan_stats_per_port", IFLA_BR.VLAN_STATS_PER_PORT, _flag),
    ("fdb_n_learned", IFLA_BR_FDB_N_LEARNED, _u32),
    ("fdb_max_learned", IFLA_BR_FDB_MAX_LEARNED, _u32),
)


@dataclass(frozen=True, slots=True, kw_only=True)
class BridgeInfo(LinkInfo):
    """A bridge's settings and STP state, as the kernel reports them (IFLA_BR_*).

    Times and timers are in hundredths of a second, as the kernel sends them
    (``ip -d`` prints the ``*_timer`` ones in seconds: ``gc_timer`` 8 is 0.08).
    ``no_linklocal_learn``, ``mcast_vlan_snooping`` and ``mst_enabled`` come
    from IFLA_BR_MULTI_BOOLOPT; the ``mcast_querier_*`` fields from
    IFLA_BR_MCAST_QUERIER_STATE (the querier currently elected, if any).
    Timers and the learned-entry count change between two dumps, so they are
    not compared (``==``), as :class:`~rawns.neigh.Neighbour`'s ``cacheinfo``.
    """

    forward_delay: int | None = None
    hello_time: int | None = None
    max_age: int | None = None
    ageing_time: int | None = None
    stp_state: int | None = None
    priority: int | None = None
    vlan_filtering: bool | None = None
    vlan_protocol: str | None = None
    vlan_default_pvid: int | None = None
    group_fwd_mask: int | None = None
    bridge_id: str | None = None
    """This bridge's id, ``8000.02:00:0a:00:00:01`` (priority, MAC; see :func:`bridge_id`)."""
    root_id: str | None = None
    """The STP root bridge's id, in the same form as :attr:`bridge_id`."""
    root_port: int | None = None
    root_path_cost: int | None = None
    topology_change: bool | None = None
    topology_change_detected: bool | None = None
    group_addr: str | None = None
    mcast_snooping: bool | None = None
    mcast_router: int | None = None
    mcast_querier: bool | None = None
    nf_call_iptables: bool | None = None
    nf_call_ip6tables: bool | None = None
    nf_call_arptables: bool | None = None
    hello_timer: int | None = field(default=None, compare=False)
    tcn_timer: int | None = field(default=None, compare=False)
    topology_change_timer: int | None = field(default=None, compare=False)
    gc_timer: int | None = field(default=None, compare=False)
    mcast_query_use_ifaddr: bool | None = None
    mcast_hash_elasticity: int | None = None
    mcast_hash_max: int | None = None
    mcast_last_member_cnt: int | None = None
    mcast_startup_query_cnt: int | None = None
    mcast_last_member_intvl: int | None = None
    mcast_membership_intvl: int | None = None
    mcast_querier_intvl: int | None = None
    mcast_query_intvl: int | None = None
    mcast_query_response_intvl: int | None = None
    mcast_startup_query_intvl: int | None = None
    vlan_stats_enabled: bool | None = None
    mcast_stats_enabled: bool | None = None
    mcast_igmp_version: int | None = None
    mcast_mld_version: int | None = None
    vlan_stats_per_port: bool | None = None
    no_linklocal_learn: bool | None = None
    mcast_vlan_snooping: bool | None = None
    mst_enabled: bool | None = None
    fdb_n_learned: int | None = field(default=None, compare=False)
    fdb_max_learned: int | None = None
    mcast_querier_ipv4_addr: IPv4Address | None = None
    mcast_querier_ipv4_port: int | None = None
    mcast_querier_ipv4_other_timer: int | None = field(default=None, compare=False)
    mcast_querier_ipv6_addr: IPv6Address | None = None
    mcast_querier_ipv6_port: int | None = None
    mcast_querier_ipv6_other_timer: int | None = field(default=None, compare=False)

    @property
    def stp(self) -> bool:
        """Kernel STP is on."""
        return bool(self.stp_state)


def _boolopts(payload: bytes, a: int, b: int, values: list[Any]) -> None:
    """IFLA_BR_MULTI_BOOLOPT: the options its mask says it reports."""
    if b - a == 8:
        value, mask = _BOOLOPT(payload, a)
        for i, bit in _BOOLOPT_AT:
            if mask >> bit & 1:
                values[i] = bool(value >> bit & 1)


def _querier_state(payload: bytes, a: int, b: int, values: list[Any]) -> None:
    """IFLA_BR_MCAST_QUERIER_STATE: the elected IGMP/MLD querier, per family."""
    for qt, c, d in iter_attrs(payload, a, b):
        qt &= NLA_TYPE_MASK
        if qt == _QUERIER_IP_ADDRESS and d - c == 4:
            values[_Q_IPV4_ADDR] = IPv4Address(payload[c:d])
        elif qt == _QUERIER_IPV6_ADDRESS and d - c == 16:
            values[_Q_IPV6_ADDR] = IPv6Address(payload[c:d])
        elif qt in (_QUERIER_IP_PORT, _QUERIER_IPV6_PORT) and d - c == 4:
            values[_Q_IPV4_PORT if qt == _QUERIER_IP_PORT else _Q_IPV6_PORT] = _U32(payload, c)[0]
        elif qt in (_QUERIER_IP_OTHER_TIMER, _QUERIER_IPV6_OTHER_TIMER) and d - c == 8:
            v4 = qt == _QUERIER_IP_OTHER_TIMER
            values[_Q_IPV4_TIMER if v4 else _Q_IPV6_TIMER] = _U64(payload, c)[0]


_BR_TABLE = NestTable(
    BridgeInfo,
    {t: (f, read) for f, t, read in _BR_VALUES},
    {IFLA_BR.MULTI_BOOLOPT: _boolopts, IFLA_BR.MCAST_QUERIER_STATE: _querier_state},
    (
        *(name for name, _bit in _BOOLOPTS),
        *(f"mcast_querier_ipv{v}_{x}" for v in (4, 6) for x in ("addr", "port", "other_timer")),
    ),
)
_BOOLOPT_AT = tuple((_BR_TABLE.index(name), bit) for name, bit in _BOOLOPTS)
_Q_IPV4_ADDR, _Q_IPV4_PORT, _Q_IPV4_TIMER = (
    _BR_TABLE.index(f"mcast_querier_ipv4_{x}") for x in ("addr", "port", "other_timer")
)
_Q_IPV6_ADDR, _Q_IPV6_PORT, _Q_IPV6_TIMER = (
    _BR_TABLE.index(f"mcast_querier_ipv6_{x}") for x in ("addr", "port", "other_timer")
)


def parse_bridge_info(payload: bytes, start: int, end: int, top: Link) -> BridgeInfo:
    info: BridgeInfo = _BR_TABLE.decode(payload, start, end)
    return info


# ---------------------------------------------------------------------------
# ports

# (field, attribute, size): the bridge-port settings rawns can change, in
# IFLA_BRPORT_* number order. Flags are u8 0/1; size says otherwise.
_PORT_FIELDS: tuple[tuple[str, int, int], ...] = (
    ("state", IFLA_BRPORT.STATE, 1),
    ("priority", IFLA_BRPORT.PRIORITY, 2),
    ("cost", IFLA_BRPORT.COST, 4),
    ("hairpin", IFLA_BRPORT.MODE, 0),
    ("guard", IFLA_BRPORT.GUARD, 0),
    ("root_block", IFLA_BRPORT.PROTECT, 0),
    ("fast_leave", IFLA_BRPORT.FAST_LEAVE, 0),
    ("learning", IFLA_BRPORT.LEARNING, 0),
    ("flood", IFLA_BRPORT.UNICAST_FLOOD, 0),
    ("proxy_arp", IFLA_BRPORT.PROXYARP, 0),
    ("mcast_flood", IFLA_BRPORT.MCAST_FLOOD, 0),
    ("mcast_to_unicast", IFLA_BRPORT.MCAST_TO_UCAST, 0),
    ("vlan_tunnel", IFLA_BRPORT.VLAN_TUNNEL, 0),
    ("bcast_flood", IFLA_BRPORT.BCAST_FLOOD, 0),
    ("neigh_suppress", IFLA_BRPORT.NEIGH_SUPPRESS, 0),
    ("isolated", IFLA_BRPORT.ISOLATED, 0),
    ("locked", IFLA_BRPORT.LOCKED, 0),
)
_PORT_BY_TYPE = {int(t): (f, size) for f, t, size in _PORT_FIELDS}


@dataclass(frozen=True, slots=True, kw_only=True)
class BridgePort(PortSettings):
    """Bridge-port settings to change on a port (``None`` leaves one as it is).

    Used as ``link.set(h, "veth0", port=BridgePort(hairpin=True, isolated=True))``,
    equivalent to ``ip link set dev veth0 type bridge_slave hairpin on isolated on``.
    ``state`` is an STP port state (0..4, see ``PORT_STATES``), ``priority``
    0..63 and ``cost`` 1..65535 are STP values (net/bridge/br_private.h); the rest are on/off flags.
    """

    #: IFLA_INFO_KIND iproute2 sends for port settings ("bridge_slave"; the
    #: kernel routes IFLA_INFO_SLAVE_DATA by the port's current master).
    slave_kind = "bridge_slave"

    state: int | None = None
    priority: int | None = None
    cost: int | None = None
    hairpin: bool | None = None
    guard: bool | None = None
    root_block: bool | None = None
    fast_leave: bool | None = None
    learning: bool | None = None
    flood: bool | None = None
    proxy_arp: bool | None = None
    mcast_flood: bool | None = None
    mcast_to_unicast: bool | None = None
    vlan_tunnel: bool | None = None
    bcast_flood: bool | None = None
    neigh_suppress: bool | None = None
    isolated: bool | None = None
    locked: bool | None = None

    def __post_init__(self) -> None:
        if self.state is not None:
            _check.integer(self.state, "state", 0, len(PORT_STATES) - 1)
        if self.priority is not None:
            _check.integer(self.priority, "priority", 0, 63)
        if self.cost is not None:
            _check.integer(self.cost, "cost", 1, 0xFFFF)
        for name, _t, size in _PORT_FIELDS:
            value = getattr(self, name)
            if size == 0 and value is not None:
                _check.boolean(value, name)
        if all(getattr(self, f) is None for f, _t, _s in _PORT_FIELDS):
            raise ValueError("BridgePort() with no setting would change nothing")

    def _put(self, w: Writer) -> None:
        """The attributes inside IFLA_INFO_SLAVE_DATA."""
        for name, atype, size in _PORT_FIELDS:
            value = getattr(self, name)
            if value is None:
                continue
            if size == 4:
                w.put_u32(atype, value)
            elif size == 2:
                w.put_u16(atype, value)
            else:
                w.put_u8(atype, int(value))

    @classmethod
    def _parse(cls, payload: bytes, start: int, end: int) -> BridgePort:
        """The reverse of :meth:`_put` (for :func:`rawns.link.parse_set`)."""
        kw: dict[str, Any] = {}
        for t, a, _b in iter_attrs(payload, start, end):
            hit = _PORT_BY_TYPE.get(t & NLA_TYPE_MASK)
            if hit is None:
                raise DecodeError(f"IFLA_BRPORT attribute {t} is not a BridgePort field", offset=a)
            name, size = hit
            if size == 4:
                kw[name] = _U32(payload, a)[0]
            elif size == 2:
                kw[name] = _U16(payload, a)[0]
            elif size == 1:
                kw[name] = payload[a]
            else:
                kw[name] = bool(payload[a])
        return cls(**kw)


#: (field, attribute, reader): report-only IFLA_BRPORT_* values BridgePortInfo
#: holds as they come (the settable ones are in _PORT_FIELDS).
_PORT_VALUES: tuple[tuple[str, int, Reader], ...] = (
    ("proxy_arp_wifi", IFLA_BRPORT.PROXYARP_WIFI, _flag),
    ("root_id", IFLA_BRPORT.ROOT_ID, _id),
    ("bridge_id", IFLA_BRPORT.BRIDGE_ID, _id),
    ("designated_port", IFLA_BRPORT.DESIGNATED_PORT, _u16),
    ("designated_cost", IFLA_BRPORT.DESIGNATED_COST, _u16),
    ("id", IFLA_BRPORT.ID, _u16),
    ("no", IFLA_BRPORT.NO, _u16),
    ("topology_change_ack", IFLA_BRPORT.TOPOLOGY_CHANGE_ACK, _byte),
    ("config_pending", IFLA_BRPORT.CONFIG_PENDING, _byte),
    ("message_age_timer", IFLA_BRPORT.MESSAGE_AGE_TIMER, _u64),
    ("forward_delay_timer", IFLA_BRPORT.FORWARD_DELAY_TIMER, _u64),
    ("hold_timer", IFLA_BRPORT.HOLD_TIMER, _u64),
    ("multicast_router", IFLA_BRPORT.MULTICAST_ROUTER, _byte),
    ("group_fwd_mask", IFLA_BRPORT.GROUP_FWD_MASK, _u16),
    ("backup_port", IFLA_BRPORT.BACKUP_PORT, _u32),
    ("mrp_ring_open", IFLA_BRPORT.MRP_RING_OPEN, _flag),
    ("mrp_in_open", IFLA_BRPORT.MRP_IN_OPEN, _flag),
    ("mcast_eht_hosts_limit", IFLA_BRPORT.MCAST_EHT_HOSTS_LIMIT, _u32),
    ("mcast_eht_hosts_cnt", IFLA_BRPORT.MCAST_EHT_HOSTS_CNT, _u32),
    ("mab", IFLA_BRPORT_MAB, _flag),
    ("mcast_n_groups", IFLA_BRPORT_MCAST_N_GROUPS, _u32),
    ("mcast_max_groups", IFLA_BRPORT_MCAST_MAX_GROUPS, _u32),
    ("neigh_vlan_suppress", IFLA_BRPORT_NEIGH_VLAN_SUPPRESS, _flag),
    ("backup_nhid", IFLA_BRPORT_BACKUP_NHID, _u32),
)


@dataclass(frozen=True, slots=True, kw_only=True)
class BridgePortInfo(PortInfo):
    """A bridge port's settings and STP state, as the kernel reports them (IFLA_BRPORT_*).

    Timers are in hundredths of a second (``ip -d`` prints them in seconds).
    They and the group/host counts change between two dumps, so they are not
    compared (``==``).
    """

    state: str | None = None
    """STP state: ``disabled``, ``listening``, ``learning``, ``forwarding``, ``blocking``."""
    priority: int | None = None
    cost: int | None = None
    hairpin: bool | None = None
    guard: bool | None = None
    root_block: bool | None = None
    fast_leave: bool | None = None
    learning: bool | None = None
    flood: bool | None = None
    proxy_arp: bool | None = None
    mcast_flood: bool | None = None
    mcast_to_unicast: bool | None = None
    vlan_tunnel: bool | None = None
    bcast_flood: bool | None = None
    neigh_suppress: bool | None = None
    isolated: bool | None = None
    locked: bool | None = None
    id: int | None = None
    no: int | None = None
    designated_port: int | None = None
    designated_cost: int | None = None
    bridge_id: str | None = None
    """The designated bridge's id, ``8000.02:00:0a:00:00:01`` (see :func:`bridge_id`)."""
    root_id: str | None = None
    """The STP root bridge's id, in the same form."""
    multicast_router: int | None = None
    group_fwd_mask: int | None = None
    backup_port: int | None = None
    proxy_arp_wifi: bool | None = None
    topology_change_ack: int | None = None
    config_pending: int | None = None
    message_age_timer: int | None = field(default=None, compare=False)
    forward_delay_timer: int | None = field(default=None, compare=False)
    hold_timer: int | None = field(default=None, compare=False)
    mrp_ring_open: bool | None = None
    mrp_in_open: bool | None = None
    mcast_eht_hosts_limit: int | None = None
    mcast_eht_hosts_cnt: int | None = field(default=None, compare=False)
    mab: bool | None = None
    mcast_n_groups: int | None = field(default=None, compare=False)
    mcast_max_groups: int | None = None
    neigh_vlan_suppress: bool | None = None
    backup_nhid: int | None = None


def _port_state(payload: bytes, a: int, b: int) -> str | None:
    if b <= a:
        return None
    st = payload[a]
    return PORT_STATES[st] if st < len(PORT_STATES) else str(st)


_SIZED: dict[int, Reader] = {4: _u32, 2: _u16, 0: _flag}
_PORT_TABLE = NestTable(
    BridgePortInfo,
    {
        **{t: (f, read) for f, t, read in _PORT_VALUES},
        **{t: (f, _SIZED[size]) for f, t, size in _PORT_FIELDS if size in _SIZED},
        IFLA_BRPORT.STATE: ("state", _port_state),
    },
)


def parse_bridge_port(payload: bytes, start: int, end: int) -> BridgePortInfo:
    info: BridgePortInfo = _PORT_TABLE.decode(payload, start, end)
    return info


register_info("bridge", parse_bridge_info, _BR_TABLE)
register_port("bridge", parse_bridge_port, _PORT_TABLE)
register_port_settings(BridgePort._parse)
