"""Single-change helpers (``ensure_link``, ``ensure_address``, ``ensure_route``,
``ensure_neigh``, ``ensure_fdb``).

And the steps made of them, which the multi-change helpers and Topology run.
"""

from __future__ import annotations

import contextlib
from ipaddress import IPv4Interface

from .. import _check, addr, link, neigh, route, sysctl
from .._inet import AF_INET, AF_INET6, IPAddress, IPInterface, IPNetwork, to_address
from ..errors import AlreadyExists, Conflict, NotFound
from ..handle import Handle
from ..link import LinkSpec
from ..neigh._fdb import On
from ._args import _dst_text, _interface, _spec
from ._steps import Step, _HandleSource, _source


def ensure_link(h: Handle, spec: LinkSpec) -> bool:
    """Create ``spec`` unless a link of that name and kind already exists.

    Equivalent to: ip link add NAME type KIND ... (tolerating an identical one)

    Returns True if it created the link. Raises :class:`~rawns.errors.Conflict`
    if a link of that name exists with another kind, or if a veth's peer name
    is taken in the peer's namespace while ``NAME`` itself is free.
    """
    _check.handle(h)
    _spec(spec)
    return _ensure_link(h, spec)


def _ensure_link(h: Handle, spec: LinkSpec) -> bool:
    try:
        link.add(h, spec)
        return True
    except AlreadyExists as e:
        exists = e
    # Outside the except block: a NotFound here must not carry the EEXIST as context.
    try:
        have: link.Link | None = link.get(h, spec.name)
    except NotFound:
        have = None
    want = getattr(spec, "kind", None)
    if have is None:
        # The name is free here: the kernel's EEXIST was about the other end.
        peer = getattr(spec, "peer", None)
        raise Conflict(
            f"link {spec.name!r} is free, but its veth peer name {peer!r} is taken "
            "in the peer's namespace"
            if peer is not None
            else f"link {spec.name!r}: {exists}"
        ) from exists
    if have.kind != want:
        raise Conflict(
            f"link {spec.name!r} exists as {have.kind or 'a device without kind'}, not {want}"
        )
    return False


def ensure_address(h: Handle, dev: link.LinkRef, address: str | IPInterface) -> bool:
    """Add ``address`` to ``dev`` unless it is already there.

    Equivalent to: ip addr add ADDRESS dev DEV (tolerating an identical one)

    Returns True if it added the address. Raises
    :class:`~rawns.errors.Conflict` if the same address is on ``dev`` with
    another prefix length, :class:`~rawns.errors.NotFound` if ``dev`` is missing.
    """
    _check.handle(h)
    if dev is None:  # the dump below would look at every device's addresses
        raise TypeError("dev must be a link name, an ifindex or a Link, not None")
    want = _interface(address, "address")
    return _ensure_address(h, dev, want)


def _ensure_address(h: Handle, dev: link.LinkRef, want: IPInterface) -> bool:
    for a in addr.dump(h, dev=dev):
        if a.address.ip == want.ip:
            if a.address.network.prefixlen != want.network.prefixlen:
                raise Conflict(f"address {want.ip} is on {dev} as {a.address}, not {want}")
            return False
    addr.add(h, want, dev=dev)
    return True


def ensure_route(
    h: Handle,
    dst: str | IPNetwork | route.Route,
    *,
    gateway: str | IPAddress | None = None,
    dev: link.LinkRef | None = None,
) -> bool:
    """Add a route unless the same one is there: a whole :class:`~rawns.route.Route`,
    or a destination with ``gateway``/``dev``.

    Equivalent to: ip route add DST [via GATEWAY] [dev DEV] [onlink] [table T] [metric M]

    A :class:`~rawns.route.Route` is sent as it is (onlink, oif, table,
    metric...), so re-running it is safe for an onlink route through a vxlan
    device too. Returns True if it added the route. Raises
    :class:`~rawns.errors.Conflict` if a route to the same destination (same
    table, metric and tos) exists through another gateway or device.
    """
    _check.handle(h)
    if isinstance(dst, route.Route):
        if gateway is not None or dev is not None:
            raise TypeError("give ensure_route a Route or dst with gateway/dev, not both")
        return _ensure_route(h, dst)
    _check.no_zone(dst, "dst")
    _check.no_zone(gateway, "gateway")
    want = route.Route(dst=dst, gateway=gateway)  # validates both, and their families
    return _ensure_route(h, want, dev)


