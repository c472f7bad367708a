"""Dump workloads on real-shaped tables, equal work, and the dump floor (issue 18).

``W4M``  a router's route table: IPv4 and IPv6, gateways and device routes, metrics,
         several tables, multipath; dumped whole (``ip -j -4`` + ``ip -j -6 route show
         table all``, ``route.dump(family=0, table=None)``, pyroute2's ``get_routes``).
``W5``   2,000 veths named ``l{i}a``/``l{i}b`` (the issue 6 table), now with equal work.
``W5V``  links of varied kinds (veth, bridge and its ports, macvlan, vxlan, tap) with random
         names of 2 to 14 characters, as a real host has.

Equal work (W5, W5V): every backend produces every field the comparison reads, inside the
timed part: ``ip -d -j`` + ``json.loads`` has them all; rawns' ``Link`` objects are fully
materialized (every lazy property and every field of the kind's data read, see
:data:`_linkview.MATERIALIZE`); pyroute2 decodes each message whole as it receives it.
After the clock stops, each backend's links are turned into ``ip -d -j``'s spelling
(:mod:`_linkview`), and the check compares every field value with what ``ip -d -j`` prints,
link by link. ``ip -d`` asks the kernel for statistics (it prints them only with ``-s``),
rawns asks it to skip them (it does not decode them): no backend here returns statistics.

The floor backend (``floor``) of every dump sends the request rawns sends and receives the
datagrams until the kernel's DONE, decoding nothing: what any client pays.
"""

from __future__ import annotations

import hashlib
import ipaddress
import json
import random
import socket
import struct
import subprocess
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import _linkview as lv
import _workloads as wl
from _workloads import Ctx, Op, Workload

# ---------------------------------------------------------------------------
# the floor: receive, decode nothing

_DONE = struct.Struct("=IHHII")  # nlmsghdr


def _floor(request: Callable[[], bytes]) -> Callable[[Ctx], tuple[Op, Callable[[Any], Any]]]:
    def factory(ctx: Ctx) -> tuple[Op, Callable[[Any], Any]]:
        wl._rawns()
        from rawns import transport

        msg = request()

        def op() -> Any:
            s = transport.NetlinkSocket(socket.NETLINK_ROUTE)
            try:
                sock, buf = s.sock, bytearray(1 << 20)
                sock.send(msg)
                total = datagrams = 0
                while True:
                    n = sock.recv_into(buf)
                    total += n
                    datagrams += 1
                    # The kernel puts NLMSG_DONE (20 bytes) last in the last datagram.
                    if n >= 20:
                        length, mtype, _, _, _ = _DONE.unpack_from(buf, n - 20)
                        if mtype == 3 and length == 20:
                            return total, datagrams
                    length, mtype, _, _, _ = _DONE.unpack_from(buf, 0)
                    if mtype == 2:  # NLMSG_ERROR
                        raise RuntimeError("the floor's dump request was refused")
            finally:
                s.close()

        return op, lambda r: {"floor_bytes": r[0], "datagrams": r[1]}

    return factory


def floor_check(ctx: Ctx, summary: Any) -> None:
    wl._expect(bool(summary) and summary["floor_bytes"] > 0, f"floor received {summary}")


def _route_dump_request(family: int, table: int | None) -> Callable[[], bytes]:
    def build() -> bytes:
        from rawns import route

        return bytes(route.build_dump(family=family, table=table))

    return build


def _link_dump_request() -> bytes:
    from rawns import link

    return bytes(link.build_dump())


# ---------------------------------------------------------------------------
# W4M: a router's table

MIX_TABLES = (254, 100, 200)


