"""The multi-change helpers (:func:`forwarding`, :func:`connect`, :func:`gateway`).

Each runs a list of :class:`~rawns.compose.Step`\\ s (:func:`~rawns.compose.run_steps`)
built from the single-change helpers' steps in ``_ensure``.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Sequence

from .. import _check, _dataclass, link, route
from .._inet import IPAddress, IPInterface, IPNetwork
from ..errors import Conflict, NotFound
from ..handle import Handle
from ..link._nsid import netns_id
from ..netns import Netns, NetnsLike
from ._args import _address, _af, _dst_text, _interface, _netns, _network
from ._ensure import (
    _address_step,
    _ensure_link,
    _forwarding_keys,
    _link_step,
    _lo_step,
    _port_step,
    _route_step,
    _sysctl_step,
    _up_step,
)
from ._steps import Step, _HandleSource, _Inside, _source, run_steps


def forwarding(h: Handle, *, ipv4: bool = True, ipv6: bool = False) -> dict[str, str]:
    """Turn IP forwarding on in the handle's namespace; returns the previous values.

    Equivalent to: ip netns exec NS sysctl -w net.ipv4.ip_forward=1

    ``ipv4``/``ipv6`` must be True or False (TypeError otherwise: a truthy
    ``"no"`` must not turn forwarding on). If the second write fails, the
    first is written back.
    """
    _check.handle(h)
    keys = _forwarding_keys(_check.boolean(ipv4, "ipv4"), _check.boolean(ipv6, "ipv6"))
    before: dict[str, str] = {}
    run_steps([_sysctl_step(h, key, "1", before) for key in keys], "compose.forwarding")
    return before


def _connect_steps(
    host: _HandleSource,
    inside: Callable[[], Handle],
    peer_netns: Callable[[], Netns],
    *,
    ns_label: str,
    bridge: str,
    veth: str,
    bridge_end: str,
    address: IPInterface,
    gateway: IPAddress | None,
    routes: Sequence[IPNetwork],
    mtu: int | None = None,
    default: bool = True,
) -> list[Step]:
    """The steps of :func:`connect`, on already checked values.

    ``inside`` gives a handle on the namespace and ``peer_netns`` the
    namespace itself, when a step runs (and again at undo time). With a
    ``gateway``, the default route (unless ``default`` is False) and each of
    ``routes`` go via it.
    """
    spec = link.Veth(name=bridge_end, peer=veth, up=True, mtu=mtu, peer_mtu=mtu)
    get_host = _source(host)
    ip_n = f"ip -n {ns_label}"

    def add_veth() -> bool:
        where = peer_netns()
        made = _ensure_link(get_host(), _dataclass.replace(spec, peer_netns=where))
        if not made:  # a pair of these names exists: is its peer really in ns?
            _check_peer(get_host(), bridge_end, inside(), veth, where, ns_label)
        return made

    def del_veth() -> None:
        with contextlib.suppress(FileNotFoundError):
            link.delete(get_host(), bridge_end)

    steps = [
        Step(
            f"ip link add {bridge_end} up type veth peer name {veth} netns {ns_label}",
            add_veth,
            del_veth,
        ),
        _lo_step(inside, f"{ip_n} link set lo up"),
        _up_step(inside, veth, f"{ip_n} link set {veth} up"),
        _address_step(inside, veth, address, f"{ip_n} addr add {address} dev {veth}"),
    ]
    if gateway is not None:
        for dst in ("default", *routes) if default else routes:
            want = route.Route(dst=dst, gateway=gateway)
            steps.append(
                _route_step(inside, want, f"{ip_n} route add {_dst_text(want.dst)} via {gateway}")
            )
    steps.append(
        _port_step(host, bridge_end, bridge, f"ip link set {bridge_end} master {bridge} up")
    )
    return steps


def _check_peer(host: Handle, end: str, h: Handle, veth: str, ns: Netns, label: str) -> None:
    """Refuse to reuse ``end`` unless its veth peer is ``veth`` inside ``ns``.

    Names alone say nothing: ``veth`` may exist in ``ns`` while ``end``'s peer
    is another link, in another namespace. The host end reports its peer as
    (IFLA_LINK, IFLA_LINK_NETNSID), and the id is compared with the one the
    host gives ``ns`` (RTM_GETNSID; asked after the link, which allocates it).
    """
    have = link.get(host, end)
    if have.kind != "veth":
        raise Conflict(f"link {end!r} exists as {have.kind or 'a plain device'}, not a veth")
    try:
        inner: link.Link | None = link.get(h, veth)
    except NotFound:
        inner = None
    nsid = netns_id(host, ns)
    if inner is None or nsid is None or have.link_netnsid != nsid or have.link != inner.index:
        raise Conflict(
            f"veth {end!r} exists, but its peer is not {veth!r} in {label} (peer ifindex "
            f"{have.link}, netnsid {have.link_netnsid}; {veth!r} there: "
            f"{'none' if inner is None else f'ifindex {inner.index}'}, netnsid {nsid}): "
            "refusing to address another pair's interface"
        )


def connect(
    host: Handle,
    ns: NetnsLike,
    *,
    bridge: str,
    veth: str,
    bridge_end: str,
    address: str | IPInterface,
    gateway: str | IPAddress | None = None,
    routes: Sequence[str | IPNetwork] = (),
    mtu: int | None = None,
) -> bool:
    """Plug namespace ``ns`` into ``bridge`` with a veth pair, addressed and routed.

    Equivalent to::

        ip link add BRIDGE_END up type veth peer name VETH netns NS
        ip -n NS link set lo up; ip -n NS link set VETH up
        ip -n NS addr add ADDRESS dev VETH
        ip -n NS route add default via GATEWAY     (and each of ROUTES via GATEWAY)
        ip link set BRIDGE_END master BRIDGE up

    ``ns`` is a :class:`~rawns.netns.Netns`, a name under /run/netns, a path
    or a pid (:data:`rawns.netns.NetnsLike`; opened for the call, closed after).
    The namespace end is created directly inside ``ns`` (one request, no move);
    the bridge end joins the bridge last.
    Returns True if it created the veth pair; an existing pair of the same
    names is reused if its peer really is ``veth`` in ``ns`` (else
    :class:`~rawns.errors.Conflict`, nothing changed). Every argument is
    checked first (``gateway`` and ``routes`` must be of ``address``'s family; ``routes`` need a
    ``gateway``). If a step fails, the ones before it are undone and its
    error is raised with a note naming it.
    """
    _check.handle(host, "host")
    if isinstance(ns, Netns):
        _netns(ns)
    else:
        ns = _check.netns_arg(ns, "ns")
    for what, name in (("bridge", bridge), ("veth", veth), ("bridge_end", bridge_end)):
        _check.ifname(name, what)
    iface = _interface(address, "address")
    fam = 4 if iface.version == 4 else 6
    gw = None if gateway is None else _address(gateway, "gateway", _af(fam))
    if isinstance(routes, str) or not isinstance(routes, Sequence):
        raise TypeError(f"routes must be a sequence of prefixes, not {_check._show(routes)}")
    nets = [_network(r, "routes", _af(fam)) for r in routes]
    if nets and gw is None:
        raise ValueError(f"routes {_check._show(routes)} need a gateway (routes go via it)")
    inside = _Inside(ns)
    steps = _connect_steps(  # the Veth spec made here checks mtu
        host,
        inside.handle,
        inside.netns,
        ns_label=(ns.name or ns.path or "NS") if isinstance(ns, Netns) else str(ns),
        bridge=bridge,
        veth=veth,
        bridge_end=bridge_end,
        address=iface,
        gateway=gw,
        routes=nets,
        mtu=mtu,
    )
    try:
        done = run_steps(steps, "compose.connect")
    finally:
        inside.close()
    return steps[0] in done


def _gateway_steps(
    host: _HandleSource, *, bridge: str, address: IPInterface, before: dict[str, str]
) -> list[Step]:
    """The steps of :func:`gateway`, on already checked values."""
    return [
        _link_step(host, link.Bridge(name=bridge, up=True), f"ip link add {bridge} type bridge"),
        _up_step(host, bridge, f"ip link set {bridge} up"),
        _address_step(host, bridge, address, f"ip addr add {address} dev {bridge}"),
        *(
            _sysctl_step(host, key, "1", before)
            for key in _forwarding_keys(address.version == 4, address.version == 6)
        ),
    ]


def gateway(host: Handle, *, bridge: str, address: str | IPInterface) -> bool:
    """A bridge with the gateway address, up, and forwarding on in ``host``.

    Equivalent to::

        ip link add BRIDGE type bridge; ip link set dev BRIDGE up
        ip addr add ADDRESS dev BRIDGE
        sysctl -w net.ipv4.ip_forward=1   (net.ipv6.conf.all.forwarding for IPv6)

    Returns True if it created the bridge. If a step fails, the ones before
    it are undone (the sysctl gets its old value back).
    """
    _check.handle(host, "host")
    _check.ifname(bridge, "bridge")
    iface = _interface(address, "address")
    steps = _gateway_steps(host, bridge=bridge, address=iface, before={})
    return steps[0] in run_steps(steps, "compose.gateway")
