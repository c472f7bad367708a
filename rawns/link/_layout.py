"""The layout cache: RTM_NEWLINK look-alikes decoded from a cached layout.

Speed machinery, behind the plain decoder (``_decode.parse_link``) and
tested against it (tests/unit/test_link_layout.py, test_link_details.py):
whatever is cached, :func:`parse_link` gives the plain decoder's Link or its
DecodeError. The kernel encodes links of one kind with the same attributes in
the same order, so once a dump has shown a layout twice, the next messages
laid out the same are read without scanning their attributes or checking
their lengths one by one: one ``unpack_from`` checks the layout, another
reads the fixed-size values. Link's details (``_types.DETAIL_NAMES``) are
read from the layout too, but only when a caller reads the first of them (the
Link keeps its layout: ``_types._Deferred``): most read none. A kind whose parser is a
``_decode.NestTable`` (bridge, its ports, vxlan, macvlan, tun) gets a plan of
its nest (:func:`plan_nest`): the nest's headers join the check, and its
fixed-size values join one unpack. How much this saves is in docs/benchmarks.md.

Three rules keep it from costing more than the plain decoder on any input
(tests/unit/test_link_details_work.py counts the work on adversarial inputs):

* Names vary in length on any real host. A string attribute's exact length
  (IFLA_IFNAME, IFLA_IFALIAS, IFLA_QDISC...) is not part of a layout, only
  its padded length, which is all the offsets of the attributes after it
  depend on; its span is read from the message.
* Two kinds may have messages of one length (a tap and a macvlan): a length
  keeps two layouts, the newer tried first.
* Building a layout costs a few plain decodes, so builds are paid for by
  hits: each build spends one credit, each hit earns :data:`_REFILL`, and the
  credit never exceeds :data:`_FREE`. Over any run of messages the builds are
  at most ``_FREE`` plus the hits over ``1 / _REFILL``; with no credit left, a
  layout that keeps missing is dropped so that its check stops costing.
  Struct formats are compiled once each (:func:`_compile`).

:data:`layouts_built`, :data:`structs_compiled`, :data:`attrs_walked`,
:data:`plain_decodes` and :data:`second_checks` count that work (tests bound
it). Caches and counters are read and written without a lock: dict
operations are atomic, a _Layout is never changed once built (but for
dropping its ``other``), and a lost update of the credit only moves a build
by a message.
"""

from __future__ import annotations

import functools
import itertools
import operator
import struct

from .._rtnl import IFINFOMSG, IFLA, IFLA_INFO
from .._wire import NLA_TYPE_MASK, iter_attrs
from ..errors import DecodeError
from . import _decode
from ._types import (
    DETAIL_TEXT,
    DETAIL_U8,
    DETAIL_U32,
    Link,
    _Deferred,
    addr_gen_mode_name,
    addr_gen_mode_path,
    text,
)

TYPE_CHECKING = False  # not typing's: importing it costs (rawns._typing)
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any

__all__ = ["parse_link"]

_NLA = struct.Struct("=HH").unpack_from
_new = object.__new__
_OPERSTATES = _decode.OPERSTATES

#: Link's fields in order; _LinkSlots must have exactly these (a unit test checks).
_LINK_FIELDS = (
    "index", "name", "kind", "flags", "mtu", "mac", "broadcast", "operstate", "master",
    "link", "link_netnsid", "txqlen", "alias", "type", "slave_kind", "data", "port", "raw",
    "offsets", "origin",
)  # fmt: skip


class _LinkSlots(_Deferred):
    """Link's slot layout without the frozen guard: a hit fills one and turns it
    into a Link by ``__class__`` assignment (same slots, so allowed), skipping
    the frozen ``__init__``'s ``object.__setattr__`` per field. The result is
    a genuine Link (``type(lk) is Link``); nothing of the swap is visible to a
    caller. A unit test keeps the two layouts equal."""

    __slots__ = _LINK_FIELDS


