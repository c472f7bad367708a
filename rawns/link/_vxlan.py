"""vxlan: Ethernet over UDP, to a remote endpoint or a multicast group."""

from __future__ import annotations

import ipaddress
import struct

from .. import _check
from .._dataclass import dataclass
from .._inet import to_address
from .._rtnl import IFLA_VXLAN
from .._wire import NLA_TYPE_MASK, Writer, iter_attrs
from ..errors import DecodeError
from ._decode import NestTable, Read, fixed_reader, register_info
from ._spec import LinkSpec, Resolve, set_field
from ._types import Link, LinkInfo, LinkRef, check_ref

TYPE_CHECKING = False  # not typing's: importing it costs (rawns._typing)
if TYPE_CHECKING:
    from typing import Any

__all__ = ["VXLAN_PORT", "Vxlan", "VxlanInfo"]

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

#: The IANA port for VXLAN. The kernel's own default (no IFLA_VXLAN_PORT) is 8472.
VXLAN_PORT = 4789
VNI_MAX = (1 << 24) - 1

_U32 = struct.Struct("=I").unpack_from
_BE16 = struct.Struct(">H").unpack_from
_BE32 = struct.Struct(">I").unpack_from
_RANGE = struct.Struct(">HH")

# u8 on/off options: (field, attribute), in the order rawns writes them.
_FLAGS: tuple[tuple[str, int], ...] = (
    ("proxy", IFLA_VXLAN.PROXY),
    ("l2miss", IFLA_VXLAN.L2MISS),
    ("l3miss", IFLA_VXLAN.L3MISS),
    ("udp_csum", IFLA_VXLAN.UDP_CSUM),
    ("external", IFLA_VXLAN.COLLECT_METADATA),
)


def _addr(value: object, what: str) -> IPAddress:
    if not isinstance(value, str | ipaddress.IPv4Address | ipaddress.IPv6Address):
        raise TypeError(
            f"{what} must be a str or an ipaddress address, "
            f"not {type(value).__name__}: {_check._show(value)}"
        )
    _check.no_zone(value, what)  # fe80::1%eth0: the zone would be dropped
    addr = to_address(value, what)
    if addr.is_unspecified:
        # The kernel reads 0.0.0.0 and :: as "none" and would not store it.
        raise ValueError(f"vxlan {what} {addr} is the unspecified address (none): leave it unset")
    return addr


