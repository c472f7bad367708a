"""A whole private network from a small declarative description.

:class:`Topology` describes the seed scenario's shape: namespaces on a
bridge in a subnet, the bridge as their gateway, masquerade out of an
uplink, and port forwards. :meth:`Topology.apply` builds it from the
:mod:`rawns.compose` helpers and returns an :class:`Applied` that reports
what was made and tears it down. If any step fails, everything made so far is
removed (in reverse order) and the original exception is raised with a note
naming the failed step; nothing is left in the kernel or under ``/run/netns``.

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
import ipaddress
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any

from . import addr, compose, link, netns, nft, route, sysctl
from .errors import NotFound
from .handle import Handle
from .netns import Netns
from .nft.expr import Expr

__all__ = ["Applied", "Forward", "Member", "Topology"]


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
    address: str
    veth: str | None = None
    bridge_end: str | None = None
    routes: tuple[str, ...] = ()
    default_route: bool = True

    @property
    def veth_name(self) -> str:
        return self.veth or f"veth-{self.netns}"

    @property
    def bridge_end_name(self) -> str:
        return self.bridge_end or f"{self.veth_name}-br"


@dataclass(frozen=True, slots=True, kw_only=True)
class Forward:
    """A port forward: ``proto`` traffic to the host's ``port`` goes to ``to:to_port``."""

    port: int
    to: str
    to_port: int | None = None
    proto: str = "tcp"


