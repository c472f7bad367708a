"""Neighbours (``ip neigh``, ``arp``) and bridge FDB entries (``bridge fdb``).

Both are ``RTM_*NEIGH`` messages: an ``ndmsg`` header and ``NDA_*``
attributes. An IP neighbour has family ``AF_INET``/``AF_INET6`` and maps
``dst`` to ``lladdr`` on a device; an FDB entry has family ``AF_BRIDGE`` and
maps a MAC (``lladdr``) to a bridge port, or, on a vxlan device, to a remote
VTEP (``dst``, ``vni``, ``port``, ``via``). :class:`Neighbour` is the one typed
value for both: what the kernel reports, and the spec that ``build_*`` encode
(so a golden capture round-trips through it).

>>> n = Neighbour(index=5, dst="10.0.0.2", lladdr="02:00:00:00:00:02", state="permanent")
>>> n.family == socket.AF_INET, n.permanent
(True, True)
>>> parse_neighbour(build_add(n)[16:]) == n
True
"""

from __future__ import annotations

import contextlib
import errno
import socket
import struct
from dataclasses import dataclass, field
from ipaddress import IPv4Address, IPv6Address
from typing import TYPE_CHECKING, Literal, TypedDict

from . import _check, link
from ._inet import to_address
from ._rtnl import IFF, NDA, NDMSG, NLM_F, NTF, NUD, RTM
from ._wire import NLA_TYPE_MASK, Attr, Writer, attr_be16, attr_s32, attr_u8, attr_u16, attr_u32
from ._wire import iter_attrs as _iter_attrs
from .errors import AlreadyExists, DecodeError, KernelError, NotFound, kernel_error
from .link import Link, LinkRef, resolve_index
from .link._base import check_here, check_origin
from .route._types import check_attrs

if TYPE_CHECKING:
    from typing import Unpack

    from .handle import Handle

__all__ = [
    "AF_BRIDGE",
    "NTF_EXT_LEARNED",
    "CacheInfo",
    "FdbFields",
    "NeighFields",
    "Neighbour",
    "add",
    "build_add",
    "build_append",
    "build_delete",
    "build_dump",
    "build_get",
    "build_replace",
    "delete",
    "dump",
    "fdb_add",
    "fdb_append",
    "fdb_delete",
    "fdb_dump",
    "fdb_replace",
    "get",
    "parse_neighbour",
    "replace",
]

AF_BRIDGE = 7  # PF_BRIDGE: rtnetlink routes AF_BRIDGE neighbour messages to the FDB
#: ndm_flags bit for entries learned by a driver or controller (linux/neighbour.h).
#: The generated NTF class skips NTF_EXT_* names, which mostly belong to NDA_FLAGS_EXT.
NTF_EXT_LEARNED = 0x10

_NDA_DST = int(NDA.DST)
_NDA_LLADDR = int(NDA.LLADDR)
_NDA_CACHEINFO = int(NDA.CACHEINFO)
_NDA_PROBES = int(NDA.PROBES)
_NDA_VLAN = int(NDA.VLAN)
_NDA_PORT = int(NDA.PORT)
_NDA_VNI = int(NDA.VNI)
_NDA_IFINDEX = int(NDA.IFINDEX)
_NDA_MASTER = int(NDA.MASTER)
_NDA_LINK_NETNSID = int(NDA.LINK_NETNSID)
_NDA_SRC_VNI = int(NDA.SRC_VNI)
_NDA_PROTOCOL = int(NDA.PROTOCOL)
_NDA_NH_ID = int(NDA.NH_ID)
_NDA_FLAGS_EXT = int(NDA.FLAGS_EXT)

_CACHEINFO = struct.Struct("=IIII")
_NEIGH_FAMILIES = (0, int(socket.AF_INET), int(socket.AF_INET6), 7)  # 7: AF_BRIDGE, the FDB
_MAX_LLADDR = 32  # MAX_ADDR_LEN in linux/netdevice.h

IPAddress = IPv4Address | IPv6Address
_NO_FLAGS = NTF(0)

_STATES: dict[str, NUD] = {
    "none": NUD.NONE,
    "incomplete": NUD.INCOMPLETE,
    "reachable": NUD.REACHABLE,
    "stale": NUD.STALE,
    "delay": NUD.DELAY,
    "probe": NUD.PROBE,
    "failed": NUD.FAILED,
    "noarp": NUD.NOARP,
    "permanent": NUD.PERMANENT,
}


@dataclass(frozen=True, slots=True)
class CacheInfo:
    """NDA_CACHEINFO: ages in USER_HZ ticks (1/100 s) and the reference count."""

    confirmed: int
    used: int
    updated: int
    refcnt: int


#: The states in which the kernel has (or is given) a link-layer address (linux/neighbour.h).
NUD_VALID = NUD.PERMANENT | NUD.NOARP | NUD.REACHABLE | NUD.PROBE | NUD.STALE | NUD.DELAY


def _state(value: object, what: str = "state") -> NUD:
    """A NUD value (NUD_* bits, 0..0xFF) or its name, any case (``"permanent"``).

    ndm_state is a u16, but the kernel's states are the eight NUD_* bits
    (neigh->nud_state is a u8): a higher bit would be dropped.
    """
    if isinstance(value, str):
        key = value.lower()
        if key in _STATES:
            return _STATES[key]
        _check.choice(value, what, _STATES)  # raises, naming the value
    return NUD(_check.uint(value, 8, what))


def _ip(value: object, what: str) -> IPAddress:
    """An IPv4 or IPv6 address; a zone id (``fe80::1%eth0``) is refused, not dropped."""
    _check.no_zone(value, what)
    return to_address(value, what)


def _family_of(addr: IPAddress) -> int:
    return int(socket.AF_INET if addr.version == 4 else socket.AF_INET6)


