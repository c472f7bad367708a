"""The plain decoders: RTM_NEWLINK into a :class:`~rawns.link.Link`, requests back into specs.

Kind modules (``_veth``, ``_bridge``, ...) register a parser for their
``IFLA_INFO_DATA`` (and, for masters, their ports' ``IFLA_INFO_SLAVE_DATA``)
with :func:`register_info` / :func:`register_port`; :func:`parse_link` looks
the kind up there, so no code here knows about any one kind.

:func:`parse_link` here is the reference decoder: ``_layout`` decodes
look-alike messages of a dump faster and is tested to give what this gives.
"""

from __future__ import annotations

import struct
from collections.abc import Callable

from .._dataclass import fields
from .._rtnl import IF_OPER, IFF, IFINFOMSG, IFLA, IFLA_INFO, RTM
from .._wire import NLA_TYPE_MASK, iter_attrs, iter_messages
from ..errors import DecodeError
from . import _kinds
from ._spec import IFF_FIELDS, LinkChange, LinkSpec, PortSettings, spec_class
from ._types import Link, LinkInfo, LinkRef, PortInfo, mac_str, text

TYPE_CHECKING = False  # not typing's: importing it costs (rawns._typing)
if TYPE_CHECKING:
    from typing import Any, TypeVar

    T = TypeVar("T")

__all__ = ["parse_add", "parse_link", "parse_set"]


_NLA = struct.Struct("=HH").unpack_from
_U32 = struct.Struct("=I").unpack_from
_HHU32 = struct.Struct("=HHI").unpack_from  # an attribute header and its u32
_HHS32 = struct.Struct("=HHi").unpack_from
SLOTS = 128  # room above today's IFLA_* (~70); larger types are kept in raw only
OPERSTATES = {int(v): v.name for v in IF_OPER}

# (payload, start, end, the link being decoded) -> typed view. The link has
# every field set but data and port (it is not finished yet: keep no
# reference); it lets a kind use top-level attributes: a veth's peer is IFLA_LINK.
InfoParser = Callable[[bytes, int, int, Link], LinkInfo]
PortParser = Callable[[bytes, int, int], PortInfo]
PortSettingsParser = Callable[[bytes, int, int], PortSettings]

_INFO_PARSERS: dict[str, InfoParser] = {}
_PORT_PARSERS: dict[str, PortParser] = {}
_PORT_SETTINGS: list[PortSettingsParser] = []
# The NestTable a parser decodes with, if it is only that (the layout cache plans it).
INFO_TABLES: dict[str, NestTable] = {}
PORT_TABLES: dict[str, NestTable] = {}


def register_info(kind: str, parser: InfoParser, table: NestTable | None = None) -> None:
    """Decode ``IFLA_INFO_DATA`` of links of ``kind`` with ``parser`` (kind modules call this);
    ``table``: the parser is ``table.decode`` (so a layout may plan it)."""
    _INFO_PARSERS[kind] = parser
    if table is not None:
        INFO_TABLES[kind] = table


def register_port(master_kind: str, parser: PortParser, table: NestTable | None = None) -> None:
    """Decode ``IFLA_INFO_SLAVE_DATA`` of ports whose master is of ``master_kind``."""
    _PORT_PARSERS[master_kind] = parser
    if table is not None:
        PORT_TABLES[master_kind] = table


def register_port_settings(parser: PortSettingsParser) -> None:
    """Read a ``link set`` request's IFLA_INFO_SLAVE_DATA back (:func:`parse_set`)."""
    _PORT_SETTINGS[:] = [parser]


# ---------------------------------------------------------------------------
# the kinds' typed views, decoded from a table in one pass

if TYPE_CHECKING:
    #: A value's reader: (payload, start, end) -> the value, or None to skip the
    #: attribute (a size that is not the kernel's, a value meaning "none").
    Read = Callable[[bytes, int, int], Any]
    #: An attribute that sets several fields or picks one by value: (payload,
    #: start, end, the fields' values in order, by index) -> None.
    Special = Callable[[bytes, int, int, list[Any]], None]
