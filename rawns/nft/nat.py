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

from .. import _check
from .._nfnl import NF_NAT_RANGE, NFPROTO, NFT_NAT, NFT_REJECT, NFT_REJECT_ICMPX
from . import _args
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


def _version(*named: tuple[IPValue | None, str]) -> int | None:
    """The IP version of the addresses given (each checked, named); they must agree."""
    v: int | None = None
    for x, what in named:
        if x is None:
            continue
        ver = parse_net(x, what).version
        if v is not None and ver != v:
            values = tuple(x for x, _ in named)
            raise ValueError(f"addresses mix IPv4 and IPv6: {values!r:.120}")
        v = ver
    return v


def _iface(iface: str | None, not_iface: str | None, which: str) -> list[Expr]:
    if iface is not None and not_iface is not None:
        raise ValueError(f"give {which} or not_{which}, not both ({iface!r}, {not_iface!r})")
    if iface is not None:
        _args.ifname_match(iface, which)
        return ifname(which, iface)
    if not_iface is not None:
        _args.ifname_match(not_iface, f"not_{which}")
        return ifname(which, not_iface, negate=True)
    return []


def _nat_ports(ports: object, what: str) -> tuple[int, int | None] | None:
    """A NAT target port (1..65535) or ``(first, last)`` range, first <= last."""
    if ports is None:
        return None
    if isinstance(ports, tuple | list):
        return _check.port_range(ports, what)
    return _check.port(ports, what), None


def _port_regs(
    ports: tuple[int, int | None] | None, first_reg: int
) -> tuple[list[Expr], int | None, int | None]:
    """Immediates loading a port (range) into registers, as nft does for ``to :P[-Q]``."""
    if ports is None:
        return [], None, None
    lo, hi = ports
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
    _check.boolean(random, "random")
    _check.boolean(fully_random, "fully_random")
    _check.boolean(persistent, "persistent")
    f = 0
    if random:
        f |= _RANDOM
    if fully_random:
        f |= _FULLY_RANDOM
    if persistent:
        f |= _PERSISTENT
    return int(f)


