"""W9: traffic control (issue 15): add N htb classes + N u32 filters, then dump them;
rawns vs ``tc -batch`` (add) / ``tc -j`` + ``json.loads`` (dump) vs pyroute2, in one run.

    python3 benchmarks/run.py --w9 [--n 1000] [--reps 3] [--json out.json]

For each repetition and backend (the order rotates), a fresh namespace holds a veth
``w9a`` (up) with an htb root qdisc ``1:`` (made untimed). Each backend's input is
prepared untimed: tc's batch file, the destination strings rawns parses and the key
strings pyroute2 parses. Timed:

* **add**: classes ``1:1`` ... ``1:N`` (htb rate 1mbit, parent ``1:``), then N u32 filters
  (protocol ip prio 1, ``match ip dst 10.X.Y.Z/32``, flowid ``1:i``). rawns calls
  ``tc.tclass.add`` and ``tc.filter.add`` once per object; ``tc -batch`` reads a prepared
  file (process start included); pyroute2 calls ``tc("add-class")`` / ``tc("add-filter")``.
* **dump**: the classes and the filters of ``1:``. rawns: ``tc.tclass.dump`` +
  ``tc.filter.dump`` (typed objects); tc: ``tc -j class show`` + ``tc -j filter show``, each
  ``json.loads``-ed (tc 6.1 prints htb classes as text even with ``-j``: those lines are
  split instead); pyroute2: ``get_classes`` + ``get_filters``.

The end state is checked per backend (read with rawns): N classes with the right handles
and rates, N u32 nodes with the right key and flowid. Every namespace is removed at the
end, also on failure; the machine's own namespace is never touched.
"""

from __future__ import annotations

import argparse
import contextlib
import ipaddress
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from rawns import Handle, link, netns, tc  # noqa: E402
from rawns.link import Veth  # noqa: E402

BACKENDS = ("rawns", "tc", "pyroute2", "rawns-1by1")
RATE = "1mbit"
BARS = {"add": 1.0, "dump": 0.5, "pyroute2": 10.0}


def _dst(i: int) -> str:
    return str(ipaddress.IPv4Address(0x0A000000 + i))


def _setup(ns: netns.Netns) -> int:
    with Handle.open(netns=ns) as h:
        link.add(h, Veth(name="w9a", peer="w9b"))
        link.set(h, "w9a", up=True)
        tc.qdisc.add(h, dev="w9a", handle="1:", options=tc.Htb())
        return link.get(h, "w9a").index


# -- rawns -------------------------------------------------------------------


def rawns_add(ns: netns.Netns, idx: int, n: int) -> float:
    """``tc.tclass.add_many`` + ``tc.filter.add_many``: pipelined, as ``tc -batch`` batches."""
    dsts = [f"{_dst(i)}/32" for i in range(1, n + 1)]  # the input text, as tc's file: untimed
    with Handle.open(netns=ns) as h:
        t0 = time.perf_counter()
        opts = tc.HtbClass(rate=RATE)
        tc.tclass.add_many(
            h,
            [
                tc.Class(dev=idx, parent="1:", handle=0x10000 | i, options=opts)
                for i in range(1, n + 1)
            ],
        )
        tc.filter.add_many(
            h,
            [
                tc.Filter(
                    dev=idx,
                    parent="1:",
                    protocol="ip",
                    prio=1,
                    options=tc.U32(keys=tc.u32_match(dst=dsts[i - 1]), classid=0x10000 | i),
                )
                for i in range(1, n + 1)
            ],
        )
        return time.perf_counter() - t0


def rawns_add_one_by_one(ns: netns.Netns, idx: int, n: int) -> float:
    """``tc.tclass.add`` and ``tc.filter.add`` once per object (each waits for its ack)."""
    dsts = [f"{_dst(i)}/32" for i in range(1, n + 1)]  # untimed, as tc's file
    with Handle.open(netns=ns) as h:
        t0 = time.perf_counter()
        for i in range(1, n + 1):
            tc.tclass.add(
                h, dev=idx, parent="1:", handle=0x10000 | i, options=tc.HtbClass(rate=RATE)
            )
        for i in range(1, n + 1):
            opts = tc.U32(keys=tc.u32_match(dst=dsts[i - 1]), classid=0x10000 | i)
            tc.filter.add(h, dev=idx, parent="1:", protocol="ip", prio=1, options=opts)
        return time.perf_counter() - t0


