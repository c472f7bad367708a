"""What the kernel reports about a link (:class:`Link`) and how links are referred to.

:class:`Link` is the decoded RTM_NEWLINK (``_decode.parse_link`` fills it);
:class:`LinkInfo` and :class:`PortInfo` are the bases of the per-kind typed
views that the kind modules (``_veth``, ``_bridge``...) define. A link
reference (:data:`LinkRef`) is a name, an ifindex or a :class:`Link`; the
checks here are the one place every verb (and route, addr, neigh, rule)
validates one.
"""

from __future__ import annotations

import struct
from collections.abc import Sequence
from functools import partial

from .. import _check
from .._dataclass import dataclass, field
from .._rtnl import IFF, IFINFOMSG, IFLA, IFLA_INFO
from .._wire import NLA_TYPE_MASK, Attr, iter_attrs
from ..errors import DecodeError

TYPE_CHECKING = False  # not typing's: importing it costs (rawns._typing)
if TYPE_CHECKING:
    from typing import Any

    from ..handle import Handle

__all__ = ["Link", "LinkInfo", "LinkRef", "PortInfo"]

_NLA = struct.Struct("=HH").unpack_from
_U32 = struct.Struct("=I").unpack_from

#: Top-level attributes decoded into :class:`Link` fields or properties; the
#: rest stay raw in :attr:`Link.attrs`.
DECODED = frozenset(
    int(t)
    for t in (
        IFLA.IFNAME, IFLA.MTU, IFLA.ADDRESS, IFLA.BROADCAST, IFLA.MASTER, IFLA.LINK,
        IFLA.LINK_NETNSID, IFLA.OPERSTATE, IFLA.LINKMODE, IFLA.LINKINFO, IFLA.TXQLEN,
        IFLA.IFALIAS, IFLA.PERM_ADDRESS, IFLA.CARRIER, IFLA.MIN_MTU, IFLA.MAX_MTU,
        IFLA.QDISC, IFLA.PROMISCUITY, IFLA.GROUP, IFLA.NUM_TX_QUEUES, IFLA.NUM_RX_QUEUES,
        IFLA.GSO_MAX_SIZE, IFLA.GSO_MAX_SEGS, IFLA.PROP_LIST, IFLA.ALLMULTI,
        IFLA.GRO_MAX_SIZE, IFLA.TSO_MAX_SIZE, IFLA.TSO_MAX_SEGS, IFLA.PROTO_DOWN,
        IFLA.CARRIER_CHANGES, IFLA.CARRIER_UP_COUNT, IFLA.CARRIER_DOWN_COUNT,
        IFLA.PHYS_PORT_NAME, IFLA.PARENT_DEV_NAME, IFLA.PARENT_DEV_BUS_NAME,
    )
)  # fmt: skip
# IFLA_AF_SPEC is only partly decoded (inet6_addr_gen_mode), so it stays in attrs.

#: linux/if_link.h: IFLA_AF_SPEC holds one nest per address family; AF_INET6's
#: IFLA_INET6_ADDR_GEN_MODE is a u8 (net/ipv6/addrconf.c: inet6_fill_ifla6_attrs).
AF_INET6 = 10
IFLA_INET6_ADDR_GEN_MODE = 8
#: IN6_ADDR_GEN_MODE_* as ``ip -d link`` names them (iproute2 ip/ipaddress.c).
ADDR_GEN_MODES = ("eui64", "none", "stable_secret", "random")

_IFF_NAMES = tuple((int(f), str(f.name)) for f in IFF)
_FLAG_NAMES: dict[int, tuple[str, ...]] = {}  # flags -> their names (a handful of values)
_UP = int(IFF.UP)
_LOWER_UP = int(IFF.LOWER_UP)

