"""The address type: :class:`Address`, its value checks, scopes and labels."""

from __future__ import annotations

import struct
from collections.abc import Collection

from .. import _check
from .._dataclass import dataclass, field, unchecked_replace
from .._inet import AF_INET, AF_INET6, family_of, ip, to_address, to_interface
from .._rtnl import IFA_F, RT_SCOPE
from .._wire import Attr
from ..link._types import check_origin
from ..route._types import check_attrs

TYPE_CHECKING = False  # not typing's: importing it costs (rawns._typing)
if TYPE_CHECKING:
    from ipaddress import IPv4Address

    from .._inet import IPAddress, IPInterface

#: A lifetime of 0xFFFFFFFF seconds means "forever" (``valid_lft forever``).
INFINITY_LIFE_TIME = 0xFFFFFFFF

_CACHEINFO = struct.Struct("=IIII")  # ifa_prefered, ifa_valid, cstamp, tstamp


@dataclass(init=False, frozen=True, slots=True)
class Address:
    """An interface address, as ``ip addr`` shows it and as ``ip addr add`` takes it.

    >>> a = Address(index=2, address="192.168.15.1/24", broadcast="+")
    >>> a.address, a.local, a.scope
    (IPv4Interface('192.168.15.1/24'), IPv4Address('192.168.15.1'), 0)
    >>> a.broadcast
    IPv4Address('192.168.15.255')
    >>> Address(index=2, address="192.168.15.1").address  # no prefix: /32, as ip
    IPv4Interface('192.168.15.1/32')
    >>> Address(index=1, address="127.0.0.2/8").scope  # ip's default for 127/8: host
    254

    ``broadcast`` (IPv4 only) takes an address, ``"+"`` (all host bits set,
    like ``brd +``) or ``"-"`` (host bits clear). Lifetimes are seconds,
    ``None`` meaning forever. IPv6 values in IPv4-only fields and mixed
    families raise :class:`ValueError`, as do values the kernel would keep
    differently: an IPv6 ``scope`` other than the address's own (the kernel
    derives it: ``fe80::/10`` is link), a ``preferred_lft`` on an IPv4 address
    valid forever, a ``0.0.0.0`` broadcast.
    """

    family: int
    """AF_INET (2) or AF_INET6 (10)."""
    index: int
    """The interface index (``dev``)."""
    address: IPInterface
    """The local address with its prefix length (IFA_LOCAL, else IFA_ADDRESS)."""
    peer: IPAddress | None
    """The point-to-point peer (IFA_ADDRESS when it differs from the local address)."""
    broadcast: IPv4Address | None
    """IFA_BROADCAST (IPv4 only)."""
    label: str | None
    """IFA_LABEL (IPv4 only): ``dev`` or ``dev:suffix``."""
    scope: int
    """RT_SCOPE_* (0 global, 253 link, 254 host)."""
    flags: int
    """IFA_F_* (permanent, nodad, noprefixroute, secondary, tentative...)."""
    valid_lft: int | None
    """Valid lifetime in seconds; None means forever."""
    preferred_lft: int | None
    """Preferred lifetime in seconds; None means forever."""
    metric: int | None
    """IFA_RT_PRIORITY: the metric of the prefix route the kernel adds."""
    proto: int | None
    """IFA_PROTO: who added the address (IFAPROT_*), when set."""
    attrs: tuple[Attr, ...] = field(compare=False, repr=False)
    """Attributes not decoded above (IFA_MULTICAST, IFA_ANYCAST...), raw; reported
    only: requests do not send them."""
    origin: tuple[int, int] | None = field(compare=False, repr=False)
    """The namespace the address was dumped from (:attr:`Handle.netns_ident
    <rawns.Handle.netns_ident>`), ``None`` for one built by hand: verbs refuse
    an address from another namespace, whose ``index`` means another link there."""

    def __init__(
        self,
        *,
        index: int,
        address: str | IPInterface | IPAddress,
        peer: str | IPAddress | None = None,
        broadcast: str | IPv4Address | None = None,
        label: str | None = None,
        scope: int | str | None = None,
        flags: int | str | Collection[int | str] = 0,
        valid_lft: int | None = None,
        preferred_lft: int | None = None,
        metric: int | None = None,
        proto: int | None = None,
        family: int = 0,
        attrs: tuple[Attr, ...] = (),
        origin: tuple[int, int] | None = None,
    ) -> None:
        # Arguments left at their defaults (known good) skip their checks.
        _check.ifindex(index, "address index")
        fam = _family(family, "address family")
        _check.no_zone(address, "address")
        if peer is not None:
            _check.no_zone(peer, "address peer")
        local = to_interface(address, "address", fam or None)
        fam = family_of(local)
        local, p = _with_peer(local, peer, fam)
        brd = None if broadcast is None else _broadcast(broadcast, local, p, fam)
        if label is not None:
            # IFA_LABEL is an IFNAMSIZ string: NUL inside would cut it, more is refused.
            _check.text(label, "label", max_bytes=_check.IFNAMSIZ - 1)
            if fam != AF_INET:
                raise ValueError(f"label is IPv4-only; {local} is IPv6")
        scope = _scope(scope, local, fam)
        if valid_lft is not None or preferred_lft is not None:
            for name, v in (("valid_lft", valid_lft), ("preferred_lft", preferred_lft)):
                _check.optional(v, _check.uint, 32, name)
        if flags.__class__ is not int or flags:
            flags = _check.named_flags(flags, "address flags", _check.ADDR_FLAGS, 32)
        if metric is not None:
            _check.uint(metric, 32, "address metric")  # IFA_RT_PRIORITY
        if proto is not None:
            _check.uint(proto, 8, "address proto")  # IFA_PROTO
        if valid_lft is not None or preferred_lft is not None:
            valid_lft, preferred_lft = _lifetimes(valid_lft, preferred_lft, fam)
        _set = object.__setattr__
        _set(self, "family", fam)
        _set(self, "index", index)
        _set(self, "address", local)
        _set(self, "peer", p)
        _set(self, "broadcast", brd)
        _set(self, "label", label)
        _set(self, "scope", scope)
        _set(self, "flags", int(flags))
        _set(self, "valid_lft", valid_lft)
        _set(self, "preferred_lft", preferred_lft)
        _set(self, "metric", metric)
        _set(self, "proto", proto)
        _set(self, "attrs", () if attrs == () else check_attrs(attrs, "address attrs"))
        _set(self, "origin", None if origin is None else check_origin(origin, "address origin"))

    @property
    def local(self) -> IPAddress:
        """The local address without its prefix length."""
        return self.address.ip

    @property
    def prefixlen(self) -> int:
        return self.address.network.prefixlen

    @property
    def permanent(self) -> bool:
        return bool(self.flags & IFA_F.PERMANENT)

    @property
    def secondary(self) -> bool:
        return bool(self.flags & IFA_F.SECONDARY)

    @property
    def tentative(self) -> bool:
        return bool(self.flags & IFA_F.TENTATIVE)


