"""Linux bridges: the :class:`Bridge` spec, its ports' settings, and their typed views.

Times are in hundredths of a second (the kernel's clock_t at USER_HZ=100),
as ``ip link`` takes and ``ip -j -d link show`` prints them:
``forward_delay=1500`` is 15 s.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from typing import Any, ClassVar

from .. import _check
from .._rtnl import IFLA_BR, IFLA_BRPORT
from .._wire import NLA_TYPE_MASK, Writer, iter_attrs
from ..errors import DecodeError
from ._decode import register_info, register_port, register_port_settings
from ._spec import LinkSpec, PortSettings, Resolve, set_field
from ._types import Link, LinkInfo, PortInfo, mac_str

__all__ = ["Bridge", "BridgeInfo", "BridgePort", "BridgePortInfo"]

_U16 = struct.Struct("=H").unpack_from
_BE16 = struct.Struct(">H").unpack_from
_U32 = struct.Struct("=I").unpack_from

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

    kind: ClassVar[str] = "bridge"

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


@dataclass(frozen=True, slots=True, kw_only=True)
class BridgeInfo(LinkInfo):
    """A bridge's settings and STP state, as the kernel reports them (IFLA_BR_*)."""

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

    @property
    def stp(self) -> bool:
        """Kernel STP is on."""
        return bool(self.stp_state)


def parse_bridge_info(payload: bytes, start: int, end: int, top: Link) -> BridgeInfo:
    kw: dict[str, Any] = {}
    for t, a, b in iter_attrs(payload, start, end):
        t &= NLA_TYPE_MASK
        n = b - a
        if t == IFLA_BR.FORWARD_DELAY and n == 4:
            kw["forward_delay"] = _U32(payload, a)[0]
        elif t == IFLA_BR.HELLO_TIME and n == 4:
            kw["hello_time"] = _U32(payload, a)[0]
        elif t == IFLA_BR.MAX_AGE and n == 4:
            kw["max_age"] = _U32(payload, a)[0]
        elif t == IFLA_BR.AGEING_TIME and n == 4:
            kw["ageing_time"] = _U32(payload, a)[0]
        elif t == IFLA_BR.STP_STATE and n == 4:
            kw["stp_state"] = _U32(payload, a)[0]
        elif t == IFLA_BR.PRIORITY and n == 2:
            kw["priority"] = _U16(payload, a)[0]
        elif t == IFLA_BR.VLAN_FILTERING and n >= 1:
            kw["vlan_filtering"] = bool(payload[a])
        elif t == IFLA_BR.VLAN_PROTOCOL and n == 2:
            proto = _BE16(payload, a)[0]
            kw["vlan_protocol"] = _VLAN_PROTOCOL_NAMES.get(proto, f"{proto:#06x}")
        elif t == IFLA_BR.VLAN_DEFAULT_PVID and n == 2:
            kw["vlan_default_pvid"] = _U16(payload, a)[0]
        elif t == IFLA_BR.GROUP_FWD_MASK and n == 2:
            kw["group_fwd_mask"] = _U16(payload, a)[0]
        elif t == IFLA_BR.BRIDGE_ID and n == 8:
            kw["bridge_id"] = bridge_id(payload[a:b])
        elif t == IFLA_BR.ROOT_ID and n == 8:
            kw["root_id"] = bridge_id(payload[a:b])
        elif t == IFLA_BR.ROOT_PORT and n == 2:
            kw["root_port"] = _U16(payload, a)[0]
        elif t == IFLA_BR.ROOT_PATH_COST and n == 4:
            kw["root_path_cost"] = _U32(payload, a)[0]
        elif t == IFLA_BR.TOPOLOGY_CHANGE and n >= 1:
            kw["topology_change"] = bool(payload[a])
        elif t == IFLA_BR.TOPOLOGY_CHANGE_DETECTED and n >= 1:
            kw["topology_change_detected"] = bool(payload[a])
        elif t == IFLA_BR.GROUP_ADDR and n == 6:
            kw["group_addr"] = mac_str(payload[a:b])
        elif t == IFLA_BR.MCAST_SNOOPING and n >= 1:
            kw["mcast_snooping"] = bool(payload[a])
        elif t == IFLA_BR.MCAST_ROUTER and n >= 1:
            kw["mcast_router"] = payload[a]
        elif t == IFLA_BR.MCAST_QUERIER and n >= 1:
            kw["mcast_querier"] = bool(payload[a])
        elif t == IFLA_BR.NF_CALL_IPTABLES and n >= 1:
            kw["nf_call_iptables"] = bool(payload[a])
        elif t == IFLA_BR.NF_CALL_IP6TABLES and n >= 1:
            kw["nf_call_ip6tables"] = bool(payload[a])
        elif t == IFLA_BR.NF_CALL_ARPTABLES and n >= 1:
            kw["nf_call_arptables"] = bool(payload[a])
    return BridgeInfo(**kw)


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
    slave_kind: ClassVar[str] = "bridge_slave"

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


@dataclass(frozen=True, slots=True, kw_only=True)
class BridgePortInfo(PortInfo):
    """A bridge port's settings and STP state, as the kernel reports them (IFLA_BRPORT_*)."""

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


def parse_bridge_port(payload: bytes, start: int, end: int) -> BridgePortInfo:
    kw: dict[str, Any] = {}
    for t, a, b in iter_attrs(payload, start, end):
        t &= NLA_TYPE_MASK
        n = b - a
        hit = _PORT_BY_TYPE.get(t)
        if hit is not None and n >= 1:
            name, size = hit
            if t == IFLA_BRPORT.STATE:
                st = payload[a]
                kw["state"] = PORT_STATES[st] if st < len(PORT_STATES) else str(st)
            elif size == 4 and n == 4:
                kw[name] = _U32(payload, a)[0]
            elif size == 2 and n == 2:
                kw[name] = _U16(payload, a)[0]
            elif size == 0:
                kw[name] = bool(payload[a])
        elif t == IFLA_BRPORT.ID and n == 2:
            kw["id"] = _U16(payload, a)[0]
        elif t == IFLA_BRPORT.NO and n == 2:
            kw["no"] = _U16(payload, a)[0]
        elif t == IFLA_BRPORT.DESIGNATED_PORT and n == 2:
            kw["designated_port"] = _U16(payload, a)[0]
        elif t == IFLA_BRPORT.DESIGNATED_COST and n == 2:
            kw["designated_cost"] = _U16(payload, a)[0]
        elif t == IFLA_BRPORT.BRIDGE_ID and n == 8:
            kw["bridge_id"] = bridge_id(payload[a:b])
        elif t == IFLA_BRPORT.ROOT_ID and n == 8:
            kw["root_id"] = bridge_id(payload[a:b])
        elif t == IFLA_BRPORT.MULTICAST_ROUTER and n >= 1:
            kw["multicast_router"] = payload[a]
        elif t == IFLA_BRPORT.GROUP_FWD_MASK and n == 2:
            kw["group_fwd_mask"] = _U16(payload, a)[0]
        elif t == IFLA_BRPORT.BACKUP_PORT and n == 4:
            kw["backup_port"] = _U32(payload, a)[0]
    return BridgePortInfo(**kw)


register_info("bridge", parse_bridge_info)
register_port("bridge", parse_bridge_port)
register_port_settings(BridgePort._parse)