@dataclass(frozen=True, slots=True, kw_only=True)
class Neighbour:
    """A neighbour or FDB entry (RTM_NEWNEIGH), as reported or as a request spec.

    ``dst`` and ``lladdr`` accept strings (or ``ipaddress``/``bytes``) and are
    normalised: ``dst`` to an ``ipaddress`` object, ``lladdr`` to lowercase
    ``aa:bb:...``. ``state`` accepts a :class:`~rawns._rtnl.NUD` value or a name
    (``"permanent"``). ``family`` defaults to the family of ``dst``.
    """

    index: int
    """ndm_ifindex: the device (for FDB entries, the bridge port or vxlan device)."""
    family: int = 0
    dst: IPAddress | None = None
    """NDA_DST: the neighbour's IP address; for a vxlan FDB entry, the remote VTEP."""
    lladdr: str | None = None
    state: NUD = NUD.NONE
    flags: NTF = _NO_FLAGS
    type: int = 0
    """ndm_type (RTN_UNICAST...); requests leave it 0, as ``ip`` does."""
    master: int | None = None
    """NDA_MASTER: the bridge an FDB entry belongs to."""
    vlan: int | None = None
    port: int | None = None
    """NDA_PORT: the vxlan remote UDP port (host order here; big-endian on the wire)."""
    vni: int | None = None
    src_vni: int | None = None
    via: int | None = None
    """NDA_IFINDEX: the vxlan outgoing interface (``bridge fdb ... via DEV``)."""
    link_netnsid: int | None = None
    protocol: int | None = None
    nh_id: int | None = None
    flags_ext: int | None = None
    probes: int | None = field(default=None, compare=False)
    cacheinfo: CacheInfo | None = field(default=None, compare=False)
    attrs: tuple[Attr, ...] = field(default=(), compare=False, repr=False)
    """Attributes not decoded above, kept verbatim (reported only: not sent)."""
    origin: tuple[int, int] | None = field(default=None, compare=False, repr=False)
    """The namespace the entry was dumped or got from (:attr:`Handle.netns_ident
    <rawns.Handle.netns_ident>`), ``None`` for one built by hand: verbs refuse
    an entry from another namespace, whose ``index`` means another link there."""

    def __post_init__(self) -> None:
        _set = object.__setattr__
        # A request needs a device. (The kernel can report a proxy entry of no
        # device, index 0: parse_neighbour makes that one past this check.)
        _check.ifindex(self.index, "neighbour index")
        fam = _check.uint(self.family, 8, "neighbour family")
        if fam not in _NEIGH_FAMILIES:
            raise ValueError(
                f"neighbour family must be 0, AF_INET (2), AF_INET6 (10) or AF_BRIDGE (7), "
                f"not {fam}"
            )
        if self.dst is not None:
            _set(self, "dst", _ip(self.dst, "neighbour dst"))
        if self.lladdr is not None:
            # An FDB entry's MAC is an Ethernet address; an IP neighbour's length
            # depends on its device, which the verbs check against the device.
            raw = _check.lladdr(
                self.lladdr, "neighbour lladdr", length=6 if fam == AF_BRIDGE else None
            )
            _set(self, "lladdr", raw.hex(":"))
        _set(self, "state", _state(self.state, "neighbour state"))
        _set(self, "flags", NTF(_check.uint(self.flags, 8, "neighbour flags")))
        if fam == 0 and self.dst is not None:
            fam = _family_of(self.dst)
            _set(self, "family", fam)
        if self.type is None:  # a header field (ndm_type), not an optional attribute
            raise TypeError("neighbour type must be an int, not None")
        _check.uint(self.type, 8, "neighbour type")
        for name in ("master", "via"):  # interface indices
            _check.optional(getattr(self, name), _check.ifindex, f"neighbour {name}")
        for name in ("nh_id", "flags_ext", "probes"):  # u32 attributes
            _check.optional(getattr(self, name), _check.uint, 32, f"neighbour {name}")
        # 802.1Q: 0 is "no vlan" and 4095 reserved (the kernel refuses both for an FDB entry)
        _check.optional(self.vlan, _check.integer, "neighbour vlan", 1, 4094)
        _check.optional(self.port, _check.port, "neighbour port")
        _check.optional(self.vni, _check.uint, 24, "neighbour vni")
        _check.optional(self.src_vni, _check.uint, 24, "neighbour src_vni")
        _check.optional(self.protocol, _check.uint, 8, "neighbour protocol")
        _check.optional(self.link_netnsid, _check.sint, 32, "neighbour link_netnsid")
        if self.cacheinfo is not None and not isinstance(self.cacheinfo, CacheInfo):
            raise TypeError(
                f"neighbour cacheinfo must be a CacheInfo, not {_check._show(self.cacheinfo)}"
            )
        if not isinstance(self.attrs, tuple):
            raise TypeError(
                f"neighbour attrs must be a tuple of Attr, not {_check._show(self.attrs)}"
            )
        check_attrs(self.attrs, "neighbour attrs")
        check_origin(self.origin, "neighbour origin")
        if fam in (socket.AF_INET, socket.AF_INET6) and self.dst is not None:
            want = 4 if fam == socket.AF_INET else 6
            if self.dst.version != want:
                raise ValueError(
                    f"neighbour dst {self.dst} does not match family "
                    f"{'inet' if want == 4 else 'inet6'}"
                )

    @property
    def permanent(self) -> bool:
        return bool(self.state & NUD.PERMANENT)

    @property
    def proxy(self) -> bool:
        """A proxy entry (``ip neigh add proxy``): answered for, not resolved."""
        return bool(self.flags & NTF.PROXY)

    @property
    def router(self) -> bool:
        return bool(self.flags & NTF.ROUTER)

    @property
    def is_fdb(self) -> bool:
        """A bridge FDB entry (family AF_BRIDGE)."""
        return self.family == AF_BRIDGE


# ---------------------------------------------------------------------------
# parse


