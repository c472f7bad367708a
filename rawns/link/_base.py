"""The :class:`Link` result, its parser, and the kind-independent verbs.

Kind modules (``_veth``, ``_bridge``, ...) register a parser for their
``IFLA_INFO_DATA`` (and, for masters, their ports' ``IFLA_INFO_SLAVE_DATA``)
with :func:`register_info` / :func:`register_port`; :func:`parse_link` looks
the kind up there, so no code here knows about any one kind.
"""

from __future__ import annotations

import operator
import socket
import struct
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Union, cast

from .. import _check
from .._rtnl import IF_OPER, IFF, IFINFOMSG, IFLA, IFLA_INFO, NLM_F, RTM
from .._wire import NLA_TYPE_MASK, Attr, Writer, iter_attrs
from ..errors import DecodeError, KernelError

if TYPE_CHECKING:
    from ..handle import Handle

__all__ = [
    "Link",
    "LinkInfo",
    "LinkRef",
    "PortInfo",
    "build_delete",
    "build_dump",
    "build_get",
    "delete",
    "delete_many",
    "dump",
    "get",
    "parse_link",
    "resolve_index",
]

# RTEXT_FILTER_SKIP_STATS (linux/rtnetlink.h) leaves out the IPv6 counters
# inside IFLA_AF_SPEC (IFLA_INET6_STATS and IFLA_INET6_ICMP6STATS, 368 bytes a
# link with IPv6 on; net/ipv6/addrconf.c: inet6_fill_ifla6_attrs) and the
# per-VF stats of SR-IOV devices (rtnl_fill_vfinfo). It does not leave out
# IFLA_STATS and IFLA_STATS64 (300 bytes): rtnl_fill_ifinfo calls
# rtnl_fill_stats unconditionally (net/core/rtnetlink.c, up to at least 6.18;
# a 2025 net-next patch proposes honouring the flag there), and no other
# filter bit drops them, so every link message still carries both.
RTEXT_FILTER_SKIP_STATS = 1 << 3

_NLA = struct.Struct("=HH").unpack_from
_U8 = struct.Struct("=B").unpack_from
_U32 = struct.Struct("=I").unpack_from
_S32 = struct.Struct("=i").unpack_from
_HHU32 = struct.Struct("=HHI").unpack_from  # an attribute header and its u32, in one call
_HHS32 = struct.Struct("=HHi").unpack_from

# Attribute numbers as plain ints: the parser indexes a list with them.
_IFNAME = int(IFLA.IFNAME)
_MTU = int(IFLA.MTU)
_ADDRESS = int(IFLA.ADDRESS)
_BROADCAST = int(IFLA.BROADCAST)
_MASTER = int(IFLA.MASTER)
_LINK = int(IFLA.LINK)
_LINK_NETNSID = int(IFLA.LINK_NETNSID)
_OPERSTATE = int(IFLA.OPERSTATE)
_LINKMODE = int(IFLA.LINKMODE)
_LINKINFO = int(IFLA.LINKINFO)
_TXQLEN = int(IFLA.TXQLEN)
_IFALIAS = int(IFLA.IFALIAS)
_PERM_ADDRESS = int(IFLA.PERM_ADDRESS)
_CARRIER = int(IFLA.CARRIER)
_MIN_MTU = int(IFLA.MIN_MTU)
_MAX_MTU = int(IFLA.MAX_MTU)
_QDISC = int(IFLA.QDISC)
_PROMISCUITY = int(IFLA.PROMISCUITY)
_GROUP = int(IFLA.GROUP)
_NUM_TX_QUEUES = int(IFLA.NUM_TX_QUEUES)
_NUM_RX_QUEUES = int(IFLA.NUM_RX_QUEUES)
_GSO_MAX_SIZE = int(IFLA.GSO_MAX_SIZE)
_GSO_MAX_SEGS = int(IFLA.GSO_MAX_SEGS)
_PROP_LIST = int(IFLA.PROP_LIST)
_ALT_IFNAME = int(IFLA.ALT_IFNAME)
_INFO_KIND = int(IFLA_INFO.KIND)
_INFO_DATA = int(IFLA_INFO.DATA)
_INFO_SLAVE_KIND = int(IFLA_INFO.SLAVE_KIND)
_INFO_SLAVE_DATA = int(IFLA_INFO.SLAVE_DATA)

#: Top-level attributes decoded into :class:`Link` fields; the rest stay raw
#: in :attr:`Link.attrs`.
_DECODED = frozenset(
    {
        _IFNAME,
        _MTU,
        _ADDRESS,
        _BROADCAST,
        _MASTER,
        _LINK,
        _LINK_NETNSID,
        _OPERSTATE,
        _LINKMODE,
        _LINKINFO,
        _TXQLEN,
        _IFALIAS,
        _PERM_ADDRESS,
        _CARRIER,
        _MIN_MTU,
        _MAX_MTU,
        _QDISC,
        _PROMISCUITY,
        _GROUP,
        _NUM_TX_QUEUES,
        _NUM_RX_QUEUES,
        _GSO_MAX_SIZE,
        _GSO_MAX_SEGS,
        _PROP_LIST,
    }
)
_SLOTS = 128  # room above today's IFLA_* (~70); larger types are kept in raw only