#: The top-level attributes whose fixed-size value a _Layout reads, with its
#: size and struct code, in the order of _Layout.pick's output (after
#: ifinfomsg's type, index and flags).
_FIXED = (
    (int(IFLA.MTU), 4, "I"),
    (int(IFLA.MASTER), 4, "I"),
    (int(IFLA.LINK), 4, "I"),
    (int(IFLA.LINK_NETNSID), 4, "i"),
    (int(IFLA.TXQLEN), 4, "I"),
    (int(IFLA.OPERSTATE), 1, "B"),
)
_ABSENT = (None,)  # what _Layout.pick gives for an absent attribute

#: String attributes whose length follows their content: a layout fixes their
#: padded length only (unless one is the last attribute, whose exact length
#: the plain decoder checks against the message's end).
#: (The per-link names only: a qdisc's, a port's or a parent device's name is most
#: often the same on every link of a kind, so their lengths are checked exactly,
#: and a link has one variable string to check, an int, not a tuple.)
_VARIABLE = frozenset((int(IFLA.IFNAME), int(IFLA.IFALIAS)))
_VARIABLE_MAX = 2  # at most 4**2 = 16 tuples of lengths in a layout's ``ok``
_KIND_TYPES = (int(IFLA_INFO.KIND), int(IFLA_INFO.SLAVE_KIND))
_IFNAME = int(IFLA.IFNAME)
_IFALIAS = int(IFLA.IFALIAS)
_ADDRESS = int(IFLA.ADDRESS)
_BROADCAST = int(IFLA.BROADCAST)
_LINKINFO = int(IFLA.LINKINFO)
_AF_SPEC = int(IFLA.AF_SPEC)
_PROP_LIST = int(IFLA.PROP_LIST)
_PERM_ADDRESS = int(IFLA.PERM_ADDRESS)
#: Link's detail numbers (DETAIL_U32, DETAIL_U8) as the layout reads them.
_DETAIL_FIXED = tuple((t, 4, "I") for t in DETAIL_U32) + tuple((t, 1, "B") for t in DETAIL_U8)

#: A u8 detail as a bool (carrier, proto_down): None absent, 0 False, else True.
_BOOL_U8: dict[int | None, bool | None] = {None: None, 0: False}
#: The IPv6 address generation mode's name by its byte (None: absent).
_MODE_NAMES: dict[int | None, str | None] = {i: addr_gen_mode_name(i) for i in range(256)}
_MODE_NAMES[None] = None

_FREE = 8.0  # builds allowed with no hit yet, and the most credit ever banked
_REFILL = 1 / 16  # credit a hit earns: a build must be paid for by 16 hits

layouts_built = 0
structs_compiled = 0
second_checks = 0  # checks of a length's second layout (the first: one per message at most)
plain_decodes = 0  # messages the plain decoder decoded for parse_link
attrs_walked = 0  # attributes walked to build layouts (a plain decode walks each message once)
_credit = _FREE


@functools.lru_cache(maxsize=256)
def _compile(fmt: str) -> Any:
    global structs_compiled
    structs_compiled += 1
    return struct.Struct(fmt).unpack_from


def _struct(items: list[tuple[int, int, str]]) -> Any:
    """``unpack_from`` of a Struct reading each (offset, size, code), in that order."""
    fmt = ["="]
    at = 0
    for off, size, code in items:
        fmt.append(f"{off - at}x{code}")
        at = off + size
    return _compile("".join(fmt))


# ---------------------------------------------------------------------------
# a kind's nest (a _decode.NestTable's) read without walking it


def plan_nest(table: _decode.NestTable, payload: bytes, start: int, end: int) -> NestPlan | None:
    """How to decode nests laid out as this one (known good) without walking
    them, or None (a field set by two attributes: the walk's order decides)."""
    global attrs_walked
    headers: list[int] = []
    fixed: list[tuple[int, int, str, int]] = []  # (offset, size, code, field index)
    calls: list[tuple[int, _decode.Read, int, int]] = []
    specials: list[tuple[_decode.Special, int, int]] = []
    seen: set[int] = set()
    for t, a, b in iter_attrs(payload, start, end):
        attrs_walked += 1
        headers.append(a - 4)
        t &= NLA_TYPE_MASK
        hit = table.reads.get(t)
        if hit is not None:
            i, read = hit
            if i in seen:
                return None
            seen.add(i)
            code = _decode.CODES.get(read)
            if code is not None and b - a >= code[1] and read(payload, a, b) is not None:
                fixed.append((a, code[1], code[0], i))
            else:
                calls.append((i, read, a, b))
        elif (more := table.special.get(t)) is not None:
            specials.append((more, a, b))
    return NestPlan(table, headers, fixed, calls, specials)


