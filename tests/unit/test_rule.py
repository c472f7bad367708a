"""Rule values, builders and parser without root: normalisation, round trips, bad input."""

from __future__ import annotations

import contextlib
import ipaddress
import struct

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rawns import rule
from rawns._rtnl import FIB_RULE, FIB_RULE_HDR, FR_ACT, FRA, NLM_F, RTM
from rawns._wire import Attr, Writer, parse_messages
from rawns.errors import DecodeError
from rawns.rule import Rule

from .golden_io import load, names


def _payload(hdr: tuple[int, ...], *attrs: Attr) -> bytes:
    w = Writer()
    w.begin(RTM.NEWRULE)
    w.put_bytes_raw(FIB_RULE_HDR.pack(*hdr))
    for a in attrs:
        w.put_attr(a)
    w.end()
    return parse_messages(w.data())[0].payload


def test_inputs_are_normalised_once() -> None:
    r = Rule(src="10.0.0.0/8", dst=ipaddress.ip_address("192.0.2.1"), table="main")
    assert r.src == ipaddress.IPv4Network("10.0.0.0/8")
    assert r.dst == ipaddress.IPv4Network("192.0.2.1/32")
    # Host bits are refused, not masked; an interface value keeps them, as ip would.
    with pytest.raises(ValueError, match="host bits"):
        Rule(src="10.1.2.3/8", table="main")
    kept = Rule(src=ipaddress.IPv4Interface("10.1.2.3/8"), table="main").src
    assert kept == ipaddress.IPv4Interface("10.1.2.3/8")
    assert Rule(src=ipaddress.IPv4Interface("10.0.0.0/8"), table=1).src == r.src
    assert (r.family, r.table, r.action) == (2, 254, FR_ACT.TO_TBL)
    assert Rule(src="all", table=1).src is None
    assert Rule(dst="fd00::/8", action="blackhole").family == 10
    assert Rule(action="unreachable").family == 2  # like ip rule: inet unless told
    assert Rule(family="inet6", action="prohibit").family == 10
    assert Rule(table="100").table == 100
    assert Rule(action="lookup", table=5).action == FR_ACT.TO_TBL


@pytest.mark.parametrize(
    ("kw", "needle"),
    [
        ({"src": "10.0.0.0/33"}, "10.0.0.0/33"),
        ({"src": "10.0.0.0/8", "dst": "fd00::/8"}, "mix"),
        ({"family": "inet", "src": "fd00::/8"}, "family"),
        ({"family": "ipx"}, "ipx"),
        ({"table": "nosuch"}, "nosuch"),
        ({"table": -1}, "-1"),
        ({"action": "teleport"}, "teleport"),
        ({"action": 99}, "99"),
        ({"priority": 2**32}, "4294967296"),
        ({"tos": 256}, "256"),
        ({"iif": "x" * 16}, "xxxx"),
        ({"oif": "a b"}, "a b"),
        ({"action": "goto"}, "goto"),
        ({"sport_range": (5, 4)}, "(5, 4)"),
        ({"dport_range": (1, 65536)}, "65536"),
        ({"uid_range": (1, 2**32)}, "4294967296"),
        ({"tun_id": 2**64}, "18446744073709551616"),
    ],
)
def test_bad_values_raise_naming_them(kw: dict[str, object], needle: str) -> None:
    with pytest.raises(ValueError) as exc:
        Rule(**kw)  # type: ignore[arg-type]
    assert needle in str(exc.value)


@pytest.mark.parametrize(
    "kw", [{"src": 10}, {"priority": "1"}, {"uid_range": 5}, {"fwmark": True}, {"iif": 3}]
)
def test_wrong_types_are_refused(kw: dict[str, object]) -> None:
    with pytest.raises(TypeError):
        Rule(**kw)  # type: ignore[arg-type]


def test_a_table_lookup_needs_a_table() -> None:
    with pytest.raises(ValueError, match="table"):
        rule.build_add(Rule(priority=5))
    rule.build_delete(Rule(priority=5))  # a delete may leave it out


def test_big_tables_travel_in_fra_table() -> None:
    (m,) = parse_messages(rule.build_add(Rule(table=1000, priority=1)))
    hdr = FIB_RULE_HDR.unpack_from(m.payload)
    assert hdr[4] == 0  # RT_TABLE_UNSPEC in the header
    assert struct.pack("=HHI", 8, FRA.TABLE, 1000) in m.payload