_new = object.__new__
_OPERSTATES = {int(v): v.name for v in IF_OPER}
_IFF_NAMES = tuple((int(f), str(f.name)) for f in IFF)


@dataclass(frozen=True, slots=True, kw_only=True)
class LinkInfo:
    """Base of the typed ``IFLA_INFO_DATA`` views (:class:`~rawns.link.BridgeInfo`...)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class PortInfo:
    """Base of the typed ``IFLA_INFO_SLAVE_DATA`` views (:class:`~rawns.link.BridgePortInfo`)."""


# (payload, start, end, the link being decoded) -> typed view. The link has
# every field set but data and port (it is not a finished Link yet: keep no
# reference); it lets a kind use top-level attributes: a veth's peer is IFLA_LINK.
InfoParser = Callable[[bytes, int, int, "Link"], LinkInfo]
PortParser = Callable[[bytes, int, int], PortInfo]

_INFO_PARSERS: dict[str, InfoParser] = {}
_PORT_PARSERS: dict[str, PortParser] = {}


def register_info(kind: str, parser: InfoParser) -> None:
    """Decode ``IFLA_INFO_DATA`` of links of ``kind`` with ``parser`` (kind modules call this)."""
    _INFO_PARSERS[kind] = parser


def register_port(master_kind: str, parser: PortParser) -> None:
    """Decode ``IFLA_INFO_SLAVE_DATA`` of ports whose master is of ``master_kind``."""
    _PORT_PARSERS[master_kind] = parser


def mac_str(raw: bytes) -> str:
    return raw.hex(":")


@dataclass(frozen=True, slots=True, kw_only=True)
class Link:
    """A network interface as the kernel reports it (RTM_NEWLINK).

    Field names follow ``ip -j -d link show`` where they can (``mac`` is its
    ``address``, ``index`` its ``ifindex``). ``data`` is the kind's own
    settings, typed (:class:`~rawns.link.VethInfo`, :class:`~rawns.link.BridgeInfo`,
    ...), ``port`` the bridge-port settings of a bridge port. Details that
    few callers read (``min_mtu``, ``qdisc``, ``num_tx_queues``...) are
    properties decoded from ``raw`` on access, which keeps dumps fast. ``raw``
    keeps the whole message payload, so nothing the kernel sent is lost: see
    :attr:`attrs`, :attr:`info_data` and :attr:`slave_data`.
    """

    index: int
    name: str
    kind: str | None = None
    flags: int = 0
    mtu: int | None = None
    mac: str | None = None
    broadcast: str | None = None
    operstate: str = "UNKNOWN"
    master: int | None = None
    link: int | None = None
    """IFLA_LINK: the peer's index for veth, the lower device for macvlan."""
    link_netnsid: int | None = None
    """IFLA_LINK_NETNSID: the namespace of :attr:`link`, as an id seen from here."""
    txqlen: int | None = None
    alias: str | None = None
    type: int = 0
    """ARPHRD_* link type (1 = ether, 772 = loopback, 65534 = none/tun)."""
    slave_kind: str | None = None
    """The kind of the master this link is a port of (``bridge``)."""
    data: LinkInfo | None = None
    """The kind's settings, typed; ``None`` for a kind rawns does not decode."""
    port: PortInfo | None = None
    """Port settings from the master (:class:`~rawns.link.BridgePortInfo`)."""
    raw: bytes = field(default=b"", repr=False, compare=False)
    """The RTM_NEWLINK payload (ifinfomsg and attributes) as received."""
    offsets: Sequence[int] = field(default=(), repr=False, compare=False)
    """Where each top-level attribute starts in ``raw``, by type (0: absent)."""
    origin: tuple[int, int] | None = field(default=None, compare=False, repr=False)
    """The namespace this link was dumped or got from (:attr:`Handle.netns_ident
    <rawns.Handle.netns_ident>`); ``None`` for a Link built by hand. Verbs refuse
    a Link from another namespace than their handle's: its index means
    another link there."""

    @property
    def up(self) -> bool:
        """Administratively up (IFF_UP)."""
        return bool(self.flags & IFF.UP)

    @property
    def lower_up(self) -> bool:
        """The driver reports carrier (IFF_LOWER_UP)."""
        return bool(self.flags & IFF.LOWER_UP)

    @property
    def flag_names(self) -> tuple[str, ...]:
        """The IFF_* flags that are set, by name (``("UP", "BROADCAST", "MULTICAST")``)."""
        return tuple(n for bit, n in _IFF_NAMES if self.flags & bit)

    # -- details, decoded from raw on access ------------------------------------
    def _find(self, atype: int) -> tuple[int, int] | None:
        """(start, end) of a top-level attribute's payload in ``raw``."""
        raw = self.raw
        if atype < len(self.offsets):
            o = self.offsets[atype]
            return (o + 4, o + _NLA(raw, o)[0]) if o else None
        for t, a, b in iter_attrs(raw, IFINFOMSG.size):
            if t & NLA_TYPE_MASK == atype:
                return a, b
        return None

    def _u32(self, atype: int) -> int | None:
        where = self._find(atype)
        return None if where is None else _u32(self.raw, *where, IFLA(atype).name)

    def _u8(self, atype: int) -> int | None:
        where = self._find(atype)
        return None if where is None else _u8(self.raw, *where, IFLA(atype).name)

    @property
    def carrier(self) -> bool | None:
        """IFLA_CARRIER: the device has carrier."""
        v = self._u8(_CARRIER)
        return None if v is None else bool(v)

    @property
    def min_mtu(self) -> int | None:
        return self._u32(_MIN_MTU)

    @property
    def max_mtu(self) -> int | None:
        return self._u32(_MAX_MTU)

    @property
    def promiscuity(self) -> int | None:
        return self._u32(_PROMISCUITY)

    @property
    def group(self) -> int | None:
        return self._u32(_GROUP)

    @property
    def linkmode(self) -> int | None:
        return self._u8(_LINKMODE)

    @property
    def num_tx_queues(self) -> int | None:
        return self._u32(_NUM_TX_QUEUES)

    @property
    def num_rx_queues(self) -> int | None:
        return self._u32(_NUM_RX_QUEUES)

    @property
    def gso_max_size(self) -> int | None:
        return self._u32(_GSO_MAX_SIZE)

    @property
    def gso_max_segs(self) -> int | None:
        return self._u32(_GSO_MAX_SEGS)

    @property
    def qdisc(self) -> str | None:
        where = self._find(_QDISC)
        return None if where is None else _str(self.raw, *where)

    @property
    def permanent_mac(self) -> str | None:
        where = self._find(_PERM_ADDRESS)
        return None if where is None else self.raw[where[0] : where[1]].hex(":")

    @property
    def alt_names(self) -> tuple[str, ...]:
        """Alternative names (``ip link property add dev X altname Y``)."""
        where = self._find(_PROP_LIST)
        if where is None:
            return ()
        raw = self.raw
        return tuple(
            _str(raw, c, d)
            for ct, c, d in iter_attrs(raw, *where)
            if ct & NLA_TYPE_MASK == _ALT_IFNAME
        )

    @property
    def attrs(self) -> tuple[Attr, ...]:
        """Every top-level attribute not decoded into a field or property, verbatim."""
        raw = self.raw
        return tuple(
            Attr(t, raw[a:b])
            for t, a, b in iter_attrs(raw, IFINFOMSG.size)
            if t & NLA_TYPE_MASK not in _DECODED
        )

    @property
    def info_data(self) -> tuple[Attr, ...]:
        """IFLA_INFO_DATA, raw (:attr:`data` is its typed view)."""
        return self._linkinfo(_INFO_DATA)

    @property
    def slave_data(self) -> tuple[Attr, ...]:
        """IFLA_INFO_SLAVE_DATA, raw (:attr:`port` is its typed view)."""
        return self._linkinfo(_INFO_SLAVE_DATA)

    def _linkinfo(self, which: int) -> tuple[Attr, ...]:
        where = self._find(_LINKINFO)
        if where is None:
            return ()
        raw = self.raw
        for it, c, d in iter_attrs(raw, *where):
            if it & NLA_TYPE_MASK == which:
                return tuple(Attr(x, raw[y:z]) for x, y, z in iter_attrs(raw, c, d))
        return ()