@dataclass(frozen=True, slots=True, kw_only=True)
class Topology:
    """The seed's private network: defaults are the seed's own names and addresses.

    ``host`` is the namespace that plays the host (a :class:`Netns` or a
    name); ``None`` means the caller's own namespace. ``uplink`` restricts
    masquerade to traffic leaving by that interface and port forwards to
    traffic arriving on it.
    """

    members: Sequence[Member]
    subnet: str = "192.168.15.0/24"
    bridge: str = "v-net-0"
    gateway: str = "192.168.15.5"
    host: Netns | str | None = None
    uplink: str | None = None
    masquerade: bool = True
    forwards: Sequence[Forward] = ()
    nat_table: str = "nat"

    # -- validation ---------------------------------------------------------
    def _net(self) -> ipaddress.IPv4Network | ipaddress.IPv6Network:
        try:
            return ipaddress.ip_network(self.subnet)
        except ValueError:
            raise ValueError(f"subnet {self.subnet!r} is not a network prefix") from None

    def _in_subnet(
        self, what: str, value: str
    ) -> ipaddress.IPv4Interface | ipaddress.IPv6Interface:
        net = self._net()
        try:
            ip = ipaddress.ip_interface(value)
        except ValueError:
            raise ValueError(f"{what} {value!r} is not an IP address") from None
        if ip.ip not in net:
            raise ValueError(f"{what} {value} is outside the subnet {net}")
        if "/" not in value:
            ip = ipaddress.ip_interface(f"{ip.ip}/{net.prefixlen}")
        return ip

    def validate(self) -> None:
        """Check every name and address before anything is touched (ValueError)."""
        from ._rtnl import check_ifname

        self._in_subnet("gateway", self.gateway)
        check_ifname(self.bridge)
        if self.uplink is not None:
            check_ifname(self.uplink)
        seen: dict[str, str] = {}
        for m in self.members:
            netns.validate_name(m.netns)
            for n in (m.veth_name, m.bridge_end_name):
                check_ifname(n)
            for key in (m.netns, m.bridge_end_name, str(self._in_subnet("address", m.address).ip)):
                if key in seen:
                    raise ValueError(f"{key!r} is used twice (members {seen[key]} and {m.netns})")
                seen[key] = m.netns
            for r in m.routes:
                ipaddress.ip_network(r, strict=False)
        for f in self.forwards:
            self._in_subnet(f"port forward {f.proto}/{f.port} target", f.to)
            for p in (f.port, f.to_port):
                if p is not None and not 0 < p < 65536:
                    raise ValueError(f"port {p} of forward to {f.to} is out of range 1..65535")

    # -- the plan ---------------------------------------------------------------
    def _gw(self) -> str:
        return str(self._in_subnet("gateway", self.gateway))

    def plan(self) -> list[str]:
        """The steps :meth:`apply` takes, as the equivalent ``ip``/``nft`` commands."""
        self.validate()
        fam = "ip6" if self._net().version == 6 else "ip"
        steps = [f"ip netns add {m.netns}" for m in self.members]
        steps.append(f"ip link add {self.bridge} type bridge; ip link set {self.bridge} up")
        steps.append(f"ip addr add {self._gw()} dev {self.bridge}")
        steps.append(
            "sysctl -w "
            + ("net.ipv6.conf.all.forwarding=1" if fam == "ip6" else "net.ipv4.ip_forward=1")
        )
        gw = self.gateway.split("/")[0]
        for m in self.members:
            steps.append(
                f"ip link add {m.bridge_end_name} master {self.bridge} up type veth "
                f"peer name {m.veth_name} netns {m.netns}; "
                f"ip -n {m.netns} addr add {self._in_subnet('address', m.address)} "
                f"dev {m.veth_name}"
                + (f"; ip -n {m.netns} route add default via {gw}" if m.default_route else "")
                + "".join(f"; ip -n {m.netns} route add {r} via {gw}" for r in m.routes)
            )
        if self.masquerade:
            oif = f" oifname {self.uplink}" if self.uplink else f' oifname != "{self.bridge}"'
            steps.append(
                f"nft add rule {fam} {self.nat_table} postrouting {fam} saddr {self._net()}"
                f"{oif} masquerade"
            )
        for f in self.forwards:
            iif = f"iifname {self.uplink} " if self.uplink else ""
            to = f.to if f.to_port is None else f"{f.to}:{f.to_port}"
            if f.to_port is not None and fam == "ip6":
                to = f"[{f.to}]:{f.to_port}"
            steps.append(
                f"nft add rule {fam} {self.nat_table} prerouting {iif}{f.proto} dport {f.port} "
                f"dnat to {to}"
            )
        return steps

    # -- apply ----------------------------------------------------------------
    def apply(self) -> Applied:
        """Build the network; on failure undo every step taken and re-raise.

        Equivalent to: the commands of :meth:`plan`, in order.

        Raises :class:`ValueError` for a bad description (nothing touched),
        or the original error of the failed step (with a note naming it)
        after undoing everything made so far.
        """
        self.validate()
        applied = Applied(self)
        plan = self.plan()
        fam = "ip6" if self._net().version == 6 else "ip"
        step_no = 0

        def step(fn: Callable[[], None]) -> None:
            nonlocal step_no
            desc = plan[step_no]
            try:
                fn()
            except BaseException as e:
                undo_errors = applied._undo_all()
                e.add_note(
                    f"rawns topology: step {step_no + 1}/{len(plan)} failed: {desc}; "
                    f"undid {len(applied.steps)} earlier step(s)"
                    + (f"; undo problems: {'; '.join(undo_errors)}" if undo_errors else "")
                )
                applied.steps.clear()
                raise
            applied.steps.append(desc)
            step_no += 1

        host_ns: Netns | None = None
        try:
            if isinstance(self.host, str):
                host_ns = netns.open(self.host)
            elif isinstance(self.host, Netns):
                host_ns = self.host.dup()
            host = Handle.open(netns=host_ns)
        except BaseException:
            if host_ns is not None:
                host_ns.close()
            raise
        applied._host = host
        member_ns: dict[str, Netns] = {}
        try:
            for m in self.members:

                def make_ns(m: Member = m) -> None:
                    if netns.exists(m.netns):
                        member_ns[m.netns] = netns.open(m.netns)
                    else:
                        ns = netns.create(m.netns, delete_on_exit=False)
                        member_ns[m.netns] = ns
                        applied._undo.append((f"ip netns del {m.netns}", _del_ns(m.netns)))
                        applied.namespaces.append(m.netns)

                step(make_ns)

            def bridge() -> None:
                if compose.ensure_link(host, link.Bridge(name=self.bridge, up=True)):
                    applied._undo.append(
                        (
                            f"ip link del {self.bridge}",
                            lambda: _quiet(link.delete, host, self.bridge),
                        )
                    )
                    applied.links.append(self.bridge)
                elif not link.get(host, self.bridge).up:
                    link.set(host, self.bridge, up=True)
                    applied._undo.append(
                        (
                            f"ip link set {self.bridge} down",
                            lambda: _quiet(link.set, host, self.bridge, up=False),
                        )
                    )

            step(bridge)

            def gateway_address() -> None:
                gw_iface = self._gw()
                if compose.ensure_address(host, self.bridge, gw_iface):
                    applied._undo.append(
                        (
                            f"ip addr del {gw_iface} dev {self.bridge}",
                            lambda: _quiet(addr.delete, host, gw_iface, dev=self.bridge),
                        )
                    )

            step(gateway_address)

            def forwarding() -> None:
                before = compose.forwarding(host, ipv4=fam == "ip", ipv6=fam == "ip6")
                for key, value in before.items():
                    if value != "1":
                        applied._undo.append(
                            (f"sysctl -w {key}={value}", _restore_sysctl(host, key, value))
                        )

            step(forwarding)
            gw = self.gateway.split("/")[0]
            for m in self.members:

                def plug(m: Member = m) -> None:
                    ns = member_ns[m.netns]
                    # A re-used veth (in a namespace that was already there) keeps its
                    # old addresses and routes: record them so that teardown removes
                    # only what this apply adds. A new veth or namespace takes its
                    # addresses and routes with it when it is deleted.
                    before: tuple[set[Any], set[Any]] | None = None
                    if m.netns not in applied.namespaces and _has_link(host, m.bridge_end_name):
                        with Handle.open(netns=ns) as h:
                            before = _addresses_and_routes(h)
                    created = compose.connect(
                        host,
                        ns,
                        bridge=self.bridge,
                        veth=m.veth_name,
                        bridge_end=m.bridge_end_name,
                        address=self._in_subnet("address", m.address),
                        gateway=gw if m.default_route else None,
                        routes=m.routes,
                    )
                    if created:
                        applied._undo.append(
                            (
                                f"ip link del {m.bridge_end_name}",
                                lambda: _quiet(link.delete, host, m.bridge_end_name),
                            )
                        )
                        applied.links.append(m.bridge_end_name)
                    elif before is not None:
                        applied._undo.append(
                            (f"remove what was added in {m.netns}", _undo_added(m.netns, before))
                        )

                step(plug)
            chains = self._chains(host, fam)
            if chains is None:
                applied._undo.append(
                    (f"nft delete table {fam} {self.nat_table}", self._drop_table(host, fam))
                )
            nat_rules: list[tuple[str, list[Expr]]] = []
            if self.masquerade:
                # Without an uplink, exclude the bridge itself: with br_netfilter
                # loaded, bridged member-to-member traffic also meets this hook.
                not_oif = None if self.uplink else self.bridge
                exprs = nft.masquerade(str(self._net()), oif=self.uplink, not_oif=not_oif)
                nat_rules.append(("postrouting", exprs))
            for f in self.forwards:
                exprs = nft.port_forward(
                    f.port,
                    to=f.to.split("/")[0],
                    to_port=f.to_port,
                    proto=f.proto,
                    iif=self.uplink,
                )
                nat_rules.append(("prerouting", exprs))
            for hook, exprs in nat_rules:

                def nat(hook: str = hook, exprs: list[Expr] = exprs) -> None:
                    chain = hook  # compose names the chain after its hook
                    if chains is not None and chain not in chains:
                        chains.add(chain)
                        applied._undo.append(
                            (
                                f"nft delete chain {fam} {self.nat_table} {chain}",
                                self._drop_chain(host, fam, chain),
                            )
                        )
                    if compose.ensure_nat_rule(host, hook, exprs, family=fam, table=self.nat_table):
                        applied._undo.append(
                            (
                                f"nft delete rule {fam} {self.nat_table} {chain} ...",
                                self._drop_rule(host, fam, chain, exprs),
                            )
                        )

                step(nat)
            if chains is None:
                applied.tables.append(f"{fam} {self.nat_table}")
        except BaseException:
            host.close()
            applied._host = None
            raise
        finally:
            for ns in member_ns.values():
                ns.close()
            if host_ns is not None:
                host_ns.close()
        return applied

    def _chains(self, h: Handle, fam: str) -> set[str] | None:
        """Names of the NAT table's chains, or None if there is no such table."""
        if not any(t.name == self.nat_table for t in nft.dump_tables(h, family=fam)):
            return None
        return {c.name for c in nft.dump_chains(h, family=fam, table=self.nat_table)}

    def _drop_table(self, h: Handle, fam: str) -> Callable[[], None]:
        def drop() -> None:
            with contextlib.suppress(NotFound), nft.transaction(h) as tx:
                tx.delete_table(nft.Table(family=fam, name=self.nat_table))

        return drop

    def _drop_chain(self, h: Handle, fam: str, chain: str) -> Callable[[], None]:
        def drop() -> None:
            with contextlib.suppress(NotFound), nft.transaction(h) as tx:
                tx.delete_chain(nft.Chain(family=fam, table=self.nat_table, name=chain))

        return drop

    def _drop_rule(self, h: Handle, fam: str, chain: str, exprs: list[Expr]) -> Callable[[], None]:
        def drop() -> None:
            try:
                rules = nft.dump_rules(h, family=fam, table=self.nat_table, chain=chain)
            except NotFound:
                return
            mine = [r for r in rules if r.exprs == tuple(exprs)]
            if mine:
                with nft.transaction(h) as tx:
                    for r in mine:
                        tx.delete_rule(r)

        return drop