def parse_neighbour(payload: bytes, origin: tuple[int, int] | None = None) -> Neighbour:
    """Decode an RTM_NEWNEIGH/DELNEIGH payload (ndmsg + attributes).

    Works on kernel reports and on requests alike. ``origin`` is kept in
    :attr:`Neighbour.origin` (the verbs pass their handle's
    :attr:`~rawns.Handle.netns_ident`). Raises
    :class:`~rawns.errors.DecodeError` if the bytes are truncated or malformed.
    """
    if len(payload) < NDMSG.size:
        raise DecodeError(f"ndmsg needs {NDMSG.size} bytes, got {len(payload)}")
    family, index, state, flags, ntype = NDMSG.unpack_from(payload, 0)
    if index < 0:
        raise DecodeError(f"ndmsg ifindex {index} is negative", offset=4)
    kw: dict[str, object] = {}
    rest: list[Attr] = []
    for atype, a, b in _iter_attrs(payload, NDMSG.size):
        t = atype & NLA_TYPE_MASK
        if t == _NDA_DST:
            if b - a == 4:
                kw["dst"] = IPv4Address(payload[a:b])
            elif b - a == 16:
                kw["dst"] = IPv6Address(payload[a:b])
            else:
                raise DecodeError(f"NDA_DST of {b - a} bytes is not an IP address", offset=a)
        elif t == _NDA_LLADDR:
            if 0 < b - a <= _MAX_LLADDR:
                kw["lladdr"] = payload[a:b].hex(":")
            else:
                rest.append(Attr(atype, payload[a:b]))  # e.g. an empty lladdr: keep it raw
        elif t == _NDA_CACHEINFO:
            if b - a != _CACHEINFO.size:
                raise DecodeError(f"NDA_CACHEINFO of {b - a} bytes", offset=a)
            kw["cacheinfo"] = CacheInfo(*_CACHEINFO.unpack_from(payload, a))
        elif t == _NDA_PROBES:
            kw["probes"] = attr_u32(payload, a, b)
        elif t == _NDA_VLAN:
            kw["vlan"] = attr_u16(payload, a, b) & 0xFFF
        elif t == _NDA_PORT:
            kw["port"] = attr_be16(payload, a, b)
        elif t == _NDA_VNI:
            kw["vni"] = attr_u32(payload, a, b) & 0xFFFFFF
        elif t == _NDA_SRC_VNI:
            kw["src_vni"] = attr_u32(payload, a, b) & 0xFFFFFF
        elif t == _NDA_IFINDEX:
            kw["via"] = attr_u32(payload, a, b)
        elif t == _NDA_MASTER:
            kw["master"] = attr_u32(payload, a, b)
        elif t == _NDA_LINK_NETNSID:
            kw["link_netnsid"] = attr_s32(payload, a, b)
        elif t == _NDA_PROTOCOL:
            kw["protocol"] = attr_u8(payload, a, b)
        elif t == _NDA_NH_ID:
            kw["nh_id"] = attr_u32(payload, a, b)
        elif t == _NDA_FLAGS_EXT:
            kw["flags_ext"] = attr_u32(payload, a, b)
        else:
            rest.append(Attr(atype, payload[a:b]))
    if "dst" in kw and family in (socket.AF_INET, socket.AF_INET6):
        dst = kw["dst"]
        assert isinstance(dst, IPv4Address | IPv6Address)
        if dst.version != (4 if family == socket.AF_INET else 6):
            raise DecodeError(f"NDA_DST {dst} does not match ndm_family {family}")
    try:
        n = Neighbour(
            index=index or 1,  # 0, a proxy entry of no device, is set below
            family=family,
            state=NUD(state),
            flags=NTF(flags),
            type=ntype,
            attrs=tuple(rest),
            origin=origin,
            **kw,  # type: ignore[arg-type]  # kw holds exactly Neighbour's optional fields
        )
        if not index:
            object.__setattr__(n, "index", 0)
        return n
    except (ValueError, TypeError) as e:  # a value no request could carry
        raise DecodeError(f"neighbour: {e}") from e


# ---------------------------------------------------------------------------
# build


def _put_ip(w: Writer, atype: int, addr: IPAddress) -> None:
    w.put(atype, addr.packed)


def _put_lladdr(w: Writer, lladdr: str) -> None:
    w.put(_NDA_LLADDR, bytes.fromhex(lladdr.replace(":", "")))


def _body(w: Writer, n: Neighbour, *, delete: bool = False) -> None:
    w.put_bytes_raw(NDMSG.pack(n.family, n.index, n.state, n.flags, n.type))
    # Attribute order follows iproute2 (ip/ipneigh.c, bridge/fdb.c) so that a
    # request is byte-identical to what `ip`/`bridge` send for the same command.
    if n.family == AF_BRIDGE:
        if n.lladdr is not None:
            _put_lladdr(w, n.lladdr)
        if n.dst is not None:
            _put_ip(w, _NDA_DST, n.dst)
        if n.vlan is not None:
            w.put_u16(_NDA_VLAN, n.vlan)
        if n.nh_id is not None:
            w.put_u32(_NDA_NH_ID, n.nh_id)
        if n.port is not None:
            w.put_be16(_NDA_PORT, n.port)
        if n.vni is not None:
            w.put_u32(_NDA_VNI, n.vni)
        if n.src_vni is not None:
            w.put_u32(_NDA_SRC_VNI, n.src_vni)
        if n.via is not None:
            w.put_u32(_NDA_IFINDEX, n.via)
        if n.master is not None and not delete:
            w.put_u32(_NDA_MASTER, n.master)
    else:
        if n.dst is not None:
            _put_ip(w, _NDA_DST, n.dst)
        if n.lladdr is not None and not delete:
            _put_lladdr(w, n.lladdr)
        if n.vlan is not None:
            w.put_u16(_NDA_VLAN, n.vlan)
        if n.via is not None:
            w.put_u32(_NDA_IFINDEX, n.via)
    if n.protocol is not None and not delete:
        w.put_u8(_NDA_PROTOCOL, n.protocol)
    if n.flags_ext is not None and not delete:
        w.put_u32(_NDA_FLAGS_EXT, n.flags_ext)


