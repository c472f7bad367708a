"""Speed machinery for big route dumps: runs of alike IPv4 routes, and a one-message twin.

Nothing here is needed for correctness: it is a faster way to get exactly
what the plain decoder, :func:`rawns.route._decode.parse_route`, returns
(same :class:`Route` values, origin included), and
``tests/unit/test_route_runs.py`` checks that on every capture, on generated
dumps of every shape, and that its work stays bounded on hostile mixes. What
it buys on the W4 dump is in ``docs/benchmarks.md``.

A big table dumps as long runs of messages with one shape and one header
(the kernel fills 32 KiB dump skbs; fib_dump_info writes RTA_TABLE, RTA_DST,
[RTA_PRIORITY], [RTA_PREFSRC], then the nexthop's RTA_GATEWAY / RTA_OIF).
For a run, the bytes every message must share (the first one's nlmsghdr,
the family, src_len 0, the attribute headers) are checked column by column
with strided slices, one C-level pass per byte position; then one Struct
unpacks the run's messages into one flat tuple, walked with ``zip``. Per
route that leaves building the objects, with two tricks kept to this module:

* a :class:`Route` is filled as a :class:`_RouteSlots` (same slots, no
  frozen guard) and then becomes a Route by ``__class__`` assignment, which
  CPython allows between classes with identical slots;
* networks and addresses are made from :mod:`ipaddress`'s private layout
  (``_ip``, ``_prefixlen``, ``_make_netmask``), as its constructors would
  fill them. :func:`_fast_networks_work` compares the two at import; if this
  Python's ipaddress differs, runs are off and the plain decoder does all.

Anything unusual (another shape, ``NLM_F_DUMP_INTR``, a bad prefix length)
ends a run. A message outside runs (IPv6, mixed tables) is decoded with the
layout of its shape, learned from the dump (:mod:`._run_layouts`, the same
two tricks), or else by :func:`parse_message`, the plain decoder's walk
with the same two tricks; it hands any message the plain decoder would
refuse back to it, so errors are the plain decoder's own, and a valid
message is decoded exactly once. :class:`RouteRuns` walks a datagram's
messages of the dump in one call, choosing among the three.
"""

from __future__ import annotations

from collections.abc import Callable
from ipaddress import IPv4Address, IPv4Network, IPv6Address, IPv6Network
from itertools import islice
from struct import Struct
from typing import Any, cast

from .._inet import AF_INET, AF_INET6, IPAddress, IPNetwork, addr_from_bytes
from .._rtnl import RTA, RTMSG
from .._wire import NLA_TYPE_MASK, NLMSG_HDRLEN, Attr
from . import _run_layouts
from ._decode import (
    _parse_metrics,
    _parse_nexthops,
    cacheinfo_expires,
    network,
    parse_route_at,
    parse_via,
)
from ._types import _NLA, _U32, Nexthop, Route

_new = object.__new__
_setattr = object.__setattr__

#: Route's slots, in order; :class:`_RouteSlots` must have exactly these
#: (a unit test checks them against ``dataclasses.fields(Route)``).
_FAST_FIELDS = (
    "family", "dst", "gateway", "oif", "prefsrc", "metric", "table", "protocol", "scope",
    "type", "flags", "tos", "src", "iif", "metrics", "nexthops", "pref", "via", "nhid",
    "expires", "attrs", "origin",
)  # fmt: skip


class _RouteSlots:
    """The layout of :class:`Route` without the frozen guard (see the module docstring)."""

    __slots__ = _FAST_FIELDS


_v4_netmask = cast(
    "Callable[[int], tuple[IPv4Address, int]]",
    getattr(IPv4Network, "_make_netmask"),  # noqa: B009 - private, so typeshed omits it
)
#: (netmask, prefixlen) as IPv4Network.__init__ stores them, and the mask as an int.
_MASKS4 = tuple(_v4_netmask(p) for p in range(33))
_MASK_INTS4 = tuple(int(m) for m, _p in _MASKS4)