def rawns_dump(ns: netns.Netns, idx: int) -> tuple[float, int]:
    with Handle.open(netns=ns) as h:
        t0 = time.perf_counter()
        classes = tc.tclass.dump(h, idx)
        filters = tc.filter.dump(h, idx, parent="1:")
        return time.perf_counter() - t0, len(classes) + len(filters)


# -- tc ----------------------------------------------------------------------


def tc_add(ns: netns.Netns, idx: int, n: int) -> float:
    lines = [
        f"class add dev w9a parent 1: classid 1:{i:x} htb rate {RATE}" for i in range(1, n + 1)
    ]
    lines += [
        f"filter add dev w9a parent 1: protocol ip prio 1 u32 match ip dst {_dst(i)}/32 "
        f"flowid 1:{i:x}"
        for i in range(1, n + 1)
    ]
    with tempfile.NamedTemporaryFile("w", prefix="rawns-w9-", suffix=".tc") as f:
        f.write("\n".join(lines) + "\n")
        f.flush()
        t0 = time.perf_counter()
        subprocess.run(["tc", "-n", str(ns.name), "-batch", f.name], check=True)
        return time.perf_counter() - t0


def tc_dump(ns: netns.Netns, idx: int) -> tuple[float, int]:
    t0 = time.perf_counter()
    base = ["tc", "-n", str(ns.name), "-j"]
    out = subprocess.run([*base, "class", "show", "dev", "w9a"], capture_output=True, text=True)
    try:
        classes = json.loads(out.stdout)
    except json.JSONDecodeError:  # tc 6.1: htb classes as text, one per line
        classes = out.stdout.splitlines()
    out = subprocess.run(
        [*base, "filter", "show", "dev", "w9a", "parent", "1:"], capture_output=True, text=True
    )
    filters = json.loads(out.stdout)
    return time.perf_counter() - t0, len(classes) + len(filters)


# -- pyroute2 ----------------------------------------------------------------


def pyroute2_add(ns: netns.Netns, idx: int, n: int) -> float:
    from pyroute2 import NetNS

    ipr = NetNS(str(ns.name))
    keys = [f"0x{0x0A000000 + i:08x}/0xffffffff+16" for i in range(1, n + 1)]  # untimed
    try:
        t0 = time.perf_counter()
        for i in range(1, n + 1):
            ipr.tc("add-class", "htb", idx, handle=0x10000 | i, parent=0x10000, rate=RATE)
        for i in range(1, n + 1):
            key = keys[i - 1]
            ipr.tc(
                "add-filter",
                "u32",
                idx,
                parent=0x10000,
                prio=1,
                protocol=0x0800,
                target=0x10000 | i,
                keys=[key],
            )
        return time.perf_counter() - t0
    finally:
        ipr.close()


def pyroute2_dump(ns: netns.Netns, idx: int) -> tuple[float, int]:
    from pyroute2 import NetNS

    ipr = NetNS(str(ns.name))
    try:
        t0 = time.perf_counter()
        classes = list(ipr.get_classes(idx))
        filters = list(ipr.get_filters(idx, parent=0x10000))
        return time.perf_counter() - t0, len(classes) + len(filters)
    finally:
        ipr.close()


ADD: dict[str, Callable[[netns.Netns, int, int], float]] = {
    "rawns": rawns_add,
    "rawns-1by1": rawns_add_one_by_one,
    "tc": tc_add,
    "pyroute2": pyroute2_add,
}
DUMP: dict[str, Callable[[netns.Netns, int], tuple[float, int]]] = {
    "rawns": rawns_dump,
    "rawns-1by1": rawns_dump,
    "tc": tc_dump,
    "pyroute2": pyroute2_dump,
}


