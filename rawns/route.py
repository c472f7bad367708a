"""Routes (``ip route``): add, replace, delete, dump, get (lookup) and bulk add.

:class:`Route` is both what the kernel reports and what you ask for: its
constructor takes ``str`` or :mod:`ipaddress` values and fills in the
defaults ``ip route add`` uses (table main, protocol boot, type unicast, and
scope link for a route without a gateway). Each verb has a pure twin
(:func:`build_add`, :func:`build_delete`, ...) that returns the request bytes.

Decoding is the hot path of big dumps (100,000 routes should take well under
half a second), so :func:`parse_route` makes one pass over the attributes with
module-level int constants and ``unpack_from`` at offsets, shares gateway and
source address objects through a cache, and fills the frozen result without
going through its validating constructor.
"""

from __future__ import annotations

import struct
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from ipaddress import IPv4Address, IPv4Network, IPv6Address, IPv6Network
from itertools import islice
from typing import TYPE_CHECKING, cast, overload

from ._inet import (
    AF_INET,
    AF_INET6,
    IPAddress,
    IPNetwork,
    addr_from_bytes,
    family_of,
    to_address,
    to_network,
)
from ._rtnl import NLM_F, RT_SCOPE, RT_TABLE, RTA, RTAX, RTM, RTM_F, RTMSG, RTN, RTNH_F, RTPROT
from ._wire import NLA_TYPE_MASK, Attr, Writer, iter_attrs
from .errors import DecodeError, KernelError, NotFound

if TYPE_CHECKING:
    from .handle import Handle
    from .link import LinkRef

__all__ = [
    "Nexthop",
    "Route",
    "add",
    "add_many",
    "build_add",
    "build_delete",
    "build_dump",
    "build_get",
    "build_replace",
    "delete",
    "dump",
    "get",
    "parse_route",
    "replace",
]

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
            if v is not None and (isinstance(v, bool) or not isinstance(v, int) or v < 0):
                raise ValueError(f"route {name} must be a non-negative int, not {v!r}")
        for name, v in (("protocol", protocol), ("type", type), ("tos", tos)):
            if isinstance(v, bool) or not isinstance(v, int) or not 0 <= v <= 255:
                raise ValueError(f"route {name} must be an int in 0..255, not {v!r}")
        rtype = int(type)
        if table is None:
            table = _RT_TABLE_LOCAL if rtype in _LOCAL_TABLE_TYPES else _RT_TABLE_MAIN
        if scope is None:
            scope = _default_scope(fam, rtype, gw is not None or bool(hops), delete=False)
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


# ---------------------------------------------------------------------------
# Decoding (the hot path)

_new = object.__new__
_setattr = object.__setattr__


def _setter(cls: type, name: str) -> Callable[[object, object], None]:
    # The slot descriptor's own __set__: a frozen dataclass refuses setattr,
    # and its __init__ validates; decoded values are already well formed.
    return cast("Callable[[object, object], None]", cls.__dict__[name].__set__)


_n_gateway = _setter(Nexthop, "gateway")
_n_oif = _setter(Nexthop, "oif")
_n_weight = _setter(Nexthop, "weight")
_n_flags = _setter(Nexthop, "flags")
_n_attrs = _setter(Nexthop, "attrs")

#: Route's slots, in order; :class:`_RouteSlots` must have exactly these
#: (a unit test checks them against ``dataclasses.fields(Route)``).
_FAST_FIELDS = (
    "family", "dst", "gateway", "oif", "prefsrc", "metric", "table", "protocol", "scope",
    "type", "flags", "tos", "src", "iif", "metrics", "nexthops", "pref", "attrs",
)  # fmt: skip