def _net4(n: int, plen: int) -> IPv4Network:
    """``IPv4Network((n, plen), strict=False)`` from its private layout (CPython Lib/ipaddress.py).

    Plain attribute stores in ``__init__``'s order keep the values inline in
    the object (CPython 3.11+); touching ``net.__dict__`` would build a dict.
    """
    a: Any = _new(IPv4Address)
    a._ip = n & _MASK_INTS4[plen]
    net: Any = _new(IPv4Network)
    net.network_address = a
    net.netmask, net._prefixlen = _MASKS4[plen]
    if plen == 31:
        net.hosts = net.__iter__
    elif plen == 32:
        net.hosts = _one_host(a)
    return cast(IPv4Network, net)


def _one_host(a: IPAddress) -> Callable[[], list[IPAddress]]:
    """A host prefix's ``hosts``, as ipaddress sets it: the one address, in a list."""
    return lambda: [a]


_v6_netmask = cast(
    "Callable[[int], tuple[IPv6Address, int]]",
    getattr(IPv6Network, "_make_netmask"),  # noqa: B009 - private, so typeshed omits it
)
_MASKS6 = tuple(_v6_netmask(p) for p in range(129))
_MASK_INTS6 = tuple(int(m) for m, _p in _MASKS6)


def _net6(n: int, plen: int) -> IPv6Network:
    """``IPv6Network((n, plen), strict=False)`` from its private layout, as :func:`_net4`."""
    a: Any = _new(IPv6Address)
    a._ip = n & _MASK_INTS6[plen]
    a._scope_id = None
    net: Any = _new(IPv6Network)
    net.network_address = a
    net.netmask, net._prefixlen = _MASKS6[plen]
    if plen == 127:
        net.hosts = net.__iter__
    elif plen == 128:
        net.hosts = _one_host(a)
    return cast(IPv6Network, net)


def _fast_networks_work() -> bool:
    """Whether :func:`_net4` and :func:`_net6` make what the public constructors make."""
    cases: list[tuple[int, Callable[[int, int], IPNetwork], int, int]]
    cases = [(AF_INET, _net4, 4, p) for p in (0, 1, 16, 24, 30, 31, 32)]
    cases += [(AF_INET6, _net6, 16, p) for p in (0, 1, 64, 126, 127, 128)]
    try:
        for family, fast, alen, plen in cases:
            raw = b"\xff" * alen  # all ones: host bits too, cleared by both
            a, b = fast(int.from_bytes(raw, "big"), plen), network(family, raw, plen)
            if (a, hash(a), str(a), repr(a)) != (b, hash(b), str(b), repr(b)):
                return False
            if a.__dict__.keys() != b.__dict__.keys():
                return False
            if list(islice(a.hosts(), 2)) != list(islice(b.hosts(), 2)):
                return False
            for k, v in b.__dict__.items():
                if k != "hosts" and a.__dict__[k] != v:
                    return False
    except Exception:  # any surprise in a private detail means: leave it to the plain path
        return False
    return True


ENABLED = _fast_networks_work()

#: Every field a run unpacks, in the kernel's attribute order; an absent one
#: unpacks as b"" ("0s"). RTA_DST (every shape has it) is read by a second,
#: big-endian Struct, as an int: no bytes object and no int.from_bytes per route.
_RUN_ATTRS: tuple[tuple[int, str], ...] = (
    (RTA.TABLE, "I"),
    (RTA.DST, "4x"),
    (RTA.PRIORITY, "I"),
    (RTA.PREFSRC, "4s"),
    (RTA.GATEWAY, "4s"),
    (RTA.OIF, "I"),
)
#: The attribute layouts a run may have (fib_dump_info's, for one nexthop).
_KNOWN_SHAPES: tuple[tuple[int, ...], ...] = (
    (RTA.TABLE, RTA.DST, RTA.GATEWAY, RTA.OIF),
    (RTA.TABLE, RTA.DST, RTA.OIF),
    (RTA.TABLE, RTA.DST, RTA.PRIORITY, RTA.GATEWAY, RTA.OIF),
    (RTA.TABLE, RTA.DST, RTA.PREFSRC, RTA.OIF),
    (RTA.TABLE, RTA.DST, RTA.PRIORITY, RTA.OIF),
)
#: Fields a run unpacks per message: dst_len, tos, protocol, scope, type,
#: flags, then one per _RUN_ATTRS entry but RTA_DST.
_RUN_FIELDS = 6 + len(_RUN_ATTRS) - 1
#: Shorter runs go message by message (checking a run has a fixed cost).
_RUN_MIN = 8
#: The longest piece one Struct unpacks (a power of two, like _RUN_MIN).
_RUN_MAX = 512
_MISS: Any = object()
#: RouteRuns learns a layout at most once per this many messages no layout fits.
LEARN_EVERY = 16
#: bytes.translate table: 1 for a prefix length no IPv4 route can have (> 32).
_OVER_32 = bytes(int(i > 32) for i in range(256))
_BYTES = tuple(bytes((i,)) for i in range(256))


