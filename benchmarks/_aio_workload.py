"""W10: rawns.aio (issue 17): the asyncio driver against the sync one, and pyroute2's async API.

    python3 benchmarks/run.py --w10 [--reps 3] [--routes 10000] [--dump 100000]
                                    [--lookups 10000] [--json out.json] [--noisy]

Each repetition works in fresh namespaces of its own (``rawns-w10-*``, removed at the
end, also on failure); the machine's own namespace is never touched. Timed, per part:

* **W3** (add N IPv4 routes via a gateway, each acknowledged before the next, as the
  seed's ``ip -batch``): ``route.add`` in a loop (sync) vs ``await aio.route.add`` in a
  loop (one task). Bar: aio within 1.1x of sync.
* **W4** (dump N IPv4 routes into Python objects): ``route.dump`` vs
  ``await aio.route.dump``. Bar: aio within 1.1x of sync.
* **lookups** (N ``route get`` of N different addresses): ``route.get`` one after the
  other (sync) vs N concurrent ``aio.route.get`` tasks on one AsyncHandle
  (``asyncio.gather``) vs pyroute2 0.9.7's ``AsyncIPRoute.route("get")``. pyroute2 is
  run with at most ``--pyroute2-concurrency`` (default 100) requests in flight: with
  2,000 at once its gather never completes (it was stopped by a 60 s timeout here).
  Bar: rawns.aio >= 10x faster than pyroute2's async API.

Each part starts after ``gc.collect()`` (no part pays for another's garbage) and
records this process's CPU time beside the wall time (``cpu`` in the JSON; the
bars compare wall times). End states are checked: every route added (``ip -j route
show``), every route dumped, every lookup answered with the expected device. The
1-minute load at the start and other work's load over the run (run.py's ForeignLoad) are
recorded; above 0.3 the results are marked noisy (``--noisy``
acknowledges that, as run.py's gate).
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import statistics
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from rawns import Handle, aio, link, netns, route  # noqa: E402
from rawns.link import Veth  # noqa: E402

GW = "10.1.0.2"
BARS = {"W3": 1.1, "W4": 1.1, "pyroute2": 10.0}


class _Clock:
    """Wall time (what is compared) and this process's CPU time (user + system: the
    kernel's work for our syscalls included), from now to :meth:`stop`."""

    def __init__(self) -> None:
        self.wall, self.cpu = time.perf_counter(), time.process_time()

    def stop(self) -> tuple[float, float]:
        return time.perf_counter() - self.wall, time.process_time() - self.cpu


def _sh(*argv: str, input: str | None = None) -> str:
    p = subprocess.run(argv, input=input, capture_output=True, text=True, check=False)
    if p.returncode != 0:
        raise RuntimeError(f"{' '.join(argv[:6])} failed: {p.stderr[-500:]}")
    return p.stdout


@contextmanager
def _namespace(routes: int = 0) -> Iterator[netns.Netns]:
    """A fresh namespace: veth v0 (10.1.0.1/16, up) and v1, and ``routes`` routes via GW."""
    name = f"rawns-w10-{uuid.uuid4().hex[:8]}"
    with netns.create(name) as ns:
        try:
            with Handle.open(netns=ns) as h:
                link.add(h, Veth(name="v0", peer="v1"))
                link.set(h, "v0", up=True)
                link.set(h, "v1", up=True)
            _sh("ip", "-n", name, "addr", "add", "10.1.0.1/16", "dev", "v0")
            if routes:
                text = "".join(f"route add {d} via {GW}\n" for d in _dsts(routes))
                _sh("ip", "-n", name, "-batch", "-", input=text)
            yield ns
        finally:
            netns.delete(name)


def _dsts(n: int) -> list[str]:
    return [f"{20 + (i >> 16)}.{(i >> 8) & 0xFF}.{i & 0xFF}.0/24" for i in range(n)]


def _targets(n: int) -> list[str]:
    """N different addresses, all on v0's /16 (answered with dev v0)."""
    return [f"10.1.{1 + i // 254}.{1 + i % 254}" for i in range(n)]


