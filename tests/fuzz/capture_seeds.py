"""Capture the fuzz seed corpus: real kernel datagrams, with the command that made them.

Run as root (only inside throwaway namespaces; the host's is never touched)::

    python -m tests.fuzz.capture_seeds            # rewrites tests/fuzz/seeds.json

Each seed is one datagram exactly as ``recvmsg`` returned it on a socket opened
inside the namespace: dump parts, get replies, ACKs, errors with extended ACK,
``NLMSG_DONE``, and multicast events (``ip monitor``). The fuzz suites mutate
these; the ``setup`` list beside each group is what was run (with ``ip`` and
``nft``, the outside oracles) before capturing.
"""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from rawns import netns
from rawns._nfnl_consts import NFNL_SUBSYS, NFNLGRP, NFPROTO, NFT_MSG
from rawns._rtnl import (
    FIB_RULE_HDR,
    IFADDRMSG,
    IFINFOMSG,
    IFLA,
    NDMSG,
    NLM_F,
    RTM,
    RTMSG,
    RTNLGRP,
)
from rawns._wire import Writer, iter_messages
from rawns.transport import NETLINK_NETFILTER, NETLINK_ROUTE, NetlinkSocket

OUT = Path(__file__).with_name("seeds.json")

RTNL_SETUP = [
    "ip link add br0 type bridge stp_state 1 forward_delay 400 ageing_time 1000",
    "ip link add veth0 type veth peer name veth1",
    "ip link set veth0 master br0",
    "ip link set veth0 type bridge_slave hairpin on isolated on",
    "ip link add vethx type veth peer name vethx-peer netns {peer}",
    "ip link add dummy0 type ifb",  # no dummy module on this kernel
    "ip link set dummy0 alias 'a dummy' mtu 1400",
    "ip link property add dev dummy0 altname dummy-alt-name",
    "ip link add mv0 link dummy0 type macvlan mode bridge",
    "ip link add vx0 type vxlan id 42 local 10.9.0.1 remote 10.9.0.2 dstport 4789 ttl 5",
    "ip link set dev lo up",
    "ip link set dev dummy0 up",
    "ip link set dev br0 up",
    "ip addr add 10.9.0.1/24 brd + dev dummy0 label dummy0:a",
    "ip addr add 10.9.1.1 peer 10.9.1.2/32 dev dummy0",
    "ip addr add 2001:db8::1/64 dev dummy0 valid_lft 3600 preferred_lft 1800 nodad",
    "ip route add 10.20.0.0/16 via 10.9.0.254 dev dummy0 metric 50 proto static",
    "ip route add default via 10.9.0.254 table 100",
    "ip route add blackhole 10.66.0.0/16",
    "ip route add unreachable 10.67.0.0/16",
    "ip route add prohibit 10.68.0.0/16",
    "ip route add 10.30.0.0/16 nexthop via 10.9.0.10 weight 1 nexthop via 10.9.0.11 weight 3",
    "ip route add 2001:db8:1::/48 via 2001:db8::fe dev dummy0",
    "ip neigh add 10.9.0.7 lladdr 02:00:00:00:00:07 dev dummy0 nud permanent",
    "ip neigh add 2001:db8::7 lladdr 02:00:00:00:00:08 dev dummy0 nud permanent",
    "bridge fdb add 02:00:00:00:00:09 dev veth0 master static",
    "bridge fdb append 00:00:00:00:00:00 dev vx0 dst 10.9.0.3 self permanent",
    "ip rule add from 10.9.0.0/24 to 10.20.0.0/16 table 100 priority 1000",
    "ip rule add fwmark 0x10/0xff table 100 priority 1001",
    "ip -6 rule add from 2001:db8::/64 table 100 priority 1002",
]

NFT_RULESET = """\
table ip nat {
    chain postrouting {
        type nat hook postrouting priority 100; policy accept;
        ip saddr 192.168.15.0/24 oifname != "v-net-0" masquerade
    }
    chain prerouting {
        type nat hook prerouting priority -100; policy accept;
        tcp dport 8080 dnat to 192.168.15.2:80
    }
}
table inet filter {
    set allowed { type ipv4_addr; flags interval; elements = { 10.0.0.0/8, 192.168.1.1 } }
    chain input {
        type filter hook input priority 0; policy drop;
        ct state established,related accept
        ip saddr @allowed counter accept
        meta l4proto icmp limit rate 10/second accept
        tcp dport { 22, 80, 443 } log prefix "in: " accept
        ip6 nexthdr ipv6-icmp reject with icmpx type admin-prohibited
    }
    chain allow { counter accept; }
    chain forward_chain { type filter hook forward priority 0; iifname "veth*" jump allow; }
}
"""


