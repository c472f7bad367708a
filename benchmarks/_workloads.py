"""The workloads of benchmarks/run.py: their data, their backends and their end-state checks.

A workload is the same job done four ways (backends):

``cmd``       ``ip``/``nft``, one process per command, started from Python ``subprocess``
``batch``     one process: ``ip -batch`` / ``nft -f`` (for the dumps: ``ip -j`` + ``json.loads``)
``pyroute2``  pyroute2 0.9.7, used as its documentation shows
``rawns``     rawns' public API

Each backend is a *factory*: called in the worker process with a :class:`Ctx`, it does the
untimed preparation (imports, the workload's input data) and returns the timed operation, a
no-argument callable. Dump workloads also return a summary of what the operation produced,
computed after the clock stops, so that the harness can check it.

The harness (parent process) runs ``setup`` before and ``check`` after each operation; both
use ``ip``/``nft`` as the outside oracle, never the backend under test.
"""

from __future__ import annotations

import ipaddress
import json
import subprocess
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

Op = Callable[[], Any]


class Unavailable(Exception):
    """This backend cannot run this workload here (an API or a tool is missing)."""


class CheckFailed(AssertionError):
    """The end state after a backend's run is not what the workload asked for."""


@dataclass
class Ctx:
    """What a backend factory gets: the namespace to work in and the workload size."""

    ns: str
    size: int
    prefix: str  # every namespace the workload creates must start with this


# ---------------------------------------------------------------------------
# helpers shared by the parent (setup/check) and the worker (backends)


def sh(argv: list[str], *, input: str | None = None) -> str:
    """Run a command and return stdout; raise with stderr on failure."""
    p = subprocess.run(argv, input=input, capture_output=True, text=True, check=False)
    if p.returncode != 0:
        raise RuntimeError(f"{' '.join(argv[:6])} ... failed ({p.returncode}): {p.stderr[-2000:]}")
    return p.stdout


def run_cmds(argvs: list[list[str]]) -> None:
    """One process per command, as a shell script would (output discarded, failure raised)."""
    for argv in argvs:
        p = subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, check=False)
        if p.returncode != 0:
            raise RuntimeError(f"{' '.join(argv)} failed: {p.stderr.decode()[-500:]}")


def run_batch(argv: list[str], text: str) -> None:
    p = subprocess.run(
        argv, input=text.encode(), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, check=False
    )
    if p.returncode != 0:
        raise RuntimeError(f"{' '.join(argv)} failed: {p.stderr.decode()[-2000:]}")


def ip_json(ns: str, *args: str) -> Any:
    out = sh(["ip", "-n", ns, "-j", *args])
    return json.loads(out) if out.strip() else []


def nft_list(ns: str) -> str:
    return sh(["ip", "netns", "exec", ns, "nft", "list", "ruleset"])


def _ip(n: int) -> str:
    return str(ipaddress.IPv4Address(n))


def _expect(cond: bool, what: str) -> None:
    if not cond:
        raise CheckFailed(what)


def _links_by_name(ns: str) -> dict[str, dict[str, Any]]:
    return {x["ifname"]: x for x in ip_json(ns, "addr", "show")}


def _v4(link: dict[str, Any]) -> set[str]:
    return {
        f"{a['local']}/{a['prefixlen']}"
        for a in link.get("addr_info", [])
        if a.get("family") == "inet"
    }


def _rawns() -> Any:
    try:
        import rawns
    except ImportError as e:  # pragma: no cover - rawns is installed with the harness
        raise Unavailable(f"rawns not importable: {e}") from e
    return rawns


def _mod(name: str) -> Any:
    """``from rawns import NAME`` (a submodule need not be re-exported to be public)."""
    import importlib

    _rawns()
    try:
        return importlib.import_module(f"rawns.{name}")
    except ImportError as e:
        raise Unavailable(f"rawns.{name} is missing ({e})") from e


def _need(module: Any, *names: str) -> None:
    missing = [n for n in names if not hasattr(module, n)]
    if missing:
        raise Unavailable(f"{module.__name__} lacks {', '.join(missing)}")


def _pyroute2() -> Any:
    try:
        import pyroute2
    except ImportError as e:
        raise Unavailable("pyroute2 is not installed (pip install 'pyroute2==0.9.7')") from e
    return pyroute2


