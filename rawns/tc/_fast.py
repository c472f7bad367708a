"""Speed machinery for big tc dumps: message layouts learned from the plain decoder.

Nothing here is needed for correctness: it is a faster way to get exactly what
:func:`~rawns.tc._decode.parse_class` and :func:`~rawns.tc._decode.parse_filter`
return (the same objects, or their DecodeError), and tests/unit/test_tc_fast.py
checks that on the kernel's dumps, on generated and broken messages, and with
hypothesis on random runs of them. What it buys is in docs/benchmarks.md (W9).

The kernel reports the objects of a dump laid out alike (tc_fill_tclass:
tcmsg, TCA_KIND, TCA_OPTIONS, TCA_STATS2 {basic, queue, app}, TCA_STATS,
TCA_XSTATS; tcf_fill_node: tcmsg, TCA_KIND, TCA_CHAIN, TCA_OPTIONS {u32's
selector, hash, classid, flags}), values aside. A :class:`TcRuns`, a dump's
``parse_run``, walks each run of its messages (one nlmsghdr type, flags, seq
and port, as link._runs does) and, per message:

* if a layout is known for its length, one ``unpack_from`` reads every
  attribute header (nested ones of TCA_STATS2 and u32's options too), the kind
  string and u32's key count, and compares them with the layout's. Equal: the
  plain decoder would walk this message exactly as it walked the message the
  layout was learned from, which it decoded without error; so only values
  differ, and they are read with precompiled Structs at the layout's offsets;
* otherwise the plain decoder decodes it (its result or its error is the
  answer), and a message it decoded teaches a layout for its length. Learning
  costs a walk, so it is paid for by hits (credit, as link._layout): at most
  :data:`_FREE` learns plus one per :data:`_PER_LEARN` hits, per dump (the
  layouts live as long as the dump's TcRuns: nothing is cached across dumps).

What a hit builds:

* the objects are filled as ``_*Slots`` (the same slots, no frozen guard) and
  become the real class by ``__class__`` assignment, as route._runs does;
  every value a constructor would refuse (an ifindex of 0...) is tested here
  and sends the message to the plain decoder instead, which raises;
* ``stats`` and ``attrs`` (the statistics and the attributes rawns keeps raw)
  are not decoded: the payload is kept and they are decoded from it, by the
  plain code, when first read (``_types._Lazy``). ``tc -j`` without ``-s``
  does not read them either;
* u32 options are read field by field: one Struct reads every host-order value
  (tcmsg's, TCA_CHAIN, u32's words, its selector's fields and keys' offsets),
  another the big-endian ones (masks and values); other options (htb's,
  u32 with actions, kinds rawns does not know) are decoded by the plain
  option decoder from their bytes, and a layout keeps what equal bytes
  decoded to (the value is immutable, so equal options share one object,
  as route._runs shares gateway addresses): a thousand classes at one rate
  decode their options once.
"""

from __future__ import annotations

import functools
import struct
from collections.abc import Callable
from operator import itemgetter
from typing import Any

from .._wire import NLA_TYPE_MASK, NLMSG_HDRLEN, NLMSGHDR, attr_str
from ..link._types import check_origin
from ._consts import TC_U32_TERMINAL, TCA, TCA_U32, TCMSG, U32_KEY, U32_SEL
from ._decode import CLASS_KINDS, FILTER_KINDS, _options, parse_class, parse_filter
from ._types import U32, Class, Filter, U32Key, _Lazy

__all__ = ["TcRuns"]

_new = object.__new__
_NLA = struct.Struct("=HH").unpack_from
_HDR = NLMSGHDR.unpack_from

#: The fields of Class, Filter, U32 and U32Key, in order; the _*Slots below
#: must have exactly these (a unit test checks them against dataclasses.fields).
_CLASS_FIELDS = ("dev", "handle", "options", "parent", "stats", "attrs", "origin")
_FILTER_FIELDS = (
    "dev", "parent", "options", "protocol", "prio", "handle", "chain", "stats", "attrs", "origin",
)  # fmt: skip
_U32_FIELDS = (
    "keys", "classid", "actions", "sel_flags", "offshift", "offmask", "off", "offoff", "hoff",
    "hmask", "divisor", "hash", "link", "flags", "attrs",
)  # fmt: skip
_KEY_FIELDS = ("val", "mask", "off", "offmask")


class _ClassSlots(_Lazy):
    __slots__ = _CLASS_FIELDS


class _FilterSlots(_Lazy):
    __slots__ = _FILTER_FIELDS


class _U32Slots:
    __slots__ = _U32_FIELDS


class _U32KeySlots:
    __slots__ = _KEY_FIELDS


