"""Golden bytes: what ``ip route`` sends, built and parsed by rawns (no root).

Each capture in golden/route/ holds the command, the bytes ``ip`` sent (seq
and pid zeroed) and generated per-field notes. Every case is asserted both
ways: ``build(spec) == captured`` and ``parse(captured) == spec``.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from rawns import route
from rawns._rtnl import NLM_F, RT_SCOPE, RTN, RTNH_F, RTPROT
from rawns.route import Nexthop, Route

from .rtnl_golden import annotate, hexdiff, load, names

V0 = 3  # ifindex of v0 in the capture namespace (recorded in each capture's notes)

SPECS: dict[str, tuple[Callable[[Route], bytes], Route]] = {
    "add_via": (route.build_add, Route(dst="10.1.0.0/16", gateway="192.168.15.5")),
    "add_default": (route.build_add, Route(dst="default", gateway="192.168.15.5")),
    "add_multipath": (
        route.build_add,
        Route(
            dst="10.2.0.0/16",
            nexthops=[
                Nexthop(gateway="192.168.15.5", weight=1),
                Nexthop(gateway="192.168.15.6", weight=2),
            ],
        ),
    ),
    "add_dev_src_metric_table": (
        route.build_add,
        Route(dst="10.3.0.0/24", prefsrc="192.168.15.1", metric=50, table=100, oif=V0, mtu=1400),
    ),
    "add_blackhole": (route.build_add, Route(dst="10.4.0.0/16", type=RTN.BLACKHOLE)),
    "add_onlink": (
        route.build_add,
        Route(dst="10.5.0.0/16", gateway="172.16.0.1", oif=V0, onlink=True),
    ),
    "add_v6_via": (
        route.build_add,
        Route(dst="2001:db8:1::/48", gateway="2001:db8::5", metric=100),
    ),
    "replace_via": (route.build_replace, Route(dst="10.1.0.0/16", gateway="192.168.15.6")),
    "del": (
        route.build_delete,
        Route(
            dst="10.1.0.0/16",
            gateway="192.168.15.6",
            protocol=RTPROT.UNSPEC,
            type=RTN.UNSPEC,
            scope=RT_SCOPE.NOWHERE,
        ),
    ),
}


def test_every_capture_has_a_spec() -> None:
    assert sorted([*SPECS, "get"]) == names("route")


@pytest.mark.parametrize("name", sorted(SPECS))
def test_build_matches_ip(name: str) -> None:
    build, spec = SPECS[name]
    raw = load("route", name)["raw"]
    built = build(spec)
    assert built == raw, f"{load('route', name)['command']}\n{hexdiff(built, raw)}"


@pytest.mark.parametrize("name", sorted(SPECS))
def test_parse_matches_spec(name: str) -> None:
    _, spec = SPECS[name]
    assert route.parse_route(load("route", name)["raw"][16:]) == spec


@pytest.mark.parametrize("name", names("route"))
def test_parse_then_build_reproduces_capture(name: str) -> None:
    raw = load("route", name)["raw"]
    if raw[4] == 26:  # RTM_GETROUTE: a lookup request, checked below
        return
    r = route.parse_route(raw[16:])
    flags = int.from_bytes(raw[6:8], "little")
    if raw[4] == 25:
        build = route.build_delete
    elif flags & NLM_F.REPLACE:
        build = route.build_replace
    else:
        build = route.build_add
    assert build(r) == raw


@pytest.mark.parametrize("name", names("route"))
def test_notes_are_current(name: str) -> None:
    rec = load("route", name)
    assert annotate(rec["raw"]) == rec["notes"]


def test_get_matches_ip_plus_ack() -> None:
    # `ip route get` waits for the answer without asking for an ACK; rawns
    # asks for one on every request (the ACK ends the exchange), so the only
    # difference is NLM_F_ACK in the header.
    raw = bytearray(load("route", "get")["raw"])
    raw[6:8] = (int.from_bytes(raw[6:8], "little") | NLM_F.ACK).to_bytes(2, "little")
    built = route.build_get("10.1.2.3")
    assert built == bytes(raw), hexdiff(built, bytes(raw))


def test_multipath_weights_and_onlink_flags() -> None:
    r = route.parse_route(load("route", "add_multipath")["raw"][16:])
    assert [nh.weight for nh in r.nexthops] == [1, 2]
    onlink = route.parse_route(load("route", "add_onlink")["raw"][16:])
    assert onlink.onlink and onlink.flags == RTNH_F.ONLINK
