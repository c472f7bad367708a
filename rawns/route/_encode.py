"""Building route requests: the pure twins of the verbs (``build_*``)."""

from __future__ import annotations

import sys
from collections.abc import Sequence

from .. import _check
from .._inet import AF_INET, AF_INET6, family_of, to_address
from .._rtnl import NLM_F, RT_TABLE, RTA, RTM, RTM_F, RTMSG, RTNH_F
from .._wire import Writer
from ._types import _NLA, _RTNEXTHOP, Nexthop, Route

TYPE_CHECKING = False  # not typing's: importing it costs (rawns._typing)
if TYPE_CHECKING:
    from .._inet import IPAddress

_F_ADD = int(NLM_F.REQUEST | NLM_F.ACK | NLM_F.CREATE | NLM_F.EXCL)
_F_REPLACE = int(NLM_F.REQUEST | NLM_F.ACK | NLM_F.CREATE | NLM_F.REPLACE)
_F_DELETE = int(NLM_F.REQUEST | NLM_F.ACK)
_F_GET = int(NLM_F.REQUEST | NLM_F.ACK)
_F_DUMP = int(NLM_F.REQUEST | NLM_F.DUMP)
# What every add/replace/delete reads, as ints: an IntEnum member costs an
# enum.property lookup on Python 3.11 (rarer attributes keep RTA.X below).
_NEWROUTE, _DELROUTE = int(RTM.NEWROUTE), int(RTM.DELROUTE)
_RTA_DST, _RTA_GATEWAY, _RTA_OIF = int(RTA.DST), int(RTA.GATEWAY), int(RTA.OIF)
_RTA_PREFSRC, _RTA_PRIORITY, _RTA_TABLE = int(RTA.PREFSRC), int(RTA.PRIORITY), int(RTA.TABLE)


def _build(route: Route, mtype: int, flags: int) -> bytes:
    """One RTM_*ROUTE request, attributes in the order ``ip route`` writes them.

    Layout (iproute2 ``iproute_modify``): RTA_DST, RTA_SRC, RTA_GATEWAY,
    RTA_PREFSRC, RTA_PRIORITY, RTA_TABLE (ids >= 256 only; smaller ones ride
    in ``rtm_table``), RTA_PREF, RTA_IIF, RTA_OIF, RTA_METRICS, RTA_MULTIPATH.
    (``ip`` writes the attributes it reads in its loop in the order given;
    RTA_VIA, RTA_EXPIRES and RTA_NH_ID follow RTA_GATEWAY, RTA_PREF and the
    rest here.) A route with ``nhid`` sends no path of its own (gateway, via,
    oif, nexthops): a dumped one shows its nexthop object's, which the
    kernel refuses beside RTA_NH_ID.
    """
    if not isinstance(route, Route):
        raise TypeError(f"route must be a Route, not {type(route).__name__}: {_check._show(route)}")
    _check_request(route, mtype)
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
            # A route on a blackhole nexthop object is reported as RTN_BLACKHOLE
            # but stored as asked (unicast): delete it by its nhid, any type.
            0 if route.nhid is not None and mtype == _DELROUTE else route.type,
            route.flags,
        )
    )
    if dst.prefixlen:
        w.put(_RTA_DST, dst.network_address.packed)
    if src is not None and src.prefixlen:
        w.put(RTA.SRC, src.network_address.packed)
    path = route.nhid is None
    if path and route.gateway is not None:
        w.put(_RTA_GATEWAY, route.gateway.packed)
    if path and route.via is not None:
        w.put(RTA.VIA, _via(route.via))
    if route.prefsrc is not None:
        w.put(_RTA_PREFSRC, route.prefsrc.packed)
    if route.metric is not None:
        w.put_u32(_RTA_PRIORITY, route.metric)
    if table >= 256:
        w.put_u32(_RTA_TABLE, table)
    if route.pref is not None:
        w.put_u8(RTA.PREF, route.pref)
    if route.expires is not None and mtype == _NEWROUTE:
        w.put_u32(RTA.EXPIRES, route.expires)
    if route.iif is not None:
        w.put_u32(RTA.IIF, route.iif)
    if path and route.oif is not None:
        w.put_u32(_RTA_OIF, route.oif)
    if route.metrics:
        with w.nest_noflag(RTA.METRICS):  # ip sends RTA_METRICS without NLA_F_NESTED
            for t, v in route.metrics:
                if isinstance(v, int):
                    w.put_u32(t, v)
                else:
                    w.put(t, v)
    if path and route.nexthops:
        w.put(RTA.MULTIPATH, _encode_nexthops(route.nexthops))
    if route.nhid is not None:
        w.put_u32(RTA.NH_ID, route.nhid)
    w.end()
    return w.data()