def _with_peer(local: IPInterface, peer: object, fam: int) -> tuple[IPInterface, IPAddress | None]:
    """The local address and the peer; a peer's prefix length replaces the local one."""
    if peer is None:
        return local, None
    if (isinstance(peer, str) and "/" in peer) or isinstance(
        peer, ip.IPv4Interface | ip.IPv6Interface
    ):
        # ip addr add LOCAL peer PEER/LEN: the peer's prefix length wins
        # (given as a string or as an interface value alike).
        pi = to_interface(peer, "address peer", fam)
        return type(local)((local.ip, pi.network.prefixlen)), pi.ip
    return local, to_address(peer, "address peer", fam)


def _broadcast(
    broadcast: object, local: IPInterface, peer: IPAddress | None, fam: int
) -> IPv4Address | None:
    """IFA_BROADCAST from an address, ``"+"`` or ``"-"`` (IPv4 only)."""
    if fam != AF_INET:
        raise ValueError(f"broadcast is IPv4-only; {local} is IPv6")
    if broadcast == "+":
        return _v4_broadcast(local, peer, ones=True)
    if broadcast == "-":
        return _v4_broadcast(local, peer, ones=False)
    b = to_address(broadcast, "broadcast", AF_INET)
    assert isinstance(b, ip.IPv4Address)
    if b.is_unspecified:
        # IFA_BROADCAST 0 is the kernel's "none": it would not be stored.
        raise ValueError(f"broadcast {b} is the unspecified address (none): leave it unset")
    return b


def _scope(scope: object, local: IPInterface, fam: int) -> int:
    """The scope asked, or ip's default; for IPv6, only the address's own."""
    if fam == AF_INET6:
        # The kernel takes an IPv6 address's scope from the address and ignores
        # ifa_scope (net/ipv6/addrconf.c: ipv6_addr_scope), so the only scope
        # that can be asked is that one.
        derived = _v6_scope(local.ip)
        if scope is not None and check_scope(scope, "address scope") != derived:
            raise ValueError(
                f"address scope {scope!r}: the kernel gives IPv6 address {local.ip} "
                f"scope {_SCOPE_NAMES.get(derived, derived)} from the address itself "
                "and ignores another one"
            )
        scope = derived
    elif scope is None:
        # iproute2 default_scope(): 127.0.0.0/8 is host scope, the rest global.
        return _HOST if local.ip.packed[0] == 127 else 0
    return check_scope(scope, "address scope")