# ---------------------------------------------------------------------------
# Link's details: attributes few callers read (min_mtu, qdisc...), each a slot of
# _Details. They are decoded from ``raw`` together the first time one is read
# (_Details.__getattr__), or by the layout cache (_layout) as it decodes the
# message. In the slots' order (DETAIL_NAMES): the u32 values, the u8 values
# (carrier and proto_down as bools), the IPv6 address generation mode by name,
# the strings, the permanent MAC and the altnames.

_U32_DETAILS = {
    IFLA.MIN_MTU: "min_mtu", IFLA.MAX_MTU: "max_mtu", IFLA.PROMISCUITY: "promiscuity",
    IFLA.GROUP: "group", IFLA.NUM_TX_QUEUES: "num_tx_queues",
    IFLA.NUM_RX_QUEUES: "num_rx_queues", IFLA.GSO_MAX_SIZE: "gso_max_size",
    IFLA.GSO_MAX_SEGS: "gso_max_segs", IFLA.ALLMULTI: "allmulti",
    IFLA.GRO_MAX_SIZE: "gro_max_size", IFLA.TSO_MAX_SIZE: "tso_max_size",
    IFLA.TSO_MAX_SEGS: "tso_max_segs", IFLA.CARRIER_CHANGES: "carrier_changes",
    IFLA.CARRIER_UP_COUNT: "carrier_up_count", IFLA.CARRIER_DOWN_COUNT: "carrier_down_count",
}  # fmt: skip
_U8_DETAILS = {IFLA.CARRIER: "carrier", IFLA.LINKMODE: "linkmode", IFLA.PROTO_DOWN: "proto_down"}
_TEXT_DETAILS = {
    IFLA.QDISC: "qdisc", IFLA.PHYS_PORT_NAME: "phys_port_name",
    IFLA.PARENT_DEV_NAME: "parent_dev_name", IFLA.PARENT_DEV_BUS_NAME: "parent_dev_bus_name",
}  # fmt: skip
DETAIL_U32 = tuple(int(t) for t in _U32_DETAILS)
DETAIL_U8 = tuple(int(t) for t in _U8_DETAILS)
DETAIL_TEXT = tuple(int(t) for t in _TEXT_DETAILS)
#: _Details' slots, in order (a unit test checks the class has exactly these).
DETAIL_NAMES = (
    *_U32_DETAILS.values(), *_U8_DETAILS.values(), "inet6_addr_gen_mode",
    *_TEXT_DETAILS.values(), "permanent_mac", "alt_names",
)  # fmt: skip
D_ADDR_GEN_MODE = len(DETAIL_U32) + len(DETAIL_U8)
D_TEXT = D_ADDR_GEN_MODE + 1  # where DETAIL_TEXT's values start
D_PERM_ADDRESS = D_TEXT + len(DETAIL_TEXT)
D_ALT_NAMES = D_PERM_ADDRESS + 1
_DETAIL_AT = {n: i for i, n in enumerate(DETAIL_NAMES)}
_D_CARRIER, _D_PROTO_DOWN = _DETAIL_AT["carrier"], _DETAIL_AT["proto_down"]
_NAMES = {int(t): str(t.name) for t in IFLA}
_AF_SPEC = int(IFLA.AF_SPEC)
_PERM_ADDRESS = int(IFLA.PERM_ADDRESS)
_PROP_LIST = int(IFLA.PROP_LIST)
_LINKINFO = int(IFLA.LINKINFO)
_ALT_IFNAME = int(IFLA.ALT_IFNAME)


def mac_str(raw: bytes) -> str:
    return raw.hex(":")


def text(payload: bytes, a: int, b: int) -> str:
    """A string attribute's payload up to its NUL (the kernel's names and aliases)."""
    nul = payload.find(0, a, b)
    return payload[a : b if nul < 0 else nul].decode("utf-8", "surrogateescape")


def u32(payload: bytes, a: int, b: int, what: str) -> int:
    if b - a != 4:
        raise DecodeError(f"{what} payload is {b - a} bytes, expected 4", offset=a)
    return int(_U32(payload, a)[0])


