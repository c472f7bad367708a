"""Composable helpers for private networks, built only from the public verbs.

Each helper is a handful of verb calls (``link.add``, ``addr.add``,
``route.add``, ``sysctl.set``, an ``nft`` transaction) with "ensure"
semantics where that is natural: an existing identical object is not an
error, a conflicting one raises :class:`~rawns.errors.Conflict` naming it, and
nothing is changed in that case. Each returns whether it created something, so
callers (like :class:`rawns.topology.Topology`) know what to undo.

Every helper checks all of its arguments before its first request
(:class:`TypeError`/:class:`ValueError` naming the argument and the value).
A helper that changes more than one thing runs a list of :class:`Step`\\ s
(:func:`run_steps`): if any step fails, the steps before it are undone,
newest first, and the step's own exception is raised with a note naming it.

The seed scenario, by hand::

    from rawns import Handle, compose, netns

    with netns.create("host") as host_ns, netns.create("red") as red, \\
            Handle.open(netns=host_ns) as host:
        compose.gateway(host, bridge="v-net-0", address="192.168.15.5/24")
        compose.connect(host, red, bridge="v-net-0", veth="veth-red",
                        bridge_end="veth-red-br", address="192.168.15.1/24",
                        gateway="192.168.15.5")
        compose.masquerade(host, source="192.168.15.0/24", not_oif="v-net-0")
        compose.port_forward(host, 80, to="192.168.15.2", to_port=80)
"""

from __future__ import annotations

import contextlib
import dataclasses
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from ipaddress import IPv4Interface

from . import _check, addr, link, nft, route, sysctl
from ._inet import (
    AF_INET,
    AF_INET6,
    IPAddress,
    IPInterface,
    IPNetwork,
    to_address,
    to_interface,
    to_network,
)
from .errors import AlreadyExists, Conflict, NotFound
from .handle import Handle
from .link import Bridge, LinkSpec, Veth
from .netns import Netns
from .netns import open as netns_open
from .nft.expr import Expr

__all__ = [
    "NAT_HOOKS",
    "Step",
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
    "run_steps",
    "snat",
]

# The nft NAT helpers themselves (pure: they return expression lists).
accept_established = nft.accept_established

#: The hooks a NAT chain can sit on, and its priority: iptables' nat table (DNAT
#: before routing and on local output, -100; SNAT after routing and on input,
#: 100). nft accepts the names dstnat/srcnat only on prerouting/postrouting.
NAT_HOOKS: dict[str, int | str] = {
    "prerouting": "dstnat",
    "output": -100,
    "postrouting": "srcnat",
    "input": 100,
}
_NAT_FAMILIES = ("ip", "ip6", "inet")
_PORT_PROTOS = ("tcp", "udp", "sctp", "dccp")

#: A handle, or how to get one when a step runs (a namespace opened only then).
_HandleSource = Handle | Callable[[], Handle]


# ---------------------------------------------------------------------------
# steps as data


@dataclass(frozen=True, slots=True)
class Step:
    """One step of a multi-step helper: ``(description, do, undo)``.

    ``description`` is the equivalent command. ``do()`` makes at most one
    change (reads may come before it, never after) and returns True if it
    changed something; only then is ``undo()`` called to take it back when a
    later step fails (or at teardown). ``undo`` is ``None`` for a step whose
    change goes away with an earlier step's undo (anything inside a namespace
    that a step created).
    """

    description: str
    do: Callable[[], bool]
    undo: Callable[[], None] | None = None

    def __post_init__(self) -> None:
        _check.text(self.description, "Step.description", max_bytes=_TEXT_MAX)
        if not callable(self.do):
            raise TypeError(f"Step.do must be callable, not {_check._show(self.do)}")
        if self.undo is not None and not callable(self.undo):
            raise TypeError(f"Step.undo must be callable or None, not {_check._show(self.undo)}")


_TEXT_MAX = 1 << 16  # a description or label: text for people, not for the kernel


