"""W7: two nodes x N pods, the Kubernetes network model (issue 14), and attach/detach latency.

The same end state, three ways (see _workloads.py for how workloads run):

``batch``     ``ip -batch`` (one per namespace: a batch cannot change namespace), ``nft -f``,
              ``sysctl`` (and ``bridge -batch`` for the vxlan FDB), one process each
``pyroute2``  pyroute2 0.9.7, as its documentation shows (``IPRoute(netns=...)``,
              ``NFTables`` after ``pushns``)
``rawns``     rawns.pods (``attach``, ``route_to`` / ``vtep`` + ``add_peer``,
              ``masquerade_outside``) with rawns.compose

The harness's namespace ``NS`` plays the LAN (a bridge ``lan0``); the timed operation
creates the nodes ``NS-n1``, ``NS-n2`` on it (192.168.100.11, .12; pod subnets
10.244.1.0/24, 10.244.2.0/24 on a bridge ``cni0``, masquerade for traffic leaving
10.244.0.0/16) and N pods per node ``NS-nI-pK`` (10.244.I.K+2/24, default route via
10.244.I.1), then connects the nodes: host-gw routes (W7) or a vxlan overlay (W7V, VNI
1, port 8472, pods' MTU 1450). The harness removes ``NS`` and every ``NS-*``.

W7L times, for rawns alone, ``pods.attach`` followed by ``pods.detach`` of one pod, N times
on one node; its check prints the per-pod median and 95th percentile.
"""

from __future__ import annotations

import hashlib
import json
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from typing import Any

import _workloads as wl
from _workloads import Ctx, Op, Workload

CLUSTER = "10.244.0.0/16"
VXLAN_MTU = 1450
FLANNEL_PORT = 8472

#: The issue's bars for W7 (see _report.BARS): rawns ÷ ip -batch ≤ 0.7, pyroute2 ÷ rawns ≥ 5.
BARS: list[tuple[str, str, float]] = [
    ("W7", "anchor", 0.7),
    ("W7", "pyroute2", 5.0),
    ("W7V", "anchor", 0.7),
    ("W7V", "pyroute2", 5.0),
]
#: Workloads whose backends name every namespace themselves (the worker stays put).
SPANS_NETNS = {"W7", "W7V", "W7L"}
#: What rawns loads on first use (rawns and rawns.pods resolve names lazily, the
#: nft modules load with masquerade_outside's first rule): imported by the
#: factories, as every workload's imports are, so that the timed operation
#: does not pay for them.
RAWNS_MODULES = (
    "rawns.pods._attach",
    "rawns.pods._nodes",
    "rawns.link._bridge",
    "rawns.link._veth",
    "rawns.link._vxlan",
    "rawns.nft.match",
    "rawns.nft.nat",
    "rawns.nft.render",
    "rawns.nft.ruleset",
    "rawns.nft.transaction",
)


def _rawns_loaded() -> Any:
    """rawns.pods, with every module the operation uses already imported."""
    pods = wl._mod("pods")
    for m in RAWNS_MODULES:
        wl._mod(m.removeprefix("rawns."))
    return pods


@dataclass(frozen=True)
class Node:
    i: int
    ns: str
    lan_ip: str
    subnet: str
    gw: str
    vtep_ip: str
    pods: tuple[Pod, ...]


@dataclass(frozen=True)
class Pod:
    ns: str
    host: str  # the host end's name, as rawns derives it (CNI's veth + 8 hex)
    ip: str


def host_ifname(container_id: str) -> str:
    """rawns.pods.host_ifname_for(container_id, "eth0"), without importing rawns."""
    return "veth" + hashlib.sha256(f"{container_id}/eth0".encode()).hexdigest()[:8]


def data(ctx: Ctx) -> list[Node]:
    if not 1 <= ctx.size <= 250:
        raise ValueError(f"W7: 1..250 pods per node, not {ctx.size}")
    out = []
    for i in (1, 2):
        ns = f"{ctx.ns}-n{i}"
        pods = tuple(
            Pod(f"{ns}-p{k}", host_ifname(f"{ns}-p{k}"), f"10.244.{i}.{k + 2}")
            for k in range(ctx.size)
        )
        out.append(
            Node(i, ns, f"192.168.100.{10 + i}", f"10.244.{i}.0/24", f"10.244.{i}.1",
                 f"10.244.{i}.0", pods)
        )  # fmt: skip
    return out


def _other(nodes: list[Node], n: Node) -> Node:
    return nodes[1] if n is nodes[0] else nodes[0]


