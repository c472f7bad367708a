"""Decoding RTM_NEWROUTE into :class:`Route`: the hot path of big dumps.

One pass over the attributes with module-level int constants and
``unpack_from`` at offsets (no generator, no IntEnum comparisons), gateway
and source addresses shared through a cache, networks built without string
parsing, and the frozen result filled without its validating constructor.
"""

from __future__ import annotations

from collections.abc import Callable
from ipaddress import IPv4Address, IPv4Network, IPv6Address, IPv6Network
from itertools import islice
from struct import Struct
from typing import Any, cast

from .. import _check
from .._inet import (
    AF_INET,
    AF_INET6,
    IPAddress,
    IPNetwork,
    addr_from_bytes,
)
from .._rtnl import RTMSG
from .._wire import NLMSG_HDRLEN, Attr, iter_attrs
from ..errors import DecodeError
from ._types import (
    _NLA,
    _NLA_TYPE_MASK,
    _RTA_DST,
    _RTA_GATEWAY,
    _RTA_IIF,
    _RTA_METRICS,
    _RTA_MULTIPATH,
    _RTA_OIF,
    _RTA_PREF,
    _RTA_PREFSRC,
    _RTA_PRIORITY,
    _RTA_SRC,
    _RTA_TABLE,
    _RTAX_CC_ALGO,
    _RTMSG_SIZE,
    _RTNEXTHOP,
    _U32,
    Nexthop,
    Route,
)

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
    "type", "flags", "tos", "src", "iif", "metrics", "nexthops", "pref", "attrs", "origin",
)  # fmt: skip


