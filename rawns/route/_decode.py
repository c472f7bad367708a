"""Decoding RTM_NEWROUTE into :class:`Route`: the plain decoder.

One explicit pass over ``struct rtmsg`` and its attributes, spelled as
``include/uapi/linux/rtnetlink.h`` spells them, with :mod:`ipaddress`'s
public constructors. Every decoded route comes from here, except those of
a dump: :mod:`rawns.route._runs` (runs of alike IPv4 routes, and single
messages) and :mod:`rawns.route._run_layouts` (a layout per message shape)
decode those faster and are tested against this module (they must give the
same routes, or the same errors).
"""

from __future__ import annotations

import struct
import sys

from .. import _check
from .._dataclass import fields
from .._inet import AF_INET, AF_INET6, addr_from_bytes, ip
from .._rtnl import RTA, RTAX, RTMSG
from .._typing import overload
from .._wire import NLA_TYPE_MASK, Attr, iter_attrs
from ..errors import DecodeError
from ._types import _NLA, _RTNEXTHOP, _U32, Nexthop, Route

TYPE_CHECKING = False  # not typing's: importing it costs (rawns._typing)
if TYPE_CHECKING:
    from .._inet import IPAddress, IPNetwork

_new = object.__new__
_set = object.__setattr__
_ROUTE_FIELDS = tuple(f.name for f in fields(Route))
_S32 = struct.Struct("=i")


@overload
def parse_route(payload: bytes, origin: tuple[int, int] | None = None) -> Route: ...
@overload
def parse_route(
    payload: bytes, start: int, /, end: int | None = None, origin: tuple[int, int] | None = None
) -> Route: ...  # the old form: deprecated


# The implementation takes the new form's origin and the old form's start in one
# positional slot (told apart by type), which mypy cannot match to signature 1's
# "origin, positional or keyword"; the overloads above are the typed API.
def parse_route(  # type: ignore[misc]
    payload: bytes,
    start: int | tuple[int, int] | None = None,
    /,
    end: int | None = None,
    origin: tuple[int, int] | None = None,
) -> Route:
    """Decode an RTM_NEWROUTE/DELROUTE payload (rtmsg + attributes) into a :class:`Route`.

    ``payload`` is the part after the netlink header, as every ``parse_*``
    takes it: ``parse_route(payload, origin=None)``. ``origin`` is kept in
    :attr:`Route.origin` (the verbs pass their handle's
    :attr:`~rawns.Handle.netns_ident`). Raises
    :class:`~rawns.errors.DecodeError` on malformed input or a family other
    than IPv4/IPv6.

    The old form ``parse_route(data, start, end=None, origin=None)`` (an int
    second argument: an offset into ``data``) still works for one release,
    with a :class:`DeprecationWarning`.
    """
    if start is None or isinstance(start, tuple):
        if start is not None and origin is not None:
            raise TypeError("parse_route() got origin twice (positional and origin=)")
        if end is not None:
            raise TypeError("parse_route(payload, origin=None) takes no end= (slice the payload)")
        return parse_route_at(payload, 0, None, origin if start is None else start)
    import warnings  # here: only a deprecated call needs it (issue 13: import cost)

    warnings.warn(
        "parse_route(data, start, end) is deprecated: pass the payload itself, "
        "parse_route(data[start:end], origin=...)",
        DeprecationWarning,
        stacklevel=2,
    )
    return parse_route_at(payload, start, end, origin)


