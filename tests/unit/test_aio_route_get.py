"""rawns.aio.route.get's template path (rawns/aio/_route_get.py) against the plain path.

The requests: build_get's bytes for the same destination, but for NLM_F_ACK.
The answers: decoded by shape exactly as the plain decoder (parse_route)
decodes them -- same Route, or the same DecodeError -- whatever the shape,
learned or not, and whatever came before with the same length.
"""

from __future__ import annotations

import socket
import struct
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rawns._rtnl import NLM_F, RTA, RTM
from rawns.aio import _route_get
from rawns.errors import DecodeError
from rawns.route import build_get, parse_route

ORIGIN = (7, 4026531992)


@pytest.mark.parametrize(
    "dst",
    ["10.1.2.3", "0.0.0.0", "255.255.255.255", "192.0.2.200", "2001:db8::1", "::", "fe80::1:2"],
)
def test_the_request_is_build_gets_without_the_ack_flag(dst: str) -> None:
    family = socket.AF_INET6 if ":" in dst else socket.AF_INET
    want = bytearray(build_get(dst))
    flags = struct.unpack_from("=H", want, 6)[0]
    assert flags & NLM_F.ACK
    struct.pack_into("=H", want, 6, flags & ~NLM_F.ACK)
    assert _route_get.message(socket.inet_pton(family, dst)) == bytes(want)


def _attr(atype: int, value: bytes, pad: bool = True) -> bytes:
    raw = struct.pack("=HH", 4 + len(value), atype) + value
    return raw + b"\0" * (-len(raw) & 3) if pad else raw


def _rtmsg(family: int = 2, dst_len: int = 32, src_len: int = 0, flags: int = 0x200) -> bytes:
    return struct.pack("=BBBBBBBBI", family, dst_len, src_len, 0, 254, 0, 0, 1, flags)


def _answer_v4(oif: int = 3, dst: bytes = b"\x0a\x01\x03\x04", cache: bytes = bytes(32)) -> bytes:
    """What inet_rtm_getroute sends for a destination on a local /16 (captured shape)."""
    return _rtmsg() + b"".join(
        (
            _attr(RTA.TABLE, struct.pack("=I", 254)),
            _attr(RTA.DST, dst),
            _attr(RTA.OIF, struct.pack("=I", oif)),
            _attr(RTA.PREFSRC, b"\x0a\x01\x00\x01"),
            _attr(RTA.UID, struct.pack("=I", 0)),
            _attr(RTA.CACHEINFO, cache),
        )
    )


def _same(payload: bytes, *, prefix: bytes = b"") -> None:
    """decode() of ``payload`` (after ``prefix`` in the buffer) is what parse_route says."""
    data = prefix + payload
    try:
        want: Any = parse_route(payload, origin=ORIGIN)
    except DecodeError as e:
        with pytest.raises(DecodeError) as ei:
            _route_get.decode(data, len(prefix), len(data), ORIGIN)
        assert str(ei.value) == str(e)
        return
    got = _route_get.decode(data, len(prefix), len(data), ORIGIN)
    assert got == want
    assert type(got) is type(want)
    assert got.attrs == want.attrs and got.origin == want.origin and got.expires == want.expires
    assert [type(a) for a in got.attrs] == [type(a) for a in want.attrs]


@pytest.fixture(autouse=True)
def _fresh_shapes() -> None:
    _route_get._SHAPES.clear()


def test_the_common_answer_is_decoded_by_its_shape_as_the_plain_decoder() -> None:
    first = _answer_v4()
    _same(first, prefix=bytes(16))
    assert _route_get._SHAPES[len(first)] is not None  # learned
    for oif, dst in ((1, b"\x0a\x01\x00\x01"), (9, b"\x0a\x01\xfe\xff")):
        _same(_answer_v4(oif, dst), prefix=bytes(16))
    ticks = struct.pack("=IIiIIIII", 1, 2, -250, 0, 3, 0, 0, 0)  # rta_expires -2.5 s
    _same(_answer_v4(cache=ticks))


def test_a_learned_shape_refuses_what_does_not_fit_it() -> None:
    good = _answer_v4()
    _same(good)
    # the same length, other headers: a gateway where the source was
    other = good.replace(struct.pack("=HH", 8, RTA.PREFSRC), struct.pack("=HH", 8, RTA.GATEWAY))
    assert len(other) == len(good) and other != good
    _same(other)
    # the same length, another family, or prefix lengths no IPv4 route has
    _same(bytes([10]) + good[1:])
    _same(good[:1] + bytes([33]) + good[2:])
    _same(good[:2] + bytes([40]) + good[3:])


