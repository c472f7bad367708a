"""Building blocks that produce the expression lists nft produces for common matches.

Each function returns a list of expressions, in the order ``nft
--debug=netlink`` prints them for the equivalent nft words, so that rules
built from these are byte-identical to nft's (checked by the golden tests):

>>> [e.debug() for e in ip_addr("saddr", "192.168.15.0/24")]
['[ payload load 3b @ network header + 12 => reg 1 ]', '[ cmp eq reg 1 0x000fa8c0 ]']
>>> [e.debug() for e in ifname("oif", "v-net-0", negate=True)]
['[ meta load oifname => reg 1 ]', '[ cmp neq reg 1 0x656e2d76 0x00302d74 0x00000000 0x00000000 ]']

Addresses are normalised once, here: ``str`` or :mod:`ipaddress` values,
networks as ``"10.0.0.0/8"``. ``table_family="inet"`` adds the ``meta
nfproto`` guard nft puts in front of address matches in inet tables.
"""

from __future__ import annotations

import _socket
import collections
import functools
import sys
from collections.abc import Iterable

from .. import _check
from .._nfnl import IP_CT, NF_CT_STATE, NFPROTO, NFT_CMP, NFT_CT, NFT_META, NFT_PAYLOAD
from . import _args
from ._codec import Verdict
from .expr import (
    Bitwise,
    Cmp,
    Counter,
    Ct,
    Expr,
    Immediate,
    Lookup,
    Meta,
    Payload,
    Range,
    check_exprs,
)

TYPE_CHECKING = False  # not typing's: a script building one transaction would load typing
if TYPE_CHECKING:  # the sets' modules load with the first set (in_set), not with every match
    import ipaddress
    from typing import NamedTuple

    from .sets import Set

    IPValue = (
        str
        | ipaddress.IPv4Address
        | ipaddress.IPv6Address
        | ipaddress.IPv4Network
        | ipaddress.IPv6Network
    )

    class _NetFields(NamedTuple):
        version: int
        packed: bytes
        prefixlen: int

else:  # the same named tuple, without typing
    _NetFields = collections.namedtuple("_NetFields", ("version", "packed", "prefixlen"))

__all__ = [
    "CT_STATES",
    "IPValue",
    "accept",
    "counter",
    "ct_state",
    "drop",
    "goto",
    "ifname",
    "in_set",
    "ip_addr",
    "jump",
    "l4proto",
    "mark",
    "nfproto",
    "parse_net",
    "port",
    "proto_number",
    "return_",
    "verdict",
]

if not TYPE_CHECKING:  # mypy sees IPValue above

    def __getattr__(name: str) -> object:
        """``IPValue`` at run time: made on first look-up, as it needs :mod:`ipaddress`
        (an import a script that matches only ``str`` addresses never pays)."""
        if name != "IPValue":
            raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
        import ipaddress

        value = globals()[name] = (
            str
            | ipaddress.IPv4Address
            | ipaddress.IPv6Address
            | ipaddress.IPv4Network
            | ipaddress.IPv6Network
        )
        return value


#: ct state keywords -> NF_CT_STATE bits (NF_CT_STATE_BIT(ctinfo) = 1 << (ctinfo + 1)).
CT_STATES: dict[str, int] = {
    "invalid": int(NF_CT_STATE.INVALID_BIT),
    "established": 1 << (IP_CT.ESTABLISHED + 1),
    "related": 1 << (IP_CT.RELATED + 1),
    "new": 1 << (IP_CT.NEW + 1),
    "untracked": int(NF_CT_STATE.UNTRACKED_BIT),
}
# header offsets (RFC 791 / RFC 8200)
_ADDR_OFFSETS = {(4, "saddr"): 12, (4, "daddr"): 16, (6, "saddr"): 8, (6, "daddr"): 24}
_PORT_OFFSETS = {"sport": 0, "dport": 2}
_NFPROTO_OF = {4: int(NFPROTO.IPV4), 6: int(NFPROTO.IPV6)}
# Plain ints for the expressions built per rule: they take the expressions'
# fast check (see expr._match), and equal what a dump decodes, repr included.
_NETWORK_HEADER = int(NFT_PAYLOAD.NETWORK_HEADER)
_EQ, _NEQ = int(NFT_CMP.EQ), int(NFT_CMP.NEQ)
_GTE, _LTE = int(NFT_CMP.GTE), int(NFT_CMP.LTE)
_IFNAME_KEYS = {"iif": int(NFT_META.IIFNAME), "oif": int(NFT_META.OIFNAME)}
_IFNAME_WHAT = {"iif": "iifname", "oif": "oifname"}
_CT_STATE = int(NFT_CT.STATE)


