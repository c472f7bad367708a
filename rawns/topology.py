"""A whole private network from a small declarative description.

:class:`Topology` describes the seed scenario's shape: namespaces on a
bridge in a subnet, the bridge as their gateway, masquerade out of an
uplink, and port forwards. :meth:`Topology.apply` builds it from the
:mod:`rawns.compose` steps and returns an :class:`Applied` that reports
what was made and tears it down.

The description is checked when it is made (and again by :meth:`validate`,
:meth:`plan` and :meth:`apply`): a bad name, address, port, protocol or
table, a member on the subnet's network, broadcast or gateway address, or
two forwards of the same port raise :class:`ValueError`/:class:`TypeError`
before anything is touched.

The steps are data, built once (:meth:`Topology.plan` prints them,
:meth:`Topology.apply` runs them): if any step fails, every step taken so far
is undone, newest first (sysctls get their old values back), and the step's
own exception is raised with a note naming it; nothing is left in the kernel
or under ``/run/netns``.

>>> t = Topology(members=[Member(netns="red", address="192.168.15.1")],
...              forwards=[Forward(port=80, to="192.168.15.1")])
>>> for s in t.plan()[:3]:
...     print(s)
ip netns add red
ip link add v-net-0 type bridge; ip link set v-net-0 up
ip addr add 192.168.15.5/24 dev v-net-0

rtnetlink has no transactions: the undo is best effort (each undo step that
fails is reported in the note and the rest still run).
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from ipaddress import IPv4Interface, IPv6Interface
from types import TracebackType

from . import _check, compose, netns, nft
from ._inet import IPAddress, IPInterface, IPNetwork
from .compose import Step, run_steps
from .compose._args import _address, _af, _interface, _network, _optional_ifname
from .compose._nat import _nat_description, _nat_rule_step
from .compose._steps import _group, _Inside, _unwind
from .handle import Handle
from .netns import Netns

__all__ = ["Applied", "Forward", "Member", "Topology"]


def _ns_name(value: object, what: str) -> str:
    try:
        return netns.validate_name(value)
    except (TypeError, ValueError) as e:
        raise type(e)(f"{what}: {e}") from None


def _tuple(value: object, what: str) -> tuple[object, ...]:
    if isinstance(value, str | bytes) or not isinstance(value, Sequence):
        raise TypeError(f"{what} must be a list or tuple, not {_check._show(value)}")
    return tuple(value)


@dataclass(frozen=True, slots=True, kw_only=True)
class Member:
    """A namespace plugged into the bridge.

    ``address`` without a prefix takes the subnet's. ``veth`` is the name
    inside the namespace (default ``veth-<netns>``), ``bridge_end`` the name
    on the host side (default ``<veth>-br``); both must fit in 15 bytes.
    ``routes`` are extra destinations reached via the gateway (the default
    route is added unless ``default_route=False``).
    """

    netns: str
    address: str | IPInterface | IPAddress
    veth: str | None = None
    bridge_end: str | None = None
    routes: tuple[str | IPNetwork, ...] = ()
    default_route: bool = True

    def __post_init__(self) -> None:
        _ns_name(self.netns, "Member.netns")
        _interface(self.address, "Member.address")
        for what, value in (("Member.veth", self.veth), ("Member.bridge_end", self.bridge_end)):
            _optional_ifname(value, what)
        _check.ifname(self.veth_name, "Member.veth" if self.veth else "Member.veth (veth-<netns>)")
        _check.ifname(
            self.bridge_end_name,
            "Member.bridge_end" if self.bridge_end else "Member.bridge_end (<veth>-br)",
        )
        routes = _tuple(self.routes, "Member.routes")
        for r in routes:
            _network(r, "Member.routes")
        object.__setattr__(self, "routes", routes)
        _check.boolean(self.default_route, "Member.default_route")

    @property
    def veth_name(self) -> str:
        return self.veth or f"veth-{self.netns}"

    @property
    def bridge_end_name(self) -> str:
        return self.bridge_end or f"{self.veth_name}-br"


#: The protocols a port forward can match (nft: ``tcp dport``, ``udp dport`` ...).
FORWARD_PROTOCOLS = ("tcp", "udp", "sctp", "dccp")


@dataclass(frozen=True, slots=True, kw_only=True)
class Forward:
    """A port forward: ``proto`` traffic to the host's ``port`` goes to ``to:to_port``."""

    port: int
    to: str | IPAddress
    to_port: int | None = None
    proto: str = "tcp"

    def __post_init__(self) -> None:
        _check.port(self.port, "Forward.port")
        if self.to_port is not None:
            _check.port(self.to_port, "Forward.to_port")
        _check.choice(self.proto, "Forward.proto", FORWARD_PROTOCOLS)
        _address(self.to, "Forward.to")


