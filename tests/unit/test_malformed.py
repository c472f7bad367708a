"""Malformed input: every bad length is a DecodeError, never struct.error, IndexError or a hang.

A table of hand-made cases (each names what is wrong), then hypothesis: random
bytes and mutations of valid conversations fed to every decoder.
"""

from __future__ import annotations

import contextlib
import struct
from collections.abc import Callable
from typing import NamedTuple

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rawns._conversation import (
    NLM_F_ACK_TLVS,
    NLM_F_CAPPED,
    NLM_F_DUMP_INTR,
    NLM_F_MULTI,
    NLMSG_DONE,
    NLMSG_ERROR,
    NLMSGERR_ATTR_MISS_TYPE,
    NLMSGERR_ATTR_MSG,
    NLMSGERR_ATTR_OFFS,
    Conversation,
    Error,
)
from rawns._wire import (
    NLA_F_NESTED,
    Attr,
    attr_be16,
    attr_be32,
    attr_be64,
    attr_s32,
    attr_str,
    attr_u8,
    attr_u16,
    attr_u32,
    attr_u64,
    iter_attrs,
    iter_messages,
    parse_attrs,
    parse_messages,
)
from rawns.errors import DecodeError

# ---------------------------------------------------------------------------
# byte builders (deliberately able to lie about lengths)


def hdr(length: int, mtype: int = 16, flags: int = 0, seq: int = 1, pid: int = 0) -> bytes:
    return struct.pack("=IHHII", length, mtype, flags, seq, pid)


def msg(mtype: int, body: bytes, flags: int = 0, seq: int = 1, pid: int = 0) -> bytes:
    n = 16 + len(body)
    return hdr(n, mtype, flags, seq, pid) + body + b"\0" * (-n & 3)


def nla(length: int, atype: int) -> bytes:
    return struct.pack("=HH", length, atype)


def attr(atype: int, value: bytes) -> bytes:
    n = 4 + len(value)
    return nla(n, atype) + value + b"\0" * (-n & 3)


def s32(v: int) -> bytes:
    return struct.pack("=i", v)


REQ = hdr(32, 16, 0x405, 1, 0)  # the echoed request header: RTM_NEWLINK, 32 bytes


def nlerr(body: bytes, flags: int = NLM_F_CAPPED, seq: int = 1) -> bytes:
    return msg(NLMSG_ERROR, body, flags, seq)


def capped_err(tlvs: bytes, err: int = -22) -> bytes:
    return nlerr(s32(err) + REQ + tlvs, NLM_F_CAPPED | NLM_F_ACK_TLVS)


def done(body: bytes, flags: int = NLM_F_MULTI | NLM_F_ACK_TLVS, seq: int = 1) -> bytes:
    return msg(NLMSG_DONE, body, flags, seq)


VALID_ATTR = attr(1, b"\x01\x02\x03\x04")
VALID_MSG = msg(16, bytes(16) + attr(3, b"lo\0"))
ACK = nlerr(s32(0) + REQ)


# ---------------------------------------------------------------------------
# targets: how a case's bytes are fed


def t_messages(raw: bytes) -> None:
    parse_messages(raw)


def t_iter_messages(raw: bytes) -> None:
    for _ in iter_messages(raw):
        pass


def t_attrs(raw: bytes) -> None:
    parse_attrs(raw)


def parse_tree(raw: bytes, start: int = 0, end: int | None = None) -> None:
    """Parse attributes and recurse into every NLA_F_NESTED one."""
    for t, a, b in iter_attrs(raw, start, end):
        if t & NLA_F_NESTED:
            parse_tree(raw, a, b)


def t_nested(raw: bytes) -> None:
    parse_tree(raw)


def t_nested_in_message(raw: bytes) -> None:
    for m in parse_messages(raw):
        parse_tree(m.payload, 16)  # after the ifinfomsg


def decoder(fn: Callable[[bytes, int, int], object]) -> Callable[[bytes], None]:
    def feed(raw: bytes) -> None:
        for _, a, b in iter_attrs(raw):
            fn(raw, a, b)

    feed.__name__ = f"t_{fn.__name__}"
    return feed


def t_conv(raw: bytes) -> None:
    conv = Conversation(port=0)
    conv.expect(1)
    conv.expect(2)
    conv.receive(raw)


def t_conv_dump(raw: bytes) -> None:
    conv = Conversation(port=0)
    conv.expect(1, dump=True)
    conv.receive(raw)