LinkRef = Union[str, int, Link]  # noqa: UP007 - a runtime alias, also used by route and neigh


def _str(payload: bytes, a: int, b: int) -> str:
    nul = payload.find(0, a, b)
    return payload[a : b if nul < 0 else nul].decode("utf-8", "surrogateescape")


def _u32(payload: bytes, a: int, b: int, what: str) -> int:
    if b - a != 4:
        raise DecodeError(f"{what} payload is {b - a} bytes, expected 4", offset=a)
    return int(_U32(payload, a)[0])


def _u8(payload: bytes, a: int, b: int, what: str) -> int:
    if b - a < 1:
        raise DecodeError(f"{what} payload is empty", offset=a)
    return payload[a]


def _bad(payload: bytes, o: int, what: str) -> DecodeError:
    return DecodeError(f"{what} has length {_NLA(payload, o)[0]}, not a u32", offset=o)


def parse_link(payload: bytes, origin: tuple[int, int] | None = None) -> Link:
    """Decode an RTM_NEWLINK payload (ifinfomsg + attributes) into a :class:`Link`.

    ``origin`` is the :attr:`~rawns.Handle.netns_ident` of the namespace the
    message came from (:func:`dump` and :func:`get` pass their handle's), kept
    in :attr:`Link.origin`. Raises :class:`~rawns.errors.DecodeError` for
    truncated or malformed input.
    """
    lay = _LAYOUTS.get(len(payload))
    if lay is None or lay.check(payload) != lay.expect:
        return _parse_scanned(payload, origin)
    # A message laid out like one decoded before (see _Layout): every offset,
    # length and kind is known, only values are read. Filled slot by slot
    # (see _LinkSlots).
    lk: Any = _new(_LinkSlots)
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
    ) = lay.pick(lay.fixed(payload) + _ABSENT)
    lk.operstate = _OPERSTATES.get(operstate, "UNKNOWN")
    a, b = lay.name
    nul = payload.find(0, a, b)
    lk.name = payload[a : b if nul < 0 else nul].decode("utf-8", "surrogateescape")
    lk.mac = None if (s := lay.mac) is None else payload[s].hex(":")
    lk.broadcast = None if (s := lay.broadcast) is None else payload[s].hex(":")
    lk.alias = None if (s := lay.alias) is None else _str(payload, s.start, s.stop)
    lk.raw = payload
    lk.offsets = lay.offsets
    lk.origin = origin
    lk.kind = lay.kind
    lk.slave_kind = lay.slave_kind
    if lay.views:
        try:
            _views(lk, payload, lay.data, lay.slave)
        except (struct.error, IndexError):
            raise DecodeError(
                "an attribute is shorter than its value", offset=lay.offsets[_LINKINFO]
            ) from None
    else:
        lk.data = lk.port = None
    lk.__class__ = Link  # same slots; see _LinkSlots
    done: Link = lk  # typed without cast(): a call, 2% of this path
    return done