def run_steps(steps: Sequence[Step], label: str | None = None) -> list[Step]:
    """Run ``steps`` in order; return those that changed something (to undo later).

    Equivalent to: the steps' commands in order, as a shell script with
    ``set -e`` and a trap that runs the undo commands of those done.

    If a step raises, the steps before it are undone, newest first, and the
    step's own exception is re-raised, unchanged, with a note (if ``label``
    is given) naming the step, its number, how many changes were undone, and
    any undo that failed in turn. Nothing raised by an undo replaces it.
    Raises :class:`TypeError` if ``steps`` is not a list of :class:`Step`
    (nothing run).
    """
    if isinstance(steps, str | bytes) or not isinstance(steps, Sequence):
        raise TypeError(f"steps must be a list of compose.Step, not {_check._show(steps)}")
    for s in steps:
        if not isinstance(s, Step):
            raise TypeError(f"steps must hold compose.Step, not {_check._show(s)}")
    if label is not None:
        _check.text(label, "label", max_bytes=_TEXT_MAX)
    done: list[Step] = []
    for i, s in enumerate(steps, 1):
        try:
            changed = s.do()
        except BaseException as e:
            problems, undone = _unwind(done)
            if label is not None:
                e.add_note(
                    f"rawns {label}: step {i}/{len(steps)} failed: {s.description}; "
                    f"undid {len(undone)} earlier step(s)"
                    + (f"; undo problems: {'; '.join(problems)}" if problems else "")
                )
            raise
        if changed and s.undo is not None:
            done.append(s)
    return done


def _unwind(done: list[Step]) -> tuple[list[str], list[Step]]:
    """Undo ``done`` newest first, emptying it; returns (problems, the steps undone).

    An undo that fails is reported (``"description: error"``) and the rest
    still run.
    """
    problems: list[str] = []
    undone: list[Step] = []
    while done:
        s = done.pop()
        undone.append(s)
        try:
            assert s.undo is not None
            s.undo()
        except Exception as e:  # keep undoing; report what failed
            problems.append(f"undo of {s.description!r}: {type(e).__name__}: {e}")
    return problems, undone


def _group(description: str, steps: Sequence[Step]) -> Step:
    """Several steps shown as one: all or nothing, undone together (newest first)."""
    done: list[Step] = []

    def do() -> bool:
        done[:] = run_steps(steps)
        return bool(done)

    def undo() -> None:
        problems, _ = _unwind(done)
        if problems:
            raise RuntimeError("; ".join(problems))

    return Step(description, do, undo)


def _source(h: _HandleSource) -> Callable[[], Handle]:
    if isinstance(h, Handle):
        return lambda: h
    return h


class _Inside:
    """A namespace (given, or named) and a handle on it, opened on first use.

    Steps that act inside a member namespace get their handle from here when
    they run, and again when they are undone (for a :class:`Topology
    <rawns.topology.Topology>` that may be much later: a named namespace is
    then opened again). :meth:`close` closes what was opened.
    """

    def __init__(self, ns: Netns | str) -> None:
        self._given = ns
        self._ns: Netns | None = None
        self._h: Handle | None = None

    def netns(self) -> Netns:
        if isinstance(self._given, Netns):
            return self._given
        if self._ns is None:
            self._ns = netns_open(self._given)
        return self._ns

    def handle(self) -> Handle:
        if self._h is None:
            self._h = Handle.open(netns=self.netns())
        return self._h

    def close(self) -> None:
        if self._h is not None:
            self._h.close()
            self._h = None
        if self._ns is not None:
            self._ns.close()
            self._ns = None


# ---------------------------------------------------------------------------
# argument checks (rawns._check and rawns._inet, nothing of our own)


def _address(value: object, what: str, family: int | None = None) -> IPAddress:
    _check.no_zone(value, what)
    if isinstance(value, str) and "/" in value:
        raise ValueError(f"{what} must be an address without a /prefix, not {value!r}")
    return to_address(value, what, family)


def _interface(value: object, what: str) -> IPInterface:
    _check.no_zone(value, what)
    return to_interface(value, what)


