"""Route values, codec round trips and malformed input (no root)."""

from __future__ import annotations

import dataclasses
import struct
from ipaddress import IPv4Address, IPv4Network, IPv6Network
from itertools import islice

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rawns import route
from rawns._rtnl import RT_SCOPE, RT_TABLE, RTN, RTPROT
from rawns.errors import DecodeError
from rawns.route import Nexthop, Route, _runs


def test_fast_constructor_covers_every_field() -> None:
    names = tuple(f.name for f in dataclasses.fields(Route))
    assert names == _runs._FAST_FIELDS == _runs._RouteSlots.__slots__


def test_fast_networks_are_active_and_equal_to_public_ones() -> None:
    assert _runs._fast_networks_work()
    assert _runs.ENABLED
    for n, p in ((0, 0), (0x0A000000, 8), (0x0A010203, 32), (0x0A010202, 31)):
        fast, public = _runs._net4(n, p), IPv4Network((n, p))
        assert fast == public and hash(fast) == hash(public)
        assert list(islice(fast.hosts(), 3)) == list(islice(public.hosts(), 3))
        assert fast.broadcast_address == public.broadcast_address


def test_ip_defaults() -> None:
    r = Route(dst="10.0.0.0/8", gateway="10.1.1.1")
    assert (r.table, r.protocol, r.type, r.scope, r.family) == (254, 3, 1, 0, 2)
    assert Route(dst="10.0.0.0/8", oif=2).scope == RT_SCOPE.LINK
    assert Route(dst="10.0.0.0/8", type=RTN.BLACKHOLE).scope == RT_SCOPE.UNIVERSE
    local = Route(dst="10.0.0.1", type=RTN.LOCAL, oif=2)
    assert (local.table, local.scope, str(local.dst)) == (
        RT_TABLE.LOCAL,
        RT_SCOPE.HOST,
        "10.0.0.1/32",
    )
    assert Route(dst="2001:db8::/32", oif=2).scope == RT_SCOPE.UNIVERSE  # IPv6: always universe
    assert Route(dst="default").dst == IPv4Network("0.0.0.0/0")
    assert Route(dst="default", gateway="fe80::1").family == 10
    assert Route(dst="default", family=10).dst == IPv6Network("::/0")
    mp = Route(dst="10.0.0.0/8", nexthops=[Nexthop(gateway="10.1.1.1")])
    assert mp.scope == RT_SCOPE.UNIVERSE


@pytest.mark.parametrize(
    ("kw", "match"),
    [
        ({"dst": "10.0.0.0/8", "gateway": "fe80::1"}, "IPv6 where IPv4"),
        ({"dst": "2001:db8::/32", "prefsrc": "10.0.0.1"}, "IPv4 where IPv6"),
        ({"dst": "10.0.0.1/8"}, "host bits"),
        ({"dst": "10.0.0.0/8", "pref": 1}, "IPv6-only"),
        ({"dst": "nonsense"}, "must be a network"),
        ({"dst": "10.0.0.0/8", "gateway": "10.0.0.300"}, "gateway must be an IP address"),
        ({"dst": "10.0.0.0/8", "metric": -1}, "metric"),
        ({"dst": "10.0.0.0/8", "protocol": 300}, "protocol"),
        ({"dst": "10.0.0.0/8", "mtu": 0}, "mtu"),
        ({"dst": "10.0.0.0/8", "nexthops": [Nexthop(gateway="2001:db8::1")]}, "IPv6 where IPv4"),
    ],
)
def test_bad_values_are_value_errors(kw: dict[str, object], match: str) -> None:
    with pytest.raises(ValueError, match=match):
        Route(**kw)  # type: ignore[arg-type]


def test_nexthop_weight_bounds() -> None:
    with pytest.raises(ValueError, match="weight"):
        Nexthop(gateway="10.0.0.1", weight=0)
    with pytest.raises(ValueError, match="weight"):
        Nexthop(gateway="10.0.0.1", weight=257)
    assert Nexthop(gateway="10.0.0.1", onlink=True).onlink


def test_label_reads_like_ip() -> None:
    r = Route(dst="10.1.0.0/16", gateway="192.168.15.5", table=100, metric=5)
    assert route.label(r) == "10.1.0.0/16 via 192.168.15.5 table 100 metric 5"
    assert route.label(Route(dst="default", type=RTN.BLACKHOLE)) == "blackhole default"


def test_big_table_ids_use_rta_table() -> None:
    raw = route.build_add(Route(dst="10.0.0.0/8", oif=2, table=1000))
    assert raw[16 + 4] == 0  # rtm_table: RT_TABLE_UNSPEC
    assert route.parse_route(raw[16:]).table == 1000


def test_dump_request_carries_the_filters() -> None:
    raw = route.build_dump(family=2, table=1000, oif=3, protocol=RTPROT.STATIC, type=RTN.UNICAST)
    fam, _d, _s, _t, table, proto, scope, rtype, _f = struct.unpack_from("=BBBBBBBBI", raw, 16)
    assert (fam, table, proto, scope, rtype) == (2, 0, 4, 0, 1)
    assert struct.unpack_from("=HHI", raw, 28) == (8, 15, 1000)  # RTA_TABLE
    assert struct.unpack_from("=HHI", raw, 36) == (8, 4, 3)  # RTA_OIF