def _parse_scanned(payload: bytes, origin: tuple[int, int] | None) -> Link:
    """:func:`parse_link` without a layout: scan the attributes, check every length."""
    n = len(payload)
    if n < IFINFOMSG.size:
        raise DecodeError(f"ifinfomsg needs {IFINFOMSG.size} bytes, got {n}")
    pos = _scan(payload, n)
    lk: Any = _new(_LinkSlots)
    _family, lk.type, lk.index, lk.flags, _change = IFINFOMSG.unpack_from(payload, 0)
    lk.raw = payload
    lk.offsets = pos
    lk.origin = origin
    lk.mtu = lk.mac = lk.broadcast = lk.master = lk.link = lk.link_netnsid = None
    lk.txqlen = lk.alias = lk.kind = lk.slave_kind = lk.data = lk.port = None
    lk.operstate = "UNKNOWN"
    u32 = _HHU32
    # A fixed-size value read from the last attribute may reach past the end of
    # the buffer (its length was checked above, its size below): fuzz findings.
    try:
        o = pos[_IFNAME]
        lk.name = _str(payload, o + 4, o + _NLA(payload, o)[0]) if o else ""
        if o := pos[_MTU]:
            alen, _t, lk.mtu = u32(payload, o)
            if alen != 8:
                raise _bad(payload, o, "IFLA_MTU")
        if o := pos[_ADDRESS]:
            lk.mac = payload[o + 4 : o + _NLA(payload, o)[0]].hex(":")
        if o := pos[_BROADCAST]:
            lk.broadcast = payload[o + 4 : o + _NLA(payload, o)[0]].hex(":")
        if o := pos[_OPERSTATE]:
            if _NLA(payload, o)[0] < 5:  # a u8 attribute with no byte
                raise DecodeError("IFLA_OPERSTATE is empty", offset=o)
            lk.operstate = _OPERSTATES.get(payload[o + 4], "UNKNOWN")
        if o := pos[_MASTER]:
            alen, _t, lk.master = u32(payload, o)
            if alen != 8:
                raise _bad(payload, o, "IFLA_MASTER")
        if o := pos[_LINK]:
            alen, _t, lk.link = u32(payload, o)
            if alen != 8:
                raise _bad(payload, o, "IFLA_LINK")
        if o := pos[_LINK_NETNSID]:
            alen, _t, lk.link_netnsid = _HHS32(payload, o)
            if alen != 8:
                raise _bad(payload, o, "IFLA_LINK_NETNSID")
        if o := pos[_TXQLEN]:
            alen, _t, lk.txqlen = u32(payload, o)
            if alen != 8:
                raise _bad(payload, o, "IFLA_TXQLEN")
        if o := pos[_IFALIAS]:
            lk.alias = _str(payload, o + 4, o + _NLA(payload, o)[0])
        if o := pos[_LINKINFO]:
            lk.kind, data, lk.slave_kind, slave = _linkinfo(payload, o + 4, o + _NLA(payload, o)[0])
            _views(lk, payload, data, slave)
    except (struct.error, IndexError):
        raise DecodeError("an attribute is shorter than its value", offset=o) from None
    _remember(payload, pos, lk)
    lk.__class__ = Link  # same slots; see _LinkSlots
    return cast(Link, lk)