@dataclass(frozen=True, slots=True, kw_only=True)
class Topology:
    """The seed's private network: defaults are the seed's own names and addresses.

    ``host`` is the namespace that plays the host (a :class:`Netns` or a
    name); ``None`` means the caller's own namespace. ``uplink`` restricts
    masquerade to traffic leaving by that interface and port forwards to
    traffic arriving on it; without it the masquerade covers every way out
    but the bridge (``oifname != BRIDGE``) and the forwards any way in.
    """

    members: Sequence[Member]
    subnet: str | IPNetwork = "192.168.15.0/24"
    bridge: str = "v-net-0"
    gateway: str | IPAddress | IPInterface = "192.168.15.5"
    host: Netns | str | None = None
    uplink: str | None = None
    masquerade: bool = True
    forwards: Sequence[Forward] = ()
    nat_table: str = "nat"

    def __post_init__(self) -> None:
        object.__setattr__(self, "members", _tuple(self.members, "Topology.members"))
        object.__setattr__(self, "forwards", _tuple(self.forwards, "Topology.forwards"))
        self.validate()

    # -- validation ---------------------------------------------------------
    def _net(self) -> IPNetwork:
        return _network(self.subnet, "subnet")

    def _host_address(self, what: str, value: object) -> IPInterface:
        """``value`` as an address of the subnet, with the subnet's prefix length."""
        net = self._net()
        given = _interface(value, what)
        if given.ip not in net:
            raise ValueError(f"{what} {value} is outside the subnet {net}")
        has_prefix = isinstance(value, IPv4Interface | IPv6Interface) or (
            isinstance(value, str) and "/" in value
        )
        if has_prefix and given.network.prefixlen != net.prefixlen:
            raise ValueError(
                f"{what} {value} has prefix /{given.network.prefixlen}; the subnet {net} "
                f"is /{net.prefixlen}"
            )
        if net.num_addresses > 2 and given.ip == net.network_address:
            raise ValueError(f"{what} {value} is the network address of the subnet {net}")
        if net.version == 4 and net.num_addresses > 2 and given.ip == net.broadcast_address:
            raise ValueError(f"{what} {value} is the broadcast address of the subnet {net}")
        return _interface(f"{given.ip}/{net.prefixlen}", what)

    def validate(self) -> None:
        """Check every name, address, port and table (ValueError/TypeError; nothing touched).

        Runs when the Topology is made, and again before :meth:`plan` and :meth:`apply`.
        """
        net = self._net()
        gw = self._host_address("gateway", self.gateway)
        _check.ifname(self.bridge, "bridge")
        _optional_ifname(self.uplink, "uplink")
        _check.boolean(self.masquerade, "masquerade")
        _check.nft_name(self.nat_table, "nat_table")
        if isinstance(self.host, str):
            _ns_name(self.host, "host")
        elif isinstance(self.host, Netns):
            if self.host.closed:
                raise ValueError(f"host {self.host!r} is closed")
        elif self.host is not None:
            raise TypeError(
                f"host must be a Netns, a namespace name or None, not {_check._show(self.host)}"
            )
        # Every name and address that must be unique, and who holds it.
        seen: dict[tuple[str, str], str] = {
            ("host link", self.bridge): "the bridge",
            ("address", str(gw.ip)): "the gateway",
        }
        if self.uplink is not None:
            _claim(seen, ("host link", self.uplink), "the uplink")
        host_name = self.host if isinstance(self.host, str) else getattr(self.host, "name", None)
        if host_name:
            _claim(seen, ("namespace", host_name), "the host")
        fam = _af(net.version)
        for m in self.members:
            if not isinstance(m, Member):
                raise TypeError(f"Topology.members must hold Member, not {_check._show(m)}")
            who = f"member {m.netns}"
            iface = self._host_address(f"{who} address", m.address)
            _claim(seen, ("namespace", m.netns), who)
            _claim(seen, ("host link", m.bridge_end_name), who)
            _claim(seen, ("address", str(iface.ip)), who)
            for r in m.routes:
                _network(r, f"{who} route", fam)
        for f in self.forwards:
            if not isinstance(f, Forward):
                raise TypeError(f"Topology.forwards must hold Forward, not {_check._show(f)}")
            self._host_address(f"port forward {f.proto}/{f.port} target", f.to)
            _claim(seen, ("forward", f"{f.proto}/{f.port}"), f"the forward to {f.to}")

    # -- the steps ------------------------------------------------------------
    def _steps(self, run: _Run) -> list[Step]:
        """Every step of :meth:`apply`, as data: :meth:`plan` prints them, apply runs them."""
        net = self._net()
        fam = "ip6" if net.version == 6 else "ip"
        gw = self._host_address("gateway", self.gateway)
        steps = [_ns_step(m.netns, run) for m in self.members]
        bridge, up, address, *sysctls = compose._gateway_steps(
            run.host, bridge=self.bridge, address=gw, before=run.sysctl_before
        )
        bridge = _on_change(bridge, lambda: run.applied.links.append(self.bridge))
        steps += [_group(_joined([bridge, up]), [bridge, up]), address, *sysctls]
        for m in self.members:
            inside = run.inside(m.netns)
            plug = compose._connect_steps(
                run.host,
                inside.handle,
                inside.netns,
                ns_label=m.netns,
                bridge=self.bridge,
                veth=m.veth_name,
                bridge_end=m.bridge_end_name,
                address=self._host_address(f"member {m.netns} address", m.address),
                gateway=gw.ip,
                routes=[_network(r, "route", _af(net.version)) for r in m.routes],
                default=m.default_route,
            )
            plug[0] = _on_change(
                plug[0], functools.partial(run.applied.links.append, m.bridge_end_name)
            )
            steps.append(_group(_joined(plug), plug))
        rules: list[tuple[str, list[nft.Expr]]] = []
        if self.masquerade:
            # Without an uplink, exclude the bridge itself: with br_netfilter
            # loaded, bridged member-to-member traffic also meets this hook.
            not_oif = None if self.uplink else self.bridge
            rules.append(("postrouting", nft.masquerade(net, oif=self.uplink, not_oif=not_oif)))
        for f in self.forwards:
            to = _address(f.to, "to")
            rules.append(
                (
                    "prerouting",
                    nft.port_forward(
                        f.port, to=to, to_port=f.to_port, proto=f.proto, iif=self.uplink
                    ),
                )
            )
        for hook, exprs in rules:
            made: list[str] = []
            step = _nat_rule_step(
                run.host,
                hook,
                exprs,
                family=fam,
                table=self.nat_table,
                description=_nat_description(hook, exprs, family=fam, table=self.nat_table),
                made=made,
            )

            def table_made(made: list[str] = made) -> None:
                if made == ["table"]:
                    run.applied.tables.append(f"{fam} {self.nat_table}")

            steps.append(_on_change(step, table_made))
        return steps

    def plan(self) -> list[str]:
        """The steps :meth:`apply` takes, as the equivalent ``ip``/``nft`` commands."""
        self.validate()
        return [s.description for s in self._steps(_Run(self, Applied(self)))]

    # -- apply ----------------------------------------------------------------
    def apply(self) -> Applied:
        """Build the network; on failure undo every step taken and re-raise.

        Equivalent to: the commands of :meth:`plan`, in order.

        Raises :class:`ValueError`/:class:`TypeError` for a bad description
        (nothing touched), :class:`FileNotFoundError` for a ``host`` name
        that does not exist (nothing touched), or the original error of the
        failed step (with a note naming it) after undoing everything made so
        far.
        """
        self.validate()
        applied = Applied(self)
        run = _Run(self, applied)
        steps = self._steps(run)
        run.open()
        try:
            applied._done = run_steps(steps, "topology")
        except BaseException:
            run.close()
            raise
        run.close_members()
        applied.steps = [s.description for s in steps]
        applied._run = run
        return applied


