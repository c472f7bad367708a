"""Golden bytes for ``ip rule``: build(spec) == captured and parse(captured) == spec.

Captures live in ``golden/rule/``; they are made together with the neighbour
captures (``python -m tests.unit.test_neigh_golden``), whose module also holds
the shared helpers and the list of commands.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from rawns import rule
from rawns._rtnl import FR_ACT, NLM_F, RTM
from rawns._wire import parse_messages
from rawns.rule import Rule

from .golden_io import hexdiff, load, names, zero_seq
from .test_neigh_golden import CAPTURES, SETUP, annotate

CREATE_EXCL = NLM_F.CREATE | NLM_F.EXCL

# name -> (build function, nlmsg flags beyond REQUEST|ACK, spec)
CASES: dict[str, tuple[Callable[[Rule], bytes], int, Rule]] = {
    "add_v4_from_table": (
        rule.build_add,
        CREATE_EXCL,
        Rule(src="10.0.0.0/8", table=100, priority=100),
    ),
    "add_v6_full": (
        rule.build_add,
        CREATE_EXCL,
        Rule(
            src="fd00::/64",
            dst="fd01::/64",
            fwmark=0x10,
            fwmask=0xFF,
            iif="v0",
            oif="v1",
            table=1000,
            priority=300,
        ),
    ),
    "add_not_tos_main": (
        rule.build_add,
        CREATE_EXCL,
        Rule(invert=True, src="1.2.3.4/32", tos=0x10, table="main", priority=400),
    ),
    "add_blackhole": (rule.build_add, CREATE_EXCL, Rule(action="blackhole", priority=200)),
    "add_v6_unreachable": (
        rule.build_add,
        CREATE_EXCL,
        Rule(dst="fd02::/48", action=FR_ACT.UNREACHABLE, priority=500),
    ),
    "add_goto": (rule.build_add, CREATE_EXCL, Rule(action="goto", goto=700, priority=600)),
    "add_ranges": (
        rule.build_add,
        CREATE_EXCL,
        Rule(
            src="5.6.7.0/24",
            uid_range=(10, 20),
            ip_proto=6,
            sport_range=(1000, 1000),
            dport_range=(80, 90),
            table=10,
            suppress_prefixlen=0,
            protocol=4,  # RTPROT_STATIC
            priority=700,
        ),
    ),
    "add_fwmark_big_table": (
        rule.build_add,
        CREATE_EXCL,
        Rule(fwmark=1, table=300, priority=800),
    ),
    "del_v4": (
        rule.build_delete,
        0,
        # ip rule del names no action: FR_ACT_UNSPEC, which matches any (rule_find)
        Rule(src="10.0.0.0/8", table=100, priority=100, action=FR_ACT.UNSPEC),
    ),
}


def test_every_capture_has_a_case() -> None:
    assert names("rule") == sorted(CASES)


@pytest.mark.parametrize("name", sorted(CASES))
def test_build_matches_capture(name: str) -> None:
    rec = load("rule", name)
    build, _, spec = CASES[name]
    built = build(spec)
    assert built == zero_seq(rec["raw"]), f"{rec['command']}\n{hexdiff(built, rec['raw'])}"


@pytest.mark.parametrize("name", sorted(CASES))
def test_parse_capture_gives_spec(name: str) -> None:
    rec = load("rule", name)
    _, extra, spec = CASES[name]
    (msg,) = parse_messages(rec["raw"])
    assert msg.type == (RTM.DELRULE if name.startswith("del") else RTM.NEWRULE)
    assert msg.flags == NLM_F.REQUEST | NLM_F.ACK | extra
    got = rule.parse_rule(msg.payload)
    assert got == spec
    assert got.attrs == ()


@pytest.mark.parametrize("name", sorted(CASES))
def test_notes_are_current(name: str) -> None:
    rec = load("rule", name)
    assert rec["notes"] == annotate(rec["raw"])


def test_captures_record_their_command() -> None:
    by_name = {n: c for d, n, c, _ in CAPTURES if d == "rule"}
    for name in names("rule"):
        rec = load("rule", name)
        assert rec["command"] == by_name[name]
        assert rec["setup"][1:] == SETUP