def sh(cmd: str, ns: str) -> None:
    argv = ["ip", "netns", "exec", ns, "sh", "-c", cmd]
    p = subprocess.run(argv, capture_output=True, text=True, check=False)
    if p.returncode != 0:
        print(f"  (skipped: {cmd}: {p.stderr.strip()})", file=sys.stderr)


def recv_all(s: NetlinkSocket, until: Callable[[bytes], bool], timeout: float = 1.0) -> list[bytes]:
    """Datagrams until ``until(datagram)`` or ``timeout`` seconds of silence."""
    out: list[bytes] = []
    s.sock.settimeout(timeout)
    try:
        while True:
            d = s.recv()
            out.append(d)
            if until(d):
                return out
    except TimeoutError:
        return out
    finally:
        s.sock.settimeout(None)


def ends(d: bytes) -> bool:
    """True for a datagram holding NLMSG_DONE or NLMSG_ERROR (the end of an exchange)."""
    return any(t in (2, 3) for t, *_ in iter_messages(d))


def request(s: NetlinkSocket, mtype: int, flags: int, header: bytes, *attrs: Any) -> list[bytes]:
    w = Writer()
    w.begin(mtype, flags=NLM_F.REQUEST | flags, seq=int(time.time()) & 0xFFFF)
    w.put_bytes_raw(header)
    for put in attrs:
        put(w)
    w.end()
    s.send(w.data())
    return recv_all(s, ends)


def capture_rtnl(ns: str) -> dict[str, list[bytes]]:
    h = netns.open(ns)
    try:
        s = netns.run_in(h, lambda: NetlinkSocket(NETLINK_ROUTE))
    finally:
        h.close()
    out: dict[str, list[bytes]] = {}
    try:
        skip_stats = (lambda w: w.put_u32(IFLA.EXT_MASK, 1 << 3),)
        ifi = IFINFOMSG.pack(0, 0, 0, 0, 0)
        out["link_dump"] = request(s, RTM.GETLINK, NLM_F.DUMP, ifi, *skip_stats)
        out["link_dump_with_stats"] = request(s, RTM.GETLINK, NLM_F.DUMP, ifi)
        out["link_get_ack"] = request(
            s, RTM.GETLINK, NLM_F.ACK, ifi, lambda w: w.put_strz(IFLA.IFNAME, "br0")
        )
        out["link_get_missing"] = request(
            s, RTM.GETLINK, NLM_F.ACK, ifi, lambda w: w.put_strz(IFLA.IFNAME, "nope0")
        )
        out["link_add_exists_extack"] = request(
            s,
            RTM.NEWLINK,
            NLM_F.ACK | NLM_F.CREATE | NLM_F.EXCL,
            ifi,
            lambda w: w.put_strz(IFLA.IFNAME, "br0"),
        )
        out["link_add_bad_kind_extack"] = request(
            s,
            RTM.NEWLINK,
            NLM_F.ACK | NLM_F.CREATE | NLM_F.EXCL,
            ifi,
            lambda w: w.put_strz(IFLA.IFNAME, "weird0"),
            _kind("no-such-kind"),
        )
        bridge_af = IFINFOMSG.pack(socket.AF_BRIDGE, 0, 0, 0, 0)
        out["bridge_link_dump"] = request(s, RTM.GETLINK, NLM_F.DUMP, bridge_af)
        for fam, tag in ((socket.AF_INET, "4"), (socket.AF_INET6, "6")):
            out[f"addr_dump_{tag}"] = request(
                s, RTM.GETADDR, NLM_F.DUMP, IFADDRMSG.pack(fam, 0, 0, 0, 0)
            )
            out[f"route_dump_{tag}"] = request(
                s, RTM.GETROUTE, NLM_F.DUMP, RTMSG.pack(fam, 0, 0, 0, 0, 0, 0, 0, 0)
            )
            out[f"neigh_dump_{tag}"] = request(
                s, RTM.GETNEIGH, NLM_F.DUMP, NDMSG.pack(fam, 0, 0, 0, 0)
            )
            out[f"rule_dump_{tag}"] = request(
                s, RTM.GETRULE, NLM_F.DUMP, FIB_RULE_HDR.pack(fam, 0, 0, 0, 0, 0, 0, 0, 0)
            )
        out["route_dump_table100"] = request(
            s, RTM.GETROUTE, NLM_F.DUMP, RTMSG.pack(socket.AF_INET, 0, 0, 0, 100, 0, 0, 0, 0)
        )
        out["fdb_dump"] = request(
            s, RTM.GETNEIGH, NLM_F.DUMP, NDMSG.pack(socket.AF_BRIDGE, 0, 0, 0, 0)
        )
        out["route_get_reply"] = request(
            s,
            RTM.GETROUTE,
            0,
            RTMSG.pack(socket.AF_INET, 32, 0, 0, 0, 0, 0, 0, 0),
            lambda w: w.put(1, socket.inet_aton("10.20.1.1")),  # RTA_DST
        )
    finally:
        s.close()
    return out