_KIND, _OPTIONS, _STATS2, _CHAIN = (int(t) for t in (TCA.KIND, TCA.OPTIONS, TCA.STATS2, TCA.CHAIN))
_SEL = int(TCA_U32.SEL)
#: u32's one-word attributes, by the U32 field each fills.
_U32_WORDS = {
    int(TCA_U32.CLASSID): "classid",
    int(TCA_U32.HASH): "hash",
    int(TCA_U32.LINK): "link",
    int(TCA_U32.DIVISOR): "divisor",
    int(TCA_U32.FLAGS): "flags",
}

_FREE = 8.0  # learns allowed with no hit yet, and the most credit ever banked
_PER_LEARN = 16  # hits that pay for one more learn
_CACHE_MAX = 4096  # option values kept per layout


@functools.lru_cache(maxsize=256)
def _compile(fmt: str) -> Any:
    return struct.Struct(fmt).unpack_from


def _reader(items: list[tuple[int, str]]) -> Any:
    """``unpack_from`` of a Struct reading each ``(offset, code)``, in offset order."""
    fmt, at = ["="], 0
    for off, code in sorted(items):
        fmt.append(f"{off - at}x{code}")
        at = off + struct.calcsize("=" + code)
    return _compile("".join(fmt))


#: The values a filter layout reads in host order, in the order its ``pick`` gives
#: them: tcmsg's, TCA_CHAIN's, u32's words and its selector's fields (an absent
#: one is None); ``pick_keys`` then gives each u32 key's off and offmask. A class
#: layout reads tcmsg's ifindex, handle and parent only.
_VALUES = (
    "index", "handle", "parent", "info", "chain",
    "classid", "hash", "link", "divisor", "flags",
    "sel_flags", "offshift", "off", "offoff", "hoff",
)  # fmt: skip
_NONE = (None,)


class _Layout:
    """What one decoded message fixes for the messages of its length (see the module doc)."""

    __slots__ = (
        "cache", "check", "expect", "kind", "kinds", "lazy", "make", "nkeys", "none", "opt",
        "pick", "pick_keys", "read", "sel", "sel_big", "u32",
    )  # fmt: skip

    def __init__(self, kinds: dict[str, Any], make: Callable[..., Any]) -> None:
        self.kinds, self.make = kinds, make
        self.check: Any = None  # unpack_from of every header, the kind and u32's nkeys
        self.expect: tuple[Any, ...] = ()  # what it gave on the message learned from
        self.read: Any = None  # unpack_from of the values, in offset order
        self.pick: Any = None  # ... then in _VALUES' order (of ``read``'s output + _NONE)
        self.pick_keys: Any = None  # ... and each u32 key's off and offmask
        self.kind = ""
        self.lazy = False  # stats or raw attributes: kept as the payload, decoded when read
        self.cache: dict[bytes, Any] = {}  # option values by their bytes
        self.opt: tuple[int, int, int] | None = None  # TCA_OPTIONS: type, start, end
        self.none: Any = None  # the options of a message without TCA_OPTIONS
        self.u32 = False  # u32 options read field by field, with:
        self.sel = 0  # where its selector is (0: none)
        self.nkeys = 0
        self.sel_big: Any = None  # the selector's big-endian words (offmask, hmask, keys')


def _walk(p: bytes, a: int, b: int, checks: list[tuple[int, str]]) -> list[tuple[int, int, int]]:
    """The attributes of ``p[a:b]`` (decoded by the plain decoder, so well formed), each
    header added to ``checks``."""
    out = []
    while a < b:
        alen, atype = _NLA(p, a)
        checks.append((a, "I"))
        out.append((atype, a + 4, a + alen))
        a += (alen + 3) & ~3
    return out


def _learn(p: bytes, kinds: dict[str, Any], make: Callable[..., Any]) -> _Layout | None:
    """A layout from ``p``, a payload the plain decoder has decoded; None for a layout
    this module does not read (a repeated attribute, say)."""
    checks: list[tuple[int, str]] = []
    values: list[tuple[int, str, str]] = [(4, "i", "index"), (8, "I", "handle")]
    values += [(12, "I", "parent"), (16, "I", "info")]
    lay = _Layout(kinds, make)
    seen: set[int] = set()
    for t, a, b in _walk(p, TCMSG.size, len(p), checks):
        k = t & NLA_TYPE_MASK
        if k in (_KIND, _OPTIONS, _STATS2, _CHAIN):
            if k in seen:
                return None
            seen.add(k)
        if k == _KIND:
            checks.append((a, f"{b - a}s"))
            lay.kind = attr_str(p, a, b)
        elif k == _OPTIONS:
            lay.opt = (t, a, b)
        elif k == _STATS2:
            _walk(p, a, b, checks)  # parse_stats walks them: the check covers their headers
            lay.lazy = True
        elif k == _CHAIN:
            values.append((a, "I", "chain"))
        else:
            lay.lazy = True  # kept raw in attributes
    if lay.opt is None:
        try:
            lay.none = _options(kinds, lay.kind, p, None)
        except Exception:  # a kind the constructor refuses: the plain decoder's case
            return None
    elif lay.kind == "u32" and kinds is FILTER_KINDS:
        _learn_u32(p, lay, lay.opt, checks, values)
    lay.check = _reader([(off, code) for off, code in checks])
    lay.expect = lay.check(p, 0)
    if kinds is not FILTER_KINDS:  # a class: tcmsg's ifindex, handle and parent only
        lay.read = _reader([(4, "i"), (8, "I"), (12, "I")])
        return lay
    values.sort()
    lay.read = _reader([(off, code) for off, code, _name in values])
    at = {name: i for i, (_off, _code, name) in enumerate(values)}
    lay.pick = itemgetter(*(at.get(name, -1) for name in _VALUES))
    if lay.nkeys:
        lay.pick_keys = itemgetter(*(at[f"key{i}"] for i in range(2 * lay.nkeys)))
    return lay


