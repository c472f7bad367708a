"""Capture the traffic-control fuzz seeds: kernel dumps and events of qdiscs, classes, filters.

Run as root (only inside a throwaway namespace; the host's is never touched)::

    python -m tests.fuzz.capture_tc_seeds         # rewrites tests/fuzz/tc_seeds.json

Kept apart from ``seeds.json`` (``capture_seeds.py``) so that each can be
regenerated alone. Each seed is a datagram exactly as ``recvmsg`` returned it
on a socket opened inside the namespace: RTM_GETQDISC/GETTCLASS/GETTFILTER
dump parts with their TCA_STATS2, TCA_XSTATS and u32 counters, and the
RTNLGRP_TC notifications that ``tc`` commands cause.
"""

from __future__ import annotations

import json
import os
import socket
import uuid
from pathlib import Path
from typing import Any

from rawns import netns
from rawns._rtnl import NLM_F, RTM, RTNLGRP
from rawns.tc._consts import TCMSG
from rawns.transport import NETLINK_ROUTE, NetlinkSocket

from .capture_seeds import recv_all, request, sh

OUT = Path(__file__).with_name("tc_seeds.json")

SETUP = [
    "ip link add v0 type veth peer name v1",
    "ip link add v2 type veth peer name v3",
    "ip link add ifb0 type ifb",
    "ip link set v0 up",
    "ip link set v1 up",
    "ip link set v2 up",
    "ip link set v3 up",
    "ip link set ifb0 up",
    "ip addr add 10.0.0.1/24 dev v0",
    "tc qdisc add dev v0 root handle 1: htb default 10 r2q 5",
    "tc class add dev v0 parent 1: classid 1:1 htb rate 10mbit",
    "tc class add dev v0 parent 1:1 classid 1:10 htb rate 4mbit ceil 8mbit burst 15k prio 1",
    "tc class add dev v0 parent 1:1 classid 1:20 htb rate 40gbit ceil 50gbit",
    "tc qdisc add dev v0 parent 1:10 handle 10: pfifo limit 100",
    "tc qdisc add dev v0 parent 1:20 handle 20: bfifo limit 30000",
    "tc filter add dev v0 parent 1: protocol ip prio 1 u32 match ip dst 10.0.0.2/32 "
    "match ip dport 5001 0xffff flowid 1:10",
    "tc filter add dev v0 parent 1: protocol ip prio 2 u32 match ip src 10.0.0.0/24 "
    "match ip protocol 6 0xff offset at 0 mask 0f00 shift 6 eat classid 1:20",
    "tc qdisc add dev v0 ingress",
    "tc filter add dev v0 parent ffff: protocol all prio 1 u32 match u32 0 0 "
    "action mirred egress redirect dev ifb0",
    "tc qdisc add dev ifb0 root handle 1: tbf rate 8mbit burst 32kbit latency 400ms "
    "peakrate 10mbit mtu 2000",
    "tc qdisc add dev v2 clsact",
    "tc filter add dev v2 egress protocol ip prio 1 u32 match ip dst 10.0.0.9/32 "
    "action mirred egress mirror dev ifb0",
    # a little traffic for the counters (ARP requests pass the qdiscs; no ping here)
    "python3 -c 'import socket; s = socket.socket(2, 2); "
    '[s.sendto(bytes(100), ("10.0.0.2", 5001)) for _ in range(5)]\'',
]

EVENTS = [
    "tc qdisc add dev v3 root handle 5: htb default 1",
    "tc class add dev v3 parent 5: classid 5:1 htb rate 1mbit",
    "tc filter add dev v3 parent 5: protocol ip prio 3 u32 match ip dst 10.0.0.3/32 flowid 5:1",
    "tc class change dev v3 parent 5: classid 5:1 htb rate 2mbit",
    "tc filter del dev v3 parent 5: protocol ip prio 3",
    "tc class del dev v3 classid 5:1",
    "tc qdisc del dev v3 root",
    "tc qdisc add dev v3 root tbf rate 40gbit burst 1mb limit 2mb",
    "tc qdisc del dev v3 root",
]


def _tcmsg(index: int = 0, parent: int = 0) -> bytes:
    return TCMSG.pack(socket.AF_UNSPEC, index, 0, parent, 0)


def capture(ns: str) -> dict[str, list[bytes]]:
    with netns.open(ns) as h:
        s = netns.run_in(h, lambda: NetlinkSocket(NETLINK_ROUTE))
        mon = netns.run_in(h, lambda: NetlinkSocket(NETLINK_ROUTE, groups=[int(RTNLGRP.TC)]))
    out: dict[str, list[bytes]] = {}
    try:
        with netns.open(ns) as inside:
            idx = netns.run_in(inside, lambda: {n: socket.if_nametoindex(n) for n in ("v0", "v2")})
        out["tc_qdisc_dump"] = request(s, RTM.GETQDISC, NLM_F.DUMP, _tcmsg())
        out["tc_class_dump"] = request(s, RTM.GETTCLASS, NLM_F.DUMP, _tcmsg(idx["v0"]))
        out["tc_filter_dump_htb"] = request(
            s, RTM.GETTFILTER, NLM_F.DUMP, _tcmsg(idx["v0"], 0x10000)
        )
        out["tc_filter_dump_ingress"] = request(
            s, RTM.GETTFILTER, NLM_F.DUMP, _tcmsg(idx["v0"], 0xFFFFFFF1)
        )
        out["tc_filter_dump_clsact"] = request(
            s, RTM.GETTFILTER, NLM_F.DUMP, _tcmsg(idx["v2"], 0xFFFFFFF3)
        )
        recv_all(mon, lambda d: False, timeout=0.2)  # what the setup announced
        for cmd in EVENTS:
            sh(cmd, ns)
        out["tc_events"] = recv_all(mon, lambda d: False, timeout=0.5)
    finally:
        s.close()
        mon.close()
    return out


def main() -> None:
    ns = f"rawns-seed-tc-{uuid.uuid4().hex[:8]}"
    doc: dict[str, Any] = {
        "about": "tc kernel datagrams for the fuzz suites; regenerate with "
        "`python -m tests.fuzz.capture_tc_seeds` (root). setup: commands run first.",
        "kernel": os.uname().release,
        "setup": SETUP,
        "events": EVENTS,
        "seeds": {},
    }
    with netns.create(ns):
        for cmd in SETUP:
            sh(cmd, ns)
        groups = capture(ns)
    for name, dgrams in groups.items():
        doc["seeds"][name] = [d.hex() for d in dgrams]
        print(f"{name}: {len(dgrams)} datagrams, {sum(map(len, dgrams))} bytes")
    OUT.write_text(json.dumps(doc, indent=1) + "\n")
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
