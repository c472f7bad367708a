"""NAT and basic filter helpers: the expression lists nft produces for the seed's lines.

- ``iptables -t nat -A POSTROUTING -s 192.168.15.0/24 -j MASQUERADE`` is
  ``masquerade(source="192.168.15.0/24")``;
- nft's ``ip saddr 192.168.15.0/24 oifname != "v-net-0" masquerade`` is
  ``masquerade(source="192.168.15.0/24", not_oif="v-net-0")``;
- ``iptables -t nat -A PREROUTING -p tcp --dport 80 -j DNAT --to-destination
  192.168.15.2:80`` is ``port_forward(80, to="192.168.15.2", to_port=80)``;
- nft's ``ip saddr 10.0.0.0/8 snat to 1.2.3.4`` is
  ``snat(to="1.2.3.4", source="10.0.0.0/8")``;
- nft's ``ct state established,related accept`` is ``accept_established()``.

Each helper returns a list of expressions for ``tx.add_rule(chain, ...)``,
in the order ``nft --debug=netlink`` prints them for the equivalent nft
rule (checked byte for byte by tests/unit/test_nft_golden.py). The address
family follows the addresses given (IPv4 or IPv6); pass
``table_family="inet"`` when the rule goes into an inet table, where nft
guards address matches with ``meta nfproto``.
"""

from __future__ import annotations

import functools

from .._nfnl import NF_NAT_RANGE, NFPROTO, NFT_NAT, NFT_REJECT, NFT_REJECT_ICMPX
from .expr import Counter, Expr, Immediate, Masq, Nat, Reject
from .match import (
    IPValue,
    accept,
    ct_state,
    drop,
    flatten,
    ifname,
    ip_addr,
    l4proto,
    parse_net,
    port,
    verdict,
)

__all__ = [
    "accept_established",
    "allow",
    "block",
    "filter_rule",
    "masquerade",
    "port_forward",
    "snat",
]

Ports = int | tuple[int, int]

# plain ints: IntFlag arithmetic allocates a new enum member each time
_RANDOM = int(NF_NAT_RANGE.PROTO_RANDOM)
_FULLY_RANDOM = int(NF_NAT_RANGE.PROTO_RANDOM_FULLY)
_PERSISTENT = int(NF_NAT_RANGE.PERSISTENT)
_PROTO_SPECIFIED = int(NF_NAT_RANGE.PROTO_SPECIFIED)
_IPV4, _IPV6 = int(NFPROTO.IPV4), int(NFPROTO.IPV6)
_SNAT, _DNAT = int(NFT_NAT.SNAT), int(NFT_NAT.DNAT)


def _version(*values: IPValue | None) -> int | None:
    v: int | None = None
    for x in values:
        if x is None:
            continue
        ver = parse_net(x).version
        if v is not None and ver != v:
            raise ValueError(f"addresses mix IPv4 and IPv6: {values!r}")
        v = ver
    return v


def _iface(oif: str | None, not_oif: str | None, which: str = "oif") -> list[Expr]:
    if oif is not None and not_oif is not None:
        raise ValueError(f"give {which} or not_{which}, not both")
    if oif is not None:
        return ifname(which, oif)
    if not_oif is not None:
        return ifname(which, not_oif, negate=True)
    return []


def _port_regs(ports: Ports | None, first_reg: int) -> tuple[list[Expr], int | None, int | None]:
    """Immediates loading a port (range) into registers, as nft does for ``to :P[-Q]``."""
    if ports is None:
        return [], None, None
    lo, hi = ports if isinstance(ports, tuple) else (ports, None)
    for p in (lo, hi):
        if p is not None and (isinstance(p, bool) or not isinstance(p, int)):
            raise TypeError(f"port must be an int, not {p!r}")
        if p is not None and not 0 <= p <= 0xFFFF:
            raise ValueError(f"port {p!r} is out of range")
    out: list[Expr] = [_port_imm(lo, first_reg)]
    rmax = None
    if hi is not None:
        out.append(_port_imm(hi, first_reg + 1))
        rmax = first_reg + 1
    return out, first_reg, rmax


# Shared instances of what repeats across rules (each encodes once; see Expr.encode).
@functools.lru_cache(maxsize=1024)
def _port_imm(port: int, reg: int) -> Immediate:
    return Immediate(data=port.to_bytes(2, "big"), dreg=reg)


@functools.lru_cache(maxsize=256)
def _masq(flags: int, pmin: int | None, pmax: int | None) -> Masq:
    return Masq(flags=flags, reg_proto_min=pmin, reg_proto_max=pmax)