def proto_number(proto: str | int, what: str = "proto") -> int:
    """``"tcp"`` -> 6; ints pass through (0..255); ValueError naming the known names."""
    return _args.proto_number(proto, what)


def nfproto(version: int) -> list[Expr]:
    """``meta nfproto ipv4|ipv6``: the guard nft adds to address matches in inet tables."""
    _check.integer(version, "version", 4, 6)
    if version not in _NFPROTO_OF:
        raise ValueError(f"version must be 4 or 6, not {version!r}")
    return [
        Meta(key=int(NFT_META.NFPROTO)),
        Cmp(data=bytes((_NFPROTO_OF[version],))),
    ]


class Net(_NetFields):
    """An address or network, parsed: IP version, packed network address, prefix length."""

    __slots__ = ()

    @property
    def mask(self) -> bytes:
        bits = len(self.packed) * 8
        return (((1 << self.prefixlen) - 1) << (bits - self.prefixlen)).to_bytes(
            len(self.packed), "big"
        )


def parse_net(value: IPValue, what: str = "address") -> Net:
    """Normalise an address or network (``str`` or :mod:`ipaddress`) once, at the edge.

    Host bits are cleared (``10.1.2.3/8`` is ``10.0.0.0/8``, as nft does).
    A zone id (``fe80::1%eth0``) is refused: nf_tables matches addresses
    only. Raises TypeError/ValueError naming ``what`` and the value.
    """
    if isinstance(value, str):
        return _parse_text(value, what)
    import ipaddress  # loaded by whoever made such a value: no import cost here

    if isinstance(value, ipaddress.IPv4Address | ipaddress.IPv6Address):
        _check.no_zone(value, what)
        return Net(value.version, value.packed, value.max_prefixlen)
    if isinstance(value, ipaddress.IPv4Network | ipaddress.IPv6Network):
        _check.no_zone(value, what)
        return Net(value.version, value.network_address.packed, value.prefixlen)
    raise TypeError(
        f"{what} must be an IP address or network (str or ipaddress), "
        f"not {type(value).__name__}: {value!r:.80}"
    )


@functools.lru_cache(maxsize=4096)
def _parse_text(value: str, what: str) -> Net:
    # Strings take a fast path through inet_pton, which refuses zone ids too.
    addr, slash, plen = value.partition("/")
    fam, bits, version = (_socket.AF_INET6, 128, 6) if ":" in addr else (_socket.AF_INET, 32, 4)
    try:
        raw = _socket.inet_pton(fam, addr)
    except (OSError, ValueError):  # ValueError: an embedded NUL
        _check.no_zone(value, what)
        raise ValueError(f"{what} {value!r:.80} is not an IP address or network") from None
    if slash:
        if not (plen.isascii() and plen.isdigit()) or not 0 <= int(plen) <= bits:
            raise ValueError(f"{what} {value!r:.80} has a bad prefix length (0..{bits})")
        n = int(plen)
    else:
        n = bits
    if n < bits:
        keep = ((1 << n) - 1) << (bits - n)
        raw = (int.from_bytes(raw, "big") & keep).to_bytes(len(raw), "big")
    return Net(version, raw, n)


def _table_family(value: object) -> str | None:
    return _args.optional_family(value, "table_family")


def ip_addr(
    which: str, value: IPValue, *, negate: bool = False, table_family: str | None = None
) -> list[Expr]:
    """``ip saddr 10.0.0.0/8`` / ``ip6 daddr fd00::1`` / ``ip saddr != ...``.

    A prefix on a byte boundary loads only the prefix bytes; any other
    prefix loads the whole address and masks it (nft's optimisation). A /0
    matches everything and yields no expressions.
    """
    _check.choice(which, "which", ("saddr", "daddr"))
    net = parse_net(value, which)
    _check.boolean(negate, "negate")
    return _ip_match(which, net, negate, _table_family(table_family) == "inet")


