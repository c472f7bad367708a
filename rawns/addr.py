"""Addresses (``ip addr``): add, replace, delete, dump, flush and bulk add.

:class:`Address` is both what the kernel reports and what you ask for. Its
constructor takes ``str`` or :mod:`ipaddress` values; ``"192.168.15.1"``
without a prefix length means /32 (or /128), as with ``ip``. Each verb has
a pure twin (:func:`build_add`, ...) returning the request bytes.

The kernel's two address attributes are easy to mix up (linux/if_addr.h):
``IFA_LOCAL`` is the interface's own address and ``IFA_ADDRESS`` the peer
on a point-to-point link; without a peer both hold the local address (IPv6
then sends only ``IFA_ADDRESS``). Here :attr:`Address.address` is always the
local address with its prefix length, and :attr:`Address.peer` the peer.
"""

from __future__ import annotations

import struct
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from ipaddress import IPv4Address, IPv4Interface, IPv6Address, IPv6Interface
from typing import TYPE_CHECKING, overload

from . import _check, link
from ._inet import (
    AF_INET,
    AF_INET6,
    IPAddress,
    IPInterface,
    addr_from_bytes,
    family_of,
    to_address,
    to_interface,
)
from ._rtnl import IFA, IFA_F, IFADDRMSG, NLM_F, RT_SCOPE, RTM
from ._wire import NLA_TYPE_MASK, Attr, Writer, attr_str, attr_u32, iter_attrs
from .errors import DecodeError, KernelError, NotFound
from .link import Link, LinkRef, resolve_index
from .link._base import check_here, check_origin
from .route._types import check_attrs

if TYPE_CHECKING:
    from .handle import Handle

__all__ = [
    "INFINITY_LIFE_TIME",
    "Address",
    "add",
    "add_many",
    "build_add",
    "build_delete",
    "build_dump",
    "build_replace",
    "delete",
    "dump",
    "flush",
    "parse_address",
    "replace",
]

#: A lifetime of 0xFFFFFFFF seconds means "forever" (``valid_lft forever``).
INFINITY_LIFE_TIME = 0xFFFFFFFF

_IFA_ADDRESS = int(IFA.ADDRESS)
_IFA_LOCAL = int(IFA.LOCAL)
_IFA_LABEL = int(IFA.LABEL)
_IFA_BROADCAST = int(IFA.BROADCAST)
_IFA_CACHEINFO = int(IFA.CACHEINFO)
_IFA_FLAGS = int(IFA.FLAGS)
_IFA_RT_PRIORITY = int(IFA.RT_PRIORITY)
_IFA_PROTO = int(IFA.PROTO)

_CACHEINFO = struct.Struct("=IIII")  # ifa_prefered, ifa_valid, cstamp, tstamp
_RTM_NEWADDR = int(RTM.NEWADDR)
_RTM_DELADDR = int(RTM.DELADDR)
_RTM_GETADDR = int(RTM.GETADDR)
_F_ADD = int(NLM_F.REQUEST | NLM_F.ACK | NLM_F.CREATE | NLM_F.EXCL)
_F_REPLACE = int(NLM_F.REQUEST | NLM_F.ACK | NLM_F.CREATE | NLM_F.REPLACE)
_F_DELETE = int(NLM_F.REQUEST | NLM_F.ACK)
_F_DUMP = int(NLM_F.REQUEST | NLM_F.DUMP)


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
        flags: int = 0,
        valid_lft: int | None = None,
        preferred_lft: int | None = None,
        metric: int | None = None,
        proto: int | None = None,
        family: int = 0,
        attrs: tuple[Attr, ...] = (),
        origin: tuple[int, int] | None = None,
    ) -> None:
        _check.ifindex(index, "address index")
        fam = _family(family, "address family")
        _check.no_zone(address, "address")
        _check.no_zone(peer, "address peer")
        local = to_interface(address, "address", fam or None)
        fam = family_of(local)
        p = None
        if peer is not None:
            if (isinstance(peer, str) and "/" in peer) or isinstance(
                peer, IPv4Interface | IPv6Interface
            ):
                # ip addr add LOCAL peer PEER/LEN: the peer's prefix length wins
                # (given as a string or as an interface value alike).
                pi = to_interface(peer, "address peer", fam)
                p = pi.ip
                local = type(local)((local.ip, pi.network.prefixlen))
            else:
                p = to_address(peer, "address peer", fam)
        brd: IPv4Address | None = None
        if broadcast is not None:
            if fam != AF_INET:
                raise ValueError(f"broadcast is IPv4-only; {local} is IPv6")
            if broadcast == "+":
                brd = _v4_broadcast(local, p, ones=True)
            elif broadcast == "-":
                brd = _v4_broadcast(local, p, ones=False)
            else:
                b = to_address(broadcast, "broadcast", AF_INET)
                assert isinstance(b, IPv4Address)
                if b.is_unspecified:
                    # IFA_BROADCAST 0 is the kernel's "none": it would not be stored.
                    raise ValueError(
                        f"broadcast {b} is the unspecified address (none): leave it unset"
                    )
                brd = b
        if label is not None:
            # IFA_LABEL is an IFNAMSIZ string: NUL inside would cut it, more is refused.
            _check.text(label, "label", max_bytes=_check.IFNAMSIZ - 1)
            if fam != AF_INET:
                raise ValueError(f"label is IPv4-only; {local} is IPv6")
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
            scope = int(RT_SCOPE.HOST) if local.ip.packed[0] == 127 else 0
        scope = check_scope(scope, "address scope")
        for name, v in (("valid_lft", valid_lft), ("preferred_lft", preferred_lft)):
            _check.optional(v, _check.uint, 32, name)
        _check.uint(flags, 32, "address flags")
        _check.optional(metric, _check.uint, 32, "address metric")  # IFA_RT_PRIORITY
        _check.optional(proto, _check.uint, 8, "address proto")  # IFA_PROTO
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
        _set(self, "attrs", check_attrs(attrs, "address attrs"))
        _set(self, "origin", check_origin(origin, "address origin"))

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


