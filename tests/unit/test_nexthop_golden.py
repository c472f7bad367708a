"""Golden bytes: what ``ip nexthop`` sends, built and parsed by rawns (no root).

Each capture in golden/nexthop/ is asserted both ways: ``build(spec) ==
captured`` and ``parse(captured) == spec``; the notes beside it are generated.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from rawns import nexthop
from rawns._rtnl import NLM_F
from rawns.nexthop import Member, NexthopObject

from .gaps_golden import annotate, load, names
from .golden_io import hexdiff

V0 = 3  # ifindex of v0 in the capture namespace (lo 1, v1 2... as the notes show)

SPECS: dict[str, tuple[Callable[[NexthopObject], bytes], NexthopObject]] = {
    "add_via_dev": (nexthop.build_add, NexthopObject(id=1, gateway="192.168.15.5", oif=V0)),
    "add_onlink": (
        nexthop.build_add,
        NexthopObject(id=2, gateway="192.168.15.6", oif=V0, onlink=True),
    ),
    "add_v6": (nexthop.build_add, NexthopObject(id=4, gateway="fe80::1", oif=V0)),
    "add_dev": (nexthop.build_add, NexthopObject(id=5, oif=V0)),
    "add_blackhole": (nexthop.build_add, NexthopObject(id=3, blackhole=True)),
    "add_group": (nexthop.build_add, NexthopObject(id=10, group=[1, Member(id=2, weight=5)])),
    "replace_via_dev": (
        nexthop.build_replace,
        NexthopObject(id=1, gateway="192.168.15.7", oif=V0),
    ),
}
#: Requests by id, and dumps: (what rawns builds, whether ip asked for an ACK too).
BY_ID: dict[str, tuple[bytes, bool]] = {
    "del": (nexthop.build_delete(5), True),
    "get": (nexthop.build_get(10), False),
    "dump": (nexthop.build_dump(), True),
    "dump_groups": (nexthop.build_dump(groups=True), True),
}


def test_every_capture_is_asserted() -> None:
    assert sorted([*SPECS, *BY_ID]) == names("nexthop")


@pytest.mark.parametrize("name", sorted(SPECS))
def test_build_matches_ip(name: str) -> None:
    build, spec = SPECS[name]
    raw = load("nexthop", name)["raw"]
    built = build(spec)
    assert built == raw, f"{load('nexthop', name)['command']}\n{hexdiff(built, raw)}"


@pytest.mark.parametrize("name", sorted(SPECS))
def test_parse_matches_spec(name: str) -> None:
    _, spec = SPECS[name]
    assert nexthop.parse_nexthop(load("nexthop", name)["raw"], 16) == spec


@pytest.mark.parametrize("name", sorted(SPECS))
def test_parse_then_build_reproduces_capture(name: str) -> None:
    raw = load("nexthop", name)["raw"]
    nh = nexthop.parse_nexthop(raw, 16)
    flags = int.from_bytes(raw[6:8], "little")
    build = nexthop.build_replace if flags & NLM_F.REPLACE else nexthop.build_add
    assert build(nh) == raw


@pytest.mark.parametrize("name", sorted(BY_ID))
def test_by_id_and_dump_requests_match_ip(name: str) -> None:
    built, same = BY_ID[name]
    raw = bytearray(load("nexthop", name)["raw"])
    if not same:
        # `ip nexthop get` waits for the answer without asking for an ACK;
        # rawns asks on every request (the ACK ends the exchange).
        raw[6:8] = (int.from_bytes(raw[6:8], "little") | NLM_F.ACK).to_bytes(2, "little")
    assert built == bytes(raw), hexdiff(built, bytes(raw))


@pytest.mark.parametrize("name", names("nexthop"))
def test_notes_are_current(name: str) -> None:
    rec = load("nexthop", name)
    assert annotate(rec["raw"]) == rec["notes"]


def test_group_weights_above_256_use_weight_high() -> None:
    nh = NexthopObject(id=7, group=[Member(id=1, weight=300), Member(id=2, weight=65536)])
    raw = nexthop.build_add(nh)
    assert nexthop.parse_nexthop(raw, 16) == nh
    assert raw.hex().endswith("01000000" + "2b010000" + "02000000" + "ffff0000")
