"""Golden bytes captured from nft 1.0.6, asserted both ways (no root needed).

Each golden/nft/CASE.json holds the batch ``nft -f CASE.nft`` sent (from
strace), nft's own ``--debug=netlink`` notes, and what the kernel dumped
afterwards (see golden/nft/capture.py). For every case:

- build: the rawns twin (nft_cases.py) gives the same batch, byte for byte;
- parse: every captured object message decodes to the twin's objects;
- round trip: every captured expression list re-encodes byte for byte;
- kernel form: what the kernel dumped decodes to the objects nft sent;
- notes: ``Rule.debug()`` prints what ``nft --debug=netlink`` printed.
"""

from __future__ import annotations

import dataclasses
import json
import re
from collections import Counter as Multiset
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from rawns import nft
from rawns._nfnl import NFT_CMP, NFT_META, NFT_PAYLOAD, NFTA_RULE, msg_name
from rawns._wire import iter_attrs
from rawns.nft import sets as nft_sets
from rawns.nft.chains import parse_chain
from rawns.nft.expr import (
    Bitwise,
    Cmp,
    Counter,
    Ct,
    Immediate,
    Limit,
    Log,
    Lookup,
    Masq,
    Meta,
    Nat,
    Payload,
    Range,
    Redir,
    Reject,
    Verdict,
    decode_exprs,
    encode_exprs,
)
from rawns.nft.render import render_rule_body
from rawns.nft.rules import parse_rule
from rawns.nft.sets import parse_elements, parse_set
from rawns.nft.tables import parse_table

from .golden_io import hexdiff
from .nft_cases import CASES

GOLDEN = Path(__file__).parent / "golden" / "nft"
NAMES = sorted(p.stem for p in GOLDEN.glob("*.json"))


@cache
def load(case: str) -> dict[str, Any]:
    doc: dict[str, Any] = json.loads((GOLDEN / f"{case}.json").read_text())
    return doc


def sent(case: str) -> list[tuple[str, bytes]]:
    """``(type name, whole message)`` for each message of the captured batch."""
    return [(m["type"], bytes.fromhex(m["hex"])) for m in load(case)["batch"]]


def built(case: str) -> nft.Transaction:
    tx = nft.Transaction(None)
    CASES[case](tx)
    return tx


def sent_rules(case: str) -> list[nft.Rule]:
    return [parse_rule(raw[16:]) for t, raw in sent(case) if t == "NFT_MSG_NEWRULE"]


def dumped(case: str, key: str) -> list[bytes]:
    return [bytes.fromhex(h) for h in load(case)["dump"][key]]


def test_every_capture_has_a_twin() -> None:
    assert sorted(CASES) == NAMES
    assert len(NAMES) >= 19


@pytest.mark.parametrize("case", NAMES)
def test_batch_is_byte_identical_to_nft(case: str) -> None:
    want = b"".join(raw for _, raw in sent(case))
    got = built(case).build(first_seq=0, ack=False)
    assert got == want, f"{case}: rawns batch differs from nft's\n{hexdiff(got, want)}"


@pytest.mark.parametrize("case", NAMES)
def test_captured_messages_parse_to_the_twin_objects(case: str) -> None:
    tx = built(case)
    msgs = sent(case)[1:-1]  # without BEGIN/END
    assert len(msgs) == len(tx.objects)
    for (mtype, raw), obj in zip(msgs, tx.objects, strict=True):
        payload = raw[16:]
        if mtype == "NFT_MSG_NEWTABLE":
            assert parse_table(payload) == obj
        elif mtype == "NFT_MSG_NEWCHAIN":
            assert parse_chain(payload) == obj
        elif mtype == "NFT_MSG_NEWRULE":
            rule = parse_rule(payload)
            assert isinstance(obj, nft.Rule)
            assert rule.exprs == obj.exprs
            assert rule.comment == obj.comment
            assert (rule.family, rule.table, rule.chain) == (obj.family, obj.table, obj.chain)
        elif mtype == "NFT_MSG_NEWSET":
            assert parse_set(payload) == obj
        elif mtype in ("NFT_MSG_NEWSETELEM", "NFT_MSG_DELSETELEM") and isinstance(obj, tuple):
            _, _, _, elems = parse_elements(payload)
            assert tuple(elems) == obj[1]


