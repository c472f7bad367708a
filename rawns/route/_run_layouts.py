"""Speed machinery for the single route messages of a dump: layouts, one per message shape.

Nothing here is needed for correctness: :class:`~rawns.route._runs.RouteRuns`
uses it to decode a message faster than :func:`~rawns.route._runs.parse_message`
would, to exactly the same :class:`Route`, and ``tests/unit/test_route_run_layouts.py``
checks that (and that learning stays bounded, by counting).

A router's table mixes shapes (IPv4 and IPv6, gateways and device routes,
metrics, multipath), so runs of alike messages are short there, but the kernel
writes few shapes: fib_dump_info and rt6_fill_node put the attributes in a
fixed order, each present or not. A message's shape (its family, length and
the header of each attribute) fixes where every value lies. A :class:`Layout`
is one such shape: one Struct reads the family, ``src_len`` and every
attribute header of a message (equal to the layout's: the message has this
shape), a second reads the values, in the family's order, an absent attribute
as ``b""``. The walk over attributes, with its tests per attribute, is gone.

Nested values (RTA_METRICS, RTA_MULTIPATH) and RTA_CACHEINFO repeat across a
table; each is decoded by the plain decoder's own functions once per distinct
value and then shared (the results are immutable, like the gateways that
:func:`~rawns._inet.addr_from_bytes` shares). If anything about a message is
unusual (a prefix length the plain decoder refuses, a nested value it cannot
parse), :func:`decode` returns None and the message takes the plain walk,
which gives the plain decoder's result or error.

Layouts are learned from the dump: see :meth:`RouteRuns
<rawns.route._runs.RouteRuns>` for how often; :func:`learn` walks one message
and builds its layout if the shape is one a layout can hold (every attribute
one of those below, at most once, in the family's order, of its size).
"""

from __future__ import annotations

from collections.abc import Callable
from ipaddress import IPv4Address, IPv4Network, IPv6Address, IPv6Network
from struct import Struct
from typing import Any

from .._inet import AF_INET, AF_INET6, IPAddress
from .._rtnl import RTA, RTMSG
from .._wire import NLA_TYPE_MASK, NLMSG_HDRLEN, Attr
from ..errors import DecodeError
from ._decode import _parse_metrics, _parse_nexthops, cacheinfo_expires
from ._types import _NLA, _U32, Nexthop, Route

#: Each family's attributes a layout may hold, in the kernel's order
#: (net/ipv4/fib_semantics.c: fib_dump_info; net/ipv6/route.c: rt6_fill_node).
ORDER = {
    AF_INET: (RTA.TABLE, RTA.DST, RTA.PRIORITY, RTA.METRICS, RTA.PREFSRC, RTA.GATEWAY,
              RTA.OIF, RTA.MULTIPATH),
    AF_INET6: (RTA.TABLE, RTA.DST, RTA.PREFSRC, RTA.METRICS, RTA.PRIORITY, RTA.GATEWAY,
               RTA.OIF, RTA.MULTIPATH, RTA.CACHEINFO, RTA.PREF),
}  # fmt: skip
_U32_KINDS = frozenset((RTA.TABLE, RTA.PRIORITY, RTA.OIF))
_ADDR_KINDS = frozenset((RTA.DST, RTA.PREFSRC, RTA.GATEWAY))
_RAW_KINDS = frozenset((RTA.METRICS, RTA.MULTIPATH))  # nested: their payload, decoded later
#: nlmsghdr (checked by the walker), then rtmsg: dst_len, tos, protocol, scope,
#: type, flags (family and src_len are in the signature, rtm_table is replaced
#: by RTA_TABLE, which a layout requires).
_HEAD = f"={NLMSG_HDRLEN}xxBxBxBBBI"
#: At most this many layouts in all, and per message length.
LAYOUTS_MAX = 64
PER_SIZE_MAX = 4
#: Shared decoded values (each dict emptied when it grows past this).
VALUES_MAX = 4096


class Layout:
    """One message shape: its length, family and attribute headers (see the module docstring)."""

    __slots__ = ("fields", "has_metric", "has_oif", "need_dst", "sig", "size", "want")

    def __init__(self, size: int, family: int, attrs: list[tuple[int, int, int]]) -> None:
        """``attrs``: ``(offset, length, type)`` of each attribute, offsets from the nlmsghdr."""
        self.size = size
        # The nlmsghdr's type, flags, seq and port first (a dump's own: see candidates).
        sig, want = f"=4x{NLMSG_HDRLEN - 4}sBxB", [family, 0]
        at = NLMSG_HDRLEN + 3
        fmt, have = _HEAD, {atype & NLA_TYPE_MASK: (off, n) for off, n, atype in attrs}
        pos = NLMSG_HDRLEN + RTMSG.size
        for off, n, atype in attrs:
            sig += f"{off - at}xI"
            want.append(n | atype << 16)
            at = off + 4
        alen = 4 if family == AF_INET else 16
        for kind in ORDER[family]:
            if kind not in have:
                fmt += "0s"
                continue
            off, n = have[kind]
            fmt += f"{off - pos}x"
            if kind in _U32_KINDS:
                fmt += "4xI"
            elif kind in _ADDR_KINDS:
                fmt += f"4x{alen}s"
            elif kind == RTA.PREF:
                fmt += f"4xB{n - 5}x"
            elif kind == RTA.CACHEINFO:
                fmt += f"{n}s"  # header and value: the header is the Attr's type
            else:
                fmt += f"4x{n - 4}s"
            pos = off + n
        self.sig, self.want = Struct(sig), tuple(want)
        self.fields = Struct(fmt)
        self.need_dst = RTA.DST not in have
        self.has_metric = RTA.PRIORITY in have
        self.has_oif = RTA.OIF in have

    def fits(self, data: bytes, off: int) -> bool:
        """Whether the message at ``off`` (of this layout's length) has this shape."""
        return bool(self.sig.unpack_from(data, off)[1:] == self.want)