def test_parse_a_kernel_report() -> None:
    payload = _payload(
        (2, 0, 8, 0, 252, 0, 0, FR_ACT.TO_TBL, FIB_RULE.INVERT | FIB_RULE.IIF_DETACHED),
        Attr(FRA.TABLE, struct.pack("=I", 1000)),
        Attr(FRA.SRC, bytes([10, 0, 0, 0])),
        Attr(FRA.SUPPRESS_PREFIXLEN, struct.pack("=I", 0xFFFFFFFF)),
        Attr(FRA.SUPPRESS_IFGROUP, struct.pack("=I", 0xFFFFFFFF)),
        Attr(FRA.PROTOCOL, b"\x02"),
        Attr(FRA.IIFNAME, b"gone0\x00"),
        Attr(FRA.UID_RANGE, struct.pack("=II", 0xFFFFFFFF, 0xFFFFFFFF)),
        Attr(FRA.TUN_ID, struct.pack(">Q", 7)),
        Attr(FRA.FLOW, struct.pack("=I", 0x10002)),
        Attr(FRA.L3MDEV, b"\x01"),
        Attr(99, b"xy"),
    )
    r = rule.parse_rule(payload, report=True)
    assert r.priority == 0  # absent FRA_PRIORITY in a report is priority 0
    assert rule.parse_rule(payload).priority is None
    assert (r.table, str(r.src), r.protocol, r.iif) == (1000, "10.0.0.0/8", 2, "gone0")
    assert r.invert and r.flags == FIB_RULE.IIF_DETACHED
    assert r.suppress_prefixlen is None and r.suppress_ifgroup is None and r.uid_range is None
    assert (r.tun_id, r.realms, r.l3mdev) == (7, 0x10002, True)
    assert r.attrs == (Attr(99, b"xy"),)
    # the detached flag is a report, never sent back
    (m,) = parse_messages(rule.build_delete(r))
    assert FIB_RULE_HDR.unpack_from(m.payload)[8] == FIB_RULE.INVERT


def test_from_all_is_an_empty_fra_src() -> None:
    r = rule.parse_rule(_payload((2, 0, 0, 0, 0, 0, 0, 7, 0), Attr(FRA.SRC, b"")))
    assert r.src is None and r.action == FR_ACT.UNREACHABLE


@pytest.mark.parametrize(
    "payload",
    [
        b"",
        bytes(FIB_RULE_HDR.size - 1),
        _payload((2, 0, 8, 0, 1, 0, 0, 1, 0), Attr(FRA.SRC, b"\x0a\x00")),
        _payload((2, 0, 40, 0, 1, 0, 0, 1, 0), Attr(FRA.SRC, bytes(4))),
        _payload((2, 0, 8, 0, 1, 0, 0, 1, 0), Attr(FRA.SRC, bytes(16))),
        _payload((2, 0, 0, 0, 1, 0, 0, 1, 0), Attr(FRA.UID_RANGE, bytes(4))),
        _payload((2, 0, 0, 0, 1, 0, 0, 1, 0), Attr(FRA.SPORT_RANGE, bytes(2))),
        _payload((2, 0, 0, 0, 1, 0, 0, 1, 0), Attr(FRA.PRIORITY, bytes(2))),
        _payload((2, 0, 0, 0, 1, 0, 0, 99, 0)),  # unknown action
        _payload((2, 0, 0, 0, 0, 0, 0, 1, 0), Attr(FRA.SPORT_RANGE, struct.pack("=HH", 9, 1))),
    ],
)
def test_malformed_payloads_raise_decode_error(payload: bytes) -> None:
    with pytest.raises(DecodeError):
        rule.parse_rule(payload)


def test_dump_request_is_a_bare_header() -> None:
    (m,) = parse_messages(rule.build_dump(10))
    assert m.type == RTM.GETRULE and m.flags == NLM_F.REQUEST | NLM_F.DUMP
    assert m.payload == FIB_RULE_HDR.pack(10, 0, 0, 0, 0, 0, 0, 0, 0)


