"""route/_runs.py (the speed machinery of route.dump) against the plain decoder.

Differential: any dump decodes to the same routes (values, repr, networks'
internals, origin) with the run decoder and without it. Work: on hostile
mixes of shapes, what the run decoder scans stays bounded by what it
decodes and what it leaves to the plain decoder; no input builds more than
a few Structs. (Counted, never timed.)
"""

from __future__ import annotations

import gc
import json
import pickle
import struct
import threading
from itertools import islice
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rawns._conversation import Conversation
from rawns.route import Nexthop, Route, _dumped_parser, _runs, build_add

from .test_decoder_fast_paths import SHAPES
from .test_route_run import SEQ, _route, _run

PORT = 4242
HERE = (7, 4026531840)
GOLDEN = Path(__file__).parent / "golden" / "route"


def _as_dump_part(msg: bytes) -> bytes:
    """A request capture restamped as a part of dump SEQ (RTM_NEWROUTE, NLM_F_MULTI)."""
    body = msg[16:]
    return struct.pack("=IHHII", 16 + len(body), 24, 2, SEQ, PORT) + body + b"\0" * (-len(body) & 3)


def _decode(datagram: bytes, runs: _runs.RouteRuns | None, parse_at: Any = None) -> tuple[str, Any]:
    conv = Conversation(PORT)
    conv.expect(SEQ, dump=True)
    out: list[Any] = []
    try:
        events = conv.receive_dump(datagram, SEQ, parse_at or _dumped_parser(HERE), out, runs)
    except Exception as e:  # compared: its type and text
        return "error", (type(e), str(e), len(out))
    shown = [
        (repr(r), r.origin, r.attrs, r.dst.__dict__.keys(), list(islice(r.dst.hosts(), 2)))
        for r in out
    ]
    return "ok", (out, shown, events)


def _same(datagram: bytes) -> _runs.RouteRuns:
    runs = _runs.RouteRuns(HERE)
    assert _decode(datagram, runs) == _decode(datagram, None)
    return runs


def _captures() -> list[bytes]:
    out = []
    for f in sorted(GOLDEN.glob("*.json")):
        raw = bytes.fromhex(json.loads(f.read_text())["hex"])
        if raw[4] in (24, 25):  # RTM_NEWROUTE / RTM_DELROUTE requests
            out.append(_as_dump_part(raw))
    return out


#: Routes of varied shapes, as a dump would carry them: IPv6, multipath,
#: metrics, other tables, source prefixes, prefsrc, blackholes.
VARIED = [
    _as_dump_part(build_add(r))
    for r in (
        Route(dst="2001:db8::/32", gateway="fe80::1", oif=3, metric=1024, pref=1),
        Route(dst="2001:db8:1::/48", oif=3, src="2001:db8:2::/64", mtu=1400),
        Route(dst="10.9.0.0/16", nexthops=[Nexthop(gateway="10.0.0.1", oif=2, weight=3),
                                          Nexthop(gateway="10.0.0.2", oif=3)]),
        Route(dst="10.8.0.0/16", gateway="10.0.0.1", oif=2, mtu=1300, table=1000),
        Route(dst="10.7.0.0/24", oif=2, prefsrc="10.7.0.1", metric=5, table=7),
        Route(dst="10.6.0.0/24", type=6),
    )
]  # fmt: skip


@pytest.mark.parametrize("n", [1, 8, 40])
def test_every_capture_decodes_the_same_with_and_without_runs(n: int) -> None:
    for msg in _captures():
        _same(msg * n)


@settings(max_examples=200, deadline=None)
@given(
    parts=st.lists(
        st.one_of(
            st.tuples(st.sampled_from(SHAPES), st.integers(1, 40), st.sampled_from([0, 24, 32])),
            st.sampled_from(VARIED),
        ),
        max_size=12,
    )
)
def test_generated_dumps_decode_the_same_with_and_without_runs(parts: list[Any]) -> None:
    data = b""
    for i, p in enumerate(parts):
        if isinstance(p, bytes):
            data += p
        else:
            shape, n, dst_len = p
            data += b"".join(_run(shape, n, 1000 * i, dst_len))
    _same(data)


def _hostile() -> list[tuple[str, bytes]]:
    a, b = SHAPES[0], SHAPES[3]  # same size, other attributes: runs must tell them apart
    alt = [_route(a if i % 2 else b, 24, (20 << 24) + (i << 8), i) for i in range(500)]
    seven = [_route(b if i % 8 == 7 else a, 24, (20 << 24) + (i << 8), i) for i in range(500)]
    nine = [_route(b if i % 9 == 8 else a, 24, (20 << 24) + (i << 8), i) for i in range(500)]
    varied = VARIED * 80
    return [
        ("alternating", b"".join(alt)),
        ("seven and one", b"".join(seven)),
        ("eight and one", b"".join(nine)),
        ("varied shapes", b"".join(varied)),
    ]


