"""route/_run_layouts.py (one layout per message shape) against the plain decoder.

Differential: dumps of kernel-shaped routes (IPv4 and IPv6, gateways and
device routes, metrics, prefsrc, multipath, cacheinfo, pref), whole or
mutated, decode to the same routes (or the same error) with route.dump's
decoders as with parse_route alone, once layouts are learned. Work: learning
stays bounded by the messages no layout fits, and the layouts kept are
bounded, on shapes that never repeat. (Counted, never timed.)
"""

from __future__ import annotations

import struct
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rawns.route import _dumped_parser, _run_layouts, _runs

from .test_route_runs import HERE, _count_messages, _decode

SEQ, PORT = 7, 4242
TABLE, DST, OIF, GATEWAY, PRIORITY, PREFSRC, METRICS, MULTIPATH, CACHEINFO, PREF = (
    15, 1, 4, 5, 6, 7, 8, 9, 12, 20,
)  # fmt: skip


@pytest.fixture(autouse=True)
def _fresh_layouts(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Each test learns from nothing (the layouts are kept per process otherwise)."""
    monkeypatch.setattr(_run_layouts, "LAYOUTS", {})
    yield


def _attr(t: int, v: bytes) -> bytes:
    return struct.pack("=HH", 4 + len(v), t) + v + b"\0" * (-len(v) % 4)


def _msg(family: int, dst_len: int, attrs: list[tuple[int, bytes]], src_len: int = 0) -> bytes:
    """An RTM_NEWROUTE dump part (nlmsghdr included), attributes in the given order."""
    body = struct.pack("=BBBBBBBBI", family, dst_len, src_len, 0, 254, 4, 0, 1, 0)
    body += b"".join(_attr(t, v) for t, v in attrs)
    return struct.pack("=IHHII", 16 + len(body), 24, 2, SEQ, PORT) + body


def _u32(v: int) -> bytes:
    return struct.pack("=I", v)


def _hop(gw: bytes, oif: int, weight: int) -> bytes:
    inner = _attr(GATEWAY, gw)
    return struct.pack("=HBBi", 8 + len(inner), 0, weight - 1, oif) + inner


@st.composite
def kernel_routes(draw: st.DrawFn) -> bytes:
    """A route as fib_dump_info (IPv4) or rt6_fill_node (IPv6) writes it."""
    v6 = draw(st.booleans())
    alen = 16 if v6 else 4
    dst_len = draw(st.sampled_from([0, 8, 24, 31, 32] if not v6 else [0, 48, 64, 127, 128]))
    addr = st.binary(min_size=alen, max_size=alen)
    table = [(TABLE, _u32(draw(st.sampled_from([254, 100, 200, 1000]))))]
    dst = [(DST, draw(addr))] if dst_len or draw(st.booleans()) else []
    prio = [(PRIORITY, _u32(draw(st.sampled_from([0, 50, 100, 1024]))))] if v6 or draw(
        st.booleans()
    ) else []  # fmt: skip
    metrics: list[tuple[int, bytes]] = []
    if draw(st.booleans()):
        metrics = [(METRICS, _attr(2, _u32(draw(st.sampled_from([1400, 1500])))))]
    prefsrc = [(PREFSRC, draw(addr))] if draw(st.integers(0, 4)) == 0 else []
    if draw(st.integers(0, 4)) == 0:
        hops = draw(st.lists(st.tuples(addr, st.integers(1, 9), st.integers(1, 3)), min_size=1,
                             max_size=3))  # fmt: skip
        path = [(MULTIPATH, b"".join(_hop(g, o, w) for g, o, w in hops))]
    else:
        path = [(GATEWAY, draw(addr))] if draw(st.booleans()) else []
        path += [(OIF, _u32(draw(st.integers(1, 9))))]
    if not v6:
        return _msg(2, dst_len, table + dst + prio + metrics + prefsrc + path)
    expires = draw(st.sampled_from([0, 0, 250, -250]))
    cinfo = [(CACHEINFO, struct.pack("=IIiIIIII", 0, 0, expires, 0, 0, 0, 0, 0))]
    pref = [(PREF, bytes([draw(st.sampled_from([0, 1, 3]))]))]
    return _msg(10, dst_len, table + dst + prefsrc + metrics + prio + path + cinfo + pref)


def _both_ways(data: bytes) -> _runs.RouteRuns:
    """The dump's decoders (layouts learned on a first pass) against parse_route alone."""
    _decode(data, _runs.RouteRuns(HERE), _dumped_parser(HERE, _runs.parse_message))  # learn
    runs = _runs.RouteRuns(HERE)
    fast = _decode(data, runs, _dumped_parser(HERE, _runs.parse_message))
    assert fast == _decode(data, None)
    return runs


@settings(max_examples=300, deadline=None)
@given(routes=st.lists(kernel_routes(), min_size=1, max_size=30), copies=st.integers(1, 3))
def test_kernel_shaped_dumps_decode_as_the_plain_decoder(routes: list[bytes], copies: int) -> None:
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(_run_layouts, "LAYOUTS", {})
        mp.setattr(_runs, "LEARN_EVERY", 1)
        runs = _both_ways(b"".join(routes) * copies)
    assert runs.hits + runs.misses + runs.decoded == len(routes) * copies
    assert runs.hits or runs.decoded  # a layout (or a run) took some of them


@settings(max_examples=300, deadline=None)
@given(
    routes=st.lists(kernel_routes(), min_size=1, max_size=12),
    flips=st.lists(st.tuples(st.integers(0, 10**6), st.integers(0, 255)), min_size=1, max_size=3),
)
def test_mutated_dumps_decode_as_the_plain_decoder(
    routes: list[bytes], flips: list[tuple[int, int]]
) -> None:
    """Layouts learned from good messages meet bad ones: same routes, same error."""
    good = b"".join(routes)
    data = bytearray(good)
    for where, byte in flips:
        data[where % len(data)] = byte
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(_run_layouts, "LAYOUTS", {})
        mp.setattr(_runs, "LEARN_EVERY", 1)
        _decode(good, _runs.RouteRuns(HERE), _dumped_parser(HERE, _runs.parse_message))  # learn
        runs = _runs.RouteRuns(HERE)
        fast = _decode(bytes(data), runs, _dumped_parser(HERE, _runs.parse_message))
    assert fast == _decode(bytes(data), None)


def _table(n: int) -> bytes:
    """A router's mix (as benchmarks' W4M): few shapes, interleaved at random."""
    gw4, gw6 = bytes([10, 255, 0, 2]), bytes(15) + b"\2"
    cinfo = (CACHEINFO, bytes(32))
    shapes: list[Any] = [
        lambda i: _msg(2, 24, [(TABLE, _u32(254)), (DST, _u32(i << 8)), (GATEWAY, gw4),
                                (OIF, _u32(2))]),
        lambda i: _msg(2, 24, [(TABLE, _u32(100)), (DST, _u32(i << 8)), (OIF, _u32(3))]),
        lambda i: _msg(2, 32, [(TABLE, _u32(254)), (DST, _u32(i)), (PRIORITY, _u32(100)),
                                (METRICS, _attr(2, _u32(1400))), (GATEWAY, gw4), (OIF, _u32(3))]),
        lambda i: _msg(2, 24, [(TABLE, _u32(200)), (DST, _u32(i << 8)),
                                (MULTIPATH, _hop(gw4, 2, 1) + _hop(gw4, 3, 2))]),
        lambda i: _msg(10, 64, [(TABLE, _u32(254)), (DST, i.to_bytes(16, "big")),
                                 (PRIORITY, _u32(1024)), (GATEWAY, gw6), (OIF, _u32(2)), cinfo,
                                 (PREF, b"\0")]),
        lambda i: _msg(10, 48, [(TABLE, _u32(254)), (DST, i.to_bytes(16, "big")),
                                 (PRIORITY, _u32(1024)),
                                 (MULTIPATH, _hop(gw6, 2, 1) + _hop(gw6, 3, 3)), cinfo,
                                 (PREF, b"\0")]),
    ]  # fmt: skip
    return b"".join(shapes[(i * 7919) % 11 % len(shapes)](i + 1) for i in range(n))


def test_a_mixed_table_decodes_by_layouts_once_learned() -> None:
    data = _table(600)
    first = _runs.RouteRuns(HERE)
    _decode(data, first, _dumped_parser(HERE, _runs.parse_message))
    assert first.learned <= first.misses // _runs.LEARN_EVERY
    assert sum(map(len, _run_layouts.LAYOUTS.values())) == 6
    runs = _both_ways(data)
    assert runs.misses == 0 and runs.hits + runs.decoded == 600 and runs.learned == 0


def _never_twice(n: int) -> Iterator[bytes]:
    """Shapes that never repeat: metrics nests of growing length, so every layout differs."""
    for i in range(n):
        nest = b"".join(_attr(k % 16 + 1, _u32(k)) for k in range(i % 40 + 1))
        yield _msg(2, 24, [(TABLE, _u32(254)), (DST, _u32(i << 8)), (METRICS, nest),
                           (OIF, _u32(2))] if i % 2 else [(TABLE, _u32(254)),
                           (DST, _u32(i << 8)), (PRIORITY, _u32(i)), (METRICS, nest),
                           (OIF, _u32(2))])  # fmt: skip


def test_learning_stays_bounded_on_shapes_that_never_repeat() -> None:
    data = b"".join(_never_twice(2000))
    runs = _both_ways(data)
    again = _runs.RouteRuns(HERE)
    _decode(data, again, _dumped_parser(HERE, _runs.parse_message))
    for r in (runs, again):
        # One message walked again (and at most one layout built) per LEARN_EVERY misses.
        assert r.learned <= r.misses // _runs.LEARN_EVERY
        assert r.hits + r.misses + r.decoded == _count_messages(data)
    layouts = _run_layouts.LAYOUTS
    assert sum(map(len, layouts.values())) <= _run_layouts.LAYOUTS_MAX
    assert all(len(v) <= _run_layouts.PER_SIZE_MAX for v in layouts.values())


def test_a_layout_fits_only_its_shape() -> None:
    a = _msg(2, 24, [(TABLE, _u32(254)), (DST, _u32(1 << 8)), (GATEWAY, _u32(9)), (OIF, _u32(2))])
    b = _msg(2, 24, [(TABLE, _u32(254)), (DST, _u32(1 << 8)), (PREFSRC, _u32(9)), (OIF, _u32(2))])
    lay = _run_layouts.learn(a, 0)
    assert lay is not None and len(a) == len(b)
    assert lay.fits(a, 0) and not lay.fits(b, 0)
    other_family = a[:16] + b"\x0a" + a[17:]
    assert not lay.fits(other_family, 0)
    with_src = a[:18] + b"\x08" + a[19:]
    assert not lay.fits(with_src, 0) and _run_layouts.learn(with_src, 0) is None


@pytest.mark.parametrize(
    "attrs",
    [
        [(DST, _u32(1)), (TABLE, _u32(254)), (OIF, _u32(2))],  # not in the kernel's order
        [(TABLE, _u32(254)), (OIF, _u32(2)), (OIF, _u32(3))],  # twice
        [(TABLE, _u32(254)), (DST, b"\1\2"), (OIF, _u32(2))],  # a short address
        [(TABLE, _u32(254)), (DST, _u32(1)), (30, _u32(2))],  # an attribute no layout holds
        [(DST, _u32(1)), (OIF, _u32(2))],  # no RTA_TABLE
    ],
)
def test_unusual_shapes_get_no_layout(attrs: list[tuple[int, bytes]]) -> None:
    assert _run_layouts.learn(_msg(2, 24, attrs), 0) is None


def test_shared_values_survive_being_emptied(monkeypatch: pytest.MonkeyPatch) -> None:
    """The caches of shared values empty themselves when full; decoding goes on the same."""
    data = _table(200)
    want = _decode(data, None)
    for name in ("_ADDRS", "_METRICS", "_HOPS4", "_HOPS6", "_CACHEINFO"):
        getattr(_run_layouts, name).clear()  # even without their b"" entries
    monkeypatch.setattr(_run_layouts, "VALUES_MAX", 1)
    for _ in range(2):
        runs = _runs.RouteRuns(HERE)
        assert _decode(data, runs, _dumped_parser(HERE, _runs.parse_message)) == want
    assert runs.hits