def _proto(proto: str | int | None, ports: object, helper: str) -> int | None:
    """The protocol of a NAT rule; one with ports when a port (range) is given."""
    if proto is None:
        if ports is not None:
            raise ValueError(
                f"{helper} to a port or port range needs proto='tcp' or 'udp' (as nft does)"
            )
        return None
    return _args.proto_number(proto, "proto", ports=ports is not None)


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
    Every argument is checked first: TypeError/ValueError naming it.
    """
    _version((source, "source"))
    target = _nat_ports(ports, "ports")
    number = _proto(proto, ports, "masquerade")
    flags = _nat_flags(random, fully_random, persistent)
    table_family = _args.optional_family(table_family, "table_family")
    out: list[Expr] = []
    if source is not None:
        out += ip_addr("saddr", source, table_family=table_family)
    out += _iface(oif, not_oif, "oif")
    if number is not None:
        out += l4proto(number)
    regs, pmin, pmax = _port_regs(target, 1)
    out += regs
    if pmin is not None:
        flags |= _PROTO_SPECIFIED
    out.append(_masq(int(flags), pmin, pmax))
    return out


def _first(to: IPValue | tuple[IPValue, IPValue], what: str) -> IPValue:
    """The address, or the first of an ``(first, last)`` range (any other tuple is refused)."""
    if isinstance(to, tuple):
        if len(to) != 2:
            raise ValueError(f"{what} must be an address or a (first, last) pair, not {to!r:.80}")
        return to[0]
    return to


def _to_addrs(to: IPValue | tuple[IPValue, IPValue], what: str) -> tuple[list[bytes], int]:
    vals = list(to) if isinstance(to, tuple) else [to]
    nets = []
    for v in vals:
        net = parse_net(v, what)
        if net.prefixlen != len(net.packed) * 8:
            raise ValueError(f"{what} {v!r:.80} is a network, not an address")
        nets.append(net)
    if len({n.version for n in nets}) != 1:
        raise ValueError(f"{what} range {to!r:.80} mixes IPv4 and IPv6")
    if len(nets) == 2 and nets[0].packed > nets[1].packed:
        raise ValueError(f"{what} range {to!r:.80}: the first address is after the last")
    return [n.packed for n in nets], nets[0].version


def _nat(
    kind: int,
    addrs: tuple[list[bytes], int],
    ports: tuple[int, int | None] | None,
    flags: int,
) -> list[Expr]:
    packed, version = addrs
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
    Every argument is checked first: TypeError/ValueError naming it.
    """
    addrs = _to_addrs(to, "to")
    _version((source, "source"), (_first(to, "to"), "to"))
    target = _nat_ports(ports, "ports")
    number = _proto(proto, ports, "snat")
    flags = _nat_flags(random, fully_random, persistent)
    table_family = _args.optional_family(table_family, "table_family")
    out: list[Expr] = []
    if source is not None:
        out += ip_addr("saddr", source, table_family=table_family)
    out += _iface(oif, not_oif, "oif")
    if number is not None:
        out += l4proto(number)
    return out + _nat(_SNAT, addrs, target, flags)


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
    Every argument is checked first: TypeError/ValueError naming it.
    """
    _args.proto_number(proto, "proto", ports=True)
    if isinstance(dport, tuple | list):
        _check.port_range(dport, "dport")
    else:
        _check.port(dport, "dport")
    addrs = _to_addrs(to, "to")
    _version((daddr, "daddr"), (_first(to, "to"), "to"))
    target = _nat_ports(to_port, "to_port")
    table_family = _args.optional_family(table_family, "table_family")
    out = _iface(iif, not_iif, "iif")
    if daddr is not None:
        out += ip_addr("daddr", daddr, table_family=table_family)
    out += port("dport", proto, dport)
    return out + _nat(_DNAT, addrs, target, 0)


def accept_established() -> list[Expr]:
    """``ct state established,related accept``: let replies and related traffic through."""
    return [*ct_state("established", "related"), accept()]


#: The actions of :func:`filter_rule`.
ACTIONS = ("accept", "drop", "reject", "return")


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
    state: tuple[str, ...] | str | None = None,
    counter: bool = False,
    table_family: str | None = None,
) -> list[Expr]:
    """A filter rule: the given matches, then ``action`` (accept, drop, reject, return).

    Matches come in nft's order: ``iifname oifname ip saddr ip daddr tcp sport
    tcp dport ct state [counter] ACTION``. Equivalent to: nft add rule inet
    filter input iifname "eth0" tcp dport 22 accept. ``state`` is one ct
    state or a tuple of them. Every argument is checked first.
    """
    _check.choice(action, "action", ACTIONS)
    version = _version((saddr, "saddr"), (daddr, "daddr"))
    _check.boolean(counter, "counter")
    table_family = _args.optional_family(table_family, "table_family")
    if (sport is not None or dport is not None) and proto is None:
        raise ValueError("matching a port needs proto='tcp' or 'udp'")
    if proto is not None:
        _args.proto_number(proto, "proto", ports=sport is not None or dport is not None)
    states: tuple[str, ...] = ()
    if isinstance(state, str):
        states = (state,)
    elif state is not None:
        if not isinstance(state, tuple | list):
            raise TypeError(f"state must be a ct state or a tuple of them, not {state!r:.80}")
        states = tuple(state)
    out: list[Expr] = []
    out += _iface(iif, not_iif, "iif")
    out += _iface(oif, not_oif, "oif")
    if saddr is not None:
        out += ip_addr("saddr", saddr, table_family=table_family)
    if daddr is not None:
        guard = table_family if saddr is None else None  # one nfproto guard per statement
        out += ip_addr("daddr", daddr, table_family=guard)
    if sport is not None or dport is not None:
        assert proto is not None
        if sport is not None:
            out += port("sport", proto, sport)
        if dport is not None:
            # nft emits the l4proto dependency once per statement
            out += port("dport", proto, dport) if sport is None else port("dport", proto, dport)[2:]
    elif proto is not None:
        out += l4proto(proto)
    if states:
        out += ct_state(*states)
    if counter:
        out.append(Counter())
    if action == "reject":
        out.append(_reject(table_family, version))
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


def allow(
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
    state: tuple[str, ...] | str | None = None,
    counter: bool = False,
    table_family: str | None = None,
) -> list[Expr]:
    """:func:`filter_rule` with ``accept``: ``allow(iif="eth0", proto="tcp", dport=22)``.

    Equivalent to: nft add rule inet filter input iifname "eth0" tcp dport 22 accept.
    """
    return filter_rule(
        "accept",
        iif=iif,
        oif=oif,
        not_iif=not_iif,
        not_oif=not_oif,
        saddr=saddr,
        daddr=daddr,
        proto=proto,
        sport=sport,
        dport=dport,
        state=state,
        counter=counter,
        table_family=table_family,
    )


def block(
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
    state: tuple[str, ...] | str | None = None,
    counter: bool = False,
    table_family: str | None = None,
) -> list[Expr]:
    """:func:`filter_rule` with ``drop``: ``block(saddr="10.0.0.0/8")``.

    Equivalent to: nft add rule inet filter input ip saddr 10.0.0.0/8 drop.
    """
    return filter_rule(
        "drop",
        iif=iif,
        oif=oif,
        not_iif=not_iif,
        not_oif=not_oif,
        saddr=saddr,
        daddr=daddr,
        proto=proto,
        sport=sport,
        dport=dport,
        state=state,
        counter=counter,
        table_family=table_family,
    )
