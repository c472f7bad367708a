"""The :class:`Link` result, its parser, and the kind-independent verbs."""

from __future__ import annotations

import socket
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Union

from .._rtnl import IF_OPER, IFF, IFINFOMSG, IFLA, IFLA_INFO, NLM_F, RTM, check_ifname
from .._wire import (
    NLA_TYPE_MASK,
    Attr,
    Writer,
    attr_s32,
    attr_str,
    attr_u8,
    attr_u32,
    iter_attrs,
)
from ..errors import DecodeError

if TYPE_CHECKING:
    from ..handle import Handle

__all__ = [
    "Link",
    "LinkRef",
    "LinkSpec",
    "build_delete",
    "build_dump",
    "build_get",
    "delete",
    "dump",
    "get",
    "parse_link",
    "resolve_index",
]

_IFLA_IFNAME = int(IFLA.IFNAME)
_IFLA_MTU = int(IFLA.MTU)
_IFLA_ADDRESS = int(IFLA.ADDRESS)
_IFLA_BROADCAST = int(IFLA.BROADCAST)
_IFLA_MASTER = int(IFLA.MASTER)
_IFLA_LINK = int(IFLA.LINK)
_IFLA_LINK_NETNSID = int(IFLA.LINK_NETNSID)
_IFLA_OPERSTATE = int(IFLA.OPERSTATE)
_IFLA_LINKINFO = int(IFLA.LINKINFO)
_IFLA_TXQLEN = int(IFLA.TXQLEN)
_IFLA_IFALIAS = int(IFLA.IFALIAS)
_IFLA_PERM_ADDRESS = int(IFLA.PERM_ADDRESS)
_IFLA_CARRIER = int(IFLA.CARRIER)
_IFLA_MIN_MTU = int(IFLA.MIN_MTU)
_IFLA_MAX_MTU = int(IFLA.MAX_MTU)
_IFLA_PROTINFO = int(IFLA.PROTINFO)
_IFLA_ALT_IFNAME = int(IFLA.ALT_IFNAME)
_IFLA_PROP_LIST = int(IFLA.PROP_LIST)
_IFLA_INFO_KIND = int(IFLA_INFO.KIND)
_IFLA_INFO_DATA = int(IFLA_INFO.DATA)
_IFLA_INFO_SLAVE_KIND = int(IFLA_INFO.SLAVE_KIND)
_IFLA_INFO_SLAVE_DATA = int(IFLA_INFO.SLAVE_DATA)

_OPERSTATES = {int(v): v.name for v in IF_OPER}


def _mac(raw: bytes) -> str:
    return raw.hex(":")


@dataclass(frozen=True, slots=True, kw_only=True)
class Link:
    """A network interface as the kernel reports it (RTM_NEWLINK)."""

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
    """IFLA_LINK: the peer's index for veth, the lower device for macvlan/vxlan."""
    link_netnsid: int | None = None
    """IFLA_LINK_NETNSID: the peer's namespace id, as seen from this namespace."""
    txqlen: int | None = None
    alias: str | None = None
    carrier: bool | None = None
    min_mtu: int | None = None
    max_mtu: int | None = None
    permanent_mac: str | None = None
    alt_names: tuple[str, ...] = ()
    type: int = 0
    """ARPHRD_* link type (1 = ether, 772 = loopback)."""
    slave_kind: str | None = None
    """The kind of the master this link is a port of (``bridge``)."""
    info_data: tuple[Attr, ...] = ()
    """IFLA_INFO_DATA: the kind's own attributes, raw; typed by :attr:`data`."""
    slave_data: tuple[Attr, ...] = ()
    """IFLA_INFO_SLAVE_DATA: port attributes (bridge port flags), raw."""
    attrs: tuple[Attr, ...] = field(default=(), repr=False, compare=False)
    """Every top-level attribute not decoded above, kept verbatim."""

    @property
    def up(self) -> bool:
        """Administratively up (IFF_UP)."""
        return bool(self.flags & IFF.UP)

    @property
    def lower_up(self) -> bool:
        return bool(self.flags & IFF.LOWER_UP)