def _v4_broadcast(local: IPInterface, peer: IPAddress | None, *, ones: bool) -> IPv4Address | None:
    """``brd +`` / ``brd -``: host bits all set or all clear (iproute2 ``ipaddr_modify``).

    As with ``ip``, a /31 or /32 gets no broadcast address at all.
    """
    plen = local.network.prefixlen
    if plen > 30:
        return None
    base = int(peer if peer is not None else local.ip)
    host = (1 << (32 - plen)) - 1
    return IPv4Address(base | host if ones else base & ~host & 0xFFFFFFFF)


#: ``ip addr``'s scope names (iproute2 etc/iproute2/rt_scopes), as :func:`flush` takes them.
SCOPES = {
    "global": int(RT_SCOPE.UNIVERSE),
    "universe": int(RT_SCOPE.UNIVERSE),
    "site": int(RT_SCOPE.SITE),
    "link": int(RT_SCOPE.LINK),
    "host": int(RT_SCOPE.HOST),
    "nowhere": int(RT_SCOPE.NOWHERE),
}


_SCOPE_NAMES = {int(RT_SCOPE.UNIVERSE): "global", int(RT_SCOPE.SITE): "site"}
_SCOPE_NAMES.update({int(RT_SCOPE.LINK): "link", int(RT_SCOPE.HOST): "host"})


def _v6_scope(ip: IPAddress) -> int:
    """The scope the kernel gives an IPv6 address (addrconf: ipv6_addr_scope, rt_scope)."""
    if ip.is_loopback:
        return int(RT_SCOPE.HOST)
    if ip.is_link_local:
        return int(RT_SCOPE.LINK)
    if isinstance(ip, IPv6Address) and ip.is_site_local:
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


def label_of(a: Address, dev: str | None = None) -> str:
    """``ip addr`` syntax for error messages: ``192.168.15.1/24 dev v0`` (``dev ifindex 3``)."""
    text = str(a.address)
    if a.peer is not None:
        text = f"{a.local} peer {a.peer}/{a.prefixlen}"
    return f"{text} dev {dev if dev is not None else f'ifindex {a.index}'}"


# ---------------------------------------------------------------------------
# Decoding