def _count_via_gw(ns: netns.Netns) -> int:
    out = json.loads(_sh("ip", "-n", str(ns.name), "-j", "route", "show", "via", GW) or "[]")
    return len(out)


# -- W3 ----------------------------------------------------------------------


def w3_sync(ns: netns.Netns, n: int) -> tuple[float, float]:
    dsts = _dsts(n)
    with Handle.open(netns=ns) as h:
        clock = _Clock()
        for d in dsts:
            route.add(h, d, gateway=GW)
        return clock.stop()


def w3_aio(ns: netns.Netns, n: int) -> tuple[float, float]:
    dsts = _dsts(n)

    async def main() -> tuple[float, float]:
        async with await aio.AsyncHandle.open(netns=ns) as h:
            clock = _Clock()
            for d in dsts:
                await aio.route.add(h, d, gateway=GW)
            return clock.stop()

    return asyncio.run(main())


# -- W4 ----------------------------------------------------------------------


def w4_sync(ns: netns.Netns) -> tuple[tuple[float, float], int]:
    with Handle.open(netns=ns) as h:
        clock = _Clock()
        got = route.dump(h, family=2)
        return clock.stop(), sum(1 for r in got if str(r.gateway) == GW)


def w4_aio(ns: netns.Netns) -> tuple[tuple[float, float], int]:
    async def main() -> tuple[tuple[float, float], int]:
        async with await aio.AsyncHandle.open(netns=ns) as h:
            clock = _Clock()
            got = await aio.route.dump(h, family=2)
            return clock.stop(), sum(1 for r in got if str(r.gateway) == GW)

    return asyncio.run(main())


# -- lookups -----------------------------------------------------------------


def get_sync(ns: netns.Netns, n: int) -> tuple[tuple[float, float], int]:
    targets = _targets(n)
    with Handle.open(netns=ns) as h:
        v0 = link.get(h, "v0").index
        clock = _Clock()
        got = [route.get(h, t) for t in targets]
        dt = clock.stop()
    return dt, sum(1 for r in got if r.oif == v0)


def get_aio(ns: netns.Netns, n: int) -> tuple[tuple[float, float], int]:
    targets = _targets(n)

    async def main() -> tuple[tuple[float, float], int]:
        async with await aio.AsyncHandle.open(netns=ns) as h:
            v0 = (await aio.link.get(h, "v0")).index
            clock = _Clock()
            got = await asyncio.gather(*(aio.route.get(h, t) for t in targets))
            dt = clock.stop()
        return dt, sum(1 for r in got if r.oif == v0)

    return asyncio.run(main())


def get_pyroute2(ns: netns.Netns, n: int, concurrency: int) -> tuple[tuple[float, float], int]:
    from pyroute2 import AsyncIPRoute

    targets = _targets(n)

    async def main() -> tuple[tuple[float, float], int]:
        async with AsyncIPRoute(netns=str(ns.name)) as ipr:
            v0 = (await ipr.link_lookup(ifname="v0"))[0]
            gate = asyncio.Semaphore(concurrency)

            async def one(t: str) -> Any:
                async with gate:
                    r = await ipr.route("get", dst=t)
                    return [x async for x in r] if hasattr(r, "__aiter__") else list(r)

            clock = _Clock()
            async with asyncio.timeout(600):
                got = await asyncio.gather(*(one(t) for t in targets))
            dt = clock.stop()
        return dt, sum(1 for r in got if r and r[0].get("oif") == v0)

    return asyncio.run(main())


# -- the run -----------------------------------------------------------------


def _check(what: str, got: int, want: int) -> None:
    if got != want:
        raise SystemExit(f"W10 {what}: {got} correct results, expected {want}")