@functools.lru_cache(maxsize=256)
def _nat_expr(
    kind: int, family: int, amax: int | None, pmin: int | None, pmax: int | None, flags: int
) -> Nat:
    return Nat(
        type=kind,
        family=family,
        reg_addr_min=1,
        reg_addr_max=amax,
        reg_proto_min=pmin,
        reg_proto_max=pmax,
        flags=flags,
    )


def _nat_flags(random: bool, fully_random: bool, persistent: bool) -> int:
    f = 0
    if random:
        f |= _RANDOM
    if fully_random:
        f |= _FULLY_RANDOM
    if persistent:
        f |= _PERSISTENT
    return int(f)


def masquerade(
    source: IPValue | None = None,
    *,
    oif: str | None = None,
    not_oif: str | None = None,
    proto: str | int | None = None,
    ports: Ports | None = None,
    random: bool = False,
    fully_random: bool = False,
    persistent: bool = False,
    table_family: str | None = None,
) -> list[Expr]:
    """Masquerade traffic from ``source`` leaving by ``oif`` (or by any but ``not_oif``).

    Equivalent to: nft add rule ip nat postrouting ip saddr SOURCE [oifname [!=] IF]
    masquerade (iptables: -t nat -A POSTROUTING -s SOURCE [-o IF] -j MASQUERADE).
    A port range (``ports=(1024, 2000)``) needs ``proto`` ("tcp"/"udp").
    """
    out: list[Expr] = []
    if source is not None:
        out += ip_addr("saddr", source, table_family=table_family)
    out += _iface(oif, not_oif)
    if ports is not None and proto is None:
        raise ValueError("masquerade to a port range needs proto='tcp' or 'udp' (as nft does)")
    if proto is not None:
        out += l4proto(proto)
    regs, pmin, pmax = _port_regs(ports, 1)
    out += regs
    flags = _nat_flags(random, fully_random, persistent)
    if pmin is not None:
        flags |= _PROTO_SPECIFIED
    out.append(_masq(int(flags), pmin, pmax))
    return out


def _first(to: IPValue | tuple[IPValue, IPValue]) -> IPValue:
    """The address, or the first of an ``(first, last)`` range (any other tuple is refused)."""
    if isinstance(to, tuple):
        if len(to) != 2:
            raise ValueError(f"NAT target range must be (first, last), not {to!r}")
        return to[0]
    return to


def _to_addrs(to: IPValue | tuple[IPValue, IPValue]) -> tuple[list[bytes], int]:
    vals = list(to) if isinstance(to, tuple) else [to]
    nets = []
    for v in vals:
        try:
            net = parse_net(v)
        except (ValueError, TypeError):
            raise ValueError(f"NAT target {v!r} is not an IP address") from None
        if net.prefixlen != len(net.packed) * 8:
            raise ValueError(f"NAT target {v!r} is a network, not an address")
        nets.append(net)
    if len({n.version for n in nets}) != 1:
        raise ValueError(f"NAT target range {to!r} mixes IPv4 and IPv6")
    return [n.packed for n in nets], nets[0].version


def _nat(
    kind: int,
    to: IPValue | tuple[IPValue, IPValue],
    ports: Ports | None,
    flags: int,
) -> list[Expr]:
    packed, version = _to_addrs(to)
    out: list[Expr] = [Immediate(data=p, dreg=i) for i, p in enumerate(packed, 1)]
    amax = 2 if len(packed) == 2 else None
    regs, pmin, pmax = _port_regs(ports, len(packed) + 1)
    out += regs
    if pmin is not None:
        flags |= _PROTO_SPECIFIED
    family = _IPV4 if version == 4 else _IPV6
    out.append(_nat_expr(kind, family, amax, pmin, pmax, int(flags)))
    return out


def snat(
    to: IPValue | tuple[IPValue, IPValue],
    *,
    source: IPValue | None = None,
    oif: str | None = None,
    not_oif: str | None = None,
    proto: str | int | None = None,
    ports: Ports | None = None,
    random: bool = False,
    fully_random: bool = False,
    persistent: bool = False,
    table_family: str | None = None,
) -> list[Expr]:
    """Source NAT to address ``to`` (or an ``(first, last)`` range), optionally ports.

    Equivalent to: nft add rule ip nat postrouting ip saddr SOURCE [oifname IF]
    [meta l4proto P] snat to ADDR[:PORT[-PORT]] (iptables: -j SNAT --to-source).
    """
    out: list[Expr] = []
    first = _first(to)
    _version(source, first)
    if source is not None:
        out += ip_addr("saddr", source, table_family=table_family)
    out += _iface(oif, not_oif)
    if ports is not None and proto is None:
        raise ValueError("snat to a port range needs proto='tcp' or 'udp' (as nft does)")
    if proto is not None:
        out += l4proto(proto)
    return out + _nat(_SNAT, to, ports, _nat_flags(random, fully_random, persistent))


