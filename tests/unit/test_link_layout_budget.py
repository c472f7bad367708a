"""The layout cache never does much more work than the plain decoder, on any input.

Work is counted, not timed: layouts built and Structs compiled
(``_layout.layouts_built``, ``_layout.structs_compiled``), against the hits
that pay for them. Each shape here is adversarial for a cache keyed on
payload length: names of every length (a real host), kinds mixed, look-alikes
of one length taking turns, every layout different. Every Link is also the
plain decoder's (the differential half).
"""

from __future__ import annotations

import dataclasses
import random
import struct
from collections.abc import Iterator
from typing import Any

import pytest

from rawns import link
from rawns._rtnl import IFLA, IFLA_INFO
from rawns._wire import iter_attrs
from rawns.link import Link, _decode, _layout

from .link_golden import load_replies

REPLIES: list[bytes] = load_replies()["raw"]
ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789-"


@pytest.fixture(autouse=True)
def _fresh_cache(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Empty caches and the credit a fresh process starts with."""
    monkeypatch.setattr(_layout, "_LAYOUTS", {})
    monkeypatch.setattr(_layout, "_SCANNED", {})
    monkeypatch.setattr(_layout, "_credit", _layout._FREE)
    _layout._compile.cache_clear()
    yield
    _layout._compile.cache_clear()


def attr(atype: int, value: bytes) -> bytes:
    return struct.pack("=HH", 4 + len(value), atype) + value + bytes(-len(value) % 4)


def rewrite(raw: bytes, index: int, **values: bytes) -> bytes:
    """``raw`` with its index and the given top-level attributes' values replaced
    (``IFNAME=b"x\\0"``); ``extra`` appends an attribute of an unknown type."""
    out = bytearray(raw[:16])
    struct.pack_into("=i", out, 4, index)
    for t, a, b in iter_attrs(raw, 16):
        name = IFLA(t & 0x3FFF).name if t & 0x3FFF in IFLA._value2member_map_ else ""
        out += attr(t, values.get(name, raw[a:b]))
    if "extra" in values:
        out += attr(300, values["extra"])
    return bytes(out)


def named(raw: bytes, name: str, index: int) -> bytes:
    return rewrite(raw, index, IFNAME=name.encode() + b"\0")


def view(lk: Link) -> tuple[Any, ...]:
    fields = tuple((f.name, getattr(lk, f.name)) for f in dataclasses.fields(Link))
    return (*fields, repr(lk), lk.offsets)


def run(msgs: list[bytes]) -> dict[str, int]:
    """Decode ``msgs`` as one dump; check each against the plain decoder; count the work."""
    built, compiled = _layout.layouts_built, _layout.structs_compiled
    plain = _layout.plain_decodes
    for m in msgs:
        got = link.parse_link(m)
        assert type(got) is Link
        assert view(got) == view(_decode.parse_link(m))
    return {
        "hits": len(msgs) - (_layout.plain_decodes - plain),  # read from a layout
        "built": _layout.layouts_built - built,
        "compiled": _layout.structs_compiled - compiled,
    }


def assert_bounded(work: dict[str, int]) -> None:
    """Every build is paid for by hits, bar the free ones; three Structs a build at most."""
    assert work["built"] <= _layout._FREE + work["hits"] * _layout._REFILL
    assert work["compiled"] <= 3 * work["built"]


def veth() -> bytes:
    return next(r for r in REPLIES if link.parse_link(r).kind == "veth")


def random_names(n: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    return ["".join(rng.choice(ALPHABET) for _ in range(rng.randint(2, 14))) for _ in range(n)]


def test_names_of_every_length_share_a_layout_per_padded_length() -> None:
    """2,000 veths with names of 2 to 14 characters: four padded name lengths, four layouts."""
    base = veth()
    msgs = [named(base, n, i + 2) for i, n in enumerate(random_names(2000, 1))]
    work = run(msgs)
    assert_bounded(work)
    assert work["built"] <= 4
    assert work["hits"] >= len(msgs) - 2 * 4


def test_uniform_names_build_one_layout() -> None:
    base = veth()
    work = run([named(base, f"veth{i:05d}", i + 2) for i in range(2000)])
    assert work == {"hits": 1998, "built": 1, "compiled": work["compiled"]}
    assert work["compiled"] <= 3


def test_mixed_kinds_and_names() -> None:
    rng = random.Random(2)
    names = random_names(3000, 3)
    msgs = [named(rng.choice(REPLIES), name, i + 2) for i, name in enumerate(names)]
    assert_bounded(run(msgs))


def test_every_layout_different_builds_nothing() -> None:
    base = veth()
    msgs = [rewrite(base, i + 2, extra=bytes(4 * i)) for i in range(500)]
    work = run(msgs)
    assert work == {"hits": 0, "built": 0, "compiled": 0}


def test_look_alikes_taking_turns_are_bounded() -> None:
    """One length and one scan, but headers or kinds that differ: every message misses
    the layout the one before it left. Builds stop when the credit is spent."""
    base = veth()
    at = base.index(b"veth\0")
    vlan = base[:at] + b"vlan\0" + base[at + 5 :]
    mac7 = rewrite(base, 3, ADDRESS=bytes(7))  # 6 and 7 bytes pad alike
    rng = random.Random(4)
    msgs = [rng.choice([base, vlan, mac7]) for _ in range(3000)]
    work = run(msgs)
    assert_bounded(work)
    assert work["built"] <= _layout._FREE + 3000 * _layout._REFILL


def test_adversary_after_a_long_uniform_dump_spends_only_the_banked_credit() -> None:
    """Credit is capped: hits of an earlier dump do not pay for thrashing later."""
    base = veth()
    run([named(base, f"veth{i:05d}", i + 2) for i in range(5000)])
    at = base.index(b"veth\0")
    vlan = base[:at] + b"vlan\0" + base[at + 5 :]
    built = _layout.layouts_built
    work = run([[base, base, vlan, vlan][i % 4] for i in range(2000)])
    assert _layout.layouts_built - built <= _layout._FREE + work["hits"] * _layout._REFILL


def test_a_last_string_attribute_keeps_its_exact_length() -> None:
    """The plain decoder checks the last attribute against the end: a layout does too."""
    name = b"abcdef\0"
    msgs = [
        bytes(16) + attr(IFLA.MTU, bytes(4)) + attr(IFLA.IFNAME, name[: 3 + k % 4])
        for k in range(40)
    ]
    for m in msgs:
        assert view(link.parse_link(m)) == view(_decode.parse_link(m))


def test_linkinfo_kinds_are_read() -> None:
    info = attr(IFLA.LINKINFO | 0x8000, attr(IFLA_INFO.KIND, b"dummy\0"))
    msgs = [bytes(16) + attr(IFLA.IFNAME, n.encode() + b"\0") + info for n in random_names(50, 5)]
    for m in msgs:
        assert link.parse_link(m).kind == "dummy"
    assert_bounded(run(msgs))
