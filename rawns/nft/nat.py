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
    Net,
    _ifname,
    _ip_match,
    _l4proto,
    _port_match,
    accept,
    ct_state,
    drop,
    parse_net,
    port,
    verdict,
)

TYPE_CHECKING = False  # not typing's: importing it would cost a script more than this module
if TYPE_CHECKING:
    from .match import IPValue  # (at run time it needs ipaddress: see rawns.nft.match)

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


def _nets(*named: tuple[IPValue | None, str]) -> tuple[list[Net | None], int | None]:
    """Each address given, parsed once (errors name it), and their IP version.

    The addresses must agree on the version (None if none is given).
    """
    nets: list[Net | None] = []
    v: int | None = None
    for x, what in named:
        if x is None:
            nets.append(None)
            continue
        net = parse_net(x, what)
        if v is not None and net.version != v:
            values = tuple(x for x, _ in named)
            raise ValueError(f"addresses mix IPv4 and IPv6: {values!r:.120}")
        v = net.version
        nets.append(net)
    return nets, v


def _inet(table_family: object) -> bool:
    """Whether the rule goes into an inet table (checked: a family, or None)."""
    if table_family is None:
        return False
    return _args.optional_family(table_family, "table_family") == "inet"


def _iface(iface: str | None, not_iface: str | None, which: str) -> list[Expr]:
    """``iifname``/``oifname`` [!=] IF, each name checked once (named ``which``/``not_which``)."""
    if iface is not None and not_iface is not None:
        raise ValueError(f"give {which} or not_{which}, not both ({iface!r}, {not_iface!r})")
    if iface is not None:
        return list(_ifname(which, _args.ifname_match(iface, which), False))
    if not_iface is not None:
        return list(_ifname(which, _args.ifname_match(not_iface, f"not_{which}"), True))
    return []


def _ports(value: object, what: str) -> tuple[int, int | None]:
    """A port to match (1..65535), or a ``(first, last)`` range: ``(first, None)`` for one."""
    if isinstance(value, tuple | list):
        return _check.port_range(value, what)
    return _check.port(value, what), None


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
    if random is False and fully_random is False and persistent is False:
        return 0  # the usual case, checked
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
    net = None if source is None else parse_net(source, "source")
    target = None if ports is None else _nat_ports(ports, "ports")
    number = None if proto is None and ports is None else _proto(proto, ports, "masquerade")
    flags = _nat_flags(random, fully_random, persistent)
    inet = table_family is not None and _inet(table_family)
    out: list[Expr] = []
    if net is not None:
        out += _ip_match("saddr", net, False, inet)
    out += _iface(oif, not_oif, "oif")
    if number is not None:
        out += _l4proto(number)
    pmin = pmax = None
    if target is not None:
        regs, pmin, pmax = _port_regs(target, 1)
        out += regs
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
    """The NAT target: an address, or a ``(first, last)`` range of one IP version."""
    vals = [_first(to, what), to[1]] if isinstance(to, tuple) else [to]
    nets = []
    for v in vals:
        net = parse_net(v, what)
        if net.prefixlen != len(net.packed) * 8:
            raise ValueError(f"{what} {v!r:.80} is a network, not an address")
        nets.append(net)
    if len(nets) == 2:
        if nets[0].version != nets[1].version:
            raise ValueError(f"{what} range {to!r:.80} mixes IPv4 and IPv6")
        if nets[0].packed > nets[1].packed:
            raise ValueError(f"{what} range {to!r:.80}: the first address is after the last")
    return [n.packed for n in nets], nets[0].version


def _same_version(version: int, other: Net | None, named: tuple[object, object]) -> None:
    """Refuse a match address (``other``) of another IP version than the NAT target."""
    if other is not None and other.version != version:
        raise ValueError(f"addresses mix IPv4 and IPv6: {named!r:.120}")


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
    net = None if source is None else parse_net(source, "source")
    _same_version(addrs[1], net, (source, _first(to, "to")))
    target = _nat_ports(ports, "ports")
    number = _proto(proto, ports, "snat")
    flags = _nat_flags(random, fully_random, persistent)
    inet = _inet(table_family)
    out: list[Expr] = []
    if net is not None:
        out += _ip_match("saddr", net, False, inet)
    out += _iface(oif, not_oif, "oif")
    if number is not None:
        out += _l4proto(number)
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
    number = _args.proto_number(proto, "proto", ports=True)
    first, last = _ports(dport, "dport")
    addrs = _to_addrs(to, "to")
    net = None if daddr is None else parse_net(daddr, "daddr")
    if net is not None:
        _same_version(addrs[1], net, (daddr, _first(to, "to")))
    target = None if to_port is None else _nat_ports(to_port, "to_port")
    inet = table_family is not None and _inet(table_family)
    out = _iface(iif, not_iif, "iif")
    if net is not None:
        out += _ip_match("daddr", net, False, inet)
    out += _port_match("dport", number, first, last, False)
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
    (snet, dnet), version = _nets((saddr, "saddr"), (daddr, "daddr"))
    _check.boolean(counter, "counter")
    table_family = _args.optional_family(table_family, "table_family")
    if (sport is not None or dport is not None) and proto is None:
        raise ValueError("matching a port needs proto='tcp' or 'udp'")
    number = None
    if proto is not None:
        number = _args.proto_number(proto, "proto", ports=sport is not None or dport is not None)
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
    inet = table_family == "inet"
    if snet is not None:
        out += _ip_match("saddr", snet, False, inet)
    if dnet is not None:
        # one nfproto guard per statement
        out += _ip_match("daddr", dnet, False, inet and snet is None)
    if sport is not None or dport is not None:
        assert number is not None
        if sport is not None:
            out += port("sport", number, sport)
        if dport is not None:
            # nft emits the l4proto dependency once per statement
            out += (
                port("dport", number, dport) if sport is None else port("dport", number, dport)[2:]
            )
    elif number is not None:
        out += _l4proto(number)
    if states:
        out += ct_state(*states)
    if counter:
        out.append(Counter())
    if action == "reject":
        out.append(_reject(table_family, version))
    else:
        out.append(verdict(action) if action != "drop" else drop())
    return out


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