@dataclass(frozen=True, slots=True, kw_only=True)
class Vxlan(LinkSpec):
    """A VXLAN device (``ip link add NAME type vxlan id VNI ...``).

    ``vni`` is 0..16777215 (required unless ``external``); ``remote`` a
    unicast peer or ``group`` a multicast group (which needs ``dev``);
    ``local`` the source address; ``dev`` the lower device; ``port`` the UDP
    destination port (default 4789, the IANA port; ``None`` sends none and
    the kernel uses 8472; ``0`` is refused); ``port_range`` the source port
    range, a ``(low, high)`` tuple of ports 1..65535 (``None`` sends none: the
    kernel's default range); ``ttl`` and
    ``tos`` 0..255; ``learning`` defaults to on (off with ``external``);
    ``ageing`` (seconds) and ``limit`` are u32. Addresses may be given as str
    and come back as :mod:`ipaddress` objects; an IPv6 zone id (``%eth0``) is
    refused, as netlink has no field for it (give the lower device as ``dev``),
    and so is ``0.0.0.0`` or ``::`` (the kernel's "none").
    """

    kind = "vxlan"

    vni: int | None = None
    remote: IPAddress | None = None
    group: IPAddress | None = None
    local: IPAddress | None = None
    dev: LinkRef | None = None
    port: int | None = VXLAN_PORT
    port_range: tuple[int, int] | None = None
    ttl: int | None = None
    tos: int | None = None
    learning: bool | None = None
    ageing: int | None = None
    limit: int | None = None
    proxy: bool | None = None
    l2miss: bool | None = None
    l3miss: bool | None = None
    udp_csum: bool | None = None
    external: bool | None = None

    def __post_init__(self) -> None:
        super(Vxlan, self).__post_init__()
        for f, _t in _FLAGS:
            if getattr(self, f) is not None:
                _check.boolean(getattr(self, f), f)
        if self.learning is not None:
            _check.boolean(self.learning, "learning")
        if self.vni is not None:
            _check.integer(self.vni, "vni", 0, VNI_MAX)
        elif not self.external:
            raise ValueError(f"vxlan {self.name!r} needs a vni (or external=True)")
        if self.external and self.vni is not None:
            raise ValueError("vxlan: external (collect metadata) and vni exclude each other")
        for f in ("remote", "group", "local"):
            if getattr(self, f) is not None:
                set_field(self, f, _addr(getattr(self, f), f))
        if self.remote is not None and self.group is not None:
            raise ValueError("vxlan: give remote (unicast) or group (multicast), not both")
        if self.remote is not None and self.remote.is_multicast:
            raise ValueError(f"vxlan remote {self.remote} is multicast; use group=")
        if self.group is not None:
            if not self.group.is_multicast:
                raise ValueError(f"vxlan group {self.group} is not a multicast address")
            if self.dev is None:
                raise ValueError("vxlan: a multicast group needs dev= (the lower device)")
        if self.local is not None and self.local.is_multicast:
            raise ValueError(f"vxlan local {self.local} is multicast")
        dst = self.remote or self.group
        if dst is not None and self.local is not None and dst.version != self.local.version:
            raise ValueError(f"vxlan: local {self.local} and {dst} are different IP versions")
        if self.dev is not None:
            check_ref(self.dev, "dev")
        # 0 is never a port: the kernel reads a 0 destination port as "its default"
        # (8472) and (0, 0) as "its default source range"; None says that plainly.
        if self.port is not None:
            _check.port(self.port, "port (None leaves the kernel's default, 8472)")
        if self.port_range is not None:
            if not isinstance(self.port_range, tuple) or len(self.port_range) != 2:
                raise TypeError(
                    f"port_range must be a (low, high) tuple, not {_check._show(self.port_range)}"
                )
            low, high = (
                _check.port(p, f"port_range {self.port_range} (None: the kernel's default range)")
                for p in self.port_range
            )
            if low > high:
                raise ValueError(f"port_range {self.port_range} has low > high")
        if self.ttl is not None:
            _check.uint(self.ttl, 8, "ttl")
        if self.tos is not None:
            _check.uint(self.tos, 8, "tos")
        if self.ageing is not None:
            _check.uint(self.ageing, 32, "ageing (seconds)")
        if self.limit is not None:
            _check.uint(self.limit, 32, "limit")
        # iproute2 always sends learning on create: on, unless external.
        if self.learning is None:
            set_field(self, "learning", not self.external)

    def refs(self) -> tuple[tuple[str, LinkRef], ...]:
        own = () if self.dev is None else (("dev", self.dev),)
        return (*super(Vxlan, self).refs(), *own)

    def _has_data(self) -> bool:
        return True

    def _put_data(self, w: Writer, resolve: Resolve) -> None:
        # iproute2 (ip/iplink_vxlan.c) writes options as it meets them, then
        # ID, LOCAL, GROUP, LEARNING and PORT last; rawns keeps that shape.
        if self.dev is not None:
            w.put_u32(IFLA_VXLAN.LINK, resolve(self.dev, "dev"))
        if self.ttl is not None:
            w.put_u8(IFLA_VXLAN.TTL, self.ttl)
        if self.tos is not None:
            w.put_u8(IFLA_VXLAN.TOS, self.tos)
        if self.ageing is not None:
            w.put_u32(IFLA_VXLAN.AGEING, self.ageing)
        if self.limit is not None:
            w.put_u32(IFLA_VXLAN.LIMIT, self.limit)
        if self.port_range is not None and any(self.port_range):
            w.put(IFLA_VXLAN.PORT_RANGE, _RANGE.pack(*self.port_range))
        for f, atype in _FLAGS:
            value = getattr(self, f)
            if value is not None:
                w.put_u8(atype, int(value))
        if self.vni is not None:
            w.put_u32(IFLA_VXLAN.ID, self.vni)
        if self.local is not None:
            v6 = self.local.version == 6
            w.put(IFLA_VXLAN.LOCAL6 if v6 else IFLA_VXLAN.LOCAL, self.local.packed)
        dst = self.remote or self.group
        if dst is not None:
            w.put(IFLA_VXLAN.GROUP6 if dst.version == 6 else IFLA_VXLAN.GROUP, dst.packed)
        w.put_u8(IFLA_VXLAN.LEARNING, int(bool(self.learning)))
        if self.port:
            w.put_be16(IFLA_VXLAN.PORT, self.port)

    @classmethod
    def _parse_data(
        cls, payload: bytes, start: int, end: int, top: dict[str, Any]
    ) -> dict[str, Any]:
        kw: dict[str, Any] = {"port": None}
        flags = {int(t): f for f, t in _FLAGS}
        for t, a, b in iter_attrs(payload, start, end):
            t &= NLA_TYPE_MASK
            if t == IFLA_VXLAN.LINK:
                kw["dev"] = _U32(payload, a)[0]
            elif t == IFLA_VXLAN.TTL:
                kw["ttl"] = payload[a]
            elif t == IFLA_VXLAN.TOS:
                kw["tos"] = payload[a]
            elif t == IFLA_VXLAN.AGEING:
                kw["ageing"] = _U32(payload, a)[0]
            elif t == IFLA_VXLAN.LIMIT:
                kw["limit"] = _U32(payload, a)[0]
            elif t == IFLA_VXLAN.PORT_RANGE:
                kw["port_range"] = _RANGE.unpack_from(payload, a)
            elif t in flags:
                kw[flags[t]] = bool(payload[a])
            elif t == IFLA_VXLAN.ID:
                kw["vni"] = _U32(payload, a)[0]
            elif t in (IFLA_VXLAN.LOCAL, IFLA_VXLAN.LOCAL6):
                kw["local"] = ipaddress.ip_address(payload[a:b])
            elif t in (IFLA_VXLAN.GROUP, IFLA_VXLAN.GROUP6):
                dst = ipaddress.ip_address(payload[a:b])
                kw["group" if dst.is_multicast else "remote"] = dst
            elif t == IFLA_VXLAN.LEARNING:
                kw["learning"] = bool(payload[a])
            elif t == IFLA_VXLAN.PORT:
                kw["port"] = _BE16(payload, a)[0]
            else:
                raise DecodeError(f"IFLA_VXLAN attribute {t} is not a Vxlan field", offset=a)
        return kw