def _check_spec(n: Neighbour) -> None:
    if not isinstance(n, Neighbour):
        raise TypeError(f"neighbour must be a Neighbour, not {_check._show(n)}")
    if n.index <= 0:
        raise ValueError(f"a neighbour request needs the device's index (index > 0), not {n.index}")
    if n.family == AF_BRIDGE:
        if n.lladdr is None:
            raise ValueError("an FDB entry needs a MAC address (lladdr)")
    elif n.family not in (socket.AF_INET, socket.AF_INET6):
        raise ValueError(f"neighbour family {n.family} is not inet, inet6 or bridge")
    elif n.dst is None:
        raise ValueError("an IP neighbour needs a destination address (dst)")


#: The nlmsghdr flags an RTM_NEWNEIGH may add to REQUEST|ACK (ip neigh add/replace/change,
#: bridge fdb add/append/replace).
_NEW_FLAGS = int(NLM_F.CREATE | NLM_F.EXCL | NLM_F.REPLACE | NLM_F.APPEND)


def build_add(n: Neighbour, *, flags: int = NLM_F.CREATE | NLM_F.EXCL) -> bytes:
    """RTM_NEWNEIGH creating ``n`` (``ip neigh add``, ``bridge fdb add``); seq 0.

    ``flags`` are the NLM_F_* of the request besides REQUEST|ACK: CREATE,
    EXCL, REPLACE, APPEND (:class:`ValueError` for any other bit).
    """
    _check_spec(n)
    _check.uint(flags, 16, "flags")
    if flags & ~_NEW_FLAGS:
        raise ValueError(
            f"flags {flags:#x}: an RTM_NEWNEIGH takes NLM_F_CREATE, EXCL, REPLACE and APPEND only"
        )
    w = Writer()
    w.begin(RTM.NEWNEIGH, flags=NLM_F.REQUEST | NLM_F.ACK | flags)
    _body(w, n)
    w.end()
    return w.data()


def build_replace(n: Neighbour) -> bytes:
    """RTM_NEWNEIGH creating or replacing ``n`` (``ip neigh replace``)."""
    return build_add(n, flags=NLM_F.CREATE | NLM_F.REPLACE)


def build_append(n: Neighbour) -> bytes:
    """RTM_NEWNEIGH appending an FDB entry (``bridge fdb append``: one more vxlan remote)."""
    return build_add(n, flags=NLM_F.CREATE | NLM_F.APPEND)


def build_delete(n: Neighbour) -> bytes:
    """RTM_DELNEIGH for ``n`` (``ip neigh del``, ``bridge fdb del``).

    The kernel identifies an IP neighbour by device, family and ``dst``
    (plus ``NTF_PROXY``), an FDB entry by device, MAC, vlan and, for vxlan,
    the remote; ``lladdr`` of an IP neighbour is therefore not sent.
    """
    _check_spec(n)
    w = Writer()
    w.begin(RTM.DELNEIGH, flags=NLM_F.REQUEST | NLM_F.ACK)
    _body(w, n, delete=True)
    w.end()
    return w.data()


def build_get(*, index: int, dst: IPAddress | str, proxy: bool = False) -> bytes:
    """RTM_GETNEIGH for one IP neighbour (``ip neigh get DST dev DEV``)."""
    _check.ifindex(index, "index")
    addr = _ip(dst, "dst")
    _check.boolean(proxy, "proxy")
    w = Writer()
    w.begin(RTM.GETNEIGH, flags=NLM_F.REQUEST | NLM_F.ACK)
    # Strict get (net/core/neighbour.c: neigh_valid_get_req) allows only the
    # family, the ifindex, NTF_PROXY and NDA_DST.
    w.put_bytes_raw(NDMSG.pack(_family_of(addr), index, 0, NTF.PROXY if proxy else 0, 0))
    _put_ip(w, _NDA_DST, addr)
    w.end()
    return w.data()


def _index_or_0(value: object, what: str) -> int:
    return 0 if value == 0 and type(value) is int else _check.ifindex(value, what)


def build_dump(
    *, family: int | str | None = 0, index: int = 0, master: int = 0, proxy: bool = False
) -> bytes:
    """RTM_GETNEIGH dump request, filtered by the kernel (strict checking).

    ``family`` 0 dumps every IP neighbour table; ``AF_BRIDGE`` dumps the FDB
    (names as :func:`dump` takes them work too). ``index`` and ``master``
    filter by device and by bridge (NDA_IFINDEX, NDA_MASTER); ``proxy`` dumps
    proxy entries instead (not for the FDB).
    """
    fam = _family(family)
    _index_or_0(index, "index")
    _index_or_0(master, "master")
    _check.boolean(proxy, "proxy")
    if proxy and fam == AF_BRIDGE:
        raise ValueError("the FDB has no proxy entries")
    w = Writer()
    w.begin(RTM.GETNEIGH, flags=NLM_F.REQUEST | NLM_F.DUMP)
    w.put_bytes_raw(NDMSG.pack(fam, 0, 0, NTF.PROXY if proxy else 0, 0))
    if index:
        w.put_u32(_NDA_IFINDEX, index)
    if master:
        w.put_u32(_NDA_MASTER, master)
    w.end()
    return w.data()


# ---------------------------------------------------------------------------
# verbs: IP neighbours


class NeighFields(TypedDict, total=False):
    """Optional keywords of :func:`add`/:func:`replace`."""

    lladdr: str | bytes
    state: NUD | int | str
    """Default ``"permanent"``."""
    proxy: bool
    router: bool
    protocol: int


def _label(dev: LinkRef, what: object) -> str:
    if isinstance(dev, Link):
        name = dev.name
    elif isinstance(dev, str):
        name = dev
    else:
        name = f"ifindex {dev}"
    return f"{what} dev {name}"