class NestPlan:
    """A :func:`plan_nest`: one unpack reads the fixed-size values, the other
    readers and the specials run on their spans, in the walk's order for each
    field; the table's ``make`` fills the view, as its ``decode`` does."""

    __slots__ = ("calls", "defaults", "headers", "make", "pick", "specials", "unpack")

    def __init__(
        self,
        table: _decode.NestTable,
        headers: list[int],
        fixed: list[tuple[int, int, str, int]],
        calls: list[tuple[int, _decode.Read, int, int]],
        specials: list[tuple[_decode.Special, int, int]],
    ) -> None:
        self.headers = headers  # the layout checks these are a look-alike's
        fixed.sort()
        self.unpack = _struct([(off, size, code) for off, size, code, _i in fixed])
        n = len(fixed)
        where = {i: k for k, (_o, _s, _c, i) in enumerate(fixed)}
        # from (the unpacked values + the defaults): every field in order
        order = [where.get(i, n + i) for i in range(len(table.defaults))]
        self.pick = operator.itemgetter(*order, -1)  # (-1: a tuple even for one field)
        self.calls = tuple(calls)
        self.specials = tuple(specials)
        self.make = _maker(table)
        self.defaults = (*table.defaults, None)

    def run(self, payload: bytes) -> Any:
        values = self.pick(self.unpack(payload) + self.defaults)[:-1]
        if self.calls or self.specials:
            values = list(values)
            for i, read, a, b in self.calls:
                v = read(payload, a, b)
                if v is not None:
                    values[i] = v
            for more, a, b in self.specials:
                more(payload, a, b, values)
        return self.make(values)


_MAKERS: dict[type, Any] = {}


def _maker(table: _decode.NestTable) -> Any:
    """``table.make``, faster: the view's fields are stored into a twin of its class
    (the same slots, not frozen) by one unpacking assignment, and the object then
    becomes the view's class (``__class__`` assignment: same slots, so allowed), as
    _LinkSlots does for Link. The result is a genuine instance (``type(x) is cls``).
    ``table.make`` where the twin cannot be made (a class that is not a plain
    slotted dataclass under a slotted base)."""
    cls = table.cls
    made = _MAKERS.get(cls)
    if made is not None:
        return made
    made = table.make
    names = table.names
    slots = vars(cls).get("__slots__")
    if names and tuple(slots or ()) == names and all(n.isidentifier() for n in names):
        twin = type(
            f"_{cls.__name__}Fill",
            (cls.__mro__[1],),
            # both: one type slot serves setattr and delattr, and a Python-level
            # __delattr__ left from the frozen base would slow every store
            {
                "__slots__": names,
                "__setattr__": object.__setattr__,
                "__delattr__": object.__delattr__,
            },
        )
        # One STORE_ATTR per field, unpacked from the values (names are fields'
        # identifiers: nothing else reaches the source).
        code = "def fill(o, v):\n    (" + ", ".join(f"o.{n}" for n in names) + ",) = v\n"
        scope: dict[str, Any] = {}
        exec(compile(code, f"<{twin.__name__}>", "exec"), scope)  # noqa: S102 - see above
        fill = scope["fill"]

        def make(values: Any) -> Any:
            obj: Any = _new(twin)
            fill(obj, values)
            obj.__class__ = cls
            return obj

        try:
            if make(table.defaults) == table.make(table.defaults):  # and assignable
                made = make
        except TypeError:
            pass
    _MAKERS[cls] = made
    return made


# ---------------------------------------------------------------------------
# the layouts of whole messages