# ---------------------------------------------------------------------------
# W1: veth pairs, both ends up, a /30 on each end


def w1_data(n: int) -> list[tuple[str, str, str, str]]:
    base = int(ipaddress.IPv4Address("10.0.0.0"))
    return [(f"va{i}", f"vb{i}", _ip(base + 4 * i + 1), _ip(base + 4 * i + 2)) for i in range(n)]


def w1_lines(n: int) -> list[str]:
    out = []
    for a, b, ipa, ipb in w1_data(n):
        out += [
            f"link add {a} type veth peer name {b}",
            f"addr add {ipa}/30 dev {a}",
            f"addr add {ipb}/30 dev {b}",
            f"link set {a} up",
            f"link set {b} up",
        ]
    return out


def w1_cmd(ctx: Ctx) -> Op:
    argvs = [["ip", *line.split()] for line in w1_lines(ctx.size)]
    return lambda: run_cmds(argvs)


def w1_batch(ctx: Ctx) -> Op:
    data = w1_data(ctx.size)

    def op() -> None:
        lines = []
        for a, b, ipa, ipb in data:
            lines += [
                f"link add {a} type veth peer name {b}",
                f"addr add {ipa}/30 dev {a}",
                f"addr add {ipb}/30 dev {b}",
                f"link set {a} up",
                f"link set {b} up",
            ]
        run_batch(["ip", "-batch", "-"], "\n".join(lines) + "\n")

    return op


def w1_pyroute2(ctx: Ctx) -> Op:
    _pyroute2()
    from pyroute2 import IPRoute

    data = w1_data(ctx.size)

    def op() -> None:
        with IPRoute(netns=ctx.ns) as ipr:
            for a, b, ipa, ipb in data:
                ipr.link("add", ifname=a, kind="veth", peer=b)
                ia = ipr.link_lookup(ifname=a)[0]
                ib = ipr.link_lookup(ifname=b)[0]
                ipr.addr("add", index=ia, address=ipa, prefixlen=30)
                ipr.addr("add", index=ib, address=ipb, prefixlen=30)
                ipr.link("set", index=ia, state="up")
                ipr.link("set", index=ib, state="up")

    return op


def w1_rawns(ctx: Ctx) -> Op:
    """The seed's requests, one at a time, each acknowledged before the next (as ``ip -batch``)."""
    addr = _mod("addr")
    from rawns import Handle, link

    data = w1_data(ctx.size)

    def op() -> None:
        Veth = link.Veth
        with Handle.open(netns=ctx.ns) as h:
            for a, b, ipa, ipb in data:
                link.add(h, Veth(name=a, peer=b))
                addr.add(h, f"{ipa}/30", dev=a)
                addr.add(h, f"{ipb}/30", dev=b)
                link.set(h, a, up=True)
                link.set(h, b, up=True)

    return op


def w1_check(ctx: Ctx, _summary: Any) -> None:
    links = _links_by_name(ctx.ns)
    for a, b, ipa, ipb in w1_data(ctx.size):
        for name, peer, address in ((a, b, ipa), (b, a, ipb)):
            lk = links.get(name)
            _expect(lk is not None, f"{name} missing")
            assert lk is not None
            _expect("UP" in lk["flags"], f"{name} not up: {lk['flags']}")
            _expect(lk.get("link") == peer, f"{name}'s peer is {lk.get('link')}, not {peer}")
            _expect(_v4(lk) == {f"{address}/30"}, f"{name} has {_v4(lk)}, not {address}/30")
    _expect(len(links) == 2 * ctx.size + 1, f"{len(links)} links, expected {2 * ctx.size + 1}")


# ---------------------------------------------------------------------------
# W2: N x (netns + bridge + veth into it + addresses + up + default route), the seed's sequence


@dataclass(frozen=True)
class W2Item:
    ns: str
    br: str
    veth: str  # the end inside the namespace
    veth_br: str  # the end on the bridge
    gw: str  # the bridge's address, the namespace's default gateway
    addr: str  # the namespace end's address


def w2_data(ctx: Ctx) -> list[W2Item]:
    out = []
    for i in range(ctx.size):
        net = f"10.{100 + i // 256}.{i % 256}"
        out.append(
            W2Item(
                ns=f"{ctx.ns}-{i}",
                br=f"br{i}",
                veth=f"veth{i}",
                veth_br=f"veth{i}-br",
                gw=f"{net}.5",
                addr=f"{net}.1",
            )
        )
    return out