def _ip_spec(
    h: Handle,
    dev: LinkRef,
    dst: IPAddress | str,
    new: bool,
    /,
    *,
    lladdr: str | bytes | None = None,
    state: NUD | int | str = NUD.PERMANENT,
    proxy: bool = False,
    router: bool = False,
    protocol: int | None = None,
) -> Neighbour:
    """The request's Neighbour: every value checked before the device is looked up.

    With an ``lladdr`` the device is asked for (one read-only get) so that the
    address has exactly the device's length: the kernel keeps ``addr_len``
    bytes of a longer one (an lladdr of 7 or 20 bytes on Ethernet became 6).
    A ``new`` IPv4 entry's device is asked for too: on a loopback or
    point-to-point device the kernel would store the entry as 0.0.0.0.
    """
    check_here(h, dev, "dev")  # no request: a name's syntax, an index, a Link's namespace
    _check.boolean(proxy, "proxy")
    _check.boolean(router, "router")
    if proxy and lladdr is not None:
        # pneigh entries have no link-layer address: the kernel would ignore it.
        raise ValueError(f"a proxy entry takes no lladdr (got {_check._show(lladdr)})")
    flags = NTF((NTF.PROXY if proxy else 0) | (NTF.ROUTER if router else 0))
    spec = Neighbour(
        index=1,  # a stand-in until the device is known
        dst=_ip(dst, "dst"),
        lladdr=None if lladdr is None else _check.lladdr(lladdr, "lladdr").hex(":"),
        state=_state(state),
        flags=flags,
        protocol=_check.optional(protocol, _check.uint, 8, "protocol"),
    )
    if proxy and spec.state != NUD.PERMANENT:
        # pneigh entries have no state either.
        raise ValueError(f"a proxy entry takes no state (got {_check._show(state)})")
    if spec.lladdr is not None and not spec.state & NUD_VALID:
        # __neigh_update drops the address of an entry in such a state.
        raise ValueError(
            f"lladdr {_check._show(lladdr)} with state {_check._show(state)}: "
            "the kernel keeps no link-layer address in that state (use permanent, "
            "reachable, stale, noarp...)"
        )
    assert spec.dst is not None
    v4 = spec.dst.version == 4 and not spec.dst.is_unspecified
    if spec.lladdr is None and not (new and v4 and not proxy):
        index = resolve_index(h, dev, "dev")
    else:
        found = link.get(h, dev)
        index = found.index
        if spec.lladdr is not None:
            _fits_device(spec.lladdr, lladdr, found)
        if new and v4 and not proxy and found.flags & (IFF.LOOPBACK | IFF.POINTOPOINT):
            # arp_constructor keys every IPv4 entry of such a device as 0.0.0.0.
            raise ValueError(
                f"dst {spec.dst}: device {found.name} is loopback or point-to-point, where "
                "the kernel stores every IPv4 neighbour as 0.0.0.0"
            )
    return Neighbour(
        index=index,
        dst=spec.dst,
        lladdr=spec.lladdr,
        state=spec.state,
        flags=spec.flags,
        protocol=spec.protocol,
    )


def _fits_device(lladdr: str, given: object, dev: Link) -> None:
    want = 0 if not dev.mac else len(dev.mac.split(":"))
    got = len(lladdr.split(":"))
    if want == 0:
        raise ValueError(
            f"lladdr {_check._show(given)}: device {dev.name} has no link-layer address "
            "(the kernel would drop it)"
        )
    if got != want:
        raise ValueError(
            f"lladdr {_check._show(given)} is {got} bytes; device {dev.name} takes {want}"
        )


def _new(h: Handle, n: Neighbour, msg: bytes, label: str, *, replace: bool) -> None:
    """Send an RTM_NEWNEIGH; if the kernel refuses it, leave no entry it made on the way.

    A request in a valid state without lladdr ("No link layer address given")
    is refused only after the kernel has created the entry, which stays behind
    in state NONE (net/core/neighbour.c: neigh_add, then __neigh_update fails).
    Such a leftover, when the entry did not exist before, is deleted here.
    """
    risky = n.lladdr is None and not (n.flags & NTF.PROXY) and bool(n.state & NUD_VALID)
    existed = replace and risky and _exists(h, n)
    try:
        h.rtnl.request(msg, op="RTM_NEWNEIGH", target=label)
    except KernelError as e:
        if risky and not existed and not isinstance(e, AlreadyExists):
            _drop_leftover(h, n)
        raise


def _exists(h: Handle, n: Neighbour) -> bool:
    assert n.dst is not None
    try:
        h.rtnl.request(build_get(index=n.index, dst=n.dst), op="RTM_GETNEIGH", target="")
    except NotFound:
        return False
    return True


def _drop_leftover(h: Handle, n: Neighbour) -> None:
    assert n.dst is not None
    with contextlib.suppress(KernelError):  # best effort: the caller gets the first error
        for r in h.rtnl.request(build_get(index=n.index, dst=n.dst), op="RTM_GETNEIGH", target=""):
            if r.type == RTM.NEWNEIGH and parse_neighbour(r.payload).state == NUD.NONE:
                h.rtnl.request(build_delete(n), op="RTM_DELNEIGH", target="")


def add(h: Handle, *, dev: LinkRef, dst: IPAddress | str, **kw: Unpack[NeighFields]) -> None:
    """Add a neighbour entry (permanent by default), or a proxy entry with ``proxy=True``.

    Equivalent to: ip neigh add DST lladdr LLADDR nud STATE dev DEV [proxy] [router]

    Raises :class:`~rawns.errors.AlreadyExists` if the entry exists,
    :class:`~rawns.errors.NotFound` for a missing device, :class:`ValueError`/
    :class:`TypeError` for a bad address, state or lladdr (an lladdr must have
    the device's length, and a state that keeps one), an IPv4 entry on a
    loopback or point-to-point device (the kernel would store it as 0.0.0.0),
    or a Link from another namespace (nothing sent).
    """
    _check.handle(h)
    n = _ip_spec(h, dev, dst, True, **kw)
    _new(h, n, build_add(n), _label(dev, n.dst), replace=False)