def run(args: argparse.Namespace) -> dict[str, Any]:
    times: dict[str, list[float]] = {}
    cpu: dict[str, list[float]] = {}

    def fresh() -> None:
        # Each part starts without the garbage of the one before: pyroute2 leaves
        # reference cycles behind (many per lookup), and the collections they
        # cost would otherwise land in whichever part runs next.
        gc.collect()

    def note(key: str, clocks: tuple[float, float]) -> None:
        dt, used = clocks
        times.setdefault(key, []).append(dt)
        cpu.setdefault(key, []).append(used)
        print(f"  {key}: {dt:.3f} s (cpu {used:.3f} s)", file=sys.stderr, flush=True)

    for rep in range(args.reps):
        print(f"rep {rep + 1}/{args.reps}", file=sys.stderr, flush=True)
        order: list[tuple[str, Callable[[netns.Netns, int], tuple[float, float]]]] = [
            ("W3 sync", w3_sync),
            ("W3 aio", w3_aio),
        ]
        for key, fn in order if rep % 2 == 0 else order[::-1]:
            with _namespace() as ns:
                fresh()
                note(key, fn(ns, args.routes))
                _check(key, _count_via_gw(ns), args.routes)
        with _namespace(args.dump) as ns:
            for key, dump in (("W4 sync", w4_sync), ("W4 aio", w4_aio))[
                :: 1 if rep % 2 == 0 else -1
            ]:
                fresh()
                dt, n = dump(ns)
                note(key, dt)
                _check(key, n, args.dump)
        with _namespace() as ns:
            lookups: list[tuple[str, Callable[[], tuple[tuple[float, float], int]]]] = [
                ("get sync sequential", lambda: get_sync(ns, args.lookups)),
                ("get aio concurrent", lambda: get_aio(ns, args.lookups)),
                (
                    "get pyroute2 AsyncIPRoute",
                    lambda: get_pyroute2(ns, args.lookups, args.pyroute2_concurrency),
                ),
            ]
            for key, fn2 in lookups if rep % 2 == 0 else lookups[::-1]:
                fresh()
                dt, n = fn2()
                note(key, dt)
                _check(key, n, args.lookups)
    summary = {
        k: {"min": min(v), "median": statistics.median(v), "all": v} for k, v in times.items()
    }

    def ratio(a: str, b: str) -> float:
        return summary[a]["min"] / summary[b]["min"]

    ratios = {
        "W3 aio/sync": ratio("W3 aio", "W3 sync"),
        "W4 aio/sync": ratio("W4 aio", "W4 sync"),
        "get aio concurrent/sync sequential": ratio("get aio concurrent", "get sync sequential"),
        "get pyroute2/aio (x faster)": ratio("get pyroute2 AsyncIPRoute", "get aio concurrent"),
    }
    bars = {
        "W3 aio within 1.1x of sync": ratios["W3 aio/sync"] <= BARS["W3"],
        "W4 aio within 1.1x of sync": ratios["W4 aio/sync"] <= BARS["W4"],
        "aio >= 10x faster than pyroute2 async": ratios["get pyroute2/aio (x faster)"]
        >= BARS["pyroute2"],
    }
    cpu_summary = {k: {"min": min(v), "median": statistics.median(v)} for k, v in cpu.items()}
    return {
        "sizes": vars(args) | {"json": None},
        "times": summary,
        "cpu": cpu_summary,
        "ratios": ratios,
        "bars": bars,
    }


def main(argv: list[str]) -> int:
    p = argparse.ArgumentParser(prog="run.py --w10", description=__doc__.split("\n")[0])
    p.add_argument("--reps", type=int, default=3)
    p.add_argument("--routes", type=int, default=10000, help="W3: routes added")
    p.add_argument("--dump", type=int, default=100000, help="W4: routes dumped")
    p.add_argument("--lookups", type=int, default=10000, help="route.get lookups")
    p.add_argument("--pyroute2-concurrency", type=int, default=100)
    p.add_argument("--json", type=Path)
    p.add_argument("--noisy", action="store_true", help="accept a loaded machine (marked noisy)")
    args = p.parse_args(argv)
    if os.geteuid() != 0:
        print("W10 needs root (it creates network namespaces)", file=sys.stderr)
        return 2
    from run import Quiet  # the main harness's gate (run.py imports this module)

    quiet = Quiet.start("W10", os.getloadavg()[0], args.noisy)
    if quiet is None:
        return 2
    out = run(args)
    quiet.record(out)
    text = json.dumps(out, indent=2, default=str)
    print(text)
    if args.json:
        args.json.write_text(text + "\n")
    return 0