def _ip_match(which: str, net: Net, negate: bool, inet: bool) -> list[Expr]:
    """:func:`ip_addr` for arguments already checked (``which`` a key of _ADDR_OFFSETS)."""
    plen = net.prefixlen
    if plen == 0:
        return []
    out: list[Expr] = nfproto(net.version) if inet else []
    op = _NEQ if negate else _EQ
    offset = _ADDR_OFFSETS[(net.version, which)]
    packed = net.packed
    if plen % 8 == 0:
        n = plen // 8
        out += [_network_load(offset, n), Cmp(data=packed[:n], op=op)]
    else:
        n = len(packed)
        out += [
            _network_load(offset, n),
            Bitwise(len=n, mask=net.mask, xor=bytes(n)),
            Cmp(data=packed, op=op),
        ]
    return out


@functools.lru_cache(maxsize=64)
def _network_load(offset: int, n: int) -> Payload:
    # shared, as below: an address match loads one of a few (offset, length) pairs
    return Payload(base=_NETWORK_HEADER, offset=offset, len=n)


def ifname(which: str, name: str, *, negate: bool = False) -> list[Expr]:
    """``iifname "eth0"`` / ``oifname != "v-net-0"``; a trailing ``*`` matches a prefix.

    ``name`` is an interface name (1..15 bytes; no NUL, ``%``, ``/``, ``:``
    or whitespace), or such a prefix followed by ``*``.
    """
    _check.choice(which, "which", ("iif", "oif"))
    _args.ifname_match(name, _IFNAME_WHAT[which])
    _check.boolean(negate, "negate")
    return list(_ifname(which, name, negate))


# Helpers hand out shared instances of the expressions rulesets repeat, so
# that each is built and encoded once (see Expr.encode); they are immutable.
@functools.lru_cache(maxsize=1024)
def _ifname(which: str, name: str, negate: bool) -> tuple[Expr, ...]:
    # checked by the caller: which "iif"/"oif", a valid interface name (or a
    # valid prefix and "*"), negate a bool
    raw = name.encode()
    data = raw[:-1] if raw.endswith(b"*") else raw.ljust(16, b"\0")
    return Meta(key=_IFNAME_KEYS[which]), Cmp(data=data, op=_NEQ if negate else _EQ)


def l4proto(proto: str | int) -> list[Expr]:
    """``meta l4proto tcp``."""
    return list(_l4proto(_args.proto_number(proto, "proto")))


@functools.lru_cache(maxsize=64)
def _l4proto(proto: int) -> tuple[Expr, ...]:
    return Meta(key=int(NFT_META.L4PROTO)), Cmp(data=bytes((proto,)))


_PORT_LOADS = {
    which: Payload(base=int(NFT_PAYLOAD.TRANSPORT_HEADER), offset=off, len=2)
    for which, off in _PORT_OFFSETS.items()
}


def port(
    which: str, proto: str | int, value: int | tuple[int, int], *, negate: bool = False
) -> list[Expr]:
    """``tcp dport 80`` / ``udp sport 1000-2000`` (with nft's ``meta l4proto`` dependency).

    ``proto`` is one with ports (tcp, udp, udplite, sctp, dccp); ``value`` a
    port 0..65535 or a ``(first, last)`` range with first <= last.
    """
    _check.choice(which, "which", _PORT_OFFSETS)
    number = _args.proto_number(proto, "proto", ports=True)
    _check.boolean(negate, "negate")
    if isinstance(value, tuple | list):
        if len(value) != 2:
            raise ValueError(f"{which} must be a port or a (first, last) pair, not {value!r:.80}")
        first = _check.port(value[0], which, zero=True)
        last = _check.port(value[1], which, zero=True)
        if first > last:
            raise ValueError(f"{which} {value!r}: first port {first} is after last port {last}")
        return _port_match(which, number, first, last, negate)
    return _port_match(which, number, _check.port(value, which, zero=True), None, negate)