def _run(argv: list[str], text: str = "") -> str:
    p = subprocess.run(argv, input=text.encode(), capture_output=True, check=False)
    if p.returncode != 0:
        raise RuntimeError(f"{' '.join(argv[:6])} failed: {p.stderr.decode()[-2000:]}")
    return p.stdout.decode()


# ---------------------------------------------------------------------------
# ip -batch


def _node_lines(n: Node) -> list[str]:
    return [
        "link set lo up",
        "link set eth0 up",
        f"addr add {n.lan_ip}/24 dev eth0",
        "link add cni0 type bridge",
        "link set cni0 up",
        f"addr add {n.gw}/24 dev cni0",
    ]


def _pod_host_lines(n: Node, mtu: list[str]) -> list[str]:
    m = " ".join(mtu)
    out = []
    for p in n.pods:
        out += [
            f"link add {p.host} {m} type veth peer name eth0 netns {p.ns} {m}",
            f'link set {p.host} alias "rawns-pod {p.ns} eth0"',
            f"link set {p.host} master cni0 up",
        ]
    return out


def _pod_lines(n: Node, p: Pod) -> str:
    return (
        f"link set lo up\nlink set eth0 up\naddr add {p.ip}/24 dev eth0\n"
        f"route add default via {n.gw}\n"
    )


def _nft_text() -> str:
    return (
        "add table ip nat\n"
        "add chain ip nat postrouting { type nat hook postrouting priority 100; }\n"
        f"add rule ip nat postrouting ip saddr {CLUSTER} ip daddr != {CLUSTER} masquerade\n"
    )


def batch_factory(mode: str) -> Any:
    def factory(ctx: Ctx) -> Op:
        nodes = data(ctx)
        mtu = ["mtu", str(VXLAN_MTU)] if mode == "vxlan" else []

        def op() -> None:
            names = [n.ns for n in nodes] + [p.ns for n in nodes for p in n.pods]
            _run(["ip", "-batch", "-"], "".join(f"netns add {x}\n" for x in names))
            lan = ["link add lan0 type bridge", "link set lan0 up"]
            for n in nodes:
                lan += [
                    f"link add node{n.i} type veth peer name eth0 netns {n.ns}",
                    f"link set node{n.i} master lan0 up",
                ]
            _run(["ip", "-n", ctx.ns, "-batch", "-"], "\n".join(lan) + "\n")
            for n in nodes:
                _run(["ip", "netns", "exec", n.ns, "sysctl", "-qw", "net.ipv4.ip_forward=1"])
                _run(["ip", "netns", "exec", n.ns, "nft", "-f", "-"], _nft_text())
                lines = _node_lines(n)
                if mode == "hostgw":
                    o = _other(nodes, n)
                    lines.append(f"route add {o.subnet} via {o.lan_ip}")
                else:
                    lines += [
                        f"link add flannel.1 mtu {VXLAN_MTU} type vxlan id 1 local {n.lan_ip} "
                        f"dev eth0 dstport {FLANNEL_PORT} nolearning",
                        f"addr add {n.vtep_ip}/32 dev flannel.1",
                        "link set flannel.1 up",
                    ]
                lines += _pod_host_lines(n, mtu)
                _run(["ip", "-n", n.ns, "-batch", "-"], "\n".join(lines) + "\n")
                for p in n.pods:
                    _run(["ip", "-n", p.ns, "-batch", "-"], _pod_lines(n, p))
            if mode == "vxlan":
                macs = {}
                for n in nodes:
                    out = _run(["ip", "-n", n.ns, "-j", "link", "show", "flannel.1"])
                    macs[n.i] = json.loads(out)[0]["address"]
                for n in nodes:
                    o = _other(nodes, n)
                    mac = macs[o.i]
                    _run(
                        ["ip", "-n", n.ns, "-batch", "-"],
                        f"neigh replace {o.vtep_ip} lladdr {mac} dev flannel.1 nud permanent\n"
                        f"route add {o.subnet} via {o.vtep_ip} dev flannel.1 onlink\n",
                    )
                    _run(
                        ["bridge", "-n", n.ns, "-batch", "-"],
                        f"fdb append {mac} dev flannel.1 dst {o.lan_ip} self permanent\n",
                    )

        return op

    return factory


# ---------------------------------------------------------------------------
# rawns


