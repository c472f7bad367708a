"""Route values: :class:`Route`, :class:`Nexthop`, ``ip``'s defaults, error labels."""

from __future__ import annotations

import struct
from collections.abc import Iterable, Mapping

from .. import _check
from .._dataclass import dataclass, field, unchecked_replace
from .._inet import AF_INET, AF_INET6, family_of, to_address, to_network
from .._rtnl import RT_SCOPE, RT_TABLE, RTAX, RTN, RTNH_F, RTPROT
from .._wire import NLA_TYPE_MASK, Attr
from ..link._types import check_origin

TYPE_CHECKING = False  # not typing's: importing it costs (rawns._typing)
if TYPE_CHECKING:
    from .._inet import IPAddress, IPNetwork

#: The kernel enums a route takes, public (each also by ``ip``'s name: ``"blackhole"``,
#: ``"static"``, ``"link"``; rawns._check has the name tables).
RouteType = RTN
RouteProtocol = RTPROT
RouteScope = RT_SCOPE

_NLA = struct.Struct("=HH")
_U32 = struct.Struct("=I")
_RTNEXTHOP = struct.Struct("=HBBi")  # rtnh_len, rtnh_flags, rtnh_hops, rtnh_ifindex

_V4_HOST_ROUTE_TYPES = (int(RTN.LOCAL), int(RTN.NAT))
_LINK_SCOPE_TYPES = (int(RTN.BROADCAST), int(RTN.MULTICAST), int(RTN.ANYCAST))
_LOCAL_TABLE_TYPES = (int(RTN.LOCAL), int(RTN.BROADCAST), int(RTN.NAT), int(RTN.ANYCAST))
_UNICAST_LIKE = (int(RTN.UNICAST), int(RTN.UNSPEC))
# Route()'s defaults (known good: _named does not check them again).
_BOOT, _UNICAST = RTPROT.BOOT, RTN.UNICAST
# IntEnum members cost an enum.property lookup each on Python 3.11: per-call code reads ints.
_MAIN, _LOCAL = int(RT_TABLE.MAIN), int(RT_TABLE.LOCAL)
_UNIVERSE, _LINK, _HOST = int(RT_SCOPE.UNIVERSE), int(RT_SCOPE.LINK), int(RT_SCOPE.HOST)
_NOWHERE = int(RT_SCOPE.NOWHERE)


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
        gw = None
        if gateway is not None:
            _check.no_zone(gateway, "nexthop gateway")
            gw = _specified(to_address(gateway, "nexthop gateway"), "nexthop gateway")
        _check.optional(oif, _check.ifindex, "nexthop oif")
        _check.integer(weight, "nexthop weight", 1, 256)
        _check.uint(flags, 8, "nexthop flags")  # rtnh_flags is an unsigned char
        _check.boolean(onlink, "nexthop onlink")
        if gw is None and oif is None:
            # The kernel refuses it only as "No such device".
            raise ValueError("a nexthop needs a gateway, an oif, or both")
        _set = object.__setattr__
        _set(self, "gateway", gw)
        _set(self, "oif", oif)
        _set(self, "weight", weight)
        _set(self, "flags", flags | (int(RTNH_F.ONLINK) if onlink else 0))
        _set(self, "attrs", check_attrs(attrs, "nexthop attrs"))

    @property
    def onlink(self) -> bool:
        return bool(self.flags & RTNH_F.ONLINK)


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
        >>> r = Route(dst="10.3.0.0/24", type="blackhole", protocol="static")
        >>> r.type == RouteType.BLACKHOLE, r.protocol == RouteProtocol.STATIC
        (True, True)

    ``type``, ``protocol`` and ``scope`` take a number or ``ip``'s name for it
    (``"blackhole"``, ``"static"``, ``"link"``: :class:`RouteType`,
    :class:`RouteProtocol`, :class:`RouteScope`).

    Mixed families (an IPv4 destination with an IPv6 ``gateway``: give it as
    ``via``, RTA_VIA), IPv6-only
    fields on IPv4 routes (``pref``, ``src``) and the reverse (``tos``), and
    values the kernel would store differently (``table=0``, an IPv6
    ``metric=0``, a ``0.0.0.0`` gateway, an MTU above 65520, ``onlink``
    without a gateway) raise :class:`ValueError`.
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
    via: IPAddress | None
    """RTA_VIA: an IPv6 gateway of an IPv4 route (``ip route add ... via inet6 GW``)."""
    nhid: int | None
    """RTA_NH_ID: the nexthop object the route uses (``ip route add ... nhid N``);
    a dumped route also shows that object's paths (gateway, oif, nexthops)."""
    expires: int | None
    """Seconds until the route expires (``ip route add ... expires N``, IPv6 only);
    reported in RTA_CACHEINFO (``rta_expires``), read as ``ip -d -j`` prints it."""
    attrs: tuple[Attr, ...] = field(compare=False, repr=False)
    """Attributes not decoded above (RTA_CACHEINFO, RTA_UID...), raw;
    reported only: requests do not send them."""
    origin: tuple[int, int] | None = field(compare=False, repr=False)
    """The namespace the route was dumped or got from (:attr:`Handle.netns_ident
    <rawns.Handle.netns_ident>`), ``None`` for one built by hand: verbs refuse a
    route from another namespace, whose ``oif`` means another link there."""

    def __init__(
        self,
        *,
        dst: str | IPNetwork | IPAddress,
        gateway: str | IPAddress | None = None,
        oif: int | None = None,
        prefsrc: str | IPAddress | None = None,
        metric: int | None = None,
        table: int | None = None,
        protocol: int | str = RTPROT.BOOT,
        scope: int | str | None = None,
        type: int | str = RTN.UNICAST,
        flags: int = 0,
        onlink: bool = False,
        tos: int = 0,
        src: str | IPNetwork | IPAddress | None = None,
        iif: int | None = None,
        mtu: int | None = None,
        metrics: Iterable[tuple[int, int | bytes]] = (),
        nexthops: Iterable[Nexthop] = (),
        pref: int | None = None,
        via: str | IPAddress | None = None,
        nhid: int | None = None,
        expires: int | None = None,
        family: int = 0,
        attrs: tuple[Attr, ...] = (),
        origin: tuple[int, int] | None = None,
    ) -> None:
        # Arguments left at their defaults (known good) skip their checks: the
        # checks and their order are otherwise those of every other value.
        fam = _check.integer(family, "route family", 0, 255)
        if fam not in (0, AF_INET, AF_INET6):
            raise ValueError(f"route family must be AF_INET or AF_INET6, not {family!r}")
        _zones(dst, gateway, prefsrc, src)
        via_a = None
        if via is not None:
            _check.no_zone(via, "route via")
            via_a = _via(to_address(via, "route via"), fam, gateway)
            fam = AF_INET  # RTA_VIA: an IPv4 route via an IPv6 gateway
        fam, d_norm, gw, prs, s_norm, hops = _addresses(fam, dst, gateway, prefsrc, src, nexthops)
        if nhid is not None:
            _nhid_alone(nhid, gw is not None or via_a is not None or oif is not None or bool(hops))
        _expires(expires, fam, d_norm)
        if oif is not None:
            _check.ifindex(oif, "route oif")
        if iif is not None:
            _check.ifindex(iif, "route iif")
        if metric is not None:
            _metric(metric, fam)
        if table is not None:
            _check.integer(table, "route table", 1, 0xFFFFFFFF)
        protocol = _named(protocol, _BOOT, "route protocol", _check.ROUTE_PROTOCOLS)
        rtype = _named(type, _UNICAST, "route type", _check.ROUTE_TYPES)
        _check.uint(tos, 8, "route tos")
        if tos and fam == AF_INET6:
            raise ValueError(f"route tos ({tos}) is IPv4-only; {d_norm} is IPv6")
        _check.uint(flags, 32, "route flags")
        _check.boolean(onlink, "route onlink")
        if onlink and gw is None and via_a is None and not hops:
            # The kernel refuses it only as "PERVASIVE and ONLINK can not be set".
            raise ValueError("route onlink needs a gateway (onlink says the gateway is on dev)")
        if s_norm is not None and fam == AF_INET:
            # rtm_to_fib_config has no RTA_SRC: an IPv4 route would be made without it.
            raise ValueError(
                f"route src (from) {s_norm} on an IPv4 route: the kernel has no source "
                "prefix for IPv4 routes and would drop it (use a rule: rule.add(src=...))"
            )
        if pref is not None:
            _pref(pref, fam, d_norm)
        if table is None:
            table = _LOCAL if rtype in _LOCAL_TABLE_TYPES else _MAIN
        if scope is None:
            has_gw = gw is not None or via_a is not None or bool(hops) or nhid is not None
            scope = _default_scope(fam, rtype, has_gw, delete=False)  # a valid scope
        else:
            scope = _check.named(scope, "route scope", _check.SCOPES, 8)
        mx = () if metrics == () and mtu is None else _metrics(metrics, mtu)
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
        _set(self, "flags", int(flags) | (int(RTNH_F.ONLINK) if onlink else 0))
        _set(self, "tos", int(tos))
        _set(self, "src", s_norm)
        _set(self, "iif", iif)
        _set(self, "metrics", mx)
        _set(self, "nexthops", hops)
        _set(self, "pref", pref)
        _set(self, "via", via_a)
        _set(self, "nhid", nhid)
        _set(self, "expires", expires)
        _set(self, "attrs", () if attrs == () else check_attrs(attrs, "route attrs"))
        _set(self, "origin", None if origin is None else check_origin(origin, "route origin"))

    @property
    def mtu(self) -> int | None:
        """RTAX_MTU from :attr:`metrics` (``ip route add ... mtu N``)."""
        for t, v in self.metrics:
            if t == RTAX.MTU and isinstance(v, int):
                return v
        return None

    @property
    def onlink(self) -> bool:
        return bool(self.flags & RTNH_F.ONLINK)

    @property
    def is_default(self) -> bool:
        return self.dst.prefixlen == 0