else:
    Read = Special = Callable  # (annotations only)

_new = object.__new__


class NestTable:
    """Decodes a nest of attributes into a frozen dataclass (a kind's ``*Info``).

    ``reads`` maps an attribute type to the field it sets and its reader;
    ``special`` maps the others it decodes to a :data:`Special`. One pass over
    the nest; an attribute seen twice sets its field twice (the last wins);
    types in neither table are skipped. The object is filled as the frozen
    ``__init__`` fills it (``object.__setattr__`` per field), without its
    keyword call.
    """

    __slots__ = ("cls", "defaults", "names", "reads", "setters", "special")

    def __init__(
        self,
        cls: type[T],
        reads: dict[int, tuple[str, Read]],
        special: dict[int, Special] | None = None,
        special_fields: tuple[str, ...] = (),
    ) -> None:
        flds = fields(cls)  # type: ignore[arg-type]  # a dataclass, by construction
        self.cls = cls
        self.names = tuple(f.name for f in flds)
        # Each field's slot, set as the frozen __init__'s object.__setattr__ sets
        # it, without the attribute lookup by name per field.
        self.setters = tuple(getattr(cls, n).__set__ for n in self.names)
        self.defaults = tuple(f.default for f in flds)
        self.reads = {int(t): (self.names.index(name), read) for t, (name, read) in reads.items()}
        self.special = {int(t): f for t, f in (special or {}).items()}
        # What the specials set is no reader's field (_layout.plan_nest relies on it).
        if {self.names.index(f) for f in special_fields} & {i for i, _r in self.reads.values()}:
            raise ValueError(f"{cls.__name__}: a special sets a field a reader sets")

    def index(self, name: str) -> int:
        """Where field ``name``'s value is in the list a :data:`Special` gets."""
        return self.names.index(name)

    def decode(self, payload: bytes, start: int, end: int) -> Any:
        values = list(self.defaults)
        reads = self.reads
        special = self.special
        for t, a, b in iter_attrs(payload, start, end):
            t &= NLA_TYPE_MASK
            hit = reads.get(t)
            if hit is not None:
                v = hit[1](payload, a, b)
                if v is not None:
                    values[hit[0]] = v
            elif special and (more := special.get(t)) is not None:
                more(payload, a, b, values)
        return self.make(values)

    def make(self, values: list[Any] | tuple[Any, ...]) -> Any:
        obj = _new(self.cls)
        for put, v in zip(self.setters, values, strict=True):
            put(obj, v)
        return obj


#: Readers whose value is one struct code at the attribute's start, given the
#: size they accept (kind modules add theirs with :func:`fixed_reader`; the
#: layout cache's nest plans read them in one unpack).
CODES: dict[Read, tuple[str, int]] = {}


def fixed_reader(read: Read, code: str, size: int) -> Read:
    """Declare that ``read`` gives ``struct.unpack_from("=" + code)``'s value when
    it gives one (its size checks then pass the same way for a look-alike)."""
    CODES[read] = (code, size)
    return read


# ---------------------------------------------------------------------------
# RTM_NEWLINK -> Link


def _bad(payload: bytes, o: int, what: str) -> DecodeError:
    return DecodeError(f"{what} has length {_NLA(payload, o)[0]}, not a u32", offset=o)