@pytest.mark.parametrize(("name", "data"), _hostile())
def test_run_work_stays_bounded_on_hostile_mixes(name: str, data: bytes) -> None:
    runs = _same(data)
    messages = _count_messages(data)
    plain = messages - runs.decoded
    # Every look that found no run hands the next _RUN_MIN messages to the plain decoder.
    assert runs.failed * _runs._RUN_MIN <= plain + _runs._RUN_MIN, name
    # Columns scanned: within five times what runs decoded, plus one window per failed look.
    assert runs.scanned <= 5 * runs.decoded + _runs._RUN_MIN * runs.failed, name
    for shape_runs in _runs._RUNS.values():
        for run in shape_runs:
            assert set(run.structs) <= {8, 16, 32, 64, 128, 256, 512}


def test_a_uniform_dump_is_all_runs() -> None:
    data = b"".join(_run(SHAPES[0], 546))  # one 32 KiB datagram of routes via a gateway
    runs = _same(data)
    assert runs.decoded == 546 and runs.failed == 0 and runs.probes == 1


def _count_messages(data: bytes) -> int:
    n = off = 0
    while off < len(data):
        off += (struct.unpack_from("=I", data, off)[0] + 3) & ~3
        n += 1
    return n


class _FakeSock:
    port = PORT
    closed = False

    def __init__(self, datagrams: list[bytes]) -> None:
        self.datagrams = datagrams

    def send(self, data: bytes) -> None:
        self.seq = struct.unpack_from("=I", data, 8)[0]

    def recv(self, flags: int = 0) -> bytes:
        d = self.datagrams.pop(0)
        return d[:8] + struct.pack("=I", self.seq) + d[12:]


def _gc_seen_during_dump() -> tuple[list[bool], bool]:
    from rawns.transport import Channel

    done = struct.pack("=IHHII", 20, 3, 2, 0, PORT) + b"\0" * 4
    ch = Channel(
        _FakeSock(  # type: ignore[arg-type]  # a socket's part, in memory
            [_as_dump_part(build_add(Route(dst="10.1.0.0/16", oif=2))), done]
        )
    )
    seen: list[bool] = []

    def parse_at(data: bytes, start: int, end: int) -> object:
        seen.append(gc.isenabled())
        return None

    ch.dump(b"\0" * 16, parse_at=parse_at, op="test")
    return seen, gc.isenabled()


def test_gc_is_paused_only_when_no_other_thread_could_see_it() -> None:
    assert gc.isenabled()
    if threading.active_count() == 1:
        assert _gc_seen_during_dump() == ([False], True)
    stop = threading.Event()
    t = threading.Thread(target=stop.wait)
    t.start()
    try:
        assert _gc_seen_during_dump() == ([True], True)
    finally:
        stop.set()
        t.join()
    gc.disable()
    try:
        assert _gc_seen_during_dump() == ([False], False)  # a caller's choice is kept
    finally:
        gc.enable()


# -- parse_message: the dump's per-message decoder, against parse_route -----------


def _dump_messages(data: bytes) -> list[tuple[int, int]]:
    spans, off = [], 0
    while off < len(data):
        n = struct.unpack_from("=I", data, off)[0]
        spans.append((off + 16, off + n))
        off += (n + 3) & ~3
    return spans


def _both(data: bytes, start: int, end: int) -> Any:
    """parse_message and parse_route on one message: the same route (or the same error)."""
    from rawns.route._decode import parse_route_at as parse_route  # in place, no warning

    got: list[Any] = []
    for decode in (_runs.parse_message, parse_route):
        try:
            r = decode(data, start, end, HERE)
        except Exception as e:  # compared: type, text, offset
            got.append(("error", type(e), str(e), getattr(e, "offset", None)))
            continue
        got.append(
            (r, hash(r), repr(r), r.origin, r.attrs, type(r), type(r.dst), r.dst.__dict__.keys(),
             list(islice(r.dst.hosts(), 2)), pickle.loads(pickle.dumps(r)))  # noqa: S301
        )  # fmt: skip
    assert got[0] == got[1]
    return got[0]