@dataclass(frozen=True, slots=True, kw_only=True)
class VxlanInfo(LinkInfo):
    """A VXLAN device's settings as the kernel reports them (IFLA_VXLAN_*)."""

    vni: int | None = None
    remote: IPAddress | None = None
    group: IPAddress | None = None
    local: IPAddress | None = None
    link: int | None = None
    """The lower device's index (``dev``)."""
    port: int | None = None
    port_range: tuple[int, int] | None = None
    ttl: int | None = None
    tos: int | None = None
    label: int | None = None
    learning: bool | None = None
    ageing: int | None = None
    limit: int | None = None
    proxy: bool | None = None
    l2miss: bool | None = None
    l3miss: bool | None = None
    udp_csum: bool | None = None
    udp_zero_csum6_tx: bool | None = None
    udp_zero_csum6_rx: bool | None = None
    external: bool | None = None
    gbp: bool = False
    gpe: bool = False
    df: int | None = None
    """IFLA_VXLAN_DF: 0 unset, 1 set, 2 inherit (``ip -d``'s ``df``)."""
    rsc: bool | None = None
    remcsum_tx: bool | None = None
    remcsum_rx: bool | None = None
    remcsum_nopartial: bool = False
    ttl_inherit: bool | None = None
    """``ttl auto``: the outer TTL comes from the inner packet (``ttl`` is then unused)."""
    vnifilter: bool | None = None
    localbypass: bool | None = None
    """IFLA_VXLAN_LOCALBYPASS (kernel 6.8+)."""


IFLA_VXLAN_LOCALBYPASS = 31  # linux/if_link.h, newer than the generated constants
# u8 on/off values reported only (not settable through Vxlan), by attribute.
_MORE_FLAGS = {
    int(IFLA_VXLAN.RSC): "rsc",
    int(IFLA_VXLAN.REMCSUM_TX): "remcsum_tx",
    int(IFLA_VXLAN.REMCSUM_RX): "remcsum_rx",
    int(IFLA_VXLAN.TTL_INHERIT): "ttl_inherit",
    int(IFLA_VXLAN.VNIFILTER): "vnifilter",
    IFLA_VXLAN_LOCALBYPASS: "localbypass",
}