def _ensure_route(h: Handle, want: route.Route, dev: link.LinkRef | None = None) -> bool:
    try:
        if dev is None:
            route.add(h, want)
        else:
            route.add(h, dst=want.dst, gateway=want.gateway, dev=dev)
        return True
    except AlreadyExists as e:
        exists = e
    metric = want.metric
    if metric is None and want.family == AF_INET6:
        metric = _IP6_RT_PRIO_USER  # what the kernel gives an IPv6 route without one
    for r in route.dump(h, family=want.family, table=want.table):
        if r.dst == want.dst and r.metric == metric and r.tos == want.tos:
            if r.gateway != want.gateway or (want.oif is not None and r.oif != want.oif):
                raise Conflict(
                    f"route {_dst_text(want.dst)} exists via {r.gateway or 'no gateway'}"
                    f" (oif {r.oif}), not {want.gateway} (oif {want.oif})"
                )
            return False
    raise exists


_IP6_RT_PRIO_USER = 1024


def ensure_neigh(
    h: Handle,
    *,
    dev: link.LinkRef,
    dst: str | IPAddress,
    lladdr: str | bytes,
    state: str = "permanent",
) -> bool:
    """Make the neighbour ``dst`` on ``dev`` resolve to ``lladdr`` (replace semantics).

    Equivalent to: ip neigh replace DST lladdr LLADDR dev DEV nud STATE

    Returns False if the entry was already there with that address and state,
    True if it added or overwrote one.
    """
    _check.handle(h)
    _check.no_zone(dst, "dst")
    ip = to_address(dst, "dst")
    mac = _check.lladdr(lladdr, "lladdr").hex(":")
    nud = _check.choice(state, "state", ("permanent", "noarp", "reachable", "stale"))
    have = _neigh_now(h, dev, ip)
    if have is not None and have.lladdr == mac and _nud_name(have) == nud:
        return False
    neigh.replace(h, dev=dev, dst=ip, lladdr=lladdr, state=nud)
    return True


def _neigh_now(h: Handle, dev: link.LinkRef, dst: IPAddress) -> neigh.Neighbour | None:
    try:
        return neigh.get(h, dev=dev, dst=dst)
    except NotFound:
        return None


def _nud_name(n: neigh.Neighbour) -> str:
    return (n.state.name or "").lower()


def ensure_fdb(
    h: Handle,
    *,
    dev: link.LinkRef,
    lladdr: str | bytes,
    dst: str | IPAddress | None = None,
    on: On = "self",
) -> bool:
    """Make the FDB entry ``lladdr`` on ``dev`` point at ``dst`` (replace semantics).

    Equivalent to: bridge fdb replace LLADDR dev DEV [dst DST] self|master permanent

    For a vxlan device, ``dst`` is the remote VTEP (the node) the MAC is
    behind. Returns False if the entry was there with that ``dst``, True if it
    added or overwrote one.
    """
    _check.handle(h)
    _check.no_zone(dst, "dst")
    ip = None if dst is None else to_address(dst, "dst")
    mac = _check.lladdr(lladdr, "lladdr").hex(":")
    _check.choice(on, "on", ("self", "master", "both"))
    for n in neigh.fdb_dump(h, dev=dev):
        if n.lladdr == mac and n.dst == ip and n.vlan is None:
            return False
    if dst is None:
        neigh.fdb_replace(h, dev=dev, lladdr=lladdr, on=on)
    else:
        neigh.fdb_replace(h, dev=dev, lladdr=lladdr, dst=dst, on=on)
    return True


# ---------------------------------------------------------------------------
# steps: what the multi-change helpers (and Topology) are made of


def _link_step(h: _HandleSource, spec: LinkSpec, description: str) -> Step:
    """Create ``spec`` unless it exists (:func:`ensure_link`); undo deletes it."""
    get = _source(h)

    def undo() -> None:
        with contextlib.suppress(FileNotFoundError):
            link.delete(get(), spec.name)

    return Step(description, lambda: _ensure_link(get(), spec), undo)


