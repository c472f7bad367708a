"""Policy rules against iproute2, both directions, each test in a fresh namespace."""

from __future__ import annotations

from typing import Any

import pytest

from rawns import Handle, rule
from rawns._rtnl import FR_ACT
from rawns.errors import AlreadyExists, NotFound
from rawns.rule import Rule
from tests.conftest import ip_json, run
from tests.privileged.aio_shim import both_drivers

#: Every test runs with the sync verbs and with their rawns.aio twins (issue 17).
driver = both_drivers("rule")

_TABLE_NAMES = {255: "local", 254: "main", 253: "default"}
_ACTION_NAMES = {
    FR_ACT.BLACKHOLE: "blackhole",
    FR_ACT.UNREACHABLE: "unreachable",
    FR_ACT.PROHIBIT: "prohibit",
    FR_ACT.NOP: "nop",
}
_PROTO_NAMES = {3: "boot", 4: "static"}
_IPPROTO_NAMES = {6: "tcp", 17: "udp"}


def _range(d: dict[str, Any], key: str, rng: tuple[int, int] | None) -> None:
    if rng is None:
        return
    if rng[0] == rng[1]:
        d[key] = rng[0]
    else:
        d[f"{key}_start"], d[f"{key}_end"] = rng


def _ip_view(r: Rule) -> dict[str, Any]:
    """A rawns Rule as `ip -j rule show` prints it (iproute2 6.1, ip/iprule.c)."""
    d: dict[str, Any] = {"priority": r.priority}
    if r.invert:
        d["not"] = None
    if r.src is None:
        d["src"] = "all"
    else:
        d["src"] = str(r.src.network_address)
        if r.src.prefixlen != r.src.max_prefixlen:
            d["srclen"] = r.src.prefixlen
    if r.dst is not None:
        d["dst"] = str(r.dst.network_address)
        if r.dst.prefixlen != r.dst.max_prefixlen:
            d["dstlen"] = r.dst.prefixlen
    if r.tos:
        d["tos"] = f"{r.tos:#x}"
    if r.fwmark is not None or r.fwmask is not None:
        d["fwmark"] = f"{r.fwmark or 0:#x}"
        if r.fwmask is not None and r.fwmask != 0xFFFFFFFF:
            d["fwmask"] = f"{r.fwmask:#x}"
    if r.iif is not None:
        d["iif"] = r.iif
    if r.oif is not None:
        d["oif"] = r.oif
    if r.uid_range is not None:
        d["uid_start"], d["uid_end"] = r.uid_range
    if r.ip_proto is not None:
        d["ipproto"] = _IPPROTO_NAMES.get(r.ip_proto, str(r.ip_proto))
    _range(d, "sport", r.sport_range)
    _range(d, "dport", r.dport_range)
    if r.table:
        d["table"] = _TABLE_NAMES.get(r.table, str(r.table))
    if r.suppress_prefixlen is not None:
        d["suppress_prefixlen"] = r.suppress_prefixlen
    if r.action == FR_ACT.GOTO:
        d["goto"] = r.goto
    elif r.action in _ACTION_NAMES:
        d["action"] = _ACTION_NAMES[r.action]
    if r.protocol and r.protocol != 2:
        d["protocol"] = _PROTO_NAMES.get(r.protocol, str(r.protocol))
    return d