def u8(payload: bytes, a: int, b: int, what: str) -> int:
    if b - a < 1:
        raise DecodeError(f"{what} payload is empty", offset=a)
    return payload[a]


@dataclass(frozen=True, slots=True, kw_only=True)
class LinkInfo:
    """Base of the typed ``IFLA_INFO_DATA`` views (:class:`~rawns.link.BridgeInfo`...)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class PortInfo:
    """Base of the typed ``IFLA_INFO_SLAVE_DATA`` views (:class:`~rawns.link.BridgePortInfo`)."""


def addr_gen_mode_path(raw: bytes, a: int, b: int) -> tuple[list[int], int]:
    """IFLA_AF_SPEC (payload ``a:b``) walked to AF_INET6's IFLA_INET6_ADDR_GEN_MODE:
    where each attribute header it reads starts, and where the mode's byte is (0:
    none). Raises DecodeError as :attr:`Link.inet6_addr_gen_mode` does."""
    seen: list[int] = []
    for ft, c, d in iter_attrs(raw, a, b):
        seen.append(c - 4)
        if ft & NLA_TYPE_MASK == AF_INET6:
            for it, e, f in iter_attrs(raw, c, d):
                seen.append(e - 4)
                if it & NLA_TYPE_MASK == IFLA_INET6_ADDR_GEN_MODE:
                    u8(raw, e, f, "IFLA_INET6_ADDR_GEN_MODE")
                    return seen, e
    return seen, 0


def addr_gen_mode_name(mode: int | None) -> str | None:
    return None if mode is None else ADDR_GEN_MODES[mode] if mode < 4 else str(mode)


_setattr = object.__setattr__


class _Details:
    """Link's details: slots that are no dataclass field, so equality, repr,
    ``replace`` and pickling never see them. A Link whose details are not set
    (the plain decoder's, one built by hand, a copy) decodes them all from
    ``raw`` when the first one is read, or from the layout cache's layout
    when the dump read it with one (_Deferred). Read-only, as Link's fields are."""

    # In DETAIL_NAMES' order (a unit test checks it), not sorted.
    __slots__ = {  # noqa: RUF023
        "min_mtu": "IFLA_MIN_MTU.",
        "max_mtu": "IFLA_MAX_MTU.",
        "promiscuity": "IFLA_PROMISCUITY: how many users asked for promiscuous mode.",
        "group": "IFLA_GROUP: the device group (``ip -d``'s ``group``; 0 is ``default``).",
        "num_tx_queues": "IFLA_NUM_TX_QUEUES.",
        "num_rx_queues": "IFLA_NUM_RX_QUEUES.",
        "gso_max_size": "IFLA_GSO_MAX_SIZE.",
        "gso_max_segs": "IFLA_GSO_MAX_SEGS.",
        "allmulti": "IFLA_ALLMULTI: how many users asked for all-multicast (``ip -d``'s "
        "``allmulti``).",
        "gro_max_size": "IFLA_GRO_MAX_SIZE.",
        "tso_max_size": "IFLA_TSO_MAX_SIZE.",
        "tso_max_segs": "IFLA_TSO_MAX_SEGS.",
        "carrier_changes": "IFLA_CARRIER_CHANGES.",
        "carrier_up_count": "IFLA_CARRIER_UP_COUNT.",
        "carrier_down_count": "IFLA_CARRIER_DOWN_COUNT.",
        "carrier": "IFLA_CARRIER: the device has carrier.",
        "linkmode": "IFLA_LINKMODE (0: default, 1: dormant).",
        "proto_down": "IFLA_PROTO_DOWN: held down by a protocol (``ip link set ... protodown "
        "on``).",
        "inet6_addr_gen_mode": "How IPv6 link-local addresses are made: ``eui64``, ``none``, "
        "``stable_secret`` or ``random`` (IFLA_AF_SPEC / AF_INET6 / "
        "IFLA_INET6_ADDR_GEN_MODE); ``None`` without IPv6 on the link. The rest of "
        "IFLA_AF_SPEC stays raw in :attr:`attrs`.",
        "qdisc": "IFLA_QDISC: the root qdisc's kind.",
        "phys_port_name": "IFLA_PHYS_PORT_NAME.",
        "parent_dev_name": "IFLA_PARENT_DEV_NAME (``ip -d``'s ``parentdev``): the device's "
        "parent, if any.",
        "parent_dev_bus_name": "IFLA_PARENT_DEV_BUS_NAME (``ip -d``'s ``parentbus``).",
        "permanent_mac": "IFLA_PERM_ADDRESS: the hardware's own MAC.",
        "alt_names": "Alternative names (``ip link property add dev X altname Y``).",
    }
    min_mtu: int | None
    max_mtu: int | None
    promiscuity: int | None
    group: int | None
    num_tx_queues: int | None
    num_rx_queues: int | None
    gso_max_size: int | None
    gso_max_segs: int | None
    allmulti: int | None
    gro_max_size: int | None
    tso_max_size: int | None
    tso_max_segs: int | None
    carrier_changes: int | None
    carrier_up_count: int | None
    carrier_down_count: int | None
    carrier: bool | None
    linkmode: int | None
    proto_down: bool | None
    inet6_addr_gen_mode: str | None
    qdisc: str | None
    phys_port_name: str | None
    parent_dev_name: str | None
    parent_dev_bus_name: str | None
    permanent_mac: str | None
    alt_names: tuple[str, ...]

    if not TYPE_CHECKING:  # mypy would accept any attribute of a class with __getattr__

        def __getattr__(self, name):
            # Python calls this when a slot is not set (and for unknown names).
            at = _DETAIL_AT.get(name)
            if at is None:
                raise AttributeError(
                    f"{type(self).__name__!r} object has no attribute {name!r}", name=name, obj=self
                )
            try:
                layout = _layout_of(self)  # a dump's layout cache left its layout
            except AttributeError:
                values = self._decode_details()  # raises DecodeError (a malformed one): not kept
            else:
                values = layout.detail_values(self.raw)
            # Each slot's own setter: the frozen Link's __setattr__ refuses, and
            # swapping __class__ (as the decoders do before a Link is returned)
            # would show another type to a thread reading this shared Link.
            for put, v in zip(_DETAIL_SETTERS, values, strict=True):
                put(self, v)
            return values[at]

    def _decode_details(self) -> tuple[Any, ...]:
        raise NotImplementedError  # Link's


_DETAIL_SETTERS = tuple(_Details.__dict__[n].__set__ for n in DETAIL_NAMES)


class _Deferred(_Details):
    """A slot for the layout (``rawns.link._layout``) a dump's message was read
    with: the details are read from it, all together, when the first is read
    (most callers read none). Unset on any other Link; never copied or pickled."""

    __slots__ = ("_layout",)


_layout_of = _Deferred.__dict__["_layout"].__get__


@dataclass(frozen=True, slots=True, kw_only=True)
class Link(_Deferred):
    """A network interface as the kernel reports it (RTM_NEWLINK).

    Field names follow ``ip -j -d link show`` where they can (``mac`` is its
    ``address``, ``index`` its ``ifindex``). ``data`` is the kind's own
    settings, typed (:class:`~rawns.link.VethInfo`, :class:`~rawns.link.BridgeInfo`,
    ...), ``port`` the bridge-port settings of a bridge port. Details that
    few callers read (``min_mtu``, ``qdisc``, ``num_tx_queues``...) are
    attributes that are no fields (not compared), all decoded from ``raw``
    together when one is first read (from the layout a dump read it with). ``raw``
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
        return bool(self.flags & _UP)

    @property
    def lower_up(self) -> bool:
        """The driver reports carrier (IFF_LOWER_UP)."""
        return bool(self.flags & _LOWER_UP)

    @property
    def flag_names(self) -> tuple[str, ...]:
        """The IFF_* flags that are set, by name (``("UP", "BROADCAST", "MULTICAST")``)."""
        flags = self.flags
        names = _FLAG_NAMES.get(flags)
        if names is None:
            names = tuple(n for bit, n in _IFF_NAMES if flags & bit)
            if len(_FLAG_NAMES) >= 256:
                _FLAG_NAMES.clear()
            _FLAG_NAMES[flags] = names
        return names

    # -- details, decoded from raw together when one is first read ---------------
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

    def _decode_details(self) -> tuple[Any, ...]:
        """The details' values in DETAIL_NAMES' order, decoded from ``raw``."""
        raw = self.raw
        find = self._find
        out: list[Any] = []
        for t in DETAIL_U32:
            where = find(t)
            out.append(None if where is None else u32(raw, *where, _NAMES[t]))
        for t in DETAIL_U8:
            where = find(t)
            out.append(None if where is None else u8(raw, *where, _NAMES[t]))
        for i in (_D_CARRIER, _D_PROTO_DOWN):
            out[i] = None if out[i] is None else bool(out[i])
        where = find(_AF_SPEC)
        mode = addr_gen_mode_path(raw, *where)[1] if where is not None else 0
        out.append(addr_gen_mode_name(raw[mode]) if mode else None)
        for t in DETAIL_TEXT:
            where = find(t)
            out.append(None if where is None else text(raw, *where))
        where = find(_PERM_ADDRESS)
        out.append(None if where is None else raw[where[0] : where[1]].hex(":"))
        where = find(_PROP_LIST)
        out.append(() if where is None else alt_names(raw, *where))
        return tuple(out)

    @property
    def attrs(self) -> tuple[Attr, ...]:
        """Every top-level attribute not decoded into a field or property, verbatim."""
        raw = self.raw
        return tuple(
            Attr(t, raw[a:b])
            for t, a, b in iter_attrs(raw, IFINFOMSG.size)
            if t & NLA_TYPE_MASK not in DECODED
        )

    @property
    def info_data(self) -> tuple[Attr, ...]:
        """IFLA_INFO_DATA, raw (:attr:`data` is its typed view)."""
        return self._linkinfo(IFLA_INFO.DATA)

    @property
    def slave_data(self) -> tuple[Attr, ...]:
        """IFLA_INFO_SLAVE_DATA, raw (:attr:`port` is its typed view)."""
        return self._linkinfo(IFLA_INFO.SLAVE_DATA)

    def _linkinfo(self, which: int) -> tuple[Attr, ...]:
        where = self._find(_LINKINFO)
        if where is None:
            return ()
        raw = self.raw
        for it, c, d in iter_attrs(raw, *where):
            if it & NLA_TYPE_MASK == which:
                return tuple(Attr(x, raw[y:z]) for x, y, z in iter_attrs(raw, c, d))
        return ()


def alt_names(raw: bytes, a: int, b: int) -> tuple[str, ...]:
    """IFLA_PROP_LIST's altnames (payload ``a:b``)."""
    return tuple(
        text(raw, c, d) for ct, c, d in iter_attrs(raw, a, b) if ct & NLA_TYPE_MASK == _ALT_IFNAME
    )


LinkRef = str | int | Link  # a runtime alias, also used by route and neigh


# ---------------------------------------------------------------------------
# references: a name, an index or a Link


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
        _check.link_name(ref, what)  # its name, or an altname (up to 127 bytes)
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
    first request (the verbs' resolver and ``resolve_index`` do too), so an
    index is never used in a namespace where it means another link.
    """
    checked = check_ref(ref, what)
    if isinstance(checked, Link) and checked.origin is not None:
        _check.same_netns(checked.origin, h, what, partial(_origin_label, checked))
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


def ref_label(ref: LinkRef) -> str:
    """How a reference is named in error messages."""
    if isinstance(ref, Link):
        return ref.name
    return str(ref)
