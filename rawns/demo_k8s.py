"""``python -m rawns demo k8s``: the Kubernetes network model on simulated nodes.

Two nodes (namespaces) on a shared "LAN" (a namespace holding the bridge
``lan0``, 192.168.100.0/24), each node with its pod subnet 10.244.N.0/24 on
a bridge ``cni0``, pods (namespaces) attached with :func:`rawns.pods.attach`,
and an "external" namespace on the LAN (192.168.100.200) that knows nothing
of the pod network. Across nodes, pods reach each other either by plain
routes between the nodes (``hostgw``) or through a vxlan overlay
(``vxlan``, flannel's design). Traffic leaving the cluster is masqueraded;
pod-to-pod traffic never is. Then real TCP connections prove the model:

- pod to pod on one node, and across nodes: the server sees the client
  pod's own IP (no NAT);
- node to a remote pod;
- pod to the external namespace: the server sees the node's LAN address
  (masquerade).

Everything lives in namespaces named ``rawns-k8s-<tag>-*``, removed at the
end (also on Ctrl-C/SIGTERM; :func:`rawns.netns.delete_stale` after a kill).
The machine's own namespace is never touched. Without root it runs in a
private user+network+mount namespace, like the seed demo.
"""

from __future__ import annotations

import contextlib
import dataclasses
import signal
import sys
import time
import uuid
from collections.abc import Iterator

from . import compose, link, netns, pods, probe, rootless
from .demo import Report
from .handle import Handle

__all__ = ["MODES", "Cluster", "build", "run", "run_demo"]

MODES = ("hostgw", "vxlan")
PREFIX = "rawns-k8s-"
LAN = "192.168.100"
EXTERNAL = f"{LAN}.200"
CLUSTER = "10.244.0.0/16"
VNI = 1
VXLAN_MTU = 1450  # the LAN's 1500 less vxlan's 50 bytes of headers, as flannel sets it


@dataclasses.dataclass
class Node:
    """One simulated node: its namespace, handle, LAN address and pod subnet."""

    name: str
    ns: netns.Netns
    h: Handle
    lan_ip: str
    subnet: str
    bridge_ip: str
    pods: list[tuple[str, netns.Netns, pods.Attachment]] = dataclasses.field(default_factory=list)


@dataclasses.dataclass
class Cluster:
    """What :func:`build` made (every namespace shares ``prefix``)."""

    prefix: str
    mode: str
    lan: netns.Netns
    external: netns.Netns
    nodes: list[Node]

    def close(self) -> None:
        """Close the descriptors (the namespaces stay: :func:`teardown` removes them)."""
        for n in self.nodes:
            n.h.close()
            n.ns.close()
            for _name, ns, _a in n.pods:
                ns.close()
        self.lan.close()
        self.external.close()


def _ns(prefix: str, role: str) -> netns.Netns:
    return netns.create(f"{prefix}{role}", delete_on_exit=False)


def _uplink(lan: Handle, inside: Handle, peer_name: str, address: str) -> None:
    """A namespace's ``eth0`` on the LAN bridge: a veth born with one end inside it."""
    assert inside.netns is not None
    link.add(lan, link.Veth(name=peer_name, peer="eth0", peer_netns=inside.netns, up=True))
    link.set(lan, peer_name, master="lan0", up=True)
    link.set(inside, "lo", up=True)
    link.set(inside, "eth0", up=True)
    compose.ensure_address(inside, "eth0", address)