def with_oif(route: Route, oif: int) -> Route:
    """``route`` with output interface ``oif``: what ``Route(..., oif=oif)`` would be.

    The checks that depend on ``oif`` run (an ifindex; no nexthop object beside
    it); the rest ran when ``route`` was made (a verb checks every value before
    it looks a device name up).
    """
    _check.ifindex(oif, "route oif")
    if route.nhid is not None:
        _nhid_alone(route.nhid, True)
    return unchecked_replace(route, "oif", oif)


def _named(value: object, default: int, what: str, names: Mapping[str, int]) -> int:
    """A kernel enum value by number or ``ip``'s name (:func:`rawns._check.named`)."""
    if value is default:
        return int(default)
    return _check.named(value, what, names, 8)


def _zones(dst: object, gateway: object, prefsrc: object, src: object) -> None:
    """Zone ids are refused first: netlink has no field for them, so they would be dropped."""
    _check.no_zone(dst, "route dst")
    if gateway is not None:
        _check.no_zone(gateway, "route gateway")
    if prefsrc is not None:
        _check.no_zone(prefsrc, "route prefsrc")
    if src is not None:
        _check.no_zone(src, "route src (from)")


def _metric(metric: object, fam: int) -> None:
    _check.uint(metric, 32, "route metric")
    if metric == 0 and fam == AF_INET6:
        # ip6_route_add: a metric of 0 becomes IP6_RT_PRIO_USER (1024).
        raise ValueError(
            "route metric 0 on an IPv6 route would be stored as 1024 (the kernel's "
            "default); give 1024, or leave metric unset"
        )