def parse_link(payload: bytes, origin: tuple[int, int] | None = None) -> Link:
    """Decode an RTM_NEWLINK payload (ifinfomsg + attributes) into a :class:`Link`.

    ``origin`` is the :attr:`~rawns.Handle.netns_ident` of the namespace the
    message came from (:func:`dump` and :func:`get` pass their handle's), kept
    in :attr:`Link.origin`. Raises :class:`~rawns.errors.DecodeError` for
    truncated or malformed input.
    """
    n = len(payload)
    if n < IFINFOMSG.size:
        raise DecodeError(f"ifinfomsg needs {IFINFOMSG.size} bytes, got {n}")
    pos = scan(payload, n)
    _family, ltype, index, flags, _change = IFINFOMSG.unpack_from(payload, 0)
    mtu = mac = broadcast = master = link = link_netnsid = txqlen = alias = None
    kind = slave_kind = None
    operstate = "UNKNOWN"
    data = slave = (0, 0)
    # A fixed-size value read from the last attribute may reach past the end of
    # the buffer (its length was checked by the scan, its size below): fuzz findings.
    o = 0
    try:
        o = pos[IFLA.IFNAME]
        name = text(payload, o + 4, o + _NLA(payload, o)[0]) if o else ""
        if o := pos[IFLA.MTU]:
            mtu = _fixed_u32(payload, o, "IFLA_MTU")
        if o := pos[IFLA.ADDRESS]:
            mac = payload[o + 4 : o + _NLA(payload, o)[0]].hex(":")
        if o := pos[IFLA.BROADCAST]:
            broadcast = payload[o + 4 : o + _NLA(payload, o)[0]].hex(":")
        if o := pos[IFLA.OPERSTATE]:
            if _NLA(payload, o)[0] < 5:  # a u8 attribute with no byte
                raise DecodeError("IFLA_OPERSTATE is empty", offset=o)
            operstate = OPERSTATES.get(payload[o + 4], "UNKNOWN")
        if o := pos[IFLA.MASTER]:
            master = _fixed_u32(payload, o, "IFLA_MASTER")
        if o := pos[IFLA.LINK]:
            link = _fixed_u32(payload, o, "IFLA_LINK")
        if o := pos[IFLA.LINK_NETNSID]:
            alen, _t, link_netnsid = _HHS32(payload, o)
            if alen != 8:
                raise _bad(payload, o, "IFLA_LINK_NETNSID")
        if o := pos[IFLA.TXQLEN]:
            txqlen = _fixed_u32(payload, o, "IFLA_TXQLEN")
        if o := pos[IFLA.IFALIAS]:
            alias = text(payload, o + 4, o + _NLA(payload, o)[0])
        if o := pos[IFLA.LINKINFO]:
            kind, data, slave_kind, slave = linkinfo(payload, o + 4, o + _NLA(payload, o)[0])
        lk = Link(
            index=index, name=name, kind=kind, flags=flags, mtu=mtu, mac=mac,
            broadcast=broadcast, operstate=operstate, master=master, link=link,
            link_netnsid=link_netnsid, txqlen=txqlen, alias=alias, type=ltype,
            slave_kind=slave_kind, raw=payload, offsets=pos, origin=origin,
        )  # fmt: skip
        if pos[IFLA.LINKINFO]:
            info, port = views(lk, payload, data, slave)
            # The views see the finished fields (a veth's peer is IFLA_LINK):
            # set them as a frozen dataclass's __post_init__ sets a field.
            object.__setattr__(lk, "data", info)
            object.__setattr__(lk, "port", port)
    except (struct.error, IndexError):
        raise DecodeError("an attribute is shorter than its value", offset=o) from None
    return lk


def _fixed_u32(payload: bytes, o: int, what: str) -> int:
    alen, _t, value = _HHU32(payload, o)
    if alen != 8:
        raise _bad(payload, o, what)
    return int(value)