def parse_route_at(
    payload: bytes, start: object, end: object, origin: tuple[int, int] | None
) -> Route:
    """:func:`parse_route` of ``payload[start:end]`` (``end`` None: to its end), in place.

    The dump decoders' form: a message is decoded where it sits in the
    datagram, without a copy.
    """
    start, end = _check.span(payload, start, end)
    if end - start < RTMSG.size:
        raise DecodeError(f"rtmsg needs {RTMSG.size} bytes, got {end - start}", offset=start)
    family, dst_len, src_len, tos, table, protocol, scope, rtype, flags = RTMSG.unpack_from(
        payload, start
    )
    if family == AF_INET:
        alen = 4
    elif family == AF_INET6:
        alen = 16
    else:
        raise DecodeError(f"route family {family} is not IPv4 or IPv6", offset=start)
    if dst_len > alen * 8 or src_len > alen * 8:
        raise DecodeError(
            f"route prefix lengths dst {dst_len} / src {src_len} exceed {alen * 8} bits",
            offset=start + 1,
        )
    dst = src = None
    gateway = prefsrc = None
    oif = metric = iif = pref = nhid = expires = None
    via: IPAddress | None = None
    metrics: tuple[tuple[int, int | bytes], ...] = ()
    nexthops: tuple[Nexthop, ...] = ()
    rest: list[Attr] = []
    off = start + RTMSG.size
    # The walk of iter_attrs, with this decoder's own messages for bad lengths.
    while off < end:
        if end - off < 4:
            raise DecodeError(f"truncated attribute header: {end - off} bytes left", offset=off)
        n, atype = _NLA.unpack_from(payload, off)
        a, b = off + 4, off + n
        if n < 4 or b > end:
            raise DecodeError(
                f"route attribute {atype & NLA_TYPE_MASK} length {n} is invalid "
                f"({end - off} bytes left)",
                offset=off,
            )
        t = atype & NLA_TYPE_MASK
        if t == RTA.TABLE:
            table = _u32(payload, off, n, "RTA_TABLE payload")
        elif t == RTA.DST:
            dst = _sized(payload, off, n, alen, "RTA_DST")
        elif t == RTA.GATEWAY:
            gateway = addr_from_bytes(_sized(payload, off, n, alen, "RTA_GATEWAY"))
        elif t == RTA.OIF:
            oif = _u32(payload, off, n, "RTA_OIF payload")
        elif t == RTA.PRIORITY:
            metric = _u32(payload, off, n, "RTA_PRIORITY")
        elif t == RTA.PREFSRC:
            prefsrc = addr_from_bytes(_sized(payload, off, n, alen, "RTA_PREFSRC"))
        elif t == RTA.PREF:
            if n < 5:
                raise DecodeError("RTA_PREF payload is empty", offset=off)
            pref = payload[a]
        elif t == RTA.MULTIPATH:
            nexthops = _parse_nexthops(payload, a, b, alen)
        elif t == RTA.METRICS:
            metrics = _parse_metrics(payload, a, b)
        elif t == RTA.SRC:
            src = network(family, _sized(payload, off, n, alen, "RTA_SRC"), src_len)
        elif t == RTA.IIF:
            iif = _u32(payload, off, n, "RTA_IIF payload")
        elif t == RTA.VIA:
            via = parse_via(payload, a, b)
        elif t == RTA.NH_ID:
            nhid = _u32(payload, off, n, "RTA_NH_ID payload")
        elif t == RTA.EXPIRES:
            expires = _u32(payload, off, n, "RTA_EXPIRES payload")
        else:
            if t == RTA.CACHEINFO and expires is None:
                expires = cacheinfo_expires(payload, a, b)
            rest.append(Attr(atype, payload[a:b]))
        off += (n + 3) & ~3
    if dst is None and dst_len:
        raise DecodeError(f"route with dst_len {dst_len} has no RTA_DST", offset=start)
    values = (
        family, network(family, dst or bytes(alen), dst_len), gateway, oif, prefsrc, metric,
        table, protocol, scope, rtype, flags, tos, src, iif, metrics, nexthops, pref,
        via, nhid, expires, tuple(rest), origin,
    )  # fmt: skip
    # Route's constructor checks what a caller asks for; a decoded route is
    # what the kernel reports, kept as reported (frozen, so set the way
    # dataclasses' own __init__ sets it).
    r = _new(Route)
    for name, value in zip(_ROUTE_FIELDS, values, strict=True):
        _set(r, name, value)
    return r


