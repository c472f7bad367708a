"""Fast paths agree with the plain decoders: route runs of every shape, Link without its init."""

from __future__ import annotations

import struct
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rawns.route import parse_route
from rawns.route._runs import parse_run

TABLE, DST, PRIORITY, PREFSRC, GATEWAY, OIF = 15, 1, 6, 7, 5, 4
SHAPES = [
    (TABLE, DST, GATEWAY, OIF),
    (TABLE, DST, OIF),
    (TABLE, DST, PRIORITY, GATEWAY, OIF),
    (TABLE, DST, PREFSRC, OIF),
    (TABLE, DST, PRIORITY, OIF),
]


def _message(shape: tuple[int, ...], hdr: tuple[int, ...], values: list[int]) -> bytes:
    out = struct.pack("=BBBBBBBBI", 2, *hdr)
    for t, v in zip(shape, values, strict=True):
        out += struct.pack("=HHI", 8, t, v)
    return out


def _general(payload: bytes) -> object:
    """The same message decoded from a run of eight (the speed path), as one route."""
    msg = struct.pack("=IHHII", 16 + len(payload), 24, 2, 1, 0) + payload
    out: list[Any] = []
    if parse_run(msg * 8, 0, out) == 0:  # not a run (a bad prefix, src_len): plain path
        return parse_route(payload)
    assert all(r == out[0] and repr(r) == repr(out[0]) for r in out)
    return out[0]


@pytest.mark.parametrize("shape", SHAPES)
@settings(max_examples=150, deadline=None)
@given(data=st.data())
def test_run_and_plain_decoders_agree(shape: tuple[int, ...], data: st.DataObject) -> None:
    dst_len = data.draw(st.integers(0, 33))
    hdr = (
        dst_len,
        data.draw(st.sampled_from([0, 0, 0, 8])),  # src_len: non-zero leaves the fast path
        data.draw(st.integers(0, 255)),
        data.draw(st.integers(0, 255)),
        data.draw(st.integers(0, 255)),
        data.draw(st.integers(0, 255)),
        data.draw(st.integers(1, 12)),
        data.draw(st.integers(0, 2**32 - 1)),
    )
    values = [data.draw(st.integers(0, 2**32 - 1)) for _ in shape]
    if DST in shape and dst_len <= 32:
        mask = ((1 << dst_len) - 1) << (32 - dst_len)
        i = shape.index(DST)
        values[i] = struct.unpack(
            "=I", (int.from_bytes(struct.pack("=I", values[i]), "big") & mask).to_bytes(4, "big")
        )[0]
    payload = _message(shape, hdr, values)
    try:
        expected = _general(payload)
    except Exception as e:  # the fast path must fail the same way
        with pytest.raises(type(e)):
            parse_route(payload)
        return
    got = parse_route(payload)
    assert got == expected
    assert repr(got) == repr(expected)
    assert got.dst.prefixlen == expected.dst.prefixlen  # type: ignore[attr-defined]


def test_link_shadow_layout_matches_link() -> None:
    """link._layout._LinkSlots must have Link's slots, in order (the decoder relies on it)."""
    import dataclasses

    from rawns.link import Link, _layout

    assert tuple(f.name for f in dataclasses.fields(Link)) == _layout._LINK_FIELDS
    assert _layout._LinkSlots.__slots__ == Link.__slots__


def test_decoded_route_reads_as_an_ipaddress_network_everywhere() -> None:
    import copy
    import dataclasses
    import ipaddress
    import pickle

    from rawns.route import Route

    payload = _message((TABLE, DST, GATEWAY, OIF), (24, 0, 0, 254, 3, 0, 1, 0),
                       [254, struct.unpack("=I", bytes([10, 1, 2, 0]))[0],
                        struct.unpack("=I", bytes([10, 0, 0, 2]))[0], 2])  # fmt: skip
    built = Route(dst="10.1.2.0/24", gateway="10.0.0.2", oif=2, protocol=3, table=254)
    for r in (parse_route(payload), parse_route(payload)):
        assert r == built and hash(r) == hash(built)
        assert repr(r) == repr(built)
    r = parse_route(payload)
    assert pickle.loads(pickle.dumps(r)) == built  # noqa: S301 - our own bytes
    assert copy.copy(r) == built and copy.deepcopy(r) == built
    assert dataclasses.replace(r, metric=5).dst == ipaddress.ip_network("10.1.2.0/24")
    assert dataclasses.asdict(parse_route(payload))["dst"] == ipaddress.ip_network("10.1.2.0/24")
    fresh = parse_route(payload)
    assert type(fresh.dst) is ipaddress.IPv4Network
    assert type(fresh.dst) is ipaddress.IPv4Network  # stored after the first read