def _via(addr: IPAddress) -> bytes:
    """``struct rtvia``: the address family (u16, host order), then the address."""
    fam = AF_INET6 if addr.version == 6 else AF_INET
    return fam.to_bytes(2, sys.byteorder) + addr.packed


#: rtm_flags a request may carry: RTNH_F_ONLINK. The kernel sets the others
#: itself (RTM_F_CLONED, RTM_F_OFFLOAD...), refuses DEAD and LINKDOWN, and
#: ignores the rest, so a route asked with them would be made without.
_REQUEST_FLAGS = int(RTNH_F.ONLINK)


def _check_request(route: Route, mtype: int) -> None:
    """What a Route can hold but a request cannot carry: refused, not dropped.

    A :class:`Route` is also what a lookup (:func:`~rawns.route.get`) returns,
    whose ``iif`` and (IPv4) ``src`` are the lookup's inputs; the kernel reads
    neither when adding or deleting a route, so it would silently make or
    match another route than the one given.
    """
    if route.iif is not None:
        raise ValueError(
            f"route iif {route.iif} is a lookup's input interface (route.get(iif=...)); "
            "a route request has none and the kernel would ignore it"
        )
    if route.src is not None and route.family == AF_INET:
        raise ValueError(
            f"route src (from) {route.src} on an IPv4 route: the kernel has no source "
            "prefix for IPv4 routes and would ignore it (use a rule: rule.add(src=...))"
        )
    if route.expires is not None and route.family == AF_INET and mtype == _NEWROUTE:
        raise ValueError(
            f"route expires ({route.expires}) on an IPv4 route (a cached route from "
            "route.get): IPv4 routes have no lifetime and the kernel would ignore it"
        )
    if mtype == _NEWROUTE and route.flags & ~_REQUEST_FLAGS:
        raise ValueError(
            f"route flags {route.flags:#x}: a request may set only RTNH_F_ONLINK "
            f"({_REQUEST_FLAGS:#x}, onlink=True); the kernel sets or ignores the others"
        )


def _encode_nexthops(hops: Sequence[Nexthop]) -> bytes:
    out = bytearray()
    for nh in hops:
        body = b""
        if nh.gateway is not None:
            body = _NLA.pack(4 + len(nh.gateway.packed), RTA.GATEWAY) + nh.gateway.packed
            body += b"\0" * (-len(body) & 3)
        for a in nh.attrs:
            body += _NLA.pack(4 + len(a.value), a.type) + a.value + b"\0" * (-len(a.value) & 3)
        out += _RTNEXTHOP.pack(_RTNEXTHOP.size + len(body), nh.flags, nh.weight - 1, nh.oif or 0)
        out += body
    return bytes(out)


def build_add(route: Route) -> bytes:
    """RTM_NEWROUTE with NLM_F_CREATE|NLM_F_EXCL (``ip route add``)."""
    return _build(route, _NEWROUTE, _F_ADD)


def build_replace(route: Route) -> bytes:
    """RTM_NEWROUTE with NLM_F_CREATE|NLM_F_REPLACE (``ip route replace``)."""
    return _build(route, _NEWROUTE, _F_REPLACE)


def build_delete(route: Route) -> bytes:
    """RTM_DELROUTE (``ip route del``); zero protocol/type and scope 255 match any."""
    return _build(route, _DELROUTE, _F_DELETE)


def build_dump(
    *,
    family: int = 0,
    table: int | None = int(RT_TABLE.MAIN),
    oif: int | None = None,
    protocol: int | None = None,
    type: int | None = None,
) -> bytes:
    """RTM_GETROUTE dump, filtered in the kernel (strict checking honours these filters)."""
    check_family(family, "route dump family")
    t = _check.optional(table, _check.uint, 32, "route dump table") or 0
    _check.optional(oif, _check.ifindex, "route dump oif")
    proto = _check.optional(protocol, _check.uint, 8, "route dump protocol") or 0
    rtype = _check.optional(type, _check.uint, 8, "route dump type") or 0
    w = Writer()
    w.begin(RTM.GETROUTE, flags=_F_DUMP)
    w.put_bytes_raw(RTMSG.pack(family, 0, 0, 0, t if t < 256 else 0, proto, 0, rtype, 0))
    if t >= 256:
        w.put_u32(RTA.TABLE, t)
    if oif is not None:
        w.put_u32(RTA.OIF, oif)
    w.end()
    return w.data()