LinkRef = Union[str, int, Link]  # noqa: UP007 - a runtime alias used in isinstance-free signatures


@dataclass(frozen=True, slots=True, kw_only=True)
class LinkSpec:
    """Base of the link specs (:class:`~rawns.link.Veth`, :class:`~rawns.link.Bridge`...)."""

    name: str
    mtu: int | None = None
    mac: str | None = None
    up: bool = False
    master: LinkRef | None = None
    txqlen: int | None = None
    alias: str | None = None


def parse_link(payload: bytes) -> Link:
    """Decode an RTM_NEWLINK payload (ifinfomsg + attributes) into a :class:`Link`."""
    if len(payload) < IFINFOMSG.size:
        raise DecodeError(f"ifinfomsg needs {IFINFOMSG.size} bytes, got {len(payload)}")
    _family, ltype, index, flags, _change = IFINFOMSG.unpack_from(payload, 0)
    name = ""
    kw: dict[str, object] = {}
    rest: list[Attr] = []
    for atype, a, b in iter_attrs(payload, IFINFOMSG.size):
        t = atype & NLA_TYPE_MASK
        if t == _IFLA_IFNAME:
            name = attr_str(payload, a, b)
        elif t == _IFLA_MTU:
            kw["mtu"] = attr_u32(payload, a, b)
        elif t == _IFLA_ADDRESS:
            kw["mac"] = _mac(payload[a:b])
        elif t == _IFLA_BROADCAST:
            kw["broadcast"] = _mac(payload[a:b])
        elif t == _IFLA_MASTER:
            kw["master"] = attr_u32(payload, a, b)
        elif t == _IFLA_LINK:
            kw["link"] = attr_u32(payload, a, b)
        elif t == _IFLA_LINK_NETNSID:
            kw["link_netnsid"] = attr_s32(payload, a, b)
        elif t == _IFLA_OPERSTATE:
            kw["operstate"] = _OPERSTATES.get(attr_u8(payload, a, b), "UNKNOWN")
        elif t == _IFLA_TXQLEN:
            kw["txqlen"] = attr_u32(payload, a, b)
        elif t == _IFLA_IFALIAS:
            kw["alias"] = attr_str(payload, a, b)
        elif t == _IFLA_CARRIER:
            kw["carrier"] = bool(attr_u8(payload, a, b))
        elif t == _IFLA_MIN_MTU:
            kw["min_mtu"] = attr_u32(payload, a, b)
        elif t == _IFLA_MAX_MTU:
            kw["max_mtu"] = attr_u32(payload, a, b)
        elif t == _IFLA_PERM_ADDRESS:
            kw["permanent_mac"] = _mac(payload[a:b])
        elif t == _IFLA_PROP_LIST:
            kw["alt_names"] = tuple(
                attr_str(payload, c, d)
                for ct, c, d in iter_attrs(payload, a, b)
                if ct & NLA_TYPE_MASK == _IFLA_ALT_IFNAME
            )
        elif t == _IFLA_LINKINFO:
            for it, c, d in iter_attrs(payload, a, b):
                it &= NLA_TYPE_MASK
                if it == _IFLA_INFO_KIND:
                    kw["kind"] = attr_str(payload, c, d)
                elif it == _IFLA_INFO_DATA:
                    kw["info_data"] = tuple(
                        Attr(x, payload[y:z]) for x, y, z in iter_attrs(payload, c, d)
                    )
                elif it == _IFLA_INFO_SLAVE_KIND:
                    kw["slave_kind"] = attr_str(payload, c, d)
                elif it == _IFLA_INFO_SLAVE_DATA:
                    kw["slave_data"] = tuple(
                        Attr(x, payload[y:z]) for x, y, z in iter_attrs(payload, c, d)
                    )
        else:
            rest.append(Attr(atype, payload[a:b]))
    return Link(index=index, name=name, flags=flags, type=ltype, attrs=tuple(rest), **kw)  # type: ignore[arg-type]  # kw holds exactly Link's optional fields


