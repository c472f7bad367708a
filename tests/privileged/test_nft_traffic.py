"""Real traffic through rawns' NAT and filter rules, IPv4 and IPv6.

Three namespaces this test creates (and the fixtures remove), wired with
rawns.link/addr/route::

    priv p0 192.168.15.2, fd00:15::2  --  g-in 192.168.15.5, fd00:15::5  gw
    gw g-out 10.0.0.1, fd00:1::1       --  e0 10.0.0.2, fd00:1::2        ext

``ext`` has no route back to the private network, so a reply can only come
back if the gateway masqueraded the connection. The NAT rules are the seed's:
MASQUERADE of 192.168.15.0/24 out of g-out and a DNAT port forward of the
gateway's port 80 to 192.168.15.2:80 (and the same for IPv6), all written by
rawns.nft. Sockets live inside their namespaces (rawns.probe opens them from
threads that entered the namespace); every wait is bounded.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from rawns import Handle, addr, link, nft, route, sysctl
from rawns._rtnl import IFA_F
from rawns.link import Veth
from rawns.probe import TcpServer, tcp_check

NODAD = int(IFA_F.NODAD)


@dataclass
class Net:
    gw: Any
    priv: Any
    ext: Any
    h: Handle  # the gateway's handle


@pytest.fixture
def net(make_ns: Any) -> Iterator[Net]:
    gw, priv, ext = make_ns(), make_ns(), make_ns()
    with (
        Handle.open(netns=gw) as hg,
        Handle.open(netns=priv) as hp,
        Handle.open(netns=ext) as he,
    ):
        link.add(hg, Veth(name="g-in", peer="p0", peer_netns=priv, up=True, peer_up=True))
        link.add(hg, Veth(name="g-out", peer="e0", peer_netns=ext, up=True, peer_up=True))
        for h, dev, addrs in (
            (hg, "g-in", ("192.168.15.5/24", "fd00:15::5/64")),
            (hg, "g-out", ("10.0.0.1/24", "fd00:1::1/64")),
            (hp, "p0", ("192.168.15.2/24", "fd00:15::2/64")),
            (he, "e0", ("10.0.0.2/24", "fd00:1::2/64")),
        ):
            for a in addrs:
                addr.add(h, a, dev=dev, flags=NODAD)
        route.add(hp, dst="default", gateway="192.168.15.5")
        route.add(hp, dst="::/0", gateway="fd00:15::5")
        # Forwarding inside the gateway namespace only (a helper thread writes /proc/sys).
        sysctl.set(hg, "net.ipv4.ip_forward", 1)
        sysctl.set(hg, "net.ipv6.conf.all.forwarding", 1)
        yield Net(gw=gw, priv=priv, ext=ext, h=hg)


def seed_nat(h: Handle) -> None:
    """The seed's MASQUERADE and DNAT lines, for IPv4 and IPv6, in one transaction."""
    with nft.transaction(h) as tx:
        for family, private, server in (
            ("ip", "192.168.15.0/24", "192.168.15.2"),
            ("ip6", "fd00:15::/64", "fd00:15::2"),
        ):
            t = tx.add_table(family, "nat")
            post = tx.add_chain(
                t, "postrouting", type="nat", hook="postrouting", priority="srcnat", policy="accept"
            )
            pre = tx.add_chain(
                t, "prerouting", type="nat", hook="prerouting", priority="dstnat", policy="accept"
            )
            tx.add_rule(post, nft.masquerade(source=private, oif="g-out"))
            tx.add_rule(pre, nft.port_forward(80, to=server, to_port=80, iif="g-out"))


FAMILIES = [
    pytest.param(("10.0.0.1", "10.0.0.2", "192.168.15.2"), id="ipv4"),
    pytest.param(("fd00:1::1", "fd00:1::2", "fd00:15::2"), id="ipv6"),
]


@pytest.mark.parametrize("addrs", FAMILIES)
def test_masquerade_and_port_forward_carry_real_traffic(
    net: Net, addrs: tuple[str, str, str]
) -> None:
    gw_outside, ext_addr, priv_addr = addrs
    # Without NAT: ext cannot answer the private network; the gateway's port 80 is closed.
    with TcpServer(net.ext, ext_addr, 9000, name="ext"), pytest.raises(OSError):
        tcp_check(net.priv, ext_addr, 9000, timeout=1.0)
    with TcpServer(net.priv, priv_addr, 80, name="priv"), pytest.raises(OSError):
        tcp_check(net.ext, gw_outside, 80, timeout=1.0)

    seed_nat(net.h)

    # masquerade: the external server sees the gateway's outside address
    with TcpServer(net.ext, ext_addr, 9000, name="ext"):
        seen = tcp_check(net.priv, ext_addr, 9000, timeout=3.0)
    assert seen.server == "ext"
    assert str(seen.seen_source) == gw_outside

    # port forward: the gateway's port 80 lands on the private server
    with TcpServer(net.priv, priv_addr, 80, name="priv"):
        seen = tcp_check(net.ext, gw_outside, 80, timeout=3.0)
    assert seen.server == "priv"
    assert str(seen.seen_source) == ext_addr  # DNAT only: the client's address is kept


def test_basic_filter_helpers_gate_forwarded_traffic(net: Net) -> None:
    seed_nat(net.h)
    with nft.transaction(net.h) as tx:
        t = tx.add_table("inet", "filter")
        fwd = tx.add_chain(
            t, "forward", type="filter", hook="forward", priority="filter", policy="drop"
        )
        tx.add_rule(fwd, nft.accept_established())
        tx.add_rule(fwd, nft.allow(iif="g-in", oif="g-out"))
    # outbound is allowed, replies come back as established
    with TcpServer(net.ext, "10.0.0.2", 9000, name="ext"):
        assert tcp_check(net.priv, "10.0.0.2", 9000, timeout=3.0).server == "ext"
    # inbound port forward is dropped by the forward policy ...
    with TcpServer(net.priv, "192.168.15.2", 80, name="priv"):
        with pytest.raises(OSError):
            tcp_check(net.ext, "10.0.0.1", 80, timeout=1.0)
        # ... until a rule allows it
        with nft.transaction(net.h) as tx:
            tx.add_rule(fwd, nft.allow(iif="g-out", daddr="192.168.15.2", proto="tcp", dport=80,
                                       table_family="inet"))  # fmt: skip
        assert tcp_check(net.ext, "10.0.0.1", 80, timeout=3.0).server == "priv"
    # and a drop rule inserted first wins over the accept
    with nft.transaction(net.h) as tx:
        tx.insert_rule(fwd, nft.block(iif="g-in", proto="tcp", dport=9000))
    with TcpServer(net.ext, "10.0.0.2", 9000, name="ext"), pytest.raises(OSError):
        tcp_check(net.priv, "10.0.0.2", 9000, timeout=1.0)