class _RouteSlots:
    """The layout of :class:`Route` without the frozen guard, for the decoder.

    A decoded route is filled here with plain slot stores and then becomes a
    Route by ``__class__`` assignment (allowed between classes with the same
    slots). Setting 19 frozen slots one by one through their descriptors
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
        origin: tuple[int, int] | None,
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
        self.origin = origin


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


_MASKS4 = tuple(_v4_netmask(p) for p in range(33))


def _addr4(n: int) -> IPv4Address:
    # IPv4Address.__init__ only type-checks and stores _ip (a slot).
    a = _new(IPv4Address)
    a._ip = n  # type: ignore[attr-defined]  # the private slot __init__ fills
    return a


def _net4_fast(n: int, plen: int) -> IPNetwork:
    # Plain attribute stores, in IPv4Network.__init__'s order: the values then
    # live inline in the object (CPython 3.11+), where touching net.__dict__
    # would build a separate dict per network (time and memory).
    net: Any = _new(IPv4Network)
    net.network_address = _addr4(n)
    net.netmask, net._prefixlen = _MASKS4[plen]
    if plen >= 31:
        net.hosts = net.__iter__
    return cast(IPNetwork, net)


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


# The common IPv4 route shapes, decoded with one unpack instead of a loop
# (fib_dump_info writes RTA_TABLE, RTA_DST, [RTA_PRIORITY], [RTA_PREFSRC],
# then RTA_GATEWAY / RTA_OIF). Each attribute is a u32 header (len | type << 16)
# and a 4-byte payload; any other layout takes the general loop below.
_SHAPE_FIELDS = {
    _RTA_TABLE: ("table", "I"),
    _RTA_DST: ("dst", "4s"),
    _RTA_PRIORITY: ("metric", "I"),
    _RTA_PREFSRC: ("prefsrc", "4s"),
    _RTA_GATEWAY: ("gateway", "4s"),
    _RTA_OIF: ("oif", "I"),
}


class _Shape:
    __slots__ = ("dst", "gateway", "headers", "metric", "oif", "prefsrc", "struct", "table")
    dst: int
    gateway: int
    metric: int
    oif: int
    prefsrc: int
    table: int

    def __init__(self, types: tuple[int, ...]) -> None:
        fmt = "=BBBBBBBBI" + "".join("I" + _SHAPE_FIELDS[t][1] for t in types)
        self.struct = Struct(fmt)
        self.headers = tuple(8 | t << 16 for t in types)
        # Index of each field's payload in the unpacked tuple, or -1 if absent.
        names = [_SHAPE_FIELDS[t][0] for t in types]
        for name in ("dst", "gateway", "metric", "oif", "prefsrc", "table"):
            setattr(self, name, 10 + 2 * names.index(name) if name in names else -1)


#: The attribute layouts both fast paths know (per message and per run).
_KNOWN_SHAPES = (
    (_RTA_TABLE, _RTA_DST, _RTA_GATEWAY, _RTA_OIF),
    (_RTA_TABLE, _RTA_DST, _RTA_OIF),
    (_RTA_TABLE, _RTA_DST, _RTA_PRIORITY, _RTA_GATEWAY, _RTA_OIF),
    (_RTA_TABLE, _RTA_DST, _RTA_PREFSRC, _RTA_OIF),
    (_RTA_TABLE, _RTA_DST, _RTA_PRIORITY, _RTA_OIF),
)
_SHAPES: dict[int, tuple[_Shape, ...]] = {}
for _types in _KNOWN_SHAPES:
    _sh = _Shape(_types)
    _SHAPES[_sh.struct.size] = (*_SHAPES.get(_sh.struct.size, ()), _sh)


def _parse_shaped(
    payload: bytes,
    start: int,
    shapes: tuple[_Shape, ...],
    origin: tuple[int, int] | None = None,
) -> Route | None:
    for sh in shapes:
        v = sh.struct.unpack_from(payload, start)
        if v[9::2] != sh.headers:
            continue
        dst_len = v[1]
        if v[2] or dst_len > 32 or sh.dst < 0:  # source prefix, bad length: general path
            return None
        # Filled slot by slot (see _RouteSlots): half the cost of _make_route's call.
        r: Any = _new(_RouteSlots)
        r.family = AF_INET
        r.dst = _net4(int.from_bytes(v[sh.dst], "big"), dst_len)
        i = sh.gateway
        r.gateway = addr_from_bytes(v[i]) if i >= 0 else None
        i = sh.oif
        r.oif = v[i] if i >= 0 else None
        i = sh.prefsrc
        r.prefsrc = addr_from_bytes(v[i]) if i >= 0 else None
        i = sh.metric
        r.metric = v[i] if i >= 0 else None
        r.table = v[sh.table]
        r.protocol = v[5]
        r.scope = v[6]
        r.type = v[7]
        r.flags = v[8]
        r.tos = v[3]
        r.src = r.iif = r.pref = None
        r.metrics = r.nexthops = r.attrs = ()
        r.origin = origin
        r.__class__ = Route
        return cast(Route, r)
    return None


def parse_route(
    payload: bytes,
    start: int = 0,
    end: int | None = None,
    origin: tuple[int, int] | None = None,
) -> Route:
    """Decode an RTM_NEWROUTE/DELROUTE payload (rtmsg + attributes) into a :class:`Route`.

    ``payload[start:end]`` is the part after the netlink header, so a dump
    can be decoded in place. ``origin`` is kept in :attr:`Route.origin` (the
    verbs pass their handle's :attr:`~rawns.Handle.netns_ident`). Raises
    :class:`~rawns.errors.DecodeError` on malformed input or a family other
    than IPv4/IPv6.
    """
    start, end = _check.span(payload, start, end)
    if end - start < _RTMSG_SIZE:
        raise DecodeError(f"rtmsg needs {_RTMSG_SIZE} bytes, got {end - start}", offset=start)
    shapes = _SHAPES.get(end - start)
    if shapes is not None and payload[start] == AF_INET:
        r = _parse_shaped(payload, start, shapes, origin)
        if r is not None:
            return r
    return _parse_route_general(payload, start, end, origin)


def _parse_route_general(
    payload: bytes, start: int, end: int, origin: tuple[int, int] | None = None
) -> Route:
    """:func:`parse_route` without the shaped fast path (bounds already checked)."""
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
    if dst_len > alen * 8 or src_len > alen * 8:
        raise DecodeError(
            f"route prefix lengths dst {dst_len} / src {src_len} exceed {alen * 8} bits",
            offset=start + 1,
        )
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
        src, iif, metrics, nexthops, pref, () if rest is None else tuple(rest), origin,
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


# -- runs: a whole stretch of alike messages per call (route.dump) --------------
#
# A big table dumps as long runs of messages with one shape and one header
# (the kernel's 32 KiB dump skbs hold ~550 routes via a gateway). For a run,
# the bytes every message must share (the first one's nlmsghdr, the family,
# src_len 0, the attribute headers) are checked column by column with strided
# slices, one C-level pass per byte position; then one Struct unpacks all the
# run's messages into one flat tuple, walked with zip (which reuses its
# result tuple). Per route that leaves only building the objects: about half
# the cost of decoding message by message.

#: Every field a run unpacks, in the kernel's attribute order (fib_dump_info:
#: TABLE, DST, PRIORITY, PREFSRC, then the nexthop's GATEWAY, OIF); an absent
#: one unpacks as b"" ("0s").
_RUN_ATTRS = (
    (_RTA_TABLE, "I"),
    (_RTA_DST, "4s"),
    (_RTA_PRIORITY, "I"),
    (_RTA_PREFSRC, "4s"),
    (_RTA_GATEWAY, "4s"),
    (_RTA_OIF, "I"),
)
#: Fields a run unpacks per message: dst_len, tos, protocol, scope, type,
#: flags, then one per _RUN_ATTRS entry.
_RUN_FIELDS = 6 + len(_RUN_ATTRS)
#: Shorter runs go message by message (checking a run has a fixed cost).
_RUN_MIN = 8
#: The longest piece one Struct unpacks (a power of two, like _RUN_MIN).
_RUN_MAX = 512
_MISS: Any = object()
#: bytes.translate table: 1 for a prefix length no IPv4 route can have (> 32).
_OVER_32 = bytes(int(i > 32) for i in range(256))


class _Run:
    """One shape's run decoder: its per-message layout, fixed bytes and Structs."""

    __slots__ = ("checks", "has_metric", "one", "size", "structs")

    def __init__(self, types: tuple[int, ...]) -> None:
        order = [t for t, _ in _RUN_ATTRS]
        required = {_RTA_TABLE, _RTA_DST, _RTA_OIF}
        if sorted(types, key=order.index) != list(types) or not required <= set(types):
            raise AssertionError(f"route run shape {types} is not in kernel order")
        self.size = NLMSG_HDRLEN + _RTMSG_SIZE + 8 * len(types)
        # nlmsghdr and family/src_len/rtm_table (checked, or unused: RTA_TABLE
        # has the full table id), then dst_len, tos, protocol, scope, type, flags.
        fmt = "16xxBxBxBBBI"
        for t, code in _RUN_ATTRS:
            fmt += "4x" + code if t in types else "0s"
        self.one = fmt
        self.has_metric = _RTA_PRIORITY in types
        fixed = [(16, AF_INET), (18, 0)]
        for i, t in enumerate(types):
            fixed += [(28 + 8 * i + j, b) for j, b in enumerate(_NLA.pack(8, t))]
        self.checks = tuple((p, bytes((b,))) for p, b in fixed)
        self.structs: dict[int, Struct] = {}

    def struct_for(self, k: int) -> Struct:
        """The Struct for ``k`` messages in a row; ``k`` is a power of two (see parse_run)."""
        s = self.structs.get(k)
        if s is None:
            s = self.structs[k] = Struct("=" + self.one * k)
        return s

    def length(self, data: bytes, off: int, k: int) -> int:
        """How many of the ``k`` messages from ``off`` share the first's header and this shape."""
        size = self.size
        end = off + k * size
        for p in range(NLMSG_HDRLEN):  # the header: as in the first message
            col = data[off + p : end : size]
            rest = col.lstrip(col[:1])
            if rest:
                k -= len(rest)
                end = off + k * size
        for p, b in self.checks:
            col = data[off + p : end : size]
            rest = col.lstrip(b)
            if rest:
                k -= len(rest)
                if not k:
                    return 0
                end = off + k * size
        # dst_len: the first one over 32 ends the run (parse_route reports it).
        bad = data[off + NLMSG_HDRLEN + 1 : end : size].translate(_OVER_32).find(1)
        return k if bad < 0 else bad


_RUNS: dict[int, tuple[_Run, ...]] = {}
for _types in _KNOWN_SHAPES:
    _run = _Run(_types)
    _RUNS[_run.size] = (*_RUNS.get(_run.size, ()), _run)


def parse_run(
    data: bytes, off: int, out: list[Route], origin: tuple[int, int] | None = None
) -> int:
    """Decode the run of alike IPv4 route messages at ``off`` into ``out``.

    The ``parse_run`` of :meth:`~rawns._conversation.Conversation.receive_dump`:
    ``off`` is the start of a message whose header the conversation checked.
    Returns the offset past the last message decoded, ``off`` if this is no
    run (then the message goes through :func:`parse_route` as usual, which
    is also where anything unusual in a run, like a bad dst_len, is reported).
    ``origin`` (the dumping handle's namespace) goes into every route's
    :attr:`Route.origin`.
    """
    size: int = _U32.unpack_from(data, off)[0]
    runs = _RUNS.get(size)
    if runs is None or _net4 is not _net4_fast or data[off + NLMSG_HDRLEN] != AF_INET:
        return off
    k = (len(data) - off) // size
    # Cheap refusal first: no run unless the next message has the same header.
    if (
        k < _RUN_MIN
        or data[off : off + NLMSG_HDRLEN] != data[off + size : off + size + NLMSG_HDRLEN]
    ):
        return off
    for run in runs:
        m = run.length(data, off, k)
        if m >= _RUN_MIN:
            # In power-of-two pieces (512 + 32 + ... for a run of ~550): a
            # Struct costs ~400 bytes per message it reads, so a shape keeps
            # at most 7 of them (8..512), about 420 KiB, whatever runs it sees.
            # What is left under _RUN_MIN goes message by message.
            done = 0
            while m - done >= _RUN_MIN:
                piece = min(_RUN_MAX, 1 << ((m - done).bit_length() - 1))
                _decode_run(run, data, off + done * size, piece, out, origin)
                done += piece
            return off + done * size
    return off


def _decode_run(
    run: _Run,
    data: bytes,
    off: int,
    m: int,
    out: list[Route],
    origin: tuple[int, int] | None = None,
) -> None:
    """Decode the ``m`` messages from ``off``, all checked by :meth:`_Run.length`."""
    flat = run.struct_for(m).unpack_from(data, off)
    append = out.append
    new = _new
    slots = _RouteSlots
    net4 = IPv4Network
    addr4 = IPv4Address
    masks = _MASKS4
    from_bytes = int.from_bytes
    has_metric = run.has_metric
    addrs: dict[bytes, IPAddress | None] = {b"": None}  # gateways and prefsrcs, shared
    get = addrs.get
    miss = _MISS
    for dst_len, tos, protocol, scope, rtype, flags, table, dst, metric, prefsrc, gw, oif in zip(
        *[iter(flat)] * _RUN_FIELDS, strict=True
    ):
        r: Any = new(slots)
        r.family = AF_INET
        # _net4_fast, inlined (parse_run is only used when it works).
        net: Any = new(net4)
        a: Any = new(addr4)
        a._ip = from_bytes(dst, "big")
        net.network_address = a
        net.netmask, net._prefixlen = masks[dst_len]
        if dst_len >= 31:
            net.hosts = net.__iter__
        r.dst = net
        g = get(gw, miss)
        if g is miss:
            g = addrs[gw] = addr_from_bytes(gw)
        r.gateway = g
        r.oif = oif
        g = get(prefsrc, miss)
        if g is miss:
            g = addrs[prefsrc] = addr_from_bytes(prefsrc)
        r.prefsrc = g
        r.metric = metric if has_metric else None
        r.table = table
        r.protocol = protocol
        r.scope = scope
        r.type = rtype
        r.flags = flags
        r.tos = tos
        r.src = r.iif = r.pref = None
        r.metrics = r.nexthops = r.attrs = ()
        r.origin = origin
        r.__class__ = Route
        append(r)