def check_family(family: object, what: str) -> int:
    """0 (both), AF_INET or AF_INET6."""
    fam = _check.integer(family, what, 0, 255)
    if fam not in (0, AF_INET, AF_INET6):
        raise ValueError(f"{what} must be 0, AF_INET (2) or AF_INET6 (10), not {family!r}")
    return fam


def check_get(
    dst: object,
    *,
    src: object = None,
    iif: object = None,
    oif: object = None,
    mark: object = None,
    tos: object = 0,
    fibmatch: object = False,
    family: object = 0,
    uid: object = None,
    ipproto: object = None,
    sport: object = None,
    dport: object = None,
) -> tuple[IPAddress, IPAddress | None]:
    """Every argument of :func:`build_get` checked; the destination and source, normalised.

    ``iif``/``oif`` may be None here (the verb checks its ``dev=``/``iif=``
    references itself, then resolves them).
    """
    fam = check_family(family, "route get family")
    _check.no_zone(dst, "route get dst")
    d = to_address(dst, "route get dst", fam or None)
    s = None
    if src is not None:
        _check.no_zone(src, "route get src (from)")
        s = to_address(src, "route get src (from)", family_of(d))
    _check.optional(iif, _check.ifindex, "route get iif")
    _check.optional(oif, _check.ifindex, "route get oif")
    _check.optional(mark, _check.uint, 32, "route get mark")
    _check.uint(tos, 8, "route get tos")
    _check.boolean(fibmatch, "route get fibmatch")
    # (uid_t)-1 is the kernel's "no uid" (INVALID_UID).
    _check.optional(uid, _check.integer, "route get uid", 0, 0xFFFFFFFE)
    if ipproto is not None:
        _check.ip_proto(ipproto, "route get ipproto")
    _check.optional(sport, _check.port, "route get sport")
    _check.optional(dport, _check.port, "route get dport")
    return d, s


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
    uid: int | None = None,
    ipproto: int | str | None = None,
    sport: int | None = None,
    dport: int | None = None,
) -> bytes:
    """RTM_GETROUTE for one destination (``ip route get``), with NLM_F_ACK.

    Like ``ip route get`` it sets RTM_F_LOOKUP_TABLE for IPv4, so the answer
    names the table the route came from (IPv6 answers name it anyway);
    ``fibmatch`` asks for the matching FIB entry rather than the resolved
    path (``ip route get fibmatch``). ``uid``, ``ipproto`` (``"tcp"``,
    ``"udp"``, ``"icmp"``/``"ipv6-icmp"`` or a number), ``sport`` and
    ``dport`` select the flow as a socket's would (policy rules on them).

    Attributes: RTA_DST, RTA_SRC, RTA_UID, RTA_IP_PROTO, RTA_SPORT, RTA_DPORT,
    RTA_IIF, RTA_OIF, RTA_MARK (``ip`` writes the ones of its loop in the
    order given, then iif, oif and mark).
    """
    d, s = check_get(
        dst, src=src, iif=iif, oif=oif, mark=mark, tos=tos, fibmatch=fibmatch, family=family,
        uid=uid, ipproto=ipproto, sport=sport, dport=dport,
    )  # fmt: skip
    fam = family_of(d)
    flags = int(RTM_F.FIB_MATCH) if fibmatch else 0
    if fam == AF_INET:
        # IPv6 refuses any flag but FIB_MATCH under strict checking (net/ipv6/
        # route.c: inet6_rtm_valid_getroute_req); ip gets away with it because
        # its socket is not strict.
        flags |= int(RTM_F.LOOKUP_TABLE)
    w = Writer()
    w.begin(RTM.GETROUTE, flags=_F_GET)
    w.put_bytes_raw(
        RTMSG.pack(
            fam, d.max_prefixlen, 0 if s is None else s.max_prefixlen, tos, 0, 0, 0, 0, flags
        )
    )
    w.put(RTA.DST, d.packed)
    if s is not None:
        w.put(RTA.SRC, s.packed)
    if uid is not None:
        w.put_u32(RTA.UID, uid)
    if ipproto is not None:
        w.put_u8(RTA.IP_PROTO, _check.ip_proto(ipproto))
    if sport is not None:
        w.put_be16(RTA.SPORT, sport)
    if dport is not None:
        w.put_be16(RTA.DPORT, dport)
    if iif is not None:
        w.put_u32(RTA.IIF, iif)
    if oif is not None:
        w.put_u32(RTA.OIF, oif)
    if mark is not None:
        w.put_u32(RTA.MARK, mark)
    w.end()
    return w.data()