def _scan(payload: bytes, n: int) -> tuple[int, ...]:
    """Where each top-level attribute starts, by type (0: absent).

    The hot loop of a decode without a layout: one pass records where each
    attribute starts, by type; fields are then decoded straight from those
    offsets. Only the last attribute can run past the end (any overrun ends
    the loop), so that one check comes after it.
    """
    pos = [0] * _SLOTS
    off = IFINFOMSG.size
    alen = 4
    nla = _NLA
    try:
        while off < n:
            alen, atype = nla(payload, off)
            if alen < 4:
                raise DecodeError(f"attribute type {atype} has length {alen} < 4", offset=off)
            try:  # noqa: SIM105 - contextlib.suppress costs a call per attribute here
                pos[atype & NLA_TYPE_MASK] = off
            except IndexError:  # a type newer than this parser: kept in raw only
                pass
            off += (alen + 3) & ~3
    except struct.error:
        raise DecodeError(f"truncated attribute header: {n - off} bytes left", offset=off) from None
    last = off - ((alen + 3) & ~3)
    if last + alen > n:
        raise DecodeError(
            f"attribute length {alen} runs past the end ({n - last} bytes left)", offset=last
        )
    return tuple(pos)  # shared by the Links of one layout, so immutable


def _linkinfo(
    payload: bytes, a: int, b: int
) -> tuple[str | None, tuple[int, int], str | None, tuple[int, int]]:
    """IFLA_LINKINFO: (kind, data span, slave kind, slave data span); (0, 0) if absent."""
    kind = slave_kind = None
    data = (0, 0)
    slave = (0, 0)
    for it, c, d in iter_attrs(payload, a, b):
        it &= NLA_TYPE_MASK
        if it == _INFO_KIND:
            kind = _str(payload, c, d)
        elif it == _INFO_DATA:
            data = (c, d)
        elif it == _INFO_SLAVE_KIND:
            slave_kind = _str(payload, c, d)
        elif it == _INFO_SLAVE_DATA:
            slave = (c, d)
    return kind, data, slave_kind, slave


def _views(lk: Any, payload: bytes, data: tuple[int, int], slave: tuple[int, int]) -> None:
    """Set ``lk.data`` and ``lk.port`` with the parsers of its kind and its master's."""
    lk.data = lk.port = None
    kind = lk.kind
    if kind is not None:
        info = _INFO_PARSERS.get(kind)
        if info is not None:
            try:
                lk.data = info(payload, data[0], data[1], lk)
            except DecodeError as e:
                e.add_note(f"in IFLA_INFO_DATA of a {kind} link")
                raise
    slave_kind = lk.slave_kind
    if slave_kind is not None:
        port = _PORT_PARSERS.get(slave_kind)
        if port is not None and slave[0]:
            try:
                lk.port = port(payload, slave[0], slave[1])
            except DecodeError as e:
                e.add_note(f"in IFLA_INFO_SLAVE_DATA of a {slave_kind} port")
                raise


#: Link's fields in order; _LinkSlots must have exactly these (a unit test checks).
_LINK_FIELDS = (
    "index", "name", "kind", "flags", "mtu", "mac", "broadcast", "operstate", "master",
    "link", "link_netnsid", "txqlen", "alias", "type", "slave_kind", "data", "port", "raw",
    "offsets", "origin",
)  # fmt: skip


class _LinkSlots:
    """Link's slot layout without the frozen guard: the decoder fills one and
    turns it into a Link by ``__class__`` assignment (same slots, so allowed).
    The frozen ``__init__`` stores its 20 fields through ``object.__setattr__``,
    a fifth of a dump's decoding time; a unit test keeps the layouts equal."""

    __slots__ = _LINK_FIELDS


# ---------------------------------------------------------------------------
# layouts

#: The top-level attributes whose fixed-size value a _Layout reads, with its
#: size and struct code, in the order of _Layout.pick's output (after
#: ifinfomsg's type, index and flags).
_FIXED = (
    (_MTU, 4, "I"),
    (_MASTER, 4, "I"),
    (_LINK, 4, "I"),
    (_LINK_NETNSID, 4, "i"),
    (_TXQLEN, 4, "I"),
    (_OPERSTATE, 1, "B"),
)
_ABSENT = (None,)  # what _Layout.pick gives for an absent attribute


def _struct(items: list[tuple[int, int, str]]) -> Any:
    """``unpack_from`` of a Struct reading each (offset, size, code), in that order."""
    fmt = ["="]
    at = 0
    for off, size, code in items:
        fmt.append(f"{off - at}x{code}")
        at = off + size
    return struct.Struct("".join(fmt)).unpack_from


