"""Real traffic through rawns-made shaping, between two fresh namespaces only.

A veth pair joins ``red`` (10.9.0.1) and ``blue`` (10.9.0.2); TCP bulk
transfers run from red to blue and the receiver measures its goodput after a
warm-up (the bucket's burst would inflate a short measure). The only timing
assertions are these rates, each within +-20% of what was configured.
"""

from __future__ import annotations

import socket
import threading
import time
from typing import Any

import pytest

from rawns import Handle, addr, compose, link, tc
from rawns.link import Veth
from rawns.tc import U32, Htb, HtbClass, u32_match

MBIT = 1_000_000
# TCP goodput over Ethernet: 1448 payload bytes per 1514-byte frame (tbf counts frames)
EFFICIENCY = 1448 / 1514
WARMUP, WINDOW = 1.0, 4.0


@pytest.fixture
def pair(make_ns: Any) -> Any:
    red, blue = make_ns(), make_ns()
    with Handle.open(netns=red) as hr, Handle.open(netns=blue) as hb:
        link.add(hr, Veth(name="v-red", peer="v-blue", peer_netns=blue))
        addr.add(hr, dev="v-red", address="10.9.0.1/24")
        addr.add(hb, dev="v-blue", address="10.9.0.2/24")
        for h, n in ((hr, "v-red"), (hb, "v-blue"), (hr, "lo"), (hb, "lo")):
            link.set(h, n, up=True)
        yield red, blue, hr, hb


def _listen(ns: Any, port: int) -> socket.socket:
    with ns.entered():
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("10.9.0.2", port))
    s.listen(1)
    return s


def _send(ns: Any, port: int, stop: threading.Event) -> None:
    with ns.entered():
        c = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    with c:
        c.connect(("10.9.0.2", port))
        buf = b"\0" * 65536
        while not stop.is_set():
            try:
                c.send(buf)
            except OSError:
                return


def measure(red: Any, blue: Any, ports: list[int]) -> dict[int, float]:
    """Goodput of a bulk transfer to each port at once, in bit/s, over WINDOW seconds."""
    servers = {p: _listen(blue, p) for p in ports}
    stop = threading.Event()
    senders = [threading.Thread(target=_send, args=(red, p, stop), daemon=True) for p in ports]
    for t in senders:
        t.start()
    conns = {p: s.accept()[0] for p, s in servers.items()}
    counts = {p: 0 for p in ports}
    lock = threading.Lock()
    measuring = threading.Event()

    def recv(p: int) -> None:
        c = conns[p]
        c.settimeout(1.0)
        while not stop.is_set():
            try:
                n = len(c.recv(1 << 16))
            except (TimeoutError, OSError):
                continue
            if measuring.is_set():
                with lock:
                    counts[p] += n

    readers = [threading.Thread(target=recv, args=(p,), daemon=True) for p in ports]
    for t in readers:
        t.start()
    time.sleep(WARMUP)
    t0 = time.monotonic()
    measuring.set()
    time.sleep(WINDOW)
    measuring.clear()
    elapsed = time.monotonic() - t0
    with lock:
        rates = {p: counts[p] * 8 / elapsed for p in ports}
    stop.set()
    for s in [*servers.values(), *conns.values()]:
        s.close()
    for t in [*senders, *readers]:
        t.join(5)
    return rates


def within(measured: float, mbit: float) -> bool:
    want = mbit * MBIT * EFFICIENCY
    return 0.8 * want <= measured <= 1.2 * want


def test_tbf_egress_shapes_tcp_to_8mbit(pair: Any) -> None:
    red, blue, hr, _hb = pair
    assert compose.limit_rate(hr, "v-red", rate="8mbit", burst="32kb", latency="50ms")
    assert not compose.limit_rate(hr, "v-red", rate="8mbit", burst="32kb", latency="50ms")
    got = measure(red, blue, [5001])[5001]
    assert within(got, 8), f"{got / MBIT:.2f} Mbit/s, want 8 +-20% (goodput {EFFICIENCY:.3f})"


def test_ingress_ifb_shapes_tcp_to_8mbit(pair: Any) -> None:
    red, blue, _hr, hb = pair
    assert compose.limit_ingress(hb, "v-blue", rate="8mbit", burst="32kb", ifb="ifb-blue")
    assert not compose.limit_ingress(hb, "v-blue", rate="8mbit", burst="32kb", ifb="ifb-blue")
    got = measure(red, blue, [5001])[5001]
    assert within(got, 8), f"{got / MBIT:.2f} Mbit/s, want 8 +-20%"


def test_htb_splits_two_flows_as_configured(pair: Any) -> None:
    red, blue, hr, _hb = pair
    tc.qdisc.add(hr, dev="v-red", handle="1:", options=Htb(default="30"))
    tc.tclass.add(hr, dev="v-red", parent="1:", handle="1:1", options=HtbClass(rate="8mbit"))
    for minor, rate in (("1:10", "6mbit"), ("1:20", "2mbit"), ("1:30", "8mbit")):
        opts = HtbClass(rate=rate, ceil=rate, burst="15k", cburst="15k")
        tc.tclass.add(hr, dev="v-red", parent="1:1", handle=minor, options=opts)
    for prio, (port, flow) in enumerate(((5001, "1:10"), (5002, "1:20")), 1):
        keys = u32_match(dst="10.9.0.2/32", dport=port)
        opts = U32(keys=keys, classid=flow)
        tc.filter.add(hr, dev="v-red", parent="1:", protocol="ip", prio=prio, options=opts)
    got = measure(red, blue, [5001, 5002])
    assert within(got[5001], 6), f"{got[5001] / MBIT:.2f} Mbit/s, want 6 +-20%"
    assert within(got[5002], 2), f"{got[5002] / MBIT:.2f} Mbit/s, want 2 +-20%"
    stats = {c.handle: c.stats for c in tc.tclass.dump(hr, "v-red")}
    assert stats[0x10010] is not None and stats[0x10010].bytes > 0
