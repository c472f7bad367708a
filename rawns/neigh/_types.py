"""Neighbour and FDB entry types: :class:`Neighbour`, :class:`CacheInfo`, and their value checks."""

from __future__ import annotations

import _socket
from collections.abc import Collection

from .. import _check
from .._dataclass import dataclass, field, unchecked_replace
from .._inet import to_address
from .._rtnl import NTF, NUD
from .._wire import Attr
from ..link import Link, LinkRef
from ..link._types import check_origin
from ..route._types import check_attrs

AF_BRIDGE = 7  # PF_BRIDGE: rtnetlink routes AF_BRIDGE neighbour messages to the FDB
#: ndm_flags bit for entries learned by a driver or controller (linux/neighbour.h).
#: The generated NTF class skips NTF_EXT_* names, which mostly belong to NDA_FLAGS_EXT.
NTF_EXT_LEARNED = 0x10
#: NDA_FLAGS_EXT bits (linux/neighbour.h NTF_EXT_*): :attr:`Neighbour.flags_ext`.
NTF_EXT_MANAGED = 1 << 0
NTF_EXT_LOCKED = 1 << 1
NTF_EXT_EXT_VALIDATED = 1 << 2

_NEIGH_FAMILIES = (0, _socket.AF_INET, _socket.AF_INET6, 7)  # 7: AF_BRIDGE, the FDB

TYPE_CHECKING = False  # not typing's: importing it costs (rawns._typing)
if TYPE_CHECKING:
    from .._inet import IPAddress

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
    n = _check.uint(value, 8, what)
    state = _NUDS.get(n)
    if state is None:
        state = _NUDS[n] = NUD(n)
    return state


def neigh_flags(value: object, what: str = "flags") -> NTF:
    """NTF bits (ndm_flags, a u8): an int, a name (``"router"``, ``"extern_learn"``...)
    or a list/tuple/set of names and ints, OR-ed; :data:`rawns._check.NEIGH_FLAGS`."""
    n = _check.named_flags(value, what, _check.NEIGH_FLAGS, 8)
    flags = _NTFS.get(n)
    if flags is None:
        flags = _NTFS[n] = NTF(n)
    return flags


def with_index(n: Neighbour, index: int) -> Neighbour:
    """``n`` on device ``index`` instead: the index is checked, the rest was when ``n``
    was made (a verb checks every value before it looks a device name up)."""
    _check.ifindex(index, "neighbour index")
    return unchecked_replace(n, "index", index)


# u8 value -> its NUD/NTF member, made once each: an IntFlag call runs Python code (3.11).
_NUDS: dict[int, NUD] = {}
_NTFS: dict[int, NTF] = {}


def _ip(value: object, what: str) -> IPAddress:
    """An IPv4 or IPv6 address; a zone id (``fe80::1%eth0``) is refused, not dropped."""
    _check.no_zone(value, what)
    return to_address(value, what)


def _family_of(addr: IPAddress) -> int:
    return int(_socket.AF_INET if addr.version == 4 else _socket.AF_INET6)


