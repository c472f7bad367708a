"""The wire codec: round trips of attributes, nested trees, messages and batches.

Two directions, as in rust-netlink: ``parse(build(x)) == x`` for values, and
``build(parse(raw)) == raw`` for bytes produced by an independent reference
encoder written here with plain ``struct`` (so a bug shared by the builder
and the parser cannot hide).
"""

from __future__ import annotations

import doctest
import struct
import sys
from dataclasses import dataclass

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rawns import _wire
from rawns._wire import (
    NLA_F_NESTED,
    NLA_F_NET_BYTEORDER,
    NLA_TYPE_MASK,
    NLMSG_HDRLEN,
    Attr,
    Message,
    Writer,
    align,
    attr_be16,
    attr_be32,
    attr_be64,
    attr_s32,
    attr_str,
    attr_u8,
    attr_u16,
    attr_u32,
    attr_u64,
    batch,
    build_attrs,
    build_message,
    build_messages,
    iter_attrs,
    iter_messages,
    parse_attrs,
    parse_messages,
)

SETTINGS = settings(max_examples=200, deadline=None)

u8 = st.integers(0, 0xFF)
u16 = st.integers(0, 0xFFFF)
u32 = st.integers(0, 0xFFFFFFFF)
u64 = st.integers(0, 0xFFFFFFFFFFFFFFFF)
s32 = st.integers(-(2**31), 2**31 - 1)
kind = st.integers(0, NLA_TYPE_MASK)
payload = st.binary(max_size=40)


# ---------------------------------------------------------------------------
# A reference encoder, independent of Writer


def ref_attr(atype: int, value: bytes) -> bytes:
    n = 4 + len(value)
    return struct.pack("=HH", n, atype) + value + b"\0" * (-n & 3)


def ref_message(mtype: int, flags: int, seq: int, pid: int, body: bytes) -> bytes:
    n = 16 + len(body)
    return struct.pack("=IHHII", n, mtype, flags, seq, pid) + body + b"\0" * (-n & 3)


# ---------------------------------------------------------------------------
# Attribute trees: a leaf is raw bytes, a node is a nest of children


@dataclass(frozen=True)
class Leaf:
    type: int  # may carry NLA_F_NET_BYTEORDER, never NLA_F_NESTED
    value: bytes


@dataclass(frozen=True)
class Node:
    kind: int
    children: tuple[Leaf | Node, ...]


Tree = Leaf | Node

leaves = st.builds(
    Leaf,
    type=st.builds(lambda k, bo: k | (NLA_F_NET_BYTEORDER if bo else 0), kind, st.booleans()),
    value=payload,
)
trees: st.SearchStrategy[Tree] = st.recursive(
    leaves,
    lambda kids: st.builds(Node, kind=kind, children=st.lists(kids, max_size=5).map(tuple)),
    max_leaves=40,
)
forests = st.lists(trees, max_size=6).map(tuple)


def write_tree(w: Writer, t: Tree) -> None:
    if isinstance(t, Leaf):
        w.put(t.type, t.value)
    else:
        with w.nest(t.kind):
            for c in t.children:
                write_tree(w, c)


def build_forest(forest: tuple[Tree, ...]) -> bytes:
    w = Writer()
    for t in forest:
        write_tree(w, t)
    return bytes(w._buf)


def ref_forest(forest: tuple[Tree, ...]) -> bytes:
    out = b""
    for t in forest:
        if isinstance(t, Leaf):
            out += ref_attr(t.type, t.value)
        else:
            out += ref_attr(t.kind | NLA_F_NESTED, ref_forest(t.children))
    return out


def parse_forest(data: bytes) -> tuple[Tree, ...]:
    out: list[Tree] = []
    for a in parse_attrs(data):
        if a.is_nested:
            out.append(Node(a.kind, parse_forest(a.value)))
        else:
            out.append(Leaf(a.type, a.value))
    return tuple(out)


# ---------------------------------------------------------------------------
# Flat attributes

flat_attrs = st.lists(st.builds(Attr, type=u16, value=payload), max_size=12)


@SETTINGS
@given(flat_attrs)
def test_attrs_parse_of_build_is_identity(attrs: list[Attr]) -> None:
    assert parse_attrs(build_attrs(attrs)) == attrs


