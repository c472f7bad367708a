"""The details fast path (``_layout``) never does more work than the plain decoder.

Work is counted, not timed, by counters of the fast path's module: layouts built,
Structs compiled, attributes it walks to build layouts (``_layout.attrs_walked``),
checks of a second layout, and the messages it hands to the plain decoder. The plain
decoder walks every attribute of every message (top level, IFLA_LINKINFO, the kind's
data, the port's data): that is its cost here. The fast path's cost is what the plain
decoder walks for the messages it is handed, plus what building layouts walks; a hit
walks nothing. Over any input it is at most the plain decoder's, plus the builds the
free credit allows before any hit (``_layout._FREE``, a constant).

The inputs are adversarial for a layout cache: every message a different layout,
names of every length on mixed kinds, attribute order shuffled per message, two kinds
of one length taking turns. Every Link, details and kind views included, is also
checked against the plain decoder's (the differential half).
"""

from __future__ import annotations

import dataclasses
import random
import struct
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from rawns._rtnl import IFLA, IFLA_INFO
from rawns._wire import NLA_TYPE_MASK, iter_attrs
from rawns.link import Link, _decode, _layout, _types

from .link_golden import load_replies

REPLIES: list[bytes] = load_replies()["raw"]
ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789-_"
#: What building one layout walks, at most, in walks of its message (a unit test
#: keeps the fast path's constant honest: see test_a_build_walks_a_few_messages).
BUILD_WALKS = 4