def w4m_lines(n: int) -> list[str]:
    """``ip route add`` lines (after the devices of :func:`w4m_devices`), seeded: a mixed table."""
    rnd = random.Random(4)
    out = []
    seen: set[str] = set()
    while len(out) < n:
        roll = rnd.random()
        table = MIX_TABLES[0] if rnd.random() < 0.7 else rnd.choice(MIX_TABLES[1:])
        t = "" if table == 254 else f" table {table}"
        if roll < 0.55:  # IPv4
            plen = rnd.choice((16, 20, 22, 24, 24, 24, 28, 32))
            first = rnd.randint(11, 99)  # unicast, away from the setup's 10.255.x
            net = ipaddress.IPv4Network((first << 24 | rnd.getrandbits(24), plen), False)
            dst = str(net)
            if roll < 0.30:
                how = "via 10.255.0.2"
            elif roll < 0.42:
                how = "dev gw0"
            elif roll < 0.47:
                how = "via 10.255.1.2 dev m0 metric 100 mtu 1400"
            elif roll < 0.51:
                how = "via 10.255.0.2 metric 50 proto static"
            else:
                how = (
                    "nexthop via 10.255.0.2 dev gw0 weight 1 nexthop via 10.255.1.2 dev m0 weight 2"
                )
        else:  # IPv6
            plen = rnd.choice((32, 48, 56, 64, 64, 64, 128))
            net = ipaddress.IPv6Network((0x2001_0DB8 << 96 | rnd.getrandbits(96), plen), False)
            dst = f"-6 {net}"
            if roll < 0.80:
                how = "via fd00::2"
            elif roll < 0.88:
                how = "dev gw0"
            elif roll < 0.94:
                how = "via fd01::2 dev m0 metric 100 mtu 1400"
            else:
                how = "nexthop via fd00::2 dev gw0 weight 1 nexthop via fd01::2 dev m0 weight 3"
        key = f"{dst}{t}"
        if key in seen:
            continue
        seen.add(key)
        fam, _, d = dst.rpartition(" ")
        out.append(f"{fam + ' ' if fam else ''}route add {d}{t} {how}")
    return out


def w4m_setup(ctx: Ctx) -> None:
    wl.run_batch(
        ["ip", "-n", ctx.ns, "-batch", "-"],
        "link add gw0 type veth peer name gw1\nlink add m0 type veth peer name m1\n"
        "addr add 10.255.0.1/24 dev gw0\naddr add 10.255.1.1/24 dev m0\n"
        "addr add fd00::1/64 dev gw0 nodad\naddr add fd01::1/64 dev m0 nodad\n"
        "link set gw0 up\nlink set gw1 up\nlink set m0 up\nlink set m1 up\n",
    )
    lines = w4m_lines(ctx.size)
    # `-6` is an option of the whole command, not of a batch line: two batches.
    v4 = [x for x in lines if not x.startswith("-6 ")]
    v6 = [x[3:] for x in lines if x.startswith("-6 ")]
    wl.run_batch(["ip", "-n", ctx.ns, "-batch", "-"], "\n".join(v4) + "\n")
    wl.run_batch(["ip", "-n", ctx.ns, "-6", "-batch", "-"], "\n".join(v6) + "\n")


def _digest(rows: list[Any]) -> dict[str, Any]:
    rows = json.loads(json.dumps(sorted(rows)))  # as it comes back from the worker
    h = hashlib.sha256(json.dumps(rows).encode()).hexdigest()[:16]
    return {"routes": len(rows), "sha": h, "first": rows[:1]}


def _norm_dst(dst: str, family: int) -> str:
    if dst == "default":
        return "0.0.0.0/0" if family == 2 else "::/0"
    return str(ipaddress.ip_network(dst, strict=False))


def _ip_rows(routes: list[dict[str, Any]], family: int) -> list[Any]:
    table_ids = {"main": 254, "local": 255, "default": 253}
    out = []
    for r in routes:
        if r.get("protocol") == "kernel" or r.get("type", "unicast") != "unicast":
            continue
        if "dst" not in r:
            continue
        t = r.get("table", "main")
        table = table_ids.get(t, int(t) if str(t).isdigit() else t)
        hops = sorted(
            (str(h.get("gateway")), h.get("dev"), h.get("weight", 1)) for h in r.get("nexthops", [])
        )
        mtu = (r.get("metrics") or [{}])[0].get("mtu") if r.get("metrics") else None
        out.append(
            (family, table, _norm_dst(r["dst"], family), str(r.get("gateway")), r.get("dev"),
             r.get("metric", 0 if family == 2 else 1024), mtu, hops)
        )  # fmt: skip
    return out


def w4m_oracle(ns: str) -> list[Any]:
    return _ip_rows(wl.ip_json(ns, "-4", "route", "show", "table", "all"), 2) + _ip_rows(
        wl.ip_json(ns, "-6", "route", "show", "table", "all"), 10
    )


def w4m_batch(ctx: Ctx) -> tuple[Op, Callable[[Any], Any]]:
    def op() -> Any:
        out = []
        for fam in ("-4", "-6"):
            p = subprocess.run(["ip", "-j", fam, "route", "show", "table", "all"],
                               capture_output=True, check=True)  # fmt: skip
            out.append(json.loads(p.stdout))
        return out

    return op, lambda r: _digest(_ip_rows(r[0], 2) + _ip_rows(r[1], 10))