def _pref(pref: object, fam: int, dst: IPNetwork) -> None:
    _check.uint(pref, 8, "route pref")
    if pref not in _PREFS:
        # The kernel reads any other value as medium (rtm_to_fib6_config).
        raise ValueError(f"route pref must be 0 (medium), 1 (high) or 3 (low), not {pref}")
    if fam != AF_INET6:
        raise ValueError(f"route pref (RTA_PREF) is IPv6-only; {dst} is IPv4")


def _addresses(
    fam: int, dst: object, gateway: object, prefsrc: object, src: object, nexthops: object
) -> tuple[
    int, IPNetwork, IPAddress | None, IPAddress | None, IPNetwork | None, tuple[Nexthop, ...]
]:
    """A route's addresses, normalised, and the family they agree on (``fam`` 0: any)."""
    # Infer the family from whatever addresses are given, checking they agree.
    gw = prs = None
    d_norm: IPNetwork | None = None
    if not (isinstance(dst, str) and dst in ("default", "all", "any")):
        d_norm = to_network(dst, "route dst", fam or None)
        fam = family_of(d_norm)
    if gateway is not None:
        gw = _specified(to_address(gateway, "route gateway", fam or None), "route gateway")
        fam = family_of(gw)
    if prefsrc is not None:
        prs = _specified(to_address(prefsrc, "route prefsrc", fam or None), "route prefsrc")
        fam = family_of(prs)
    s_norm = None
    if src is not None:
        s_norm = to_network(src, "route src (from)", fam or None)
        fam = family_of(s_norm)
    hops = () if nexthops == () else _nexthops(nexthops)
    for nh in hops:
        if nh.gateway is not None:
            to_address(nh.gateway, "nexthop gateway", fam or None)
            fam = family_of(nh.gateway)
    fam = fam or AF_INET  # ip's default family
    if d_norm is None:
        d_norm = to_network(dst, "route dst", fam)
    return fam, d_norm, gw, prs, s_norm, hops


