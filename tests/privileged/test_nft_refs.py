"""rawns.nft against the kernel: references that can't drift, and nothing sent for bad input.

Two fresh namespaces get the same ruleset from ``nft -f``, so their tables,
chains, sets and rule handles coincide. An object dumped in one, used in a
transaction on the other, would change the wrong object (``delete rule ...
handle 3`` deletes whatever rule is number 3 there): rawns refuses it before
the batch is sent, and ``nft -j list ruleset`` of both namespaces is the
same before and after (nft as the outside oracle). The same oracle shows
that a bad argument anywhere in a transaction sends nothing, and that a
refused request (fault injection) changes nothing.
"""

from __future__ import annotations

import errno
from collections.abc import Callable
from typing import Any

import pytest

from rawns import Handle, nft
from rawns.errors import KernelError, NotFound, PermissionDenied
from rawns.nft import match as m
from rawns.transport import fail_nth_request
from tests.conftest import nft_json, run

SEED = """
table ip t {
    set s { type ipv4_addr; elements = { 10.0.0.1, 10.0.0.2 } }
    set s6 { type ipv6_addr; }
    chain d { }
    chain c {
        type filter hook input priority 0; policy accept;
        tcp dport 22 accept
        tcp dport 80 accept
        udp dport 53 jump d
    }
}
"""


def listing(ns: Any) -> list[Any]:
    """``nft -j list ruleset`` without the metainfo entry."""
    out = nft_json(ns.name, "list", "ruleset").get("nftables", [])
    return [e for e in out if "metainfo" not in e]


def seed(ns: Any) -> None:
    run("ip", "netns", "exec", ns.name, "nft", "-f", "-", input=SEED)


def dumped(h: Handle) -> dict[str, Any]:
    t = nft.tables.get(h, "ip", "t")
    chains = {c.name: c for c in nft.dump_chains(h, family="ip", table="t")}
    sets = {s.name: s for s in nft.dump_sets(h, family="ip", table="t")}
    rules = nft.dump_rules(h, family="ip", table="t", chain="c")
    return {"table": t, "chain": chains["c"], "set": sets["s"], "rule": rules[0]}


USES: list[tuple[str, Callable[[nft.Transaction, dict[str, Any]], object]]] = [
    ("delete_rule", lambda tx, o: tx.delete_rule(o["rule"])),
    ("delete_rule(chain, handle)", lambda tx, o: tx.delete_rule(o["chain"], o["rule"].handle)),
    ("replace_rule", lambda tx, o: tx.replace_rule(o["chain"], o["rule"].handle, [m.drop()])),
    ("add_rule", lambda tx, o: tx.add_rule(o["chain"], [m.drop()])),
    ("insert_rule", lambda tx, o: tx.insert_rule(o["chain"], [m.drop()])),
    ("flush_chain", lambda tx, o: tx.flush_chain(o["chain"])),
    ("add_chain", lambda tx, o: tx.add_chain(o["table"], "new")),
    ("flush_table", lambda tx, o: tx.flush_table(o["table"])),
    ("delete_table", lambda tx, o: tx.delete_table(o["table"])),
    ("add_set", lambda tx, o: tx.add_set(o["table"], "new")),
    ("add_elements", lambda tx, o: tx.add_elements(o["set"], ["10.9.9.9"])),
    ("delete_elements", lambda tx, o: tx.delete_elements(o["set"], ["10.0.0.1"])),
    ("flush_set", lambda tx, o: tx.flush_set(o["set"])),
    ("delete_set", lambda tx, o: tx.delete_set(o["set"])),
]


@pytest.mark.parametrize(("verb", "use"), USES, ids=[v for v, _ in USES])
def test_an_object_dumped_in_another_namespace_changes_nothing(
    verb: str, use: Callable[[nft.Transaction, dict[str, Any]], object], make_ns: Any
) -> None:
    a, b = make_ns(), make_ns()
    seed(a)
    seed(b)
    with Handle.open(netns=a) as ha, Handle.open(netns=b) as hb:
        from_a = dumped(ha)
        before_a, before_b = listing(a), listing(b)
        assert before_a == before_b  # the same handles on both sides: a real hazard
        gen_b = nft.generation(hb)
        with (
            pytest.raises(ValueError, match="another network namespace") as info,
            nft.transaction(hb) as tx,
        ):
            use(tx, from_a)
        assert b.name in str(info.value)
        assert listing(a) == before_a and listing(b) == before_b
        assert nft.generation(hb) == gen_b  # no batch reached the kernel

        # Built without a handle, checked when it is sent: still nothing sent.
        tx = nft.Transaction(None)
        use(tx, from_a)
        with pytest.raises(ValueError, match="another network namespace"):
            tx.commit(hb)
        assert listing(b) == before_b and nft.generation(hb) == gen_b

        # Used where it was dumped, it works (and changes only that namespace).
        with nft.transaction(ha) as tx:
            use(tx, from_a)
        assert listing(b) == before_b
        assert listing(a) != before_a


def test_a_rule_dumped_elsewhere_is_not_deleted_here_but_copies_may_cross(
    make_ns: Any,
) -> None:
    a, b = make_ns(), make_ns()
    seed(a)
    seed(b)
    with Handle.open(netns=a) as ha, Handle.open(netns=b) as hb:
        rule = nft.dump_rules(ha, family="ip", table="t", chain="c")[1]
        mine = nft.dump_rules(hb, family="ip", table="t", chain="c")[1]
        assert rule.handle == mine.handle  # "delete rule ip t c handle N" would hit mine
        with pytest.raises(ValueError, match="another network namespace"):
            nft.transaction(hb).delete_rule(rule)
        with pytest.raises(ValueError, match="another network namespace"):
            nft.dump_elements(hb, nft.dump_sets(ha)[0])
        assert nft.dump_rules(hb, family="ip", table="t", chain="c")[1] == mine

        # add_ruleset copies by name: a dump of a loads into a fresh c.
        c = make_ns()
        with Handle.open(netns=c) as hc:
            with nft.transaction(hc) as tx:
                tx.add_ruleset(nft.dump_ruleset(ha))
            assert nft.dump_ruleset(hc).rules == nft.dump_ruleset(ha).rules


