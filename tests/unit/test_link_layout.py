"""Link layouts (``_layout._LAYOUTS``): what parse_link decodes from one is what a scan decodes.

parse_link keeps, per payload length, the layout of a message it decoded (the
header of every attribute, IFLA_LINKINFO's kinds) and decodes a message that
has that layout without scanning it. Whatever is cached, parse_link must give
what it gives with empty caches: the same Link (every field, ``raw`` and
``offsets`` included) or the same DecodeError (message, offset and notes).
Here: the kernel's captured replies, copies of them with bytes changed (the
same length, so the cached layout is tried), and generated messages.
"""

from __future__ import annotations

import dataclasses
import math
import struct
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rawns import link
from rawns._rtnl import IFLA, IFLA_INFO
from rawns._wire import iter_attrs
from rawns.errors import DecodeError
from rawns.link import Link, VethInfo, _layout

from .link_golden import load_replies

REPLIES: list[bytes] = load_replies()["raw"]


@pytest.fixture(autouse=True)
def _empty_caches(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    # Layouts built whenever the policy allows one, to test them on every
    # input (tests/unit/test_link_layout_budget.py tests the real budget).
    monkeypatch.setattr(_layout, "_FREE", math.inf)
    monkeypatch.setattr(_layout, "_credit", math.inf)
    saved = dict(_layout._LAYOUTS), dict(_layout._SCANNED)
    _layout._LAYOUTS.clear()
    _layout._SCANNED.clear()
    yield
    _layout._LAYOUTS.clear()
    _layout._LAYOUTS.update(saved[0])
    _layout._SCANNED.clear()
    _layout._SCANNED.update(saved[1])


def outcome(payload: bytes) -> tuple[Any, ...]:
    """Everything parse_link's result shows, or its error, comparable with ==."""
    try:
        lk = link.parse_link(payload)
    except DecodeError as e:
        return ("error", str(e), e.offset, tuple(getattr(e, "__notes__", ())))
    assert type(lk) is Link
    assert type(lk.offsets) is tuple
    fields = tuple((f.name, getattr(lk, f.name)) for f in dataclasses.fields(Link))
    return ("link", fields, repr(lk), repr(lk.data), repr(lk.port))


def scanned(payload: bytes) -> tuple[Any, ...]:
    """:func:`outcome` with empty caches (and the caches left as they were)."""
    saved = dict(_layout._LAYOUTS), dict(_layout._SCANNED)
    _layout._LAYOUTS.clear()
    _layout._SCANNED.clear()
    try:
        return outcome(payload)
    finally:
        _layout._LAYOUTS.clear()
        _layout._LAYOUTS.update(saved[0])
        _layout._SCANNED.clear()
        _layout._SCANNED.update(saved[1])


def learn(payload: bytes) -> _layout._Layout:
    """Decode until parse_link keeps the layout of ``payload``; return it."""
    for _ in range(2):  # the first decode of a length notes its scan, the second builds
        link.parse_link(payload)
    lay = _layout.cached(payload)
    assert lay is not None
    assert link.parse_link(payload).offsets is lay.offsets  # decoded from it
    return lay


def headers(payload: bytes) -> list[int]:
    """Where every attribute header of a link message starts, IFLA_LINKINFO's included."""
    out = []
    for t, a, b in iter_attrs(payload, 16):
        out.append(a - 4)
        if t & 0x3FFF == IFLA.LINKINFO:
            out += [c - 4 for _t, c, _d in iter_attrs(payload, a, b)]
    return out


def test_every_reply_decodes_the_same_from_its_layout() -> None:
    for raw in REPLIES:
        want = scanned(raw)
        learn(raw)
        assert outcome(raw) == want
    assert {len(r) for r in REPLIES} <= set(_layout._LAYOUTS)


def test_a_layout_is_built_on_the_second_scan_of_a_length() -> None:
    raw = REPLIES[3]
    link.parse_link(raw)
    assert not _layout._LAYOUTS  # one-off lengths cost no layout
    link.parse_link(raw)
    assert len(raw) in _layout._LAYOUTS


def test_same_length_other_layout_is_not_decoded_from_the_cached_one() -> None:
    by_len: dict[int, list[bytes]] = {}
    for raw in REPLIES:
        by_len.setdefault(len(raw), []).append(raw)
    pairs = [(a, b) for same in by_len.values() for a in same for b in same if a != b]
    assert pairs, "the captured replies have two links of one length (veth-c and tun0)"
    for a, b in pairs:
        _layout._LAYOUTS.clear()
        lay = learn(a)
        assert outcome(b) == scanned(b)
        if headers(a) != headers(b):
            assert link.parse_link(b).offsets is not lay.offsets
        assert outcome(a) == scanned(a)  # and taking turns changes nothing


def test_a_reordered_message_of_the_same_length_is_scanned() -> None:
    def msg(order: list[bytes]) -> bytes:
        return bytes(16) + b"".join(order)

    mtu = struct.pack("=HHI", 8, IFLA.MTU, 1500)
    txq = struct.pack("=HHI", 8, IFLA.TXQLEN, 1000)
    name = struct.pack("=HH", 7, IFLA.IFNAME) + b"ab\0\0"
    a, b = msg([name, mtu, txq]), msg([name, txq, mtu])
    learn(a)
    got = link.parse_link(b)
    assert (got.mtu, got.txqlen) == (1500, 1000)
    assert outcome(b) == scanned(b)


@settings(max_examples=300, deadline=None)
@given(data=st.data())
def test_values_changed_decode_from_the_layout_as_scanned(data: st.DataObject) -> None:
    """Bytes changed outside the headers (values, names, kinds): as a scan decodes them."""
    raw = data.draw(st.sampled_from(REPLIES))
    lay = learn(raw)
    fixed = set()
    for h in headers(raw):
        fixed.update(range(h, h + 4))
    free = [i for i in range(len(raw)) if i not in fixed]
    edits = data.draw(
        st.lists(st.tuples(st.sampled_from(free), st.integers(0, 255)), min_size=1, max_size=6)
    )
    buf = bytearray(raw)
    for i, v in edits:
        buf[i] = v
    new = bytes(buf)
    want = scanned(new)
    assert outcome(new) == want
    if lay.check(new) == lay.expect and want[0] == "link":
        assert link.parse_link(new).offsets is lay.offsets  # it was read from the layout


def test_another_kind_of_the_same_length_is_not_read_from_the_layout() -> None:
    """The kind strings are part of a layout: veth and vlan differ in bytes, not in length."""
    done = 0
    for raw in REPLIES:
        lk = link.parse_link(raw)
        if lk.kind != "veth":
            continue
        learn(raw)
        at = raw.index(b"veth\0")
        other = raw[:at] + b"vlan\0" + raw[at + 5 :]
        want = scanned(other)
        assert want[0] == "link" and link.parse_link(other).kind == "vlan"
        assert outcome(other) == want
        done += 1
    assert done


@settings(max_examples=300, deadline=None)
@given(data=st.data())
def test_any_same_length_message_decodes_or_fails_as_scanned(data: st.DataObject) -> None:
    """Any bytes changed, headers included (malformed input): the scan's Link or error."""
    raw = data.draw(st.sampled_from(REPLIES))
    learn(raw)
    hdr = headers(raw)
    targets = st.one_of(
        st.integers(0, len(raw) - 1),
        st.sampled_from(hdr).flatmap(lambda h: st.integers(h, h + 3)),  # a header byte
    )
    edits = data.draw(st.lists(st.tuples(targets, st.integers(0, 255)), min_size=1, max_size=4))
    buf = bytearray(raw)
    for i, v in edits:
        buf[i] = v
    new = bytes(buf)
    assert outcome(new) == scanned(new)


@pytest.mark.parametrize("which", range(len(REPLIES)))
def test_broken_header_lengths_fail_as_with_empty_caches(which: int) -> None:
    raw = REPLIES[which]
    learn(raw)
    seen_errors = 0
    for h in headers(raw):
        alen = struct.unpack_from("=H", raw, h)[0]
        for bad in (0, 3, alen - 1, alen + 4, 0xFFFF):
            new = raw[:h] + struct.pack("=H", bad & 0xFFFF) + raw[h + 2 :]
            want = scanned(new)
            assert outcome(new) == want
            seen_errors += want[0] == "error"
    assert seen_errors


# -- generated messages --------------------------------------------------------------


def attr(atype: int, value: bytes) -> bytes:
    return struct.pack("=HH", 4 + len(value), atype) + value + bytes(-len(value) % 4)


SIZED = [
    (IFLA.IFNAME, (1, 2, 4, 5, 16)),
    (IFLA.MTU, (4, 4, 2)),
    (IFLA.TXQLEN, (4,)),
    (IFLA.MASTER, (4,)),
    (IFLA.LINK, (4,)),
    (IFLA.LINK_NETNSID, (4,)),
    (IFLA.OPERSTATE, (1, 1, 0)),
    (IFLA.ADDRESS, (6, 0)),
    (IFLA.BROADCAST, (6,)),
    (IFLA.IFALIAS, (3, 9)),
    (IFLA.CARRIER, (1,)),
    (IFLA.QDISC, (5,)),
    (200, (0, 4)),  # a type past the parser's slots
    (60 | 0x8000, (0,)),  # nested flag
]
KINDS = [b"veth\0", b"bridge\0", b"tun\0", b"dummy\0", b"vlan\0", b"", b"veth"]


@st.composite
def shapes(draw: st.DrawFn) -> list[tuple[int, int | tuple[bytes, ...]]]:
    """A list of (attribute type, value size), or (IFLA_LINKINFO, its parts)."""
    out: list[tuple[int, int | tuple[bytes, ...]]] = []
    for _ in range(draw(st.integers(0, 10))):
        atype, sizes = draw(st.sampled_from(SIZED))
        out.append((int(atype), draw(st.sampled_from(sizes))))
    if draw(st.booleans()):
        parts = [attr(IFLA_INFO.KIND, draw(st.sampled_from(KINDS)))]
        if draw(st.booleans()):
            parts.append(attr(IFLA_INFO.SLAVE_KIND, b"bridge\0"))
        if draw(st.booleans()):
            parts.append(attr(IFLA_INFO.DATA | 0x8000, b""))
        out.insert(draw(st.integers(0, len(out))), (int(IFLA.LINKINFO), tuple(parts)))
    return out


def fill(shape: list[tuple[int, int | tuple[bytes, ...]]], data: st.DataObject) -> bytes:
    """A message of ``shape`` with drawn values (the same shape: the same headers)."""
    out = data.draw(st.binary(min_size=16, max_size=16))
    for atype, size in shape:
        if isinstance(size, tuple):
            out += attr(atype | 0x8000, b"".join(size))
        else:
            out += attr(atype, data.draw(st.binary(min_size=size, max_size=size)))
    return out


@settings(max_examples=400, deadline=None)
@given(shape=shapes(), other=shapes(), data=st.data())
def test_generated_messages_decode_from_layouts_as_scanned(
    shape: list[tuple[int, int | tuple[bytes, ...]]],
    other: list[tuple[int, int | tuple[bytes, ...]]],
    data: st.DataObject,
) -> None:
    a, b, c = fill(shape, data), fill(shape, data), fill(other, data)
    want = scanned(a), scanned(b), scanned(c)
    for _ in range(3):
        assert outcome(a) == want[0]
    assert outcome(b) == want[1]
    if want[0][0] == "link" and want[1][0] == "link":  # a's layout was kept: b is read from it
        lay = _layout.cached(a)
        assert lay is not None and link.parse_link(b).offsets is lay.offsets
    assert outcome(c) == want[2]
    for msg, w in zip((c, b, a, c), (want[2], want[1], want[0], want[2]), strict=True):
        assert outcome(msg) == w  # in any order, whatever is cached


def test_the_caches_stay_bounded() -> None:
    name = struct.pack("=HH", 8, IFLA.IFNAME) + b"abc\0"
    for i in range(3 * _layout._LAYOUTS_MAX):
        msg = bytes(16) + name + attr(300, bytes(4 * i))
        link.parse_link(msg)
        link.parse_link(msg)
        assert len(_layout._LAYOUTS) <= _layout._LAYOUTS_MAX
        assert len(_layout._SCANNED) <= _layout._LAYOUTS_MAX


def test_threads_share_layouts() -> None:
    edited = [r[:-1] + bytes([r[-1] ^ 1]) for r in REPLIES]
    msgs = REPLIES + edited
    want = [scanned(m) for m in msgs]
    bad: list[str] = []

    def work(k: int) -> None:
        for rep in range(30):
            for i in range(len(msgs)):
                j = (i * (k + 1) + rep) % len(msgs)
                if outcome(msgs[j]) != want[j]:
                    bad.append(f"thread {k}: message {j}")
            if k == 0 and rep % 7 == 0:
                _layout._LAYOUTS.clear()

    threads = [threading.Thread(target=work, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not bad


def test_veth_info_fields_are_what_its_parser_fills() -> None:
    """parse_veth_info fills a VethInfo without its __init__: it must set every field."""
    assert [f.name for f in dataclasses.fields(VethInfo)] == ["peer", "peer_netnsid"]
    veths = [link.parse_link(r) for r in REPLIES]
    assert any(lk.kind == "veth" and lk.data == VethInfo(peer=lk.link) for lk in veths)