_u = st.integers
_opt = st.none
_v4 = st.one_of(
    st.builds(
        lambda a, n: ipaddress.IPv4Network((a, n), strict=False), st.ip_addresses(v=4), _u(0, 32)
    ),
    st.builds(lambda a, n: ipaddress.IPv4Interface((a, n)), st.ip_addresses(v=4), _u(1, 31)),
)
_v6 = st.one_of(
    st.builds(
        lambda a, n: ipaddress.IPv6Network((a, n), strict=False), st.ip_addresses(v=6), _u(0, 128)
    ),
    st.builds(lambda a, n: ipaddress.IPv6Interface((a, n)), st.ip_addresses(v=6), _u(1, 127)),
)
# the kernel takes ports 1..65534 (fib_rule_port_range_valid)
_port_range = st.tuples(_u(1, 65534), _u(1, 65534)).map(lambda t: (min(t), max(t)))


@st.composite
def _rules(draw: st.DrawFn) -> Rule:
    v6 = draw(st.booleans())
    prefix = _v6 if v6 else _v4
    action = draw(st.sampled_from([a for a in FR_ACT if a not in (FR_ACT.RES3, FR_ACT.RES4)]))
    return Rule(
        family=10 if v6 else 2,
        priority=draw(st.one_of(_opt(), _u(0, 2**32 - 1))),
        src=draw(st.one_of(_opt(), prefix)),
        dst=draw(st.one_of(_opt(), prefix)),
        table=draw(_u(1, 2**32 - 1)),
        action=action,
        goto=draw(_u(0, 2**32 - 1)) if action == FR_ACT.GOTO else None,
        tos=draw(_u(0, 255)),
        fwmark=draw(st.one_of(_opt(), _u(1, 2**32 - 1))),  # 0 needs a mask: see below
        fwmask=draw(st.one_of(_opt(), _u(0, 2**32 - 1))),
        iif=draw(st.one_of(_opt(), st.sampled_from(["lo", "veth-red", "eth0.100"]))),
        oif=draw(st.one_of(_opt(), st.sampled_from(["lo", "br0"]))),
        invert=draw(st.booleans()),
        realms=draw(st.one_of(_opt(), _u(0, 2**32 - 1))),
        tun_id=draw(st.one_of(_opt(), _u(0, 2**64 - 1))),
        suppress_prefixlen=draw(st.one_of(_opt(), _u(0, 128))),
        suppress_ifgroup=draw(st.one_of(_opt(), _u(0, 2**31))),
        l3mdev=draw(st.booleans()),
        uid_range=draw(st.one_of(_opt(), st.tuples(_u(0, 100), _u(100, 2**32 - 2)))),
        protocol=draw(st.one_of(_opt(), _u(0, 255))),
        ip_proto=draw(st.one_of(_opt(), _u(0, 255))),
        sport_range=draw(st.one_of(_opt(), _port_range)),
        dport_range=draw(st.one_of(_opt(), _port_range)),
    )


@given(_rules())
def test_parse_of_build_is_identity(r: Rule) -> None:
    for build in (rule.build_add, rule.build_delete):
        raw = build(r)
        (m,) = parse_messages(raw)
        assert rule.parse_rule(m.payload) == r
        assert build(rule.parse_rule(m.payload)) == raw


@pytest.mark.parametrize("name", names("rule"))
def test_encode_of_decode_is_identity_for_captures(name: str) -> None:
    raw = load("rule", name)["raw"]
    (m,) = parse_messages(raw)
    build = rule.build_add if m.type == RTM.NEWRULE else rule.build_delete
    assert build(rule.parse_rule(m.payload)) == raw


@given(st.binary(max_size=200))
def test_arbitrary_bytes_only_ever_raise_decode_error(data: bytes) -> None:
    with contextlib.suppress(DecodeError):
        rule.parse_rule(data)
        rule.parse_rule(data, report=True)


@given(st.data())
def test_mutated_captures_only_ever_raise_decode_error(data: st.DataObject) -> None:
    raw = bytearray(load("rule", data.draw(st.sampled_from(names("rule"))))["raw"][16:])
    for _ in range(data.draw(st.integers(1, 4))):
        i = data.draw(st.integers(0, len(raw) - 1))
        raw[i] = data.draw(st.integers(0, 255))
    cut = data.draw(st.integers(0, len(raw)))
    with contextlib.suppress(DecodeError):
        rule.parse_rule(bytes(raw[:cut]))