def parse_address(
    payload: bytes,
    start: int = 0,
    end: int | None = None,
    origin: tuple[int, int] | None = None,
) -> Address:
    """Decode an RTM_NEWADDR/DELADDR payload (ifaddrmsg + attributes) into an :class:`Address`.

    ``origin`` is kept in :attr:`Address.origin` (:func:`dump` passes its
    handle's :attr:`~rawns.Handle.netns_ident`). Raises
    :class:`~rawns.errors.DecodeError` on malformed input or a family other
    than IPv4/IPv6.
    """
    start, end = _check.span(payload, start, end)
    if end - start < IFADDRMSG.size:
        raise DecodeError(f"ifaddrmsg needs {IFADDRMSG.size} bytes, got {end - start}")
    family, plen, hflags, scope, index = IFADDRMSG.unpack_from(payload, start)
    if family == AF_INET:
        alen = 4
    elif family == AF_INET6:
        alen = 16
    else:
        raise DecodeError(f"address family {family} is not IPv4 or IPv6", offset=start)
    if plen > alen * 8:
        raise DecodeError(f"prefix length {plen} exceeds {alen * 8} bits", offset=start + 1)
    local = addr = brd = None
    lbl = metric = proto = None
    flags = hflags
    valid = preferred = None
    rest: list[Attr] = []
    for atype, a, b in iter_attrs(payload, start + IFADDRMSG.size, end):
        t = atype & NLA_TYPE_MASK
        if t in (_IFA_LOCAL, _IFA_ADDRESS, _IFA_BROADCAST):
            if b - a != alen:
                raise DecodeError(
                    f"address attribute {t} is {b - a} bytes, expected {alen}", offset=a
                )
            v = addr_from_bytes(payload[a:b])
            if t == _IFA_LOCAL:
                local = v
            elif t == _IFA_ADDRESS:
                addr = v
            elif isinstance(v, IPv4Address):
                brd = v
        elif t == _IFA_LABEL:
            lbl = attr_str(payload, a, b)
        elif t == _IFA_FLAGS:
            flags = attr_u32(payload, a, b)
        elif t == _IFA_CACHEINFO:
            if b - a < _CACHEINFO.size:
                raise DecodeError(f"IFA_CACHEINFO is {b - a} bytes", offset=a)
            preferred, valid, _c, _t = _CACHEINFO.unpack_from(payload, a)
        elif t == _IFA_RT_PRIORITY:
            metric = attr_u32(payload, a, b)
        elif t == _IFA_PROTO:
            proto = payload[a] if b > a else 0
        else:
            rest.append(Attr(atype, payload[a:b]))
    mine = local if local is not None else addr
    if mine is None:
        raise DecodeError("address message has neither IFA_LOCAL nor IFA_ADDRESS", offset=start)
    peer = addr if local is not None and addr is not None and addr != local else None
    iface = IPv4Interface((int(mine), plen)) if alen == 4 else IPv6Interface((int(mine), plen))
    out = Address.__new__(Address)
    _set = object.__setattr__
    _set(out, "family", family)
    _set(out, "index", index)
    _set(out, "address", iface)
    _set(out, "peer", peer)
    _set(out, "broadcast", brd)
    _set(out, "label", lbl)
    _set(out, "scope", scope)
    _set(out, "flags", flags)
    _set(out, "valid_lft", None if valid in (None, INFINITY_LIFE_TIME) else valid)
    _set(out, "preferred_lft", None if preferred in (None, INFINITY_LIFE_TIME) else preferred)
    _set(out, "metric", metric)
    _set(out, "proto", proto)
    _set(out, "attrs", tuple(rest))
    _set(out, "origin", origin)
    return out


# ---------------------------------------------------------------------------
# Building


def _build(a: Address, mtype: int, flags: int) -> bytes:
    """One RTM_*ADDR request, attributes in the order ``ip addr`` writes them.

    iproute2 ``ipaddr_modify``, for ``ip addr add LOCAL [peer P] [label L]
    [metric M] [proto P] dev D [flags] [brd +] [lifetimes]``: IFA_LOCAL,
    IFA_ADDRESS (peer), IFA_LABEL, IFA_RT_PRIORITY, IFA_PROTO, IFA_FLAGS
    (only when a flag does not fit the 8-bit header field), IFA_ADDRESS
    (= local, without a peer), IFA_BROADCAST, IFA_CACHEINFO.
    """
    if not isinstance(a, Address):
        raise TypeError(f"address must be an Address, not {type(a).__name__}: {_check._show(a)}")
    w = Writer()
    w.begin(mtype, flags=flags)
    hflags = a.flags if a.flags <= 0xFF else 0
    w.put_bytes_raw(IFADDRMSG.pack(a.family, a.prefixlen, hflags, a.scope, a.index))
    local = a.local.packed
    w.put(_IFA_LOCAL, local)
    if a.peer is not None:
        w.put(_IFA_ADDRESS, a.peer.packed)
    if a.label is not None:
        w.put_strz(_IFA_LABEL, a.label)
    if a.metric is not None:
        w.put_u32(_IFA_RT_PRIORITY, a.metric)
    if a.proto is not None:
        w.put_u8(_IFA_PROTO, a.proto)
    if a.flags > 0xFF:
        w.put_u32(_IFA_FLAGS, a.flags)
    if a.peer is None:
        w.put(_IFA_ADDRESS, local)
    if a.broadcast is not None and mtype != _RTM_DELADDR:
        w.put(_IFA_BROADCAST, a.broadcast.packed)
    if (a.valid_lft is not None or a.preferred_lft is not None) and mtype != _RTM_DELADDR:
        valid = INFINITY_LIFE_TIME if a.valid_lft is None else a.valid_lft
        pref = INFINITY_LIFE_TIME if a.preferred_lft is None else a.preferred_lft
        w.put(_IFA_CACHEINFO, _CACHEINFO.pack(pref, valid, 0, 0))
    w.end()
    return w.data()


