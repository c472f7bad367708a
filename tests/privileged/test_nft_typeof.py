"""The ``typeof`` record of anonymous sets, against nft both ways, in fresh namespaces.

nft records in a set's userdata which expression its key is matched against
(``tcp dport { 22, 80 }``: a payload, tcp, dport). rawns writes the same
record given ``typeof=``: its anonymous sets then carry nft's exact userdata
and list alike under ``nft -j list ruleset``; and sets nft made decode
(:func:`rawns.nft.sets.key_typeof`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from rawns import Handle, nft
from rawns.nft import match as m
from rawns.nft import sets
from tests.conftest import nft_json, run

# (nft's rule, typeof, the load expressions of the match, elements, interval)
CASES: list[tuple[str, str, Callable[[], list[nft.Expr]], list[object], bool]] = [
    ("tcp dport { 22, 80 }", "tcp dport", lambda: m.port("dport", "tcp", 0), [22, 80], False),
    ("udp sport { 53, 54 }", "udp sport", lambda: m.port("sport", "udp", 0), [53, 54], False),
    (
        "ip saddr { 10.0.0.1, 10.0.0.2 }",
        "ip saddr",
        lambda: m.ip_addr("saddr", "0.0.0.1", table_family="inet"),
        ["10.0.0.1", "10.0.0.2"],
        False,
    ),
    (
        "ip daddr { 10.0.0.0/8, 192.168.0.0/16 }",
        "ip daddr",
        lambda: m.ip_addr("daddr", "0.0.0.1", table_family="inet"),
        ["10.0.0.0/8", "192.168.0.0/16"],
        True,
    ),
    (
        "ip6 saddr { 2001:db8::1, 2001:db8::2 }",
        "ip6 saddr",
        lambda: m.ip_addr("saddr", "::1", table_family="inet"),
        ["2001:db8::1", "2001:db8::2"],
        False,
    ),
    ("iifname { v0, v1 }", "iifname", lambda: m.ifname("iif", "x"), ["v0", "v1"], False),
    ("meta l4proto { 6, 17 }", "meta l4proto", lambda: m.l4proto(6), [6, 17], False),
]


def _rules(ns: Any) -> list[dict[str, Any]]:
    out = nft_json(ns.name, "list", "ruleset")["nftables"]
    return [{k: v for k, v in x["rule"].items() if k != "handle"} for x in out if "rule" in x]


def _anonymous(h: Handle) -> list[nft.Set]:
    return [s for s in sets.dump(h, family="inet", table="t") if s.name.startswith("__set")]


@pytest.mark.parametrize(("text", "typeof", "loads", "elements", "interval"), CASES, ids=repr)
def test_rawns_writes_the_record_nft_writes(
    make_ns: Callable[[], Any],
    text: str,
    typeof: str,
    loads: Callable[[], list[nft.Expr]],
    elements: list[object],
    interval: bool,
) -> None:
    ours_ns, theirs_ns = make_ns(), make_ns()
    script = f"add table inet t\nadd chain inet t c\nadd rule inet t c {text} accept\n"
    run("ip", "netns", "exec", theirs_ns.name, "nft", "-f", "-", input=script)
    with Handle.open(netns=ours_ns) as h, Handle.open(netns=theirs_ns) as ht:
        with nft.transaction(h) as tx:
            t = tx.add_table(family="inet", name="t")
            c = tx.add_chain(t, name="c")
            s = tx.add_anonymous_set(t, typeof=typeof, elements=elements, interval=interval)
            tx.add_rule(c, [*m.in_set(loads(), s), m.accept()])
        (mine,) = _anonymous(h)
        (theirs,) = _anonymous(ht)
        assert mine.userdata == theirs.userdata
        assert (mine.key_type, mine.key_len, mine.flags) == (
            theirs.key_type,
            theirs.key_len,
            theirs.flags,
        )
        assert sets.key_typeof(mine) == sets.key_typeof(theirs) == typeof
    assert _rules(ours_ns) == _rules(theirs_ns)


def test_nft_made_sets_decode_and_unknown_records_stay_raw(ns: Any, h: Handle) -> None:
    script = (
        "add table inet t\nadd chain inet t c\n"
        "add rule inet t c tcp dport { 22, 80 } accept\n"
        "add rule inet t c meta mark { 1, 2 } accept\n"
        "add rule inet t c ct state { established, related } accept\n"  # not in rawns' table
        "add set inet t named { typeof ip saddr; }\n"
        "add set inet t plain { type ipv4_addr; }\n"
    )
    run("ip", "netns", "exec", ns.name, "nft", "-f", "-", input=script)
    found = {s.name: sets.key_typeof(s) for s in sets.dump(h, family="inet", table="t")}
    assert found.pop("named") == "ip saddr"
    assert found.pop("plain") is None
    assert sorted(found.values(), key=str) == [None, "meta mark", "tcp dport"]
    ct = [
        s
        for s in sets.dump(h, family="inet", table="t")
        if s.name.startswith("__set") and s.key_len == 4
    ]
    assert all(s.userdata for s in ct)  # the ct record is kept verbatim


def test_without_typeof_the_set_still_works(ns: Any, h: Handle) -> None:
    with nft.transaction(h) as tx:
        t = tx.add_table(family="inet", name="t")
        c = tx.add_chain(t, name="c")
        s = tx.add_anonymous_set(t, elements=[22, 80])
        tx.add_rule(c, [*m.in_set(m.port("dport", "tcp", 0), s), m.accept()])
    (made,) = _anonymous(h)
    assert sets.key_typeof(made) is None
    (rule,) = _rules(ns)
    assert rule["expr"][-2]["match"]["right"] == {"set": [22, 80]}