def _claim(seen: dict[tuple[str, str], str], key: tuple[str, str], who: str) -> None:
    if key in seen:
        raise ValueError(f"{key[0]} {key[1]!r} is used twice ({seen[key]} and {who})")
    seen[key] = who


def _joined(steps: Sequence[Step]) -> str:
    return "; ".join(s.description for s in steps)


def _on_change(step: Step, record: Callable[[], None]) -> Step:
    """``step``, calling ``record()`` after its do() changed something."""

    def do() -> bool:
        changed = step.do()
        if changed:
            record()
        return changed

    return Step(step.description, do, step.undo)


def _ns_step(name: str, run: _Run) -> Step:
    def do() -> bool:
        if netns.exists(name):
            return False
        netns.create(name, delete_on_exit=False).close()
        run.applied.namespaces.append(name)
        return True

    def undo() -> None:
        run.inside(name).close()  # our own descriptors first: they keep it alive
        with contextlib.suppress(FileNotFoundError):
            netns.delete(name)

    return Step(f"ip netns add {name}", do, undo)


class _Run:
    """What the steps of one apply act on: the host handle and the member namespaces.

    Opened when apply starts; member namespaces are opened when a step needs
    them (by name, also when teardown comes much later) and closed after
    apply; the host handle stays open until teardown.
    """

    def __init__(self, topo: Topology, applied: Applied) -> None:
        self.topo = topo
        self.applied = applied
        self._host: Handle | None = None
        self._inside: dict[str, _Inside] = {}
        self.sysctl_before: dict[str, str] = {}

    def host(self) -> Handle:
        if self._host is None:
            raise RuntimeError("the topology's host handle is not open")
        return self._host

    def inside(self, name: str) -> _Inside:
        if name not in self._inside:
            self._inside[name] = _Inside(name)
        return self._inside[name]

    def open(self) -> None:
        where = self.topo.host
        if isinstance(where, str):
            with netns.open(where) as ns:
                self._host = Handle.open(netns=ns)
        else:
            self._host = Handle.open(netns=where)

    def close_members(self) -> None:
        for inside in self._inside.values():
            inside.close()

    def close(self) -> None:
        self.close_members()
        if self._host is not None:
            self._host.close()
            self._host = None


