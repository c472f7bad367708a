"""The "best each can do" variants of the build workloads, and W6 as a script pays it (issue 18).

Every build workload is measured twice (see docs/benchmarks.md):

``seed`` (W1, W2, W3: _workloads.py)
    Every backend sends the requests the seed's commands send, in their order, each
    acknowledged before the next: what ``ip -batch`` does with the seed's lines. The veth
    of W2 is made in the host and moved; ``up`` is a request of its own.
``best`` (W1B, W2B, W3B: here)
    Each backend's fastest documented method for the same end state (the same checks
    pass): ``ip link add A up type veth peer name B netns NS``, ``master`` and ``up`` in
    the creating request, pyroute2 likewise (its ``peer`` dict, ``state="up"``, one
    ``get_links`` instead of a lookup per name), rawns' pipelined ``*_many`` verbs.

W6 is one nf_tables batch for both ``nft -f`` and rawns, so its seed and best coincide;
what differs is where the import is paid. W6 runs the rawns (and pyroute2) backend as a
fresh interpreter that imports and then sends, as a script does and as ``nft -f`` is a
process of its own; W6I is the same in the worker, import excluded (the issue 6 figure).
"""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import replace

import _workloads as wl
from _workloads import Ctx, Op, Workload

# ---------------------------------------------------------------------------
# W1B


def w1b_batch(ctx: Ctx) -> Op:
    data = wl.w1_data(ctx.size)

    def op() -> None:
        lines = []
        for a, b, ipa, ipb in data:
            # The kernel refuses IFF_UP on a veth peer being created (ENOTCONN): b comes up
            # with a request of its own.
            lines += [
                f"link add {a} up type veth peer name {b}",
                f"addr add {ipa}/30 dev {a}",
                f"addr add {ipb}/30 dev {b}",
                f"link set {b} up",
            ]
        wl.run_batch(["ip", "-batch", "-"], "\n".join(lines) + "\n")

    return op


def w1b_pyroute2(ctx: Ctx) -> Op:
    wl._pyroute2()
    from pyroute2 import IPRoute

    data = wl.w1_data(ctx.size)

    def op() -> None:
        with IPRoute(netns=ctx.ns) as ipr:
            for a, b, _, _ in data:
                ipr.link("add", ifname=a, kind="veth", peer=b, state="up")
            index = {x.get("ifname"): x["index"] for x in ipr.get_links()}
            for a, b, ipa, ipb in data:
                ipr.addr("add", index=index[a], address=ipa, prefixlen=30)
                ipr.addr("add", index=index[b], address=ipb, prefixlen=30)
                ipr.link("set", index=index[b], state="up")

    return op


def w1b_rawns(ctx: Ctx) -> Op:
    addr = wl._mod("addr")
    from rawns import Handle, link

    wl._need(link, "add_many", "dump")
    wl._need(addr, "add_many", "Address")
    data = wl.w1_data(ctx.size)

    def op() -> None:
        Veth, Address = link.Veth, addr.Address
        with Handle.open(netns=ctx.ns) as h:
            # Both ends come up with the creating request (rawns' Veth has up and peer_up),
            # pipelined: one send per window, acks in bulk.
            link.add_many(h, [Veth(name=a, peer=b, up=True, peer_up=True) for a, b, _, _ in data])
            # An Address names its link by index: one dump maps the new names to indices.
            index = {lk.name: lk.index for lk in link.dump(h)}
            addr.add_many(
                h,
                [
                    x
                    for a, b, ipa, ipb in data
                    for x in (
                        Address(index=index[a], address=f"{ipa}/30"),
                        Address(index=index[b], address=f"{ipb}/30"),
                    )
                ],
            )

    return op


# ---------------------------------------------------------------------------
# W2B: the veth's namespace end made directly inside its namespace, up/master at creation


def _w2b_host_lines(items: list[wl.W2Item]) -> list[str]:
    out = []
    for it in items:
        out += [
            f"link add {it.br} up type bridge",
            f"addr add {it.gw}/24 dev {it.br}",
            f"link add {it.veth_br} up master {it.br} type veth peer name {it.veth} netns {it.ns}",
        ]
    return out