def _w2_host_lines(items: list[W2Item]) -> list[str]:
    out = []
    for it in items:
        out += [
            f"link add {it.br} type bridge",
            f"link set {it.br} up",
            f"addr add {it.gw}/24 dev {it.br}",
            f"link add {it.veth} type veth peer name {it.veth_br}",
            f"link set {it.veth} netns {it.ns}",
            f"link set {it.veth_br} master {it.br}",
            f"link set {it.veth_br} up",
        ]
    return out


def _w2_ns_lines(it: W2Item) -> list[str]:
    return [
        f"addr add {it.addr}/24 dev {it.veth}",
        f"link set {it.veth} up",
        f"route add default via {it.gw}",
    ]


def w2_cmd(ctx: Ctx) -> Op:
    items = w2_data(ctx)

    def op() -> None:
        argvs: list[list[str]] = []
        for it in items:
            argvs.append(["ip", "netns", "add", it.ns])
            host = _w2_host_lines([it])
            argvs += [["ip", "-n", ctx.ns, *line.split()] for line in host[:6]]
            argvs += [["ip", "-n", it.ns, *line.split()] for line in _w2_ns_lines(it)]
            argvs.append(["ip", "-n", ctx.ns, *host[6].split()])
        run_cmds(argvs)

    return op


def w2_batch(ctx: Ctx) -> Op:
    items = w2_data(ctx)

    def op() -> None:
        # `netns add` inside a batch breaks the batch's later `link add ... type veth` (iproute2
        # 6.1), and a batch cannot change namespace between lines: one batch creates the
        # namespaces, one does the host side, then one per namespace.
        run_batch(["ip", "-batch", "-"], "".join(f"netns add {it.ns}\n" for it in items))
        run_batch(["ip", "-n", ctx.ns, "-batch", "-"], "\n".join(_w2_host_lines(items)) + "\n")
        for it in items:
            run_batch(["ip", "-n", it.ns, "-batch", "-"], "\n".join(_w2_ns_lines(it)) + "\n")

    return op


def w2_pyroute2(ctx: Ctx) -> Op:
    _pyroute2()
    from pyroute2 import IPRoute, netns

    items = w2_data(ctx)

    def op() -> None:
        with IPRoute(netns=ctx.ns) as host:
            for it in items:
                netns.create(it.ns)
                host.link("add", ifname=it.br, kind="bridge")
                br = host.link_lookup(ifname=it.br)[0]
                host.link("set", index=br, state="up")
                host.addr("add", index=br, address=it.gw, prefixlen=24)
                host.link("add", ifname=it.veth, kind="veth", peer=it.veth_br)
                v = host.link_lookup(ifname=it.veth)[0]
                host.link("set", index=v, net_ns_fd=it.ns)
                with IPRoute(netns=it.ns) as ipr:
                    v = ipr.link_lookup(ifname=it.veth)[0]
                    ipr.addr("add", index=v, address=it.addr, prefixlen=24)
                    ipr.link("set", index=v, state="up")
                    ipr.route("add", dst="0.0.0.0/0", gateway=it.gw)
                vb = host.link_lookup(ifname=it.veth_br)[0]
                host.link("set", index=vb, master=br)
                host.link("set", index=vb, state="up")

    return op


def w2_rawns(ctx: Ctx) -> Op:
    """The seed's requests (the veth made in the host, then moved), one at a time."""
    _rawns()
    from rawns import Handle, addr, link, netns, route

    items = w2_data(ctx)

    def op() -> None:
        with Handle.open(netns=ctx.ns) as host:
            for it in items:
                with netns.create(it.ns, delete_on_exit=False) as ns:
                    link.add(host, link.Bridge(name=it.br))
                    link.set(host, it.br, up=True)
                    addr.add(host, f"{it.gw}/24", dev=it.br)
                    link.add(host, link.Veth(name=it.veth, peer=it.veth_br))
                    link.set(host, it.veth, netns=ns)
                    link.set(host, it.veth_br, master=it.br)
                    with Handle.open(netns=ns) as h:
                        addr.add(h, f"{it.addr}/24", dev=it.veth)
                        link.set(h, it.veth, up=True)
                        route.add(h, "default", gateway=it.gw)
                    link.set(host, it.veth_br, up=True)

    return op