class _Run:
    """One shape's run decoder: its per-message layout, fixed bytes and Structs."""

    __slots__ = (
        "checks", "dst_one", "has_metric", "one", "signature", "size", "structs", "words",
    )  # fmt: skip

    def __init__(self, types: tuple[int, ...]) -> None:
        order = [t for t, _ in _RUN_ATTRS]
        required = {RTA.TABLE, RTA.DST, RTA.OIF}
        if sorted(types, key=order.index) != list(types) or not required <= set(types):
            raise AssertionError(f"route run shape {types} is not in kernel order")
        self.size = NLMSG_HDRLEN + RTMSG.size + 8 * len(types)
        # nlmsghdr and family/src_len/rtm_table (checked, or unused: RTA_TABLE
        # has the full table id), then dst_len, tos, protocol, scope, type, flags.
        fmt = "16xxBxBxBBBI"
        for t, code in _RUN_ATTRS:
            fmt += "4x" + code if t in types else "0s"
        self.one = fmt
        dst = NLMSG_HDRLEN + RTMSG.size + 8 * types.index(RTA.DST) + 4  # its value
        self.dst_one = f"{dst}xI{self.size - dst - 4}x"
        self.has_metric = RTA.PRIORITY in types
        # Bytes every message of the run has: family and src_len, then each
        # attribute's header (a word), as _NLA packs it.
        self.checks = ((16, _BYTES[AF_INET]), (18, _BYTES[0]))
        self.words = tuple((28 + 8 * i, _NLA.pack(8, t)) for i, t in enumerate(types))
        # One message's attribute headers, read in one call: the cheap first test.
        # (each attribute is 8 bytes: its header, then a 4-byte value)
        sig = f"={NLMSG_HDRLEN + RTMSG.size}xI" + "4xI" * (len(types) - 1)
        self.signature = (Struct(sig), tuple(8 | t << 16 for t in types))
        self.structs: dict[int, tuple[Struct, Struct]] = {}

    def struct_for(self, k: int) -> tuple[Struct, Struct]:
        """The Structs for ``k`` messages in a row (fields, then destinations big-endian).

        ``k`` is a power of two (see RouteRuns).
        """
        s = self.structs.get(k)
        if s is None:
            s = self.structs[k] = (Struct("=" + self.one * k), Struct(">" + self.dst_one * k))
        return s

    def starts(self, data: bytes, off: int) -> bool:
        """Whether the message at ``off`` has this shape's attribute headers."""
        sig, want = self.signature
        return sig.unpack_from(data, off) == want

    def length(self, data: bytes, off: int, k: int, head: bytes) -> int:
        """How many of the ``k`` messages from ``off`` have header ``head`` and this shape."""
        size = self.size
        end = off + k * size
        # The header and attribute headers are 4-byte words (messages are
        # 4-byte aligned): one column per word, compared whole; a word that
        # differs somewhere is then read byte by byte to find where.
        words = memoryview(data).cast("I") if not (off | len(data)) & 3 else None
        for p, want in (*((q, head[q : q + 4]) for q in range(0, NLMSG_HDRLEN, 4)), *self.words):
            if (
                words is not None
                and words[(off + p) >> 2 : end >> 2 : size >> 2].tobytes() == want * k
            ):
                continue
            for j in range(4):
                col = data[off + p + j : end : size]
                rest = col.lstrip(_BYTES[want[j]])
                if rest:
                    k -= len(rest)
                    if not k:
                        return 0
                    end = off + k * size
        for p, b in self.checks:
            col = data[off + p : end : size]
            rest = col.lstrip(b)
            if rest:
                k -= len(rest)
                if not k:
                    return 0
                end = off + k * size
        # dst_len: the first one over 32 ends the run (the plain decoder reports it).
        bad = data[off + NLMSG_HDRLEN + 1 : end : size].translate(_OVER_32).find(1)
        return k if bad < 0 else bad