def build_add(a: Address) -> bytes:
    """RTM_NEWADDR with NLM_F_CREATE|NLM_F_EXCL (``ip addr add``)."""
    return _build(a, _RTM_NEWADDR, _F_ADD)


def build_replace(a: Address) -> bytes:
    """RTM_NEWADDR with NLM_F_CREATE|NLM_F_REPLACE (``ip addr replace``)."""
    return _build(a, _RTM_NEWADDR, _F_REPLACE)


def build_delete(a: Address) -> bytes:
    """RTM_DELADDR (``ip addr del``)."""
    return _build(a, _RTM_DELADDR, _F_DELETE)


def build_dump(*, family: int = 0, index: int = 0) -> bytes:
    """RTM_GETADDR dump, filtered by the kernel to one interface when ``index`` is set."""
    _family(family, "address dump family")
    if index:
        _check.ifindex(index, "address dump index")
    else:
        _check.integer(index, "address dump index", 0, 0)
    w = Writer()
    w.begin(_RTM_GETADDR, flags=_F_DUMP)
    w.put_bytes_raw(IFADDRMSG.pack(family, 0, 0, 0, index))
    w.end()
    return w.data()


# ---------------------------------------------------------------------------
# Verbs


def _dev_name(h: Handle, dev: LinkRef | None, index: int) -> str:
    """The device's name: as given, from a Link, or asked of the kernel (a read-only get)."""
    if isinstance(dev, str):
        return dev
    if isinstance(dev, Link):
        return dev.name
    return link.get(h, index).name


def _check_label(name: str, label: str) -> None:
    # ip refuses a label that is not DEV or DEV:something; the kernel would
    # accept it, and `ip addr` would then show it under a confusing name.
    if label != name and not label.startswith(name + ":"):
        raise ValueError(f"label {label!r} must be {name!r} or start with {name + ':'!r}")


def _spec(
    h: Handle,
    dev: LinkRef | None,
    address: str | IPInterface | IPAddress | Address | None,
    kw: dict[str, object],
) -> tuple[Address, str | None]:
    """The verb's Address, every value checked before any request; and the device's name
    when the caller gave one (for error messages)."""
    _check.handle(h)
    if "flags" in kw:  # defaults to 0, not None: None is no value here
        _check.uint(kw["flags"], 32, "flags")
    if isinstance(address, Address):
        extra = {
            k: v
            for k, v in kw.items()
            if v is not None and not (k == "flags" and type(v) is int and v == 0)
        }
        if dev is not None or extra:
            raise TypeError("pass either an Address or dev=/address= keywords, not both")
        _check.same_netns(address.origin, h, "address", label_of(address))
        if address.label is not None and address.origin is None:
            _check_label(_dev_name(h, None, address.index), address.label)
        return address, None
    if dev is None or address is None:
        raise TypeError("an address needs dev= and address=")
    check_here(h, dev, "dev")  # no request: a name's syntax, an index, a Link's namespace
    given = {k: v for k, v in kw.items() if v is not None}
    named = isinstance(dev, str)
    index = 1 if named else resolve_index(h, dev, "dev")  # 1: a stand-in until the lookup
    a = Address(index=index, address=address, **given)  # type: ignore[arg-type]
    if named:
        a = Address(index=resolve_index(h, dev, "dev"), address=address, **given)  # type: ignore[arg-type]
    if a.label is not None:
        _check_label(_dev_name(h, dev, a.index), a.label)
    return a, _dev_name_given(dev)