def rawns_factory(mode: str) -> Any:
    def factory(ctx: Ctx) -> Op:
        pods = _rawns_loaded()
        from rawns import Handle, compose, link, netns

        nodes = data(ctx)
        mtu = VXLAN_MTU if mode == "vxlan" else None

        def op() -> None:
            handles: dict[int, Any] = {}
            vteps: dict[int, Any] = {}
            try:
                with Handle.open(netns=ctx.ns) as lan:
                    link.add(lan, link.Bridge(name="lan0", up=True))
                    for n in nodes:
                        with netns.create(n.ns, delete_on_exit=False) as ns:
                            link.add(lan, link.Veth(name=f"node{n.i}", peer="eth0", peer_netns=ns))
                            handles[n.i] = h = Handle.open(netns=ns)
                        link.set(lan, f"node{n.i}", master="lan0", up=True)
                        link.set(h, "lo", up=True)
                        link.set(h, "eth0", up=True)
                        compose.ensure_address(h, "eth0", f"{n.lan_ip}/24")
                        compose.gateway(h, bridge="cni0", address=f"{n.gw}/24")
                        pods.masquerade_outside(h, cluster=CLUSTER)
                        if mode == "vxlan":
                            vteps[n.i] = pods.vtep(
                                h, vni=1, local=n.lan_ip, dev="eth0", address=n.vtep_ip,
                                mtu=VXLAN_MTU,
                            )  # fmt: skip
                for n in nodes:
                    h, o = handles[n.i], _other(nodes, n)
                    if mode == "hostgw":
                        pods.route_to(h, subnet=o.subnet, via=o.lan_ip)
                    else:
                        peer = pods.peer(
                            subnet=o.subnet, vtep_mac=vteps[o.i].mac, node_address=o.lan_ip
                        )
                        pods.add_peer(h, peer)
                    for p in n.pods:
                        with netns.create(p.ns, delete_on_exit=False) as pns:
                            pods.attach(
                                h, pns, bridge="cni0", container_id=p.ns,
                                addresses=[f"{p.ip}/24"], gateway=n.gw, subnet=n.subnet, mtu=mtu,
                            )  # fmt: skip
            finally:
                for h in handles.values():
                    h.close()

        return op

    return factory


# ---------------------------------------------------------------------------
# pyroute2


def pyroute2_factory(mode: str) -> Any:
    def factory(ctx: Ctx) -> Op:
        wl._pyroute2()
        from pyroute2 import IPRoute, netns
        from pyroute2.nftables.expressions import genex
        from pyroute2.nftables.main import NFTables

        nodes = data(ctx)
        mtu = {"mtu": VXLAN_MTU} if mode == "vxlan" else {}

        def value(b: bytes) -> dict[str, Any]:
            return {"attrs": [("NFTA_DATA_VALUE", b)]}

        # ip saddr 10.244.0.0/16 ip daddr != 10.244.0.0/16 masquerade, as nft encodes it.
        masq = [
            [genex("payload", {"dreg": 1, "base": 1, "offset": 12, "len": 2})],
            [genex("cmp", {"sreg": 1, "op": 0, "data": value(bytes([10, 244]))})],
            [genex("payload", {"dreg": 1, "base": 1, "offset": 16, "len": 2})],
            [genex("cmp", {"sreg": 1, "op": 1, "data": value(bytes([10, 244]))})],
            [genex("masq", {})],
        ]

        def in_node(ns: str) -> None:
            # pyroute2 has no sysctl and NFTables takes no netns: its docs move the process.
            netns.pushns(ns)
            try:
                with open("/proc/sys/net/ipv4/ip_forward", "w") as f:
                    f.write("1")
                nft = NFTables(nfgen_family=2)
                try:
                    nft.table("add", name="nat")
                    nft.chain(
                        "add", table="nat", name="postrouting", hook="postrouting", type="nat",
                        priority=100, policy=1,
                    )  # fmt: skip
                    nft.rule("add", table="nat", chain="postrouting", expressions=masq)
                finally:
                    nft.close()
            finally:
                netns.popns()

        def op() -> None:
            macs: dict[int, str] = {}
            with IPRoute(netns=ctx.ns) as lan:
                lan.link("add", ifname="lan0", kind="bridge")
                br = lan.link_lookup(ifname="lan0")[0]
                lan.link("set", index=br, state="up")
                for n in nodes:
                    netns.create(n.ns)
                    lan.link("add", ifname=f"node{n.i}", kind="veth", peer="eth0")
                    e = lan.link_lookup(ifname="eth0")[0]
                    lan.link("set", index=e, net_ns_fd=n.ns)
                    v = lan.link_lookup(ifname=f"node{n.i}")[0]
                    lan.link("set", index=v, master=br, state="up")
            for n in nodes:
                in_node(n.ns)
                with IPRoute(netns=n.ns) as h:
                    h.link("set", index=h.link_lookup(ifname="lo")[0], state="up")
                    e = h.link_lookup(ifname="eth0")[0]
                    h.link("set", index=e, state="up")
                    h.addr("add", index=e, address=n.lan_ip, prefixlen=24)
                    h.link("add", ifname="cni0", kind="bridge")
                    br = h.link_lookup(ifname="cni0")[0]
                    h.link("set", index=br, state="up")
                    h.addr("add", index=br, address=n.gw, prefixlen=24)
                    if mode == "vxlan":
                        h.link(
                            "add", ifname="flannel.1", kind="vxlan", vxlan_id=1,
                            vxlan_local=n.lan_ip, vxlan_link=e, vxlan_port=FLANNEL_PORT,
                            vxlan_learning=0, mtu=VXLAN_MTU,
                        )  # fmt: skip
                        f1 = h.link_lookup(ifname="flannel.1")[0]
                        h.addr("add", index=f1, address=n.vtep_ip, prefixlen=32)
                        h.link("set", index=f1, state="up")
                        macs[n.i] = h.get_links(f1)[0].get_attr("IFLA_ADDRESS")
                    for p in n.pods:
                        netns.create(p.ns)
                        # The node has an eth0: the peer is born in the pod (pyroute2's docs).
                        peer = {"ifname": "eth0", "net_ns_fd": p.ns, **mtu}
                        h.link("add", ifname=p.host, kind="veth", peer=peer, **mtu)
                        with IPRoute(netns=p.ns) as ph:
                            ph.link("set", index=ph.link_lookup(ifname="lo")[0], state="up")
                            pi = ph.link_lookup(ifname="eth0")[0]
                            ph.link("set", index=pi, state="up")
                            ph.addr("add", index=pi, address=p.ip, prefixlen=24)
                            ph.route("add", dst="0.0.0.0/0", gateway=n.gw)
                        hi = h.link_lookup(ifname=p.host)[0]
                        h.link("set", index=hi, ifalias=f"rawns-pod {p.ns} eth0")
                        h.link("set", index=hi, master=br, state="up")
            for n in nodes:
                o = _other(nodes, n)
                with IPRoute(netns=n.ns) as h:
                    if mode == "hostgw":
                        h.route("add", dst=o.subnet, gateway=o.lan_ip)
                        continue
                    f1 = h.link_lookup(ifname="flannel.1")[0]
                    h.neigh(
                        "replace", dst=o.vtep_ip, lladdr=macs[o.i], ifindex=f1, state=0x80
                    )  # NUD_PERMANENT
                    h.fdb("append", ifindex=f1, lladdr=macs[o.i], dst=o.lan_ip, state=0x80)
                    h.route("add", dst=o.subnet, gateway=o.vtep_ip, oif=f1, flags=4)  # onlink

        return op

    return factory