def replace(h: Handle, *, dev: LinkRef, dst: IPAddress | str, **kw: Unpack[NeighFields]) -> None:
    """Add a neighbour entry or overwrite the existing one.

    Equivalent to: ip neigh replace DST lladdr LLADDR nud STATE dev DEV

    Raises :class:`~rawns.errors.NotFound` for a missing device,
    :class:`ValueError`/:class:`TypeError` for bad values, as :func:`add`
    (nothing sent).
    """
    _check.handle(h)
    n = _ip_spec(h, dev, dst, True, **kw)
    _new(h, n, build_replace(n), _label(dev, n.dst), replace=True)


def delete(
    h: Handle,
    neighbour: Neighbour | None = None,
    /,
    *,
    dev: LinkRef | None = None,
    dst: IPAddress | str | None = None,
    proxy: bool = False,
) -> None:
    """Delete a neighbour entry: a :class:`Neighbour` from :func:`dump`, or ``dev`` + ``dst``.

    Equivalent to: ip neigh del DST dev DEV [proxy]

    Raises :class:`~rawns.errors.NotFound` if there is no such entry or device;
    :class:`ValueError`/:class:`TypeError` for bad values or an entry from
    another namespace (nothing sent).
    """
    _check.handle(h)
    _check.boolean(proxy, "proxy")
    if neighbour is None:
        if dev is None or dst is None:
            raise TypeError("neigh.delete() needs a Neighbour, or dev= and dst=")
        neighbour = _ip_spec(h, dev, dst, False, proxy=proxy)
        label = _label(dev, neighbour.dst)
    else:
        if dev is not None or dst is not None or proxy:
            raise TypeError("neigh.delete() takes a Neighbour or keywords, not both")
        if not isinstance(neighbour, Neighbour):
            raise TypeError(f"neighbour must be a Neighbour, not {_check._show(neighbour)}")
        label = _label(neighbour.index, neighbour.dst)
        _check.same_netns(neighbour.origin, h, "neighbour", label)
        if neighbour.is_fdb:
            raise ValueError("use neigh.fdb_delete() for an FDB entry")
        neighbour = Neighbour(
            index=neighbour.index,
            family=neighbour.family,
            dst=neighbour.dst,
            state=NUD.PERMANENT,
            flags=NTF(neighbour.flags & NTF.PROXY),
        )
    h.rtnl.request(build_delete(neighbour), op="RTM_DELNEIGH", target=label)


def get(h: Handle, *, dev: LinkRef, dst: IPAddress | str, proxy: bool = False) -> Neighbour:
    """One neighbour entry, asked of the kernel directly (no dump).

    Equivalent to: ip neigh get DST dev DEV [proxy]

    Raises :class:`~rawns.errors.NotFound` if there is no such entry or device;
    :class:`ValueError`/:class:`TypeError` for bad values (nothing sent).
    """
    _check.handle(h)
    check_here(h, dev, "dev")
    addr = _ip(dst, "dst")
    _check.boolean(proxy, "proxy")
    msg = build_get(index=resolve_index(h, dev, "dev"), dst=addr, proxy=proxy)
    label = _label(dev, addr)
    for r in h.rtnl.request(msg, op="RTM_GETNEIGH", target=label):
        if r.type == RTM.NEWNEIGH:
            return parse_neighbour(r.payload, h.netns_ident)
    raise DecodeError(f"RTM_GETNEIGH {label}: the kernel sent no neighbour")


_FAMILIES = {
    "inet": socket.AF_INET,
    "inet6": socket.AF_INET6,
    "bridge": AF_BRIDGE,
    "4": socket.AF_INET,
    "6": socket.AF_INET6,
    "ipv4": socket.AF_INET,
    "ipv6": socket.AF_INET6,
}


def _family(family: object) -> int:
    if family is None:
        return 0
    if isinstance(family, str):
        key = family.lower()
        if key in _FAMILIES:
            return int(_FAMILIES[key])
        _check.choice(family, "family", _FAMILIES)  # raises, naming the value
    fam = _check.uint(family, 8, "family")
    if fam not in (0, socket.AF_INET, socket.AF_INET6, AF_BRIDGE):
        raise ValueError(f"family {family!r} is not 0, AF_INET, AF_INET6 or AF_BRIDGE")
    return fam


def dump(
    h: Handle,
    *,
    dev: LinkRef | None = None,
    family: int | str | None = None,
    master: LinkRef | None = None,
    proxy: bool = False,
) -> list[Neighbour]:
    """Neighbour entries, filtered by the kernel by device, family and master.

    Equivalent to: ip neigh show [dev DEV] [-4|-6] [proxy]

    ``family`` is ``"inet"``, ``"inet6"``, an ``AF_*`` number or None (both);
    ``"bridge"`` dumps the FDB (as :func:`fdb_dump`). Each entry remembers the
    handle's namespace (:attr:`Neighbour.origin`). Raises
    :class:`~rawns.errors.NotFound` for a missing device,
    :class:`~rawns.errors.DumpInterrupted` if the table kept changing, and
    :class:`ValueError`/:class:`TypeError` for a bad argument (nothing sent).
    """
    _check.handle(h)
    for what, ref in (("dev", dev), ("master", master)):
        if ref is not None:
            check_here(h, ref, what)
    fam = _family(family)
    build_dump(family=fam, proxy=proxy)  # checks them before any name is looked up
    index = resolve_index(h, dev, "dev") if dev is not None else 0
    mindex = resolve_index(h, master, "master") if master is not None else 0
    msg = build_dump(family=fam, index=index, master=mindex, proxy=proxy)
    origin = h.netns_ident

    def parse(payload: bytes) -> Neighbour:
        return parse_neighbour(payload, origin)

    return h.rtnl.dump(msg, parse, op="RTM_GETNEIGH", target="dump")


# ---------------------------------------------------------------------------
# verbs: bridge FDB

On = Literal["self", "master", "both"]
_ON: dict[str, NTF] = {"self": NTF.SELF, "master": NTF.MASTER, "both": NTF.SELF | NTF.MASTER}
_FDB_STATE = NUD.PERMANENT | NUD.NOARP  # bridge/fdb.c: NUD_NOARP, plus PERMANENT unless "dynamic"