def _network(value: object, what: str, family: int | None = None) -> IPNetwork:
    _check.no_zone(value, what)
    return to_network(value, what, family)


def _optional_ifname(value: object, what: str) -> str | None:
    return None if value is None else _check.ifname(value, what)


def _netns(value: object, what: str = "ns") -> Netns:
    if not isinstance(value, Netns):
        raise TypeError(
            f"{what} must be an open rawns.Netns (netns.open/create/new), "
            f"not {type(value).__name__}: {_check._show(value)}"
        )
    if value.closed:
        raise ValueError(f"{what} {value!r} is closed")
    return value


def _spec(value: object, what: str = "spec") -> LinkSpec:
    if not isinstance(value, LinkSpec):
        raise TypeError(
            f"{what} must be a link spec (link.Bridge, link.Veth, ...), "
            f"not {type(value).__name__}: {_check._show(value)}"
        )
    return value


def _family_word(version: int) -> str:
    return "ip6" if version == 6 else "ip"


# ---------------------------------------------------------------------------
# single-change helpers


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
    dst: str | IPNetwork,
    *,
    gateway: str | IPAddress | None = None,
    dev: link.LinkRef | None = None,
) -> bool:
    """Add a route unless the same one (destination and gateway) is there.

    Equivalent to: ip route add DST [via GATEWAY] [dev DEV]

    Returns True if it added the route. Raises :class:`~rawns.errors.Conflict`
    if a route to ``dst`` exists through another gateway.
    """
    _check.handle(h)
    _check.no_zone(dst, "dst")
    _check.no_zone(gateway, "gateway")
    want = route.Route(dst=dst, gateway=gateway)  # validates both, and their families
    return _ensure_route(h, want, dev)


def _ensure_route(h: Handle, want: route.Route, dev: link.LinkRef | None = None) -> bool:
    try:
        route.add(h, dst=want.dst, gateway=want.gateway, dev=dev)
        return True
    except AlreadyExists as e:
        exists = e
    for r in route.dump(h, family=want.family):
        if r.dst == want.dst and r.metric == want.metric:
            if r.gateway != want.gateway:
                raise Conflict(
                    f"route {_dst_text(want.dst)} exists via {r.gateway or 'no gateway'}, "
                    f"not {want.gateway}"
                )
            return False
    raise exists


def _dst_text(dst: IPNetwork) -> str:
    return "default" if dst.prefixlen == 0 else str(dst)


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


def _nat_rule_step(
    h: _HandleSource,
    hook: str,
    exprs: Sequence[Expr],
    *,
    family: str,
    table: str,
    description: str,
    made: list[str] | None = None,
) -> Step:
    """Append a NAT rule (:func:`ensure_nat_rule`) in one transaction.

    Only what is missing is queued (the table, the chain, the rule), so an
    existing chain keeps its policy. Undo removes exactly that: the table if
    the step made it, else the rule (and the chain if the step made it).
    ``made`` (if given) receives ``"table"``, ``"chain"`` or ``"rule"``.
    """
    get = _source(h)
    chain_name, prio = hook, NAT_HOOKS[hook]
    want = tuple(exprs)
    made = [] if made is None else made

    def do() -> bool:
        hh = get()
        if not any(t.name == table for t in nft.dump_tables(hh, family=family)):
            what = "table"
        else:
            chains = {c.name: c for c in nft.dump_chains(hh, family=family, table=table)}
            have = chains.get(chain_name)
            if have is None:
                what = "chain"
            else:
                _same_nat_chain(have, family, table, hook, prio)
                rules = nft.dump_rules(hh, family=family, table=table, chain=chain_name)
                if any(r.exprs == want for r in rules):
                    return False
                what = "rule"
        with nft.transaction(hh) as tx:
            if what == "table":
                t = tx.add_table(family, table)
            else:
                t = nft.Table(family=family, name=table)
            if what == "rule":
                c = nft.Chain(family=family, table=table, name=chain_name)
            else:
                c = tx.add_chain(
                    t, chain_name, type="nat", hook=hook, priority=prio, policy="accept"
                )
            tx.add_rule(c, want)
        made[:] = [what]
        return True

    def undo() -> None:
        hh = get()
        with contextlib.suppress(FileNotFoundError):
            if made == ["table"]:
                with nft.transaction(hh) as tx:
                    tx.delete_table(nft.Table(family=family, name=table))
                return
            rules = nft.dump_rules(hh, family=family, table=table, chain=chain_name)
            mine = [r for r in rules if r.exprs == want]
            with nft.transaction(hh) as tx:
                if mine:
                    tx.delete_rule(mine[-1])
                if made == ["chain"]:
                    tx.delete_chain(nft.Chain(family=family, table=table, name=chain_name))

    return Step(description, do, undo)