def w2b_batch(ctx: Ctx) -> Op:
    items = wl.w2_data(ctx)

    def op() -> None:
        wl.run_batch(["ip", "-batch", "-"], "".join(f"netns add {it.ns}\n" for it in items))
        wl.run_batch(["ip", "-n", ctx.ns, "-batch", "-"], "\n".join(_w2b_host_lines(items)) + "\n")
        for it in items:
            lines = wl._w2_ns_lines(it)
            wl.run_batch(["ip", "-n", it.ns, "-batch", "-"], "\n".join(lines) + "\n")

    return op


def w2b_pyroute2(ctx: Ctx) -> Op:
    wl._pyroute2()
    from pyroute2 import IPRoute, netns

    items = wl.w2_data(ctx)

    def op() -> None:
        with IPRoute(netns=ctx.ns) as host:
            for it in items:
                netns.create(it.ns)
                host.link("add", ifname=it.br, kind="bridge", state="up")
                br = host.link_lookup(ifname=it.br)[0]
                host.addr("add", index=br, address=it.gw, prefixlen=24)
                fd = os.open(f"/run/netns/{it.ns}", os.O_RDONLY | os.O_CLOEXEC)
                try:
                    host.link(
                        "add", ifname=it.veth_br, kind="veth", master=br, state="up",
                        peer={"ifname": it.veth, "net_ns_fd": fd},
                    )  # fmt: skip
                finally:
                    os.close(fd)
                with IPRoute(netns=it.ns) as ipr:
                    v = ipr.link_lookup(ifname=it.veth)[0]
                    ipr.addr("add", index=v, address=it.addr, prefixlen=24)
                    ipr.link("set", index=v, state="up")
                    ipr.route("add", dst="0.0.0.0/0", gateway=it.gw)

    return op


def w2b_rawns(ctx: Ctx) -> Op:
    wl._rawns()
    from rawns import Handle, addr, link, netns, route

    items = wl.w2_data(ctx)

    def op() -> None:
        with Handle.open(netns=ctx.ns) as host:
            for it in items:
                with netns.create(it.ns, delete_on_exit=False) as ns:
                    link.add(host, link.Bridge(name=it.br, up=True))
                    addr.add(host, f"{it.gw}/24", dev=it.br)
                    link.add(
                        host,
                        link.Veth(
                            name=it.veth_br, peer=it.veth, peer_netns=ns, master=it.br, up=True
                        ),
                    )
                    with Handle.open(netns=ns) as h:
                        addr.add(h, f"{it.addr}/24", dev=it.veth)
                        link.set(h, it.veth, up=True)
                        route.add(h, "default", gateway=it.gw)

    return op


# ---------------------------------------------------------------------------
# W3B: rawns pipelines the same requests (`ip -batch` has no faster way; nor pyroute2's
# IPRoute: both are in the seed variant)


def w3b_rawns(ctx: Ctx) -> Op:
    route = wl._mod("route")
    from rawns import Handle

    wl._need(route, "add_many")
    dsts = wl.route_dsts(ctx.size)

    def op() -> None:
        with Handle.open(netns=ctx.ns) as h:
            # Destination strings sharing one template (the bulk fast path).
            route.add_many(h, dsts, gateway=wl.GW)

    return op


# ---------------------------------------------------------------------------
# W6: a fresh interpreter imports and sends, in the benchmark's namespace (the worker has
# entered it), as `nft -f` is a process of its own

W6_RAWNS_SCRIPT = """
import sys
from rawns import Handle, nft
n = int(sys.argv[1])
with Handle.open() as h, nft.transaction(h) as tx:
    nat = tx.add_table("ip", "nat")
    post = tx.add_chain(nat, "postrouting", type="nat", hook="postrouting", priority="srcnat",
                        policy="accept")
    pre = tx.add_chain(nat, "prerouting", type="nat", hook="prerouting", priority="dstnat",
                       policy="accept")
    for i in range(n):
        tx.add_rule(post, nft.masquerade(source=f"10.{i // 256}.{i % 256}.0/24", not_oif="br0"))
        tx.add_rule(pre, nft.port_forward(10000 + i, to=f"192.168.15.{2 + i % 250}", to_port=80,
                                          iif="eth0"))
"""