def test_get_request_v6_has_no_lookup_table_flag() -> None:
    assert struct.unpack_from("=I", route.build_get("2001:db8::1"), 24)[0] == 0
    assert struct.unpack_from("=I", route.build_get("10.0.0.1", fibmatch=True), 24)[0] == 0x3000


# 0.0.0.0 is "no address" to the kernel: refused as a gateway or prefsrc.
addresses4 = st.integers(1, 2**32 - 1).map(IPv4Address)
prefixes4 = st.tuples(st.integers(0, 2**32 - 1), st.integers(0, 32)).map(
    lambda t: IPv4Network(t, strict=False)
)
maybe_int = st.none() | st.integers(0, 2**32 - 1)


@st.composite
def routes(draw: st.DrawFn) -> Route:
    hops = draw(
        st.lists(
            st.builds(
                Nexthop,
                gateway=addresses4,
                oif=st.none() | st.integers(1, 2**31 - 1),
                weight=st.integers(1, 256),
                onlink=st.booleans(),
            ),
            max_size=3,
        )
    )
    return Route(
        dst=draw(prefixes4),
        gateway=draw(st.none() | addresses4),
        oif=draw(st.none() | st.integers(1, 2**31 - 1)),
        prefsrc=draw(st.none() | addresses4),
        metric=draw(maybe_int),
        table=draw(st.integers(1, 2**32 - 1)),
        protocol=draw(st.integers(0, 255)),
        scope=draw(st.integers(0, 255)),
        type=draw(st.integers(0, 11)),
        tos=draw(st.integers(0, 255)),
        mtu=draw(st.none() | st.integers(1, 65520)),  # the kernel clamps an MTU above 65520
        nexthops=hops,
    )


@given(routes())
def test_parse_build_round_trip(r: Route) -> None:
    for build in (route.build_add, route.build_replace, route.build_delete):
        raw = build(r)
        back = route.parse_route(raw[16:])
        assert back == r
        assert build(back) == raw


def _msg(*attrs: bytes, family: int = 2, dst_len: int = 24) -> bytes:
    return struct.pack("=BBBBBBBBI", family, dst_len, 0, 0, 254, 3, 0, 1, 0) + b"".join(attrs)


def _attr(t: int, v: bytes) -> bytes:
    return struct.pack("=HH", 4 + len(v), t) + v + b"\0" * (-len(v) & 3)


@pytest.mark.parametrize(
    "payload",
    [
        b"",
        b"\x02" * 11,
        _msg(family=7),
        _msg(dst_len=33),
        _msg(_attr(1, b"\x0a\0\0")),  # RTA_DST 3 bytes
        _msg(_attr(5, b"\x0a\0\0\x01\0")),  # RTA_GATEWAY 5 bytes
        _msg(_attr(15, b"\0\0")),  # RTA_TABLE 2 bytes
        _msg(_attr(4, b"\1\0\0\0")[:6]),  # truncated attribute
        _msg(struct.pack("=HH", 2, 1)),  # length below the header
        _msg(struct.pack("=HH", 200, 1) + bytes(8)),  # length past the end
        _msg(b"\0\0"),  # 2 stray bytes
        _msg(),  # dst_len 24 without RTA_DST
        _msg(_attr(9, struct.pack("=HBBi", 4, 0, 0, 0))),  # rtnexthop length < 8
        _msg(_attr(9, struct.pack("=HBBi", 40, 0, 0, 0))),  # rtnexthop past RTA_MULTIPATH
        _msg(_attr(9, struct.pack("=HBBi", 16, 0, 0, 0) + _attr(5, b"\1\2"))),
        _msg(_attr(8, struct.pack("=HH", 3, 2))),  # RTA_METRICS with a bad RTAX
        _msg(_attr(20, b"")),  # empty RTA_PREF
    ],
)
def test_malformed_is_decode_error(payload: bytes) -> None:
    with pytest.raises(DecodeError):
        route.parse_route(payload)


def test_unknown_attributes_are_kept_raw() -> None:
    payload = _msg(_attr(1, b"\x0a\0\0\0"), _attr(25, b"\0\0\0\0"), _attr(0x7F, b"xyz"))
    r = route.parse_route(payload)
    assert [(a.type, a.value) for a in r.attrs] == [(25, b"\0\0\0\0"), (0x7F, b"xyz")]


def test_parse_in_place_from_a_larger_buffer_is_the_deprecated_old_form() -> None:
    raw = route.build_add(Route(dst="10.1.0.0/16", gateway="10.0.0.1"))
    buf = b"junk" + raw + b"more"
    with pytest.warns(DeprecationWarning, match=r"parse_route\(data, start, end\)"):
        assert route.parse_route(buf, 4 + 16, 4 + len(raw)) == route.parse_route(raw[16:])
    with pytest.warns(DeprecationWarning), pytest.raises(DecodeError):
        route.parse_route(raw, 16, len(raw) + 1)