def _lifetimes(
    valid_lft: int | None, preferred_lft: int | None, fam: int
) -> tuple[int | None, int | None]:
    """Checked u32 lifetimes with INFINITY_LIFE_TIME as None, as the kernel would keep them."""
    if valid_lft == INFINITY_LIFE_TIME:
        valid_lft = None
    if preferred_lft == INFINITY_LIFE_TIME:
        preferred_lft = None
    if valid_lft is not None and (preferred_lft is None or preferred_lft > valid_lft):
        raise ValueError(
            f"preferred_lft ({preferred_lft if preferred_lft is not None else 'forever'}) "
            f"must not exceed valid_lft ({valid_lft})"
        )
    if valid_lft == 0:
        raise ValueError("valid_lft must not be zero")
    if fam == AF_INET and valid_lft is None and preferred_lft is not None:
        # set_ifa_lifetime: an IPv4 address valid forever is permanent, and
        # its preferred lifetime is dropped (IPv6 keeps it).
        raise ValueError(
            f"preferred_lft={preferred_lft} on an IPv4 address valid forever would be "
            "ignored by the kernel; give valid_lft too"
        )
    return valid_lft, preferred_lft


def _v4_broadcast(local: IPInterface, peer: IPAddress | None, *, ones: bool) -> IPv4Address | None:
    """``brd +`` / ``brd -``: host bits all set or all clear (iproute2 ``ipaddr_modify``).

    As with ``ip``, a /31 or /32 gets no broadcast address at all.
    """
    plen = local.network.prefixlen
    if plen > 30:
        return None
    base = int(peer if peer is not None else local.ip)
    host = (1 << (32 - plen)) - 1
    return ip.IPv4Address(base | host if ones else base & ~host & 0xFFFFFFFF)


#: ``ip addr``'s scope names (iproute2 etc/iproute2/rt_scopes), as :func:`flush` takes them.
SCOPES = {
    "global": int(RT_SCOPE.UNIVERSE),
    "universe": int(RT_SCOPE.UNIVERSE),
    "site": int(RT_SCOPE.SITE),
    "link": int(RT_SCOPE.LINK),
    "host": int(RT_SCOPE.HOST),
    "nowhere": int(RT_SCOPE.NOWHERE),
}


_HOST = int(RT_SCOPE.HOST)  # read per call: an IntEnum member costs a lookup on Python 3.11
_SCOPE_NAMES = {int(RT_SCOPE.UNIVERSE): "global", int(RT_SCOPE.SITE): "site"}
_SCOPE_NAMES.update({int(RT_SCOPE.LINK): "link", int(RT_SCOPE.HOST): "host"})


def _v6_scope(a: IPAddress) -> int:
    """The scope the kernel gives an IPv6 address (addrconf: ipv6_addr_scope, rt_scope)."""
    if a.is_loopback:
        return int(RT_SCOPE.HOST)
    if a.is_link_local:
        return int(RT_SCOPE.LINK)
    if isinstance(a, ip.IPv6Address) and a.is_site_local:
        return int(RT_SCOPE.SITE)
    return int(RT_SCOPE.UNIVERSE)


def _family(value: object, what: str) -> int:
    fam = _check.integer(value, what, 0, 255)
    if fam not in (0, AF_INET, AF_INET6):
        raise ValueError(f"{what} must be 0, AF_INET (2) or AF_INET6 (10), not {value!r}")
    return fam


def check_scope(value: object, what: str) -> int:
    """A scope as ``ip`` takes it: a name (``"global"``, ``"link"``, ``"host"``...) or 0..255."""
    if isinstance(value, str):
        return SCOPES[_check.choice(value, what, SCOPES)]
    return _check.uint(value, 8, what)


def with_index(a: Address, index: int) -> Address:
    """``a`` on interface ``index`` instead: the index is checked, the rest was when ``a``
    was made (a verb checks every value before it looks a device name up)."""
    _check.ifindex(index, "address index")
    return unchecked_replace(a, "index", index)


def label_of(a: Address, dev: str | None = None) -> str:
    """``ip addr`` syntax for error messages: ``192.168.15.1/24 dev v0`` (``dev ifindex 3``)."""
    text = str(a.address)
    if a.peer is not None:
        text = f"{a.local} peer {a.peer}/{a.prefixlen}"
    return f"{text} dev {dev if dev is not None else f'ifindex {a.index}'}"
