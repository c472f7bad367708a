"""The layout cache: RTM_NEWLINK look-alikes decoded from a cached layout.

Speed machinery, behind the plain decoder (``_decode.parse_link``) and
tested against it (tests/unit/test_link_layout.py): whatever is cached,
:func:`parse_link` gives the plain decoder's Link or its DecodeError. The
kernel encodes links of one kind with the same attributes in the same order,
so once a dump has shown a layout twice, the next messages laid out the same
are read without scanning their attributes or checking their lengths one by
one: one ``unpack_from`` checks the layout, another reads the fixed-size
values, Link's details included (``Link._details``). A kind whose parser is a
``_decode.NestTable`` (bridge, its ports, vxlan, macvlan, tun) gets a plan of
its nest (``NestTable.plan``): the nest's headers join the check, and its
fixed-size values join one unpack. How much this saves is in docs/benchmarks.md.

Two rules keep it from costing more than it saves on any input:

* Names vary in length on any real host. A string attribute's exact length
  (IFLA_IFNAME, IFLA_IFALIAS, IFLA_QDISC...) is not part of a layout, only
  its padded length, which is all the offsets of the attributes after it
  depend on; its span is read from the message.
* Building a layout costs several plain decodes, so builds are paid for by
  hits: each build spends one credit, each hit earns :data:`_REFILL`, and the
  credit never exceeds :data:`_FREE`. Over any run of messages the builds are
  at most ``_FREE`` plus the hits over ``1 / _REFILL``; with no credit left, a
  layout that keeps missing is dropped so that its check stops costing.
  Struct formats are compiled once each (:func:`_compile`).

:data:`layouts_built` and :data:`structs_compiled` count that work (tests
bound it). Caches and counters are read and written without a lock: dict
operations are atomic, a _Layout is never changed once built, and a lost
update of the credit only moves a build by a message.
"""

from __future__ import annotations

import functools
import operator
import struct
from typing import Any

from .._rtnl import IFINFOMSG, IFLA, IFLA_INFO
from .._wire import NLA_TYPE_MASK
from ..errors import DecodeError
from . import _decode
from ._types import DETAIL_TEXT, DETAIL_U8, DETAIL_U32, Link, _Details, addr_gen_mode_path, text

__all__ = ["parse_link"]

_NLA = struct.Struct("=HH").unpack_from
_new = object.__new__
_OPERSTATES = _decode.OPERSTATES
_info_view = _decode.info_view
_port_view = _decode.port_view

#: Link's fields in order; _LinkSlots must have exactly these (a unit test checks).
_LINK_FIELDS = (
    "index", "name", "kind", "flags", "mtu", "mac", "broadcast", "operstate", "master",
    "link", "link_netnsid", "txqlen", "alias", "type", "slave_kind", "data", "port", "raw",
    "offsets", "origin",
)  # fmt: skip


class _LinkSlots(_Details):
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
_VARIABLE = frozenset(
    int(t)
    for t in (
        IFLA.IFNAME, IFLA.IFALIAS, IFLA.QDISC, IFLA.PHYS_PORT_NAME,
        IFLA.PARENT_DEV_NAME, IFLA.PARENT_DEV_BUS_NAME,
    )
)  # fmt: skip
_KIND_TYPES = (int(IFLA_INFO.KIND), int(IFLA_INFO.SLAVE_KIND))
_IFNAME = int(IFLA.IFNAME)
_IFALIAS = int(IFLA.IFALIAS)
_ADDRESS = int(IFLA.ADDRESS)
_BROADCAST = int(IFLA.BROADCAST)
_LINKINFO = int(IFLA.LINKINFO)
_AF_SPEC = int(IFLA.AF_SPEC)
_PROP_LIST = int(IFLA.PROP_LIST)
_PERM_ADDRESS = int(IFLA.PERM_ADDRESS)
#: Link._details's numbers (DETAIL_U32, DETAIL_U8) as the layout reads them.
_DETAIL_FIXED = tuple((t, 4, "I") for t in DETAIL_U32) + tuple((t, 1, "B") for t in DETAIL_U8)

_FREE = 8.0  # builds allowed with no hit yet, and the most credit ever banked
_REFILL = 1 / 16  # credit a hit earns: a build must be paid for by 16 hits

layouts_built = 0
structs_compiled = 0
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


