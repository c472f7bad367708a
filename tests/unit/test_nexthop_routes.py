"""Routes with RTA_VIA, RTA_NH_ID and an expiry: the Route rules, and both decoders alike.

The dump's fast decoder (route/_runs.py) must give what the plain one gives
for the new attributes too, and refuse what it refuses; a run of alike IPv4
routes interleaved with them still decodes as runs (counted, never timed).
"""

from __future__ import annotations

import inspect
import struct

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rawns import route
from rawns._rtnl import RTA
from rawns.route import Nexthop, Route, _runs, build_add, build_delete

from .test_route_run import _run
from .test_route_runs import _as_dump_part, _both, _dump_messages, _same


def _with(msg: bytes, *attrs: tuple[int, bytes]) -> bytes:
    """A dump part with attributes appended (as the kernel adds them to its reports)."""
    body = msg[16:] + b"".join(
        struct.pack("=HH", 4 + len(v), t) + v + b"\0" * (-len(v) & 3) for t, v in attrs
    )
    return struct.pack("=I", 16 + len(body)) + msg[4:16] + body


def _cacheinfo(ticks: int, size: int = 32) -> tuple[int, bytes]:
    return (RTA.CACHEINFO, (struct.pack("=IIi", 0, 0, ticks) + bytes(20))[:size])


NH_ROUTE = _as_dump_part(
    build_add(
        Route(dst="10.10.0.0/24", nexthops=[Nexthop(gateway="10.0.0.1", oif=2, weight=5),
                                           Nexthop(gateway="10.0.0.2", oif=2)])
    )
)  # fmt: skip
GAPS = [
    _as_dump_part(build_add(Route(dst="10.9.0.0/24", via="fe80::1", oif=3))),
    _as_dump_part(build_add(Route(dst="10.11.0.0/24", nhid=3))),
    _with(NH_ROUTE, (RTA.NH_ID, struct.pack("=I", 10))),  # a dumped nhid route: paths shown
    _as_dump_part(build_add(Route(dst="2001:db8::/64", gateway="fe80::1", expires=300))),
    _with(_as_dump_part(build_add(Route(dst="2001:db8:1::/64", oif=2))), _cacheinfo(29_955)),
    _with(_as_dump_part(build_add(Route(dst="2001:db8:2::/64", oif=2))), _cacheinfo(-150)),
    _with(_as_dump_part(build_add(Route(dst="2001:db8:3::/64", oif=2))), _cacheinfo(0)),
    _with(_as_dump_part(build_add(Route(dst="2001:db8:4::/64", oif=2))), _cacheinfo(500, 8)),
]


def test_gaps_decode_alike_and_as_ip_prints_them() -> None:
    got = [_both(m, 16, len(m))[0] for m in GAPS]
    assert str(got[0].via) == "fe80::1" and got[0].gateway is None
    assert got[1].nhid == 3
    assert got[2].nhid == 10 and [nh.weight for nh in got[2].nexthops] == [5, 1]
    # ip prints rta_expires / USER_HZ, truncated, and nothing for 0.
    assert [r.expires for r in got[3:]] == [300, 299, -1, None, None]
    assert got[4].attrs[0].type == RTA.CACHEINFO  # the raw attribute is still there


@settings(max_examples=300, deadline=None)
@given(
    msg=st.sampled_from(GAPS),
    flips=st.lists(st.tuples(st.integers(16, 10**6), st.integers(0, 255)), max_size=3),
    cut=st.integers(0, 8),
)
def test_gaps_fail_alike(msg: bytes, flips: list[tuple[int, int]], cut: int) -> None:
    data = bytearray(msg)
    for where, byte in flips:
        data[16 + where % (len(data) - 16)] = byte
    _both(bytes(data), 16, len(data) - cut)


