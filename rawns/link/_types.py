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
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Union

from .. import _check
from .._rtnl import IFF, IFINFOMSG, IFLA, IFLA_INFO
from .._wire import NLA_TYPE_MASK, Attr, iter_attrs
from ..errors import DecodeError

if TYPE_CHECKING:
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

    def _u32(self, atype: IFLA) -> int | None:
        where = self._find(atype)
        return None if where is None else u32(self.raw, *where, atype.name)

    def _u8(self, atype: IFLA) -> int | None:
        where = self._find(atype)
        return None if where is None else u8(self.raw, *where, atype.name)

    @property
    def carrier(self) -> bool | None:
        """IFLA_CARRIER: the device has carrier."""
        v = self._u8(IFLA.CARRIER)
        return None if v is None else bool(v)

    @property
    def min_mtu(self) -> int | None:
        return self._u32(IFLA.MIN_MTU)

    @property
    def max_mtu(self) -> int | None:
        return self._u32(IFLA.MAX_MTU)

    @property
    def promiscuity(self) -> int | None:
        return self._u32(IFLA.PROMISCUITY)

    @property
    def group(self) -> int | None:
        return self._u32(IFLA.GROUP)

    @property
    def linkmode(self) -> int | None:
        return self._u8(IFLA.LINKMODE)

    @property
    def num_tx_queues(self) -> int | None:
        return self._u32(IFLA.NUM_TX_QUEUES)

    @property
    def num_rx_queues(self) -> int | None:
        return self._u32(IFLA.NUM_RX_QUEUES)

    @property
    def gso_max_size(self) -> int | None:
        return self._u32(IFLA.GSO_MAX_SIZE)

    @property
    def gso_max_segs(self) -> int | None:
        return self._u32(IFLA.GSO_MAX_SEGS)

    @property
    def allmulti(self) -> int | None:
        """IFLA_ALLMULTI: how many users asked for all-multicast (``ip -d``'s ``allmulti``)."""
        return self._u32(IFLA.ALLMULTI)

    @property
    def gro_max_size(self) -> int | None:
        return self._u32(IFLA.GRO_MAX_SIZE)

    @property
    def tso_max_size(self) -> int | None:
        return self._u32(IFLA.TSO_MAX_SIZE)

    @property
    def tso_max_segs(self) -> int | None:
        return self._u32(IFLA.TSO_MAX_SEGS)

    @property
    def proto_down(self) -> bool | None:
        """IFLA_PROTO_DOWN: held down by a protocol (``ip link set ... protodown on``)."""
        v = self._u8(IFLA.PROTO_DOWN)
        return None if v is None else bool(v)

    @property
    def carrier_changes(self) -> int | None:
        return self._u32(IFLA.CARRIER_CHANGES)

    @property
    def carrier_up_count(self) -> int | None:
        return self._u32(IFLA.CARRIER_UP_COUNT)

    @property
    def carrier_down_count(self) -> int | None:
        return self._u32(IFLA.CARRIER_DOWN_COUNT)

    @property
    def phys_port_name(self) -> str | None:
        return self._text(IFLA.PHYS_PORT_NAME)

    @property
    def parent_dev_name(self) -> str | None:
        """IFLA_PARENT_DEV_NAME (``ip -d``'s ``parentdev``): the device's parent, if any."""
        return self._text(IFLA.PARENT_DEV_NAME)

    @property
    def parent_dev_bus_name(self) -> str | None:
        """IFLA_PARENT_DEV_BUS_NAME (``ip -d``'s ``parentbus``)."""
        return self._text(IFLA.PARENT_DEV_BUS_NAME)

    @property
    def inet6_addr_gen_mode(self) -> str | None:
        """How IPv6 link-local addresses are made: ``eui64``, ``none``, ``stable_secret``
        or ``random`` (IFLA_AF_SPEC / AF_INET6 / IFLA_INET6_ADDR_GEN_MODE); ``None``
        without IPv6 on the link. The rest of IFLA_AF_SPEC stays raw in :attr:`attrs`."""
        where = self._find(IFLA.AF_SPEC)
        if where is None:
            return None
        raw = self.raw
        for ft, c, d in iter_attrs(raw, *where):
            if ft & NLA_TYPE_MASK == AF_INET6:
                for it, e, f in iter_attrs(raw, c, d):
                    if it & NLA_TYPE_MASK == IFLA_INET6_ADDR_GEN_MODE:
                        mode = u8(raw, e, f, "IFLA_INET6_ADDR_GEN_MODE")
                        return ADDR_GEN_MODES[mode] if mode < len(ADDR_GEN_MODES) else str(mode)
        return None

    def _text(self, atype: IFLA) -> str | None:
        where = self._find(atype)
        return None if where is None else text(self.raw, *where)

    @property
    def qdisc(self) -> str | None:
        return self._text(IFLA.QDISC)

    @property
    def permanent_mac(self) -> str | None:
        where = self._find(IFLA.PERM_ADDRESS)
        return None if where is None else self.raw[where[0] : where[1]].hex(":")

    @property
    def alt_names(self) -> tuple[str, ...]:
        """Alternative names (``ip link property add dev X altname Y``)."""
        where = self._find(IFLA.PROP_LIST)
        if where is None:
            return ()
        raw = self.raw
        return tuple(
            text(raw, c, d)
            for ct, c, d in iter_attrs(raw, *where)
            if ct & NLA_TYPE_MASK == IFLA.ALT_IFNAME
        )

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
        where = self._find(IFLA.LINKINFO)
        if where is None:
            return ()
        raw = self.raw
        for it, c, d in iter_attrs(raw, *where):
            if it & NLA_TYPE_MASK == which:
                return tuple(Attr(x, raw[y:z]) for x, y, z in iter_attrs(raw, c, d))
        return ()


LinkRef = Union[str, int, Link]  # noqa: UP007 - a runtime alias, also used by route and neigh


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


def ref_label(ref: LinkRef) -> str:
    """How a reference is named in error messages."""
    if isinstance(ref, Link):
        return ref.name
    return str(ref)