class FdbFields(TypedDict, total=False):
    """Optional keywords of the ``fdb_*`` verbs (``bridge fdb`` words)."""

    dst: IPAddress | str
    """The vxlan remote VTEP."""
    vni: int
    port: int
    vlan: int
    """802.1Q id, 1..4094."""
    via: LinkRef
    """The vxlan outgoing interface."""
    src_vni: int
    on: On
    """``"self"`` (the device's own table, default), ``"master"`` (its bridge) or ``"both"``."""
    state: NUD | int | str
    """Default: permanent + noarp, as ``bridge`` sends; ``"reachable"`` for a dynamic entry."""
    sticky: bool
    extern_learn: bool


def _fdb_spec(
    h: Handle,
    dev: LinkRef,
    lladdr: str | bytes,
    fits: bool,
    /,
    *,
    dst: IPAddress | str | None = None,
    vni: int | None = None,
    port: int | None = None,
    vlan: int | None = None,
    via: LinkRef | None = None,
    src_vni: int | None = None,
    on: On = "self",
    state: NUD | int | str = _FDB_STATE,
    sticky: bool = False,
    extern_learn: bool = False,
) -> Neighbour:
    """The request's FDB entry, every value checked before any device is looked up.

    With ``fits``, fields the target table would drop (see :func:`_fits_fdb`)
    are refused, the device asked for first (one read-only get) when any is given.
    """
    check_here(h, dev, "dev")
    if via is not None:
        check_here(h, via, "via")
    flags = _ON[_check.choice(on, "on", _ON)]
    if _check.boolean(sticky, "sticky"):
        flags |= NTF.STICKY
    if _check.boolean(extern_learn, "extern_learn"):
        flags |= NTF_EXT_LEARNED
    fields = {
        "family": AF_BRIDGE,
        # A MAC: 6 bytes, no less, no more.
        "lladdr": _check.lladdr(lladdr, "lladdr", length=6).hex(":"),
        "dst": None if dst is None else _ip(dst, "dst"),
        "state": _state(state),
        "flags": NTF(flags),
        "vni": _check.optional(vni, _check.uint, 24, "vni"),
        "port": _check.optional(port, _check.port, "port"),
        "vlan": _check.optional(vlan, _check.integer, "vlan", 1, 4094),
        "src_vni": _check.optional(src_vni, _check.uint, 24, "src_vni"),
    }
    Neighbour(index=1, **fields)  # type: ignore[arg-type]  # the rest, checked as a whole
    remote: dict[str, object] = {
        k: v
        for k, v in (("dst", dst), ("vni", vni), ("port", port), ("via", via), ("src_vni", src_vni))
        if v is not None
    }
    selfward = on != "master"
    index: int | None = None
    if fits and (remote or (selfward and (vlan is not None or sticky or extern_learn))):
        # Fields the target table would drop without a word: look the device up
        # and refuse them where they mean nothing.
        found = link.get(h, dev)
        _fits_fdb(found, on, remote, vlan, sticky, extern_learn)
        index = found.index
    return Neighbour(
        index=resolve_index(h, dev, "dev") if index is None else index,
        via=None if via is None else resolve_index(h, via, "via"),
        **fields,  # type: ignore[arg-type]  # Neighbour's fields, checked above
    )


def _fits_fdb(
    found: Link,
    on: str,
    remote: dict[str, object],
    vlan: int | None,
    sticky: bool,
    extern_learn: bool,
) -> None:
    """Refuse FDB fields the entry's table would silently drop.

    Remotes (``dst``, ``vni``, ``port``, ``via``, ``src_vni``) exist only in a
    vxlan device's own table (drivers/net/vxlan: vxlan_fdb_add); a bridge's
    table (``on="master"``) and a plain device's address list ignore them.
    ``src_vni`` selects an entry only on an external (collect-metadata) vxlan.
    A vxlan device's own table has no vlans; a plain device's address list
    (ndo_dflt_fdb_add) keeps no flags.
    """
    kind = found.kind or "plain"
    vxlan_self = found.kind == "vxlan" and on != "master"
    for name, value in remote.items():
        if not vxlan_self:
            where = (
                f"on={on!r} is the bridge's table"
                if on == "master"
                else f"{found.name} is a {kind} device"
            )
            raise ValueError(
                f"{name}={_check._show(value)} sets a vxlan remote, which only a vxlan "
                f"device's own table (on='self') has; {where} (the kernel would drop it)"
            )
    if "src_vni" in remote and not getattr(found.data, "external", False):
        raise ValueError(
            f"src_vni={remote['src_vni']!r}: vxlan {found.name} is not external (collect "
            "metadata), whose entries have no source vni (the kernel would drop it)"
        )
    if vlan is not None and on == "self" and found.kind == "vxlan":
        raise ValueError(
            f"vlan={vlan}: a vxlan device's own table has no vlans (the kernel would drop it)"
        )
    if on == "self" and found.kind not in ("vxlan", "bridge"):
        for name, value in (("sticky", sticky), ("extern_learn", extern_learn)):
            if value:
                raise ValueError(
                    f"{name}=True: {found.name} is a {kind} device, whose own address list "
                    "keeps no entry flags (the kernel would drop it); on='master' sets "
                    "it in the bridge's table"
                )


def fdb_add(h: Handle, *, dev: LinkRef, lladdr: str | bytes, **kw: Unpack[FdbFields]) -> None:
    """Add a bridge FDB entry: on a bridge port (``on="master"``) or a vxlan device.

    Equivalent to: bridge fdb add LLADDR dev DEV [dst IP] [vni VNI] [port PORT] [self|master]

    Raises :class:`~rawns.errors.AlreadyExists` if the entry exists,
    :class:`~rawns.errors.NotFound` for a missing device, :class:`ValueError`/
    :class:`TypeError` for a bad MAC (not 6 bytes), address, vlan (1..4094)
    or number, a field the entry's table would drop (a remote ``dst``/``vni``/
    ``port``/``via`` anywhere but a vxlan device's own table, a ``vlan`` there,
    ``src_vni`` on a non-external vxlan, ``sticky`` on a plain device's own
    list: the device is looked up first), or a Link from another namespace
    (nothing sent).
    """
    _check.handle(h)
    n = _fdb_spec(h, dev, lladdr, True, **kw)
    h.rtnl.request(build_add(n), op="RTM_NEWNEIGH", target=_label(dev, n.lladdr))


