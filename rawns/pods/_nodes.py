"""Nodes reaching each other's pods: host-gw routes, a vxlan overlay, cluster masquerade.

Each helper has "ensure" semantics (re-running it changes nothing and returns
False) and an inverse that is idempotent (already gone is success). A helper
that makes several changes runs them as compose steps: all or nothing.

The vxlan overlay is flannel's design: one VTEP per node (a vxlan device
holding the node's pod subnet's network address as a /32), and per remote
node an onlink route to its pod subnet via its VTEP address, a permanent
neighbour entry for that address (the remote VTEP's MAC) and an FDB entry
sending that MAC to the remote node's underlay address.
"""

from __future__ import annotations

import contextlib

from .. import _check, addr, link, neigh, route
from .._inet import IPAddress, IPNetwork, to_address, to_network
from ..compose import Step, ensure_address, ensure_nat_rule, ensure_route, run_steps
from ..compose._ensure import ensure_fdb, ensure_link, ensure_neigh
from ..compose._steps import _unwind
from ..errors import Conflict, NotFound
from ..handle import Handle
from ..link import Link, Vxlan, VxlanInfo
from ..nft.match import ip_addr
from ..nft.nat import masquerade
from ..route import Route
from ._types import Peer

#: The port flannel and the kernel's own default use for vxlan (IANA's is 4789).
FLANNEL_PORT = 8472
VNI_MAX = (1 << 24) - 1


# ---------------------------------------------------------------------------
# host-gw: plain routes between nodes on one L2 segment


def route_to(node: Handle, *, subnet: str | IPNetwork, via: str | IPAddress) -> bool:
    """Route a remote node's pod ``subnet`` via that node's address (host-gw mode).

    Equivalent to: ip route replace SUBNET via NODE_ADDRESS (ensure semantics)

    Returns True if it added the route; raises :class:`~rawns.errors.Conflict`
    if a route to ``subnet`` goes another way.
    """
    _check.handle(node, "node")
    _check.no_zone(subnet, "subnet")
    _check.no_zone(via, "via")
    net = to_network(subnet, "subnet")
    gw = to_address(via, "via", 2 if net.version == 4 else 10)
    return ensure_route(node, Route(dst=net, gateway=gw))


def unroute(node: Handle, *, subnet: str | IPNetwork, via: str | IPAddress) -> bool:
    """Remove what :func:`route_to` added; False if it was not there."""
    _check.handle(node, "node")
    _check.no_zone(subnet, "subnet")
    _check.no_zone(via, "via")
    net = to_network(subnet, "subnet")
    gw = to_address(via, "via", 2 if net.version == 4 else 10)
    try:
        route.delete(node, dst=net, gateway=gw)
    except NotFound:
        return False
    return True


# ---------------------------------------------------------------------------
# vxlan overlay


def vtep(
    node: Handle,
    *,
    vni: int,
    local: str | IPAddress,
    dev: link.LinkRef,
    address: str | IPAddress,
    name: str = "flannel.1",
    port: int = FLANNEL_PORT,
    mtu: int | None = None,
    learning: bool = False,
) -> Link:
    """The node's VTEP: a vxlan device, up, holding ``address``/32; returns it (its MAC
    is what peers need).

    Equivalent to::

        ip link add NAME type vxlan id VNI local LOCAL dev DEV dstport PORT nolearning
        ip addr add ADDRESS/32 dev NAME
        ip link set NAME up

    ``port`` defaults to 8472, the port flannel uses and the kernel's own
    default (``ip link add ... type vxlan`` without ``dstport``); rawns' plain
    :class:`~rawns.link.Vxlan` defaults to IANA's 4789. ``address`` is,
    as in flannel, the network address of the node's pod subnet. Ensure
    semantics: an identical VTEP is reused; one that differs raises
    :class:`~rawns.errors.Conflict`. All or nothing.
    """
    _check.handle(node, "node")
    _check.integer(vni, "vni", 0, VNI_MAX)
    _check.ifname(name, "name")
    if dev is None:
        raise TypeError("dev must name the underlay device (a link name, index or Link), not None")
    _check.port(port, "port")
    _check.boolean(learning, "learning")
    _check.no_zone(address, "address")
    _check.no_zone(local, "local")
    ip = to_address(address, "address")
    spec = Vxlan(
        name=name,
        vni=vni,
        local=to_address(local, "local", 2 if ip.version == 4 else 10),
        dev=dev,
        port=port,
        learning=learning,
        mtu=mtu,
    )
    host = f"{ip}/{ip.max_prefixlen}"

    def undo_link() -> None:
        with contextlib.suppress(NotFound):
            link.delete(node, name)

    def undo_addr() -> None:
        with contextlib.suppress(NotFound):
            addr.delete(node, host, dev=name)

    steps = [
        Step(
            f"ip link add {name} type vxlan id {vni} ...",
            lambda: _ensure_vtep(node, spec),
            undo_link,
        ),
        Step(
            f"ip addr add {host} dev {name}",
            lambda: _ensure_host_address(node, name, host),
            undo_addr,
        ),
        Step(f"ip link set {name} up", lambda: _up(node, name)),
    ]
    done = run_steps(steps, "pods.vtep")
    try:
        return link.get(node, name)
    except BaseException:  # all or nothing, up to the last read
        _unwind(done)
        raise