_RUNS: dict[int, tuple[_Run, ...]] = {}
for _types in _KNOWN_SHAPES:
    _run = _Run(_types)
    _RUNS[_run.size] = (*_RUNS.get(_run.size, ()), _run)


class RouteRuns:
    """The ``parse_run`` of one dump (see :meth:`~rawns._conversation.Conversation.receive_dump`).

    Called at a data message of the dump, at ``off`` (its header checked):
    decodes that message and every one after it in the datagram with the
    same type, flags, seq and port into ``out``, with ``origin`` in each
    :attr:`Route.origin`, and returns the offset past the last one (the
    conversation takes it from there). Each message is decoded as the plain
    path would (``route._dumped_parser(origin, parse_message)``: other
    families skipped), by the first of these that takes it: a run of alike
    IPv4 routes (:meth:`run_at`), a learned layout of its shape
    (:mod:`._run_layouts`), :func:`parse_message`.

    Layouts are learned at most once per :data:`LEARN_EVERY` messages that
    none fits (``misses``): a look at a shape (``learned``) walks one message
    again and may build a layout (two Structs), so learning adds a bounded
    fraction to the plain path's work whatever the input. The layouts are
    kept for the process (:data:`._run_layouts.LAYOUTS_MAX` of them).

    :meth:`run_at` (the run decoder alone) is offered each IPv4 message of a
    run's size. Its cost of looking is bounded so that no input makes the
    dump slower than the plain decoder alone: a message is first tested in
    O(1) (its size, family, header and attribute headers, and the eighth
    message's); a run is measured in windows that grow (8, 32, 160...), so
    it scans at most five times the messages it decodes, in C (one slice per
    column); and after a failed look, the next :data:`_RUN_MIN` messages go
    to the other decoders without another look. The counters below record
    that work for the tests.
    """

    __slots__ = (
        "_cands", "_data", "_head", "_known", "_layouts", "_resume", "_tail", "decoded",
        "failed", "hits", "learned", "misses", "origin", "probes", "scanned",
    )  # fmt: skip

    def __init__(self, origin: tuple[int, int] | None = None) -> None:
        self.origin = origin
        self._data: bytes | None = None
        self._resume = 0
        self._tail: tuple[bytes, int, int, _Run] | None = None  # see _decode
        self.probes = 0  # runs measured (column scans started)
        self.failed = 0  # of which found no run
        self.scanned = 0  # messages whose columns were scanned
        self.decoded = 0  # messages decoded as runs
        self.hits = 0  # messages decoded with a layout
        self.misses = 0  # messages decoded by parse_message
        self.learned = 0  # messages walked to learn their layout
        # This dump's layout candidates by message length (run_layouts.candidates),
        # for the header and the layouts they were made with.
        self._cands: dict[int, _run_layouts.Candidates] = {}
        self._head = b""
        self._layouts: dict[int, tuple[_run_layouts.Layout, ...]] | None = None
        self._known = 0

    def __call__(self, data: bytes, off: int, out: list[Route]) -> int:
        n = len(data)
        head = data[off + 4 : off + NLMSG_HDRLEN]  # type, flags, seq, port
        layouts = _run_layouts.LAYOUTS
        if head != self._head or layouts is not self._layouts or len(layouts) != self._known:
            self._head, self._layouts, self._known, self._cands = head, layouts, len(layouts), {}
        cands = self._cands
        candidates = _run_layouts.candidates
        origin = self.origin
        decode = _run_layouts.decode
        append = out.append
        u32 = _U32.unpack_from
        slots = _RouteSlots
        hits = misses = 0
        pos = off
        try:
            while n - pos >= NLMSG_HDRLEN:
                size: int = u32(data, pos)[0]
                if pos + size > n:
                    break  # malformed: the conversation's
                if (
                    size in _RUNS
                    and data[pos + NLMSG_HDRLEN] == AF_INET
                    and (pos >= self._resume or data is not self._data or self._tail is not None)
                    and data[pos + 4 : pos + NLMSG_HDRLEN] == head
                ):
                    m = self.run_at(data, pos, out)
                    if m != pos:
                        pos = m
                        continue
                c = cands.get(size)
                if c is None:
                    c = cands[size] = candidates(size, head)
                r = None
                for unpack, want, lay in c:
                    if unpack(data, pos) == want:  # this dump's header too
                        r = decode(lay, data, pos, origin, slots)
                        break
                if r is not None:
                    hits += 1
                    append(r)
                elif size < NLMSG_HDRLEN or data[pos + 4 : pos + NLMSG_HDRLEN] != head:
                    break  # not this dump's data, or malformed: the conversation's
                elif size > NLMSG_HDRLEN and data[pos + NLMSG_HDRLEN] in _NETS:
                    append(parse_message(data, pos + NLMSG_HDRLEN, pos + size, origin))
                    misses += 1
                    if self.misses + misses >= LEARN_EVERY * (self.learned + 1):
                        self._learn(data, pos)
                pos += (size + 3) & ~3
        finally:
            self.hits += hits
            self.misses += misses
        return pos

    def _learn(self, data: bytes, pos: int) -> None:
        self.learned += 1
        lay = _run_layouts.learn(data, pos)
        if lay is not None and _run_layouts.remember(lay):
            self._cands.pop(lay.size, None)

    def run_at(self, data: bytes, off: int, out: list[Route]) -> int:
        """Decode the run of alike IPv4 routes at ``off``, if any; return the offset past it.

        ``off`` itself when there is none (or the look is skipped: see the class docstring).
        """
        tail = self._tail
        if tail is not None:
            self._tail = None
            if tail[0] is data and tail[1] == off:
                return self._decode_tail(data, off, tail[2], tail[3], out)
        if data is self._data and off < self._resume:
            return off
        size: int = _U32.unpack_from(data, off)[0]
        runs = _RUNS.get(size)
        if runs is None or not ENABLED or data[off + NLMSG_HDRLEN] != AF_INET:
            return off
        k = (len(data) - off) // size
        last = off + (_RUN_MIN - 1) * size
        head = data[off : off + NLMSG_HDRLEN]
        if k < _RUN_MIN or data[last : last + NLMSG_HDRLEN] != head:
            self._data = data  # no run of this size can start here: look again further on
            self._resume = off + _RUN_MIN * size
            return off
        for run in runs:
            if run.starts(data, off) and run.starts(data, last):
                m = self._measure(run, data, off, k, head)
                if m >= _RUN_MIN:
                    return self._decode(run, data, off, m, out)
        self.failed += 1
        self._data = data
        self._resume = off + _RUN_MIN * size
        return off

    def _measure(self, run: _Run, data: bytes, off: int, k: int, head: bytes) -> int:
        """The run's length, in growing windows (never scanning far past its end)."""
        self.probes += 1
        size = run.size
        done = 0
        window = _RUN_MIN
        while done < k:
            n = min(window, k - done)
            m = run.length(data, off + done * size, n, head)
            self.scanned += n
            done += m
            if m < n:
                break
            window = 4 * done  # windows of 8, 32, 160...: scanning stays under 5x decoding
        return done

    def _decode(self, run: _Run, data: bytes, off: int, m: int, out: list[Route]) -> int:
        # In power-of-two pieces (512 + 32 + ... for a run of ~550): a Struct
        # holds a code per field it reads, so a shape keeps at most 7 of them
        # (8..512) whatever runs it sees. The rest, under _RUN_MIN, goes to
        # the plain decoder.
        size = run.size
        done = 0
        while m - done >= _RUN_MIN:
            piece = min(_RUN_MAX, 1 << ((m - done).bit_length() - 1))
            _decode_piece(run, data, off + done * size, piece, out, self.origin)
            done += piece
        self.decoded += done
        if done < m:
            # The run's last 1..7 messages (checked with it) are the next
            # call's: unpacked there by the 8-message Struct laid over the
            # run's last eight, and only they are built.
            self._tail = (data, off + done * size, m - done, run)
        return off + done * size

    def _decode_tail(self, data: bytes, off: int, t: int, run: _Run, out: list[Route]) -> int:
        size = run.size
        _decode_piece(
            run, data, off - (_RUN_MIN - t) * size, _RUN_MIN, out, self.origin, _RUN_MIN - t
        )
        self.decoded += t
        return off + t * size