def _u8(payload: bytes, a: int, b: int) -> int | None:
    return payload[a] if b > a else None


def _flag(payload: bytes, a: int, b: int) -> bool | None:
    return bool(payload[a]) if b > a else None


def _u32(payload: bytes, a: int, b: int) -> int | None:
    return int(_U32(payload, a)[0]) if b - a == 4 else None


fixed_reader(_u8, "B", 1)
fixed_reader(_flag, "?", 1)
fixed_reader(_u32, "I", 4)


def _true(payload: bytes, a: int, b: int) -> bool:
    return True  # a flag attribute: present means on


def _link(payload: bytes, a: int, b: int) -> int | None:
    return int(_U32(payload, a)[0]) or None if b - a == 4 else None


def _port(payload: bytes, a: int, b: int) -> int | None:
    return int(_BE16(payload, a)[0]) if b - a == 2 else None


def _port_range(payload: bytes, a: int, b: int) -> tuple[int, int] | None:
    return _RANGE.unpack_from(payload, a) if b - a == 4 else None


def _label(payload: bytes, a: int, b: int) -> int | None:
    return int(_BE32(payload, a)[0]) if b - a == 4 else None


def _local(payload: bytes, a: int, b: int) -> IPAddress | None:
    if b - a not in (4, 16):
        return None
    src = ipaddress.ip_address(payload[a:b])
    return None if src.is_unspecified else src


#: (field, reader) by IFLA_VXLAN_* attribute: what VxlanInfo holds as it comes.
_READS: dict[int, tuple[str, Read]] = {
    IFLA_VXLAN.ID: ("vni", _u32),
    IFLA_VXLAN.LOCAL: ("local", _local),
    IFLA_VXLAN.LOCAL6: ("local", _local),
    IFLA_VXLAN.LINK: ("link", _link),
    IFLA_VXLAN.PORT: ("port", _port),
    IFLA_VXLAN.PORT_RANGE: ("port_range", _port_range),
    IFLA_VXLAN.TTL: ("ttl", _u8),
    IFLA_VXLAN.TOS: ("tos", _u8),
    IFLA_VXLAN.LABEL: ("label", _label),
    IFLA_VXLAN.LEARNING: ("learning", _flag),
    IFLA_VXLAN.AGEING: ("ageing", _u32),
    IFLA_VXLAN.LIMIT: ("limit", _u32),
    IFLA_VXLAN.PROXY: ("proxy", _flag),
    IFLA_VXLAN.L2MISS: ("l2miss", _flag),
    IFLA_VXLAN.L3MISS: ("l3miss", _flag),
    IFLA_VXLAN.UDP_CSUM: ("udp_csum", _flag),
    IFLA_VXLAN.UDP_ZERO_CSUM6_TX: ("udp_zero_csum6_tx", _flag),
    IFLA_VXLAN.UDP_ZERO_CSUM6_RX: ("udp_zero_csum6_rx", _flag),
    IFLA_VXLAN.COLLECT_METADATA: ("external", _flag),
    IFLA_VXLAN.GBP: ("gbp", _true),
    IFLA_VXLAN.GPE: ("gpe", _true),
    IFLA_VXLAN.DF: ("df", _u8),
    IFLA_VXLAN.REMCSUM_NOPARTIAL: ("remcsum_nopartial", _true),
    **{t: (name, _flag) for t, name in _MORE_FLAGS.items()},
}


def _destination(payload: bytes, a: int, b: int, values: list[Any]) -> None:
    """IFLA_VXLAN_GROUP/GROUP6: a multicast group, or else the remote endpoint."""
    if b - a in (4, 16):
        dst = ipaddress.ip_address(payload[a:b])
        if not dst.is_unspecified:
            values[_GROUP if dst.is_multicast else _REMOTE] = dst


_TABLE = NestTable(
    VxlanInfo,
    _READS,
    {IFLA_VXLAN.GROUP: _destination, IFLA_VXLAN.GROUP6: _destination},
    ("group", "remote"),
)
_GROUP, _REMOTE = _TABLE.index("group"), _TABLE.index("remote")


def parse_vxlan_info(payload: bytes, start: int, end: int, top: Link) -> VxlanInfo:
    info: VxlanInfo = _TABLE.decode(payload, start, end)
    return info


register_info("vxlan", parse_vxlan_info, _TABLE)