def learn(data: bytes, off: int) -> Layout | None:
    """The layout of the message at ``off`` (whole in ``data``), or None if none can hold it."""
    size: int = _U32.unpack_from(data, off)[0]
    end = off + size
    start = off + NLMSG_HDRLEN
    if size < NLMSG_HDRLEN + RTMSG.size or data[start + 2]:  # src_len: no layout holds RTA_SRC
        return None
    family = data[start]
    order = ORDER.get(family)
    if order is None:
        return None
    alen = 4 if family == AF_INET else 16
    attrs: list[tuple[int, int, int]] = []
    a = start + RTMSG.size
    last = -1
    while a < end:
        if end - a < 4:
            return None
        n, atype = _NLA.unpack_from(data, a)
        kind = atype & NLA_TYPE_MASK
        if n < 4 or a + n > end or kind not in order or order.index(kind) <= last:
            return None
        last = order.index(kind)
        if (
            (kind in _U32_KINDS and n != 8)
            or (kind in _ADDR_KINDS and n != 4 + alen)
            or (kind == RTA.PREF and n < 5)
        ):
            return None
        attrs.append((a - off, n, atype))
        a += (n + 3) & ~3
    if not attrs or attrs[0][2] & NLA_TYPE_MASK != RTA.TABLE:
        return None
    return Layout(size, family, attrs)


# -- decoding with a layout ---------------------------------------------------------

_new = object.__new__
_MISS: Any = object()
_ADDRS: dict[bytes, IPAddress | None] = {b"": None}
_METRICS: dict[bytes, tuple[tuple[int, int | bytes], ...]] = {}
_HOPS4: dict[bytes, tuple[Nexthop, ...]] = {}
_HOPS6: dict[bytes, tuple[Nexthop, ...]] = {}
_CACHEINFO: dict[bytes, tuple[tuple[Attr, ...], int | None]] = {b"": ((), None)}


def _addr(raw: bytes) -> IPAddress | None:
    if not raw:  # absent (b"" may be missing for a moment after a clear)
        return None
    a = _ADDRS.get(raw, _MISS)
    if a is _MISS:
        if len(_ADDRS) >= VALUES_MAX:
            _ADDRS.clear()
            _ADDRS[b""] = None
        a = _ADDRS[raw] = IPv4Address(raw) if len(raw) == 4 else IPv6Address(raw)
    return a  # type: ignore[no-any-return]  # the _MISS sentinel is Any


def _metrics(raw: bytes) -> tuple[tuple[int, int | bytes], ...]:
    m = _METRICS.get(raw)
    if m is None:
        m = _parse_metrics(raw, 0, len(raw))  # may raise: the plain walk reports it
        if len(_METRICS) >= VALUES_MAX:
            _METRICS.clear()
        _METRICS[raw] = m
    return m


def _hops(raw: bytes, alen: int) -> tuple[Nexthop, ...]:
    cache = _HOPS6 if alen == 16 else _HOPS4
    h = cache.get(raw)
    if h is None:
        h = _parse_nexthops(raw, 0, len(raw), alen)  # may raise, as _metrics
        if len(cache) >= VALUES_MAX:
            cache.clear()
        cache[raw] = h
    return h


def _cacheinfo(raw: bytes) -> tuple[tuple[Attr, ...], int | None]:
    """RTA_CACHEINFO (header and value): the route's ``attrs`` and ``expires``, as plain."""
    if not raw:  # absent, as _addr
        return (), None
    c = _CACHEINFO.get(raw)
    if c is None:
        value = raw[4:]
        atype: int = _NLA.unpack_from(raw)[1]
        c = ((Attr(atype, value),), cacheinfo_expires(value, 0, len(value)))
        if len(_CACHEINFO) >= VALUES_MAX:
            _CACHEINFO.clear()
            _CACHEINFO[b""] = ((), None)
        _CACHEINFO[raw] = c
    return c


def _masks(cls: type[IPv4Network] | type[IPv6Network], bits: int) -> tuple[Any, ...]:
    make: Callable[[int], tuple[Any, int]] = getattr(cls, "_make_netmask")  # noqa: B009 - private
    return tuple(make(p) for p in range(bits + 1))