def parse_run(
    data: bytes, off: int, out: list[Route], origin: tuple[int, int] | None = None
) -> int:
    """Decode the run of alike IPv4 route messages at ``off`` into ``out`` (one look).

    As a :class:`RouteRuns` call: returns the offset past the last message
    decoded, ``off`` if there is no run there.
    """
    return RouteRuns(origin).run_at(data, off, out)


def _decode_piece(
    run: _Run,
    data: bytes,
    off: int,
    m: int,
    out: list[Route],
    origin: tuple[int, int] | None,
    skip: int = 0,
) -> None:
    """Decode the ``m`` messages from ``off``, all checked by :meth:`_Run.length`.

    With ``skip``, the first ``skip`` of them are unpacked but not decoded again.
    """
    fields, dsts = run.struct_for(m)
    flat = fields.unpack_from(data, off)
    dst_ints = dsts.unpack_from(data, off)
    if skip:
        flat = flat[skip * _RUN_FIELDS :]
        dst_ints = dst_ints[skip:]
    append = out.append
    new = _new
    slots = _RouteSlots
    route = Route
    net4 = IPv4Network
    addr4 = IPv4Address
    masks = _MASKS4
    mask_ints = _MASK_INTS4
    has_metric = run.has_metric
    addrs: dict[bytes, IPAddress | None] = {b"": None}  # gateways and prefsrcs, shared
    # One tuple per message: its fields from flat, its destination from dst_ints.
    for dst_len, tos, protocol, scope, rtype, flags, table, metric, prefsrc, gw, oif, dst in zip(
        *[iter(flat)] * _RUN_FIELDS, dst_ints, strict=True
    ):
        r: Any = new(slots)
        r.family = AF_INET
        # _net4, inlined.
        net: Any = new(net4)
        a: Any = new(addr4)
        a._ip = dst & mask_ints[dst_len]
        net.network_address = a
        net.netmask, net._prefixlen = masks[dst_len]
        if dst_len >= 31:
            net.hosts = net.__iter__ if dst_len == 31 else _one_host(a)
        r.dst = net
        try:  # a miss is rare (once per gateway): a try costs nothing in 3.11
            r.gateway = addrs[gw]
        except KeyError:
            r.gateway = addrs[gw] = addr_from_bytes(gw)
        r.oif = oif
        try:
            r.prefsrc = addrs[prefsrc]
        except KeyError:
            r.prefsrc = addrs[prefsrc] = addr_from_bytes(prefsrc)
        r.metric = metric if has_metric else None
        r.table = table
        r.protocol = protocol
        r.scope = scope
        r.type = rtype
        r.flags = flags
        r.tos = tos
        r.src = r.iif = r.pref = r.via = r.nhid = r.expires = None
        r.metrics = r.nexthops = r.attrs = ()
        r.origin = origin
        r.__class__ = route
        append(r)