def _has_link(h: Handle, name: str) -> bool:
    try:
        link.get(h, name)
    except NotFound:
        return False
    return True


def _addresses_and_routes(h: Handle) -> tuple[set[Any], set[Any]]:
    return set(addr.dump(h)), set(route.dump(h, family=0)) | set(route.dump(h, family=10))


def _undo_added(name: str, before: tuple[set[Any], set[Any]]) -> Callable[[], None]:
    """Delete the addresses and routes that appeared in namespace ``name`` since ``before``."""

    def undo() -> None:
        try:
            h = Handle.open(netns=name)
        except FileNotFoundError:
            return
        with h:
            addrs, routes = _addresses_and_routes(h)
            for r in routes - before[1]:
                _quiet(route.delete, h, r)
            for a in addrs - before[0]:
                _quiet(addr.delete, h, a)

    return undo


def _quiet(fn: Callable[..., object], *args: object, **kw: object) -> None:
    with contextlib.suppress(NotFound):
        fn(*args, **kw)


def _del_ns(name: str) -> Callable[[], None]:
    def drop() -> None:
        with contextlib.suppress(FileNotFoundError):
            netns.delete(name)

    return drop


def _restore_sysctl(h: Handle, key: str, value: str) -> Callable[[], None]:
    return lambda: sysctl.set(h, key, value)


@dataclass(eq=False)
class Applied:
    """What :meth:`Topology.apply` made; :meth:`teardown` removes exactly that."""

    topology: Topology
    steps: list[str] = field(default_factory=list)
    namespaces: list[str] = field(default_factory=list)
    links: list[str] = field(default_factory=list)
    tables: list[str] = field(default_factory=list)
    _undo: list[tuple[str, Callable[[], None]]] = field(default_factory=list, repr=False)
    _host: Handle | None = field(default=None, repr=False)

    def _undo_all(self) -> list[str]:
        problems = []
        while self._undo:
            desc, fn = self._undo.pop()
            try:
                fn()
            except Exception as e:  # keep undoing; report what failed
                problems.append(f"{desc}: {e}")
        if self._host is not None:
            self._host.close()
            self._host = None
        return problems

    def teardown(self) -> None:
        """Remove everything this apply made, newest first (best effort, see module doc).

        Raises :class:`RuntimeError` listing the undo steps that failed, after
        trying all of them.
        """
        problems = self._undo_all()
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