def scan(payload: bytes, n: int) -> tuple[int, ...]:
    """Where each top-level attribute starts, by type (0: absent).

    One pass records where each attribute starts, by type; fields are then
    decoded straight from those offsets. Only the last attribute can run
    past the end (any overrun ends the loop), so that one check comes after it.
    """
    pos = [0] * SLOTS
    off = IFINFOMSG.size
    alen = 4
    try:
        while off < n:
            alen, atype = _NLA(payload, off)
            if alen < 4:
                raise DecodeError(f"attribute type {atype} has length {alen} < 4", offset=off)
            atype &= NLA_TYPE_MASK
            if atype < SLOTS:  # a type newer than this parser is kept in raw only
                pos[atype] = off
            off += (alen + 3) & ~3
    except struct.error:
        raise DecodeError(f"truncated attribute header: {n - off} bytes left", offset=off) from None
    last = off - ((alen + 3) & ~3)
    if last + alen > n:
        raise DecodeError(
            f"attribute length {alen} runs past the end ({n - last} bytes left)", offset=last
        )
    return tuple(pos)  # shared by the Links of one layout, so immutable


def linkinfo(
    payload: bytes, a: int, b: int
) -> tuple[str | None, tuple[int, int], str | None, tuple[int, int]]:
    """IFLA_LINKINFO: (kind, data span, slave kind, slave data span); (0, 0) if absent."""
    kind = slave_kind = None
    data = (0, 0)
    slave = (0, 0)
    for it, c, d in iter_attrs(payload, a, b):
        it &= NLA_TYPE_MASK
        if it == IFLA_INFO.KIND:
            kind = text(payload, c, d)
        elif it == IFLA_INFO.DATA:
            data = (c, d)
        elif it == IFLA_INFO.SLAVE_KIND:
            slave_kind = text(payload, c, d)
        elif it == IFLA_INFO.SLAVE_DATA:
            slave = (c, d)
    return kind, data, slave_kind, slave


def views(
    lk: Link, payload: bytes, data: tuple[int, int], slave: tuple[int, int]
) -> tuple[LinkInfo | None, PortInfo | None]:
    """``lk``'s typed data and port views, by the parsers of its kind and its master's."""
    return info_view(lk, payload, data), port_view(lk, payload, slave)


def info_parser(kind: str | None) -> InfoParser | None:
    """The parser of ``kind``'s IFLA_INFO_DATA (its module loaded on first use), if any."""
    if kind is None:
        return None
    parse_info = _INFO_PARSERS.get(kind)
    if parse_info is None and _kinds.load(kind):
        parse_info = _INFO_PARSERS.get(kind)
    return parse_info


def port_parser(slave_kind: str | None) -> PortParser | None:
    """The parser of IFLA_INFO_SLAVE_DATA of ports of a ``slave_kind`` master, if any."""
    if slave_kind is None:
        return None
    parse_port = _PORT_PARSERS.get(slave_kind)
    if parse_port is None and _kinds.load(slave_kind):
        parse_port = _PORT_PARSERS.get(slave_kind)
    return parse_port


def info_view(lk: Link, payload: bytes, data: tuple[int, int]) -> LinkInfo | None:
    info = None
    kind = lk.kind
    if kind is not None:
        parse_info = info_parser(kind)
        if parse_info is not None:
            try:
                info = parse_info(payload, data[0], data[1], lk)
            except DecodeError as e:
                e.add_note(f"in IFLA_INFO_DATA of a {kind} link")
                raise
    return info


def port_view(lk: Link, payload: bytes, slave: tuple[int, int]) -> PortInfo | None:
    port = None
    slave_kind = lk.slave_kind
    if slave_kind is not None:
        parse_port = port_parser(slave_kind)
        if parse_port is not None and slave[0]:
            try:
                port = parse_port(payload, slave[0], slave[1])
            except DecodeError as e:
                e.add_note(f"in IFLA_INFO_SLAVE_DATA of a {slave_kind} port")
                raise
    return port


# ---------------------------------------------------------------------------
# the reverse of the encoders: a request back into a spec or a change
# (golden tests, debugging)