def port_forward(
    dport: Ports,
    *,
    to: IPValue | tuple[IPValue, IPValue],
    to_port: Ports | None = None,
    proto: str = "tcp",
    iif: str | None = None,
    not_iif: str | None = None,
    daddr: IPValue | None = None,
    table_family: str | None = None,
) -> list[Expr]:
    """DNAT ``proto`` traffic to ``dport`` (arriving on ``iif``, for ``daddr``) to ``to:to_port``.

    Equivalent to: nft add rule ip nat prerouting [iifname IF] [ip daddr D]
    tcp dport P dnat to ADDR[:PORT] (iptables: -t nat -A PREROUTING -p tcp
    --dport P -j DNAT --to-destination ADDR:PORT). IPv6 when the addresses are.
    """
    if proto not in ("tcp", "udp", "sctp", "dccp"):
        raise ValueError(f"port_forward needs a port protocol (tcp, udp ...), not {proto!r}")
    first = _first(to)
    _version(daddr, first)
    out = _iface(iif, not_iif, "iif")
    if daddr is not None:
        out += ip_addr("daddr", daddr, table_family=table_family)
    out += port("dport", proto, dport)
    return out + _nat(_DNAT, to, to_port, 0)


def accept_established() -> list[Expr]:
    """``ct state established,related accept``: let replies and related traffic through."""
    return [*ct_state("established", "related"), accept()]


def filter_rule(
    action: str = "accept",
    *,
    iif: str | None = None,
    oif: str | None = None,
    not_iif: str | None = None,
    not_oif: str | None = None,
    saddr: IPValue | None = None,
    daddr: IPValue | None = None,
    proto: str | int | None = None,
    sport: Ports | None = None,
    dport: Ports | None = None,
    state: tuple[str, ...] | None = None,
    counter: bool = False,
    table_family: str | None = None,
) -> list[Expr]:
    """A filter rule: the given matches, then ``action`` (accept, drop, reject, return).

    Matches come in nft's order: ``iifname oifname ip saddr ip daddr tcp sport
    tcp dport ct state [counter] ACTION``. Equivalent to: nft add rule inet
    filter input iifname "eth0" tcp dport 22 accept.
    """
    _version(saddr, daddr)
    out: list[Expr] = []
    out += _iface(iif, not_iif, "iif")
    out += _iface(oif, not_oif, "oif")
    if saddr is not None:
        out += ip_addr("saddr", saddr, table_family=table_family)
    if daddr is not None:
        guard = table_family if saddr is None else None  # one nfproto guard per statement
        out += ip_addr("daddr", daddr, table_family=guard)
    if sport is not None or dport is not None:
        if proto is None:
            raise ValueError("matching a port needs proto='tcp' or 'udp'")
        if sport is not None:
            out += port("sport", proto, sport)
        if dport is not None:
            # nft emits the l4proto dependency once per statement
            out += port("dport", proto, dport) if sport is None else port("dport", proto, dport)[2:]
    elif proto is not None:
        out += l4proto(proto)
    if state:
        out += ct_state(*state)
    if counter:
        out.append(Counter())
    if action == "reject":
        out.append(_reject(table_family, _version(saddr, daddr)))
    else:
        out.append(verdict(action) if action != "drop" else drop())
    return flatten(out)


def _reject(table_family: str | None, version: int | None) -> Reject:
    """nft's plain ``reject``: port unreachable in the table family's ICMP flavour."""
    family = table_family or ("ip6" if version == 6 else "ip")
    if family == "ip":
        return Reject(type=NFT_REJECT.ICMP_UNREACH, code=3)  # ICMP_PORT_UNREACH
    if family == "ip6":
        return Reject(type=NFT_REJECT.ICMP_UNREACH, code=4)  # ICMPV6_PORT_UNREACH
    return Reject(type=NFT_REJECT.ICMPX_UNREACH, code=NFT_REJECT_ICMPX.PORT_UNREACH)


def allow(**matches: object) -> list[Expr]:
    """:func:`filter_rule` with ``accept``: ``allow(iif="eth0", proto="tcp", dport=22)``."""
    return filter_rule("accept", **matches)  # type: ignore[arg-type]  # same keywords


def block(**matches: object) -> list[Expr]:
    """:func:`filter_rule` with ``drop``: ``block(saddr="10.0.0.0/8")``."""
    return filter_rule("drop", **matches)  # type: ignore[arg-type]  # same keywords