class _Layout:
    """What a decoded message's attribute layout fixes, to decode its look-alikes.

    ``check(payload)`` unpacks, in one call, the header of every top-level
    attribute at the offsets the scan found in that message, the headers of
    IFLA_LINKINFO's attributes and the bytes of its kind strings; ``expect``
    is what it gave there. Where it differs only in the lengths of string
    attributes of :data:`_VARIABLE`, :meth:`fits` accepts it if their padded
    lengths are the layout's. A message of the same length that passes scans
    to the same ``offsets`` (each step of the scan depends only on the padded
    length at the current offset, and the walk ends at the same total
    length), passes the same length checks, and has the same kinds: only
    values differ, and ``fixed`` reads those of fixed size in one call.
    Headers are read as two u16 rather than one u32: small ints are shared
    objects, so the tuple holds no new ints and compares by identity. Never
    changed once built.
    """

    __slots__ = (
        "alias", "alias_var", "alike", "broadcast", "check", "data", "details", "dpick",
        "expect", "fixed", "info_plan", "kind", "mac", "name", "name_var", "offsets", "pads",
        "perm", "pick", "port_plan", "slave", "slave_kind", "texts", "views",
    )  # fmt: skip

    def __init__(self, payload: bytes, lk: Link) -> None:
        # check() results that fits() accepted (names of other lengths in the same
        # padding): a set lookup instead of fits()' loop for the next such message.
        self.alike: set[tuple[Any, ...]] = set()
        offsets = tuple(lk.offsets)
        # Link._details is read from the layout too when the message's details
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
        self.info_plan: _decode.NestPlan | None = None
        self.port_plan: _decode.NestPlan | None = None
        if info:
            end = info + _NLA(payload, info)[0]
            _kind, self.data, _slave_kind, self.slave = _decode.linkinfo(payload, info + 4, end)
            self._plan(payload, lk)
        if not self.details:
            nested = []
        for plan in (self.info_plan, self.port_plan):
            if plan is not None:
                nested += plan.headers  # the kind data's attributes stay where they are
        checked, var = self._walk(payload, offsets, nested)
        self.check = _struct(checked)
        self.expect = self.check(payload)
        self.pads = tuple((i, (self.expect[i] + 3) & ~3) for i in var.values())
        self.offsets = offsets
        self._values(offsets, gen_mode)
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
        their parsers are tables (else the parsers run on each message)."""
        table = _decode.INFO_TABLES.get(lk.kind or "")
        if table is not None:
            self.info_plan = table.plan(payload, *self.data)
        table = _decode.PORT_TABLES.get(lk.slave_kind or "")
        if table is not None and self.slave[0]:
            self.port_plan = table.plan(payload, *self.slave)

    @staticmethod
    def _walk(
        payload: bytes, offsets: tuple[int, ...], nested: list[int]
    ) -> tuple[list[tuple[int, int, str]], dict[int, int]]:
        """What ``check`` reads, in order: every top-level header, IFLA_LINKINFO's
        headers and kind strings, and the ``nested`` headers (inside IFLA_AF_SPEC);
        and where it gives the length of each string attribute of :data:`_VARIABLE`
        (by the attribute's offset)."""
        # The scan's walk again (the message is known good), expanding the
        # IFLA_LINKINFO it decoded as _decode.linkinfo does.
        checked: list[tuple[int, int, str]] = []
        var: dict[int, int] = {}
        info = offsets[_LINKINFO]
        off = IFINFOMSG.size
        n = len(payload)
        while off < n:
            alen, atype = _NLA(payload, off)
            step = (alen + 3) & ~3
            if atype & NLA_TYPE_MASK in _VARIABLE and off + step < n:
                var[off] = len(checked)
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
        # Each "HH" gives two values, a kind string one: where each item's come.
        at, where = 0, {}
        for o, _size, code in checked:
            where[o] = at
            at += 2 if code == "HH" else 1
        return checked, {o: where[o] for o in var}

    def _values(self, offsets: tuple[int, ...], gen_mode: int) -> None:
        """``fixed``: one unpack of every fixed-size value; ``pick`` Link's fields from
        it, ``dpick`` the numbers of Link._details (absent ones: _ABSENT's None)."""
        fixed = [(2, 2, "H"), (4, 4, "i"), (8, 4, "I")]  # ifinfomsg's type, index, flags
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
        self.pick = operator.itemgetter(0, 1, 2, *[at(t) for t, _s, _c in _FIXED])
        if self.details:
            numbers = [at(t) for t, _s, _c in _DETAIL_FIXED]
            numbers.append(order.index(gen_mode) if gen_mode else absent)
            self.dpick = operator.itemgetter(*numbers)

    @staticmethod
    def _span(payload: bytes, o: int) -> slice | None:
        return slice(o + 4, o + _NLA(payload, o)[0]) if o else None

    def fits(self, got: tuple[Any, ...]) -> bool:
        """Whether ``check`` gave this for a look-alike whose strings differ in length
        only: each string of the same padded length, everything else the same."""
        if not self.pads:
            return False
        same = list(got)
        for i, pad in self.pads:
            x = got[i]
            if x < 4 or (x + 3) & ~3 != pad:
                return False
            same[i] = self.expect[i]
        return bool(tuple(same) == self.expect)


#: Accepted look-alike check() results remembered per layout (a handful of name lengths).
_ALIKE_MAX = 32

#: Layouts by payload length, at most _LAYOUTS_MAX (then all are dropped).
_LAYOUTS: dict[int, _Layout] = {}
_LAYOUTS_MAX = 64

#: The scan of the last message of each length decoded without a layout: a
#: layout is built only when a length's next miss scans the same (a dump of
#: many links of one kind), not for one-off lengths or for two layouts of one
#: length taking turns.
_SCANNED: dict[int, tuple[int, ...]] = {}


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
    got = lay.check(payload)
    if got != lay.expect and got not in lay.alike:
        if not lay.fits(got):
            return _learn(payload, origin)
        if len(lay.alike) < _ALIKE_MAX:
            lay.alike.add(got)
    _credit += _REFILL
    # Every offset, length and kind is known, only values are read. Filled
    # slot by slot (see _LinkSlots).
    lk: Any = _new(_LinkSlots)
    values = lay.fixed(payload) + _ABSENT
    (
        lk.type,
        lk.index,
        lk.flags,
        lk.mtu,
        lk.master,
        lk.link,
        lk.link_netnsid,
        lk.txqlen,
        operstate,
    ) = lay.pick(values)
    if lay.details:
        lk._details = lay.dpick(values) + _texts(lay, payload, got)
    lk.operstate = _OPERSTATES.get(operstate, "UNKNOWN")
    a, b = lay.name
    if lay.name_var >= 0:
        b = a - 4 + got[lay.name_var]
    nul = payload.find(0, a, b)
    lk.name = payload[a : b if nul < 0 else nul].decode("utf-8", "surrogateescape")
    lk.mac = None if (s := lay.mac) is None else payload[s].hex(":")
    lk.broadcast = None if (s := lay.broadcast) is None else payload[s].hex(":")
    if (s := lay.alias) is None:
        lk.alias = None
    elif lay.alias_var >= 0:
        lk.alias = text(payload, s.start, s.start - 4 + got[lay.alias_var])
    else:
        lk.alias = text(payload, s.start, s.stop)
    lk.raw = payload
    lk.offsets = lay.offsets
    lk.origin = origin
    lk.kind = lay.kind
    lk.slave_kind = lay.slave_kind
    lk.data = lk.port = None
    if lay.views:
        try:
            lk.data, lk.port = _kind_views(lay, lk, payload)
        except (struct.error, IndexError):
            raise DecodeError(
                "an attribute is shorter than its value", offset=lay.offsets[_LINKINFO]
            ) from None
    lk.__class__ = Link  # same slots; see _LinkSlots
    done: Link = lk
    return done


def _kind_views(lay: _Layout, lk: Any, payload: bytes) -> tuple[Any, Any]:
    """The data and port views, from the layout's plans or by the kinds' parsers."""
    if (plan := lay.info_plan) is None:
        info = _info_view(lk, payload, lay.data)
    else:
        try:
            info = plan.run(payload)
        except DecodeError as e:
            e.add_note(f"in IFLA_INFO_DATA of a {lay.kind} link")
            raise
    if (plan := lay.port_plan) is None:
        return info, _port_view(lk, payload, lay.slave)
    try:
        return info, plan.run(payload)
    except DecodeError as e:
        e.add_note(f"in IFLA_INFO_SLAVE_DATA of a {lay.slave_kind} port")
        raise


def _texts(lay: _Layout, payload: bytes, got: tuple[Any, ...]) -> tuple[Any, ...]:
    """Link._details after its numbers: the strings, the permanent MAC, no altnames."""
    out: list[Any] = [None, None, None, None, None, ()]
    for i, a, b, v in lay.texts:
        if v >= 0:
            b = a - 4 + got[v]
        nul = payload.find(0, a, b)
        out[i] = payload[a : b if nul < 0 else nul].decode("utf-8", "surrogateescape")
    if (s := lay.perm) is not None:
        out[4] = payload[s].hex(":")
    return tuple(out)


def _learn(payload: bytes, origin: tuple[int, int] | None) -> Link:
    """The plain decoder's Link; note its layout, and maybe keep it."""
    global _credit, layouts_built
    lk = _decode.parse_link(payload, origin)
    n = len(payload)
    pos = tuple(lk.offsets)
    if _SCANNED.get(n) != pos:
        if len(_SCANNED) >= _LAYOUTS_MAX:
            _SCANNED.clear()
        _SCANNED[n] = pos
        return lk
    _credit = min(_credit, _FREE)
    if _credit < 1:
        _LAYOUTS.pop(n, None)  # it missed twice in a row: stop paying its check
        return lk
    _credit -= 1
    if len(_LAYOUTS) >= _LAYOUTS_MAX:
        _LAYOUTS.clear()
    _LAYOUTS[n] = _Layout(payload, lk)
    layouts_built += 1
    return lk