BAD: list[tuple[str, Callable[[nft.Transaction, dict[str, Any]], object], type[Exception]]] = [
    ("jump target with a NUL", lambda tx, o: tx.add_rule(o["c"], [m.jump("d\0x")]), ValueError),
    (
        "priority 2**31",
        lambda tx, o: tx.add_chain(o["t"], "x", type="filter", hook="input", priority=2**31),
        ValueError,
    ),
    (
        "priority that wraps",
        lambda tx, o: tx.add_chain(
            o["t"], "x", type="filter", hook="input", priority="filter + 2147483648"
        ),
        ValueError,
    ),
    ("table flags 2**32", lambda tx, o: tx.add_table("ip", "x", flags=2**32), ValueError),
    ("comment of 129 bytes", lambda tx, o: tx.add_table("ip", "x", comment="c" * 129), ValueError),
    ("rule comment with a NUL", lambda tx, o: tx.add_rule(o["c"], [m.accept()], comment="a\0b"),
     ValueError),
    ("set size 2**32", lambda tx, o: tx.add_set(o["t"], "x", size=2**32), ValueError),
    ("log level 2**32", lambda tx, o: tx.add_rule(o["c"], [nft.Log(level=2**32)]), ValueError),
    ("log prefix with a NUL", lambda tx, o: tx.add_rule(o["c"], [nft.Log(prefix="a\0b")]),
     ValueError),
    ("iifname with a NUL", lambda tx, o: tx.add_rule(o["c"], m.ifname("iif", "lo\0x")), ValueError),
    ("oifname eth%d", lambda tx, o: tx.add_rule(o["c"], nft.masquerade(oif="eth%d")), ValueError),
    ("zone id in a set", lambda tx, o: tx.add_elements(o["s6"], ["fe80::1%lo"]), ValueError),
    ("name of 256 bytes", lambda tx, o: tx.add_chain(o["t"], "n" * 256), ValueError),
    ("unknown hook", lambda tx, o: tx.add_chain(o["t"], "x", type="filter", hook="ingres",
                                                priority=0), ValueError),
    ("rule position 2**64", lambda tx, o: tx.add_rule(o["c"], [m.accept()], after=2**64),
     ValueError),
    ("a Table where a Chain goes", lambda tx, o: tx.add_rule(o["t"], [m.accept()]), TypeError),
]  # fmt: skip


@pytest.mark.parametrize(("what", "bad", "exc"), BAD, ids=[w for w, _, _ in BAD])
def test_a_bad_argument_sends_nothing(
    what: str,
    bad: Callable[[nft.Transaction, dict[str, Any]], object],
    exc: type[Exception],
    ns: Any,
    h: Handle,
) -> None:
    seed(ns)
    objs = {
        "t": nft.tables.get(h, "ip", "t"),
        "c": nft.dump_chains(h, table="t")[1],
        "s6": next(s for s in nft.dump_sets(h) if s.name == "s6"),
    }
    assert objs["c"].name == "c"
    before, gen = listing(ns), nft.generation(h)
    with pytest.raises(exc), nft.transaction(h) as tx:
        tx.add_table("ip", "queued-first")  # a good object queued before the bad one
        bad(tx, objs)
    assert listing(ns) == before
    assert nft.generation(h) == gen


def test_a_closed_handle_or_a_netns_where_a_handle_goes_sends_nothing(ns: Any) -> None:
    seed(ns)
    before = listing(ns)
    with Handle.open(netns=ns) as h:
        pass
    for bad in (h, ns, None):
        with pytest.raises((TypeError, ValueError), match="h"):
            nft.transaction(bad)
        with pytest.raises((TypeError, ValueError), match="h"):
            nft.dump_rules(bad)
    assert listing(ns) == before


@pytest.mark.parametrize("n", [1, 2])
def test_each_request_of_a_checked_transaction_refused_in_turn_changes_nothing(
    n: int, ns: Any, h: Handle
) -> None:
    # check_generation makes two exchanges: the generation read, then the batch.
    seed(ns)
    before = listing(ns)
    chain = nft.dump_chains(h, table="t")[1]
    with (
        fail_nth_request(n, errno.EPERM) as plan,
        pytest.raises(PermissionDenied) as info,
        nft.transaction(h, check_generation=True) as tx,
    ):
        t = tx.add_table("ip", "new")
        tx.add_chain(t, "c", type="filter", hook="output", priority=0)
        tx.add_rule(chain, [m.drop()])
    assert plan.fired == ("NFT_MSG_GETGEN" if n == 1 else "nf_tables batch")
    assert listing(ns) == before
    assert isinstance(info.value, KernelError) and info.value.op


def test_a_refused_batch_entry_is_named_with_its_namespace(ns: Any, h: Handle) -> None:
    seed(ns)
    before = listing(ns)
    chain = nft.dump_chains(h, table="t")[1]
    with pytest.raises(NotFound) as info, nft.transaction(h) as tx:
        tx.add_table("ip", "queued-first")
        tx.add_rule(chain, [m.jump("nowhere")])
    err = info.value
    assert err.target == "#2 rule ip t c: jump nowhere"
    assert err.netns == ns.name and f"(in netns {ns.name!r})" in str(err)
    assert listing(ns) == before
