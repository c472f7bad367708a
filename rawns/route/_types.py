"""Route values: :class:`Route`, :class:`Nexthop`, ``ip``'s defaults, error labels."""

from __future__ import annotations

import struct
from collections.abc import Iterable
from dataclasses import dataclass, field

from .._inet import (
    AF_INET,
    AF_INET6,
    IPAddress,
    IPNetwork,
    family_of,
    to_address,
    to_network,
)
from .._rtnl import RT_SCOPE, RT_TABLE, RTA, RTAX, RTMSG, RTN, RTNH_F, RTPROT
from .._wire import NLA_TYPE_MASK, Attr

# Plain ints for the hot loop: comparing against IntEnum members costs a
# method call each time.
_RTA_DST = int(RTA.DST)
_RTA_SRC = int(RTA.SRC)
_RTA_IIF = int(RTA.IIF)
_RTA_OIF = int(RTA.OIF)
_RTA_GATEWAY = int(RTA.GATEWAY)
_RTA_PRIORITY = int(RTA.PRIORITY)
_RTA_PREFSRC = int(RTA.PREFSRC)
_RTA_METRICS = int(RTA.METRICS)
_RTA_MULTIPATH = int(RTA.MULTIPATH)
_RTA_TABLE = int(RTA.TABLE)
_RTA_PREF = int(RTA.PREF)
_RTA_MARK = int(RTA.MARK)
_RTAX_MTU = int(RTAX.MTU)
_RTAX_CC_ALGO = int(RTAX.CC_ALGO)
_RTNH_F_ONLINK = int(RTNH_F.ONLINK)
_RT_TABLE_MAIN = int(RT_TABLE.MAIN)
_RT_TABLE_LOCAL = int(RT_TABLE.LOCAL)
_NLA_TYPE_MASK = NLA_TYPE_MASK

_RTMSG_SIZE = RTMSG.size
_NLA = struct.Struct("=HH")
_U32 = struct.Struct("=I")
_BE32 = struct.Struct(">I")
_RTNEXTHOP = struct.Struct("=HBBi")  # rtnh_len, rtnh_flags, rtnh_hops, rtnh_ifindex

_V4_HOST_ROUTE_TYPES = (int(RTN.LOCAL), int(RTN.NAT))
_LINK_SCOPE_TYPES = (int(RTN.BROADCAST), int(RTN.MULTICAST), int(RTN.ANYCAST))
_LOCAL_TABLE_TYPES = (int(RTN.LOCAL), int(RTN.BROADCAST), int(RTN.NAT), int(RTN.ANYCAST))
_UNICAST_LIKE = (int(RTN.UNICAST), int(RTN.UNSPEC))


# ---------------------------------------------------------------------------
# Values


@dataclass(init=False, frozen=True, slots=True)
class Nexthop:
    """One path of a multipath route (``nexthop via GW dev DEV weight W``)."""

    gateway: IPAddress | None
    oif: int | None
    """Output interface index (``dev``), or None."""
    weight: int
    """1..256; the kernel stores ``weight - 1`` in ``rtnh_hops``."""
    flags: int
    """RTNH_F_* (ONLINK, DEAD, LINKDOWN...)."""
    attrs: tuple[Attr, ...] = field(compare=False, repr=False)
    """Nested attributes not decoded above (RTA_FLOW, RTA_VIA...), raw."""

    def __init__(
        self,
        *,
        gateway: str | IPAddress | None = None,
        oif: int | None = None,
        weight: int = 1,
        flags: int = 0,
        onlink: bool = False,
        attrs: tuple[Attr, ...] = (),
    ) -> None:
        gw = None if gateway is None else to_address(gateway, "nexthop gateway")
        if isinstance(weight, bool) or not isinstance(weight, int) or not 1 <= weight <= 256:
            raise ValueError(f"nexthop weight must be an int in 1..256, not {weight!r}")
        _check_index(oif, "nexthop oif")
        _set = object.__setattr__
        _set(self, "gateway", gw)
        _set(self, "oif", oif)
        _set(self, "weight", weight)
        _set(self, "flags", int(flags) | (_RTNH_F_ONLINK if onlink else 0))
        _set(self, "attrs", tuple(attrs))

    @property
    def onlink(self) -> bool:
        return bool(self.flags & _RTNH_F_ONLINK)