class Case(NamedTuple):
    id: str
    target: Callable[[bytes], object]
    raw: bytes


CASES = [
    # -- nlmsghdr -----------------------------------------------------------
    Case("msg: 1 byte", t_messages, b"\x10"),
    Case("msg: truncated header (15 bytes)", t_messages, VALID_MSG[:15]),
    Case("msg: truncated header via iter_messages", t_iter_messages, hdr(16)[:8]),
    Case("msg: nlmsg_len 0 (would loop)", t_messages, hdr(0)),
    Case("msg: nlmsg_len 0 via iter_messages", t_iter_messages, hdr(0) + bytes(16)),
    Case("msg: nlmsg_len 1", t_messages, hdr(1) + bytes(4)),
    Case("msg: nlmsg_len 15 < 16", t_messages, hdr(15)),
    Case("msg: nlmsg_len 17 past a 16-byte buffer", t_messages, hdr(17)),
    Case("msg: nlmsg_len 0xFFFFFFFF", t_messages, hdr(0xFFFFFFFF) + bytes(16)),
    Case("msg: nlmsg_len 1024 in 40 bytes", t_messages, hdr(1024) + bytes(24)),
    Case("msg: valid then truncated header", t_messages, VALID_MSG + hdr(16)[:12]),
    Case("msg: valid then nlmsg_len 0", t_messages, VALID_MSG + hdr(0)),
    Case("msg: valid then length past end", t_messages, VALID_MSG + hdr(64) + bytes(8)),
    Case("msg: unaligned first then stray bytes", t_messages, hdr(17) + b"x\0\0\0" + b"ab"),
    # -- attributes ---------------------------------------------------------
    Case("attr: 1 byte", t_attrs, b"\x04"),
    Case("attr: truncated header (3 bytes)", t_attrs, nla(4, 1)[:3]),
    Case("attr: nla_len 0 (zero-length loop)", t_attrs, nla(0, 1)),
    Case("attr: nla_len 0 with room after", t_attrs, nla(0, 1) + VALID_ATTR),
    Case("attr: nla_len 1", t_attrs, nla(1, 1) + bytes(4)),
    Case("attr: nla_len 3", t_attrs, nla(3, 1)),
    Case("attr: nla_len 8 past a 4-byte buffer", t_attrs, nla(8, 1)),
    Case("attr: nla_len 0xFFFF", t_attrs, nla(0xFFFF, 1) + bytes(60)),
    Case("attr: valid then 2 stray bytes", t_attrs, VALID_ATTR + b"\x01\x00"),
    Case("attr: valid then zero-length attr", t_attrs, VALID_ATTR + nla(0, 2)),
    Case("attr: valid then one past the end", t_attrs, VALID_ATTR + nla(9, 2) + bytes(4)),
    Case("attr: end past the buffer", lambda raw: parse_attrs(raw, 0, 12), VALID_ATTR),
    # -- nesting ------------------------------------------------------------
    Case(
        "nest: inner runs past its container",
        t_nested,
        nla(12, 1 | NLA_F_NESTED) + nla(12, 2) + bytes(4) + VALID_ATTR,
    ),
    Case(
        "nest: inner length 0",
        t_nested,
        nla(12, 1 | NLA_F_NESTED) + nla(0, 2) + bytes(4),
    ),
    Case(
        "nest: inner length 2",
        t_nested,
        nla(8, 1 | NLA_F_NESTED) + nla(2, 2),
    ),
    Case(
        "nest: outer too short for the inner header",
        t_nested,
        nla(6, 1 | NLA_F_NESTED) + nla(8, 2) + bytes(4),
    ),
    Case(
        "nest: stray bytes inside the container",
        t_nested,
        nla(14, 1 | NLA_F_NESTED) + attr(2, b"") + b"\x05\x00" + b"\0\0",
    ),
    Case(
        "nest: third level runs past the second",
        t_nested,
        nla(28, 1 | NLA_F_NESTED)
        + nla(12, 2 | NLA_F_NESTED)
        + nla(16, 3)
        + bytes(4)
        + attr(4, b"\0" * 8),
    ),
    Case(
        "nest: outer runs past the buffer",
        t_nested,
        nla(64, 1 | NLA_F_NESTED) + VALID_ATTR,
    ),
    Case(
        "nest: bad nesting inside a message",
        t_nested_in_message,
        msg(16, bytes(16) + nla(12, 18 | NLA_F_NESTED) + nla(20, 1) + bytes(4)),
    ),
    Case(
        "nest: Attr.nested() on a bad payload",
        lambda raw: [a.nested() for a in parse_attrs(raw)],
        attr(1 | NLA_F_NESTED, nla(0, 1)),
    ),
    # -- payload decoders ---------------------------------------------------
    Case("u8: empty payload", decoder(attr_u8), attr(1, b"")),
    Case("u16: 1-byte payload", decoder(attr_u16), attr(1, b"\x01")),
    Case("u16: 4-byte payload", decoder(attr_u16), attr(1, b"\x01\0\0\0")),
    Case("u32: 3-byte payload", decoder(attr_u32), attr(1, b"\x01\0\0")),
    Case("u32: 5-byte payload", decoder(attr_u32), attr(1, b"\x01\0\0\0\0")),
    Case("u32: empty payload", decoder(attr_u32), attr(1, b"")),
    Case("s32: 2-byte payload", decoder(attr_s32), attr(1, b"\xff\xff")),
    Case("u64: 4-byte payload", decoder(attr_u64), attr(1, bytes(4))),
    Case("be16: 3-byte payload", decoder(attr_be16), attr(1, bytes(3))),
    Case("be32: empty payload", decoder(attr_be32), attr(1, b"")),
    Case("be64: 7-byte payload", decoder(attr_be64), attr(1, bytes(7))),
    # -- NLMSG_ERROR --------------------------------------------------------
    Case("error: empty payload", t_conv, nlerr(b"")),
    Case("error: only the error code", t_conv, nlerr(s32(-17))),
    Case("error: echoed header truncated (19 bytes)", t_conv, nlerr(s32(-17) + REQ[:15])),
    Case("error: positive error code", t_conv, nlerr(s32(17) + REQ)),
    Case("error: error code below -MAX_ERRNO", t_conv, nlerr(s32(-(2**31)) + REQ)),
    Case("error: ack with positive code", t_conv, nlerr(s32(1) + REQ)),
    Case(
        "error: uncapped, echoed length 0",
        t_conv,
        nlerr(s32(-17) + hdr(0), flags=0),
    ),
    Case(
        "error: uncapped, echoed length 15",
        t_conv,
        nlerr(s32(-17) + hdr(15), flags=0),
    ),
    Case(
        "error: uncapped, echoed request past the payload",
        t_conv,
        nlerr(s32(-17) + hdr(100) + bytes(16), flags=0),
    ),
    Case(
        "error: uncapped ack, echoed request past the payload",
        t_conv,
        nlerr(s32(0) + hdr(36), flags=0),
    ),
    Case(
        "error: uncapped with TLVs, request past the payload",
        t_conv,
        nlerr(s32(-22) + hdr(64) + attr(NLMSGERR_ATTR_MSG, b"bad\0"), flags=NLM_F_ACK_TLVS),
    ),
    # -- extended ACK TLVs --------------------------------------------------
    Case("extack: TLV length 0", t_conv, capped_err(nla(0, NLMSGERR_ATTR_MSG))),
    Case("extack: TLV length 2", t_conv, capped_err(nla(2, NLMSGERR_ATTR_MSG))),
    Case("extack: MSG runs past the message", t_conv, capped_err(nla(40, 1) + b"abcd")),
    Case("extack: truncated TLV header", t_conv, capped_err(attr(1, b"hi\0") + b"\x08\x00")),
    Case("extack: OFFS with 2 bytes", t_conv, capped_err(attr(NLMSGERR_ATTR_OFFS, b"\0\0"))),
    Case(
        "extack: MISS_TYPE with 8 bytes",
        t_conv,
        capped_err(attr(NLMSGERR_ATTR_MISS_TYPE, bytes(8))),
    ),
    Case(
        "extack: bad TLV after a good one",
        t_conv,
        capped_err(attr(NLMSGERR_ATTR_MSG, b"ok\0") + nla(0, NLMSGERR_ATTR_OFFS)),
    ),
    Case(
        "extack: bad TLVs on an ack",
        t_conv,
        capped_err(nla(1, NLMSGERR_ATTR_MSG), err=0),
    ),
    Case(
        "extack: uncapped, bad TLV after the echoed request",
        t_conv,
        nlerr(s32(-22) + REQ + bytes(16) + nla(3, 1), flags=NLM_F_ACK_TLVS),
    ),
    # -- NLMSG_DONE ---------------------------------------------------------
    Case("done: truncated TLV header", t_conv_dump, done(s32(-22) + b"\x08\x00")),
    Case("done: zero-length TLV", t_conv_dump, done(s32(-22) + nla(0, NLMSGERR_ATTR_MSG))),
    Case("done: TLV past the message", t_conv_dump, done(s32(-22) + nla(32, 1) + b"abcd")),
    Case(
        "done: OFFS with 3 bytes",
        t_conv_dump,
        done(s32(-22) + attr(NLMSGERR_ATTR_OFFS, bytes(3))),
    ),
    Case("done: 2-byte error code", t_conv_dump, hdr(18, NLMSG_DONE, NLM_F_MULTI) + b"\0\0"),
    Case("done: error code below -MAX_ERRNO", t_conv_dump, done(s32(-100000), flags=0)),
    # -- whole datagrams through the conversation ---------------------------
    Case("conv: nlmsg_len < 16", t_conv, hdr(8, NLMSG_ERROR)),
    Case("conv: ack then truncated header", t_conv, ACK + hdr(20)[:10]),
    Case("conv: ack then length past end", t_conv, ACK + hdr(200, NLMSG_ERROR, seq=2)),
    Case(
        "conv: dump part then broken DONE",
        t_conv_dump,
        msg(16, bytes(16), NLM_F_MULTI | NLM_F_DUMP_INTR) + done(s32(-1) + nla(0, 1)),
    ),
]