class _Layout:
    """What a decoded message's attribute layout fixes, to decode its look-alikes.

    ``check(payload)`` unpacks, in one call, the header of every top-level
    attribute at the offsets the scan found in that message, the headers of
    IFLA_LINKINFO's attributes and the bytes of its kind strings; ``expect``
    is what it gave there. A message of the same length for which ``check``
    gives ``expect`` scans to the same ``offsets`` (each step of the scan
    depends only on the length at the current offset, and the walk ends at
    the same total length), passes the same length checks, and has the same
    kinds: only values differ, and ``fixed`` reads those of fixed size in one
    call. Headers are read as two u16 rather than one u32: small ints are
    shared objects, so the tuple holds no new ints and compares by identity
    (a third faster). Never changed once built (shared between threads).
    """

    __slots__ = (
        "alias", "broadcast", "check", "data", "expect", "fixed", "kind", "mac", "name",
        "offsets", "pick", "slave", "slave_kind", "views",
    )  # fmt: skip

    def __init__(self, payload: bytes, offsets: tuple[int, ...], lk: Any) -> None:
        # The scan's walk again (the message is known good), expanding the
        # IFLA_LINKINFO it decoded as _linkinfo does.
        checked = []
        info = offsets[_LINKINFO]
        off = IFINFOMSG.size
        n = len(payload)
        while off < n:
            alen = _NLA(payload, off)[0]
            checked.append((off, 4, "HH"))
            if off == info:
                c = off + 4
                while c < off + alen:
                    clen, ctype = _NLA(payload, c)
                    checked.append((c, 4, "HH"))
                    if ctype & NLA_TYPE_MASK in (_INFO_KIND, _INFO_SLAVE_KIND):
                        checked.append((c + 4, clen - 4, f"{clen - 4}s"))
                    c += (clen + 3) & ~3
            off += (alen + 3) & ~3
        self.views = bool(info)
        self.data = self.slave = (0, 0)
        if info:
            end = info + _NLA(payload, info)[0]
            _kind, self.data, _slave_kind, self.slave = _linkinfo(payload, info + 4, end)
        self.check = _struct(checked)
        self.expect = self.check(payload)
        self.offsets = offsets
        fixed = [(2, 2, "H"), (4, 4, "i"), (8, 4, "I")]  # ifinfomsg's type, index, flags
        fixed += sorted((o + 4, size, code) for t, size, code in _FIXED if (o := offsets[t]))
        order = [o for o, _s, _c in fixed]
        absent = len(order)  # the index of _ABSENT's None after the values
        pick = [0, 1, 2] + [
            order.index(o + 4) if (o := offsets[t]) else absent for t, _s, _c in _FIXED
        ]
        self.fixed = _struct(fixed)
        self.pick = operator.itemgetter(*pick)
        o = offsets[_IFNAME]
        self.name = (o + 4, o + _NLA(payload, o)[0]) if o else (0, 0)
        self.mac = self._span(payload, offsets[_ADDRESS])
        self.broadcast = self._span(payload, offsets[_BROADCAST])
        self.alias = self._span(payload, offsets[_IFALIAS])
        self.kind = lk.kind
        self.slave_kind = lk.slave_kind

    @staticmethod
    def _span(payload: bytes, o: int) -> slice | None:
        return slice(o + 4, o + _NLA(payload, o)[0]) if o else None


#: Layouts by payload length. The kernel encodes links of one kind with the
#: same attributes in the same order, so a dump hits these nearly always and
#: skips the scan and the length checks. Read and written without a lock:
#: dict operations are atomic and a _Layout is never changed.
_LAYOUTS: dict[int, _Layout] = {}
_LAYOUTS_MAX = 64

#: The scan of the last message of each length decoded without a layout.
#: Building a layout costs two to three scanned decodes, so one is built only
#: when a length's next miss scans the same (a dump of many links of one
#: kind), not for one-off lengths or for two layouts of one length taking turns.
_SCANNED: dict[int, tuple[int, ...]] = {}


def _remember(payload: bytes, pos: tuple[int, ...], lk: Any) -> None:
    """Note the scan of a message that decoded without error; maybe keep its layout."""
    n = len(payload)
    if _SCANNED.get(n) != pos:
        if len(_SCANNED) >= _LAYOUTS_MAX:
            _SCANNED.clear()
        _SCANNED[n] = pos
        return
    if len(_LAYOUTS) >= _LAYOUTS_MAX:
        _LAYOUTS.clear()
    _LAYOUTS[n] = _Layout(payload, pos, lk)


# ---------------------------------------------------------------------------
# references: a name, an index or a Link


def header(w: Writer, index: int = 0, flags: int = 0, change: int = 0) -> None:
    """Write an AF_UNSPEC ifinfomsg."""
    w.put_bytes_raw(IFINFOMSG.pack(socket.AF_UNSPEC, 0, index, flags, change))


def check_origin(value: object, what: str) -> tuple[int, int] | None:
    """An object's :attr:`~Link.origin`: ``None`` or a ``(st_dev, st_ino)`` pair, as
    :attr:`Handle.netns_ident <rawns.Handle.netns_ident>` gives (Route, Address,
    Neighbour and Rule check theirs with this)."""
    if value is None:
        return None
    if (
        not isinstance(value, tuple)
        or len(value) != 2
        or not all(isinstance(x, int) and not isinstance(x, bool) for x in value)
    ):
        raise TypeError(
            f"{what} must be None or a Handle.netns_ident pair, not {_check._show(value)}"
        )
    return value