class _RouteSlots:
    """The layout of :class:`Route` without the frozen guard, for the decoder.

    A decoded route is filled here with plain slot stores and then becomes a
    Route by ``__class__`` assignment (allowed between classes with the same
    slots). Setting 18 frozen slots one by one through their descriptors
    costs three times as much, and decoding is the hot path of big dumps.
    """

    __slots__ = _FAST_FIELDS

    def __init__(
        self,
        family: int,
        dst: IPNetwork,
        gateway: IPAddress | None,
        oif: int | None,
        prefsrc: IPAddress | None,
        metric: int | None,
        table: int,
        protocol: int,
        scope: int,
        type: int,
        flags: int,
        tos: int,
        src: IPNetwork | None,
        iif: int | None,
        metrics: tuple[tuple[int, int | bytes], ...],
        nexthops: tuple[Nexthop, ...],
        pref: int | None,
        attrs: tuple[Attr, ...],
    ) -> None:
        self.family = family
        self.dst = dst
        self.gateway = gateway
        self.oif = oif
        self.prefsrc = prefsrc
        self.metric = metric
        self.table = table
        self.protocol = protocol
        self.scope = scope
        self.type = type
        self.flags = flags
        self.tos = tos
        self.src = src
        self.iif = iif
        self.metrics = metrics
        self.nexthops = nexthops
        self.pref = pref
        self.attrs = attrs


def _make_route(*values: object) -> Route:
    """A Route from its field values in order, without validation (decoder use only)."""
    r = _RouteSlots(*values)  # type: ignore[arg-type]  # the decoder passes well-typed values
    _setattr(r, "__class__", Route)
    return cast(Route, r)


# ipaddress networks, fast. The public tuple constructor re-derives and
# re-checks everything (about 1 us); the decoder only needs the three values
# IPv4Network.__init__ stores (CPython Lib/ipaddress.py), plus ``hosts`` for
# /31 and /32. _fast_networks_work() compares both ways at import and falls
# back to the public constructor if this Python's ipaddress differs.
_v4_netmask = cast(
    "Callable[[int], tuple[IPv4Address, int]]",
    getattr(IPv4Network, "_make_netmask"),  # noqa: B009 - private, so typeshed omits it
)
_v6_netmask = cast(
    "Callable[[int], tuple[IPv6Address, int]]",
    getattr(IPv6Network, "_make_netmask"),  # noqa: B009 - private, so typeshed omits it
)


def _net4_fast(n: int, plen: int) -> IPNetwork:
    net = _new(IPv4Network)
    d = net.__dict__
    d["network_address"] = IPv4Address(n)
    d["netmask"], d["_prefixlen"] = _v4_netmask(plen)
    if plen >= 31:
        d["hosts"] = net.__iter__
    return net


def _net6_fast(n: int, plen: int) -> IPNetwork:
    net = _new(IPv6Network)
    d = net.__dict__
    d["network_address"] = IPv6Address(n)
    d["netmask"], d["_prefixlen"] = _v6_netmask(plen)
    if plen >= 127:
        d["hosts"] = net.__iter__
    return net


def _net4_public(n: int, plen: int) -> IPNetwork:
    return IPv4Network((n, plen), strict=False)


def _net6_public(n: int, plen: int) -> IPNetwork:
    return IPv6Network((n, plen), strict=False)


