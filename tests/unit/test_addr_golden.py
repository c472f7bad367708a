"""Golden bytes: what ``ip addr`` sends, built and parsed by rawns (no root).

Asserted both ways for each capture in golden/addr/: ``build(spec) ==
captured`` and ``parse(captured) == spec`` (seq and pid zeroed).
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from rawns import addr
from rawns._rtnl import IFA_F, NLM_F, RT_SCOPE
from rawns.addr import Address

from .rtnl_golden import annotate, hexdiff, load, names

V0 = 3  # ifindex of v0 in the capture namespace

SPECS: dict[str, tuple[Callable[[Address], bytes], Address]] = {
    "add_v4": (addr.build_add, Address(index=V0, address="192.168.15.1/24")),
    "add_v4_brd_label": (
        addr.build_add,
        Address(index=V0, address="192.168.16.1/24", broadcast="+", label="v0:one"),
    ),
    "add_v4_peer": (
        addr.build_add,
        Address(index=V0, address="10.9.0.1", peer="10.9.0.2/32", scope=RT_SCOPE.LINK),
    ),
    "add_v6": (addr.build_add, Address(index=V0, address="2001:db8::1/64", flags=IFA_F.NODAD)),
    "add_v6_lifetimes": (
        addr.build_add,
        Address(
            index=V0,
            address="2001:db8:2::1/64",
            valid_lft=600,
            preferred_lft=300,
            flags=IFA_F.NOPREFIXROUTE,
        ),
    ),
    "replace_v4": (addr.build_replace, Address(index=V0, address="192.168.15.1/24")),
    "del_v4": (addr.build_delete, Address(index=V0, address="192.168.16.1/24")),
}


def test_every_capture_has_a_spec() -> None:
    assert sorted(SPECS) == names("addr")


@pytest.mark.parametrize("name", sorted(SPECS))
def test_build_matches_ip(name: str) -> None:
    build, spec = SPECS[name]
    raw = load("addr", name)["raw"]
    built = build(spec)
    assert built == raw, f"{load('addr', name)['command']}\n{hexdiff(built, raw)}"


@pytest.mark.parametrize("name", sorted(SPECS))
def test_parse_matches_spec(name: str) -> None:
    _, spec = SPECS[name]
    assert addr.parse_address(load("addr", name)["raw"][16:]) == spec


@pytest.mark.parametrize("name", names("addr"))
def test_parse_then_build_reproduces_capture(name: str) -> None:
    raw = load("addr", name)["raw"]
    a = addr.parse_address(raw[16:])
    flags = int.from_bytes(raw[6:8], "little")
    if raw[4] == 21:
        build = addr.build_delete
    elif flags & NLM_F.REPLACE:
        build = addr.build_replace
    else:
        build = addr.build_add
    assert build(a) == raw


@pytest.mark.parametrize("name", names("addr"))
def test_notes_are_current(name: str) -> None:
    rec = load("addr", name)
    assert annotate(rec["raw"]) == rec["notes"]