def check_ref(ref: object, what: str = "ref") -> LinkRef:
    """A link reference as given: an interface name, an ifindex, or a :class:`Link`.

    Pure (no namespace is known here); :func:`check_here` adds the namespace
    check when a handle is at hand.
    """
    if isinstance(ref, Link):
        _check.ifindex(ref.index, f"{what} (Link {ref.name!r}) index")
        check_origin(ref.origin, f"{what} (Link {ref.name!r}) origin")
    elif isinstance(ref, str):
        _check.ifname(ref, what)
    elif isinstance(ref, int) and not isinstance(ref, bool):
        _check.ifindex(ref, f"{what} (an ifindex)")
    else:
        raise TypeError(
            f"{what} must be a link name, an ifindex or a Link, "
            f"not {type(ref).__name__}: {_check._show(ref)}"
        )
    return ref


def check_here(h: Handle, ref: object, what: str = "ref") -> LinkRef:
    """:func:`check_ref`, and refuse a :class:`Link` dumped from another namespace than ``h``'s.

    Every verb passes each link reference it takes through here before its
    first request (:class:`Resolver` and :func:`resolve_index` do too), so an
    index is never used in a namespace where it means another link.
    """
    checked = check_ref(ref, what)
    if isinstance(checked, Link) and checked.origin is not None:
        _check.same_netns(checked.origin, h, what, _origin_label(checked))
    return checked


def _origin_label(lk: Link) -> str:
    ino = lk.origin[1] if lk.origin is not None else None
    return f"{lk.name!r} (index {lk.index}, namespace inode {ino})"


def index_of(ref: LinkRef, what: str = "ref") -> int | None:
    """The index a reference carries (``None`` for a name), validated."""
    check_ref(ref, what)
    if isinstance(ref, Link):
        return ref.index
    if isinstance(ref, str):
        return None
    return ref


def put_ref(w: Writer, ref: LinkRef, flags: int = 0, change: int = 0, what: str = "ref") -> None:
    """Write the ifinfomsg for a link reference; a name goes in IFLA_IFNAME."""
    index = index_of(ref, what)
    if index is None:
        header(w, 0, flags, change)
        w.put_strz(IFLA.IFNAME, str(ref))
    else:
        header(w, index, flags, change)


def ref_label(ref: LinkRef) -> str:
    """How a reference is named in error messages."""
    if isinstance(ref, Link):
        return ref.name
    return str(ref)


def build_dump() -> bytes:
    """RTM_GETLINK dump request (``ip link show``), IPv6 and VF counters left out.

    (IFLA_STATS and IFLA_STATS64 still come: see RTEXT_FILTER_SKIP_STATS above.)
    """
    w = Writer()
    w.begin(RTM.GETLINK, flags=NLM_F.REQUEST | NLM_F.DUMP)
    header(w)
    w.put_u32(IFLA.EXT_MASK, RTEXT_FILTER_SKIP_STATS)
    w.end()
    return w.data()


def build_get(ref: LinkRef) -> bytes:
    """RTM_GETLINK for one link, by name or index (``ip link show dev NAME``)."""
    w = Writer()
    w.begin(RTM.GETLINK, flags=NLM_F.REQUEST | NLM_F.ACK)
    put_ref(w, ref)
    w.put_u32(IFLA.EXT_MASK, RTEXT_FILTER_SKIP_STATS)
    w.end()
    return w.data()


def build_delete(ref: LinkRef) -> bytes:
    """RTM_DELLINK (``ip link del NAME``)."""
    w = Writer()
    w.begin(RTM.DELLINK, flags=NLM_F.REQUEST | NLM_F.ACK)
    put_ref(w, ref)
    w.end()
    return w.data()


# ---------------------------------------------------------------------------
# verbs


def dump(h: Handle) -> list[Link]:
    """Every link in the handle's namespace, with its kind's data.

    Equivalent to: ip -d link show

    Each :class:`Link` remembers the handle's namespace (:attr:`Link.origin`).
    Raises :class:`~rawns.errors.DumpInterrupted` if the dump kept changing
    (see the dump consistency policy in :mod:`rawns.transport`);
    :class:`TypeError`/:class:`ValueError` if ``h`` is not an open Handle.
    """
    _check.handle(h)
    origin = h.netns_ident

    # Decoded where each message lies, as the channel's own wrapper would:
    # the same one call per message, with the origin passed along.
    def parse_at(data: bytes, start: int, end: int) -> Link:
        return parse_link(data[start:end], origin)

    return h.rtnl.dump(build_dump(), op="RTM_GETLINK", target="dump", parse_at=parse_at)


def get(h: Handle, ref: LinkRef) -> Link:
    """One link by name, index or :class:`Link`, asked of the kernel directly.

    Equivalent to: ip -d link show dev NAME

    Raises :class:`~rawns.errors.NotFound` (a :class:`FileNotFoundError`) if
    there is no such link; :class:`ValueError`/:class:`TypeError` for a
    malformed reference or a :class:`Link` from another namespace (nothing sent).
    """
    _check.handle(h)
    check_here(h, ref)
    return _get(h, ref)