def _by_prio(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return sorted(rows, key=lambda d: (d["priority"], d.get("src", ""), d.get("table", "")))


V4_RULES = [
    Rule(priority=100, src="10.0.0.0/8", table=100),
    Rule(priority=110, src="10.1.2.3/32", dst="192.0.2.0/24", table="main", tos=0x10),
    Rule(priority=120, invert=True, src="172.16.0.0/12", table=1000),
    Rule(priority=130, fwmark=0x10, fwmask=0xFF, iif="lo", table=200),
    Rule(priority=140, fwmark=0x20, oif="lo", table=201),
    Rule(priority=150, action="blackhole", dst="198.51.100.0/24"),
    Rule(priority=160, action="unreachable"),
    Rule(priority=170, action="prohibit", src="203.0.113.0/24"),
    Rule(priority=180, action="goto", goto=190),
    Rule(priority=190, uid_range=(10, 20), ip_proto=6, dport_range=(80, 90), table=10),
    Rule(priority=200, sport_range=(1000, 1000), ip_proto=17, table=11, suppress_prefixlen=0),
    Rule(priority=210, src="10.9.0.0/16", table=12, protocol=4),
]
V6_RULES = [
    Rule(priority=100, src="fd00::/64", table=100),
    Rule(priority=110, src="fd00::/64", dst="fd01::/64", fwmark=1, table=300),
    Rule(priority=120, dst="fd02::/48", action="unreachable"),
    Rule(priority=130, iif="lo", action="prohibit", family="inet6"),
    Rule(priority=140, invert=True, src="fd03::1/128", table="main"),
]


def test_rules_made_by_rawns_are_shown_by_ip(ns: Any, h: Handle) -> None:
    for r in V4_RULES + V6_RULES:
        rule.add(h, r)
    for family, made in (("-4", V4_RULES), ("-6", V6_RULES)):
        theirs = _by_prio(ip_json(ns.name, family, "rule", "show"))
        # ours: every rule rawns dumps (the kernel's defaults included), seen as ip prints them
        fam = 2 if family == "-4" else 10
        ours = _by_prio([_ip_view(r) for r in rule.dump(h, family=fam)])
        assert ours == theirs
        prios = {d["priority"] for d in theirs}
        assert {r.priority for r in made} <= prios


def test_rules_made_by_ip_are_dumped_by_rawns(ns: Any, h: Handle) -> None:
    cmds = [
        "rule add from 10.0.0.0/8 table 100 pref 100",
        "rule add not from 1.2.3.4 tos 0x10 lookup main pref 400",
        "rule add fwmark 0x10/0xff iif lo table 1000 pref 300",
        "rule add to 192.0.2.0/24 blackhole pref 200",
        "rule add goto 700 pref 600",
        "rule add from 5.6.7.0/24 uidrange 10-20 ipproto tcp sport 1000 dport 80-90 "
        "table 10 suppress_prefixlength 0 protocol static pref 700",
        "-6 rule add from fd00::/64 to fd01::/64 oif lo table 1000 pref 300",
        "-6 rule add to fd02::/48 unreachable pref 500",
    ]
    for c in cmds:
        run("ip", "-n", ns.name, *c.split())
    for family, fam in (("-4", 2), ("-6", 10)):
        theirs = _by_prio(ip_json(ns.name, family, "rule", "show"))
        ours = _by_prio([_ip_view(r) for r in rule.dump(h, family=fam)])
        assert ours == theirs
    got = {(r.family, r.priority): r for r in rule.dump(h)}
    r = got[(2, 700)]
    assert (r.uid_range, r.ip_proto, r.sport_range, r.dport_range) == (
        (10, 20),
        6,
        (1000, 1000),
        (80, 90),
    )
    assert (r.table, r.suppress_prefixlen, r.protocol) == (10, 0, 4)
    assert got[(2, 400)].invert and got[(2, 400)].tos == 0x10 and got[(2, 400)].table == 254
    assert got[(2, 300)].fwmark == 0x10 and got[(2, 300)].fwmask == 0xFF
    assert got[(2, 300)].table == 1000 and got[(2, 300)].iif == "lo"
    assert got[(2, 200)].action == FR_ACT.BLACKHOLE
    assert got[(2, 600)].action == FR_ACT.GOTO and got[(2, 600)].goto == 700
    assert str(got[(10, 300)].dst) == "fd01::/64" and got[(10, 300)].oif == "lo"
    assert got[(10, 500)].action == FR_ACT.UNREACHABLE
    # the kernel's own rules: priority 0 (reported without FRA_PRIORITY) is 0, not None
    assert got[(2, 0)].table == 255 and got[(2, 0)].protocol == 2


def test_dump_defaults_to_both_families(h: Handle) -> None:
    fams = {r.family for r in rule.dump(h)}
    assert fams == {2, 10}
    assert {r.family for r in rule.dump(h, family="inet6")} == {10}
    assert [r.priority for r in rule.dump(h, family="inet")] == [0, 32766, 32767]


def test_delete_by_fields_and_by_dumped_rule(ns: Any, h: Handle) -> None:
    rule.add(h, priority=100, src="10.0.0.0/8", table=100)
    rule.add(h, priority=200, action="blackhole")
    rule.add(h, priority=300, src="fd00::/64", table=100)
    with pytest.raises(AlreadyExists) as exc:
        rule.add(h, priority=100, src="10.0.0.0/8", table=100)
    assert "RTM_NEWRULE" in str(exc.value) and "pref 100" in str(exc.value)
    # by fields: no action named matches any action (ip rule del pref 200)
    rule.delete(h, priority=200)
    # by a dumped rule
    (r6,) = [r for r in rule.dump(h, family="inet6") if r.priority == 300]
    rule.delete(h, r6)
    left = {(r.family, r.priority) for r in rule.dump(h)}
    assert (2, 200) not in left and (10, 300) not in left and (2, 100) in left
    with pytest.raises(NotFound):
        rule.delete(h, priority=12345)
    rule.delete(h, priority=100, src="10.0.0.0/8", table=100)
    prios = [d["priority"] for d in ip_json(ns.name, "rule", "show")]
    assert prios == [0, 32766, 32767]


def test_bad_rules_are_refused_before_sending(h: Handle) -> None:
    before = rule.dump(h)
    bad: list[dict[str, Any]] = [
        {"src": "10.0.0.0/33", "table": 1},
        {"src": "10.0.0.0/8", "dst": "fd00::/64", "table": 1},
        {"family": "inet", "src": "fd00::/64", "table": 1},
        {"priority": -1, "table": 1},
        {"priority": 2**32, "table": 1},
        {"table": "nosuchtable"},
        {"action": "teleport"},
        {"iif": "a" * 16, "table": 1},
        {"oif": "bad/name", "table": 1},
        {"action": "goto"},
        {"dport_range": (90, 80), "table": 1},
        {"sport_range": (0, 70000), "table": 1},
        {"priority": 5},  # TO_TBL without a table
    ]
    for kw in bad:
        with pytest.raises(ValueError):
            rule.add(h, **kw)
    with pytest.raises(TypeError):
        rule.add(h, Rule(table=1), priority=3)  # type: ignore[call-arg]
    assert rule.dump(h) == before