def parse_common(payload: bytes, start: int, end: int) -> dict[str, Any]:
    """Spec fields from an ifinfomsg and the common attributes that follow it."""
    if end - start < IFINFOMSG.size:
        raise DecodeError(f"ifinfomsg needs {IFINFOMSG.size} bytes", offset=start)
    _fam, _type, index, flags, change = IFINFOMSG.unpack_from(payload, start)
    kw: dict[str, Any] = {}
    if index:
        kw["index"] = index
    if change & IFF.UP:
        kw["up"] = bool(flags & IFF.UP)
    for atype, a, b in iter_attrs(payload, start + IFINFOMSG.size, end):
        t = atype & NLA_TYPE_MASK
        if t == IFLA.IFNAME:
            kw["name"] = payload[a:b].rstrip(b"\0").decode()
        elif t == IFLA.MTU:
            kw["mtu"] = _U32(payload, a)[0]
        elif t == IFLA.ADDRESS:
            kw["mac"] = mac_str(payload[a:b])
        elif t == IFLA.TXQLEN:
            kw["txqlen"] = _U32(payload, a)[0]
        elif t == IFLA.NUM_TX_QUEUES:
            kw["num_tx_queues"] = _U32(payload, a)[0]
        elif t == IFLA.NUM_RX_QUEUES:
            kw["num_rx_queues"] = _U32(payload, a)[0]
        elif t == IFLA.IFALIAS:
            kw["alias"] = payload[a:b].rstrip(b"\0").decode()
        elif t == IFLA.MASTER:
            kw["master"] = _U32(payload, a)[0]
        elif t == IFLA.NET_NS_PID:
            kw["netns"] = _U32(payload, a)[0]
        elif t == IFLA.NET_NS_FD:
            raise DecodeError(
                "IFLA_NET_NS_FD is a file descriptor of the sender; it cannot be "
                "turned back into a Netns",
                offset=a,
            )
        elif t == IFLA.LINK:
            kw["link"] = _U32(payload, a)[0]
        elif t == IFLA.LINKINFO:
            kw["linkinfo"] = (a, b)
        else:
            kw.setdefault("unknown", []).append(t)
    return kw


def decode_request(parse: Callable[[bytes], T], msg: bytes, what: str) -> T:
    """Run a request parser; any mapping failure becomes a :class:`DecodeError`.

    Shared by :func:`parse_add` and :func:`parse_set`: a value the spec
    refuses or a field of the wrong size or encoding (fuzz findings) must
    not escape as ValueError, struct.error...
    """
    try:
        return parse(msg)
    except DecodeError:
        raise
    except (ValueError, TypeError, IndexError, KeyError, struct.error) as e:
        raise DecodeError(f"RTM_NEWLINK request does not map to {what}: {e}") from e


def first_newlink(msg: bytes) -> tuple[int, int, int | None]:
    """``(start, end, next)`` of the RTM_NEWLINK that opens ``msg``.

    ``start:end`` is its payload; ``next`` is where the following message
    starts, or None if it is the only one.
    """
    msgs = list(iter_messages(msg))
    if not msgs:
        raise DecodeError("no message")
    (mtype, _flags, _seq, _pid, start, end), *rest = msgs
    if mtype != RTM.NEWLINK:
        raise DecodeError(f"expected RTM_NEWLINK, got message type {mtype}")
    return start, end, (rest[0][4] - 16 if rest else None)


def parse_add(msg: bytes) -> LinkSpec:
    """The spec an RTM_NEWLINK create request (header included) describes.

    The inverse of :func:`build_add`: ``parse_add(build_add(spec)) == spec``
    (a follow-up message that :func:`build_add` appends is read back too).
    Raises :class:`~rawns.errors.DecodeError` for bytes it cannot map to a spec.
    """
    return decode_request(_parse_add, msg, "a link spec")