@pytest.mark.parametrize("case", NAMES)
def test_captured_expressions_reencode_byte_for_byte(case: str) -> None:
    n = 0
    for mtype, raw in sent(case):
        if mtype != "NFT_MSG_NEWRULE":
            continue
        for t, a, b in iter_attrs(raw, 20):
            if t & 0x3FFF == NFTA_RULE.EXPRESSIONS:
                exprs = decode_exprs(raw, a, b)
                assert not any(isinstance(e, nft.Unknown) for e in exprs)
                assert encode_exprs(exprs) == raw[a:b], hexdiff(encode_exprs(exprs), raw[a:b])
                n += 1
    assert n == sum(1 for t, _ in sent(case) if t == "NFT_MSG_NEWRULE")


def _named_by_kernel(objs: list[Any]) -> list[Any]:
    """nft sends anonymous sets as "__set%d"; the kernel names them __set0, __set1 ..."""
    out, n, current = [], 0, ""
    for o in objs:
        if isinstance(o, nft.Set) and o.name == "__set%d":
            current = f"__set{n}"
            n += 1
            o = dataclasses.replace(o, name=current)
        elif isinstance(o, nft.Rule):
            exprs = tuple(
                dataclasses.replace(e, set=current)
                if isinstance(e, nft.Lookup) and e.set == "__set%d"
                else e
                for e in o.exprs
            )
            o = dataclasses.replace(o, exprs=exprs)
        out.append(o)
    return out


@pytest.mark.parametrize("case", [c for c in NAMES if load(c)["setup"] is None])
def test_kernel_dump_decodes_to_what_nft_sent(case: str) -> None:
    msgs = sent(case)
    parsers = {"NFT_MSG_NEWSET": parse_set, "NFT_MSG_NEWRULE": parse_rule}
    renamed = _named_by_kernel([parsers[t](raw[16:]) for t, raw in msgs if t in parsers])

    def of(mtype: str, parse: Any) -> Multiset[Any]:
        if mtype in parsers:
            kind = nft.Set if mtype == "NFT_MSG_NEWSET" else nft.Rule
            return Multiset(o for o in renamed if isinstance(o, kind))
        return Multiset(parse(raw[16:]) for t, raw in msgs if t == mtype)

    assert Multiset(parse_table(p) for p in dumped(case, "tables")) == of(
        "NFT_MSG_NEWTABLE", parse_table
    )
    assert Multiset(parse_chain(p) for p in dumped(case, "chains")) == of(
        "NFT_MSG_NEWCHAIN", parse_chain
    )
    assert Multiset(parse_set(p) for p in dumped(case, "sets")) == of("NFT_MSG_NEWSET", parse_set)
    assert Multiset(parse_rule(p) for p in dumped(case, "rules")) == of(
        "NFT_MSG_NEWRULE", parse_rule
    )


@pytest.mark.parametrize("case", [c for c in NAMES if load(c)["setup"] is not None])
def test_kernel_dump_holds_the_rules_nft_added(case: str) -> None:
    have = Multiset(parse_rule(p) for p in dumped(case, "rules"))
    for mtype, raw in sent(case):
        if mtype == "NFT_MSG_NEWRULE":
            assert parse_rule(raw[16:]) in have


def test_kernel_dump_elements_give_the_values_nft_was_given() -> None:
    sets = {(s.family, s.table, s.name): s for s in map(parse_set, dumped("sets", "sets"))}
    got: dict[str, set[Any]] = {}
    for p in dumped("sets", "elements"):
        fam, table, name, elems = parse_elements(p)
        values = nft_sets.values_of(sets[(fam, table, name)], elems)
        got.setdefault(name, set()).update(_hashable(v) for v in values)
    import ipaddress as ip

    assert got["a"] == {1, 2}
    assert got["b"] == {"eth0"}
    assert got["c"] == {6, 17}
    assert got["e"] == {ip.ip_network("10.0.0.0/8")}
    assert got["f"] == {(ip.ip_address("1.1.1.1"), ip.ip_address("2.2.2.2"))}
    assert got["h"] == {
        ip.ip_network("fd00::/64"),
        (ip.ip_address("2001:db8::1"), ip.ip_address("2001:db8::5")),
    }
    assert got["j"] == {ip.ip_network("0.0.0.0/1"), ip.ip_network("128.0.0.0/1")}
    assert got["k"] == {22, (1000, 2000)}


def _hashable(v: Any) -> Any:
    return tuple(v) if isinstance(v, list) else v


def _debug_blocks(text: str) -> list[list[str]]:
    """nft --debug=netlink rule blocks: a 'family table chain' line, then '  [ ... ]' lines.

    Set and chain lines are skipped; a rule's '  userdata = ...' line is dropped.
    """
    blocks: list[list[str]] = []
    current: list[str] | None = None
    for line in text.splitlines():
        if line.startswith("  ["):
            if current is not None:
                current.append(line)
        elif line and not line.startswith((" ", "\t")):
            current = [line]
            blocks.append(current)
        elif not line.strip():
            current = None
    return [b for b in blocks if len(b) > 1]