def w4m_rawns(ctx: Ctx) -> tuple[Op, Callable[[Any], Any]]:
    route = wl._mod("route")
    from rawns import Handle, link

    def op() -> Any:
        with Handle.open(netns=ctx.ns) as h:
            return route.dump(h, family=0, table=None), {lk.index: lk.name for lk in link.dump(h)}

    def rows(r: Any) -> Any:
        routes, names = r
        out = []
        for x in routes:
            if x.protocol == 2 or x.type != 1:  # proto kernel, not unicast
                continue
            mtu = dict(x.metrics).get(2)  # RTAX_MTU
            hops = sorted((str(n.gateway), names.get(n.oif), n.weight) for n in x.nexthops)
            out.append(
                (x.family, x.table, str(x.dst), str(x.gateway), names.get(x.oif) if x.oif else None,
                 x.metric or 0, mtu, hops)
            )  # fmt: skip
        return _digest(out)

    return op, rows


def w4m_pyroute2(ctx: Ctx) -> tuple[Op, Callable[[Any], Any]]:
    wl._pyroute2()
    from pyroute2 import IPRoute

    def op() -> Any:
        with IPRoute(netns=ctx.ns) as ipr:
            routes = [*ipr.get_routes(family=2), *ipr.get_routes(family=10)]  # every table
            return routes, {x["index"]: x.get("ifname") for x in ipr.get_links()}

    def rows(r: Any) -> Any:
        routes, names = r
        out = []
        for x in routes:
            if x["proto"] == 2 or x["type"] != 1:
                continue
            fam = x["family"]
            dst = x.get("dst") or ("0.0.0.0" if fam == 2 else "::")  # noqa: S104 (a route)
            mx = x.get("RTA_METRICS")
            mtu = mx.get("RTAX_MTU") if mx else None
            mp = x.get("RTA_MULTIPATH") or []
            hops = sorted((str(h.get("gateway")), names.get(h["oif"]), h["hops"] + 1) for h in mp)
            oif = x.get("oif")
            out.append(
                (fam, x.get("table"), str(ipaddress.ip_network(f"{dst}/{x['dst_len']}")),
                 str(x.get("gateway")), names.get(oif) if oif else None,
                 x.get("priority") or 0, mtu, hops)
            )  # fmt: skip
        return _digest(out)

    return op, rows


def w4m_check(ctx: Ctx, summary: Any) -> None:
    want = _digest(w4m_oracle(ctx.ns))
    wl._expect(summary == want, f"dump summary {summary}, expected {want} (from ip -j)")


# ---------------------------------------------------------------------------
# W5, W5V: links, equal work


def w5v_lines(n: int) -> list[str]:
    """``ip -batch`` lines for about ``n`` links of varied kinds and names (seeded)."""
    rnd = random.Random(5)
    alphabet = "abcdefghijklmnopqrstuvwxyz0123456789-_"
    names: set[str] = {"lo"}

    def name() -> str:
        while True:
            s = rnd.choice("abcdefghijklmnopqrstuvwxyz") + "".join(
                rnd.choice(alphabet) for _ in range(rnd.randint(1, 13))
            )
            # a digit somewhere: no name can be one of ip's keywords (up, dev, mtu, name...)
            if s not in names and any(c.isdigit() for c in s):
                names.add(s)
                return s

    lines: list[str] = []
    bridges: list[str] = []
    lowers: list[str] = []
    made, vni = 1, 0
    while made < n:
        roll = rnd.random()
        if roll < 0.45:
            a, b = name(), name()
            lines.append(f"link add {a} type veth peer name {b}")
            if bridges and rnd.random() < 0.3:
                lines.append(f"link set {b} master {rnd.choice(bridges)}")
            else:
                lowers.append(b)
            made += 2
        elif roll < 0.55:
            br = name()
            lines.append(f"link add {br} type bridge")
            bridges.append(br)
            made += 1
        elif roll < 0.70 and lowers:
            mode = rnd.choice(("bridge", "private", "vepa"))
            lines.append(
                f"link add link {rnd.choice(lowers)} name {name()} type macvlan mode {mode}"
            )
            made += 1
        elif roll < 0.82:
            vni += 1
            lines.append(f"link add {name()} type vxlan id {vni} dstport 4789")
            made += 1
        else:
            lines.append(f"tuntap add name {name()} mode tap")
            made += 1
    return lines


