"""Codec throughput: build and parse route-sized messages, in pure Python, no root.

    python benchmarks/codec.py [--seconds S]

A route-sized message is what the kernel sends for each route of an IPv4
dump: nlmsghdr + rtmsg + 6 attributes, in the kernel's order (RTA_TABLE,
RTA_DST, RTA_PRIORITY, RTA_PREFSRC, RTA_GATEWAY, RTA_OIF; 76 bytes). The bar
(issue 2) is 200,000 messages per second parsed into typed :class:`Route`
results. Each figure is the best of several timed rounds.

Reported:

* build: ``route.build_add(route)`` from a ready :class:`Route`, and from
  strings (``Route(dst="10.x.y.0/24", gateway=...)`` + build), the W3 path;
* parse: ``route.parse_route(payload)`` on one message;
* dump path: a 32 KiB datagram of ~430 routes, as the kernel packs a dump,
  decoded in place (``iter_messages`` + ``parse_route_at(buf, start, end, None)``)
  and through the sans-I/O conversation that ``Handle.rtnl.dump`` uses.
"""

from __future__ import annotations

import argparse
import gc
import socket
import struct
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from rawns import route
from rawns._conversation import Conversation, Reply
from rawns._rtnl import RTA, RTM, RTMSG
from rawns._wire import Writer, iter_messages
from rawns.route._decode import parse_route_at

NLM_F_MULTI = 2


def kernel_route_message(i: int, seq: int = 1, pid: int = 0) -> bytes:
    """An RTM_NEWROUTE as the kernel dumps it (net/ipv4/fib_semantics.c: fib_dump_info)."""
    w = Writer()
    w.begin(RTM.NEWROUTE, flags=NLM_F_MULTI, seq=seq, pid=pid)
    w.put_bytes_raw(RTMSG.pack(socket.AF_INET, 24, 0, 0, 254, 3, 0, 1, 0))
    w.put_u32(RTA.TABLE, 254)
    w.put(RTA.DST, struct.pack(">I", (10 << 24) | (i << 8)))
    w.put_u32(RTA.PRIORITY, 100)
    w.put(RTA.PREFSRC, bytes((192, 168, 15, 1)))
    w.put(RTA.GATEWAY, bytes((192, 168, 15, 5)))
    w.put_u32(RTA.OIF, 2)
    w.end()
    return w.data()


def rate(fn: Callable[[], int], seconds: float) -> float:
    """Items per second: ``fn`` does a batch and returns how many items it did."""
    best = 0.0
    deadline = time.perf_counter() + seconds
    gc.collect()
    while True:
        t0 = time.perf_counter()
        n = fn()
        dt = time.perf_counter() - t0
        best = max(best, n / dt)
        if time.perf_counter() > deadline:
            return best


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seconds", type=float, default=1.5, help="time per figure")
    args = ap.parse_args()
    s = args.seconds

    msg = kernel_route_message(7)
    payload = msg[16:]
    r = route.parse_route(payload)
    assert str(r.dst) == "10.0.7.0/24" and str(r.gateway) == "192.168.15.5", r
    n_batch = 20_000

    def build_ready() -> int:
        b = route.build_add
        for _ in range(n_batch):
            b(r)
        return n_batch

    dsts = [f"10.{i >> 8 & 255}.{i & 255}.0/24" for i in range(n_batch)]

    def build_from_strings() -> int:
        b = route.build_add
        mk = route.Route
        for d in dsts:
            b(mk(dst=d, gateway="192.168.15.5"))
        return n_batch

    def parse_one() -> int:
        p = route.parse_route
        for _ in range(n_batch):
            p(payload)
        return n_batch

    # A dump datagram: the kernel fills ~32 KiB skbs.
    msgs = []
    size = 0
    while size + len(msg) <= 32768:
        msgs.append(kernel_route_message(len(msgs), seq=5, pid=1234))
        size += len(msg)
    datagram = b"".join(msgs)
    per_dgram = len(msgs)
    rounds = max(1, n_batch // per_dgram)

    def dump_in_place() -> int:
        p = parse_route_at  # the in-place form the dump decoders use
        out = []
        for _ in range(rounds):
            for _t, _f, _s, _p, a, b in iter_messages(datagram):
                out.append(p(datagram, a, b, None))
        return len(out)

    def dump_conversation() -> int:
        p = route.parse_route
        out = []
        for _ in range(rounds):
            conv = Conversation(1234)
            conv.expect(5, dump=True)
            for ev in conv.receive(datagram):
                if type(ev) is Reply:
                    out.append(p(ev.payload))
        return len(out)

    rows = [
        ("build  route.build_add(Route)            ", build_ready),
        ("build  Route(dst=str, gateway=str) + add ", build_from_strings),
        ("parse  route.parse_route(payload)         ", parse_one),
        (f"dump   in place, {per_dgram} msgs/datagram     ", dump_in_place),
        ("dump   via Conversation (Handle.rtnl.dump)", dump_conversation),
    ]
    print(f"python {sys.version.split()[0]}, route message {len(msg)} bytes (rtmsg + 6 attrs)")
    print(f"{'':44s}{'messages/s':>12s}  {'us/msg':>7s}")
    for name, fn in rows:
        v = rate(fn, s)
        print(f"{name:44s}{v:12,.0f}  {1e6 / v:7.2f}")
    print("bar (issue 2): parse >= 200,000 messages/s into typed Route results")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