def _port_match(which: str, proto: int, first: int, last: int | None, negate: bool) -> list[Expr]:
    """:func:`port` for arguments already checked: a port, or a ``first..last`` range."""
    out = [*_l4proto(proto), _PORT_LOADS[which]]
    lo = first.to_bytes(2, "big")
    if last is None:
        out.append(Cmp(data=lo, op=_NEQ if negate else _EQ))
    elif negate:
        out.append(Range(low=lo, high=last.to_bytes(2, "big"), op=1))
    else:
        out += [Cmp(data=lo, op=_GTE), Cmp(data=last.to_bytes(2, "big"), op=_LTE)]
    return out


def ct_state(*states: str, negate: bool = False) -> list[Expr]:
    """``ct state established,related`` (matches if any of the bits is set)."""
    if not states:
        raise ValueError("ct_state needs at least one state")
    _check.boolean(negate, "negate")
    bits = 0
    for s in states:
        bits |= CT_STATES[_check.choice(s, "state", CT_STATES)]
    value = bits.to_bytes(4, sys.byteorder)
    if negate and len(states) == 1:
        # nft: "ct state != established" is a plain inequality, no mask
        return [Ct(key=_CT_STATE), Cmp(data=value, op=_NEQ)]
    mask = value
    return [
        Ct(key=_CT_STATE),
        Bitwise(len=4, mask=mask, xor=bytes(4)),
        Cmp(data=bytes(4), op=_EQ if negate else _NEQ),
    ]


def mark(value: int, *, negate: bool = False) -> list[Expr]:
    """``meta mark 0x2a`` (the mark is host byte order; a u32)."""
    _check.uint(value, 32, "mark")
    _check.boolean(negate, "negate")
    return [
        Meta(key=int(NFT_META.MARK)),
        Cmp(data=value.to_bytes(4, sys.byteorder), op=_NEQ if negate else _EQ),
    ]


def in_set(
    match: list[Expr], set: str | Set, *, negate: bool = False, vmap: bool = False
) -> list[Expr]:
    """Replace the final comparison of ``match`` by a set lookup: ``ip saddr @allowed``.

    ``match`` is what :func:`ip_addr`/:func:`port` return (its load
    expressions are kept, its trailing cmp dropped). ``set`` is a set's name
    or a queued :class:`~rawns.nft.Set` (an anonymous one is looked up by
    its batch id). ``vmap`` makes it a verdict-map lookup (``tcp dport vmap @m``).
    """
    from .sets import Set

    loads = list(check_exprs(match, "match"))
    if not isinstance(set, Set):
        _check.nft_name(set, "set")
    _check.boolean(negate, "negate")
    _check.boolean(vmap, "vmap")
    while loads and isinstance(loads[-1], Cmp | Bitwise):
        loads.pop()
    name, sid = (set.name, set.id) if isinstance(set, Set) else (set, None)
    flags = 1 if negate else 0
    return [*loads, Lookup(set=name, dreg=0 if vmap else None, flags=flags, set_id=sid)]


def verdict(kind: str, chain: str | None = None) -> Immediate:
    """``accept``, ``drop``, ``return``, ``jump CHAIN``, ``goto CHAIN`` as an expression."""
    Verdict(kind, chain)  # checks both (and makes them hashable for the cache below)
    return _verdict(kind, chain)


@functools.lru_cache(maxsize=256)
def _verdict(kind: str, chain: str | None) -> Immediate:
    return Immediate(data=Verdict(kind, chain), dreg=0)


def accept() -> Immediate:
    return _verdict("accept", None)


def drop() -> Immediate:
    return _verdict("drop", None)


def jump(chain: str) -> Immediate:
    return verdict("jump", _check.nft_name(chain, "chain"))


def goto(chain: str) -> Immediate:
    return verdict("goto", _check.nft_name(chain, "chain"))


def return_() -> Immediate:
    return _verdict("return", None)


def counter() -> Counter:
    return Counter()


def flatten(parts: Iterable[Expr | list[Expr]]) -> list[Expr]:
    """Join expressions and expression lists into one list."""
    if isinstance(parts, Expr | str | bytes) or not isinstance(parts, Iterable):
        raise TypeError(
            f"parts must be a list of expressions and expression lists, not {parts!r:.80}"
        )
    out: list[Expr] = []
    for p in parts:
        if isinstance(p, list | tuple):
            out += check_exprs(p, "parts")
        else:
            out.append(_args.expect(p, Expr, "parts[]"))
    return out


__all__ += ["flatten"]