def _kind(kind: str) -> Callable[[Writer], None]:
    def put(w: Writer) -> None:
        with w.nest(IFLA.LINKINFO):
            w.put_str(1, kind)  # IFLA_INFO_KIND

    return put


def capture_events(ns: str) -> dict[str, list[bytes]]:
    groups = [
        RTNLGRP.LINK,
        RTNLGRP.NEIGH,
        RTNLGRP.IPV4_IFADDR,
        RTNLGRP.IPV4_ROUTE,
        RTNLGRP.IPV4_RULE,
        RTNLGRP.IPV6_IFADDR,
        RTNLGRP.IPV6_ROUTE,
    ]
    with netns.open(ns) as h:
        s = netns.run_in(h, lambda: NetlinkSocket(NETLINK_ROUTE, groups=[int(g) for g in groups]))
    try:
        for cmd in (
            "ip link add ev0 type ifb",
            "ip link set ev0 up",
            "ip addr add 10.50.0.1/24 dev ev0",
            "ip addr add 2001:db8:50::1/64 dev ev0 nodad",
            "ip route add 10.51.0.0/16 via 10.50.0.2",
            "ip neigh add 10.50.0.9 lladdr 02:00:00:00:00:99 dev ev0",
            "ip rule add from 10.50.0.0/24 table 7 priority 77",
            "ip rule del priority 77",
            "ip link del ev0",
        ):
            sh(cmd, ns)
        return {"rtnl_events": recv_all(s, lambda d: False, timeout=0.5)}
    finally:
        s.close()


def capture_nft(ns: str) -> dict[str, list[bytes]]:
    with netns.open(ns) as h:
        s = netns.run_in(h, lambda: NetlinkSocket(NETLINK_NETFILTER))
        mon = netns.run_in(h, lambda: NetlinkSocket(NETLINK_NETFILTER, groups=[NFNLGRP.NFTABLES]))
    out: dict[str, list[bytes]] = {}
    try:
        p = subprocess.run(
            ["ip", "netns", "exec", ns, "nft", "-f", "-"],
            input=NFT_RULESET,
            capture_output=True,
            text=True,
            check=False,
        )
        if p.returncode:
            raise SystemExit(f"nft -f failed: {p.stderr}")
        out["nft_events"] = recv_all(mon, lambda d: False, timeout=0.5)
        nfgen = bytes((NFPROTO.UNSPEC, 0, 0, 0))
        for msg in ("GETTABLE", "GETCHAIN", "GETRULE", "GETSET", "GETGEN"):
            mtype = (NFNL_SUBSYS.NFTABLES << 8) | NFT_MSG[msg]
            flags = 0 if msg == "GETGEN" else NLM_F.DUMP
            out[f"nft_{msg.lower()}"] = request(s, mtype, flags | NLM_F.ACK, nfgen)

        def elems(w: Writer) -> None:
            w.put_strz(1, "filter")  # NFTA_SET_ELEM_LIST_TABLE
            w.put_strz(2, "allowed")  # NFTA_SET_ELEM_LIST_SET

        mtype = (NFNL_SUBSYS.NFTABLES << 8) | NFT_MSG.GETSETELEM
        out["nft_getsetelem"] = request(s, mtype, NLM_F.DUMP, bytes((NFPROTO.INET, 0, 0, 0)), elems)
    finally:
        s.close()
        mon.close()
    return out


def main() -> None:
    tag = uuid.uuid4().hex[:8]
    a, b = f"rawns-seed-{tag}-a", f"rawns-seed-{tag}-b"
    seeds: dict[str, Any] = {
        "about": "Kernel datagrams for the fuzz suites; regenerate with "
        "`python -m tests.fuzz.capture_seeds` (root). setup: commands run first.",
        "kernel": " ".join(__import__("os").uname()[2:3]),
        "setup": [c.format(peer=b) for c in RTNL_SETUP] + ["nft -f - <<EOF", NFT_RULESET, "EOF"],
        "seeds": {},
    }
    with netns.create(a), netns.create(b):
        for cmd in RTNL_SETUP:
            sh(cmd.format(peer=b), a)
        groups = capture_rtnl(a) | capture_events(a) | capture_nft(a)
    for name, dgrams in groups.items():
        seeds["seeds"][name] = [d.hex() for d in dgrams]
        print(f"{name}: {len(dgrams)} datagrams, {sum(map(len, dgrams))} bytes")
    OUT.write_text(json.dumps(seeds, indent=1) + "\n")
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