@dataclass(eq=False)
class Applied:
    """What :meth:`Topology.apply` made; :meth:`teardown` removes exactly that."""

    topology: Topology
    steps: list[str] = field(default_factory=list)
    namespaces: list[str] = field(default_factory=list)
    links: list[str] = field(default_factory=list)
    tables: list[str] = field(default_factory=list)
    _done: list[Step] = field(default_factory=list, repr=False)
    _run: _Run | None = field(default=None, repr=False)

    def teardown(self) -> None:
        """Remove everything this apply made, newest first (best effort, see module doc).

        Also reverts what apply changed on objects it found (a bridge set up,
        an address or route added next to a re-used veth, a sysctl). Raises
        :class:`RuntimeError` listing the undo steps that failed, after
        trying all of them. A second call does nothing.
        """
        problems, _ = _unwind(self._done)
        if self._run is not None:
            self._run.close()
            self._run = None
        if problems:
            raise RuntimeError("topology teardown left problems: " + "; ".join(problems))

    def summary(self) -> str:
        """The objects made, one kind per line."""
        return "\n".join(
            [
                f"  namespaces: {', '.join(self.namespaces) or '-'}",
                f"  host links: {', '.join(self.links) or '-'}",
                f"  nft tables: {', '.join(self.tables) or '-'}",
            ]
        )

    def report(self) -> str:
        """The steps taken, numbered, then :meth:`summary`."""
        steps = [f"  {i + 1:2}. {s}" for i, s in enumerate(self.steps)]
        return "\n".join([*steps, self.summary()])

    def __enter__(self) -> Applied:
        return self

    def __exit__(
        self, t: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.teardown()