def _fast_networks_work() -> bool:
    try:
        for fast, public, bits in ((_net4_fast, _net4_public, 32), (_net6_fast, _net6_public, 128)):
            for plen in (0, 1, bits // 2, bits - 2, bits - 1, bits):
                n = ((1 << bits) - 1) ^ ((1 << (bits - plen)) - 1)  # a network with all ones
                a, b = fast(n, plen), public(n, plen)
                if (a, hash(a), str(a), repr(a)) != (b, hash(b), str(b), repr(b)):
                    return False
                if a.__dict__.keys() != b.__dict__.keys() or list(islice(a.hosts(), 2)) != list(
                    islice(b.hosts(), 2)
                ):
                    return False
                for k, v in b.__dict__.items():
                    if k != "hosts" and a.__dict__[k] != v:
                        return False
    except Exception:  # any surprise in a private detail means: use the public path
        return False
    return True


_net4, _net6 = (_net4_fast, _net6_fast) if _fast_networks_work() else (_net4_public, _net6_public)


def _network(family: int, raw: bytes, plen: int) -> IPNetwork:
    if family == AF_INET:
        return _net4(int.from_bytes(raw, "big"), plen)
    return _net6(int.from_bytes(raw, "big"), plen)


_ZERO4 = IPv4Network("0.0.0.0/0")
_ZERO6 = IPv6Network("::/0")


def parse_route(payload: bytes, start: int = 0, end: int | None = None) -> Route:
    """Decode an RTM_NEWROUTE/DELROUTE payload (rtmsg + attributes) into a :class:`Route`.

    ``payload[start:end]`` is the part after the netlink header, so a dump
    can be decoded in place. Raises :class:`~rawns.errors.DecodeError` on
    malformed input or a family other than IPv4/IPv6.
    """
    if end is None:
        end = len(payload)
    elif end > len(payload):
        raise DecodeError(f"route payload ends at {end}, past the buffer ({len(payload)})")
    if end - start < _RTMSG_SIZE:
        raise DecodeError(f"rtmsg needs {_RTMSG_SIZE} bytes, got {end - start}", offset=start)
    family, dst_len, src_len, tos, table, protocol, scope, rtype, flags = RTMSG.unpack_from(
        payload, start
    )
    if family == AF_INET:
        alen = 4
    elif family == AF_INET6:
        alen = 16
    else:
        raise DecodeError(f"route family {family} is not IPv4 or IPv6", offset=start)
    dst = gateway = oif = prefsrc = metric = src = iif = pref = None
    metrics: tuple[tuple[int, int | bytes], ...] = ()
    nexthops: tuple[Nexthop, ...] = ()
    rest: list[Attr] | None = None
    unpack = _NLA.unpack_from
    u32 = _U32.unpack_from
    off = start + _RTMSG_SIZE
    # One pass, inlined (not iter_attrs): the generator costs more than the
    # whole decode of a typical route. Same checks as iter_attrs.
    while off < end:
        if end - off < 4:
            raise DecodeError(f"truncated attribute header: {end - off} bytes left", offset=off)
        n, atype = unpack(payload, off)
        a = off + 4
        b = off + n
        if n < 4 or b > end:
            raise DecodeError(
                f"route attribute {atype & _NLA_TYPE_MASK} length {n} is invalid "
                f"({end - off} bytes left)",
                offset=off,
            )
        t = atype & _NLA_TYPE_MASK
        if t == _RTA_TABLE:
            if n != 8:
                raise DecodeError(f"RTA_TABLE payload is {n - 4} bytes, expected 4", offset=off)
            table = u32(payload, a)[0]
        elif t == _RTA_DST:
            if n - 4 != alen:
                raise DecodeError(f"RTA_DST is {n - 4} bytes, expected {alen}", offset=off)
            dst = payload[a:b]
        elif t == _RTA_GATEWAY:
            if n - 4 != alen:
                raise DecodeError(f"RTA_GATEWAY is {n - 4} bytes, expected {alen}", offset=off)
            gateway = addr_from_bytes(payload[a:b])
        elif t == _RTA_OIF:
            if n != 8:
                raise DecodeError(f"RTA_OIF payload is {n - 4} bytes, expected 4", offset=off)
            oif = u32(payload, a)[0]
        elif t == _RTA_PRIORITY:
            if n != 8:
                raise DecodeError(f"RTA_PRIORITY is {n - 4} bytes, expected 4", offset=off)
            metric = u32(payload, a)[0]
        elif t == _RTA_PREFSRC:
            if n - 4 != alen:
                raise DecodeError(f"RTA_PREFSRC is {n - 4} bytes, expected {alen}", offset=off)
            prefsrc = addr_from_bytes(payload[a:b])
        elif t == _RTA_PREF:
            if n < 5:
                raise DecodeError("RTA_PREF payload is empty", offset=off)
            pref = payload[a]
        elif t == _RTA_MULTIPATH:
            nexthops = _parse_nexthops(payload, a, b, alen)
        elif t == _RTA_METRICS:
            metrics = _parse_metrics(payload, a, b)
        elif t == _RTA_SRC:
            if n - 4 != alen:
                raise DecodeError(f"RTA_SRC is {n - 4} bytes, expected {alen}", offset=off)
            src = _network(family, payload[a:b], src_len)
        elif t == _RTA_IIF:
            if n != 8:
                raise DecodeError(f"RTA_IIF payload is {n - 4} bytes, expected 4", offset=off)
            iif = u32(payload, a)[0]
        else:
            if rest is None:
                rest = []
            rest.append(Attr(atype, payload[a:b]))
        off += (n + 3) & ~3
    if dst is None:
        if dst_len:
            raise DecodeError(f"route with dst_len {dst_len} has no RTA_DST", offset=start)
        net = _ZERO4 if family == AF_INET else _ZERO6
    elif family == AF_INET:
        net = _net4(int.from_bytes(dst, "big"), dst_len)
    else:
        net = _net6(int.from_bytes(dst, "big"), dst_len)
    return _make_route(
        family, net, gateway, oif, prefsrc, metric, table, protocol, scope, rtype, flags, tos,
        src, iif, metrics, nexthops, pref, () if rest is None else tuple(rest),
    )  # fmt: skip


def _parse_nexthops(data: bytes, start: int, end: int, alen: int) -> tuple[Nexthop, ...]:
    """RTA_MULTIPATH: a run of ``struct rtnexthop``, each followed by its own attributes."""
    out: list[Nexthop] = []
    off = start
    while off < end:
        if end - off < _RTNEXTHOP.size:
            raise DecodeError(f"truncated rtnexthop: {end - off} bytes left", offset=off)
        n, flags, hops, ifindex = _RTNEXTHOP.unpack_from(data, off)
        if n < _RTNEXTHOP.size or off + n > end:
            raise DecodeError(f"rtnexthop length {n} is invalid", offset=off)
        gateway = None
        rest: list[Attr] = []
        for atype, a, b in iter_attrs(data, off + _RTNEXTHOP.size, off + n):
            if atype & _NLA_TYPE_MASK == _RTA_GATEWAY:
                if b - a != alen:
                    raise DecodeError(f"nexthop RTA_GATEWAY is {b - a} bytes", offset=a)
                gateway = addr_from_bytes(data[a:b])
            else:
                rest.append(Attr(atype, data[a:b]))
        nh = _new(Nexthop)
        _n_gateway(nh, gateway)
        _n_oif(nh, ifindex or None)
        _n_weight(nh, hops + 1)
        _n_flags(nh, flags)
        _n_attrs(nh, tuple(rest))
        out.append(nh)
        off += (n + 3) & ~3
    return tuple(out)


def _parse_metrics(data: bytes, start: int, end: int) -> tuple[tuple[int, int | bytes], ...]:
    out: list[tuple[int, int | bytes]] = []
    for atype, a, b in iter_attrs(data, start, end):
        t = atype & _NLA_TYPE_MASK
        if b - a == 4 and t != _RTAX_CC_ALGO:
            out.append((t, _U32.unpack_from(data, a)[0]))
        else:
            out.append((t, data[a:b]))
    return tuple(out)


# ---------------------------------------------------------------------------
# Building

_F_ADD = int(NLM_F.REQUEST | NLM_F.ACK | NLM_F.CREATE | NLM_F.EXCL)
_F_REPLACE = int(NLM_F.REQUEST | NLM_F.ACK | NLM_F.CREATE | NLM_F.REPLACE)
_F_DELETE = int(NLM_F.REQUEST | NLM_F.ACK)
_F_GET = int(NLM_F.REQUEST | NLM_F.ACK)
_F_DUMP = int(NLM_F.REQUEST | NLM_F.DUMP)
_RTM_NEWROUTE = int(RTM.NEWROUTE)
_RTM_DELROUTE = int(RTM.DELROUTE)
_RTM_GETROUTE = int(RTM.GETROUTE)


def _build(route: Route, mtype: int, flags: int) -> bytes:
    """One RTM_*ROUTE request, attributes in the order ``ip route`` writes them.

    Layout (iproute2 ``iproute_modify``): RTA_DST, RTA_SRC, RTA_GATEWAY,
    RTA_PREFSRC, RTA_PRIORITY, RTA_TABLE (ids >= 256 only; smaller ones ride
    in ``rtm_table``), RTA_PREF, RTA_IIF, RTA_OIF, RTA_METRICS, RTA_MULTIPATH.
    """
    if not isinstance(route, Route):
        raise TypeError(f"expected a Route, not {route!r}")
    table = route.table
    dst = route.dst
    src = route.src
    w = Writer()
    w.begin(mtype, flags=flags)
    w.put_bytes_raw(
        RTMSG.pack(
            route.family,
            dst.prefixlen,
            0 if src is None else src.prefixlen,
            route.tos,
            table if table < 256 else 0,
            route.protocol,
            route.scope,
            route.type,
            route.flags,
        )
    )
    if dst.prefixlen:
        w.put(_RTA_DST, dst.network_address.packed)
    if src is not None and src.prefixlen:
        w.put(_RTA_SRC, src.network_address.packed)
    if route.gateway is not None:
        w.put(_RTA_GATEWAY, route.gateway.packed)
    if route.prefsrc is not None:
        w.put(_RTA_PREFSRC, route.prefsrc.packed)
    if route.metric is not None:
        w.put_u32(_RTA_PRIORITY, route.metric)
    if table >= 256:
        w.put_u32(_RTA_TABLE, table)
    if route.pref is not None:
        w.put_u8(_RTA_PREF, route.pref)
    if route.iif is not None:
        w.put_u32(_RTA_IIF, route.iif)
    if route.oif is not None:
        w.put_u32(_RTA_OIF, route.oif)
    if route.metrics:
        with w.nest_noflag(_RTA_METRICS):  # ip sends RTA_METRICS without NLA_F_NESTED
            for t, v in route.metrics:
                if isinstance(v, int):
                    w.put_u32(t, v)
                else:
                    w.put(t, v)
    if route.nexthops:
        w.put(_RTA_MULTIPATH, _encode_nexthops(route.nexthops))
    w.end()
    return w.data()


def _encode_nexthops(hops: Sequence[Nexthop]) -> bytes:
    out = bytearray()
    for nh in hops:
        body = b""
        if nh.gateway is not None:
            body = _NLA.pack(4 + len(nh.gateway.packed), _RTA_GATEWAY) + nh.gateway.packed
            body += b"\0" * (-len(body) & 3)
        for a in nh.attrs:
            body += _NLA.pack(4 + len(a.value), a.type) + a.value + b"\0" * (-len(a.value) & 3)
        out += _RTNEXTHOP.pack(_RTNEXTHOP.size + len(body), nh.flags, nh.weight - 1, nh.oif or 0)
        out += body
    return bytes(out)


def build_add(route: Route) -> bytes:
    """RTM_NEWROUTE with NLM_F_CREATE|NLM_F_EXCL (``ip route add``)."""
    return _build(route, _RTM_NEWROUTE, _F_ADD)


def build_replace(route: Route) -> bytes:
    """RTM_NEWROUTE with NLM_F_CREATE|NLM_F_REPLACE (``ip route replace``)."""
    return _build(route, _RTM_NEWROUTE, _F_REPLACE)


def build_delete(route: Route) -> bytes:
    """RTM_DELROUTE (``ip route del``); zero protocol/type and scope 255 match any."""
    return _build(route, _RTM_DELROUTE, _F_DELETE)


def build_dump(
    *,
    family: int = 0,
    table: int | None = _RT_TABLE_MAIN,
    oif: int | None = None,
    protocol: int | None = None,
    type: int | None = None,
) -> bytes:
    """RTM_GETROUTE dump, filtered in the kernel (strict checking honours these filters)."""
    if family not in (0, AF_INET, AF_INET6):
        raise ValueError(f"route dump family must be 0, AF_INET or AF_INET6, not {family!r}")
    w = Writer()
    w.begin(_RTM_GETROUTE, flags=_F_DUMP)
    t = table or 0
    w.put_bytes_raw(
        RTMSG.pack(family, 0, 0, 0, t if t < 256 else 0, protocol or 0, 0, type or 0, 0)
    )
    if t >= 256:
        w.put_u32(_RTA_TABLE, t)
    if oif is not None:
        w.put_u32(_RTA_OIF, oif)
    w.end()
    return w.data()


def build_get(
    dst: str | IPAddress,
    *,
    src: str | IPAddress | None = None,
    iif: int | None = None,
    oif: int | None = None,
    mark: int | None = None,
    tos: int = 0,
    fibmatch: bool = False,
    family: int = 0,
) -> bytes:
    """RTM_GETROUTE for one destination (``ip route get``), with NLM_F_ACK.

    Like ``ip route get`` it sets RTM_F_LOOKUP_TABLE for IPv4, so the answer
    names the table the route came from (IPv6 answers name it anyway); ``fibmatch`` asks for the matching FIB entry
    rather than the resolved path (``ip route get fibmatch``).
    """
    d = to_address(dst, "route get dst", family or None)
    fam = family_of(d)
    s = None if src is None else to_address(src, "route get src (from)", fam)
    flags = int(RTM_F.FIB_MATCH) if fibmatch else 0
    if fam == AF_INET:
        # IPv6 refuses any flag but FIB_MATCH under strict checking (net/ipv6/
        # route.c: inet6_rtm_valid_getroute_req); ip gets away with it because
        # its socket is not strict.
        flags |= int(RTM_F.LOOKUP_TABLE)
    w = Writer()
    w.begin(_RTM_GETROUTE, flags=_F_GET)
    w.put_bytes_raw(
        RTMSG.pack(
            fam, d.max_prefixlen, 0 if s is None else s.max_prefixlen, tos, 0, 0, 0, 0, flags
        )
    )
    w.put(_RTA_DST, d.packed)
    if s is not None:
        w.put(_RTA_SRC, s.packed)
    if iif is not None:
        w.put_u32(_RTA_IIF, iif)
    if oif is not None:
        w.put_u32(_RTA_OIF, oif)
    if mark is not None:
        w.put_u32(_RTA_MARK, mark)
    w.end()
    return w.data()


# ---------------------------------------------------------------------------
# Verbs


def _resolve(h: Handle, dev: LinkRef | None) -> int | None:
    if dev is None:
        return None
    from .link import resolve_index

    return resolve_index(h, dev)


def _spec(h: Handle, route: Route | None, kw: dict[str, object], *, delete: bool = False) -> Route:
    given = {k: v for k, v in kw.items() if v is not None and v is not False}
    if route is not None:
        if given:
            raise TypeError(
                f"pass either a Route or keyword arguments, not both (got {sorted(given)})"
            )
        if not isinstance(route, Route):
            raise TypeError(f"expected a Route, not {route!r}")
        return route
    if "dst" not in given:
        raise TypeError("a route needs dst= (a prefix, an address or 'default')")
    dev = given.pop("dev", None)
    if dev is not None:
        given["oif"] = _resolve(h, cast("LinkRef", dev))
    if delete:
        # ip route del: unspecified protocol/type match any, scope NOWHERE matches any.
        given.setdefault("protocol", 0)
        given.setdefault("type", 0)
        given.setdefault("scope", int(RT_SCOPE.NOWHERE))
    return Route(**given)  # type: ignore[arg-type]  # keys are Route's keyword arguments


def add(
    h: Handle,
    route: Route | None = None,
    *,
    dst: str | IPNetwork | IPAddress | None = None,
    gateway: str | IPAddress | None = None,
    dev: LinkRef | None = None,
    prefsrc: str | IPAddress | None = None,
    metric: int | None = None,
    table: int | None = None,
    protocol: int | None = None,
    scope: int | None = None,
    type: int | None = None,
    onlink: bool = False,
    mtu: int | None = None,
    nexthops: Sequence[Nexthop] | None = None,
    tos: int | None = None,
    src: str | IPNetwork | None = None,
    pref: int | None = None,
) -> None:
    """Add a route (a :class:`Route`, or the same fields as keywords).

    Equivalent to: ip route add DST [via GW] [dev DEV] [src PREFSRC] [metric N]
    [table T] [proto P] [scope S] [onlink] [mtu M] [nexthop via GW weight W ...]

    Raises :class:`~rawns.errors.AlreadyExists` if the route exists,
    :class:`~rawns.errors.InvalidArgument` (ENETUNREACH/EINVAL) for a gateway
    the kernel cannot reach, :class:`~rawns.errors.NotFound` for a missing
    device, :class:`ValueError` for bad or mixed-family values (nothing sent).
    """
    r = _spec(h, route, _kw(locals()))
    h.rtnl.request(build_add(r), op="RTM_NEWROUTE", target=label(r))


def replace(
    h: Handle,
    route: Route | None = None,
    *,
    dst: str | IPNetwork | IPAddress | None = None,
    gateway: str | IPAddress | None = None,
    dev: LinkRef | None = None,
    prefsrc: str | IPAddress | None = None,
    metric: int | None = None,
    table: int | None = None,
    protocol: int | None = None,
    scope: int | None = None,
    type: int | None = None,
    onlink: bool = False,
    mtu: int | None = None,
    nexthops: Sequence[Nexthop] | None = None,
    tos: int | None = None,
    src: str | IPNetwork | None = None,
    pref: int | None = None,
) -> None:
    """Add a route or replace the one with the same destination, table, tos and metric.

    Equivalent to: ip route replace DST [via GW] [dev DEV] ...

    Raises as :func:`add`, except that an existing route is not an error.
    """
    r = _spec(h, route, _kw(locals()))
    h.rtnl.request(build_replace(r), op="RTM_NEWROUTE", target=label(r))


def delete(
    h: Handle,
    route: Route | None = None,
    *,
    dst: str | IPNetwork | IPAddress | None = None,
    gateway: str | IPAddress | None = None,
    dev: LinkRef | None = None,
    prefsrc: str | IPAddress | None = None,
    metric: int | None = None,
    table: int | None = None,
    protocol: int | None = None,
    scope: int | None = None,
    type: int | None = None,
    tos: int | None = None,
    src: str | IPNetwork | None = None,
) -> None:
    """Delete a route: a :class:`Route` (say, from :func:`dump`) exactly, or by keywords.

    With keywords, anything not given matches any route, as with ``ip``:
    protocol and type 0, scope 255 (``RT_SCOPE_NOWHERE``), table main.

    Equivalent to: ip route del DST [via GW] [dev DEV] [table T] [metric N]

    Raises :class:`~rawns.errors.NotFound` (ESRCH) if no route matches.
    """
    r = _spec(h, route, _kw(locals()), delete=True)
    h.rtnl.request(build_delete(r), op="RTM_DELROUTE", target=label(r))


def _kw(scope: dict[str, object]) -> dict[str, object]:
    return {k: v for k, v in scope.items() if k not in ("h", "route")}


def dump(
    h: Handle,
    *,
    family: int = 0,
    table: int | None = _RT_TABLE_MAIN,
    dev: LinkRef | None = None,
    protocol: int | None = None,
    type: int | None = None,
) -> list[Route]:
    """Routes of the handle's namespace, filtered by the kernel.

    ``table`` defaults to main, like ``ip route show``; ``table=None`` dumps
    every table (``ip route show table all``). ``family`` 0 means IPv4 and
    IPv6. A table that does not exist has no routes (an empty list).

    Equivalent to: ip [-4|-6] route show [table T] [dev DEV] [proto P] [type T]

    Raises :class:`~rawns.errors.NotFound` if ``dev`` does not exist,
    :class:`~rawns.errors.DumpInterrupted` if the table kept changing (see
    docs/dumps.md).
    """
    msg = build_dump(family=family, table=table, oif=_resolve(h, dev), protocol=protocol, type=type)
    try:
        return h.rtnl.dump(msg, _parse_dumped, op="RTM_GETROUTE", target="dump")
    except NotFound as e:
        if table and e.extack and "table does not exist" in e.extack:
            return []
        raise


def _parse_dumped(payload: bytes) -> Route | None:
    # AF_UNSPEC dumps also walk the multicast (RTNL_FAMILY_IPMR...) tables:
    # those are not unicast routes and are skipped.
    if payload[:1] not in (b"\x02", b"\x0a"):
        return None
    return parse_route(payload)


def get(
    h: Handle,
    dst: str | IPAddress,
    *,
    src: str | IPAddress | None = None,
    iif: LinkRef | None = None,
    dev: LinkRef | None = None,
    mark: int | None = None,
    tos: int = 0,
    fibmatch: bool = False,
) -> Route:
    """Ask the kernel which route it would use for ``dst`` (a lookup; nothing is sent).

    Equivalent to: ip route get DST [from SRC] [iif DEV] [oif DEV] [mark M] [fibmatch]

    Raises :class:`~rawns.errors.InvalidArgument` (ENETUNREACH) when no route
    matches, :class:`~rawns.errors.NotFound` for a missing device.
    """
    msg = build_get(
        dst,
        src=src,
        iif=_resolve(h, iif),
        oif=_resolve(h, dev),
        mark=mark,
        tos=tos,
        fibmatch=fibmatch,
    )
    replies = h.rtnl.request(msg, op="RTM_GETROUTE", target=str(dst))
    for r in replies:
        if r.type == _RTM_NEWROUTE:
            return parse_route(r.payload)
    raise DecodeError(f"RTM_GETROUTE {dst}: the kernel sent no route")


class _Labels(Sequence[str]):
    """Error targets for a pipeline, formatted only for the requests that fail."""

    def __init__(self, routes: Sequence[Route]) -> None:
        self._routes = routes

    def __len__(self) -> int:
        return len(self._routes)

    @overload
    def __getitem__(self, i: int) -> str: ...
    @overload
    def __getitem__(self, i: slice) -> Sequence[str]: ...
    def __getitem__(self, i: int | slice) -> str | Sequence[str]:
        if isinstance(i, slice):
            return [label(r) for r in self._routes[i]]
        return label(self._routes[i])


def add_many(
    h: Handle, routes: Iterable[Route], *, replace: bool = False, check: bool = True
) -> list[KernelError | None]:
    """Add many routes, pipelined: hundreds of requests per send, acks collected in bulk.

    Equivalent to: ip -batch FILE (with one ``route add`` line per route)

    Returns one entry per route, ``None`` or the :class:`~rawns.errors.KernelError`
    for it. With ``check`` (the default) the first error is raised once every
    ack is in; routes before and after it are still added (rtnetlink has no
    transaction, so there is no rollback).
    """
    rs = list(routes)
    build = build_replace if replace else build_add
    msgs = [build(r) for r in rs]
    return h.rtnl.pipeline(msgs, op="RTM_NEWROUTE", targets=_Labels(rs), check=check)
