"""Speed machinery for ``aio.route.get(h, dst)``: the plain lookup, from a template.

Nothing here is needed for correctness: a lookup that names a destination
and nothing else (no ``src``, ``dev``, ``iif``, ``mark``... -- what a program
asks most often, and many at once) is answered here as the verb's plan
(:func:`rawns.route.get_plan`) answers it, with less work per lookup:

* the request is :func:`rawns.route.build_get`'s own bytes for a probe
  address of the family (built once), with the destination patched in and
  NLM_F_ACK cleared: the kernel's answer (RTM_NEWROUTE) ends the exchange,
  and a refusal still comes as NLMSG_ERROR (``netlink_rcv_skb`` acks an
  error whatever the flags), so a lookup costs one datagram back, not two;
* the answer is decoded straight from the datagram the channel read
  (:meth:`~rawns.aio._channel.AsyncChannel.lookup`), by one Struct per
  *shape* -- the attribute headers, in order, that the kernel's answers
  repeat (``inet_rtm_getroute`` writes RTA_TABLE, RTA_DST, RTA_OIF,
  RTA_PREFSRC, RTA_UID, RTA_CACHEINFO for a local destination): learned
  from the first answer of each length, checked on every answer (headers,
  family, prefix lengths), and filled in as :func:`rawns.route._runs.parse_message`
  fills a Route. An answer of another shape goes to parse_message itself
  (tested against the plain decoder); ``tests/unit/test_aio_route_get.py``
  checks the shapes against the plain decoder.

Anything else -- another argument, a destination the C parser refuses, an
address object with a zone, a closed or wrong handle -- goes through the
plan, so its errors are the plan's own. The templates are checked against
``build_get`` byte for byte by the same test module.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from ipaddress import IPv4Address
from struct import Struct
from typing import Any, cast

from .._inet import _pton, addr_from_bytes
from .._rtnl import NLM_F, RTA, RTM, RTMSG
from .._wire import NLA_TYPE_MASK, NLMSG_HDRLEN, Attr
from ..route import Route, _runs, build_get
from ..route._decode import cacheinfo_expires, parse_route_at
from ..route._types import _NLA
from ._handle import AsyncHandle

__all__ = ["decode", "lookup", "message", "template"]

_NOT_ACK = ~int(NLM_F.ACK) & 0xFFFF
_NEWROUTE = int(RTM.NEWROUTE)
_PROBES = {4: "255.255.255.255", 16: "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"}


def template(alen: int) -> tuple[bytes, int]:
    """``build_get(probe)`` without NLM_F_ACK, and where its RTA_DST address starts."""
    raw = bytearray(build_get(_PROBES[alen]))
    flags = int.from_bytes(raw[6:8], "little")
    raw[6:8] = (flags & _NOT_ACK).to_bytes(2, "little")
    head = (4 + alen).to_bytes(2, "little") + int(RTA.DST).to_bytes(2, "little")
    at = raw.find(head, NLMSG_HDRLEN) + 4
    if at < NLMSG_HDRLEN + 4:  # pragma: no cover - build_get always writes RTA_DST
        raise AssertionError("route get template lost its RTA_DST")
    return bytes(raw), at


_TEMPLATES = {alen: template(alen) for alen in _PROBES}


def message(packed: bytes) -> bytes:
    """The request for the packed address ``packed`` (4 or 16 bytes), seq 0."""
    raw, at = _TEMPLATES[len(packed)]
    return raw[:at] + packed + raw[at + len(packed) :]


def lookup(h: object, dst: object) -> Awaitable[Route] | None:
    """The lookup of ``dst`` on ``h``, or None when the plan must answer (see above)."""
    if type(h) is not AsyncHandle:
        return None
    packed: bytes | None
    if type(dst) is str:
        packed = _pton(dst)
        if packed is None:
            return None
    elif type(dst) is IPv4Address:
        packed = dst.packed
    else:
        return None  # an IPv6Address may carry a zone: the plan refuses that
    ch = h._rtnl
    if ch.closed:
        return None
    return ch.lookup(
        message(packed),
        op="RTM_GETROUTE",
        target=str(dst),
        rtype=_NEWROUTE,
        decode=decode,
        arg=h.netns_ident,
    )


#: The one-message decoder behind the shapes: the dumps' fast twin of the plain
#: decoder, when it works on this Python (route._runs.ENABLED), else the plain one.
_general: Callable[[bytes, int, int, Any], Route] = (
    _runs.parse_message if _runs.ENABLED else parse_route_at
)
_new = object.__new__
_RTMSG_FIELDS = 9  # family, dst_len, src_len, tos, table, protocol, scope, type, flags
_U32 = frozenset(int(t) for t in (RTA.TABLE, RTA.OIF, RTA.PRIORITY))
_ADDRS = frozenset(int(t) for t in (RTA.DST, RTA.GATEWAY, RTA.PREFSRC))
#: What parse_message decodes into fields (or checks): not in a shape of ours.
_OTHERS = frozenset(
    int(t)
    for t in (
        RTA.IIF, RTA.NH_ID, RTA.EXPIRES, RTA.PREF, RTA.MULTIPATH, RTA.METRICS, RTA.SRC, RTA.VIA
    )
)  # fmt: skip
_CACHEINFO = int(RTA.CACHEINFO)
_SHAPES_MAX = 64


class _Shape:
    """One layout of answer: one Struct for all of it, and where each field is."""

    __slots__ = ("alen", "at", "cacheinfo", "family", "lens", "net", "raw", "struct", "types")

    def __init__(self, family: int, heads: list[tuple[int, int]]) -> None:
        alen, self.net = _runs._NETS[family]
        self.family, self.alen = family, alen
        fmt = "=BBBBBBBBI"
        self.at: dict[int, int] = {}  # attribute type -> index of its value
        self.raw: list[tuple[int, int]] = []  # (raw type, index) of attributes kept as Attr
        self.cacheinfo: tuple[int, int] | None = None  # RTA_CACHEINFO's payload, from start
        off = RTMSG.size
        for i, (n, atype) in enumerate(heads):
            t = atype & NLA_TYPE_MASK
            index = _RTMSG_FIELDS + 3 * i + 2
            if t in _U32:
                fmt += "HHI"
                self.at[t] = index
            elif t in _ADDRS:
                fmt += f"HH{alen}s"
                self.at[t] = index
            else:
                fmt += f"HH{n - 4}s{-n & 3}x"
                self.raw.append((atype, index))
                if t == _CACHEINFO:
                    self.cacheinfo = (off + 4, off + n)
            off += (n + 3) & ~3
        self.struct = Struct(fmt)
        self.lens = tuple(n for n, _t in heads)
        self.types = tuple(t for _n, t in heads)

    @staticmethod
    def learn(data: bytes, start: int, end: int) -> _Shape | None:
        """The shape of the answer at ``data[start:end]``, or None if it has no shape of ours."""
        family = data[start]
        known = _runs._NETS.get(family)
        if known is None or end - start < RTMSG.size:
            return None
        alen = known[0]
        heads: list[tuple[int, int]] = []
        seen: set[int] = set()
        off = start + RTMSG.size
        while off < end:
            if end - off < 4:
                return None
            n, atype = _NLA.unpack_from(data, off)
            t = atype & NLA_TYPE_MASK
            if n < 4 or off + n > end or t in seen or t in _OTHERS:
                return None
            if (t in _U32 or t in _ADDRS) and (atype != t or n != (8 if t in _U32 else 4 + alen)):
                return None  # not parse_message's sizes, or flag bits: no shape
            seen.add(t)
            heads.append((n, atype))
            off += (n + 3) & ~3
        if off != end or RTA.DST not in seen:
            return None
        return _Shape(family, heads)

    def decode(self, data: bytes, start: int, origin: tuple[int, int] | None) -> Route | None:
        """The Route, as parse_message makes it; None if the answer is not of this shape."""
        v = self.struct.unpack_from(data, start)
        family, dst_len, src_len, tos, table, protocol, scope, rtype, flags = v[:_RTMSG_FIELDS]
        top = self.alen * 8
        if (
            family != self.family
            or dst_len > top
            or src_len > top
            or v[_RTMSG_FIELDS::3] != self.lens
            or v[_RTMSG_FIELDS + 1 :: 3] != self.types
        ):
            return None
        at = self.at
        r: Any = _new(_runs._RouteSlots)
        r.family = family
        r.dst = self.net(int.from_bytes(v[at[_DST]], "big"), dst_len)
        i = at.get(_GATEWAY)
        r.gateway = None if i is None else addr_from_bytes(v[i])
        i = at.get(_OIF)
        r.oif = None if i is None else v[i]
        i = at.get(_PREFSRC)
        r.prefsrc = None if i is None else addr_from_bytes(v[i])
        i = at.get(_PRIORITY)
        r.metric = None if i is None else v[i]
        i = at.get(_TABLE)
        r.table = table if i is None else v[i]
        r.protocol = protocol
        r.scope = scope
        r.type = rtype
        r.flags = flags
        r.tos = tos
        r.src = None
        r.iif = None
        r.metrics = ()
        r.nexthops = ()
        r.pref = None
        r.via = None
        r.nhid = None
        c = self.cacheinfo
        r.expires = None if c is None else cacheinfo_expires(data, start + c[0], start + c[1])
        r.attrs = tuple([_attr(t, v[i]) for t, i in self.raw])  # (RTA_UID, RTA_CACHEINFO)
        r.origin = origin
        r.__class__ = Route
        return cast(Route, r)


_DST, _GATEWAY, _OIF, _PREFSRC, _PRIORITY, _TABLE = (
    int(t) for t in (RTA.DST, RTA.GATEWAY, RTA.OIF, RTA.PREFSRC, RTA.PRIORITY, RTA.TABLE)
)
_SHAPES: dict[int, _Shape | None] = {}  # by payload length


_ATTRS: dict[tuple[int, bytes], Attr] = {}  # answers repeat them: shared, as immutable


def _attr(atype: int, value: bytes) -> Attr:
    key = (atype, value)
    a = _ATTRS.get(key)
    if a is None:
        if len(_ATTRS) >= _SHAPES_MAX:
            _ATTRS.clear()
        a = _ATTRS[key] = Attr(atype, value)
    return a


def decode(data: bytes, start: int, end: int, origin: tuple[int, int] | None) -> Route:
    """The Route of the answer at ``data[start:end]``: by its shape, or by parse_message.

    The latter gets the payload itself, so that a DecodeError's offsets are
    the plain path's (``parse_route(payload)``), not the datagram's.
    """
    size = end - start
    try:
        shape = _SHAPES[size]
    except KeyError:
        if len(_SHAPES) >= _SHAPES_MAX:
            _SHAPES.clear()
        shape = _SHAPES[size] = _Shape.learn(data, start, end) if _runs.ENABLED else None
    if shape is not None:
        r = shape.decode(data, start, origin)
        if r is not None:
            return r
    return _general(data[start:end], 0, end - start, origin)