class _Layout:
    """What a decoded message's attribute layout fixes, to decode its look-alikes.

    ``check(payload)`` unpacks, in one call, the header of every top-level
    attribute at the offsets the scan found in that message, the headers of
    IFLA_LINKINFO's attributes and the bytes of its kind strings; ``expect``
    is what it gave there. Of a string attribute of :data:`_VARIABLE` it reads
    the type only: ``fixed`` reads its length with the values, and ``lens``
    of those must be in ``ok`` (the lengths with the layout's padding: a
    message whose names differ in length only fits). A message of the same
    length that passes scans
    to the same ``offsets`` (each step of the scan depends only on the padded
    length at the current offset, and the walk ends at the same total
    length), passes the same length checks, and has the same kinds: only
    values differ, and ``fixed`` reads those of fixed size in one call.
    Headers are read as two u16 rather than one u32: small ints are shared
    objects, so the tuple holds no new ints and compares by identity. Never
    changed once built.
    """

    __slots__ = (
        "alias", "alias_var", "broadcast", "check", "data", "details", "direct", "dpick", "expect",
        "fixed", "info", "info_plan", "kind", "lens", "mac", "name", "name_var", "offsets", "ok",
        "other", "perm", "pick", "port", "port_plan", "slave", "slave_kind", "texts", "views",
    )  # fmt: skip

    def __init__(self, payload: bytes, lk: Link) -> None:
        # The layout of this length that this one displaced, tried second (two
        # kinds of links whose messages have one length: a tap and a macvlan).
        self.other: _Layout | None = None
        offsets = tuple(lk.offsets)
        # Link's details are read from the layout too when the message's details
        # decode (else each Link decodes them itself on first read, and fails as
        # the plain decoder's Link does), and its altnames are absent (rare: each
        # Link reads them itself).
        gen_mode = 0
        nested: list[int] = []  # IFLA_AF_SPEC's headers on the way to the mode
        try:
            lk._decode_details()
            if o := offsets[_AF_SPEC]:
                nested, gen_mode = addr_gen_mode_path(payload, o + 4, o + _NLA(payload, o)[0])
            self.details = not offsets[_PROP_LIST]
        except DecodeError:
            self.details = False
        self.views = bool(info := offsets[_LINKINFO])
        self.data = self.slave = (0, 0)
        self.info_plan: NestPlan | None = None
        self.port_plan: NestPlan | None = None
        self.info: _decode.InfoParser | None = None
        self.port: _decode.PortParser | None = None
        if info:
            end = info + _NLA(payload, info)[0]
            _kind, self.data, _slave_kind, self.slave = _decode.linkinfo(payload, info + 4, end)
            self._plan(payload, lk)
        # The kind's parser, run as is (a veth: no nest to plan, no port), else None.
        self.direct = self.info if self.port is None and self.info_plan is None else None
        if not self.details:
            nested = []
        for plan in (self.info_plan, self.port_plan):
            if plan is not None:
                nested += plan.headers  # the kind data's attributes stay where they are
        checked, strings = self._walk(payload, offsets, nested)
        global attrs_walked
        attrs_walked += 2 * len(checked)  # _decode.linkinfo, the details and _walk, about
        self.check = _struct(checked)
        self.expect = self.check(payload)
        self.offsets = offsets
        var = self._values(payload, offsets, gen_mode, strings)
        o = offsets[_IFNAME]
        self.name = (o + 4, o + _NLA(payload, o)[0]) if o else (0, 0)
        self.name_var = var.get(o, -1)
        self.mac = self._span(payload, offsets[_ADDRESS])
        self.broadcast = self._span(payload, offsets[_BROADCAST])
        o = offsets[_IFALIAS]
        self.alias = self._span(payload, o)
        self.alias_var = var.get(o, -1)
        self.kind = lk.kind
        self.slave_kind = lk.slave_kind
        self.perm = self._span(payload, offsets[_PERM_ADDRESS])
        self.texts = tuple(
            (i, o + 4, o + _NLA(payload, o)[0], var.get(o, -1))
            for i, t in enumerate(DETAIL_TEXT)
            if (o := offsets[t])
        )

    def _plan(self, payload: bytes, lk: Link) -> None:
        """How to decode the kind's data and the port's without walking them, if
        their parsers are tables (else the parsers run on each message: ``info``
        and ``port``, as the plain decoder finds them)."""
        self.info = _decode.info_parser(lk.kind)
        self.port = _decode.port_parser(lk.slave_kind) if self.slave[0] else None
        table = _decode.INFO_TABLES.get(lk.kind or "")
        if table is not None and self.info is not None:
            self.info_plan = plan_nest(table, payload, *self.data)
        table = _decode.PORT_TABLES.get(lk.slave_kind or "")
        if table is not None and self.port is not None:
            self.port_plan = plan_nest(table, payload, *self.slave)

    @staticmethod
    def _walk(
        payload: bytes, offsets: tuple[int, ...], nested: list[int]
    ) -> tuple[list[tuple[int, int, str]], list[int]]:
        """What ``check`` reads, in order: every top-level header (of a string
        attribute of :data:`_VARIABLE`, at most :data:`_VARIABLE_MAX` of them, its
        type only), IFLA_LINKINFO's headers and kind strings, and the ``nested``
        headers (inside IFLA_AF_SPEC); and those string attributes' offsets."""
        # The scan's walk again (the message is known good), expanding the
        # IFLA_LINKINFO it decoded as _decode.linkinfo does.
        checked: list[tuple[int, int, str]] = []
        var: list[int] = []
        info = offsets[_LINKINFO]
        off = IFINFOMSG.size
        n = len(payload)
        while off < n:
            alen, atype = _NLA(payload, off)
            step = (alen + 3) & ~3
            if (
                atype & NLA_TYPE_MASK in _VARIABLE
                and off + step < n
                and len(var) < _VARIABLE_MAX
                and alen >= 4
            ):
                var.append(off)
                checked.append((off + 2, 2, "H"))
            else:
                checked.append((off, 4, "HH"))
            if off == info:
                c = off + 4
                while c < off + alen:
                    clen, ctype = _NLA(payload, c)
                    checked.append((c, 4, "HH"))
                    if ctype & NLA_TYPE_MASK in _KIND_TYPES:
                        checked.append((c + 4, clen - 4, f"{clen - 4}s"))
                    c += (clen + 3) & ~3
            off += step
        checked += [(o, 4, "HH") for o in nested]
        checked.sort()
        return checked, var

    def _values(
        self, payload: bytes, offsets: tuple[int, ...], gen_mode: int, var: list[int]
    ) -> dict[int, int]:
        """``fixed``: one unpack of every fixed-size value and of the lengths of the
        ``var`` strings; ``pick`` Link's fields from it, then (if ``details``) Link's
        detail numbers and the raw IPv6 address generation mode (absent ones:
        _ABSENT's None); ``lens`` the strings' lengths, and ``ok`` what they may be.
        Returns where ``fixed`` gives each string's length (by its offset)."""
        fixed = [(2, 2, "H"), (4, 4, "i"), (8, 4, "I")]  # ifinfomsg's type, index, flags
        fixed += [(o, 2, "H") for o in var]
        fixed += [(o + 4, size, code) for t, size, code in _FIXED if (o := offsets[t])]
        if self.details:
            fixed += [(o + 4, size, code) for t, size, code in _DETAIL_FIXED if (o := offsets[t])]
            if gen_mode:
                fixed.append((gen_mode, 1, "B"))
        fixed.sort()
        order = [o for o, _s, _c in fixed]
        absent = len(order)  # the index of _ABSENT's None after the values

        def at(t: int) -> int:
            return order.index(o + 4) if (o := offsets[t]) else absent

        self.fixed = _struct(fixed)
        picks = [0, 1, 2, *[at(t) for t, _s, _c in _FIXED]]
        self.pick = operator.itemgetter(*picks)
        self.dpick: Callable[[tuple[Any, ...]], tuple[Any, ...]] | None = None
        if self.details:
            dpicks = [at(t) for t, _s, _c in _DETAIL_FIXED]
            dpicks.append(order.index(gen_mode) if gen_mode else absent)
            self.dpick = operator.itemgetter(*dpicks)
        where = {o: order.index(o) for o in var}
        # A string of the same padded length moves nothing after it; under 4 the
        # plain decoder refuses it. One string's length is an int; two give a tuple
        # (with _ABSENT's None, as itemgetter of one index would not).
        pads = [(_NLA(payload, o)[0] + 3) & ~3 for o in var]
        spans = [range(max(4, pad - 3), pad + 1) for pad in pads]
        self.lens: Callable[[tuple[Any, ...]], Any] | None
        self.ok: frozenset[Any]
        if len(var) == 1:  # the common case: one length, an int (a tuple costs its hash)
            self.lens, self.ok = operator.itemgetter(where[var[0]]), frozenset(spans[0])
        else:
            self.lens = operator.itemgetter(*where.values(), absent) if var else None
            self.ok = frozenset(itertools.product(*spans, [None]))
        return where

    def detail_values(self, payload: bytes) -> tuple[Any, ...]:
        """Link's details (DETAIL_NAMES' order) of ``payload``, a message read with
        this layout (``details`` true): what the plain decoder's ``_decode_details``
        gives, from the offsets known here."""
        assert self.dpick is not None
        values = self.fixed(payload) + _ABSENT
        *numbers, carrier, linkmode, proto_down, mode = self.dpick(values)
        texts: list[str | None] = [None] * len(DETAIL_TEXT)
        for i, a, b, v in self.texts:
            if v >= 0:
                b = a - 4 + values[v]
            nul = payload.find(0, a, b)
            texts[i] = payload[a : b if nul < 0 else nul].decode("utf-8", "surrogateescape")
        perm = None if (s := self.perm) is None else payload[s].hex(":")
        carrier, proto_down = _BOOL_U8.get(carrier, True), _BOOL_U8.get(proto_down, True)
        return (*numbers, carrier, linkmode, proto_down, _MODE_NAMES[mode], *texts, perm, ())

    @staticmethod
    def _span(payload: bytes, o: int) -> slice | None:
        return slice(o + 4, o + _NLA(payload, o)[0]) if o else None