@pytest.mark.parametrize("case", [c for c in NAMES if c != "rule_ops"])
def test_rule_debug_matches_nft_debug_netlink(case: str) -> None:
    blocks = _debug_blocks(load(case)["debug_netlink"])
    rules = sent_rules(case)
    assert len(blocks) == len(rules)
    for block, rule in zip(blocks, rules, strict=True):
        assert rule.debug().splitlines() == [block[0].rstrip(), *block[1:]]


# ---------------------------------------------------------------------------
# every expression, both ways, against hand-written expectations

NET, TRANSPORT = NFT_PAYLOAD.NETWORK_HEADER, NFT_PAYLOAD.TRANSPORT_HEADER
ACCEPT = Immediate(data=Verdict("accept"))
DROP = Immediate(data=Verdict("drop"))
TCP = [Meta(key=NFT_META.L4PROTO), Cmp(data=b"\x06")]

EXPECTED: list[tuple[str, int, tuple[Any, ...]]] = [
    # payload + cmp: a byte-aligned prefix loads only its bytes
    ("expr_payload", 1, (Payload(base=NET, offset=16, len=3), Cmp(data=b"\xc0\xa8\x0f"), ACCEPT)),
    ("expr_payload", 2, (Payload(base=NET, offset=12, len=1), Cmp(data=b"\x0a", op=1), DROP)),
    # bitwise: any other prefix loads the address and masks it
    (
        "expr_payload",
        3,
        (
            Payload(base=NET, offset=12, len=4),
            Bitwise(len=4, mask=b"\xff\xff\xf0\x00", xor=bytes(4)),
            Cmp(data=b"\x0a\x02\x00\x00"),
            DROP,
        ),
    ),
    # meta: iifname (16 bytes, NUL padded), a wildcard, mark (host order), nfproto
    ("expr_meta", 0, (Meta(key=NFT_META.IIFNAME), Cmp(data=b"lo".ljust(16, b"\0")), ACCEPT)),
    ("expr_meta", 2, (Meta(key=NFT_META.IIFNAME), Cmp(data=b"veth"), ACCEPT)),
    ("expr_meta", 3, (Meta(key=NFT_META.L4PROTO), Cmp(data=b"\x11"), ACCEPT)),
    ("expr_meta", 4, (Meta(key=NFT_META.NFPROTO), Cmp(data=b"\x0a"), ACCEPT)),
    ("expr_meta", 5, (Meta(key=NFT_META.MARK), Cmp(data=(0x2A).to_bytes(4, "little")), ACCEPT)),
    # immediate verdicts and counter
    ("expr_verdict", 0, (Counter(), ACCEPT)),
    ("expr_verdict", 2, (Immediate(data=Verdict("jump", "web")),)),
    ("expr_verdict", 3, (Immediate(data=Verdict("goto", "web")),)),
    ("expr_verdict", 4, (Immediate(data=Verdict("return")),)),
    ("expr_verdict", 5, (Counter(packets=5, bytes=100), ACCEPT)),
    # ct state
    (
        "expr_ct",
        0,
        (
            Ct(key=0),
            Bitwise(len=4, mask=(6).to_bytes(4, "little"), xor=bytes(4)),
            Cmp(data=bytes(4), op=NFT_CMP.NEQ),
            ACCEPT,
        ),
    ),
    ("expr_ct", 3, (Ct(key=0), Cmp(data=(2).to_bytes(4, "little"), op=NFT_CMP.NEQ), DROP)),
    # lookup (set id 2: the second set created in the batch), inverted, verdict map
    (
        "expr_lookup",
        2,
        (
            Meta(key=NFT_META.NFPROTO),
            Cmp(data=b"\x02"),
            Payload(base=NET, offset=12, len=4),
            Lookup(set="nets", flags=1, set_id=2),
            DROP,
        ),
    ),
    (
        "expr_lookup",
        5,
        (*TCP, Payload(base=TRANSPORT, offset=2, len=2), Lookup(set="pm", dreg=0, set_id=5)),
    ),
    # nat: address range and port range in registers 1..4, PROTO_SPECIFIED
    (
        "expr_nat",
        5,
        (
            *TCP,
            Payload(base=TRANSPORT, offset=2, len=2),
            Cmp(data=b"\x00\x51"),
            Immediate(data=b"\x0a\x00\x00\x02", dreg=1),
            Immediate(data=b"\x0a\x00\x00\x04", dreg=2),
            Immediate(data=b"\x00\x50", dreg=3),
            Immediate(data=b"\x00\x5a", dreg=4),
            Nat(
                type=1,
                family=2,
                reg_addr_min=1,
                reg_addr_max=2,
                reg_proto_min=3,
                reg_proto_max=4,
                flags=2,
            ),
        ),
    ),
    (
        "expr_nat",
        3,
        (
            Immediate(data=b"\x0a\x00\x00\x01", dreg=1),
            Nat(type=0, family=2, reg_addr_min=1, flags=0xC),
        ),
    ),
    # masq, redir
    ("expr_masq_redir", 2, (Masq(flags=0x10),)),
    (
        "expr_masq_redir",
        3,
        (
            *TCP,
            Immediate(data=b"\x04\x00", dreg=1),
            Immediate(data=b"\x07\xd0", dreg=2),
            Masq(flags=2, reg_proto_min=1, reg_proto_max=2),
        ),
    ),
    ("expr_masq_redir", 4, (Redir(),)),
    # reject, limit, log
    ("expr_reject_limit_log", 0, (Reject(type=2, code=1),)),
    ("expr_reject_limit_log", 1, (*TCP, Reject(type=1, code=0))),
    ("expr_reject_limit_log", 3, (Limit(rate=1, unit=60, burst=3, flags=1), DROP)),
    ("expr_reject_limit_log", 4, (Limit(rate=1 << 20, unit=1, burst=0, type=1), ACCEPT)),
    ("expr_reject_limit_log", 6, (Log(prefix="in: ", level=4),)),
    ("expr_reject_limit_log", 8, (Log(group=2),)),
    # range: a negated port range is a range expression
    (
        "expr_range",
        0,
        (
            *TCP,
            Payload(base=TRANSPORT, offset=2, len=2),
            Range(low=b"\x03\xe8", high=b"\x07\xd0", op=1),
            DROP,
        ),
    ),
]