#: pyroute2's W6 as a script: the worker's own backend, run in a fresh interpreter.
W6_PYROUTE2_SCRIPT = """
import sys
sys.path.insert(0, sys.argv[2])
import _workloads as wl
wl.w6_pyroute2_here(int(sys.argv[1]))
"""


#: The environment variable naming the interpreter W6's scripts run (run.py sets it to a
#: clean venv's; the worker's own interpreter if unset).
SCRIPT_PYTHON = "RAWNS_BENCH_SCRIPT_PYTHON"


def _script(code: str, *args: str) -> Op:
    argv = [os.environ.get(SCRIPT_PYTHON) or sys.executable, "-c", code, *args]

    def op() -> None:
        p = subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, check=False)
        if p.returncode != 0:
            raise RuntimeError(f"script failed ({p.returncode}): {p.stderr.decode()[-2000:]}")

    return op


def w6_rawns_script(ctx: Ctx) -> Op:
    wl._mod("nft")  # fail early (Unavailable) if it is missing; the script imports it again
    return _script(W6_RAWNS_SCRIPT, str(ctx.size))


def w6_pyroute2_script(ctx: Ctx) -> Op:
    wl._pyroute2()
    here = os.path.dirname(os.path.abspath(__file__))
    return _script(W6_PYROUTE2_SCRIPT, str(ctx.size), here)


# ---------------------------------------------------------------------------

_W1, _W2, _W3, _W6 = (wl.WORKLOADS[k] for k in ("W1", "W2", "W3", "W6"))

WORKLOADS: dict[str, Workload] = {
    w.key: w
    for w in [
        replace(
            _W1, key="W1B", variant="best",
            backends={"batch": w1b_batch, "pyroute2": w1b_pyroute2, "rawns": w1b_rawns},
            labels={**_W1.labels, "batch": "`ip -batch`: `link add A up type veth ...`",
                    "pyroute2": "pyroute2: `state=up` at creation, one `get_links`",
                    "rawns": "rawns: `link.add_many(up, peer_up)` + `addr.add_many`"},
        ),
        replace(
            _W2, key="W2B", variant="best",
            backends={"batch": w2b_batch, "pyroute2": w2b_pyroute2, "rawns": w2b_rawns},
            labels={**_W2.labels, "batch": "`ip -batch`: `veth peer name X netns NS`, up/master "
                    "at creation", "pyroute2": "pyroute2: `peer={..., net_ns_fd}`",
                    "rawns": "rawns: `Veth(peer_netns=ns, master, up)`"},
        ),
        replace(
            _W3, key="W3B", variant="best", backends={"batch": _W3.backends["batch"],
                                                      "rawns": w3b_rawns},
            labels={**_W3.labels, "rawns": "rawns: `route.add_many` (pipelined)"},
        ),
        replace(
            _W6, key="W6", variant="", enters=frozenset({"cmd", "batch", "pyroute2", "rawns"}),
            title="nat table, 2 chains, N x (masquerade + DNAT), import included",
            backends={**_W6.backends, "pyroute2": w6_pyroute2_script, "rawns": w6_rawns_script},
            labels={**_W6.labels, "pyroute2": "pyroute2, a fresh `python` (import included)",
                    "rawns": "rawns, a fresh `python` (import included)"},
        ),
        replace(
            _W6, key="W6I", backends={k: v for k, v in _W6.backends.items() if k != "cmd"},
            title="nat table, 2 chains, N x (masquerade + DNAT), in-process (import excluded)",
        ),
    ]
}  # fmt: skip

BARS: list[tuple[str, str, float]] = [
    ("W1", "anchor", 1.05),
    ("W1", "cpu", 0.85),
    ("W1B", "anchor", 1.0),
    ("W2", "anchor", 1.0),
    ("W2B", "anchor", 0.5),
    ("W3B", "floor", 1.1),
    ("W6", "anchor", 1.0),
    ("W1", "pyroute2", 5.0),
    ("W3", "pyroute2", 10.0),
    ("W6", "pyroute2", 10.0),
]