def check(ns: netns.Netns, idx: int, n: int, backend: str) -> None:
    """The end state, read with rawns: N classes 1:1..1:N at the rate, N u32 nodes."""
    with Handle.open(netns=ns) as h:
        classes = tc.tclass.dump(h, idx)
        filters = tc.filter.dump(h, idx, parent="1:")
    want_rate = tc.HtbClass(rate=RATE).rate
    got = {int(c.handle): c.options for c in classes}
    assert sorted(got) == [0x10000 | i for i in range(1, n + 1)], f"{backend}: class handles"
    bad = [h for h, o in got.items() if not isinstance(o, tc.HtbClass) or o.rate != want_rate]
    assert not bad, f"{backend}: {len(bad)} classes not htb at {RATE}"
    nodes = {}
    for f in filters:
        o = f.options
        if isinstance(o, tc.U32) and o.keys:
            assert (f.protocol, f.prio) == (0x0800, 1), f"{backend}: {f}"
            nodes[o.classid] = o.keys
    assert len(nodes) == n, f"{backend}: {len(nodes)} u32 nodes, not {n}"
    for i in (1, n // 2 or 1, n):
        want = tc.u32_match(dst=f"{_dst(i)}/32")
        assert nodes.get(0x10000 | i) == want, f"{backend}: filter for 1:{i:x}"


def one(backend: str, n: int, prefix: str) -> dict[str, float]:
    name = f"{prefix}-{backend}"
    ns = netns.create(name)
    try:
        idx = _setup(ns)
        add = ADD[backend](ns, idx, n)
        check(ns, idx, n, backend)
        dump, count = DUMP[backend](ns, idx)
        assert count >= 2 * n, f"{backend} dumped {count} objects, expected {2 * n} or more"
        return {"add": add, "dump": dump}
    finally:
        ns.close()
        with contextlib.suppress(FileNotFoundError):
            netns.delete(name)


def run(n: int, reps: int, backends: tuple[str, ...] = BACKENDS) -> dict[str, Any]:
    res: dict[str, dict[str, list[float]]] = {b: {"add": [], "dump": []} for b in backends}
    prefix = f"rawns-b-w9-{uuid.uuid4().hex[:6]}"
    for r in range(reps):
        order = backends[r % len(backends) :] + backends[: r % len(backends)]
        for b in order:
            got = one(b, n, f"{prefix}-{r}")
            for k, v in got.items():
                res[b][k].append(v)
    out: dict[str, Any] = {"n": n, "reps": reps, "unit": "seconds (median)"}
    for b, d in res.items():
        out[b] = {k: statistics.median(v) for k, v in d.items()}
    if "rawns" in res and "tc" in res:
        out["add_vs_tc_batch"] = out["rawns"]["add"] / out["tc"]["add"]
        out["dump_vs_tc_json"] = out["rawns"]["dump"] / out["tc"]["dump"]
    if "rawns" in res and "pyroute2" in res:
        out["pyroute2_add_over_rawns"] = out["pyroute2"]["add"] / out["rawns"]["add"]
        out["pyroute2_dump_over_rawns"] = out["pyroute2"]["dump"] / out["rawns"]["dump"]
    out["bars"] = {
        "add <= 1.0x tc -batch": out.get("add_vs_tc_batch", 0) <= BARS["add"],
        "dump <= 0.5x tc -j + json.loads": out.get("dump_vs_tc_json", 0) <= BARS["dump"],
        ">= 10x faster than pyroute2 (add, dump)": min(
            out.get("pyroute2_add_over_rawns", 0), out.get("pyroute2_dump_over_rawns", 0)
        )
        >= BARS["pyroute2"],
    }
    return out


def main(argv: list[str]) -> int:
    p = argparse.ArgumentParser(prog="run.py --w9", description=__doc__.split("\n")[0])
    p.add_argument("--n", type=int, default=1000, help="classes (and filters)")
    p.add_argument("--reps", type=int, default=3)
    p.add_argument("--backends", default=",".join(BACKENDS))
    p.add_argument("--json", type=Path)
    p.add_argument("--noisy", action="store_true", help="accept a loaded machine (marked noisy)")
    args = p.parse_args(argv)
    if os.geteuid() != 0:
        print("W9 needs root (it creates network namespaces)", file=sys.stderr)
        return 2
    backends = tuple(b for b in args.backends.split(",") if b)
    unknown = [b for b in backends if b not in BACKENDS]
    if unknown:
        p.error(f"unknown backend(s) {unknown}; choose from {BACKENDS}")
    from run import Quiet  # the main harness's gate (run.py imports this module)

    quiet = Quiet.start("W9", os.getloadavg()[0], args.noisy)
    if quiet is None:
        return 2
    out = run(args.n, args.reps, backends)
    quiet.record(out)
    text = json.dumps(out, indent=2)
    print(text)
    if args.json:
        args.json.write_text(text + "\n")
    return 0