def _rule_exprs_raw(case: str, index: int) -> bytes:
    raws = [raw for t, raw in sent(case) if t == "NFT_MSG_NEWRULE"]
    raw = raws[index]
    for t, a, b in iter_attrs(raw, 20):
        if t & 0x3FFF == NFTA_RULE.EXPRESSIONS:
            return raw[a:b]
    raise AssertionError("no expressions")


@pytest.mark.parametrize(("case", "index", "expected"), EXPECTED)
def test_expression_golden_both_ways(case: str, index: int, expected: tuple[Any, ...]) -> None:
    raw = _rule_exprs_raw(case, index)
    assert decode_exprs(raw) == expected
    assert encode_exprs(expected) == raw, hexdiff(encode_exprs(expected), raw)


def test_every_expression_kind_has_a_golden() -> None:
    kinds = {type(e).NAME for _, _, exprs in EXPECTED for e in exprs}
    assert kinds >= {
        "payload", "cmp", "range", "meta", "bitwise", "immediate", "lookup", "counter",
        "ct", "nat", "masq", "redir", "reject", "limit", "log",
    }  # fmt: skip


# ---------------------------------------------------------------------------
# helpers render back to the nft words they came from

_RENDER_EXCEPTIONS = {
    # nft accepts 0x2a for a mark but lists it as 0x0000002a
    "meta mark 0x2a accept": "meta mark 0x0000002a accept",
    "meta mark != 0x7 drop": "meta mark != 0x00000007 drop",
    # nft lists counters with their values
    "counter drop": "counter packets 0 bytes 0 drop",
    # ... and drops the default log level, and the word "type" of a reject
    'log prefix "in: " level warn': 'log prefix "in: "',
    "reject with icmp type host-unreachable": "reject with icmp host-unreachable",
}


def _add_rule_lines(case: str) -> list[str]:
    out = []
    for line in load(case)["ruleset"].splitlines():
        if line.startswith("add rule "):
            out.append(line.split(" ", 5)[5])
    return out


@pytest.mark.parametrize(
    "case",
    [c for c in NAMES if c.startswith(("helpers_", "expr_")) and c not in ("expr_verdict",)],
)
def test_rules_render_as_the_nft_text_they_came_from(case: str) -> None:
    lines = _add_rule_lines(case)
    rules = sent_rules(case)[-len(lines) :]
    for line, rule in zip(lines, rules, strict=True):
        want = _RENDER_EXCEPTIONS.get(line, line)
        want = re.sub(r"\bcounter (?!packets)", "counter packets 0 bytes 0 ", want)
        assert render_rule_body(rule) == want


def test_golden_notes_name_the_command_and_versions() -> None:
    for case in NAMES:
        doc = load(case)
        assert doc["command"].startswith("ip netns exec NS strace")
        assert doc["nft"].startswith("nftables v1.0.6")
        assert doc["batch"][0]["type"] == msg_name(0x10)