def build(prefix: str, *, mode: str = "hostgw", n_pods: int = 3) -> Cluster:
    """Build the two-node cluster with ``n_pods`` pods (spread over the nodes).

    Everything is made inside namespaces named ``PREFIX...``; on failure the
    caller removes them by prefix (:func:`teardown`).
    """
    if mode not in MODES:
        raise ValueError(f"mode must be one of {', '.join(MODES)}, not {mode!r}")
    if not 1 <= n_pods <= 250:
        raise ValueError(f"pods must be 1..250, not {n_pods}")
    lan_ns, ext_ns = _ns(prefix, "lan"), _ns(prefix, "ext")
    nodes: list[Node] = []
    cluster = Cluster(prefix, mode, lan_ns, ext_ns, nodes)
    try:
        with Handle.open(netns=lan_ns) as lan, Handle.open(netns=ext_ns) as ext:
            link.add(lan, link.Bridge(name="lan0", up=True))
            link.set(lan, "lo", up=True)
            _uplink(lan, ext, "ext", f"{EXTERNAL}/24")
            for i in (1, 2):
                ns = _ns(prefix, f"node{i}")
                h = Handle.open(netns=ns)
                node = Node(
                    f"node{i}", ns, h, f"{LAN}.{10 + i}", f"10.244.{i}.0/24", f"10.244.{i}.1"
                )
                nodes.append(node)
                _uplink(lan, h, f"node{i}", f"{node.lan_ip}/24")
                compose.forwarding(h)
                compose.gateway(h, bridge="cni0", address=f"{node.bridge_ip}/24")
                pods.masquerade_outside(h, cluster=CLUSTER)
        _connect_nodes(cluster)
        mtu = VXLAN_MTU if mode == "vxlan" else None
        for j in range(n_pods):
            node = nodes[j % 2]
            _add_pod(cluster, node, len(node.pods), mtu)
    except BaseException:
        cluster.close()
        raise
    return cluster


def _add_pod(cluster: Cluster, node: Node, k: int, mtu: int | None) -> None:
    name = f"{node.name}-pod{k}"
    ns = _ns(cluster.prefix, name)
    try:
        ip = node.bridge_ip.rsplit(".", 1)[0] + f".{k + 2}"
        a = pods.attach(
            node.h,
            ns,
            bridge="cni0",
            container_id=f"{cluster.prefix}{name}",
            addresses=[f"{ip}/24"],
            gateway=node.bridge_ip,
            subnet=node.subnet,
            mtu=mtu,
        )
    except BaseException:
        ns.close()
        raise
    node.pods.append((name, ns, a))


def _connect_nodes(cluster: Cluster) -> None:
    a, b = cluster.nodes
    if cluster.mode == "hostgw":
        pods.route_to(a.h, subnet=b.subnet, via=b.lan_ip)
        pods.route_to(b.h, subnet=a.subnet, via=a.lan_ip)
        return
    veps = {}
    for n in (a, b):
        vtep_ip = n.subnet.split("/")[0]
        veps[n.name] = pods.vtep(
            n.h, vni=VNI, local=n.lan_ip, dev="eth0", address=vtep_ip, mtu=VXLAN_MTU
        )
    for here, there in ((a, b), (b, a)):
        mac = veps[there.name].mac
        assert mac is not None
        pods.add_peer(
            here.h,
            pods.peer(subnet=there.subnet, vtep_mac=mac, node_address=there.lan_ip),
        )


def teardown(prefix: str) -> list[str]:
    """Remove every namespace whose name starts with ``prefix`` (uninterruptibly);
    return the names of those left."""
    quiet = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
    old = {s: signal.signal(s, signal.SIG_IGN) for s in quiet}
    try:
        netns.delete_stale(prefix)
        return netns.dump(prefix=prefix)
    finally:
        for s, handler in old.items():
            signal.signal(s, handler)


# ---------------------------------------------------------------------------
# proof


def _ip(a: pods.Attachment) -> str:
    return str(a.addresses[0].ip)