def test_the_fast_decoder_decodes_the_gaps_itself(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[int] = []
    monkeypatch.setattr(_runs, "parse_route_at", lambda *a: calls.append(1))
    data = b"".join(GAPS)
    for start, end in _dump_messages(data):
        assert isinstance(_runs.parse_message(data, start, end), Route)
    assert calls == []


def test_runs_around_the_gaps() -> None:
    shape = (RTA.TABLE, RTA.DST, RTA.GATEWAY, RTA.OIF)  # fib_dump_info's, one nexthop
    uniform = b"".join(_run(shape, 40))
    runs = _same(b"".join((uniform, *GAPS, uniform, *GAPS)))
    assert runs.decoded == 80  # the gaps went message by message, the rest as runs


@pytest.mark.parametrize(
    ("kw", "match"),
    [
        ({"dst": "10.9.0.0/24", "via": "10.0.0.1", "oif": 2}, "is IPv4: give it as gateway"),
        ({"dst": "2001:db8::/64", "via": "fe80::1", "oif": 2}, "IPv6 where IPv4"),
        ({"dst": "10.9.0.0/24", "via": "fe80::1", "gateway": "10.0.0.1"}, "both given"),
        ({"dst": "10.9.0.0/24", "via": "::", "oif": 2}, "unspecified"),
        ({"dst": "10.9.0.0/24", "via": "fe80::1%v0", "oif": 2}, "zone"),
        ({"dst": "10.9.0.0/24", "nhid": 3, "gateway": "10.0.0.1"}, "mutually|give one"),
        ({"dst": "10.9.0.0/24", "nhid": 3, "oif": 2}, "give one or the other"),
        ({"dst": "10.9.0.0/24", "nhid": 0}, "route nhid"),
        ({"dst": "10.9.0.0/24", "oif": 2, "expires": 300}, "IPv6-only"),
        ({"dst": "2001:db8::/64", "oif": 2, "expires": 0}, "route expires"),
        ({"dst": "2001:db8::/64", "oif": 2, "expires": 2**32 - 1}, "route expires"),
    ],
)
def test_route_refuses_what_the_kernel_would(kw: dict[str, object], match: str) -> None:
    with pytest.raises(ValueError, match=match):
        Route(**kw)  # type: ignore[arg-type]


def test_via_and_nhid_routes_default_to_universe_scope_and_label_like_ip() -> None:
    via = Route(dst="10.9.0.0/24", via="fe80::1", oif=3)
    nh = Route(dst="10.10.0.0/24", nhid=10)
    assert (via.family, via.scope, nh.scope) == (2, 0, 0)
    assert Route(dst="default", via="fe80::1", oif=3, onlink=True).dst.version == 4
    assert route.label(via) == "10.9.0.0/24 via inet6 fe80::1 dev ifindex 3"
    assert route.label(nh) == "10.10.0.0/24 nhid 10"


def test_a_dumped_nhid_route_is_requested_by_its_nhid_alone() -> None:
    dumped = route.parse_route(_with(NH_ROUTE, (RTA.NH_ID, struct.pack("=I", 10)))[16:])
    blackholed = route.parse_route(
        _with(_as_dump_part(build_add(Route(dst="10.12.0.0/24", type=6))),
              (RTA.OIF, struct.pack("=I", 1)), (RTA.NH_ID, struct.pack("=I", 3)))[16:],
    )  # fmt: skip
    assert build_add(dumped) == build_add(Route(dst="10.10.0.0/24", nhid=10))
    # A route on a blackhole nexthop is reported as RTN_BLACKHOLE but stored as
    # unicast: its delete matches any type.
    delete = build_delete(blackholed)
    assert delete[16 + 7] == 0 and delete.endswith(struct.pack("=HHI", 8, RTA.NH_ID, 3))
    assert struct.pack("=HH", 8, RTA.OIF) not in delete


def test_expires_is_sent_on_adds_only_and_never_for_ipv4() -> None:
    r = Route(dst="2001:db8::/64", gateway="fe80::1", expires=60)
    assert struct.pack("=HHI", 8, RTA.EXPIRES, 60) in build_add(r)
    assert struct.pack("=HH", 8, RTA.EXPIRES) not in build_delete(r)
    cached = route.parse_route(
        _with(_as_dump_part(build_add(Route(dst="10.1.2.3/32", oif=2))), _cacheinfo(1000))[16:]
    )
    assert cached.expires == 10
    with pytest.raises(ValueError, match="IPv4 routes have no lifetime"):
        build_add(cached)


def test_get_flow_keys_are_checked_before_anything_is_built() -> None:
    for kw, match in (
        ({"ipproto": "sctp"}, "route get ipproto"),
        ({"ipproto": 256}, "route get ipproto"),
        ({"uid": 2**32 - 1}, "route get uid"),
        ({"sport": 0}, "route get sport"),
        ({"dport": 65536}, "route get dport"),
    ):
        with pytest.raises(ValueError, match=match):
            route.build_get("10.0.0.1", **kw)  # type: ignore[arg-type]
    assert route.build_get("2001:db8::1", ipproto="ipv6-icmp")[-4] == 58


def test_dump_and_flush_default_to_ipv4_as_ip_route_show() -> None:
    for verb in (route.dump, route.flush):
        assert inspect.signature(verb).parameters["family"].default == 2