# -- one message at a time: the dump's decoder for whatever is not a run --------
#
# The plain decoder's walk, with what it costs per attribute taken out: the
# attribute types as plain ints (IntEnum members cost a lookup per test),
# bounds already checked by the conversation, the networks above, and the
# route filled as in _decode_piece. Anything the plain decoder would refuse
# goes back to it, so errors (text and offset) are its own.

_TABLE, _DST, _GATEWAY, _OIF, _PRIORITY, _PREFSRC, _PREF, _MULTIPATH, _METRICS, _SRC, _IIF = (
    int(t)
    for t in (
        RTA.TABLE, RTA.DST, RTA.GATEWAY, RTA.OIF, RTA.PRIORITY, RTA.PREFSRC, RTA.PREF,
        RTA.MULTIPATH, RTA.METRICS, RTA.SRC, RTA.IIF,
    )
)  # fmt: skip
_VIA, _NH_ID, _EXPIRES, _CACHEINFO = (
    int(t) for t in (RTA.VIA, RTA.NH_ID, RTA.EXPIRES, RTA.CACHEINFO)
)
_NETS = {AF_INET: (4, _net4), AF_INET6: (16, _net6)}


def parse_message(
    data: bytes, start: int, end: int, origin: tuple[int, int] | None = None
) -> Route:
    """``parse_route_at(data, start, end, origin)``, faster: the same Route, or its DecodeError.

    For dumps, where the conversation has checked ``0 <= start <= end <= len(data)``.
    """
    if end - start < RTMSG.size:
        return parse_route_at(data, start, end, origin)
    family, dst_len, src_len, tos, table, protocol, scope, rtype, flags = RTMSG.unpack_from(
        data, start
    )
    known = _NETS.get(family)
    if known is None:
        return parse_route_at(data, start, end, origin)
    alen, net = known
    if dst_len > alen * 8 or src_len > alen * 8:
        return parse_route_at(data, start, end, origin)
    dst: bytes | None = None
    gateway = prefsrc = src = None
    oif = metric = iif = pref = nhid = expires = None
    via: IPAddress | None = None
    metrics: tuple[tuple[int, int | bytes], ...] = ()
    nexthops: tuple[Nexthop, ...] = ()
    rest: list[Attr] | None = None
    unpack = _NLA.unpack_from
    u32 = _U32.unpack_from
    off = start + RTMSG.size
    while off < end:
        if end - off < 4:
            return parse_route_at(data, start, end, origin)
        n, atype = unpack(data, off)
        a = off + 4
        b = off + n
        if n < 4 or b > end:
            return parse_route_at(data, start, end, origin)
        t = atype & NLA_TYPE_MASK
        if n == 8 and t in _U32_ATTRS:
            v = u32(data, a)[0]
            if t == _TABLE:
                table = v
            elif t == _OIF:
                oif = v
            elif t == _PRIORITY:
                metric = v
            elif t == _IIF:
                iif = v
            elif t == _NH_ID:
                nhid = v
            else:
                expires = v
        elif t == _DST and n - 4 == alen:
            dst = data[a:b]
        elif t == _GATEWAY and n - 4 == alen:
            gateway = addr_from_bytes(data[a:b])
        elif t == _PREFSRC and n - 4 == alen:
            prefsrc = addr_from_bytes(data[a:b])
        elif t == _PREF and n > 4:
            pref = data[a]
        elif t == _MULTIPATH:
            nexthops = _parse_nexthops(data, a, b, alen)
        elif t == _METRICS:
            metrics = _parse_metrics(data, a, b)
        elif t == _SRC and n - 4 == alen:
            src = network(family, data[a:b], src_len)
        elif t == _VIA and (n - 6 == 16 or n - 6 == 4):
            via = parse_via(data, a, b)  # a family that does not fit: DecodeError, as plain
        elif t in _CHECKED:  # one of the above with a bad size: the plain decoder says so
            return parse_route_at(data, start, end, origin)
        else:
            if t == _CACHEINFO and expires is None:
                expires = cacheinfo_expires(data, a, b)
            if rest is None:
                rest = []
            rest.append(Attr(atype, data[a:b]))
        off += (n + 3) & ~3
    if dst is None:
        if dst_len:
            return parse_route_at(data, start, end, origin)
        dst = b""  # the default route: address 0
    r: Any = _new(_RouteSlots)
    # (up to three targets a line: no tuple is built for those)
    r.family, r.dst = family, net(int.from_bytes(dst, "big"), dst_len)
    r.gateway, r.oif, r.prefsrc = gateway, oif, prefsrc
    r.metric, r.table, r.protocol = metric, table, protocol
    r.scope, r.type, r.flags = scope, rtype, flags
    r.tos, r.src, r.iif = tos, src, iif
    r.metrics, r.nexthops, r.pref = metrics, nexthops, pref
    r.via, r.nhid, r.expires = via, nhid, expires
    r.attrs = () if rest is None else tuple(rest)
    r.origin = origin
    r.__class__ = Route
    return cast(Route, r)


#: The u32 attributes parse_message decodes, and all it decodes whatever their size.
_U32_ATTRS = frozenset((_TABLE, _OIF, _PRIORITY, _IIF, _NH_ID, _EXPIRES))
_CHECKED = frozenset((*_U32_ATTRS, _DST, _GATEWAY, _PREFSRC, _PREF, _SRC, _VIA))