#: Layouts by payload length, at most _LAYOUTS_MAX (then all are dropped); each
#: may hold a second one of its length (_Layout.other).
_LAYOUTS: dict[int, _Layout] = {}
_LAYOUTS_MAX = 64

#: The scans of the last two messages of each length decoded without a layout:
#: a layout is built only when a length's miss scans as one of them did (a dump
#: of many links of one kind, or of two kinds of one length taking turns), not
#: for one-off lengths.
_SCANNED: dict[int, tuple[tuple[int, ...], ...]] = {}


def parse_link(payload: bytes, origin: tuple[int, int] | None = None) -> Link:
    """Decode an RTM_NEWLINK payload (ifinfomsg + attributes) into a :class:`Link`.

    ``origin`` is the :attr:`~rawns.Handle.netns_ident` of the namespace the
    message came from (:func:`dump` and :func:`get` pass their handle's), kept
    in :attr:`Link.origin`. Raises :class:`~rawns.errors.DecodeError` for
    truncated or malformed input. (The plain decoder's result, read from a
    cached layout when the message has one: see :mod:`rawns.link._layout`.)
    """
    global _credit
    lay = _LAYOUTS.get(len(payload))
    if lay is None:
        return _learn(payload, origin)
    values = lay.fixed(payload) + _ABSENT
    if lay.check(payload) != lay.expect or (
        lay.lens is not None and lay.lens(values) not in lay.ok
    ):
        found = _other(lay, payload)
        if found is None:
            return _learn(payload, origin)
        lay, values = found
    _credit += _REFILL
    # Every offset, length and kind is known, only values are read. Filled
    # slot by slot (see _LinkSlots).
    lk: Any = _new(_LinkSlots)
    (
        lk.type, lk.index, lk.flags, lk.mtu, lk.master, lk.link, lk.link_netnsid,
        lk.txqlen, operstate,
    ) = lay.pick(values)  # fmt: skip
    if lay.details:
        lk._layout = lay  # the details, read from it on first use (_types._Deferred)
    lk.operstate = _OPERSTATES.get(operstate, "UNKNOWN")
    a, b = lay.name
    if lay.name_var >= 0:
        b = a - 4 + values[lay.name_var]
    nul = payload.find(0, a, b)
    lk.name = payload[a : b if nul < 0 else nul].decode("utf-8", "surrogateescape")
    lk.mac = None if (s := lay.mac) is None else payload[s].hex(":")
    lk.broadcast = None if (s := lay.broadcast) is None else payload[s].hex(":")
    if (s := lay.alias) is None:
        lk.alias = None
    elif lay.alias_var >= 0:
        lk.alias = text(payload, s.start, s.start - 4 + values[lay.alias_var])
    else:
        lk.alias = text(payload, s.start, s.stop)
    lk.raw = payload
    lk.offsets = lay.offsets
    lk.origin = origin
    lk.kind = lay.kind
    lk.slave_kind = lay.slave_kind
    lk.port = None
    if lay.views:
        try:
            if (parse := lay.direct) is not None:
                lk.data = parse(payload, lay.data[0], lay.data[1], lk)
            else:
                lk.data, lk.port = _kind_views(lay, lk, payload)
        except (struct.error, IndexError):
            raise DecodeError(
                "an attribute is shorter than its value", offset=lay.offsets[_LINKINFO]
            ) from None
        except DecodeError as e:
            if lay.direct is not None:  # (_kind_views notes its own)
                e.add_note(f"in IFLA_INFO_DATA of a {lay.kind} link")
            raise
    else:
        lk.data = None
    lk.__class__ = Link  # same slots; see _LinkSlots
    done: Link = lk
    return done