SIX = [
    Route(dst=f"2001:db8::/{p}", gateway="fe80::1", oif=3, metric=1024, pref=1) for p in (32, 127)
] + [
    Route(dst="2001:db8::1/128", oif=2),
    Route(dst="::/0", gateway="fe80::2", oif=2),
    Route(dst="2001:db8:5::/64", nexthops=[Nexthop(gateway="fe80::1", oif=2), Nexthop(oif=3)]),
]


@pytest.mark.parametrize("n", [1, 8])
def test_the_dump_decoder_gives_the_plain_decoders_routes(n: int) -> None:
    data = b"".join([*_captures(), *VARIED, *(_as_dump_part(build_add(r)) for r in SIX)] * n)
    for start, end in _dump_messages(data):
        assert _both(data, start, end)[0] != "error"


@settings(max_examples=300, deadline=None)
@given(
    msg=st.sampled_from([*VARIED, *(_as_dump_part(build_add(r)) for r in SIX)]),
    flips=st.lists(st.tuples(st.integers(16, 10**6), st.integers(0, 255)), max_size=3),
    cut=st.integers(0, 8),
)
def test_the_dump_decoder_fails_as_the_plain_one(
    msg: bytes, flips: list[tuple[int, int]], cut: int
) -> None:
    data = bytearray(msg)
    for where, byte in flips:
        data[16 + where % (len(data) - 16)] = byte
    _both(bytes(data), 16, len(data) - cut)


@settings(max_examples=100, deadline=None)
@given(
    plen=st.integers(0, 128),
    bits=st.integers(0, 2**128 - 1),
    metric=st.none() | st.integers(1, 2**32 - 1),
    pref=st.sampled_from([None, 0, 1, 3]),
)
def test_ipv6_routes_decode_alike(
    plen: int, bits: int, metric: int | None, pref: int | None
) -> None:
    import ipaddress

    net = ipaddress.IPv6Network((bits, plen), strict=False)
    r = Route(dst=net, gateway="fe80::9", oif=4, metric=metric, pref=pref)
    data = _as_dump_part(build_add(r))
    assert _both(data, 16, len(data))[0] == r


def test_the_dump_decoder_leaves_nothing_it_accepts_to_the_plain_one(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Work, counted: on valid messages parse_message never falls back (decodes once)."""
    calls: list[int] = []
    monkeypatch.setattr(_runs, "parse_route_at", lambda *a: calls.append(1))
    data = b"".join([*_captures(), *VARIED, *(_as_dump_part(build_add(r)) for r in SIX)])
    for start, end in _dump_messages(data):
        assert isinstance(_runs.parse_message(data, start, end, HERE), Route)
    assert calls == []


@settings(max_examples=200, deadline=None)
@given(
    parts=st.lists(
        st.one_of(
            st.tuples(st.sampled_from(SHAPES), st.integers(1, 40), st.sampled_from([0, 24, 32])),
            st.sampled_from([*VARIED, *(_as_dump_part(build_add(r)) for r in SIX)]),
        ),
        max_size=12,
    ),
    flips=st.lists(st.tuples(st.integers(0, 10**6), st.integers(0, 255)), max_size=2),
)
def test_a_dump_decodes_as_the_plain_decoder_alone(
    parts: list[Any], flips: list[tuple[int, int]]
) -> None:
    """route.dump's decoders (runs, then parse_message) against parse_route alone."""
    data = bytearray()
    for i, p in enumerate(parts):
        data += p if isinstance(p, bytes) else b"".join(_run(p[0], p[1], 1000 * i, p[2]))
    for where, byte in flips:
        if data:
            data[where % len(data)] = byte
    fast = _decode(bytes(data), _runs.RouteRuns(HERE), _dumped_parser(HERE, _runs.parse_message))
    assert fast == _decode(bytes(data), None)


def test_a_dump_leaves_no_young_generation_to_scan_and_thaws_nothing() -> None:
    """A paused dump's objects are promoted (gc.freeze, unfreeze) unless objects were frozen."""
    if threading.active_count() != 1:
        pytest.skip("the collector is paused only in a single-threaded process")
    marker = [None]  # young and tracked: promoted with the dump's objects, not scanned
    assert not any(o is marker for o in gc.get_objects(generation=2))
    _gc_seen_during_dump()
    assert any(o is marker for o in gc.get_objects(generation=2))
    assert gc.get_freeze_count() == 0 and gc.get_count()[0] < 100
    gc.freeze()
    frozen = gc.get_freeze_count()
    try:
        _gc_seen_during_dump()
        assert gc.get_freeze_count() == frozen  # the program's frozen objects stay frozen
    finally:
        gc.unfreeze()