def w2_check(ctx: Ctx, _summary: Any) -> None:
    host = _links_by_name(ctx.ns)
    for it in w2_data(ctx):
        br = host.get(it.br)
        _expect(br is not None and "UP" in br["flags"], f"bridge {it.br} missing or down")
        assert br is not None
        _expect(_v4(br) == {f"{it.gw}/24"}, f"{it.br} has {_v4(br)}")
        vb = host.get(it.veth_br)
        _expect(vb is not None and "UP" in vb["flags"], f"{it.veth_br} missing or down")
        assert vb is not None
        _expect(vb.get("master") == it.br, f"{it.veth_br} master is {vb.get('master')}")
        inside = _links_by_name(it.ns)
        v = inside.get(it.veth)
        _expect(v is not None and "UP" in v["flags"], f"{it.veth} missing or down in {it.ns}")
        assert v is not None
        _expect(_v4(v) == {f"{it.addr}/24"}, f"{it.veth} has {_v4(v)}")
        routes = ip_json(it.ns, "route", "show", "default")
        _expect(
            [(r.get("gateway"), r.get("dev")) for r in routes] == [(it.gw, it.veth)],
            f"default route in {it.ns}: {routes}",
        )


# ---------------------------------------------------------------------------
# W3: IPv4 routes via a gateway; W4 dumps the same kind of table, much bigger

GW_DEV, GW_PEER = "gw0", "gw1"
GW_NET, GW = "10.255.0.1/24", "10.255.0.2"


def route_dsts(n: int) -> list[str]:
    base = int(ipaddress.IPv4Address("20.0.0.0"))
    return [f"{_ip(base + 256 * i)}/24" for i in range(n)]


def gateway_setup(ctx: Ctx) -> None:
    """A veth pair, both ends up, with 10.255.0.1/24 here: the gateway 10.255.0.2 is on-link."""
    run_batch(
        ["ip", "-n", ctx.ns, "-batch", "-"],
        f"link add {GW_DEV} type veth peer name {GW_PEER}\n"
        f"addr add {GW_NET} dev {GW_DEV}\n"
        f"link set {GW_DEV} up\nlink set {GW_PEER} up\n",
    )


def w3_cmd(ctx: Ctx) -> Op:
    argvs = [["ip", "route", "add", d, "via", GW] for d in route_dsts(ctx.size)]
    return lambda: run_cmds(argvs)


def w3_batch(ctx: Ctx) -> Op:
    dsts = route_dsts(ctx.size)

    def op() -> None:
        run_batch(["ip", "-batch", "-"], "".join(f"route add {d} via {GW}\n" for d in dsts))

    return op


def w3_pyroute2(ctx: Ctx) -> Op:
    _pyroute2()
    from pyroute2 import IPRoute

    dsts = route_dsts(ctx.size)

    def op() -> None:
        with IPRoute(netns=ctx.ns) as ipr:
            for d in dsts:
                ipr.route("add", dst=d, gateway=GW)

    return op


def w3_rawns(ctx: Ctx) -> Op:
    """One ``route.add`` per route, each acknowledged before the next (as ``ip -batch``)."""
    route = _mod("route")
    from rawns import Handle

    dsts = route_dsts(ctx.size)

    def op() -> None:
        with Handle.open(netns=ctx.ns) as h:
            for d in dsts:
                route.add(h, d, gateway=GW)

    return op


def _routes_via_gw(ns: str) -> set[str]:
    return {r["dst"] for r in ip_json(ns, "route", "show", "via", GW)}


def w3_check(ctx: Ctx, _summary: Any) -> None:
    got = _routes_via_gw(ctx.ns)
    want = set(route_dsts(ctx.size))
    _expect(got == want, f"{len(got)} routes via {GW}; {len(want ^ got)} differ from {len(want)}")


def w4_setup(ctx: Ctx) -> None:
    gateway_setup(ctx)
    text = "".join(f"route add {d} via {GW}\n" for d in route_dsts(ctx.size))
    run_batch(["ip", "-n", ctx.ns, "-batch", "-"], text)


def _route_summary(pairs: Any) -> dict[str, Any]:
    """From (dst, gateway) pairs: how many routes go via GW, and a digest of their dsts."""
    dsts = sorted(str(d) for d, gw in pairs if str(gw) == GW)
    return {"via_gw": len(dsts), "first": dsts[:1], "last": dsts[-1:]}