# ---------------------------------------------------------------------------
# the end-state check (ip -j / nft, in the harness)


def check_factory(mode: str) -> Any:
    def check(ctx: Ctx, _summary: Any) -> None:
        nodes = data(ctx)
        for n in nodes:
            links = wl.ip_json(n.ns, "-d", "link", "show")
            by = {x["ifname"]: x for x in links}
            cni0 = by.get("cni0")
            wl._expect(cni0 is not None and "UP" in cni0["flags"], f"{n.ns}: cni0 missing/down")
            ports = [x for x in links if x.get("master") == "cni0" and "UP" in x["flags"]]
            wl._expect(len(ports) == ctx.size, f"{n.ns}: {len(ports)} veths up on cni0")
            wl._expect(
                {x["ifname"] for x in ports} == {p.host for p in n.pods},
                f"{n.ns}: the host veth names differ",
            )
            wl._expect(
                all(x.get("ifalias") == f"rawns-pod {p.ns} eth0" for p in n.pods
                    for x in [by[p.host]]),
                f"{n.ns}: a host veth lacks its alias",
            )  # fmt: skip
            addrs = wl._links_by_name(n.ns)
            wl._expect(wl._v4(addrs["cni0"]) == {f"{n.gw}/24"}, f"{n.ns}: cni0's address")
            o = _other(nodes, n)
            routes = wl.ip_json(n.ns, "route", "show", o.subnet)
            if mode == "hostgw":
                ok = [r for r in routes if r.get("gateway") == o.lan_ip]
            else:
                ok = [
                    r
                    for r in routes
                    if r.get("gateway") == o.vtep_ip
                    and r.get("dev") == "flannel.1"
                    and "onlink" in r.get("flags", [])
                ]
                neigh = wl.ip_json(n.ns, "neigh", "show", "nud", "permanent", "dev", "flannel.1")
                wl._expect(len(neigh) == 1, f"{n.ns}: {len(neigh)} permanent neighbours")
                fdb = json.loads(wl.sh(["bridge", "-n", n.ns, "-j", "fdb", "show",
                                        "dev", "flannel.1"]))  # fmt: skip
                wl._expect(any(e.get("dst") == o.lan_ip for e in fdb), f"{n.ns}: FDB entry missing")
            wl._expect(len(ok) == 1, f"{n.ns}: route to {o.subnet}: {routes}")
            wl._expect(
                f"ip saddr {CLUSTER} ip daddr != {CLUSTER} masquerade" in wl.nft_list(n.ns),
                f"{n.ns}: masquerade rule missing",
            )
            for p in n.pods:
                inside = wl._links_by_name(p.ns)
                e = inside.get("eth0")
                wl._expect(e is not None and "UP" in e["flags"], f"{p.ns}: eth0 missing/down")
                assert e is not None
                wl._expect(wl._v4(e) == {f"{p.ip}/24"}, f"{p.ns}: eth0 has {wl._v4(e)}")
                if mode == "vxlan":
                    wl._expect(e.get("mtu") == VXLAN_MTU, f"{p.ns}: MTU {e.get('mtu')}")
                d = wl.ip_json(p.ns, "route", "show", "default")
                wl._expect([r.get("gateway") for r in d] == [n.gw], f"{p.ns}: default route {d}")
        listed = wl.sh(["ip", "netns", "list"])
        made = [ln for ln in listed.splitlines() if ln.startswith(f"{ctx.ns}-")]
        wl._expect(len(made) == 2 + 2 * ctx.size, f"{len(made)} namespaces made")

    return check