@dataclass(init=False, frozen=True, slots=True, kw_only=True)
class Neighbour:
    """A neighbour or FDB entry (RTM_NEWNEIGH), as reported or as a request spec.

    ``dst`` and ``lladdr`` accept strings (or ``ipaddress``/``bytes``) and are
    normalised: ``dst`` to an ``ipaddress`` object, ``lladdr`` to lowercase
    ``aa:bb:...``. ``state`` accepts a :class:`~rawns._rtnl.NUD` value or a name
    (``"permanent"``); ``flags`` :class:`~rawns._rtnl.NTF` bits, a name
    (``"router"``, ``"extern_learn"``, as ``ip neigh``/``bridge fdb`` spell
    them) or a list of names and bits, OR-ed. ``family`` defaults to the
    family of ``dst``. The fields always hold the normalised values
    (``NUD``, ``NTF``, ``ipaddress``), as on a dumped entry.
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

    def __init__(
        self,
        *,
        index: int,
        family: int = 0,
        dst: str | IPAddress | None = None,
        lladdr: str | bytes | None = None,
        state: NUD | int | str = NUD.NONE,
        flags: NTF | int | str | Collection[int | str] = _NO_FLAGS,
        type: int = 0,
        master: int | None = None,
        vlan: int | None = None,
        port: int | None = None,
        vni: int | None = None,
        src_vni: int | None = None,
        via: int | None = None,
        link_netnsid: int | None = None,
        protocol: int | None = None,
        nh_id: int | None = None,
        flags_ext: int | None = None,
        probes: int | None = None,
        cacheinfo: CacheInfo | None = None,
        attrs: tuple[Attr, ...] = (),
        origin: tuple[int, int] | None = None,
    ) -> None:
        # Typed for what callers pass (names, strings); the fields hold the
        # normalised values, set here and checked by _normalise.
        _set = object.__setattr__
        for name, value in (
            ("index", index),
            ("family", family),
            ("dst", dst),
            ("lladdr", lladdr),
            ("state", state),
            ("flags", flags),
            ("type", type),
            ("master", master),
            ("vlan", vlan),
            ("port", port),
            ("vni", vni),
            ("src_vni", src_vni),
            ("via", via),
            ("link_netnsid", link_netnsid),
            ("protocol", protocol),
            ("nh_id", nh_id),
            ("flags_ext", flags_ext),
            ("probes", probes),
            ("cacheinfo", cacheinfo),
            ("attrs", attrs),
            ("origin", origin),
        ):
            _set(self, name, value)
        self._normalise()

    def _normalise(self) -> None:
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
        _set(self, "flags", neigh_flags(self.flags, "neighbour flags"))
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
        if fam in (_socket.AF_INET, _socket.AF_INET6) and self.dst is not None:
            want = 4 if fam == _socket.AF_INET else 6
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
    def ext_learned(self) -> bool:
        """NTF_EXT_LEARNED: added by a driver or control plane (``extern_learn``)."""
        return bool(self.flags & NTF_EXT_LEARNED)

    @property
    def offloaded(self) -> bool:
        """NTF_OFFLOADED: programmed into hardware (``offload``)."""
        return bool(self.flags & NTF.OFFLOADED)

    @property
    def sticky(self) -> bool:
        """NTF_STICKY: an FDB entry that does not move to another port."""
        return bool(self.flags & NTF.STICKY)

    @property
    def managed(self) -> bool:
        """NTF_EXT_MANAGED (NDA_FLAGS_EXT): kept resolved by the kernel (``managed``)."""
        return bool((self.flags_ext or 0) & NTF_EXT_MANAGED)

    @property
    def locked(self) -> bool:
        """NTF_EXT_LOCKED (NDA_FLAGS_EXT): an FDB entry a locked port learned."""
        return bool((self.flags_ext or 0) & NTF_EXT_LOCKED)

    @property
    def ext_validated(self) -> bool:
        """NTF_EXT_EXT_VALIDATED (NDA_FLAGS_EXT, kernel 6.16+): validated by the control plane."""
        return bool((self.flags_ext or 0) & NTF_EXT_EXT_VALIDATED)

    @property
    def is_fdb(self) -> bool:
        """A bridge FDB entry (family AF_BRIDGE)."""
        return self.family == AF_BRIDGE


_FAMILIES = {
    "inet": _socket.AF_INET,
    "inet6": _socket.AF_INET6,
    "bridge": AF_BRIDGE,
    "4": _socket.AF_INET,
    "6": _socket.AF_INET6,
    "ipv4": _socket.AF_INET,
    "ipv6": _socket.AF_INET6,
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
    if fam not in (0, _socket.AF_INET, _socket.AF_INET6, AF_BRIDGE):
        raise ValueError(f"family {family!r} is not 0, AF_INET, AF_INET6 or AF_BRIDGE")
    return fam


def _label(dev: LinkRef, what: object) -> str:
    if isinstance(dev, Link):
        name = dev.name
    elif isinstance(dev, str):
        name = dev
    else:
        name = f"ifindex {dev}"
    return f"{what} dev {name}"