_PREFS = (0, 1, 3)  # ICMPV6_ROUTER_PREF_MEDIUM, _HIGH, _LOW


def check_attrs(value: object, what: str) -> tuple[Attr, ...]:
    """Raw attributes to send verbatim: :class:`~rawns._wire.Attr` values that fit a TLV."""
    if not isinstance(value, tuple | list):
        raise TypeError(f"{what} must be a tuple of Attr, not {_check._show(value)}")
    for a in value:
        if not isinstance(a, Attr):
            raise TypeError(f"{what} must hold Attr values, not {_check._show(a)}")
        _check.uint(a.type, 16, f"{what} type")
        if not isinstance(a.value, bytes | bytearray):
            raise TypeError(f"{what} value must be bytes, not {_check._show(a.value)}")
        if len(a.value) > 0xFFFF - 4:
            raise ValueError(f"{what} value of {len(a.value)} bytes does not fit an attribute")
    return tuple(value)


def _nexthops(value: object) -> tuple[Nexthop, ...]:
    if not isinstance(value, Iterable) or isinstance(value, str | bytes):
        raise TypeError(f"route nexthops must be a list of Nexthop, not {_check._show(value)}")
    hops = tuple(value)
    for nh in hops:
        if not isinstance(nh, Nexthop):
            raise TypeError(f"route nexthops must hold Nexthop values, not {_check._show(nh)}")
    return hops


#: Metric values the kernel clamps instead of refusing (net/ipv4/metrics.c:
#: ip_metrics_convert, shared by IPv6): a larger value would be stored as this.
_METRIC_MAX = {int(RTAX.MTU): 65535 - 15, int(RTAX.ADVMSS): 65535 - 40, int(RTAX.HOPLIMIT): 255}


def _metrics(value: object, mtu: object) -> tuple[tuple[int, int | bytes], ...]:
    """RTA_METRICS pairs, checked (u32 values, or raw bytes for RTAX_CC_ALGO), sorted like ip.

    Each metric once; values the kernel would clamp (an MTU above 65520...) are
    refused, so what is stored is what was asked.
    """
    mtu_v = None if mtu is None else _check.integer(mtu, "route mtu", 1, _METRIC_MAX[RTAX.MTU])
    if not isinstance(value, Iterable) or isinstance(value, str | bytes | bytearray):
        raise TypeError(f"route metrics must be (RTAX_*, value) pairs, not {_check._show(value)}")
    out: list[tuple[int, int | bytes]] = []
    for m in value:
        if not isinstance(m, tuple | list) or len(m) != 2:
            raise TypeError(
                f"route metrics must be (RTAX_*, value) pairs, not {_check._show(m)} "
                f"(in {_check._show(value)})"
            )
        t, v = m
        t = _check.integer(t, "route metrics type (RTAX_*)", 1, NLA_TYPE_MASK)
        if isinstance(v, bytes | bytearray):
            if len(v) > 0xFFFF - 4:
                raise ValueError(f"route metric {t} value of {len(v)} bytes is too long")
            v = bytes(v)
            if t == RTAX.CC_ALGO and b"\0" in v.rstrip(b"\0"):
                raise ValueError(
                    f"route metric {t} (congestion control) {v!r} contains a NUL byte "
                    "(the kernel would cut the name there)"
                )
        else:
            # 0 is the kernel's "unset": such a metric would not be stored at all.
            v = _check.integer(v, f"route metric {t} value", 1, _METRIC_MAX.get(t, 0xFFFFFFFF))
        if any(t == seen for seen, _v in out):
            raise ValueError(f"route metrics give metric {t} twice ({_check._show(value)})")
        if t == RTAX.MTU and mtu_v is not None:
            raise ValueError(f"route mtu={mtu_v} and metrics ({t}, {v!r}) both set the MTU")
        out.append((t, v))
    if mtu_v is not None:
        out.append((int(RTAX.MTU), mtu_v))
        out.sort(key=lambda m: m[0])
    return tuple(out)