# ---------------------------------------------------------------------------
# W7L: attach + detach latency (rawns)


def latency_rawns(ctx: Ctx) -> tuple[Op, Any]:
    pods = _rawns_loaded()
    from rawns import Handle, compose, netns

    def op() -> list[float]:
        times = []
        with (
            netns.create(f"{ctx.ns}-n1", delete_on_exit=False) as node_ns,
            Handle.open(netns=node_ns) as h,
            netns.create(f"{ctx.ns}-p", delete_on_exit=False) as pod,
        ):
            compose.gateway(h, bridge="cni0", address="10.244.1.1/24")
            for k in range(ctx.size):
                t0 = time.perf_counter()
                a = pods.attach(
                    h, pod, bridge="cni0", container_id=f"pod-{k}",
                    addresses=["10.244.1.2/24"], gateway="10.244.1.1",
                )  # fmt: skip
                pods.detach(h, a)
                times.append(time.perf_counter() - t0)
        return times

    def summarize(times: list[float]) -> dict[str, float]:
        qs = statistics.quantiles(times, n=20) if len(times) > 1 else times * 19
        return {"n": len(times), "median": statistics.median(times), "p95": qs[18]}

    return op, summarize


def latency_check(ctx: Ctx, summary: Any) -> None:
    wl._expect(isinstance(summary, dict) and summary.get("n") == ctx.size, f"summary {summary}")
    links = wl.ip_json(f"{ctx.ns}-n1", "link", "show", "type", "veth")
    wl._expect(links == [], f"detach left {len(links)} veths on the node")
    print(
        f"  W7L rawns attach+detach per pod: median {summary['median'] * 1000:.2f} ms, "
        f"p95 {summary['p95'] * 1000:.2f} ms ({summary['n']} pods)",
        file=sys.stderr,
        flush=True,
    )


LABELS = {
    "batch": "`ip -batch` per namespace + `nft -f` + `sysctl` (+ `bridge -batch`)",
    "pyroute2": "pyroute2 0.9.7",
    "rawns": "rawns.pods",
}

WORKLOADS: dict[str, Workload] = {
    w.key: w
    for w in [
        Workload(
            "W7", "2 nodes, pods on cni0, host-gw routes (rawns.pods)", 50, 3, "pods per node",
            {"batch": batch_factory("hostgw"), "pyroute2": pyroute2_factory("hostgw"),
             "rawns": rawns_factory("hostgw")},
            check_factory("hostgw"), labels=LABELS,
        ),
        Workload(
            "W7V", "2 nodes, pods on cni0, vxlan overlay (rawns.pods)", 50, 3, "pods per node",
            {"batch": batch_factory("vxlan"), "pyroute2": pyroute2_factory("vxlan"),
             "rawns": rawns_factory("vxlan")},
            check_factory("vxlan"), labels=LABELS,
        ),
        Workload(
            "W7L", "pods.attach + pods.detach, one pod at a time (latency)", 200, 10, "pods",
            {"rawns": latency_rawns}, latency_check, labels=LABELS,
        ),
    ]
}  # fmt: skip
