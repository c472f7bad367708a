"""Composable helpers for private networks, built only from the public verbs.

Each helper is a handful of verb calls (``link.add``, ``addr.add``,
``route.add``, ``sysctl.set``, an ``nft`` transaction) with "ensure"
semantics where that is natural: an existing identical object is not an
error, a conflicting one raises :class:`~rawns.errors.Conflict` naming it, and
nothing is changed in that case. Each returns whether it created something, so
callers (like :class:`rawns.topology.Topology`) know what to undo.

The seed scenario, by hand::

    from rawns import Handle, compose, netns

    with netns.create("host") as host_ns, netns.create("red") as red, \\
            Handle.open(netns=host_ns) as host:
        compose.gateway(host, bridge="v-net-0", address="192.168.15.5/24")
        compose.connect(host, red, bridge="v-net-0", veth="veth-red",
                        bridge_end="veth-red-br", address="192.168.15.1/24",
                        gateway="192.168.15.5")
        compose.masquerade(host, source="192.168.15.0/24")
        compose.port_forward(host, 80, to="192.168.15.2", to_port=80)
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence

from . import addr, link, nft, route, sysctl
from .errors import AlreadyExists, Conflict, NotFound
from .handle import Handle
from .link import Bridge, LinkSpec, Veth
from .netns import Netns
from .nft.expr import Expr

__all__ = [
    "accept_established",
    "connect",
    "ensure_address",
    "ensure_link",
    "ensure_nat_rule",
    "ensure_route",
    "forwarding",
    "gateway",
    "masquerade",
    "port_forward",
    "snat",
]

# The nft NAT helpers themselves (pure: they return expression lists).
accept_established = nft.accept_established

IPIface = ipaddress.IPv4Interface | ipaddress.IPv6Interface


def _iface(value: str | IPIface) -> IPIface:
    try:
        return ipaddress.ip_interface(value)
    except ValueError:
        raise ValueError(f"{value!r} is not an IP address with an optional /prefix") from None


def ensure_link(h: Handle, spec: LinkSpec) -> bool:
    """Create ``spec`` unless a link of that name and kind already exists.

    Equivalent to: ip link add NAME type KIND ... (tolerating an identical one)

    Returns True if it created the link. Raises :class:`~rawns.errors.Conflict`
    if a link of that name exists with another kind.
    """
    try:
        link.add(h, spec)
        return True
    except AlreadyExists:
        have = link.get(h, spec.name)
        want = getattr(spec, "kind", None)
        if have.kind != want:
            raise Conflict(
                f"link {spec.name!r} exists as {have.kind or 'a device without kind'}, not {want}"
            ) from None
        return False


def ensure_address(h: Handle, dev: link.LinkRef, address: str | IPIface) -> bool:
    """Add ``address`` to ``dev`` unless it is already there.

    Equivalent to: ip addr add ADDRESS dev DEV (tolerating an identical one)

    Returns True if it added the address. Raises
    :class:`~rawns.errors.Conflict` if the same address is on ``dev`` with
    another prefix length, :class:`~rawns.errors.NotFound` if ``dev`` is missing.
    """
    want = _iface(address)
    for a in addr.dump(h, dev=dev):
        if a.address.ip == want.ip:
            if a.address.network.prefixlen != want.network.prefixlen:
                raise Conflict(f"address {want.ip} is on {dev} as {a.address}, not {want}")
            return False
    addr.add(h, want, dev=dev)
    return True


def ensure_route(
    h: Handle,
    dst: str,
    *,
    gateway: str | None = None,
    dev: link.LinkRef | None = None,
) -> bool:
    """Add a route unless the same one (destination and gateway) is there.

    Equivalent to: ip route add DST [via GATEWAY] [dev DEV]

    Returns True if it added the route. Raises :class:`~rawns.errors.Conflict`
    if a route to ``dst`` exists through another gateway.
    """
    try:
        route.add(h, dst=dst, gateway=gateway, dev=dev)
        return True
    except AlreadyExists:
        want = route.Route(dst=dst, gateway=gateway)
        for r in route.dump(h, family=want.family):
            if r.dst == want.dst and r.metric == want.metric:
                if r.gateway != want.gateway:
                    raise Conflict(
                        f"route {dst} exists via {r.gateway or 'no gateway'}, not {gateway}"
                    ) from None
                return False
        raise


def forwarding(h: Handle, *, ipv4: bool = True, ipv6: bool = False) -> dict[str, str]:
    """Turn IP forwarding on in the handle's namespace; returns the previous values.

    Equivalent to: ip netns exec NS sysctl -w net.ipv4.ip_forward=1
    """
    before: dict[str, str] = {}
    keys = (["net.ipv4.ip_forward"] if ipv4 else []) + (
        ["net.ipv6.conf.all.forwarding"] if ipv6 else []
    )
    for key in keys:
        before[key] = sysctl.get(h, key)
        if before[key] != "1":
            sysctl.set(h, key, 1)
    return before


def connect(
    host: Handle,
    ns: Netns,
    *,
    bridge: str,
    veth: str,
    bridge_end: str,
    address: str | IPIface,
    gateway: str | None = None,
    routes: Sequence[str] = (),
    mtu: int | None = None,
) -> bool:
    """Plug namespace ``ns`` into ``bridge`` with a veth pair, addressed and routed.

    Equivalent to::

        ip link add BRIDGE_END master BRIDGE up type veth peer name VETH netns NS
        ip -n NS link set lo up; ip -n NS link set VETH up
        ip -n NS addr add ADDRESS dev VETH
        ip -n NS route add default via GATEWAY     (and each of ROUTES via GATEWAY)

    The namespace end is created directly inside ``ns`` (one request, no move).
    Returns True if it created the veth pair; an existing pair of the same
    names is reused.
    """
    created = ensure_link(
        host,
        Veth(
            name=bridge_end,
            peer=veth,
            peer_netns=ns,
            master=bridge,
            up=True,
            peer_up=True,
            mtu=mtu,
            peer_mtu=mtu,
        ),
    )
    with Handle.open(netns=ns) as h:
        link.set(h, "lo", up=True)
        if not created:
            link.set(h, veth, up=True)
        ensure_address(h, veth, address)
        if gateway is not None:
            ensure_route(h, "default", gateway=gateway)
            for dst in routes:
                ensure_route(h, dst, gateway=gateway)
    return created


def gateway(host: Handle, *, bridge: str, address: str | IPIface) -> bool:
    """A bridge with the gateway address, up, and forwarding on in ``host``.

    Equivalent to::

        ip link add BRIDGE type bridge; ip link set dev BRIDGE up
        ip addr add ADDRESS dev BRIDGE
        sysctl -w net.ipv4.ip_forward=1   (net.ipv6.conf.all.forwarding for IPv6)

    Returns True if it created the bridge.
    """
    iface = _iface(address)
    created = ensure_link(host, Bridge(name=bridge, up=True))
    if not created:
        link.set(host, bridge, up=True)
    ensure_address(host, bridge, iface)
    forwarding(host, ipv4=iface.version == 4, ipv6=iface.version == 6)
    return created


def _nat_chain(hook: str) -> tuple[str, str]:
    return ("postrouting", "srcnat") if hook == "postrouting" else ("prerouting", "dstnat")


def ensure_nat_rule(
    h: Handle, hook: str, exprs: Sequence[Expr], *, family: str = "ip", table: str = "nat"
) -> bool:
    """Append a NAT rule to ``table``'s ``hook`` chain unless an identical rule is there.

    Equivalent to::

        nft add table FAMILY TABLE
        nft add chain FAMILY TABLE HOOK { type nat hook HOOK priority srcnat|dstnat; }
        nft add rule FAMILY TABLE HOOK EXPRS

    One atomic transaction. Returns True if it added the rule.
    """
    chain, prio = _nat_chain(hook)
    try:
        existing = nft.dump_rules(h, family=family, table=table, chain=chain)
    except NotFound:
        existing = []
    if any(r.exprs == tuple(exprs) for r in existing):
        return False
    with nft.transaction(h) as tx:
        t = tx.add_table(family, table)
        c = tx.add_chain(t, chain, type="nat", hook=hook, priority=prio, policy="accept")
        tx.add_rule(c, exprs)
    return True


def _family_of(*values: str | None) -> str:
    for v in values:
        if v is not None:
            return "ip6" if ipaddress.ip_network(v, strict=False).version == 6 else "ip"
    return "ip"


def masquerade(
    h: Handle,
    *,
    source: str,
    oif: str | None = None,
    not_oif: str | None = None,
    table: str = "nat",
) -> bool:
    """Masquerade traffic from ``source`` (leaving by ``oif``, or by any but ``not_oif``).

    Equivalent to: iptables -t nat -A POSTROUTING -s SOURCE [-o OIF] -j MASQUERADE
    (nft add rule ip nat postrouting ip saddr SOURCE [oifname OIF] masquerade)
    """
    exprs = nft.masquerade(source, oif=oif, not_oif=not_oif)
    return ensure_nat_rule(h, "postrouting", exprs, family=_family_of(source), table=table)


def snat(h: Handle, *, source: str, to: str, oif: str | None = None, table: str = "nat") -> bool:
    """Source-NAT traffic from ``source`` to address ``to``.

    Equivalent to: iptables -t nat -A POSTROUTING -s SOURCE [-o OIF] -j SNAT --to-source TO
    """
    exprs = nft.snat(to, source=source, oif=oif)
    return ensure_nat_rule(h, "postrouting", exprs, family=_family_of(source, to), table=table)


def port_forward(
    h: Handle,
    dport: int,
    *,
    to: str,
    to_port: int | None = None,
    proto: str = "tcp",
    iif: str | None = None,
    daddr: str | None = None,
    table: str = "nat",
) -> bool:
    """Forward ``proto`` port ``dport`` arriving (on ``iif``) to ``to:to_port`` (DNAT).

    Equivalent to: iptables -t nat -A PREROUTING [-i IIF] -p tcp --dport DPORT
    -j DNAT --to-destination TO:TO_PORT
    """
    exprs = nft.port_forward(dport, to=to, to_port=to_port, proto=proto, iif=iif, daddr=daddr)
    return ensure_nat_rule(h, "prerouting", exprs, family=_family_of(to), table=table)