def _dev_name_given(dev: LinkRef | None) -> str | None:
    if isinstance(dev, str):
        return dev
    return dev.name if isinstance(dev, Link) else None


def _verb_kw(scope: dict[str, object]) -> dict[str, object]:
    return {k: v for k, v in scope.items() if k not in ("h", "dev", "address")}


def add(
    h: Handle,
    address: str | IPInterface | IPAddress | Address | None = None,
    *,
    dev: LinkRef | None = None,
    peer: str | IPAddress | None = None,
    broadcast: str | IPv4Address | None = None,
    label: str | None = None,
    scope: int | str | None = None,
    flags: int = 0,
    valid_lft: int | None = None,
    preferred_lft: int | None = None,
    metric: int | None = None,
    proto: int | None = None,
) -> None:
    """Add an address to an interface (an :class:`Address`, or ``dev=`` and ``address=``).

    Equivalent to: ip addr add ADDRESS[/LEN] [peer P] [brd B|+|-] [label L]
    [scope S] [metric M] [valid_lft S] [preferred_lft S] [nodad...] dev DEV

    Raises :class:`~rawns.errors.NotFound` naming the device if it does not
    exist, :class:`~rawns.errors.AlreadyExists` if the address is there,
    :class:`ValueError`/:class:`TypeError` for bad or mixed-family values, a
    zone id, a label that is not ``DEV`` or ``DEV:...``, or an Address or
    Link from another namespace (nothing sent).
    """
    a, name = _spec(h, dev, address, _verb_kw(locals()))
    h.rtnl.request(build_add(a), op="RTM_NEWADDR", target=label_of(a, name))


def replace(
    h: Handle,
    address: str | IPInterface | IPAddress | Address | None = None,
    *,
    dev: LinkRef | None = None,
    peer: str | IPAddress | None = None,
    broadcast: str | IPv4Address | None = None,
    label: str | None = None,
    scope: int | str | None = None,
    flags: int = 0,
    valid_lft: int | None = None,
    preferred_lft: int | None = None,
    metric: int | None = None,
    proto: int | None = None,
) -> None:
    """Add an address, or update the one already there (lifetimes, flags, metric).

    Equivalent to: ip addr replace ADDRESS[/LEN] ... dev DEV

    Raises :class:`~rawns.errors.NotFound` if the device does not exist,
    :class:`ValueError`/:class:`TypeError` for bad values, as :func:`add`
    (nothing sent).
    """
    a, name = _spec(h, dev, address, _verb_kw(locals()))
    h.rtnl.request(build_replace(a), op="RTM_NEWADDR", target=label_of(a, name))


def delete(
    h: Handle,
    address: str | IPInterface | IPAddress | Address | None = None,
    *,
    dev: LinkRef | None = None,
    peer: str | IPAddress | None = None,
) -> None:
    """Remove an address from an interface.

    Equivalent to: ip addr del ADDRESS[/LEN] [peer P] dev DEV

    Raises :class:`~rawns.errors.NotFound` (EADDRNOTAVAIL) if the address is
    not there, or if the device does not exist; :class:`ValueError`/
    :class:`TypeError` for bad values or an Address from another namespace
    (nothing sent).
    """
    a, name = _spec(h, dev, address, {"peer": peer})
    h.rtnl.request(build_delete(a), op="RTM_DELADDR", target=label_of(a, name))


def dump(h: Handle, *, dev: LinkRef | None = None, family: int = 0) -> list[Address]:
    """Addresses of the handle's namespace, or of one interface (filtered by the kernel).

    Equivalent to: ip [-4|-6] addr show [dev DEV]

    Each :class:`Address` remembers the handle's namespace (:attr:`Address.origin`).
    Raises :class:`~rawns.errors.NotFound` if ``dev`` does not exist,
    :class:`~rawns.errors.DumpInterrupted` if the list kept changing (see
    docs/dumps.md), :class:`ValueError`/:class:`TypeError` for a bad argument.
    """
    _check.handle(h)
    if dev is not None:
        check_here(h, dev, "dev")
    _family(family, "family")
    index = 0 if dev is None else resolve_index(h, dev, "dev")
    origin = h.netns_ident

    def parse(payload: bytes) -> Address | None:
        if payload[:1] not in (b"\x02", b"\x0a"):
            return None
        return parse_address(payload, origin=origin)

    return h.rtnl.dump(
        build_dump(family=family, index=index), parse, op="RTM_GETADDR", target="dump"
    )