@SETTINGS
@given(flat_attrs)
def test_attrs_build_of_parse_reproduces_reference_bytes(attrs: list[Attr]) -> None:
    raw = b"".join(ref_attr(a.type, a.value) for a in attrs)
    assert build_attrs(parse_attrs(raw)) == raw


@SETTINGS
@given(flat_attrs)
def test_iter_attrs_offsets_point_at_payloads(attrs: list[Attr]) -> None:
    raw = build_attrs(attrs)
    got = list(iter_attrs(raw))
    assert [t for t, _, _ in got] == [a.type for a in attrs]
    for (_, a, b), attr in zip(got, attrs, strict=True):
        assert a % 4 == 0
        assert raw[a:b] == attr.value


@SETTINGS
@given(st.binary(max_size=16), flat_attrs, st.binary(max_size=16))
def test_parse_attrs_honours_start_and_end(head: bytes, attrs: list[Attr], tail: bytes) -> None:
    body = build_attrs(attrs)
    raw = head + body + tail
    assert parse_attrs(raw, len(head), len(head) + len(body)) == attrs


def test_unknown_attribute_types_and_flag_bits_are_kept() -> None:
    attrs = [Attr(0xFFFF, b"\x01\x02\x03"), Attr(NLA_F_NESTED | 7, b"junk"), Attr(0, b"")]
    assert parse_attrs(build_attrs(attrs)) == attrs
    a = attrs[1]
    assert a.kind == 7 and a.is_nested
    assert Attr(NLA_F_NET_BYTEORDER | 5, b"").kind == 5
    assert not Attr(NLA_F_NET_BYTEORDER | 5, b"").is_nested


def test_last_attribute_without_trailing_padding_is_accepted() -> None:
    # Captures sometimes stop at nla_len; the next attribute would start past the end.
    raw = struct.pack("=HH", 5, 1) + b"x"
    assert parse_attrs(raw) == [Attr(1, b"x")]
    assert build_attrs(parse_attrs(raw)) == raw + b"\0\0\0"


# ---------------------------------------------------------------------------
# Nested trees of arbitrary depth


@SETTINGS
@given(forests)
def test_tree_parse_of_build_is_identity(forest: tuple[Tree, ...]) -> None:
    assert parse_forest(build_forest(forest)) == forest


@SETTINGS
@given(forests)
def test_tree_writer_matches_reference_and_round_trips(forest: tuple[Tree, ...]) -> None:
    raw = ref_forest(forest)
    assert build_forest(forest) == raw
    assert build_attrs(parse_attrs(raw)) == raw  # lossless: nested payloads kept verbatim


@SETTINGS
@given(forests)
def test_nest_sets_flag_and_length_covers_children(forest: tuple[Tree, ...]) -> None:
    w = Writer()
    with w.nest(3):
        for t in forest:
            write_tree(w, t)
    raw = bytes(w._buf)
    (a,) = parse_attrs(raw)
    assert a.type == 3 | NLA_F_NESTED
    assert struct.unpack_from("=H", raw)[0] == len(raw)
    assert parse_forest(a.value) == forest


def test_attr_nested_method_decodes_payload() -> None:
    w = Writer()
    with w.nest(1):
        w.put_u32(2, 7)
        with w.nest(3):
            w.put_strz(4, "eth0")
    (outer,) = parse_attrs(bytes(w._buf))
    inner = outer.nested()
    assert inner[0] == Attr(2, struct.pack("=I", 7))
    assert inner[1].is_nested
    assert inner[1].nested() == [Attr(4, b"eth0\0")]


def test_deep_nesting_of_200_levels() -> None:
    t: Tree = Leaf(1, b"bottom")
    for i in range(200):
        t = Node(i % 50, (t,))
    assert parse_forest(build_forest((t,))) == (t,)


def test_nest_noflag_leaves_type_bits_alone() -> None:
    w = Writer()
    with w.nest_noflag(9):
        w.put_u8(1, 5)
    (a,) = parse_attrs(bytes(w._buf))
    assert a.type == 9
    assert a.nested() == [Attr(1, b"\x05")]


def test_empty_nest_is_a_bare_header() -> None:
    w = Writer()
    with w.nest(2):
        pass
    assert bytes(w._buf) == struct.pack("=HH", 4, 2 | NLA_F_NESTED)