def fdb_append(h: Handle, *, dev: LinkRef, lladdr: str | bytes, **kw: Unpack[FdbFields]) -> None:
    """Append a vxlan remote to an FDB entry (the all-zero MAC floods to every remote).

    Equivalent to: bridge fdb append LLADDR dev DEV dst IP [vni VNI] [port PORT]

    Appending a remote that is already there is accepted and changes nothing
    (drivers/net/vxlan: vxlan_fdb_append). Only a vxlan device's own table
    (``on="self"``) has remotes: anywhere else the kernel would take the
    request as a plain add, so rawns looks the device up first (a read-only
    get) and raises :class:`~rawns.errors.NotSupported` without sending it.
    Raises :class:`~rawns.errors.NotFound` for a missing device,
    :class:`ValueError`/:class:`TypeError` for bad values or no ``dst``
    (nothing sent).
    """
    _check.handle(h)
    n = _fdb_spec(h, dev, lladdr, False, **kw)  # the device is checked below
    label = _label(dev, n.lladdr)
    if n.dst is None:
        raise ValueError("fdb_append needs dst= (the vxlan remote to add)")
    found = link.get(h, n.index)
    if found.kind != "vxlan" or n.flags & NTF.MASTER:
        where = (
            "its bridge's table" if n.flags & NTF.MASTER else f"a {found.kind or 'plain'} device"
        )
        raise kernel_error(
            errno.EOPNOTSUPP,
            op="RTM_NEWNEIGH",
            target=label,
            extack=f"fdb_append adds a remote to a vxlan device's own table, not to {where}",
        )
    remote: dict[str, object] = {"dst": n.dst}
    remote.update(
        {k: getattr(n, k) for k in ("vni", "port", "via", "src_vni") if getattr(n, k) is not None}
    )
    _fits_fdb(found, "self", remote, n.vlan, bool(n.flags & NTF.STICKY), False)
    h.rtnl.request(build_append(n), op="RTM_NEWNEIGH", target=label)


def fdb_replace(h: Handle, *, dev: LinkRef, lladdr: str | bytes, **kw: Unpack[FdbFields]) -> None:
    """Add an FDB entry or overwrite the existing one.

    Equivalent to: bridge fdb replace LLADDR dev DEV [dst IP] [vni VNI] [self|master]

    Raises :class:`~rawns.errors.NotFound` for a missing device;
    :class:`ValueError`/:class:`TypeError` for bad values, as :func:`fdb_add`.
    """
    _check.handle(h)
    n = _fdb_spec(h, dev, lladdr, True, **kw)
    h.rtnl.request(build_replace(n), op="RTM_NEWNEIGH", target=_label(dev, n.lladdr))


def fdb_delete(
    h: Handle,
    entry: Neighbour | None = None,
    /,
    *,
    dev: LinkRef | None = None,
    lladdr: str | bytes | None = None,
    **kw: Unpack[FdbFields],
) -> None:
    """Delete an FDB entry: one from :func:`fdb_dump`, or ``dev`` + ``lladdr`` (+ remote).

    Equivalent to: bridge fdb del LLADDR dev DEV [dst IP] [vni VNI] [self|master]

    For a vxlan device, ``dst`` removes just that remote. Raises
    :class:`~rawns.errors.NotFound` if there is no such entry or device;
    :class:`ValueError`/:class:`TypeError` for bad values or an entry from
    another namespace (nothing sent).
    """
    _check.handle(h)
    if entry is None:
        if dev is None or lladdr is None:
            raise TypeError("neigh.fdb_delete() needs an entry, or dev= and lladdr=")
        n = _fdb_spec(h, dev, lladdr, True, **kw)
        label = _label(dev, n.lladdr)
    else:
        if dev is not None or lladdr is not None or kw:
            raise TypeError("neigh.fdb_delete() takes an entry or keywords, not both")
        if not isinstance(entry, Neighbour):
            raise TypeError(f"entry must be a Neighbour, not {_check._show(entry)}")
        label = _label(entry.index, entry.lladdr)
        _check.same_netns(entry.origin, h, "entry", label)
        if not entry.is_fdb:
            raise ValueError("use neigh.delete() for an IP neighbour")
        where = entry.flags & (NTF.SELF | NTF.MASTER)
        if not where and entry.master == entry.index:
            # The bridge's own entries come with neither flag (br_fdb_fill_info)
            # and are deleted through the bridge device itself. Entries of a
            # port with neither flag go to its master, the kernel's default
            # (net/core/rtnetlink.c: rtnl_fdb_del).
            where = NTF.SELF
        n = Neighbour(
            index=entry.index,
            family=AF_BRIDGE,
            lladdr=entry.lladdr,
            dst=entry.dst,
            state=_FDB_STATE,
            flags=NTF(where),
            vlan=entry.vlan,
            vni=entry.vni,
            port=entry.port,
        )
    h.rtnl.request(build_delete(n), op="RTM_DELNEIGH", target=label)


def fdb_dump(
    h: Handle, *, dev: LinkRef | None = None, master: LinkRef | None = None
) -> list[Neighbour]:
    """Bridge FDB entries (family AF_BRIDGE), filtered by port device or bridge.

    Equivalent to: bridge fdb show [dev DEV] [br BRIDGE]

    Raises :class:`~rawns.errors.NotFound` for a missing device,
    :class:`~rawns.errors.DumpInterrupted` if the table kept changing, and
    :class:`ValueError`/:class:`TypeError` for a bad argument (nothing sent).
    """
    return dump(h, dev=dev, master=master, family=AF_BRIDGE)