def flush(
    h: Handle,
    *,
    dev: LinkRef | None = None,
    family: int = 0,
    scope: int | str | None = None,
) -> list[Address]:
    """Remove every address (of one interface, family or scope); returns what was removed.

    Equivalent to: ip [-4|-6] addr flush [dev DEV] [scope S]

    ``scope`` is a name as ``ip`` takes it (``"global"``, ``"site"``,
    ``"link"``, ``"host"``, ``"nowhere"``) or a number. Deleting a primary
    IPv4 address also removes its secondaries (unless ``promote_secondaries``
    is set); those vanish on their own and are not an error. Raises
    :class:`~rawns.errors.NotFound` if ``dev`` does not exist,
    :class:`ValueError`/:class:`TypeError` for a bad argument (nothing sent).
    """
    _check.handle(h)
    want = None if scope is None else check_scope(scope, "scope")
    if dev is not None:
        check_here(h, dev, "dev")
    _family(family, "family")
    addrs = [a for a in dump(h, dev=dev, family=family) if want is None or a.scope == want]
    # Secondaries first, so deleting a primary does not take them away under us.
    addrs.sort(key=lambda a: not a.secondary)
    name = _dev_name_given(dev)
    results = h.rtnl.pipeline(
        [build_delete(a) for a in addrs],
        op="RTM_DELADDR",
        targets=[label_of(a, name) for a in addrs],
        check=False,
    )
    for r in results:
        if r is not None and not isinstance(r, NotFound):
            raise r
    return addrs


class _Labels(Sequence[str]):
    def __init__(self, addrs: Sequence[Address]) -> None:
        self._addrs = addrs

    def __len__(self) -> int:
        return len(self._addrs)

    @overload
    def __getitem__(self, i: int) -> str: ...
    @overload
    def __getitem__(self, i: slice) -> Sequence[str]: ...
    def __getitem__(self, i: int | slice) -> str | Sequence[str]:
        if isinstance(i, slice):
            return [label_of(a) for a in self._addrs[i]]
        return label_of(self._addrs[i])


def add_many(
    h: Handle, addresses: Iterable[Address], *, replace: bool = False, check: bool = True
) -> list[KernelError | None]:
    """Add many addresses, pipelined (many requests per send, acks collected in bulk).

    Equivalent to: ip -batch FILE (one ``addr add`` line per address)

    Returns one entry per address, ``None`` or its :class:`~rawns.errors.KernelError`;
    with ``check`` the first error is raised once every ack is in.
    :class:`ValueError`/:class:`TypeError` for a value that is not an
    :class:`Address`, one from another namespace, or a label that does not
    match its device (nothing sent).
    """
    _check.handle(h)
    _check.boolean(replace, "replace")
    _check.boolean(check, "check")
    if not isinstance(addresses, Iterable) or isinstance(addresses, str | bytes):
        raise TypeError(f"addresses must be an iterable of Address, not {_check._show(addresses)}")
    addrs = list(addresses)
    names: dict[int, str] = {}
    for a in addrs:
        if not isinstance(a, Address):
            raise TypeError(f"addresses must hold Address values, not {_check._show(a)}")
        _check.same_netns(a.origin, h, "address", label_of(a))
    for a in addrs:  # the labels, once every value is known to be good
        if a.label is not None and a.origin is None:
            if a.index not in names:
                names[a.index] = _dev_name(h, None, a.index)
            _check_label(names[a.index], a.label)
    if not replace:
        # An address given twice: the second add would fail (EEXIST) after the
        # first was made. The kernel keys an address by device, local address and
        # prefix length (and peer).
        first: dict[tuple[object, ...], int] = {}
        for i, a in enumerate(addrs):
            j = first.setdefault((a.index, a.address, a.peer), i)
            if j != i:
                raise ValueError(
                    f"addresses[{i}] ({label_of(a)}) repeats addresses[{j}]: the second add "
                    "would fail with File exists after the first (use replace=True to allow it)"
                )
    build = build_replace if replace else build_add
    return h.rtnl.pipeline(
        [build(a) for a in addrs], op="RTM_NEWADDR", targets=_Labels(addrs), check=check
    )