# ---------------------------------------------------------------------------
# Messages and multi-message buffers

messages = st.builds(Message, type=u16, flags=u16, seq=u32, pid=u32, payload=st.binary(max_size=64))


@SETTINGS
@given(messages)
def test_message_parse_of_build_is_identity(m: Message) -> None:
    assert parse_messages(build_message(m)) == [m]


@SETTINGS
@given(st.lists(messages, max_size=8))
def test_buffer_parse_of_build_is_identity(msgs: list[Message]) -> None:
    raw = build_messages(msgs)
    assert len(raw) % 4 == 0
    assert parse_messages(raw) == msgs


@SETTINGS
@given(st.lists(messages, max_size=8))
def test_buffer_build_of_parse_reproduces_reference_bytes(msgs: list[Message]) -> None:
    raw = b"".join(ref_message(m.type, m.flags, m.seq, m.pid, m.payload) for m in msgs)
    assert build_messages(parse_messages(raw)) == raw


@SETTINGS
@given(st.lists(messages, min_size=1, max_size=8))
def test_iter_messages_yields_header_fields_and_payload_bounds(msgs: list[Message]) -> None:
    raw = build_messages(msgs)
    got = list(iter_messages(raw))
    assert len(got) == len(msgs)
    for (t, f, s, p, a, b), m in zip(got, msgs, strict=True):
        assert (t, f, s, p) == (m.type, m.flags, m.seq, m.pid)
        assert a % 4 == 0 and raw[a:b] == m.payload


def test_last_message_without_trailing_padding_is_accepted() -> None:
    raw = struct.pack("=IHHII", 17, 16, 0, 1, 0) + b"\x07"
    assert parse_messages(raw) == [Message(16, 0, 1, 0, b"\x07")]


def test_empty_buffer_has_no_messages() -> None:
    assert parse_messages(b"") == []
    assert parse_attrs(b"") == []


@SETTINGS
@given(
    mtype=u16,
    flags=u16,
    seq=u32,
    header=st.binary(max_size=20),
    forest=forests,
)
def test_writer_message_with_family_header_and_attrs(
    mtype: int, flags: int, seq: int, header: bytes, forest: tuple[Tree, ...]
) -> None:
    w = Writer()
    w.begin(mtype, flags=flags, seq=seq, pid=0)
    w.put_bytes_raw(header)
    for t in forest:
        write_tree(w, t)
    w.end()
    raw = w.data()
    hlen = align(len(header))
    body = header + b"\0" * (hlen - len(header)) + ref_forest(forest)
    assert raw == ref_message(mtype, flags, seq, 0, body)
    (m,) = parse_messages(raw)
    assert (m.type, m.flags, m.seq, m.pid) == (mtype, flags, seq, 0)
    assert m.payload[: len(header)] == header
    assert parse_forest(m.payload[hlen:]) == forest
    assert build_message(m) == raw


def test_writer_builds_several_messages_back_to_back() -> None:
    w = Writer()
    for seq in (1, 2, 3):
        w.begin(16, flags=1, seq=seq)
        w.put_bytes_raw(bytes(16))
        w.put_strz(3, f"veth{seq}")
        w.end()
    msgs = parse_messages(w.data())
    assert [m.seq for m in msgs] == [1, 2, 3]
    assert [parse_attrs(m.payload, 16) for m in msgs] == [
        [Attr(3, f"veth{s}\0".encode())] for s in (1, 2, 3)
    ]


def test_writer_misuse_is_a_runtime_error() -> None:
    w = Writer()
    with pytest.raises(RuntimeError):
        w.end()
    w.begin(16)
    with pytest.raises(RuntimeError):
        w.begin(16)
    with pytest.raises(RuntimeError):
        w.data()
    w.end()
    assert len(w.data()) == 16


def test_oversized_attributes_are_refused() -> None:
    w = Writer()
    w.put(1, bytes(0xFFFF - 4))  # exactly the largest nla_len
    with pytest.raises(ValueError, match="too long"):
        w.put(1, bytes(0xFFFF - 3))
    w = Writer()
    with pytest.raises(ValueError, match="65535"), w.nest(1):
        w.put(2, bytes(40000))
        w.put(3, bytes(40000))
    w = Writer()
    with pytest.raises(ValueError, match="65535"), w.nest_noflag(1):
        w.put(2, bytes(40000))
        w.put(3, bytes(40000))