@pytest.fixture(autouse=True)
def _fresh_cache(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Empty caches and the credit a fresh process starts with."""
    monkeypatch.setattr(_layout, "_LAYOUTS", {})
    monkeypatch.setattr(_layout, "_SCANNED", {})
    monkeypatch.setattr(_layout, "_credit", _layout._FREE)
    _layout._compile.cache_clear()
    yield
    _layout._compile.cache_clear()


def walk(payload: bytes) -> int:
    """Attributes the plain decoder walks in one message (with its views)."""
    n = 0
    for t, a, b in iter_attrs(payload, 16):
        n += 1
        if t & NLA_TYPE_MASK == IFLA.LINKINFO:
            for it, c, d in iter_attrs(payload, a, b):
                n += 1
                if it & NLA_TYPE_MASK in (IFLA_INFO.DATA, IFLA_INFO.SLAVE_DATA):
                    n += sum(1 for _ in iter_attrs(payload, c, d))
    return n


def read(lk: Link) -> tuple[Any, ...]:
    """Every field, detail and view field of a Link (what ``ip -d -j`` prints and more)."""
    out: list[Any] = [(f.name, getattr(lk, f.name)) for f in dataclasses.fields(Link)]
    out += [(n, getattr(lk, n)) for n in _types.DETAIL_NAMES]
    for view in (lk.data, lk.port):
        if view is not None:
            out.append((type(view), dataclasses.astuple(view)))
    return tuple(out)


def run(msgs: list[bytes], monkeypatch: pytest.MonkeyPatch) -> dict[str, int]:
    """Decode ``msgs`` as one dump through the fast path; count both paths' work."""
    handed: list[bytes] = []
    plain = _decode.parse_link

    def counted(payload: bytes, origin: tuple[int, int] | None = None) -> Link:
        handed.append(payload)
        return plain(payload, origin)

    before = {
        k: getattr(_layout, k)
        for k in ("layouts_built", "structs_compiled", "attrs_walked", "second_checks")
    }
    with monkeypatch.context() as m:
        m.setattr(_decode, "parse_link", counted)
        got = [_layout.parse_link(x) for x in msgs]
    for lk, x in zip(got, msgs, strict=True):
        assert type(lk) is Link
        assert read(lk) == read(plain(x))
    work = {k: getattr(_layout, k) - v for k, v in before.items()}
    work["hits"] = len(msgs) - len(handed)
    work["plain"] = sum(map(walk, msgs))
    work["fast"] = sum(map(walk, handed)) + work["attrs_walked"]
    work["most"] = max(map(walk, msgs))
    return work


def assert_never_more(work: dict[str, int], n: int) -> None:
    """The fast path's walks: at most the plain decoder's, plus the free builds."""
    assert work["fast"] <= work["plain"] + _layout._FREE * BUILD_WALKS * work["most"]
    assert work["layouts_built"] <= _layout._FREE + work["hits"] * _layout._REFILL
    # a check (one unpack of the headers) per message, a second one at most
    assert work["second_checks"] <= n
    # check, values, the kind's data, the port's data: four Structs a layout at most
    assert work["structs_compiled"] <= 4 * work["layouts_built"]


def attr(atype: int, value: bytes) -> bytes:
    return struct.pack("=HH", 4 + len(value), atype) + value + bytes(-len(value) % 4)


def attrs_of(raw: bytes) -> list[tuple[int, bytes]]:
    return [(t, raw[a:b]) for t, a, b in iter_attrs(raw, 16)]


def build(head: bytes, index: int, items: list[tuple[int, bytes]]) -> bytes:
    out = bytearray(head[:16])
    struct.pack_into("=i", out, 4, index)
    for t, v in items:
        out += attr(t, v)
    return bytes(out)


def renamed(raw: bytes, name: str, index: int) -> bytes:
    items = [
        (t, name.encode() + b"\0" if t & NLA_TYPE_MASK == IFLA.IFNAME else v)
        for t, v in attrs_of(raw)
    ]
    return build(raw, index, items)


def random_name(rng: random.Random) -> str:
    return "".join(rng.choice(ALPHABET) for _ in range(rng.randint(2, 14)))


def shape(make: Callable[[random.Random, int], bytes], n: int, seed: int) -> list[bytes]:
    rng = random.Random(seed)
    return [make(rng, i + 2) for i in range(n)]


def test_every_message_a_different_layout(monkeypatch: pytest.MonkeyPatch) -> None:
    """An unknown attribute of a new size in each message: nothing can be reused."""
    base = REPLIES[1]

    def make(rng: random.Random, i: int) -> bytes:
        return build(base, i, [*attrs_of(renamed(base, random_name(rng), i)), (300, bytes(4 * i))])

    msgs = shape(make, 400, 1)
    work = run(msgs, monkeypatch)
    assert_never_more(work, len(msgs))
    assert work["layouts_built"] == 0
    assert work["fast"] == work["plain"]


def test_names_of_every_length_on_mixed_kinds(monkeypatch: pytest.MonkeyPatch) -> None:
    def make(rng: random.Random, i: int) -> bytes:
        return renamed(rng.choice(REPLIES), random_name(rng), i)

    msgs = shape(make, 3000, 2)
    work = run(msgs, monkeypatch)
    assert_never_more(work, len(msgs))
    assert work["fast"] < work["plain"]  # less, even in random order


def test_attribute_order_shuffled_per_message(monkeypatch: pytest.MonkeyPatch) -> None:
    def make(rng: random.Random, i: int) -> bytes:
        raw = renamed(rng.choice(REPLIES), random_name(rng), i)
        items = attrs_of(raw)
        rng.shuffle(items)
        return build(raw, i, items)

    msgs = shape(make, 1500, 3)
    work = run(msgs, monkeypatch)
    assert_never_more(work, len(msgs))


def test_two_kinds_of_one_length_taking_turns(monkeypatch: pytest.MonkeyPatch) -> None:
    """A tap and a veth padded to one length, alternating (a second layout per length)."""
    kinds = {_decode.parse_link(r).kind: r for r in REPLIES}
    a, b = kinds["veth"], kinds["tun"]
    pad = max(len(a), len(b)) + 8

    def padded(raw: bytes, name: str, i: int) -> bytes:
        x = renamed(raw, name, i)
        return build(x, i, [*attrs_of(x), (300, bytes(pad - len(x) - 4))])

    msgs = [padded((a, b)[i % 2], f"l{i % 7}x", i + 2) for i in range(2000)]
    assert len({len(m) for m in msgs}) == 1
    work = run(msgs, monkeypatch)
    assert_never_more(work, len(msgs))
    assert work["layouts_built"] == 2
    assert work["hits"] >= len(msgs) - 4


def test_a_build_walks_a_few_messages(monkeypatch: pytest.MonkeyPatch) -> None:
    """BUILD_WALKS bounds what one build walks, for every kind (the slack above)."""
    for raw in REPLIES:
        work = run([renamed(raw, f"n{i}", i + 2) for i in range(3)], monkeypatch)
        if work["layouts_built"]:
            assert work["attrs_walked"] <= BUILD_WALKS * walk(raw)
        _layout._LAYOUTS.clear()
        _layout._SCANNED.clear()