def _parse_add(msg: bytes) -> LinkSpec:
    start, end, next_at = first_newlink(msg)
    kw = parse_common(msg, start, end)
    kind = None
    data = (0, 0)
    for it, a, b in iter_attrs(msg, *kw.pop("linkinfo", (0, 0))):
        if it & NLA_TYPE_MASK == IFLA_INFO.KIND:
            kind = msg[a:b].rstrip(b"\0").decode()
        elif it & NLA_TYPE_MASK == IFLA_INFO.DATA:
            data = (a, b)
    _kinds.load(kind or "")
    cls = spec_class(kind or "")
    if cls is None:
        raise DecodeError(f"no link spec for kind {kind!r}")
    if kw.pop("unknown", None) or kw.pop("index", 0):
        raise DecodeError("the request carries attributes no spec field holds")
    top = {"link": kw.pop("link")} if "link" in kw else {}
    kw.update(cls._parse_data(msg, data[0], data[1], top))
    if next_at is not None:
        rest = msg[next_at:]
        changes = [
            (parse_set(rest[s - 16 : e]), rest[s - 16 : e]) for *_h, s, e in iter_messages(rest)
        ]
        kw.update(cls._followup_fields(kw, changes))
    if top:
        raise DecodeError(f"IFLA_LINK is not a field of {cls.__name__}")
    names = {f.name for f in fields(cls)}
    extra = set(kw) - names
    if extra:
        raise DecodeError(f"{cls.__name__} has no field for {sorted(extra)}")
    return cls(**kw)


def parse_set(msg: bytes) -> LinkChange:
    """The :class:`LinkChange` one ``ip link set`` RTM_NEWLINK message describes.

    The inverse of :func:`build_set` for one message (golden tests, debugging).
    Raises :class:`~rawns.errors.DecodeError` for bytes it cannot map.
    """
    return decode_request(_parse_set, msg, "a link change")


def _parse_set(msg: bytes) -> LinkChange:
    start, end, next_at = first_newlink(msg)
    if next_at is not None:
        raise DecodeError("expected one RTM_NEWLINK message")
    _fam, _type, index, flags, change = IFINFOMSG.unpack_from(msg, start)
    kw: dict[str, Any] = {}
    for f, bit, neg in IFF_FIELDS:
        if change & bit:
            kw[f] = bool(flags & bit) != neg
    name: str | None = None
    for atype, a, b in iter_attrs(msg, start + IFINFOMSG.size, end):
        t = atype & NLA_TYPE_MASK
        if t == IFLA.IFNAME:
            name = msg[a:b].rstrip(b"\0").decode()
        elif t == IFLA.MTU:
            kw["mtu"] = _U32(msg, a)[0]
        elif t == IFLA.ADDRESS:
            kw["mac"] = mac_str(msg[a:b])
        elif t == IFLA.TXQLEN:
            kw["txqlen"] = _U32(msg, a)[0]
        elif t == IFLA.IFALIAS:
            kw["alias"] = msg[a:b].rstrip(b"\0").decode()
        elif t == IFLA.MASTER:
            master = _U32(msg, a)[0]
            if master:
                kw["master"] = master
            else:
                kw["nomaster"] = True
        elif t == IFLA.NET_NS_PID:
            kw["netns"] = _U32(msg, a)[0]
        elif t == IFLA.GROUP:
            kw["group"] = _U32(msg, a)[0]
        elif t == IFLA.CARRIER:
            kw["carrier"] = bool(msg[a])
        elif t == IFLA.LINKINFO:
            for it, c, d in iter_attrs(msg, a, b):
                if it & NLA_TYPE_MASK == IFLA_INFO.SLAVE_DATA:
                    if not _PORT_SETTINGS:  # the bridge's, the only kind with port settings
                        _kinds.load("bridge")
                    kw["port"] = _PORT_SETTINGS[0](msg, c, d)
        else:
            raise DecodeError(f"IFLA attribute {t} is not a LinkChange field", offset=a)
    ref: LinkRef
    if index:
        ref = index
        if name is not None:
            kw["name"] = name
    elif name is not None:
        ref = name
    else:
        raise DecodeError("the request names no link (no index, no IFLA_IFNAME)")
    return LinkChange(ref=ref, **kw)