def test_wire_doctests() -> None:
    failures, _ = doctest.testmod(_wire)
    assert failures == 0


# ---------------------------------------------------------------------------
# nfnetlink batches


@SETTINGS
@given(st.lists(messages, max_size=6), u32, u32)
def test_batch_decodes_to_begin_messages_end(msgs: list[Message], sb: int, se: int) -> None:
    raw = batch([build_message(m) for m in msgs], seq_begin=sb, seq_end=se)
    got = parse_messages(raw)
    assert len(got) == len(msgs) + 2
    begin, *middle, end = got
    nfgen = bytes((0, 0)) + struct.pack(">H", 10)  # AF_UNSPEC, V0, res_id=NFTABLES (BE)
    assert begin == Message(_wire.NFNL_MSG_BATCH_BEGIN, 1, sb, 0, nfgen)
    assert end == Message(_wire.NFNL_MSG_BATCH_END, 1, se, 0, nfgen)
    assert middle == msgs


def test_batch_golden_bytes() -> None:
    # As nft sends it: BEGIN/END are nlmsghdr (host order) + nfgenmsg whose
    # res_id is NFNL_SUBSYS_NFTABLES in network order.
    nfgen = b"\x00\x00\x00\x0a"
    raw = batch([b"MSG!"], seq_begin=1, seq_end=2)
    assert raw == (
        struct.pack("=IHHII", 20, 0x10, 1, 1, 0)
        + nfgen
        + b"MSG!"
        + struct.pack("=IHHII", 20, 0x11, 1, 2, 0)
        + nfgen
    )


# ---------------------------------------------------------------------------
# Alignment, padding and byte order


@given(st.integers(0, 1 << 20))
def test_align(n: int) -> None:
    a = align(n)
    assert a % 4 == 0 and n <= a < n + 4


@SETTINGS
@given(st.lists(st.tuples(kind, payload), max_size=10), st.binary(max_size=9))
def test_writer_keeps_four_byte_alignment_with_zero_padding(
    items: list[tuple[int, bytes]], raw_header: bytes
) -> None:
    w = Writer()
    w.put_bytes_raw(raw_header)
    assert len(w) % 4 == 0
    assert bytes(w._buf)[len(raw_header) :] == b"\0" * (len(w) - len(raw_header))
    for t, v in items:
        before = len(w)
        w.put(t, v)
        assert len(w) % 4 == 0
        assert len(w) - before == align(4 + len(v))
        assert bytes(w._buf)[before + 4 + len(v) :] == b"\0" * (-(4 + len(v)) & 3)


def _one(w: Writer) -> tuple[bytes, int, int]:
    raw = bytes(w._buf)
    ((_, a, b),) = iter_attrs(raw)
    return raw, a, b


@SETTINGS
@given(u8, u16, u32, u64, s32)
def test_host_order_integers_round_trip(a8: int, a16: int, a32: int, a64: int, a_s: int) -> None:
    for put, get, v, fmt in (
        (Writer.put_u8, attr_u8, a8, "=B"),
        (Writer.put_u16, attr_u16, a16, "=H"),
        (Writer.put_u32, attr_u32, a32, "=I"),
        (Writer.put_u64, attr_u64, a64, "=Q"),
        (Writer.put_s32, attr_s32, a_s, "=i"),
    ):
        w = Writer()
        put(w, 1, v)
        raw, a, b = _one(w)
        assert raw[a:b] == struct.pack(fmt, v)
        assert get(raw, a, b) == v


@SETTINGS
@given(u16, u32, u64)
def test_big_endian_integers_round_trip(a16: int, a32: int, a64: int) -> None:
    for put, get, v, n in (
        (Writer.put_be16, attr_be16, a16, 2),
        (Writer.put_be32, attr_be32, a32, 4),
        (Writer.put_be64, attr_be64, a64, 8),
    ):
        w = Writer()
        put(w, 1, v)
        raw, a, b = _one(w)
        assert raw[a:b] == v.to_bytes(n, "big")
        assert get(raw, a, b) == v