#: (netmask, prefixlen) and the mask as an int, per prefix length, as _runs' _net4/_net6.
_MASKS4, _MASKS6 = _masks(IPv4Network, 32), _masks(IPv6Network, 128)
_MASK_INTS4 = tuple(int(m) for m, _ in _MASKS4)
_MASK_INTS6 = tuple(int(m) for m, _ in _MASKS6)


def _one_host(a: IPAddress) -> Callable[[], list[IPAddress]]:
    return lambda: [a]


def decode(
    lay: Layout, data: bytes, off: int, origin: tuple[int, int] | None, slots: type
) -> Route | None:
    """The route of the message at ``off`` (which :meth:`Layout.fits`), or None: plain walk.

    ``slots`` is :class:`rawns.route._runs._RouteSlots` (Route's slots, unfrozen).
    """
    values = lay.fields.unpack_from(data, off)
    dst_len = values[0]
    r: Any = _new(slots)
    try:
        if len(values) == 16:  # IPv6 (ORDER: 10 attributes after rtmsg's 6)
            if dst_len > 128 or (lay.need_dst and dst_len):
                return None
            (_, tos, protocol, scope, rtype, flags, table, dst, prefsrc, metrics, metric,
             gateway, oif, hops, cinfo, pref) = values  # fmt: skip
            r.family = AF_INET6
            a: Any = _new(IPv6Address)
            a._ip = int.from_bytes(dst, "big") & _MASK_INTS6[dst_len]
            a._scope_id = None
            net: Any = _new(IPv6Network)
            net.network_address = a
            net.netmask, net._prefixlen = _MASKS6[dst_len]
            if dst_len >= 127:
                net.hosts = net.__iter__ if dst_len == 127 else _one_host(a)
            r.metrics = (_METRICS.get(metrics) or _metrics(metrics)) if metrics else ()
            r.nexthops = (_HOPS6.get(hops) or _hops(hops, 16)) if hops else ()
            r.attrs, r.expires = _CACHEINFO.get(cinfo) or _cacheinfo(cinfo)
            r.pref = None if pref == b"" else pref
        else:
            if dst_len > 32 or (lay.need_dst and dst_len):
                return None
            (_, tos, protocol, scope, rtype, flags, table, dst, metric, metrics, prefsrc,
             gateway, oif, hops) = values  # fmt: skip
            r.family = AF_INET
            a = _new(IPv4Address)
            a._ip = int.from_bytes(dst, "big") & _MASK_INTS4[dst_len]
            net = _new(IPv4Network)
            net.network_address = a
            net.netmask, net._prefixlen = _MASKS4[dst_len]
            if dst_len >= 31:
                net.hosts = net.__iter__ if dst_len == 31 else _one_host(a)
            r.metrics = (_METRICS.get(metrics) or _metrics(metrics)) if metrics else ()
            r.nexthops = (_HOPS4.get(hops) or _hops(hops, 4)) if hops else ()
            r.attrs = ()
            r.pref = r.expires = None
    except DecodeError:
        return None
    r.dst = net
    try:  # gateways and prefsrcs repeat: a miss is rare (a try costs nothing in 3.11)
        r.gateway = _ADDRS[gateway]
    except KeyError:
        r.gateway = _addr(gateway)
    try:
        r.prefsrc = _ADDRS[prefsrc]
    except KeyError:
        r.prefsrc = _addr(prefsrc)
    r.oif = oif if lay.has_oif else None
    r.metric = metric if lay.has_metric else None
    r.table = table
    r.protocol = protocol
    r.scope = scope
    r.type = rtype
    r.flags = flags
    r.tos = tos
    r.src = r.iif = r.via = r.nhid = None
    r.origin = origin
    r.__class__ = Route
    return r  # type: ignore[no-any-return]  # r is Any: a Route by now


#: The layouts learned so far, by message length (at most LAYOUTS_MAX, PER_SIZE_MAX a length).
LAYOUTS: dict[int, tuple[Layout, ...]] = {}
#: Candidates of a dump, as :func:`candidates` makes them.
Candidates = tuple[tuple[Callable[[bytes, int], tuple[Any, ...]], tuple[Any, ...], Layout], ...]


def candidates(size: int, head: bytes) -> Candidates:
    """The layouts of messages of ``size`` bytes, for a dump whose headers end with ``head``.

    Each as ``(unpack, want, layout)``: ``unpack(data, off) == want`` when the
    message at ``off`` has the layout's shape and the dump's type, flags, seq
    and port (``head``: the nlmsghdr's last 12 bytes).
    """
    return tuple((lay.sig.unpack_from, (head, *lay.want), lay) for lay in LAYOUTS.get(size, ()))


def remember(lay: Layout) -> bool:
    """Add ``lay`` to :data:`LAYOUTS` unless it is there already or they are full."""
    have = LAYOUTS.get(lay.size, ())
    if len(have) >= PER_SIZE_MAX or any(x.want == lay.want for x in have):
        return False
    if sum(map(len, LAYOUTS.values())) >= LAYOUTS_MAX:
        return False
    LAYOUTS[lay.size] = (*have, lay)
    return True