def _learn_u32(
    p: bytes, lay: _Layout, opt: tuple[int, int, int], checks: list[Any], values: list[Any]
) -> None:
    """Read u32's options field by field if they hold only its selector and words."""
    mine: list[tuple[int, str]] = []
    words: list[tuple[int, str, str]] = []
    seen: set[int] = set()
    sel = 0
    for t, a, _b in _walk(p, opt[1], opt[2], mine):
        k = t & NLA_TYPE_MASK
        if k in seen or (k != _SEL and k not in _U32_WORDS):
            return  # actions, attributes kept raw, repeats: options by their bytes
        seen.add(k)
        if k == _SEL:
            sel = a
        else:
            words.append((a, "I", _U32_WORDS[k]))
    checks += mine
    values += words
    lay.u32 = True
    if sel:
        # struct tc_u32_sel (16 bytes), then nkeys struct tc_u32_key (16 bytes each):
        # flags, offshift, nkeys, pad, offmask (be16), off, offoff, hoff, hmask (be32);
        # key: mask (be32), val (be32), off, offmask.
        n = p[sel + 2]
        checks.append((sel + 2, "B"))  # nkeys: the selector's size follows from it
        values += [(sel, "B", "sel_flags"), (sel + 1, "B", "offshift"), (sel + 6, "H", "off")]
        values += [(sel + 8, "h", "offoff"), (sel + 10, "h", "hoff")]
        for i in range(n):
            k = sel + U32_SEL.size + i * U32_KEY.size
            values += [(k + 8, "i", f"key{2 * i}"), (k + 12, "i", f"key{2 * i + 1}")]
        lay.sel, lay.nkeys = sel, n
        lay.sel_big = _compile(">4xH6xI" + "II8x" * n)
    if U32_SEL.size != 16 or U32_KEY.size != 16:  # pragma: no cover - fixed by the uapi
        raise AssertionError("struct tc_u32_sel/tc_u32_key changed size")


def _cached(lay: _Layout, data: bytes, start: int) -> Any:
    """Options decoded by the plain option decoder from their bytes, once per value;
    None if it refuses them (the plain decoder then raises)."""
    opt = lay.opt
    if opt is None:
        return lay.none
    key = data[start + opt[1] : start + opt[2]]
    got = lay.cache.get(key)
    if got is None:
        try:
            got = _options(lay.kinds, lay.kind, key, (opt[0], 0, len(key)))
        except Exception:  # whatever it is, the plain decoder raises it with its context
            return None
        if len(lay.cache) < _CACHE_MAX:
            lay.cache[key] = got
    return got


def _make_class(
    lay: _Layout, data: bytes, start: int, end: int, origin: tuple[int, int] | None
) -> Class | None:
    index, handle, parent = lay.read(data, start)
    if index <= 0:
        return None  # not an ifindex: the constructor refuses it
    options = _cached(lay, data, start)
    if options is None:
        return None
    c: Any = _new(_ClassSlots)
    c.dev, c.handle, c.parent, c.options, c.origin = index, handle, parent, options, origin
    if lay.lazy:
        c._raw = data[start:end]
    else:
        c.stats, c.attrs = None, ()
    c.__class__ = Class
    return c  # type: ignore[no-any-return]