def test_byte_order_is_explicit() -> None:
    w = Writer()
    w.put_be32(1, 0x0A000001)  # 10.0.0.1 as nf_tables wants it
    w.put_u32(2, 0x0A000001)
    raw = bytes(w._buf)
    (_, a1, b1), (_, a2, b2) = iter_attrs(raw)
    assert raw[a1:b1] == b"\x0a\x00\x00\x01"
    assert raw[a2:b2] == (0x0A000001).to_bytes(4, sys.byteorder)
    assert attr_be32(raw, a1, b1) == attr_u32(raw, a2, b2) == 0x0A000001


@SETTINGS
@given(st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\0"), max_size=30))
def test_strings_round_trip(s: str) -> None:
    for put in (Writer.put_str, Writer.put_strz):
        w = Writer()
        put(w, 3, s)
        raw, a, b = _one(w)
        assert attr_str(raw, a, b) == s
    w = Writer()
    w.put_strz(3, s)
    raw, a, b = _one(w)
    assert raw[a:b] == s.encode() + b"\0"


def test_attr_str_stops_at_nul_and_keeps_bad_utf8() -> None:
    raw = ref_attr(1, b"eth0\0garbage")
    ((_, a, b),) = iter_attrs(raw)
    assert attr_str(raw, a, b) == "eth0"
    raw = ref_attr(1, b"\xff\xfe")
    ((_, a, b),) = iter_attrs(raw)
    assert attr_str(raw, a, b).encode("utf-8", "surrogateescape") == b"\xff\xfe"


def test_flag_attribute_is_header_only() -> None:
    w = Writer()
    w.put_flag(6)
    assert bytes(w._buf) == struct.pack("=HH", 4, 6)
    assert parse_attrs(bytes(w._buf)) == [Attr(6, b"")]


def test_put_attr_copies_raw_attribute() -> None:
    a = Attr(NLA_F_NET_BYTEORDER | 2, b"\x00\x50")
    w = Writer()
    w.put_attr(a)
    assert parse_attrs(bytes(w._buf)) == [a]


def test_header_length_constant() -> None:
    assert NLMSG_HDRLEN == 16
    assert NLA_TYPE_MASK == 0x3FFF


# ---------------------------------------------------------------------------
# One vocabulary: the bytes-returning nla_* and Writer.put_* write the same
# attribute, and rawns.nft._codec builds with them (re-exports, thin wrappers).


@given(st.integers(0, 0x3FFF), st.binary(max_size=300))
def test_nla_is_writer_put(atype: int, payload: bytes) -> None:
    w = Writer()
    w.put(atype, payload)
    assert _wire.nla(atype, payload) == w.data()
    w = Writer()
    with w.nest(atype):
        w.put_bytes_raw(_wire.nla(1, payload))
    assert _wire.nla_nest(atype, _wire.nla(1, payload)) == w.data()


@pytest.mark.parametrize("atype", [0, 1, 31, 32, 0x3FFF])
@given(
    value=st.integers(0, 2**64 - 1),
    text=st.text(alphabet=st.characters(min_codepoint=1, blacklist_categories=("Cs",))),
)
def test_nla_typed_helpers_are_writer_put(atype: int, value: int, text: str) -> None:
    cases = [
        (_wire.nla_u8, Writer.put_u8, value & 0xFF),
        (_wire.nla_be16, Writer.put_be16, value & 0xFFFF),
        (_wire.nla_be32, Writer.put_be32, value & 0xFFFFFFFF),
        (_wire.nla_be64, Writer.put_be64, value),
    ]
    for nla, put, v in cases:
        w = Writer()
        put(w, atype, v)
        assert nla(atype, v) == w.data(), nla.__name__
    w = Writer()
    w.put_strz(atype, text)
    assert _wire.nla_strz(atype, text) == w.data()


def test_one_header_struct_and_one_nlm_f() -> None:
    from rawns import _conversation, _rtnl
    from rawns.nft import _codec, _msg

    assert _conversation._HDR is _wire.NLMSGHDR
    assert _rtnl.NLM_F is _wire.NLM_F
    assert _msg.F_ACK == _wire.NLM_F.ACK and _msg.F_DUMP == _wire.NLM_F.DUMP
    assert _codec.attr is _wire.nla and _codec.nest is _wire.nla_nest
