"""Address values, codec round trips and malformed input (no root)."""

from __future__ import annotations

import struct
from ipaddress import IPv4Address, IPv4Interface, IPv6Interface

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rawns import addr
from rawns._rtnl import IFA_F, RT_SCOPE
from rawns.addr import Address
from rawns.errors import DecodeError


def test_ip_defaults_and_broadcast() -> None:
    a = Address(index=2, address="192.168.15.1")
    assert a.address == IPv4Interface("192.168.15.1/32") and a.scope == 0
    assert Address(index=1, address="127.0.0.5/8").scope == RT_SCOPE.HOST
    assert Address(index=2, address="10.0.0.1/24", broadcast="+").broadcast == IPv4Address(
        "10.0.0.255"
    )
    assert Address(index=2, address="10.0.0.1/24", broadcast="-").broadcast == IPv4Address(
        "10.0.0.0"
    )
    assert Address(index=2, address="10.0.0.1/31", broadcast="+").broadcast is None  # as ip
    p = Address(index=2, address="10.9.0.1", peer="10.9.0.2/30")
    assert (p.prefixlen, str(p.peer), str(p.local)) == (30, "10.9.0.2", "10.9.0.1")
    assert Address(index=2, address="2001:db8::1/64").family == 10


@pytest.mark.parametrize(
    ("kw", "match"),
    [
        ({"address": "2001:db8::1/64", "broadcast": "+"}, "broadcast is IPv4-only"),
        ({"address": "2001:db8::1/64", "label": "x"}, "label is IPv4-only"),
        ({"address": "10.0.0.1/24", "peer": "2001:db8::1"}, "IPv6 where IPv4"),
        ({"address": "10.0.0.1/24", "broadcast": "2001:db8::1"}, "IPv6 where IPv4"),
        ({"address": "10.0.0.1/24", "label": "a-very-long-label-x"}, "label"),
        ({"address": "10.0.0.1/24", "valid_lft": 10}, "preferred_lft"),
        ({"address": "10.0.0.1/24", "valid_lft": 10, "preferred_lft": 20}, "preferred_lft"),
        ({"address": "10.0.0.1/33"}, "must be an address"),
        ({"address": "10.0.0.1/24", "scope": 300}, "scope"),
    ],
)
def test_bad_values_are_value_errors(kw: dict[str, object], match: str) -> None:
    with pytest.raises(ValueError, match=match):
        Address(index=2, **kw)  # type: ignore[arg-type]


def test_bad_index() -> None:
    with pytest.raises(ValueError, match="index"):
        Address(index=0, address="10.0.0.1/24")


def test_wide_flags_go_in_ifa_flags() -> None:
    raw = addr.build_add(Address(index=2, address="2001:db8::1/64", flags=IFA_F.NOPREFIXROUTE))
    assert raw[16 + 2] == 0  # the 8-bit header field stays empty, as with ip
    assert addr.parse_address(raw[16:]).flags == IFA_F.NOPREFIXROUTE


def test_dump_request_filters_by_index() -> None:
    raw = addr.build_dump(family=10, index=7)
    assert struct.unpack_from("=BBBBI", raw, 16) == (10, 0, 0, 0, 7)


v4 = st.tuples(st.integers(0, 2**32 - 1), st.integers(0, 32)).map(IPv4Interface)
v6 = st.tuples(st.integers(0, 2**128 - 1), st.integers(0, 128)).map(IPv6Interface)
lifetimes = st.none() | st.tuples(st.integers(1, 2**32 - 2), st.integers(0, 2**32 - 2)).map(
    lambda t: (t[0], min(t)),
)


@given(
    st.one_of(v4, v6),
    st.integers(1, 2**31 - 1),
    st.integers(0, 255),
    st.integers(0, 2**32 - 1),
    lifetimes,
    st.none() | st.integers(0, 2**32 - 1),
    st.booleans(),
)
def test_parse_build_round_trip(
    iface: IPv4Interface | IPv6Interface,
    index: int,
    scope: int,
    flags: int,
    lft: tuple[int, int] | None,
    metric: int | None,
    extras: bool,
) -> None:
    v4only = isinstance(iface, IPv4Interface) and extras
    a = Address(
        index=index,
        address=iface,
        scope=scope if isinstance(iface, IPv4Interface) else None,  # IPv6: from the address
        flags=flags,
        valid_lft=None if lft is None else lft[0],
        preferred_lft=None if lft is None else lft[1],
        metric=metric,
        broadcast="+" if v4only else None,
        label="eth0:x" if v4only else None,
    )
    for build in (addr.build_add, addr.build_replace):
        raw = build(a)
        back = addr.parse_address(raw[16:])
        assert back == a
        assert build(back) == raw


def _msg(*attrs: bytes, family: int = 2, plen: int = 24) -> bytes:
    return struct.pack("=BBBBI", family, plen, 0, 0, 2) + b"".join(attrs)


def _attr(t: int, v: bytes) -> bytes:
    return struct.pack("=HH", 4 + len(v), t) + v + b"\0" * (-len(v) & 3)


@pytest.mark.parametrize(
    "payload",
    [
        b"",
        b"\x02" * 7,
        _msg(_attr(2, b"\x0a\0\0\1"), family=7),
        _msg(_attr(2, b"\x0a\0\0\1"), plen=33),
        _msg(),  # neither IFA_LOCAL nor IFA_ADDRESS
        _msg(_attr(2, b"\x0a\0\0")),
        _msg(_attr(1, b"\x0a\0\0\1\0")),
        _msg(_attr(2, b"\x0a\0\0\1"), _attr(6, b"\0" * 8)),  # short IFA_CACHEINFO
        _msg(_attr(2, b"\x0a\0\0\1"), _attr(8, b"\0\0")),  # short IFA_FLAGS
        _msg(struct.pack("=HH", 40, 2) + b"\x0a\0\0\1"),
    ],
)
def test_malformed_is_decode_error(payload: bytes) -> None:
    with pytest.raises(DecodeError):
        addr.parse_address(payload)