def _up_step(h: _HandleSource, name: str, description: str) -> Step:
    """Bring link ``name`` up if it is down; undo sets it down again."""
    get = _source(h)

    def do() -> bool:
        if link.get(get(), name).up:
            return False
        link.set(get(), name, up=True)
        return True

    def undo() -> None:
        with contextlib.suppress(FileNotFoundError):
            link.set(get(), name, up=False)

    return Step(description, do, undo)


def _lo_step(h: _HandleSource, description: str) -> Step:
    """Bring ``lo`` up if it is down; undo sets it down and removes the 127.0.0.1/8
    the kernel adds to a loopback each time it comes up (net/ipv4/devinet.c:
    inetdev_event, NETDEV_UP), unless it was there before."""
    get = _source(h)
    had_127: list[bool] = []

    def do() -> bool:
        hh = get()
        if link.get(hh, "lo").up:
            return False
        had_127[:] = [any(a.address == _LOOPBACK4 for a in addr.dump(hh, dev="lo", family=AF_INET))]
        link.set(hh, "lo", up=True)
        return True

    def undo() -> None:
        with contextlib.suppress(FileNotFoundError):
            link.set(get(), "lo", up=False)
            if not had_127[0]:
                addr.delete(get(), _LOOPBACK4, dev="lo")

    return Step(description, do, undo)


_LOOPBACK4 = IPv4Interface("127.0.0.1/8")


def _port_step(h: _HandleSource, name: str, bridge: str, description: str) -> Step:
    """Make link ``name`` an up port of ``bridge``; undo restores its master and state.

    A separate, last step of :func:`connect`: a bridge without ports takes a
    zero MAC when its last port leaves (net/bridge/br_stp_if.c:
    br_stp_recalculate_bridge_id), so the bridge is touched only once all
    else succeeded.
    """
    get = _source(h)
    was_up: list[bool] = []

    def do() -> bool:
        hh = get()
        br, port = link.get(hh, bridge), link.get(hh, name)
        if port.master == br.index and port.up:
            return False
        if port.master not in (None, br.index):
            raise Conflict(
                f"link {name!r} is a port of another master (index {port.master}), not {bridge!r}"
            )
        was_up[:] = [port.up] if port.master is None else []
        link.set(hh, name, master=bridge, up=True)
        return True

    def undo() -> None:
        with contextlib.suppress(FileNotFoundError):
            if was_up:  # it joined the bridge here
                link.set(get(), name, nomaster=True, up=was_up[0])
            else:  # it was a port already, only down
                link.set(get(), name, up=False)

    return Step(description, do, undo)


def _address_step(h: _HandleSource, dev: str, address: IPInterface, description: str) -> Step:
    """Add ``address`` to ``dev`` unless it is there (:func:`ensure_address`); undo removes it."""
    get = _source(h)

    def undo() -> None:
        with contextlib.suppress(FileNotFoundError):
            addr.delete(get(), address, dev=dev)

    return Step(description, lambda: _ensure_address(get(), dev, address), undo)


def _route_step(h: _HandleSource, want: route.Route, description: str) -> Step:
    """Add route ``want`` unless it is there (:func:`ensure_route`); undo deletes it."""
    get = _source(h)

    def undo() -> None:
        with contextlib.suppress(FileNotFoundError):
            route.delete(get(), dst=want.dst, gateway=want.gateway)

    return Step(description, lambda: _ensure_route(get(), want), undo)


def _sysctl_step(h: _HandleSource, key: str, value: str, before: dict[str, str]) -> Step:
    """Set sysctl ``key`` to ``value`` if it differs (its old value goes in ``before``);
    undo writes the old value back."""
    get = _source(h)

    def do() -> bool:
        old = sysctl.get(get(), key)
        before[key] = old
        if old == value:
            return False
        sysctl.set(get(), key, value)
        return True

    def undo() -> None:
        sysctl.set(get(), key, before[key])

    return Step(f"sysctl -w {key}={value}", do, undo)


def _forwarding_keys(ipv4: bool, ipv6: bool) -> list[str]:
    return (["net.ipv4.ip_forward"] if ipv4 else []) + (
        ["net.ipv6.conf.all.forwarding"] if ipv6 else []
    )