def w4_batch(ctx: Ctx) -> tuple[Op, Callable[[Any], Any]]:
    def op() -> Any:
        p = subprocess.run(["ip", "-j", "route", "show"], capture_output=True, check=True)
        return json.loads(p.stdout)

    def summary(routes: Any) -> Any:
        return _route_summary((r["dst"], r.get("gateway")) for r in routes)

    return op, summary


def w4_pyroute2(ctx: Ctx) -> tuple[Op, Callable[[Any], Any]]:
    _pyroute2()
    from pyroute2 import IPRoute

    def op() -> Any:
        with IPRoute(netns=ctx.ns) as ipr:
            return ipr.get_routes(family=2, table=254)

    def summary(routes: Any) -> Any:
        return _route_summary((f"{r.get('dst')}/{r['dst_len']}", r.get("gateway")) for r in routes)

    return op, summary


def w4_rawns(ctx: Ctx) -> tuple[Op, Callable[[Any], Any]]:
    route = _mod("route")
    from rawns import Handle

    def op() -> Any:
        with Handle.open(netns=ctx.ns) as h:
            return route.dump(h, family=2)  # AF_INET, table main: what `ip route show` lists

    def summary(routes: Any) -> Any:
        return _route_summary((r.dst, r.gateway) for r in routes)

    return op, summary


def w4_check(ctx: Ctx, summary: Any) -> None:
    dsts = sorted(route_dsts(ctx.size))
    want = {"via_gw": len(dsts), "first": dsts[:1], "last": dsts[-1:]}
    _expect(summary == want, f"dump summary {summary}, expected {want}")


# ---------------------------------------------------------------------------
# W5: dump links with details


