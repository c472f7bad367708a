"""route.parse_run (a run of alike route messages per call) agrees with message-by-message decoding.

The run path is only a speed-up: for any datagram, receive_dump with it must
give the same routes, the same events and the same DecodeError (text and
offset) as without it.
"""

from __future__ import annotations

import struct
from itertools import islice
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rawns._conversation import Conversation
from rawns.errors import DecodeError
from rawns.route import _parse_dumped, _runs
from rawns.route._runs import parse_run

from .test_decoder_fast_paths import DST, SHAPES

SEQ, PORT = 7, 4242
RTM_NEWROUTE, NLM_F_MULTI, NLM_F_DUMP_INTR = 24, 2, 0x10


def _route(shape: tuple[int, ...], dst_len: int, dst: int, value: int, *, hdr: Any = None) -> bytes:
    """A whole RTM_NEWROUTE message of ``shape`` (nlmsghdr included)."""
    body = struct.pack("=BBBBBBBBI", 2, dst_len, 0, 0, 254, 4, 0, 1, 0)
    for t in shape:
        v = dst.to_bytes(4, "big") if t == DST else struct.pack("=I", value)
        body += struct.pack("=HH", 8, t) + v
    length, mtype, flags, seq, pid = hdr or (16 + len(body), RTM_NEWROUTE, NLM_F_MULTI, SEQ, PORT)
    return struct.pack("=IHHII", length, mtype, flags, seq, pid) + body


def _run(shape: tuple[int, ...], n: int, first: int = 0, dst_len: int = 24) -> list[bytes]:
    return [_route(shape, dst_len, (20 << 24) + ((first + i) << 8), 3 + i % 5) for i in range(n)]


def _decode_all(datagram: bytes, run: bool) -> tuple[str, Any]:
    conv = Conversation(PORT)
    conv.expect(SEQ, dump=True)
    out: list[Any] = []
    try:
        events = conv.receive_dump(datagram, SEQ, _parse_dumped, out, parse_run if run else None)
    except DecodeError as e:
        return "error", (str(e), e.offset, len(out))
    described = [(repr(r), r.dst.__dict__.keys(), list(islice(r.dst.hosts(), 2))) for r in out]
    return "ok", (out, described, events, conv.dropped)


def _same(datagram: bytes) -> tuple[str, Any]:
    slow, fast = _decode_all(datagram, False), _decode_all(datagram, True)
    assert fast == slow
    return fast


@pytest.mark.parametrize("shape", SHAPES)
def test_a_run_decodes_in_one_call_like_message_by_message(shape: tuple[int, ...]) -> None:
    msgs = _run(shape, 40)
    out: list[Any] = []
    assert parse_run(b"".join(msgs), 0, out) == sum(map(len, msgs))
    kind, (routes, *_rest) = _same(b"".join(msgs))
    assert kind == "ok" and routes == out and len(out) == 40


def test_short_runs_are_left_to_the_message_path() -> None:
    msgs = _run(SHAPES[0], _runs._RUN_MIN - 1)
    assert parse_run(b"".join(msgs), 0, []) == 0
    assert _same(b"".join(msgs))[0] == "ok"


def test_a_run_stops_where_the_header_or_shape_changes() -> None:
    a, b = SHAPES[0], SHAPES[3]  # same size, different attributes
    other_seq = _route(a, 24, 99 << 8, 1, hdr=(60, RTM_NEWROUTE, NLM_F_MULTI, SEQ + 1, PORT))
    intr = _route(
        a, 24, 98 << 8, 1, hdr=(60, RTM_NEWROUTE, NLM_F_MULTI | NLM_F_DUMP_INTR, SEQ, PORT)
    )
    parts = [*_run(a, 20), *_run(b, 12), other_seq, *_run(a, 9, 50), intr, *_run(a, 30, 100)]
    data = b"".join(parts)
    out: list[Any] = []
    # Runs go in power-of-two pieces down to _RUN_MIN: 16 of the 20 here, the
    # last 4 message by message.
    assert parse_run(data, 0, out) == 16 * 60 and len(out) == 16
    kind, (routes, _d, _events, dropped) = _same(data)
    assert kind == "ok" and len(routes) == 20 + 12 + 9 + 1 + 30 and dropped == 1


@pytest.mark.parametrize("dst_len", [31, 32, 0, 1])
def test_host_and_point_to_point_networks_match_the_public_constructor(dst_len: int) -> None:
    dst = 0 if dst_len == 0 else (0xC0A80100 >> (32 - dst_len)) << (32 - dst_len)
    msgs = [_route(SHAPES[1], dst_len, dst, i) for i in range(10)]
    assert _same(b"".join(msgs))[0] == "ok"


def test_a_bad_prefix_length_midway_fails_as_message_by_message() -> None:
    parts = _run(SHAPES[0], 12)
    parts[9] = _route(SHAPES[0], 33, 0, 1)
    kind, (text, offset, decoded) = _same(b"".join(parts))
    assert kind == "error" and "33" in text and decoded == 9 and offset is not None


@settings(max_examples=300, deadline=None)
@given(
    shapes=st.lists(st.sampled_from(SHAPES), min_size=1, max_size=4),
    sizes=st.lists(st.integers(0, 30), min_size=4, max_size=4),
    flips=st.lists(st.tuples(st.integers(0, 10**6), st.integers(0, 255)), max_size=3),
    dst_len=st.sampled_from([0, 8, 24, 31, 32, 33]),
)
def test_any_mutated_datagram_decodes_the_same_with_and_without_runs(
    shapes: list[tuple[int, ...]], sizes: list[int], flips: list[tuple[int, int]], dst_len: int
) -> None:
    parts: list[bytes] = []
    for i, shape in enumerate(shapes):
        parts += _run(shape, sizes[i], 1000 * i, dst_len)
    data = bytearray(b"".join(parts))
    for where, byte in flips:
        if data:
            data[where % len(data)] = byte
    _same(bytes(data))


def test_runs_of_any_length_keep_few_structs() -> None:
    """A shape keeps one Struct per power of two (8..512), whatever run lengths it sees."""
    shape = SHAPES[2]
    for n in range(1, 700, 7):
        _same(b"".join(_run(shape, n)))
    (run,) = _runs._RUNS[16 + 12 + 8 * len(shape)][:1]
    assert set(run.structs) <= {8, 16, 32, 64, 128, 256, 512}