def test_there_are_at_least_40_cases() -> None:
    assert len(CASES) >= 40
    assert len({c.id for c in CASES}) == len(CASES)


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_malformed_input_raises_decode_error(case: Case) -> None:
    with pytest.raises(DecodeError) as info:
        case.target(case.raw)
    assert type(info.value) is DecodeError
    assert str(info.value)


def test_decode_error_reports_the_offset() -> None:
    with pytest.raises(DecodeError) as info:
        parse_messages(VALID_MSG + hdr(0))
    assert info.value.offset == len(VALID_MSG)
    assert f"at byte {len(VALID_MSG)}" in str(info.value)


def test_valid_neighbours_of_the_cases_parse() -> None:
    # The builders above are right: fixed-up versions of some cases decode.
    assert len(parse_messages(VALID_MSG + VALID_MSG)) == 2
    parse_tree(nla(12, 1 | NLA_F_NESTED) + nla(8, 2) + bytes(4))
    conv = Conversation()
    conv.expect(1)
    (ev,) = conv.receive(
        capped_err(attr(NLMSGERR_ATTR_MSG, b"bad\0") + attr(NLMSGERR_ATTR_OFFS, s32(20)))
    )
    assert ev == Error(1, 22, "bad", 20, None, 16)


# ---------------------------------------------------------------------------
# hypothesis: nothing but DecodeError escapes

