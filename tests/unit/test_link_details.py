"""Link's details and its kinds' views, from the layout cache vs the plain decoder.

The layout cache (``_layout``) leaves its layout in each Link it reads, and
Link's detail attributes (``min_mtu``, ``qdisc``, ``inet6_addr_gen_mode``...)
are read from it when the first is read; it decodes a
kind's data (``BridgeInfo``, ``VxlanInfo``...) from a plan of the nest's layout
(``_decode.NestPlan``); the plain decoder decodes both on demand, in one pass.
Whatever the bytes, both must read the same: every property, every view field,
or the same DecodeError.
"""

from __future__ import annotations

import dataclasses
import math
import pickle
import struct
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rawns._rtnl import IFLA
from rawns.errors import DecodeError
from rawns.link import Link, _decode, _layout, _types

from .link_golden import load_replies

REPLIES: list[bytes] = load_replies()["raw"]
#: Link's properties and its detail attributes (slots that are no fields).
PROPERTIES = (
    *(n for n, v in vars(Link).items() if isinstance(v, property) and not n.startswith("_")),
    *_types.DETAIL_NAMES,
)


@pytest.fixture(autouse=True)
def _empty_caches(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setattr(_layout, "_FREE", math.inf)
    monkeypatch.setattr(_layout, "_credit", math.inf)
    monkeypatch.setattr(_layout, "_LAYOUTS", {})
    monkeypatch.setattr(_layout, "_SCANNED", {})
    yield


def read(lk: Link) -> tuple[Any, ...]:
    """Every field and property of a Link and of its views, errors included."""
    out: list[Any] = [(f.name, getattr(lk, f.name)) for f in dataclasses.fields(Link)]
    for n in PROPERTIES:
        try:
            out.append((n, getattr(lk, n)))
        except DecodeError as e:
            out.append((n, "error", str(e), e.offset))
    for view in (lk.data, lk.port):
        if view is not None:
            out.append(tuple((f.name, getattr(view, f.name)) for f in dataclasses.fields(view)))
            out.append(type(view))
    return tuple(out)


def outcome(decode: Any, payload: bytes) -> tuple[Any, ...]:
    try:
        return ("link", read(decode(payload)))
    except DecodeError as e:
        return ("error", str(e), e.offset, tuple(getattr(e, "__notes__", ())))


def learned(payload: bytes) -> Link:
    for _ in range(2):
        _layout.parse_link(payload)
    lk = _layout.parse_link(payload)
    lay = _layout.cached(payload)
    assert lay is not None and lk.offsets is lay.offsets  # from the layout
    return lk


def test_every_reply_reads_the_same_from_its_layout() -> None:
    for raw in REPLIES:
        assert read(learned(raw)) == read(_decode.parse_link(raw))
    kinds = {(lk.kind, lk.slave_kind) for lk in map(_decode.parse_link, REPLIES)}
    assert {("bridge", None), ("vxlan", None), ("veth", "bridge"), ("tun", None)} <= kinds


def filled(lk: Link) -> bool:
    """Whether Link's details are set (read past Link's __getattr__): all or none."""
    got = set()
    for name in _types.DETAIL_NAMES:
        try:
            _types._Details.__dict__[name].__get__(lk, Link)
        except AttributeError:
            continue
        got.add(name)
    assert got in (set(), set(_types.DETAIL_NAMES))
    return bool(got)


def test_the_layout_fills_the_details_and_plans_the_kind_data() -> None:
    planned = 0
    for raw in REPLIES:
        lk = learned(raw)
        lay = _layout.cached(raw)
        assert lay is not None
        assert not filled(lk)  # left to the first read, from the layout (lk._layout)
        lk.min_mtu  # noqa: B018 - fills them all
        assert filled(lk)
        assert read(lk) == read(_decode.parse_link(raw))
        if lay.details:
            assert _types._layout_of(learned(raw)) is lay
        # the details are left to each Link only when it has altnames
        assert lay.details == (not lk.offsets[IFLA.PROP_LIST])
        assert not filled(_decode.parse_link(raw))  # the plain decoder leaves them
        planned += lay.info_plan is not None or lay.port_plan is not None
    assert planned >= 4  # bridge, its port, vxlan, tun, macvlan


@settings(max_examples=300, deadline=None)
@given(data=st.data())
def test_any_bytes_changed_read_the_same_from_a_layout(data: st.DataObject) -> None:
    raw = data.draw(st.sampled_from(REPLIES))
    learned(raw)
    out = bytearray(raw)
    for _ in range(data.draw(st.integers(1, 8))):
        at = data.draw(st.integers(16, len(raw) - 1))
        out[at] = data.draw(st.integers(0, 255))
    changed = bytes(out)
    assert outcome(_layout.parse_link, changed) == outcome(_decode.parse_link, changed)


def test_a_malformed_detail_fails_on_reading_as_before() -> None:
    raw = REPLIES[1]
    lk = _decode.parse_link(raw)
    o = lk.offsets[IFLA.MIN_MTU]
    assert o
    # MIN_MTU's header says 5 bytes: the attribute keeps its padded size (8)
    bad = raw[:o] + struct.pack("=H", 5) + raw[o + 2 :]
    got = _decode.parse_link(bad)
    with pytest.raises(DecodeError, match="MIN_MTU payload is 1 bytes"):
        got.max_mtu  # noqa: B018 - the details decode together
    assert outcome(_layout.parse_link, bad) == outcome(_decode.parse_link, bad)


def test_a_link_without_its_details_decodes_them_from_raw() -> None:
    lk = _layout.parse_link(REPLIES[1])
    assert lk.qdisc is not None
    copies = (dataclasses.replace(lk), pickle.loads(pickle.dumps(lk)))  # noqa: S301 - our own
    for copy in copies:
        assert not filled(copy)
        assert read(copy) == read(lk)
    by_hand = Link(index=lk.index, name=lk.name, raw=lk.raw)
    details = [n for n in PROPERTIES if n not in ("up", "lower_up", "flag_names")]
    assert [getattr(by_hand, n) for n in details] == [getattr(lk, n) for n in details]
    assert Link(index=1, name="x").min_mtu is None
    assert Link(index=1, name="x").alt_names == ()
    with pytest.raises(AttributeError, match="no attribute 'nonesuch'"):
        lk.nonesuch  # type: ignore[attr-defined]  # noqa: B018


def test_a_special_may_not_set_a_readers_field() -> None:
    from rawns.link._tuntap import TunInfo

    def _u32(payload: bytes, a: int, b: int) -> int:
        return 0

    with pytest.raises(ValueError, match="a special sets a field a reader sets"):
        _decode.NestTable(TunInfo, {1: ("owner", _u32)}, {2: lambda *a: None}, ("owner",))


def test_the_details_are_link_slots_in_their_order() -> None:
    """Link's details are _Details' slots, in DETAIL_NAMES' order, and no field."""
    assert tuple(_types._Details.__slots__) == _types.DETAIL_NAMES
    fields = {f.name for f in dataclasses.fields(Link)}
    assert not fields & set(_types.DETAIL_NAMES)
    assert len(_types.DETAIL_NAMES) == _types.D_ALT_NAMES + 1
    lk = Link(index=1, name="x")
    with pytest.raises(dataclasses.FrozenInstanceError):
        lk.min_mtu = 3  # type: ignore[misc]