def _same_nat_chain(have: nft.Chain, family: str, table: str, hook: str, prio: int | str) -> None:
    want_prio = nft.chains.priority_value(family, prio)
    if (have.type, have.hook, have.priority) != ("nat", hook, want_prio):
        shape = (
            f"type {have.type} hook {have.hook} priority {have.priority}"
            if have.hook is not None
            else "a regular chain"
        )
        raise Conflict(
            f"chain {family} {table} {have.name} exists as {shape}, "
            f"not type nat hook {hook} priority {prio}"
        )


# ---------------------------------------------------------------------------
# multi-change helpers


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
    spec = Veth(name=bridge_end, peer=veth, up=True, mtu=mtu, peer_mtu=mtu)
    get_host = _source(host)
    ip_n = f"ip -n {ns_label}"

    def add_veth() -> bool:
        return _ensure_link(get_host(), dataclasses.replace(spec, peer_netns=peer_netns()))

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


def connect(
    host: Handle,
    ns: Netns,
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

    The namespace end is created directly inside ``ns`` (one request, no move);
    the bridge end joins the bridge last.
    Returns True if it created the veth pair; an existing pair of the same
    names is reused. Every argument is checked first (``gateway`` and
    ``routes`` must be of ``address``'s family; ``routes`` need a
    ``gateway``). If a step fails, the ones before it are undone and its
    error is raised with a note naming it.
    """
    _check.handle(host, "host")
    _netns(ns)
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
        ns_label=ns.name or ns.path or "NS",
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


def _af(version: int) -> int:
    return AF_INET if version == 4 else AF_INET6


def _gateway_steps(
    host: _HandleSource, *, bridge: str, address: IPInterface, before: dict[str, str]
) -> list[Step]:
    """The steps of :func:`gateway`, on already checked values."""
    return [
        _link_step(host, Bridge(name=bridge, up=True), f"ip link add {bridge} type bridge"),
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


# ---------------------------------------------------------------------------
# NAT


def _nat_args(h: Handle, family: str, table: str) -> None:
    _check.handle(h)
    _check.choice(family, "family", _NAT_FAMILIES)
    _check.nft_name(table, "table")


def _nat_description(hook: str, exprs: Sequence[Expr], *, family: str, table: str) -> str:
    """``nft add rule FAMILY TABLE HOOK <the rule>``, as nft would print it."""
    from .nft.render import render_exprs

    return f"nft add rule {family} {table} {hook} {render_exprs(list(exprs))}"


def ensure_nat_rule(
    h: Handle, hook: str, exprs: Sequence[Expr], *, family: str = "ip", table: str = "nat"
) -> bool:
    """Append a NAT rule to ``table``'s ``hook`` chain unless an identical rule is there.

    Equivalent to::

        nft add table FAMILY TABLE
        nft add chain FAMILY TABLE HOOK { type nat hook HOOK priority PRIORITY; }
        nft add rule FAMILY TABLE HOOK EXPRS

    The chain is named after its hook, with iptables' nat priorities
    (:data:`NAT_HOOKS`: ``prerouting`` dstnat, ``output`` -100,
    ``postrouting`` srcnat, ``input`` 100). One atomic transaction,
    holding only what is missing. Returns True if it added the rule. Raises
    :class:`~rawns.errors.Conflict` if a chain of that name exists with
    another type, hook or priority.
    """
    _nat_args(h, family, table)
    _check.choice(hook, "hook", NAT_HOOKS)
    if isinstance(exprs, str) or not isinstance(exprs, Sequence):
        raise TypeError(f"exprs must be a list of nft expressions, not {_check._show(exprs)}")
    for e in exprs:
        if not isinstance(e, Expr):
            raise TypeError(f"exprs must hold nft expressions, not {_check._show(e)}")
    return _nat(h, hook, exprs, family, table, "compose.ensure_nat_rule")


def _nat(h: Handle, hook: str, exprs: Sequence[Expr], family: str, table: str, label: str) -> bool:
    step = _nat_rule_step(
        h,
        hook,
        exprs,
        family=family,
        table=table,
        description=_nat_description(hook, exprs, family=family, table=table),
    )
    return bool(run_steps([step], label))


def masquerade(
    h: Handle,
    *,
    source: str | IPNetwork,
    oif: str | None = None,
    not_oif: str | None = None,
    table: str = "nat",
) -> bool:
    """Masquerade traffic from ``source`` (leaving by ``oif``, or by any but ``not_oif``).

    Equivalent to: iptables -t nat -A POSTROUTING -s SOURCE [-o OIF] -j MASQUERADE
    (nft add rule ip nat postrouting ip saddr SOURCE [oifname OIF] masquerade)
    """
    net = _network(source, "source")
    fam = _family_word(net.version)
    _nat_args(h, fam, table)
    _optional_ifname(oif, "oif")
    _optional_ifname(not_oif, "not_oif")
    if oif is not None and not_oif is not None:
        raise ValueError(f"give oif or not_oif, not both (oif={oif!r}, not_oif={not_oif!r})")
    exprs = nft.masquerade(net, oif=oif, not_oif=not_oif)
    return _nat(h, "postrouting", exprs, fam, table, "compose.masquerade")


def snat(
    h: Handle,
    *,
    source: str | IPNetwork,
    to: str | IPAddress,
    oif: str | None = None,
    table: str = "nat",
) -> bool:
    """Source-NAT traffic from ``source`` to address ``to``.

    Equivalent to: iptables -t nat -A POSTROUTING -s SOURCE [-o OIF] -j SNAT --to-source TO
    """
    net = _network(source, "source")
    to_ip = _address(to, "to", _af(net.version))
    fam = _family_word(net.version)
    _nat_args(h, fam, table)
    _optional_ifname(oif, "oif")
    exprs = nft.snat(to_ip, source=net, oif=oif)
    return _nat(h, "postrouting", exprs, fam, table, "compose.snat")


def port_forward(
    h: Handle,
    dport: int,
    *,
    to: str | IPAddress,
    to_port: int | None = None,
    proto: str = "tcp",
    iif: str | None = None,
    daddr: str | IPAddress | None = None,
    table: str = "nat",
) -> bool:
    """Forward ``proto`` port ``dport`` arriving (on ``iif``) to ``to:to_port`` (DNAT).

    Equivalent to: iptables -t nat -A PREROUTING [-i IIF] -p tcp --dport DPORT
    -j DNAT --to-destination TO:TO_PORT
    """
    _check.port(dport, "dport")
    if to_port is not None:
        _check.port(to_port, "to_port")
    _check.choice(proto, "proto", _PORT_PROTOS)
    to_ip = _address(to, "to")
    da = None if daddr is None else _address(daddr, "daddr", _af(to_ip.version))
    fam = _family_word(to_ip.version)
    _nat_args(h, fam, table)
    _optional_ifname(iif, "iif")
    exprs = nft.port_forward(dport, to=to_ip, to_port=to_port, proto=proto, iif=iif, daddr=da)
    return _nat(h, "prerouting", exprs, fam, table, "compose.port_forward")