FUZZ = settings(
    max_examples=400,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

ALL_DECODERS = (
    attr_u8,
    attr_u16,
    attr_u32,
    attr_s32,
    attr_u64,
    attr_be16,
    attr_be32,
    attr_be64,
    attr_str,
)


def walk_attrs(raw: bytes, start: int, end: int, depth: int = 0) -> None:
    """Parse attributes, run every decoder on every payload, recurse into every payload."""
    try:
        found = list(iter_attrs(raw, start, end))
    except DecodeError:
        return
    assert parse_attrs(raw, start, end) == [Attr(t, raw[a:b]) for t, a, b in found]
    for _, a, b in found:
        for fn in ALL_DECODERS:
            with contextlib.suppress(DecodeError):
                fn(raw, a, b)
        if depth < 8 and b - a >= 4:
            walk_attrs(raw, a, b, depth + 1)


def decode_everything(raw: bytes) -> None:
    """Every decoder over ``raw``; only DecodeError may come out."""
    try:
        msgs = parse_messages(raw)
    except DecodeError:
        msgs = []
    for m in msgs:
        for hlen in (0, 4, 8, 12, 16):
            walk_attrs(m.payload, hlen, len(m.payload))
    walk_attrs(raw, 0, len(raw))
    for port in (0, 1234):
        conv = Conversation(port)
        for seq in range(4):
            conv.expect(seq, dump=bool(seq & 1))
        try:
            events = conv.receive(raw)
        except DecodeError:
            continue
        for ev in events:
            if isinstance(ev, Error):
                assert 0 < ev.errno <= 4095


def valid_stream_messages() -> st.SearchStrategy[bytes]:
    """One valid message of the kinds a conversation sees, with seq 0..3."""
    seqs = st.integers(0, 3)
    pids = st.sampled_from([0, 1234, 99])
    text = st.binary(max_size=12).map(lambda b: b.replace(b"\0", b"") + b"\0")
    tlvs = st.lists(
        st.one_of(
            text.map(lambda t: attr(NLMSGERR_ATTR_MSG, t)),
            st.integers(0, 0xFFFFFFFF).map(
                lambda v: attr(NLMSGERR_ATTR_OFFS, struct.pack("=I", v))
            ),
            st.integers(0, 0xFFFF).map(
                lambda v: attr(NLMSGERR_ATTR_MISS_TYPE, struct.pack("=I", v))
            ),
            st.binary(max_size=8).map(lambda v: attr(4 | NLA_F_NESTED, attr(1, v))),
        ),
        max_size=4,
    ).map(b"".join)
    request = st.binary(max_size=24).map(lambda b: hdr(16 + len(b), 16, 5, 1, 0) + b)

    @st.composite
    def one(draw: st.DrawFn) -> bytes:
        seq, pid = draw(seqs), draw(pids)
        kind = draw(st.sampled_from(["ack", "err", "err_full", "part", "done", "done_err", "noop"]))
        if kind == "ack":
            return msg(NLMSG_ERROR, s32(0) + REQ, NLM_F_CAPPED, seq, pid)
        if kind == "err":
            return msg(
                NLMSG_ERROR,
                s32(-draw(st.integers(1, 133))) + REQ + draw(tlvs),
                NLM_F_CAPPED | NLM_F_ACK_TLVS,
                seq,
                pid,
            )
        if kind == "err_full":
            req = draw(request)
            body = s32(-1) + req + b"\0" * (-len(req) & 3) + draw(tlvs)
            return msg(NLMSG_ERROR, body, NLM_F_ACK_TLVS, seq, pid)
        if kind == "part":
            body = bytes(16) + attr(3, b"veth0\0") + attr(18 | NLA_F_NESTED, attr(1, b"veth\0"))
            flags = NLM_F_MULTI | draw(st.sampled_from([0, NLM_F_DUMP_INTR]))
            return msg(16, body, flags, seq, pid)
        if kind == "done":
            return msg(NLMSG_DONE, s32(0), NLM_F_MULTI, seq, pid)
        if kind == "done_err":
            return msg(NLMSG_DONE, s32(-95) + draw(tlvs), NLM_F_MULTI | NLM_F_ACK_TLVS, seq, pid)
        return msg(1, b"", 0, seq, pid)

    return one()


valid_datagrams = st.lists(valid_stream_messages(), min_size=1, max_size=5).map(b"".join)


@st.composite
def mutated(draw: st.DrawFn) -> bytes:
    data = bytearray(draw(valid_datagrams))
    for _ in range(draw(st.integers(1, 4))):
        op = draw(st.sampled_from(["flip", "byte", "truncate", "delete", "insert", "len"]))
        if not data:
            break
        i = draw(st.integers(0, len(data) - 1))
        if op == "flip":
            data[i] ^= 1 << draw(st.integers(0, 7))
        elif op == "byte":
            data[i] = draw(st.integers(0, 255))
        elif op == "truncate":
            del data[i:]
        elif op == "delete":
            del data[i : i + draw(st.integers(1, 4))]
        elif op == "insert":
            data[i:i] = draw(st.binary(min_size=1, max_size=4))
        else:  # rewrite a 16-bit word: hits nla_len and nlmsg_len fields directly
            if i + 2 <= len(data):
                data[i : i + 2] = struct.pack("=H", draw(st.sampled_from([0, 1, 3, 4, 0xFFFF])))
    return bytes(data)


@FUZZ
@given(st.binary(max_size=200))
def test_random_bytes_only_raise_decode_error(raw: bytes) -> None:
    decode_everything(raw)


@FUZZ
@given(mutated())
def test_mutated_valid_messages_only_raise_decode_error(raw: bytes) -> None:
    decode_everything(raw)


@settings(max_examples=150, deadline=None)
@given(valid_datagrams)
def test_unmutated_stream_decodes(raw: bytes) -> None:
    # The generator itself makes valid datagrams: no DecodeError at all.
    parse_messages(raw)
    conv = Conversation(1234)
    for seq in range(4):
        conv.expect(seq, dump=True)
    for ev in conv.receive(raw):
        assert ev.seq in range(4)
