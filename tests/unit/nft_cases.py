"""rawns twins of the golden nft rulesets in golden/nft/*.nft.

Each function queues, on a :class:`rawns.nft.Transaction`, the same objects
in the same order as ``nft -f CASE.nft`` sends them, built with rawns'
public helpers. The unit tests check that the batch bytes are identical to
nft's capture; the privileged tests apply both in fresh namespaces and
compare ``nft -j list ruleset``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

from rawns import Handle, nft
from rawns._nfnl import NFT_TABLE_F
from rawns.nft import match as m
from rawns.nft.expr import Expr
from rawns.nft.sets import set_spec

Builder = Callable[[nft.Transaction], None]


def _filter(tx: nft.Transaction, family: str, table: str, hook: str = "input") -> nft.Chain:
    t = tx.add_table(family, table)
    return tx.add_chain(t, "c", type="filter", hook=hook, priority="filter", policy="accept")


def _nat_chains(
    tx: nft.Transaction, family: str, table: str, post: str = "post", pre: str = "pre"
) -> tuple[nft.Chain, nft.Chain]:
    t = tx.add_table(family, table)
    p = tx.add_chain(t, post, type="nat", hook="postrouting", priority="srcnat", policy="accept")
    q = tx.add_chain(t, pre, type="nat", hook="prerouting", priority="dstnat", policy="accept")
    return p, q


def tables_chains(tx: nft.Transaction) -> None:
    tx.create_table("ip", "t1", flags=NFT_TABLE_F.DORMANT, comment="dormant table")
    t6 = tx.add_table("ip6", "t6")
    tx.add_chain(t6, "c_in", type="filter", hook="input", priority="filter", policy="drop")
    tx.add_chain(
        t6, "c_fwd", type="filter", hook="forward", priority="filter + 10", policy="accept"
    )
    tx.add_chain(t6, "c_out", type="route", hook="output", priority="mangle", policy="accept")
    tx.add_chain(t6, "helper", comment="a regular chain")
    ti = tx.add_table("inet", "ti")
    tx.add_chain(ti, "pre", type="nat", hook="prerouting", priority="dstnat", policy="accept")
    tx.add_chain(ti, "post", type="nat", hook="postrouting", priority="srcnat", policy="accept")
    tx.add_chain(ti, "raw", type="filter", hook="prerouting", priority="raw", policy="accept")
    tb = tx.add_table("bridge", "tb")
    tx.add_chain(tb, "c_fwd", type="filter", hook="forward", priority="filter", policy="accept")
    tn = tx.add_table("netdev", "tn")
    tx.add_chain(
        tn, "ing", type="filter", hook="ingress", priority=-500, policy="accept", devices=["lo"]
    )
    ta = tx.add_table("arp", "ta")
    tx.add_chain(ta, "c_in", type="filter", hook="input", priority="filter", policy="accept")


def expr_payload(tx: nft.Transaction) -> None:
    c = _filter(tx, "ip", "t")
    tx.add_rule(c, [*m.ip_addr("saddr", "10.0.0.1"), m.accept()])
    tx.add_rule(c, [*m.ip_addr("daddr", "192.168.15.0/24"), m.accept()])
    tx.add_rule(c, [*m.ip_addr("saddr", "10.0.0.0/8", negate=True), m.drop()])
    tx.add_rule(c, [*m.ip_addr("saddr", "10.2.0.0/20"), m.drop()])
    tx.add_rule(c, [*m.ip_addr("daddr", "172.16.0.0/12"), m.accept()])
    c6 = _filter(tx, "ip6", "t6")
    tx.add_rule(c6, [*m.ip_addr("saddr", "fd00::/64"), m.accept()])
    tx.add_rule(c6, [*m.ip_addr("daddr", "2001:db8::1"), m.accept()])
    tx.add_rule(c6, [*m.ip_addr("saddr", "fd00::/60"), m.drop()])


def expr_meta(tx: nft.Transaction) -> None:
    c = _filter(tx, "inet", "t", hook="forward")
    tx.add_rule(c, [*m.ifname("iif", "lo"), m.accept()])
    tx.add_rule(c, [*m.ifname("oif", "eth0", negate=True), m.drop()])
    tx.add_rule(c, [*m.ifname("iif", "veth*"), m.accept()])
    tx.add_rule(c, [*m.l4proto("udp"), m.accept()])
    tx.add_rule(c, [*m.nfproto(6), m.accept()])
    tx.add_rule(c, [*m.mark(0x2A), m.accept()])
    tx.add_rule(c, [*m.mark(7, negate=True), m.drop()])


def expr_verdict(tx: nft.Transaction) -> None:
    t = tx.add_table("inet", "t")
    web = tx.add_chain(t, "web")
    c = tx.add_chain(t, "c", type="filter", hook="input", priority="filter", policy="accept")
    tx.add_rule(web, [m.counter(), m.accept()])
    tx.add_rule(c, [m.drop()])
    tx.add_rule(c, [m.jump("web")])
    tx.add_rule(c, [m.goto("web")])
    tx.add_rule(c, [m.return_()])
    tx.add_rule(c, [nft.Counter(packets=5, bytes=100), m.accept()])


def expr_ct(tx: nft.Transaction) -> None:
    c = _filter(tx, "inet", "t")
    tx.add_rule(c, nft.accept_established())
    tx.add_rule(c, [*m.ct_state("invalid"), m.drop()])
    tx.add_rule(c, [*m.ct_state("new"), m.accept()])
    tx.add_rule(c, [*m.ct_state("established", negate=True), m.drop()])


def expr_lookup(tx: nft.Transaction) -> None:
    t = tx.add_table("inet", "t")
    web = tx.add_chain(t, "web")
    c = tx.add_chain(t, "c", type="filter", hook="input", priority="filter", policy="accept")
    tx.add_set(t, "a4", key="ipv4_addr", elements=["10.0.0.1", "10.0.0.2"])
    tx.add_set(
        t, "nets", key="ipv4_addr", interval=True, elements=["10.1.0.0/16", "192.168.0.0/24"]
    )
    tx.add_set(t, "a6", key="ipv6_addr", elements=["2001:db8::1"])
    tx.add_set(t, "ports", key="inet_service", elements=[22, 80, 443])
    tx.add_map(t, "pm", key="inet_service", data="verdict", elements={8080: "jump web"})
    tx.add_rule(web, [m.accept()])
    inet = "inet"
    tx.add_rule(c, [*m.in_set(m.ip_addr("saddr", "0.0.0.1", table_family=inet), "a4"), m.accept()])
    tx.add_rule(
        c,
        [
            *m.in_set(m.ip_addr("saddr", "0.0.0.1", table_family=inet), "nets", negate=True),
            m.drop(),
        ],
    )
    tx.add_rule(c, [*m.in_set(m.ip_addr("saddr", "::1", table_family=inet), "a6"), m.accept()])
    tx.add_rule(c, [*m.in_set(m.port("dport", "tcp", 1), "ports"), m.accept()])
    tx.add_rule(c, m.in_set(m.port("dport", "tcp", 1), "pm", vmap=True))


def expr_nat(tx: nft.Transaction) -> None:
    post, pre = _nat_chains(tx, "ip", "nat")
    tx.add_rule(post, nft.snat(to="10.0.0.1"))
    tx.add_rule(post, nft.snat(to=("10.0.0.1", "10.0.0.5")))
    tx.add_rule(post, nft.snat(to="10.0.0.1", proto="udp", ports=(1000, 2000)))
    tx.add_rule(post, nft.snat(to="10.0.0.1", random=True, persistent=True))
    tx.add_rule(pre, nft.port_forward(80, to="10.0.0.2", to_port=8080))
    tx.add_rule(pre, nft.port_forward(81, to=("10.0.0.2", "10.0.0.4"), to_port=(80, 90)))
    post6, pre6 = _nat_chains(tx, "ip6", "nat6")
    tx.add_rule(post6, nft.snat(to="fd00::1"))
    tx.add_rule(pre6, nft.port_forward(80, to="fd00::2", to_port=8080))
    t = tx.add_table("inet", "nati")
    prei = tx.add_chain(t, "pre", type="nat", hook="prerouting", priority="dstnat", policy="accept")
    tx.add_rule(prei, nft.port_forward(80, to="10.0.0.2", to_port=80, table_family="inet"))
    tx.add_rule(prei, nft.port_forward(80, to="fd00::2", to_port=80, table_family="inet"))


def expr_masq_redir(tx: nft.Transaction) -> None:
    post, pre = _nat_chains(tx, "ip", "nat")
    tx.add_rule(post, nft.masquerade())
    tx.add_rule(post, nft.masquerade(random=True, persistent=True))
    tx.add_rule(post, nft.masquerade(fully_random=True))
    tx.add_rule(post, nft.masquerade(proto="tcp", ports=(1024, 2000)))
    tx.add_rule(pre, [nft.Redir()])
    p80 = nft.Immediate(data=(80).to_bytes(2, "big"), dreg=1)
    tx.add_rule(pre, [*m.port("dport", "tcp", 8080), p80, nft.Redir(reg_proto_min=1, flags=2)])
    lo = nft.Immediate(data=(8000).to_bytes(2, "big"), dreg=1)
    hi = nft.Immediate(data=(8010).to_bytes(2, "big"), dreg=2)
    redir = nft.Redir(reg_proto_min=1, reg_proto_max=2, flags=2)
    tx.add_rule(pre, [*m.l4proto("tcp"), lo, hi, redir])


def expr_reject_limit_log(tx: nft.Transaction) -> None:
    c = _filter(tx, "inet", "t")
    tx.add_rule(c, [nft.Reject()])
    tx.add_rule(c, [*m.l4proto("tcp"), nft.Reject(type=1, code=0)])
    tx.add_rule(c, [nft.Limit(rate=10, unit=1, burst=5), m.accept()])
    tx.add_rule(c, [nft.Limit(rate=1, unit=60, burst=3, flags=1), m.drop()])
    tx.add_rule(c, [nft.Limit(rate=1048576, unit=1, burst=0, type=1), m.accept()])
    tx.add_rule(c, [nft.Log()])
    tx.add_rule(c, [nft.Log(prefix="in: ", level=4)])
    tx.add_rule(c, [nft.Log(prefix="dbg ", level=7)])
    tx.add_rule(c, [nft.Log(group=2)])
    c4 = _filter(tx, "ip", "t4")
    tx.add_rule(c4, [nft.Reject(type=0, code=1)])
    tx.add_rule(c4, [nft.Reject(type=0, code=3)])


def expr_range(tx: nft.Transaction) -> None:
    c = _filter(tx, "ip", "t")
    tx.add_rule(c, [*m.port("dport", "tcp", (1000, 2000), negate=True), m.drop()])
    tx.add_rule(c, [*m.port("sport", "udp", (1, 1023)), m.accept()])
    tx.add_rule(c, nft.filter_rule("accept", proto="tcp", sport=(1024, 65535), dport=80))


def sets(tx: nft.Transaction) -> None:
    t = tx.add_table("inet", "t")
    tx.add_set(t, "a", key="mark", elements=[1, 2])
    tx.add_set(t, "b", key="ifname", elements=["eth0"])
    tx.add_set(t, "c", key="inet_proto", elements=["tcp", "udp"])
    tx.add_set(t, "d", key="ether_addr")
    tx.add_set(
        t,
        "e",
        key="ipv4_addr",
        interval=True,
        auto_merge=True,
        comment="nets",
        elements=["10.0.0.0/8"],
    )
    tx.add_map(t, "f", key="ipv4_addr", data="ipv4_addr", elements={"1.1.1.1": "2.2.2.2"})
    tx.add_map(t, "g", key="inet_service", data="ipv4_addr")
    tx.add_set(
        t,
        "h",
        key="ipv6_addr",
        interval=True,
        elements=["fd00::/64", ("2001:db8::1", "2001:db8::5")],
    )
    tx.add_set(t, "i", key="ipv4_addr", timeout=60000)
    tx.add_set(t, "j", key="ipv4_addr", interval=True, elements=["0.0.0.0/1", "128.0.0.0/1"])
    tx.add_set(
        t,
        "k",
        key="inet_service",
        interval=True,
        size=64,
        policy="memory",
        elements=[22, (1000, 2000)],
    )


def set_ops(tx: nft.Transaction) -> None:
    t = nft.Table(family="ip", name="t")
    # nft numbers the sets it found in the kernel (1, 2 ...) and sends that id
    s = dataclasses.replace(set_spec(t, "s", key="ipv4_addr"), id=1)
    r = dataclasses.replace(set_spec(t, "r", key="inet_service", interval=True), id=2)
    gone = set_spec(t, "gone", key="ipv4_addr")
    tx.add_elements(s, ["10.0.0.4", "10.0.0.5"])
    tx.delete_elements(s, ["10.0.0.1"])
    tx.delete_elements(r, [22])
    tx.add_elements(r, [(3000, 3999)])
    tx.flush_set(s)
    tx.delete_set(gone)


def rule_ops(tx: nft.Transaction) -> None:
    c = nft.Chain(family="ip", table="t", name="c")
    d = nft.Chain(family="ip", table="t", name="d")
    tx.insert_rule(c, [m.counter()], before=4)
    tx.add_rule(c, [m.counter()], after=4, comment="after four")
    tx.insert_rule(c, [*m.port("dport", "tcp", 22), m.accept()], comment="first")
    tx.replace_rule(c, 5, [m.drop()])
    tx.delete_rule(c, 3)
    tx.flush_chain(d)
    tx.delete_chain(d)
    t2 = tx.create_table("ip", "t2")
    tx.flush_table(t2)
    tx.delete_table(t2)


def helpers_nat(tx: nft.Transaction) -> None:
    post, pre = _nat_chains(tx, "ip", "nat", "postrouting", "prerouting")
    src = "192.168.15.0/24"
    tx.add_rule(post, nft.masquerade(source=src))
    tx.add_rule(post, nft.masquerade(source=src, not_oif="v-net-0"))
    tx.add_rule(post, nft.masquerade(source=src, oif="eth0"))
    tx.add_rule(post, nft.masquerade(oif="eth0"))
    tx.add_rule(post, nft.snat(to="10.0.0.1", source=src))
    tx.add_rule(post, nft.snat(to="10.0.0.1", source=src, proto="tcp", ports=(1000, 2000)))
    tx.add_rule(pre, nft.port_forward(80, to="192.168.15.2", to_port=80))
    tx.add_rule(
        pre,
        nft.port_forward(8080, to="192.168.15.2", to_port=80, iif="eth0", daddr="10.0.0.1"),
    )
    tx.add_rule(pre, nft.port_forward(53, proto="udp", to="192.168.15.2"))


def helpers_nat6(tx: nft.Transaction) -> None:
    post, pre = _nat_chains(tx, "ip6", "nat", "postrouting", "prerouting")
    src = "fd00:15::/64"
    tx.add_rule(post, nft.masquerade(source=src))
    tx.add_rule(post, nft.masquerade(source=src, not_oif="v-net-0"))
    tx.add_rule(post, nft.snat(to="fd00:1::1", source=src))
    tx.add_rule(pre, nft.port_forward(80, to="fd00:15::2", to_port=80))
    tx.add_rule(
        pre,
        nft.port_forward(8080, to="fd00:15::2", to_port=80, iif="eth0", daddr="fd00:1::1"),
    )


def helpers_nat_inet(tx: nft.Transaction) -> None:
    post, pre = _nat_chains(tx, "inet", "nat", "postrouting", "prerouting")
    inet = "inet"
    tx.add_rule(
        post, nft.masquerade(source="192.168.15.0/24", not_oif="v-net-0", table_family=inet)
    )
    tx.add_rule(post, nft.masquerade(source="fd00:15::/64", table_family=inet))
    tx.add_rule(
        pre,
        nft.port_forward(
            80, to="192.168.15.2", to_port=80, iif="eth0", daddr="10.0.0.1", table_family=inet
        ),
    )


def helpers_filter(tx: nft.Transaction) -> None:
    t = tx.add_table("inet", "filter")
    inp = tx.add_chain(t, "input", type="filter", hook="input", priority="filter", policy="drop")
    fwd = tx.add_chain(
        t, "forward", type="filter", hook="forward", priority="filter", policy="drop"
    )
    inet = "inet"
    tx.add_rule(inp, nft.accept_established())
    tx.add_rule(inp, nft.allow(iif="lo"))
    tx.add_rule(inp, nft.allow(iif="eth0", proto="tcp", dport=22))
    tx.add_rule(inp, nft.block(saddr="10.0.0.0/8", table_family=inet))
    tx.add_rule(inp, nft.allow(saddr="fd00::/64", proto="udp", dport=53, table_family=inet))
    tx.add_rule(
        inp,
        nft.allow(
            saddr="192.168.15.0/24",
            daddr="192.168.15.5",
            proto="tcp",
            dport=(1000, 2000),
            table_family=inet,
        ),
    )
    tx.add_rule(inp, nft.allow(proto="icmp"))
    tx.add_rule(inp, nft.filter_rule("drop", counter=True))
    tx.add_rule(fwd, nft.accept_established())
    tx.add_rule(fwd, nft.allow(iif="v-net-0", oif="eth0"))
    tx.add_rule(fwd, nft.block(oif="eth1"))


def every(tx: nft.Transaction) -> None:
    """One ruleset with every expression kind (the privileged oracle test loads it too)."""
    t = tx.add_table("inet", "filter")
    web = tx.add_chain(t, "web")
    inp = tx.add_chain(t, "input", type="filter", hook="input", priority="filter", policy="accept")
    fwd = tx.add_chain(
        t, "forward", type="filter", hook="forward", priority="filter", policy="accept"
    )
    tx.add_set(t, "allowed4", key="ipv4_addr", elements=["10.0.0.1", "10.0.0.2"])
    tx.add_set(
        t, "nets4", key="ipv4_addr", interval=True, elements=["10.1.0.0/16", "192.168.0.0/24"]
    )
    tx.add_set(t, "allowed6", key="ipv6_addr", elements=["2001:db8::1"])
    tx.add_set(t, "ports", key="inet_service", elements=[22, 80, 443])
    tx.add_map(t, "portmap", key="inet_service", data="verdict", elements={8080: "jump web"})
    tx.add_rule(web, [m.counter(), m.accept()])
    inet = "inet"
    any4 = m.ip_addr("saddr", "0.0.0.1", table_family=inet)
    tx.add_rule(inp, nft.accept_established())
    tx.add_rule(inp, [*m.ct_state("invalid"), m.drop()])
    tx.add_rule(inp, nft.allow(iif="lo"), comment="loopback")
    tx.add_rule(inp, nft.block(saddr="10.2.0.0/20", table_family=inet))
    tx.add_rule(inp, [*m.in_set(any4, "allowed4"), m.accept()])
    tx.add_rule(inp, [*m.in_set(any4, "nets4", negate=True), m.counter(), m.drop()])
    any6 = m.ip_addr("saddr", "::1", table_family=inet)
    tx.add_rule(inp, [*m.in_set(any6, "allowed6"), m.accept()])
    tx.add_rule(inp, [*m.in_set(m.port("dport", "tcp", 1), "ports"), m.accept()])
    tx.add_rule(inp, m.in_set(m.port("dport", "tcp", 1), "portmap", vmap=True))
    tx.add_rule(inp, [*m.mark(0x2A), m.accept()])
    tx.add_rule(
        inp, [*m.port("dport", "tcp", (1000, 2000), negate=True), nft.Reject(type=1, code=0)]
    )
    tx.add_rule(inp, [*m.port("dport", "udp", 53), nft.Limit(rate=10), m.accept()])
    tx.add_rule(inp, [nft.Log(prefix="in: ")])
    tx.add_rule(inp, nft.filter_rule("reject", table_family=inet))
    tx.add_rule(inp, [m.jump("web")])
    tx.add_rule(inp, [m.goto("web")])
    tx.add_rule(inp, [m.return_()])
    tx.add_rule(fwd, nft.block(oif="eth0", daddr="8.8.8.8", table_family=inet))
    post, pre = _nat_chains(tx, "ip", "nat")
    tx.add_rule(post, nft.masquerade(source="192.168.15.0/24", not_oif="v-net-0"))
    tx.add_rule(
        post, nft.snat(to="10.0.0.1", source="10.9.0.0/16", proto="udp", ports=(1000, 2000))
    )
    tx.add_rule(pre, nft.port_forward(80, to="192.168.15.2", to_port=80, iif="eth0"))
    p80 = nft.Immediate(data=(80).to_bytes(2, "big"), dreg=1)
    tx.add_rule(pre, [*m.port("dport", "tcp", 8080), p80, nft.Redir(reg_proto_min=1, flags=2)])


def anon_sets(tx: nft.Transaction) -> None:
    c = _filter(tx, "inet", "t")
    t = nft.Table(family="inet", name="t")
    # nft's userdata carries a "typeof" record (which header field the set
    # holds); typeof= makes rawns write the same.
    ports = tx.add_anonymous_set(t, typeof="tcp dport", elements=[22, 80])
    tx.add_rule(c, [*m.in_set(m.port("dport", "tcp", 0), ports), m.accept()])
    nets = tx.add_anonymous_set(
        t, typeof="ip saddr", interval=True, elements=["10.0.0.0/8", "192.168.0.0/16"]
    )
    tx.add_rule(c, [*m.in_set(m.ip_addr("saddr", "0.0.0.1", table_family="inet"), nets), m.drop()])


CASES: dict[str, Builder] = {
    f.__name__: f
    for f in (
        tables_chains,
        expr_payload,
        expr_meta,
        expr_verdict,
        expr_ct,
        expr_lookup,
        expr_nat,
        expr_masq_redir,
        expr_reject_limit_log,
        expr_range,
        sets,
        set_ops,
        rule_ops,
        helpers_nat,
        helpers_nat6,
        helpers_nat_inet,
        helpers_filter,
        every,
        anon_sets,
    )
}

__all__ = ["CASES", "Builder", "Expr"]


# ---------------------------------------------------------------------------
# a Handle for unit tests: a fake nfnetlink channel, a made-up namespace


class FakeHandle(Handle):
    """A :class:`rawns.Handle` whose nfnetlink channel is a fake: no socket, no namespace.

    ``channel`` answers ``batch``/``dump``/``request`` as the test wants;
    ``ident`` plays the namespace identity (``netns_ident``) that dumped
    objects are checked against; ``closed`` plays a closed handle.
    """

    def __init__(
        self, channel: Any, ident: tuple[int, int] = (0, 1), *, closed: bool = False
    ) -> None:
        # Handle.__init__ would open sockets; the fake channel stands in for them.
        self._fake = channel
        self._ident = ident
        self._label = f"fake-{ident[1]}"
        self._fake_closed = closed

    @property
    def nfnl(self) -> Any:
        return self._fake

    @property
    def closed(self) -> bool:
        return self._fake_closed

    def __repr__(self) -> str:
        return f"<FakeHandle {self._label}>"