def _fits(lay: _Layout, payload: bytes) -> tuple[Any, ...] | None:
    """The values ``lay`` reads from ``payload`` if it has ``lay``'s layout, else None."""
    if lay.check(payload) != lay.expect:
        return None
    values: tuple[Any, ...] = lay.fixed(payload) + _ABSENT
    if lay.lens is not None and lay.lens(values) not in lay.ok:
        return None
    return values


def cached(payload: bytes) -> _Layout | None:
    """The layout parse_link would read ``payload`` from now, if any (tests; no counting)."""
    lay = _LAYOUTS.get(len(payload))
    for cand in (lay, lay and lay.other):
        if cand is not None and _fits(cand, payload) is not None:
            return cand
    return None


def _other(lay: _Layout, payload: bytes) -> tuple[_Layout, tuple[Any, ...]] | None:
    """The other layout of ``payload``'s length, if ``payload`` has it, and its values."""
    global second_checks
    other = lay.other
    if other is None:
        return None
    second_checks += 1
    values = _fits(other, payload)
    return None if values is None else (other, values)


def _kind_views(lay: _Layout, lk: Any, payload: bytes) -> tuple[Any, Any]:
    """The data and port views, from the layout's plans or by the kinds' parsers."""
    info = port = None
    try:
        if (plan := lay.info_plan) is not None:
            info = plan.run(payload)
        elif (parse := lay.info) is not None:
            info = parse(payload, lay.data[0], lay.data[1], lk)
    except DecodeError as e:
        e.add_note(f"in IFLA_INFO_DATA of a {lay.kind} link")
        raise
    try:
        if (plan := lay.port_plan) is not None:
            port = plan.run(payload)
        elif (parse_port := lay.port) is not None:
            port = parse_port(payload, lay.slave[0], lay.slave[1])
    except DecodeError as e:
        e.add_note(f"in IFLA_INFO_SLAVE_DATA of a {lay.slave_kind} port")
        raise
    return info, port


def _learn(payload: bytes, origin: tuple[int, int] | None) -> Link:
    """The plain decoder's Link; note its layout, and maybe keep it."""
    global _credit, layouts_built, plain_decodes
    plain_decodes += 1
    lk = _decode.parse_link(payload, origin)
    n = len(payload)
    if _credit < 1:  # no build could be paid for now: no bookkeeping for one either
        _LAYOUTS.pop(n, None)  # (and stop paying this length's check until hits refill)
        return lk
    pos = tuple(lk.offsets)
    seen = _SCANNED.get(n, ())
    if pos not in seen:
        if len(_SCANNED) >= _LAYOUTS_MAX:
            _SCANNED.clear()
        _SCANNED[n] = (pos, *seen[:1])
        return lk
    _credit = min(_credit, _FREE) - 1
    if len(_LAYOUTS) >= _LAYOUTS_MAX:
        _LAYOUTS.clear()
    lay = _Layout(payload, lk)
    old = _LAYOUTS.get(n)
    if old is not None:
        lay.other = old
        old.other = None  # two layouts a length at most
    _LAYOUTS[n] = lay
    layouts_built += 1
    return lk