@dataclass(init=False, frozen=True, slots=True)
class Route:
    """A route, as ``ip route`` shows it and as you ask ``ip route add`` for it.

    Built by hand, every argument is keyword-only and may be a ``str`` or an
    :mod:`ipaddress` value; ``ip``'s defaults fill the rest::

        >>> r = Route(dst="10.1.0.0/16", gateway="192.168.15.5")
        >>> r.dst, r.gateway, r.table, r.protocol, r.scope
        (IPv4Network('10.1.0.0/16'), IPv4Address('192.168.15.5'), 254, 3, 0)
        >>> Route(dst="default", gateway="fe80::1").dst
        IPv6Network('::/0')
        >>> Route(dst="10.2.0.0/24", oif=2).scope  # no gateway: link scope, as ip
        253

    Mixed families (an IPv4 destination via an IPv6 gateway) and IPv6-only
    fields on IPv4 routes raise :class:`ValueError`.
    """

    family: int
    """AF_INET (2) or AF_INET6 (10)."""
    dst: IPNetwork
    """Destination prefix; ``0.0.0.0/0`` or ``::/0`` for the default route."""
    gateway: IPAddress | None
    """RTA_GATEWAY (``via``)."""
    oif: int | None
    """RTA_OIF: the output interface index (``dev``)."""
    prefsrc: IPAddress | None
    """RTA_PREFSRC: the preferred source address (``ip route add ... src``)."""
    metric: int | None
    """RTA_PRIORITY (``metric``); None when the kernel reports none."""
    table: int
    """Routing table id (254 main, 255 local); RTA_TABLE when present."""
    protocol: int
    """RTPROT_* (3 boot, 4 static, 2 kernel...)."""
    scope: int
    """RT_SCOPE_* (0 universe, 253 link, 254 host)."""
    type: int
    """RTN_* (1 unicast, 2 local, 6 blackhole, 7 unreachable, 8 prohibit...)."""
    flags: int
    """rtm_flags: RTNH_F_ONLINK, RTNH_F_LINKDOWN, RTM_F_CLONED..."""
    tos: int
    src: IPNetwork | None
    """RTA_SRC: source prefix of a source-specific route (``ip route add ... from``)."""
    iif: int | None
    """RTA_IIF: input interface index (policy lookups, ``ip route get ... iif``)."""
    metrics: tuple[tuple[int, int | bytes], ...]
    """RTA_METRICS as ``(RTAX_*, value)`` pairs; see :attr:`mtu`."""
    nexthops: tuple[Nexthop, ...]
    """RTA_MULTIPATH paths; empty for a single-path route."""
    pref: int | None
    """RTA_PREF: IPv6 router preference (0 medium, 1 high, 3 low)."""
    attrs: tuple[Attr, ...] = field(compare=False, repr=False)
    """Attributes not decoded above (RTA_CACHEINFO, RTA_UID, RTA_EXPIRES...), raw."""

    def __init__(
        self,
        *,
        dst: str | IPNetwork | IPAddress,
        gateway: str | IPAddress | None = None,
        oif: int | None = None,
        prefsrc: str | IPAddress | None = None,
        metric: int | None = None,
        table: int | None = None,
        protocol: int = RTPROT.BOOT,
        scope: int | None = None,
        type: int = RTN.UNICAST,
        flags: int = 0,
        onlink: bool = False,
        tos: int = 0,
        src: str | IPNetwork | IPAddress | None = None,
        iif: int | None = None,
        mtu: int | None = None,
        metrics: Iterable[tuple[int, int | bytes]] = (),
        nexthops: Iterable[Nexthop] = (),
        pref: int | None = None,
        family: int = 0,
        attrs: tuple[Attr, ...] = (),
    ) -> None:
        fam = int(family)
        if fam not in (0, AF_INET, AF_INET6):
            raise ValueError(f"route family must be AF_INET or AF_INET6, not {family!r}")
        # Infer the family from whatever addresses are given, checking they agree.
        gw = prs = None
        d_norm: IPNetwork | None = None
        if not (isinstance(dst, str) and dst in ("default", "all", "any")):
            d_norm = to_network(dst, "route dst", fam or None)
            fam = family_of(d_norm)
        if gateway is not None:
            gw = to_address(gateway, "route gateway", fam or None)
            fam = family_of(gw)
        if prefsrc is not None:
            prs = to_address(prefsrc, "route prefsrc", fam or None)
            fam = family_of(prs)
        s_norm = None
        if src is not None:
            s_norm = to_network(src, "route src (from)", fam or None)
            fam = family_of(s_norm)
        hops = tuple(nexthops)
        for nh in hops:
            if not isinstance(nh, Nexthop):
                raise TypeError(f"nexthops must hold Nexthop values, not {nh!r}")
            if nh.gateway is not None:
                to_address(nh.gateway, "nexthop gateway", fam or None)
                fam = family_of(nh.gateway)
        fam = fam or AF_INET  # ip's default family
        if d_norm is None:
            d_norm = to_network(dst, "route dst", fam)
        if pref is not None and fam != AF_INET6:
            raise ValueError(f"route pref (RTA_PREF) is IPv6-only; {d_norm} is IPv4")
        for name, v in (("metric", metric), ("table", table), ("oif", oif), ("iif", iif)):
            if v is not None and (
                isinstance(v, bool) or not isinstance(v, int) or not 0 <= v <= 0xFFFFFFFF
            ):
                raise ValueError(f"route {name} must be an int in 0..4294967295, not {v!r}")
        for name, v in (("protocol", protocol), ("type", type), ("tos", tos)):
            if isinstance(v, bool) or not isinstance(v, int) or not 0 <= v <= 255:
                raise ValueError(f"route {name} must be an int in 0..255, not {v!r}")
        rtype = int(type)
        if table is None:
            table = _RT_TABLE_LOCAL if rtype in _LOCAL_TABLE_TYPES else _RT_TABLE_MAIN
        if scope is None:
            scope = _default_scope(fam, rtype, gw is not None or bool(hops), delete=False)
        if isinstance(scope, bool) or not isinstance(scope, int) or not 0 <= scope <= 255:
            raise ValueError(f"route scope must be an int in 0..255, not {scope!r}")
        if isinstance(flags, bool) or not isinstance(flags, int) or not 0 <= flags <= 0xFFFFFFFF:
            raise ValueError(f"route flags must be an int in 0..4294967295, not {flags!r}")
        mx = [(int(t), v) for t, v in metrics if int(t) != _RTAX_MTU or mtu is None]
        if mtu is not None:
            if isinstance(mtu, bool) or not isinstance(mtu, int) or mtu <= 0:
                raise ValueError(f"route mtu must be a positive int, not {mtu!r}")
            mx.append((_RTAX_MTU, mtu))
            mx.sort(key=lambda m: m[0])
        _set = object.__setattr__
        _set(self, "family", fam)
        _set(self, "dst", d_norm)
        _set(self, "gateway", gw)
        _set(self, "oif", oif)
        _set(self, "prefsrc", prs)
        _set(self, "metric", metric)
        _set(self, "table", int(table))
        _set(self, "protocol", int(protocol))
        _set(self, "scope", int(scope))
        _set(self, "type", rtype)
        _set(self, "flags", int(flags) | (_RTNH_F_ONLINK if onlink else 0))
        _set(self, "tos", int(tos))
        _set(self, "src", s_norm)
        _set(self, "iif", iif)
        _set(self, "metrics", tuple(mx))
        _set(self, "nexthops", hops)
        _set(self, "pref", pref)
        _set(self, "attrs", tuple(attrs))

    @property
    def mtu(self) -> int | None:
        """RTAX_MTU from :attr:`metrics` (``ip route add ... mtu N``)."""
        for t, v in self.metrics:
            if t == _RTAX_MTU and isinstance(v, int):
                return v
        return None

    @property
    def onlink(self) -> bool:
        return bool(self.flags & _RTNH_F_ONLINK)

    @property
    def is_default(self) -> bool:
        return self.dst.prefixlen == 0