def w5v_setup(ctx: Ctx) -> None:
    wl.run_batch(["ip", "-n", ctx.ns, "-batch", "-"], "\n".join(w5v_lines(ctx.size)) + "\n")


def _links_digest(views: list[dict[str, Any]]) -> dict[str, Any]:
    return {"links": len(views), "views": sorted(views, key=lambda v: v["ifname"])}


def w5_batch(ctx: Ctx) -> tuple[Op, Callable[[Any], Any]]:
    def op() -> Any:
        p = subprocess.run(["ip", "-d", "-j", "link", "show"], capture_output=True, check=True)
        return json.loads(p.stdout)

    return op, lambda links: _links_digest([lv.from_ip(x) for x in links])


def w5_rawns(ctx: Ctx) -> tuple[Op, Callable[[Any], Any]]:
    wl._rawns()
    from rawns import Handle, link

    def op() -> Any:
        with Handle.open(netns=ctx.ns) as h:
            links = link.dump(h)
        lv.materialize(links)  # equal work: every lazy field read, as ip -d -j prints them
        return links

    def summary(links: Any) -> Any:
        names = {x.index: x.name for x in links}
        return _links_digest([lv.from_rawns(x, names) for x in links])

    return op, summary


def w5_pyroute2(ctx: Ctx) -> tuple[Op, Callable[[Any], Any]]:
    wl._pyroute2()
    from pyroute2 import IPRoute

    def op() -> Any:
        with IPRoute(netns=ctx.ns) as ipr:
            return ipr.get_links()

    def summary(links: Any) -> Any:
        names = {x["index"]: x.get("ifname") for x in links}
        return _links_digest([lv.from_pyroute2(x, names) for x in links])

    return op, summary


def w5_check(ctx: Ctx, summary: Any) -> None:
    want = _links_digest([lv.from_ip(x) for x in wl.ip_json(ctx.ns, "-d", "link", "show")])
    wl._expect(summary is not None, "no summary")
    wl._expect(
        summary["links"] == want["links"], f"{summary['links']} links, expected {want['links']}"
    )
    for got, exp in zip(summary["views"], want["views"], strict=True):
        if got != exp:
            keys = sorted(set(got) | set(exp))
            diff = {k: (got.get(k, "<absent>"), exp.get(k, "<absent>")) for k in keys
                    if got.get(k, "<absent>") != exp.get(k, "<absent>")}  # fmt: skip
            raise wl.CheckFailed(f"{exp.get('ifname')}: (backend, ip -d -j) differ: {diff}")


# ---------------------------------------------------------------------------

_W4, _W5 = wl.WORKLOADS["W4"], wl.WORKLOADS["W5"]
_LINK_FLOOR = _floor(_link_dump_request)
_W5_BACKENDS = {"batch": w5_batch, "pyroute2": w5_pyroute2, "rawns": w5_rawns, "floor": _LINK_FLOOR}

WORKLOADS: dict[str, Workload] = {
    w.key: w
    for w in [
        replace(_W4, backends={**_W4.backends, "floor": _floor(_route_dump_request(2, 254))},
                enters=frozenset({"floor"})),
        Workload(
            "W4M", "dump a router's mixed table (v4+v6, 3 tables, metrics, multipath)", 100000,
            400, "routes",
            {"batch": w4m_batch, "pyroute2": w4m_pyroute2, "rawns": w4m_rawns,
             "floor": _floor(_route_dump_request(0, None))},
            w4m_check, setup=w4m_setup, readonly=True, floor="dump", enters=frozenset({"floor"}),
            labels={**_W4.labels, "batch": "`ip -j -4` + `ip -j -6 route show table all`"},
        ),
        replace(_W5, title="dump links with details, equal work (l{i}a/l{i}b veths)",
                backends=_W5_BACKENDS, check=w5_check, floor="dump",
                enters=frozenset({"floor"})),
        Workload(
            "W5V", "dump links with details, equal work (varied kinds, names of 2-14)", 2000, 40,
            "links", _W5_BACKENDS, w5_check, setup=w5v_setup, readonly=True, floor="dump",
            enters=frozenset({"floor"}), labels=_W5.labels,
        ),
    ]
}  # fmt: skip

BARS: list[tuple[str, str, float]] = [
    ("W4", "anchor", 0.5),
    ("W4M", "anchor", 0.7),
    ("W4", "floor", 2.0),
    ("W5", "anchor", 0.5),
    ("W5V", "anchor", 0.5),
    ("W4", "pyroute2", 10.0),
    ("W5", "pyroute2", 10.0),
]