def _make_filter(
    lay: _Layout, data: bytes, start: int, end: int, origin: tuple[int, int] | None
) -> Filter | None:
    vals = lay.read(data, start) + _NONE
    (
        index, handle, parent, info, chain, classid, hsh, link, divisor, flags,
        sel_flags, offshift, off, offoff, hoff,
    ) = lay.pick(vals)  # fmt: skip
    if index <= 0:
        return None  # not an ifindex: the constructor refuses it
    if lay.u32:
        # U32 as rawns.tc._decode._u32 and U32's constructor make it
        o: Any = _new(_U32Slots)
        o.classid, o.hash, o.link, o.divisor, o.flags = classid, hsh, link, divisor, flags
        if lay.sel:
            big = lay.sel_big(data, start + lay.sel)
            o.sel_flags, o.offshift, o.off, o.offoff, o.hoff = (
                sel_flags,
                offshift,
                off,
                offoff,
                hoff,
            )
            o.offmask, o.hmask = big[0], big[1]
            host = lay.pick_keys(vals) if lay.nkeys else ()
            keys = []
            for i in range(0, 2 * lay.nkeys, 2):
                k: Any = _new(_U32KeySlots)
                k.val, k.mask, k.off, k.offmask = big[i + 3], big[i + 2], host[i], host[i + 1]
                k.__class__ = U32Key
                keys.append(k)
            o.keys = tuple(keys)
        else:
            o.keys = ()
            o.offshift = o.offmask = o.off = o.offoff = o.hoff = o.hmask = 0
            if divisor is not None:
                o.sel_flags = None
            else:
                o.sel_flags = 0 if classid is None else TC_U32_TERMINAL
        o.actions = o.attrs = ()
        o.__class__ = U32
        options = o
    else:
        options = _cached(lay, data, start)
        if options is None:
            return None
    f: Any = _new(_FilterSlots)
    f.dev, f.handle, f.parent, f.options, f.origin = index, handle, parent, options, origin
    f.protocol = ((info & 0xFF) << 8) | ((info >> 8) & 0xFF)
    f.prio = info >> 16
    f.chain = chain
    if lay.lazy:
        f._raw = data[start:end]
    else:
        f.stats, f.attrs = None, ()
    f.__class__ = Filter
    return f  # type: ignore[no-any-return]


class TcRuns:
    """The ``parse_run`` of one class or filter dump (see
    :meth:`~rawns._conversation.Conversation.receive_dump` and the module doc).

    Called at each data message of the dump, at ``off`` (its header checked),
    it decodes that message and the run of messages after it with the same
    nlmsghdr type, flags, seq and port into ``out``, each as the plain decoder
    would (with ``origin``), and returns the offset past the last one. It stops
    at a message that differs, that is shorter than a header or runs past the
    datagram: the conversation's own loop takes that one, with its checks.
    """

    __slots__ = ("_credit", "_kinds", "_layouts", "_make", "_plain", "hits", "learned", "origin")

    def __init__(self, what: str, origin: tuple[int, int] | None = None) -> None:
        if what == "class":
            self._plain: Callable[..., Any] = parse_class
            self._make: Callable[..., Any] = _make_class
            self._kinds = CLASS_KINDS
        elif what == "filter":
            self._plain, self._kinds, self._make = parse_filter, FILTER_KINDS, _make_filter
        else:
            raise ValueError(f"TcRuns is for 'class' or 'filter' dumps, not {what!r}")
        self.origin = origin
        self._layouts: dict[int, _Layout] = {}
        try:
            check_origin(origin, "origin")
            self._credit = _FREE
        except TypeError:  # the plain decoder reports it, message by message
            self._credit = -1.0
        self.hits = 0  # messages decoded from a layout (tests count them)
        self.learned = 0  # layouts learned

    def __call__(self, data: bytes, off: int, out: list[Any]) -> int:
        # The message at ``off`` was checked by the caller: this dump's seq, a
        # data type, the right port, no NLM_F_DUMP_INTR, wholly inside ``data``.
        n = len(data)
        origin = self.origin
        append = out.append
        layouts = self._layouts
        make = self._make
        plain = self._plain
        hits = 0
        mlen, mtype, flags, seq, pid = _HDR(data, off)
        while True:
            end = off + mlen
            start = off + NLMSG_HDRLEN
            lay = layouts.get(mlen)
            obj = None
            if lay is not None and lay.check(data, start) == lay.expect:
                obj = make(lay, data, start, end, origin)
            if obj is None:
                payload = data[start:end]
                obj = plain(payload, origin=origin)  # or its DecodeError, as parse_at
                self._credit += hits / _PER_LEARN
                hits = 0
                if self._credit >= 1:
                    self._credit = min(self._credit, _FREE) - 1
                    got = _learn(payload, self._kinds, make)
                    if got is not None:
                        layouts[mlen] = got
                        self.learned += 1
            else:
                hits += 1
            append(obj)
            off = (end + 3) & ~3
            if n - off < NLMSG_HDRLEN:
                break
            mlen, t, f, s, p = _HDR(data, off)
            if t != mtype or f != flags or s != seq or p != pid:
                break
            if mlen < NLMSG_HDRLEN or off + mlen > n:
                break
        self.hits += hits
        self._credit += hits / _PER_LEARN
        return off