def _header(w: Writer, index: int = 0, flags: int = 0, change: int = 0) -> None:
    w.put_bytes_raw(IFINFOMSG.pack(socket.AF_UNSPEC, 0, index, flags, change))


def _ref(w: Writer, ref: LinkRef) -> int:
    """Write the header for a link reference; a name goes in IFLA_IFNAME."""
    if isinstance(ref, Link):
        _header(w, ref.index)
        return ref.index
    if isinstance(ref, bool) or not isinstance(ref, int | str):
        raise TypeError(f"a link is a name, an index or a Link, not {ref!r}")
    if isinstance(ref, int):
        if ref <= 0:
            raise ValueError(f"interface index must be positive, not {ref}")
        _header(w, ref)
        return ref
    check_ifname(ref)
    _header(w)
    w.put_strz(IFLA.IFNAME, ref)
    return 0


def ref_label(ref: LinkRef) -> str:
    if isinstance(ref, Link):
        return ref.name
    return str(ref)


def build_dump() -> bytes:
    """RTM_GETLINK dump request (``ip link show``)."""
    w = Writer()
    w.begin(RTM.GETLINK, flags=NLM_F.REQUEST | NLM_F.DUMP)
    _header(w)
    w.put_u32(IFLA.EXT_MASK, 1 << 3)  # RTEXT_FILTER_SKIP_STATS: stats are not decoded
    w.end()
    return w.data()


def build_get(ref: LinkRef) -> bytes:
    """RTM_GETLINK for one link, by name or index (``ip link show dev NAME``)."""
    w = Writer()
    w.begin(RTM.GETLINK, flags=NLM_F.REQUEST | NLM_F.ACK)
    _ref(w, ref)
    w.put_u32(IFLA.EXT_MASK, 1 << 3)
    w.end()
    return w.data()


def build_delete(ref: LinkRef) -> bytes:
    """RTM_DELLINK (``ip link del NAME``)."""
    w = Writer()
    w.begin(RTM.DELLINK, flags=NLM_F.REQUEST | NLM_F.ACK)
    _ref(w, ref)
    w.end()
    return w.data()


def dump(h: Handle) -> list[Link]:
    """Every link in the handle's namespace.

    Equivalent to: ip -d link show

    Raises :class:`~rawns.errors.DumpInterrupted` if the dump kept changing.
    """
    return h.rtnl.dump(build_dump(), parse_link, op="RTM_GETLINK", target="dump")


def get(h: Handle, ref: LinkRef) -> Link:
    """One link by name, index or :class:`Link`, asked of the kernel directly.

    Equivalent to: ip -d link show dev NAME

    Raises :class:`~rawns.errors.NotFound` (a :class:`FileNotFoundError`) if
    there is no such link.
    """
    replies = h.rtnl.request(build_get(ref), op="RTM_GETLINK", target=ref_label(ref))
    for r in replies:
        if r.type == RTM.NEWLINK:
            return parse_link(r.payload)
    raise DecodeError(f"RTM_GETLINK {ref_label(ref)}: the kernel sent no link")


def resolve_index(h: Handle, ref: LinkRef) -> int:
    """The ifindex of a link reference (one RTM_GETLINK for a name)."""
    if isinstance(ref, Link):
        return ref.index
    if isinstance(ref, int) and not isinstance(ref, bool):
        if ref <= 0:
            raise ValueError(f"interface index must be positive, not {ref}")
        return ref
    return get(h, ref).index


def delete(h: Handle, ref: LinkRef) -> None:
    """Delete a link; a veth's peer goes with it.

    Equivalent to: ip link del NAME

    Raises :class:`~rawns.errors.NotFound` if there is no such link.
    """
    h.rtnl.request(build_delete(ref), op="RTM_DELLINK", target=ref_label(ref))