def test_ipv6_answers_and_answers_without_a_shape() -> None:
    v6 = _rtmsg(10, 128) + _attr(RTA.TABLE, struct.pack("=I", 254))
    v6 += _attr(RTA.DST, socket.inet_pton(socket.AF_INET6, "2001:db8::5"))
    v6 += _attr(RTA.PRIORITY, struct.pack("=I", 1024)) + _attr(RTA.OIF, struct.pack("=I", 2))
    v6 += _attr(RTA.GATEWAY, socket.inet_pton(socket.AF_INET6, "fe80::1"))
    v6 += _attr(RTA.PREF, b"\0") + _attr(RTA.CACHEINFO, bytes(32))
    _same(v6)
    assert _route_get._SHAPES[len(v6)] is None  # RTA_PREF: parse_message decodes it
    no_dst = _rtmsg(dst_len=0) + _attr(RTA.TABLE, struct.pack("=I", 254))
    _same(no_dst)
    _same(_rtmsg(dst_len=24) + _attr(RTA.OIF, struct.pack("=I", 2)))  # a dst_len without RTA_DST
    nested_oif = _rtmsg() + _attr(RTA.DST, bytes(4)) + _attr(RTA.OIF | 0x8000, bytes(4))
    _same(nested_oif)
    twice = _rtmsg() + _attr(RTA.DST, bytes(4)) + _attr(RTA.OIF, bytes(4)) * 2
    _same(twice)
    unpadded = _rtmsg() + _attr(RTA.DST, bytes(4)) + _attr(RTA.MARK + 40, b"\1\2\3", pad=False)
    _same(unpadded)
    _same(_rtmsg()[:10])
    _same(_rtmsg() + _attr(RTA.DST, bytes(3)))
    _same(_rtmsg() + _attr(RTA.DST, bytes(4)) + b"\x02\x00")


_KINDS = st.sampled_from(
    [
        (RTA.TABLE, 4),
        (RTA.DST, 4),
        (RTA.DST, 16),
        (RTA.OIF, 4),
        (RTA.OIF, 2),
        (RTA.PREFSRC, 4),
        (RTA.GATEWAY, 4),
        (RTA.GATEWAY, 16),
        (RTA.PRIORITY, 4),
        (RTA.UID, 4),
        (RTA.MARK, 4),
        (RTA.CACHEINFO, 32),
        (RTA.CACHEINFO, 8),
        (RTA.CACHEINFO, 13),
        (RTA.IIF, 4),
        (RTA.PREF, 1),
        (RTA.EXPIRES, 4),
        (RTA.TABLE | 0x8000, 4),
        (RTA.DST | 0x4000, 4),
        (40, 0),
        (41, 6),
    ]
)


@settings(max_examples=400, deadline=None)
@given(
    family=st.sampled_from([2, 2, 10, 7]),
    dst_len=st.sampled_from([0, 8, 24, 32, 33, 64, 128, 129]),
    src_len=st.sampled_from([0, 0, 16]),
    flags=st.integers(0, 0xFFFFFFFF),
    attrs=st.lists(st.tuples(_KINDS, st.binary(min_size=32, max_size=32)), max_size=8),
    pad_last=st.booleans(),
    again=st.booleans(),
)
def test_any_answer_decodes_as_the_plain_decoder(
    family: int,
    dst_len: int,
    src_len: int,
    flags: int,
    attrs: list[tuple[tuple[int, int], bytes]],
    pad_last: bool,
    again: bool,
) -> None:
    body = b"".join(
        _attr(t, v[:n], pad=pad_last or i != len(attrs) - 1) for i, ((t, n), v) in enumerate(attrs)
    )
    payload = _rtmsg(family, dst_len, src_len, flags) + body
    _same(payload, prefix=bytes(16))
    if again:  # now with the shape of its length learned (or refused)
        _same(payload)


def test_the_cache_of_shapes_stays_bounded() -> None:
    for n in range(200):
        _same(_rtmsg() + _attr(RTA.DST, bytes(4)) + _attr(99, bytes(n)))
    assert len(_route_get._SHAPES) <= _route_get._SHAPES_MAX


def test_the_template_is_a_getroute_with_the_probe_address() -> None:
    raw, at = _route_get.template(4)
    assert struct.unpack_from("=H", raw, 4)[0] == RTM.GETROUTE
    assert raw[at : at + 4] == b"\xff" * 4