def _ensure_vtep(node: Handle, spec: Vxlan) -> bool:
    """ensure_link, and an existing VTEP must match (ensure_link compares kinds only)."""
    if ensure_link(node, spec):
        return True
    have = link.get(node, spec.name).data
    if not isinstance(have, VxlanInfo):
        raise Conflict(f"link {spec.name!r} exists, but its vxlan settings cannot be read")
    want = (spec.vni, spec.local, spec.port, spec.learning)
    got = (have.vni, have.local, have.port, have.learning)
    if want != got:
        shown = ", ".join(
            f"{k} {g} (not {w})"
            for k, w, g in zip(("vni", "local", "port", "learning"), want, got, strict=True)
            if w != g
        )
        raise Conflict(f"VTEP {spec.name!r} exists with other settings: {shown}")
    return False


def _ensure_host_address(node: Handle, dev: str, host: str) -> bool:
    return ensure_address(node, dev, host)


def _up(h: Handle, name: str) -> bool:
    if link.get(h, name).up:
        return False
    link.set(h, name, up=True)
    return True


def peer(
    *,
    subnet: str | IPNetwork,
    vtep_mac: str,
    node_address: str | IPAddress,
    vtep_address: str | IPAddress | None = None,
) -> Peer:
    """A :class:`Peer` from its parts (``vtep_address``: the subnet's network address)."""
    for what, value in (
        ("subnet", subnet),
        ("node_address", node_address),
        ("vtep_address", vtep_address),
    ):
        _check.no_zone(value, what)
    net = to_network(subnet, "subnet")
    fam = 2 if net.version == 4 else 10
    gw = (
        net.network_address
        if vtep_address is None
        else to_address(vtep_address, "vtep_address", fam)
    )
    mac = _check.mac(vtep_mac, "vtep_mac").hex(":")
    return Peer(
        subnet=net,
        vtep_address=gw,
        vtep_mac=mac,
        node_address=to_address(node_address, "node_address"),
    )


def add_peer(node: Handle, p: Peer, *, vtep: str = "flannel.1") -> bool:
    """Reach a remote node's pods through the overlay: route, neighbour and FDB entry, as one step.

    Equivalent to::

        ip route replace SUBNET via VTEP_ADDRESS dev VTEP onlink
        ip neigh replace VTEP_ADDRESS lladdr VTEP_MAC dev VTEP nud permanent
        bridge fdb replace VTEP_MAC dev VTEP dst NODE_ADDRESS self permanent

    Ensure semantics (True if anything changed); all or nothing (a failure
    undoes what this call changed).
    """
    _check.handle(node, "node")
    if not isinstance(p, Peer):
        raise TypeError(f"p must be a pods.Peer, not {_check._show(p)}")
    _check.ifname(vtep, "vtep")
    index = link.get(node, vtep).index
    want = Route(dst=p.subnet, gateway=p.vtep_address, oif=index, onlink=True)

    def del_route() -> None:
        with contextlib.suppress(NotFound):
            route.delete(node, want)

    def del_neigh() -> None:
        with contextlib.suppress(NotFound):
            neigh.delete(node, dev=vtep, dst=p.vtep_address)

    def del_fdb() -> None:
        with contextlib.suppress(NotFound):
            neigh.fdb_delete(node, dev=vtep, lladdr=p.vtep_mac, dst=p.node_address)

    steps = [
        Step(
            f"ip neigh replace {p.vtep_address} lladdr {p.vtep_mac} dev {vtep} nud permanent",
            lambda: ensure_neigh(node, dev=vtep, dst=p.vtep_address, lladdr=p.vtep_mac),
            del_neigh,
        ),
        Step(
            f"bridge fdb replace {p.vtep_mac} dev {vtep} dst {p.node_address} self permanent",
            lambda: ensure_fdb(node, dev=vtep, lladdr=p.vtep_mac, dst=p.node_address),
            del_fdb,
        ),
        Step(
            f"ip route replace {p.subnet} via {p.vtep_address} dev {vtep} onlink",
            lambda: ensure_route(node, want),
            del_route,
        ),
    ]
    return bool(run_steps(steps, "pods.add_peer"))


def remove_peer(node: Handle, p: Peer, *, vtep: str = "flannel.1") -> bool:
    """Undo :func:`add_peer` (a node leaving): route, neighbour, FDB entry.

    Returns True if any of them was there.
    """
    _check.handle(node, "node")
    if not isinstance(p, Peer):
        raise TypeError(f"p must be a pods.Peer, not {_check._show(p)}")
    _check.ifname(vtep, "vtep")
    try:
        index = link.get(node, vtep).index
    except NotFound:
        return False  # the VTEP went, and its entries with it
    removed = False
    with contextlib.suppress(NotFound):
        route.delete(node, Route(dst=p.subnet, gateway=p.vtep_address, oif=index, onlink=True))
        removed = True
    with contextlib.suppress(NotFound):
        neigh.delete(node, dev=vtep, dst=p.vtep_address)
        removed = True
    with contextlib.suppress(NotFound):
        neigh.fdb_delete(node, dev=vtep, lladdr=p.vtep_mac, dst=p.node_address)
        removed = True
    return removed


# ---------------------------------------------------------------------------
# leaving the cluster


def masquerade_outside(node: Handle, *, cluster: str | IPNetwork, table: str = "nat") -> bool:
    """Masquerade pod traffic that leaves the cluster, never pod-to-pod traffic.

    Equivalent to: nft add rule ip nat postrouting ip saddr CLUSTER ip daddr != CLUSTER masquerade

    (One transaction, ensure semantics: see
    :func:`rawns.compose.ensure_nat_rule`.)
    """
    _check.handle(node, "node")
    _check.no_zone(cluster, "cluster")
    net = to_network(cluster, "cluster")
    fam = "ip" if net.version == 4 else "ip6"
    exprs = [
        *ip_addr("saddr", net),
        *ip_addr("daddr", net, negate=True),
        *masquerade(),
    ]
    return ensure_nat_rule(node, "postrouting", exprs, family=fam, table=table)