def _check_index(v: object, what: str) -> None:
    if v is not None and (isinstance(v, bool) or not isinstance(v, int) or v <= 0):
        raise ValueError(f"{what} must be a positive interface index, not {v!r}")


def _default_scope(family: int, rtype: int, has_gateway: bool, *, delete: bool) -> int:
    """The scope ``ip route`` picks when none is given (iproute2 ip/iproute.c)."""
    if family == AF_INET6:
        return int(RT_SCOPE.UNIVERSE)
    if rtype in _V4_HOST_ROUTE_TYPES:
        return int(RT_SCOPE.HOST)
    if rtype in _LINK_SCOPE_TYPES:
        return int(RT_SCOPE.LINK)
    if rtype in _UNICAST_LIKE:
        if delete:
            return int(RT_SCOPE.NOWHERE)
        if not has_gateway:
            return int(RT_SCOPE.LINK)
    return int(RT_SCOPE.UNIVERSE)


def label(route: Route) -> str:
    """``ip route`` syntax for a route, for error messages: ``10.1.0.0/16 via 10.0.0.1``."""
    parts = [_dst_text(route.dst)]
    if route.type not in _UNICAST_LIKE:
        try:
            parts.insert(0, RTN(route.type).name.lower())
        except ValueError:
            parts.insert(0, f"type {route.type}")
    if route.gateway is not None:
        parts.append(f"via {route.gateway}")
    if route.oif is not None:
        parts.append(f"dev #{route.oif}")
    for nh in route.nexthops:
        parts.append(
            "nexthop"
            + (f" via {nh.gateway}" if nh.gateway is not None else "")
            + (f" dev #{nh.oif}" if nh.oif is not None else "")
            + (f" weight {nh.weight}" if nh.weight != 1 else "")
        )
    if route.table not in (_RT_TABLE_MAIN, 0):
        parts.append(f"table {route.table}")
    if route.metric is not None:
        parts.append(f"metric {route.metric}")
    return " ".join(parts)


def _dst_text(dst: IPNetwork) -> str:
    return "default" if dst.prefixlen == 0 else str(dst)