def _specified(addr: IPAddress, what: str) -> IPAddress:
    """Refuse 0.0.0.0 and ::: the kernel reads them as "none" and would drop the field."""
    if addr.is_unspecified:
        raise ValueError(f"{what} {addr} is the unspecified address (none): leave it unset")
    return addr


def _via(value: IPAddress, family: int, gateway: object) -> IPAddress:
    """RTA_VIA: an IPv6 gateway of an IPv4 route, and only that (fib_gw_from_via)."""
    if value.version == 4:
        raise ValueError(
            f"route via {value} is IPv4: give it as gateway= (via is an IPv6 gateway of "
            "an IPv4 route)"
        )
    if family == AF_INET6:
        raise ValueError(f"route via {value} on an IPv6 route: IPv6 has no RTA_VIA (give gateway=)")
    if gateway is not None:
        raise ValueError(f"route gateway {gateway!r} and via {value} both given: give one")
    return _specified(value, "route via")


def _nhid_alone(nhid: object, has_path: bool) -> None:
    """RTA_NH_ID: the nexthop object gives the route's path, so the route gives none."""
    if nhid is None:
        return
    n = _check.nexthop_id(nhid, "route nhid")
    if has_path:
        # rtm_to_fib_config: "Nexthop specification and nexthop id are mutually exclusive".
        raise ValueError(
            f"route nhid {n} with a gateway, via, oif or nexthops: the nexthop object "
            "gives the path, so give one or the other"
        )


def _expires(expires: object, family: int, dst: IPNetwork) -> None:
    """RTA_EXPIRES, seconds: IPv6 only (IPv4's rtm_to_fib_config ignores it)."""
    if expires is None:
        return
    n = _check.integer(expires, "route expires", 1, 0xFFFFFFFE)  # 0xFFFFFFFF: forever
    if family != AF_INET6:
        raise ValueError(f"route expires ({n}) is IPv6-only; {dst} is IPv4 (it would be ignored)")


def _default_scope(family: int, rtype: int, has_gateway: bool, *, delete: bool) -> int:
    """The scope ``ip route`` picks when none is given (iproute2 ip/iproute.c)."""
    if family == AF_INET6:
        return _UNIVERSE
    if rtype in _V4_HOST_ROUTE_TYPES:
        return _HOST
    if rtype in _LINK_SCOPE_TYPES:
        return _LINK
    if rtype in _UNICAST_LIKE:
        if delete:
            return _NOWHERE
        if not has_gateway:
            return _LINK
    return _UNIVERSE


def label(route: Route, names: Mapping[int, str] | None = None) -> str:
    """``ip route`` syntax for a route, for error messages: ``10.1.0.0/16 via 10.0.0.1``.

    A device is named as the caller named it: by its name when ``names``
    (index -> name, from the verb's ``dev=``) has it, else ``dev ifindex N``.
    """
    if not isinstance(route, Route):
        raise TypeError(f"route must be a Route, not {type(route).__name__}: {_check._show(route)}")
    if names is not None and not isinstance(names, Mapping):
        raise TypeError(f"names must be a mapping of index to name, not {_check._show(names)}")
    parts = [_dst_text(route.dst)]
    if route.type not in _UNICAST_LIKE:
        try:
            parts.insert(0, RTN(route.type).name.lower())
        except ValueError:
            parts.insert(0, f"type {route.type}")
    if route.nhid is not None:  # the path is the nexthop object's (requests send only nhid)
        parts.append(f"nhid {route.nhid}")
    elif route.gateway is not None:
        parts.append(f"via {route.gateway}")
    if route.via is not None and route.nhid is None:
        parts.append(f"via inet6 {route.via}")
    if route.oif is not None and route.nhid is None:
        parts.append(f"dev {_dev_text(route.oif, names)}")
    for nh in route.nexthops if route.nhid is None else ():
        parts.append(
            "nexthop"
            + (f" via {nh.gateway}" if nh.gateway is not None else "")
            + (f" dev {_dev_text(nh.oif, names)}" if nh.oif is not None else "")
            + (f" weight {nh.weight}" if nh.weight != 1 else "")
        )
    if route.table not in (RT_TABLE.MAIN, 0):
        parts.append(f"table {route.table}")
    if route.metric is not None:
        parts.append(f"metric {route.metric}")
    return " ".join(parts)


def _dev_text(index: int, names: Mapping[int, str] | None) -> str:
    name = names.get(index) if names else None
    return name if name is not None else f"ifindex {index}"


def _dst_text(dst: IPNetwork) -> str:
    return "default" if dst.prefixlen == 0 else str(dst)