def w5_pairs(n: int) -> int:
    return max(1, n // 2)


def w5_setup(ctx: Ctx) -> None:
    lines = [f"link add l{i}a type veth peer name l{i}b" for i in range(w5_pairs(ctx.size))]
    run_batch(["ip", "-n", ctx.ns, "-batch", "-"], "\n".join(lines) + "\n")


def _link_summary(items: Any) -> dict[str, Any]:
    """From (name, kind, peer index) triples: counts that a wrong decoder would get wrong."""
    items = list(items)
    return {
        "links": len(items),
        "veth": sum(1 for _, kind, _ in items if kind == "veth"),
        "with_peer": sum(1 for _, kind, peer in items if kind == "veth" and peer),
        "names": sorted(name for name, _, _ in items)[:3],
    }


def w5_batch(ctx: Ctx) -> tuple[Op, Callable[[Any], Any]]:
    def op() -> Any:
        p = subprocess.run(["ip", "-d", "-j", "link", "show"], capture_output=True, check=True)
        return json.loads(p.stdout)

    def summary(links: Any) -> Any:
        return _link_summary(
            (
                x["ifname"],
                x.get("linkinfo", {}).get("info_kind"),
                x.get("link") or x.get("link_index"),  # a name here, an index across netns
            )
            for x in links
        )

    return op, summary


def w5_pyroute2(ctx: Ctx) -> tuple[Op, Callable[[Any], Any]]:
    _pyroute2()
    from pyroute2 import IPRoute

    def op() -> Any:
        with IPRoute(netns=ctx.ns) as ipr:
            return ipr.get_links()

    def summary(links: Any) -> Any:
        def kind(x: Any) -> Any:
            info = x.get("IFLA_LINKINFO")
            return info.get("IFLA_INFO_KIND") if info else None

        return _link_summary((x.get("ifname"), kind(x), x.get("link")) for x in links)

    return op, summary


def w5_rawns(ctx: Ctx) -> tuple[Op, Callable[[Any], Any]]:
    _rawns()
    from rawns import Handle, link

    def op() -> Any:
        with Handle.open(netns=ctx.ns) as h:
            return link.dump(h)

    def summary(links: Any) -> Any:
        return _link_summary((x.name, x.kind, x.link) for x in links)

    return op, summary


def w5_check(ctx: Ctx, summary: Any) -> None:
    pairs = w5_pairs(ctx.size)
    names = sorted(["lo", *(f"l{i}{e}" for i in range(pairs) for e in "ab")])
    want = {"links": 2 * pairs + 1, "veth": 2 * pairs, "with_peer": 2 * pairs, "names": names[:3]}
    _expect(summary == want, f"dump summary {summary}, expected {want}")


# ---------------------------------------------------------------------------
# W6: nf_tables nat table, 2 chains, N x (masquerade + DNAT)

NFT_HEAD = [
    "add table ip nat",
    "add chain ip nat postrouting { type nat hook postrouting priority srcnat; policy accept; }",
    "add chain ip nat prerouting { type nat hook prerouting priority dstnat; policy accept; }",
]


@dataclass(frozen=True)
class W6Item:
    source: str  # masquerade: ip saddr SOURCE oifname != "br0"
    port: int  # DNAT: iifname "eth0" tcp dport PORT dnat to TO:80
    to: str


def w6_data(n: int) -> list[W6Item]:
    return [
        W6Item(
            source=f"10.{i // 256}.{i % 256}.0/24", port=10000 + i, to=f"192.168.15.{2 + i % 250}"
        )
        for i in range(n)
    ]


def w6_lines(n: int) -> list[str]:
    out = list(NFT_HEAD)
    for it in w6_data(n):
        out.append(f'add rule ip nat postrouting ip saddr {it.source} oifname != "br0" masquerade')
        out.append(
            f'add rule ip nat prerouting iifname "eth0" tcp dport {it.port} dnat to {it.to}:80'
        )
    return out


def w6_cmd(ctx: Ctx) -> Op:
    argvs = [["nft", line] for line in w6_lines(ctx.size)]
    return lambda: run_cmds(argvs)


def w6_batch(ctx: Ctx) -> Op:
    n = ctx.size
    return lambda: run_batch(["nft", "-f", "-"], "\n".join(w6_lines(n)) + "\n")


def _pyroute2_w6_rules(items: list[W6Item]) -> tuple[list[Any], list[Any]]:
    """The expressions `nft --debug=netlink` shows for the two rules, via pyroute2's genex.

    pyroute2 has helpers only for some expressions (ipv4addr, verdict, masq); the rest are
    spelled with its generic ``genex``, as its own helpers do. A rule takes a list of
    expression lists.
    """
    import socket

    from pyroute2.nftables.expressions import genex

    def ex(name: str, **kw: Any) -> list[Any]:
        return [genex(name, kw)]

    def value(data: bytes) -> dict[str, Any]:
        return {"attrs": [("NFTA_DATA_VALUE", data)]}

    def ifname(name: str) -> bytes:
        return name.encode().ljust(16, b"\0")

    meta_iifname, meta_oifname, meta_l4proto = 6, 7, 16
    cmp_eq, cmp_neq = 0, 1
    net_hdr, transport_hdr = 1, 2
    masq, dnat = [], []
    for it in items:
        net = ipaddress.IPv4Network(it.source)
        masq.append(
            [
                ex("payload", dreg=1, base=net_hdr, offset=12, len=3),
                ex("cmp", sreg=1, op=cmp_eq, data=value(net.network_address.packed[:3])),
                ex("meta", dreg=1, key=meta_oifname),
                ex("cmp", sreg=1, op=cmp_neq, data=value(ifname("br0"))),
                ex("masq"),
            ]
        )
        dnat.append(
            [
                ex("meta", dreg=1, key=meta_iifname),
                ex("cmp", sreg=1, op=cmp_eq, data=value(ifname("eth0"))),
                ex("meta", dreg=1, key=meta_l4proto),
                ex("cmp", sreg=1, op=cmp_eq, data=value(bytes([socket.IPPROTO_TCP]))),
                ex("payload", dreg=1, base=transport_hdr, offset=2, len=2),
                ex("cmp", sreg=1, op=cmp_eq, data=value(it.port.to_bytes(2, "big"))),
                ex("immediate", dreg=1, data=value(socket.inet_aton(it.to))),
                ex("immediate", dreg=2, data=value((80).to_bytes(2, "big"))),
                ex(
                    "nat",
                    type=1,
                    family=2,
                    reg_addr_min=1,
                    reg_proto_min=2,
                    flags={"NF_NAT_RANGE_PROTO_SPECIFIED"},  # 0x2, as nft sets it
                ),
            ]
        )
    return masq, dnat


def w6_pyroute2_send(items: list[W6Item], ns: str | None) -> None:
    """pyroute2's W6, in namespace ``ns`` (None: where this process is)."""
    from pyroute2 import netns
    from pyroute2.nftables.main import NFTables

    # NFTables takes no netns argument; pyroute2's docs move the process with pushns().
    if ns is not None:
        netns.pushns(ns)
    try:
        nft = NFTables(nfgen_family=2)
        try:
            nft.table("add", name="nat")
            for name, prio in (("postrouting", 100), ("prerouting", -100)):
                nft.chain(
                    "add", table="nat", name=name, hook=name, type="nat", priority=prio,
                    policy=1,
                )  # fmt: skip
            masq, dnat = _pyroute2_w6_rules(items)
            for m, d in zip(masq, dnat, strict=True):
                nft.rule("add", table="nat", chain="postrouting", expressions=m)
                nft.rule("add", table="nat", chain="prerouting", expressions=d)
        finally:
            nft.close()
    finally:
        if ns is not None:
            netns.popns()


def w6_pyroute2_here(n: int) -> None:
    """W6 by pyroute2 in this process's namespace (run.py's fresh-interpreter W6 backend)."""
    w6_pyroute2_send(w6_data(n), None)


def w6_pyroute2(ctx: Ctx) -> Op:
    _pyroute2()
    import pyroute2.nftables.main  # noqa: F401  (imported before the clock starts)

    items = w6_data(ctx.size)
    return lambda: w6_pyroute2_send(items, ctx.ns)


def w6_rawns(ctx: Ctx) -> Op:
    nft = _mod("nft")
    from rawns import Handle

    # The NAT helpers live in rawns.nft (rawns.compose may re-export them).
    helpers = nft if hasattr(nft, "port_forward") else _mod("compose")
    _need(helpers, "masquerade", "port_forward")
    masquerade, port_forward = helpers.masquerade, helpers.port_forward
    items = w6_data(ctx.size)

    def op() -> None:
        with Handle.open(netns=ctx.ns) as h, nft.transaction(h) as tx:
            nat = tx.add_table("ip", "nat")
            post = tx.add_chain(
                nat, "postrouting", type="nat", hook="postrouting", priority="srcnat",
                policy="accept",
            )  # fmt: skip
            pre = tx.add_chain(
                nat, "prerouting", type="nat", hook="prerouting", priority="dstnat",
                policy="accept",
            )  # fmt: skip
            for it in items:
                tx.add_rule(post, masquerade(source=it.source, not_oif="br0"))
                tx.add_rule(pre, port_forward(it.port, to=it.to, to_port=80, iif="eth0"))

    return op


def w6_check(ctx: Ctx, _summary: Any, reference: str) -> None:
    got = nft_list(ctx.ns)
    if got != reference:
        gl, rl = got.splitlines(), reference.splitlines()
        diff = (i for i, (g, r) in enumerate(zip(gl, rl, strict=False)) if g != r)
        first = next(diff, min(len(gl), len(rl)))
        raise CheckFailed(
            f"nft list ruleset differs from nft -f's at line {first + 1}: "
            f"{gl[first] if first < len(gl) else '<end>'!r} vs "
            f"{rl[first] if first < len(rl) else '<end>'!r}"
        )


# ---------------------------------------------------------------------------


@dataclass
class Workload:
    key: str
    title: str
    full: int  # size of the published run
    quick: int  # size for --quick
    unit: str
    backends: dict[str, Callable[[Ctx], Any]]
    check: Callable[..., None]
    setup: Callable[[Ctx], None] | None = None
    readonly: bool = False  # every backend dumps the same prepared namespace
    labels: dict[str, str] = field(default_factory=dict)  # backend -> how it runs here
    #: "seed" (every backend sends the seed's requests, one at a time, as `ip -batch` does),
    #: "best" (each backend's fastest documented method for the same end state), or "".
    variant: str = ""
    #: The floor its ratios are also shown against (issue 18): "sys" for builds (the kernel's
    #: system time during the anchor's run), "dump" for dumps (the ``floor`` backend: receive
    #: the datagrams, decode nothing); "" for none.
    floor: str = ""
    #: Backends whose worker enters the namespace before the clock starts (they run tools or
    #: a fresh interpreter that work "here"); None: SUBPROCESS_BACKENDS.
    enters: frozenset[str] | None = None
    spans_netns: bool = False  # backends name every namespace themselves (the worker stays)


IP_LABELS = {
    "cmd": "`ip`, one process per command",
    "batch": "`ip -batch` (one process)",
    "pyroute2": "pyroute2 0.9.7",
    "rawns": "rawns",
}

WORKLOADS: dict[str, Workload] = {
    w.key: w
    for w in [
        Workload(
            "W1", "veth pairs, both ends up, a /30 on each end", 1000, 20, "pairs",
            {"cmd": w1_cmd, "batch": w1_batch, "pyroute2": w1_pyroute2, "rawns": w1_rawns},
            w1_check, labels=IP_LABELS, variant="seed", floor="sys",
        ),
        Workload(
            "W2", "netns + bridge + veth into it + addrs + up + default route", 50, 3,
            "namespaces",
            {"cmd": w2_cmd, "batch": w2_batch, "pyroute2": w2_pyroute2, "rawns": w2_rawns},
            w2_check,
            labels={**IP_LABELS, "batch": "`ip -batch` (1 + 1 + one per namespace)"},
            variant="seed", floor="sys", spans_netns=True,
        ),
        Workload(
            "W3", "add IPv4 routes via a gateway", 10000, 100, "routes",
            {"cmd": w3_cmd, "batch": w3_batch, "pyroute2": w3_pyroute2, "rawns": w3_rawns},
            w3_check, setup=gateway_setup, labels=IP_LABELS, variant="seed", floor="sys",
        ),
        Workload(
            "W4", "dump IPv4 routes into Python objects", 100000, 500, "routes",
            {"batch": w4_batch, "pyroute2": w4_pyroute2, "rawns": w4_rawns},
            w4_check, setup=w4_setup, readonly=True, floor="dump",
            labels={**IP_LABELS, "batch": "`ip -j route show` + `json.loads`"},
        ),
        Workload(
            "W5", "dump links with details", 2000, 40, "links",
            {"batch": w5_batch, "pyroute2": w5_pyroute2, "rawns": w5_rawns},
            w5_check, setup=w5_setup, readonly=True,
            labels={**IP_LABELS, "batch": "`ip -d -j link show` + `json.loads`"},
        ),
        Workload(
            "W6", "nat table, 2 chains, N x (masquerade + DNAT)", 200, 5, "rule pairs",
            {"cmd": w6_cmd, "batch": w6_batch, "pyroute2": w6_pyroute2, "rawns": w6_rawns},
            w6_check,
            labels={
                "cmd": "`nft`, one process per command",
                "batch": "`nft -f` (one process)",
                "pyroute2": "pyroute2 0.9.7",
                "rawns": "rawns",
            },
        ),
    ]
}  # fmt: skip

#: Backends that run ip/nft themselves: the worker enters the namespace first, so the commands
#: run as they would inside it (no `-n`). W2 spans namespaces and names them explicitly.
SUBPROCESS_BACKENDS = {"cmd", "batch"}
#: In W4/W5 the batch backend also parses JSON in the worker: its RSS is the larger of both.
HYBRID = {("W4", "batch"), ("W5", "batch")}


def enters(w: Workload, backend: str) -> bool:
    """Whether the worker enters the workload's namespace before running ``backend``."""
    if w.spans_netns:
        return False
    return backend in (SUBPROCESS_BACKENDS if w.enters is None else SUBPROCESS_BACKENDS | w.enters)


def in_children(w: Workload, backend: str) -> bool:
    """Whether ``backend``'s work runs in child processes (``ip``, ``nft``, a fresh python)."""
    return backend in SUBPROCESS_BACKENDS or (backend in (w.enters or ()) and backend != "floor")


def hybrid(w: Workload, backend: str) -> bool:
    """A dump's ``ip -j`` path: ``ip`` in a child, ``json.loads`` in the worker."""
    return w.readonly and backend == "batch"


def sort_workloads() -> None:
    """Order WORKLOADS (in place: other modules hold it) by number, each variant after its seed."""
    import re

    def key(k: str) -> tuple[int, str]:
        m = re.match(r"W(\d+)(.*)", k)
        return (int(m.group(1)), m.group(2)) if m else (10**6, k)

    items = sorted(WORKLOADS.items(), key=lambda kv: key(kv[0]))
    WORKLOADS.clear()
    WORKLOADS.update(items)