def prove(rep: Report, c: Cluster) -> None:
    """The model's claims, each with a real TCP connection."""
    n1, n2 = c.nodes
    first = n1.pods[0]
    remote = n2.pods[0] if n2.pods else None
    with contextlib.ExitStack() as stack:
        for node in c.nodes:
            for name, ns, a in node.pods[:2]:
                stack.enter_context(probe.TcpServer(ns, _ip(a), 8080, name=name))
        stack.enter_context(probe.TcpServer(c.external, EXTERNAL, 8080, name="external"))

        def talk(src: netns.Netns, host: str, server: str, source: str | None) -> str:
            r = probe.tcp_check(src, host, 8080, timeout=5.0)
            if r.server != server:
                raise AssertionError(f"answered by {r.server}, expected {server}")
            if source is not None and str(r.seen_source) != source:
                raise AssertionError(f"far end saw {r.seen_source}, expected {source}")
            return f"{r.server} saw source {r.seen_source}"

        if len(n1.pods) > 1:
            second = n1.pods[1]
            rep.check(
                f"{first[0]} -> {second[0]} (same node, no NAT)",
                lambda: talk(first[1], _ip(second[2]), second[0], _ip(first[2])),
            )
        if remote is not None:
            rep.check(
                f"{first[0]} -> {remote[0]} (across nodes, no NAT)",
                lambda: talk(first[1], _ip(remote[2]), remote[0], _ip(first[2])),
            )
            rep.check(
                f"{remote[0]} -> {first[0]} (across nodes, no NAT)",
                lambda: talk(remote[1], _ip(first[2]), first[0], _ip(remote[2])),
            )
            rep.check(
                f"node1 -> {remote[0]} (node to remote pod)",
                lambda: talk(n1.ns, _ip(remote[2]), remote[0], None),
            )
        rep.check(
            f"{first[0]} -> external {EXTERNAL} (masquerade)",
            lambda: talk(first[1], EXTERNAL, "external", n1.lan_ip),
        )

        def isolated() -> str:
            try:
                probe.tcp_check(c.external, _ip(first[2]), 8080, timeout=0.5)
            except OSError as e:
                return f"refused as expected ({e.strerror or type(e).__name__})"
            raise AssertionError("the external side reached a pod directly")

        rep.check("external cannot reach the pod network directly", isolated)


# ---------------------------------------------------------------------------
# the command


@contextlib.contextmanager
def _timed(what: str) -> Iterator[None]:
    t0 = time.perf_counter()
    yield
    print(f"{what} in {(time.perf_counter() - t0) * 1000:.0f} ms")


def run_demo(*, mode: str = "hostgw", n_pods: int = 3, keep: bool = False) -> bool:
    """Build, prove, report and clean up; True if every check passed."""
    how = "root"
    if not rootless.is_root():
        rootless.enter()
        how = "rootless (private user+network+mount namespace, uid mapped to 0)"
    prefix = f"{PREFIX}{uuid.uuid4().hex[:6]}-"
    print(
        f"rawns demo k8s, mode {mode}, {n_pods} pods, as {how}; namespaces {prefix}* "
        "(the machine's own network namespace is not touched)"
    )
    rep = Report()
    cluster: Cluster | None = None
    try:
        with netns.unwind_on_signals():
            try:
                with _timed("built 2 nodes"):
                    cluster = build(prefix, mode=mode, n_pods=n_pods)
            except Exception as e:
                rep.fail("build the cluster", e)
            else:
                for node in cluster.nodes:
                    print(
                        f"  {node.name}: LAN {node.lan_ip}, pods {node.subnet} on cni0: "
                        + ", ".join(f"{n} {_ip(a)} ({a.host_ifname})" for n, _ns, a in node.pods)
                    )
                print("checks (real TCP connections between the namespaces):")
                prove(rep, cluster)
    finally:
        if cluster is not None:
            cluster.close()
        if keep and rep.ok:
            print(
                f"--keep: left in place: `ip netns list | grep {prefix}`; remove with "
                f"`python -c \"from rawns import netns; netns.delete_stale('{prefix}')\"`"
            )
        else:
            left = teardown(prefix)
            print("cleanup: " + ("nothing left behind" if not left else f"LEFT {left}"))
            rep.ok = rep.ok and not left
    print(f"result: {rep.passed} passed, {rep.failed} failed" + ("" if rep.ok else "  (FAILED)"))
    return rep.ok


def run(*, mode: str = "hostgw", pods: int = 3, keep: bool = False) -> int:
    """``rawns demo k8s``: 0 if every check passed, 1 if not, 130 or 128+N after a signal."""
    try:
        return 0 if run_demo(mode=mode, n_pods=pods, keep=keep) else 1
    except KeyboardInterrupt:
        print("interrupted; cleaned up", file=sys.stderr)
        return 130
    except netns.Terminated as e:
        print(f"{e}; cleaned up", file=sys.stderr)
        return 128 + e.signum