def parse_via(data: bytes, a: int, b: int) -> IPAddress:
    """RTA_VIA: ``struct rtvia``, a u16 address family and the address."""
    if b - a < 2:
        raise DecodeError(f"RTA_VIA is {b - a} bytes, expected at least 2", offset=a)
    fam = int.from_bytes(data[a : a + 2], sys.byteorder)
    want = 16 if fam == AF_INET6 else 4 if fam == AF_INET else -1
    if b - a - 2 != want:
        raise DecodeError(
            f"RTA_VIA family {fam} with a {b - a - 2}-byte address is not IPv4 or IPv6", offset=a
        )
    return addr_from_bytes(data[a + 2 : b])


#: The clock_t unit of rta_cacheinfo: USER_HZ, 100 on every Linux ABI.
USER_HZ = 100


def cacheinfo_expires(data: bytes, a: int, b: int) -> int | None:
    """Seconds left from ``struct rta_cacheinfo``'s ``rta_expires`` (a signed clock_t).

    Read as ``ip`` prints it (``rta_expires / hz``, truncated); ``None`` when
    the kernel reports 0 (no expiry) or the struct is too short to hold it.
    """
    if b - a < 12:
        return None
    ticks: int = _S32.unpack_from(data, a + 8)[0]
    if not ticks:
        return None
    return ticks // USER_HZ if ticks > 0 else -(-ticks // USER_HZ)


def network(family: int, raw: bytes, plen: int) -> IPNetwork:
    """The prefix ``raw/plen``; bits below the prefix are cleared (the kernel sends none)."""
    if family == AF_INET:
        return ip.IPv4Network((raw, plen), strict=False)
    return ip.IPv6Network((raw, plen), strict=False)


def _u32(data: bytes, off: int, n: int, what: str) -> int:
    if n != 8:
        raise DecodeError(f"{what} is {n - 4} bytes, expected 4", offset=off)
    value: int = _U32.unpack_from(data, off + 4)[0]
    return value


def _sized(data: bytes, off: int, n: int, alen: int, what: str) -> bytes:
    """An address-sized payload (4 bytes for IPv4, 16 for IPv6)."""
    if n - 4 != alen:
        raise DecodeError(f"{what} is {n - 4} bytes, expected {alen}", offset=off)
    return data[off + 4 : off + n]


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
        gateway: IPAddress | None = None
        rest: list[Attr] = []
        for atype, a, b in iter_attrs(data, off + _RTNEXTHOP.size, off + n):
            if atype & NLA_TYPE_MASK == RTA.GATEWAY:
                if b - a != alen:
                    raise DecodeError(f"nexthop RTA_GATEWAY is {b - a} bytes", offset=a)
                gateway = addr_from_bytes(data[a:b])
            else:
                rest.append(Attr(atype, data[a:b]))
        nh = _new(Nexthop)  # as reported, like the Route above
        _set(nh, "gateway", gateway)
        _set(nh, "oif", ifindex or None)
        _set(nh, "weight", hops + 1)  # rtnh_hops holds weight - 1
        _set(nh, "flags", flags)
        _set(nh, "attrs", tuple(rest))
        out.append(nh)
        off += (n + 3) & ~3
    return tuple(out)


def _parse_metrics(data: bytes, start: int, end: int) -> tuple[tuple[int, int | bytes], ...]:
    """RTA_METRICS: u32 RTAX_* values, except RTAX_CC_ALGO (a name) and odd sizes, kept raw."""
    out: list[tuple[int, int | bytes]] = []
    for atype, a, b in iter_attrs(data, start, end):
        t = atype & NLA_TYPE_MASK
        if b - a == 4 and t != RTAX.CC_ALGO:
            out.append((t, _U32.unpack_from(data, a)[0]))
        else:
            out.append((t, data[a:b]))
    return tuple(out)
