"""Golden bytes for the route gaps of issue 13: ``via inet6``, ``nhid``, ``expires`` and the
flow keys of ``ip route get`` (uid, ipproto, sport, dport, iif, mark), both ways (no root)."""

from __future__ import annotations

import pytest

from rawns import route
from rawns._rtnl import NLM_F
from rawns.route import Route

from .gaps_golden import annotate, load, names
from .golden_io import hexdiff

V0, V1 = 3, 2  # ifindexes in the capture namespace

SPECS: dict[str, Route] = {
    "add_via_inet6": Route(dst="10.9.0.0/24", via="fe80::1", oif=V0),
    "add_nhid": Route(dst="10.10.0.0/24", nhid=10),
    "add_v6_expires": Route(dst="2001:db8:6::/64", gateway="2001:db8::5", expires=300),
}
GETS: dict[str, bytes] = {
    "get_flow": route.build_get(
        "10.10.0.7",
        src="192.168.15.9",
        uid=1000,
        ipproto="tcp",
        sport=1234,
        dport=80,
        iif=V1,
        mark=7,
    ),
    "get_udp": route.build_get("10.10.0.7", ipproto="udp", dport=53),
}


def test_every_capture_is_asserted() -> None:
    assert sorted([*SPECS, *GETS]) == names("route_gaps")


@pytest.mark.parametrize("name", sorted(SPECS))
def test_build_matches_ip(name: str) -> None:
    raw = load("route_gaps", name)["raw"]
    built = route.build_add(SPECS[name])
    assert built == raw, f"{load('route_gaps', name)['command']}\n{hexdiff(built, raw)}"


@pytest.mark.parametrize("name", sorted(SPECS))
def test_parse_matches_spec_both_decoders(name: str) -> None:
    from rawns.route import _runs

    raw = load("route_gaps", name)["raw"]
    assert route.parse_route(raw[16:]) == SPECS[name]
    assert _runs.parse_message(raw, 16, len(raw)) == SPECS[name]
    assert route.build_add(route.parse_route(raw[16:])) == raw


@pytest.mark.parametrize("name", sorted(GETS))
def test_get_matches_ip_plus_ack(name: str) -> None:
    raw = bytearray(load("route_gaps", name)["raw"])
    raw[6:8] = (int.from_bytes(raw[6:8], "little") | NLM_F.ACK).to_bytes(2, "little")
    assert GETS[name] == bytes(raw), hexdiff(GETS[name], bytes(raw))


@pytest.mark.parametrize("name", names("route_gaps"))
def test_notes_are_current(name: str) -> None:
    rec = load("route_gaps", name)
    assert annotate(rec["raw"]) == rec["notes"]