def _get(h: Handle, ref: LinkRef) -> Link:
    replies = h.rtnl.request(build_get(ref), op="RTM_GETLINK", target=ref_label(ref))
    for r in replies:
        if r.type == RTM.NEWLINK:
            return parse_link(r.payload, h.netns_ident)
    raise DecodeError(f"RTM_GETLINK {ref_label(ref)}: the kernel sent no link")


def resolve_index(h: Handle, ref: LinkRef, what: str = "ref") -> int:
    """The ifindex of a link reference (one RTM_GETLINK for a name, none otherwise).

    Equivalent to: ip -j link show dev NAME (its "ifindex")

    The one place other modules turn a ``dev=`` (or ``master=``...) into an
    index: ``what`` names the argument in errors. Raises
    :class:`~rawns.errors.NotFound` for a name that is not a link;
    :class:`ValueError`/:class:`TypeError` for a malformed reference, a
    :class:`Link` dumped from another namespace than ``h``'s, or a bad ``h``
    (nothing sent).
    """
    _check.handle(h)
    check_here(h, ref, what)
    index = index_of(ref, what)
    if index is not None:
        return index
    return _get(h, ref).index


class Resolver:
    """Names to indices for one verb call: each name is asked of the kernel once.

    With a handle, every reference is checked by :func:`check_here` (a
    :class:`Link` from another namespace is refused); without one (the pure
    ``build_*`` functions) a name is refused.
    """

    __slots__ = ("_cache", "_h")

    def __init__(self, h: Handle | None) -> None:
        self._h = h
        self._cache: dict[str, int] = {}

    def __call__(self, ref: LinkRef, what: str) -> int:
        if self._h is not None:
            check_here(self._h, ref, what)
        index = index_of(ref, what)
        if index is not None:
            return index
        name = str(ref)
        hit = self._cache.get(name)
        if hit is not None:
            return hit
        if self._h is None:
            raise ValueError(
                f"{what} {name!r} is a name: the pure build_* functions need an index "
                f"or a Link (the verbs look names up)"
            )
        index = _get(self._h, name).index
        self._cache[name] = index
        return index

    def forget(self, name: str) -> None:
        self._cache.pop(name, None)


def delete(h: Handle, ref: LinkRef) -> None:
    """Delete a link; a veth's peer goes with it.

    Equivalent to: ip link del dev NAME

    Raises :class:`~rawns.errors.NotFound` if there is no such link;
    :class:`ValueError`/:class:`TypeError` for a malformed reference or a
    :class:`Link` from another namespace (nothing sent).
    """
    _check.handle(h)
    check_here(h, ref)
    h.rtnl.request(build_delete(ref), op="RTM_DELLINK", target=ref_label(ref))


def delete_many(
    h: Handle, refs: Iterable[LinkRef], *, check: bool = True
) -> list[KernelError | None]:
    """Delete many links with pipelined requests (one send per window, acks in bulk).

    Equivalent to: ip -batch - <<< "link del dev NAME ..."

    Returns one entry per link: ``None`` or the :class:`~rawns.errors.KernelError`.
    With ``check`` (the default) the first error is raised once every ack is in.
    Every reference is checked first: :class:`ValueError`/:class:`TypeError`
    for a bad one, or for one link named twice (nothing sent).
    """
    _check.handle(h)
    _check.boolean(check, "check")
    refs = listed(refs, "refs")
    seen: dict[tuple[str, object], int] = {}
    for i, r in enumerate(refs):
        check_here(h, r, f"refs[{i}]")
        # The same link twice: the second delete would fail (ENODEV) after the
        # first. (A name and an index of one link cannot be told apart here.)
        keys = (
            [("name", r.name), ("index", r.index)]
            if isinstance(r, Link)
            else [("name" if isinstance(r, str) else "index", r)]
        )
        for key in keys:
            j = seen.setdefault(key, i)
            if j != i:
                raise ValueError(
                    f"refs[{i}] ({ref_label(r)!r}) names the link refs[{j}] names: the "
                    "second delete would fail after the first"
                )
    msgs = [build_delete(r) for r in refs]
    return pipeline(h, msgs, [ref_label(r) for r in refs], "RTM_DELLINK", check)


def listed(items: object, what: str) -> list[Any]:
    """An iterable argument as a list; a str or a non-iterable is a TypeError naming it."""
    if isinstance(items, str | bytes) or not isinstance(items, Iterable):
        raise TypeError(
            f"{what} must be an iterable, not {type(items).__name__}: {_check._show(items)}"
        )
    return list(items)


def pipeline(
    h: Handle, msgs: Sequence[bytes], targets: Sequence[str], op: str, check: bool
) -> list[KernelError | None]:
    if not msgs:
        return []
    return h.rtnl.pipeline(msgs, op=op, targets=targets, check=check)
