"""The sans-I/O conversation: datagrams in, events out.

Hand-written exchanges for each message kind, then h11's piecewise property:
the same stream of messages, cut into datagrams in any grouping, gives the
same events (and matches a simple model of what each message means).
"""

from __future__ import annotations

import itertools
import struct

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rawns._conversation import (
    NLM_F_ACK_TLVS,
    NLM_F_CAPPED,
    NLM_F_DUMP_INTR,
    NLM_F_MULTI,
    NLMSG_DONE,
    NLMSG_ERROR,
    NLMSG_NOOP,
    NLMSG_OVERRUN,
    NLMSGERR_ATTR_MISS_TYPE,
    NLMSGERR_ATTR_MSG,
    NLMSGERR_ATTR_OFFS,
    Ack,
    Conversation,
    Done,
    Error,
    Event,
    Overrun,
    Reply,
)
from rawns._wire import NLA_F_NESTED

PORT = 4242
RTM_NEWLINK = 16
RTM_GETLINK = 18
NLM_F_REQUEST = 1
NLM_F_ACK = 4


# ---------------------------------------------------------------------------
# message builders


def msg(mtype: int, body: bytes, flags: int = 0, seq: int = 1, pid: int = PORT) -> bytes:
    n = 16 + len(body)
    return struct.pack("=IHHII", n, mtype, flags, seq, pid) + body + b"\0" * (-n & 3)


def attr(atype: int, value: bytes) -> bytes:
    n = 4 + len(value)
    return struct.pack("=HH", n, atype) + value + b"\0" * (-n & 3)


def s32(v: int) -> bytes:
    return struct.pack("=i", v)


def u32(v: int) -> bytes:
    return struct.pack("=I", v)


def request(seq: int, body: bytes = bytes(16), mtype: int = RTM_NEWLINK) -> bytes:
    """A request as we sent it (pid 0: the kernel fills in ours)."""
    n = 16 + len(body)
    return struct.pack("=IHHII", n, mtype, NLM_F_REQUEST | NLM_F_ACK, seq, 0) + body


def tlvs(
    text: str | None = None, offs: int | None = None, miss: int | None = None, extra: bytes = b""
) -> bytes:
    out = b""
    if text is not None:
        out += attr(NLMSGERR_ATTR_MSG, text.encode() + b"\0")
    if offs is not None:
        out += attr(NLMSGERR_ATTR_OFFS, u32(offs))
    if miss is not None:
        out += attr(NLMSGERR_ATTR_MISS_TYPE, u32(miss))
    return out + extra


def ack(seq: int, pid: int = PORT, ext: bytes = b"") -> bytes:
    """What the kernel sends for success: capped, optionally with warning TLVs."""
    flags = NLM_F_CAPPED | (NLM_F_ACK_TLVS if ext else 0)
    return msg(NLMSG_ERROR, s32(0) + request(seq)[:16] + ext, flags, seq, pid)


def error(
    seq: int,
    errno: int,
    ext: bytes = b"",
    *,
    capped: bool = True,
    req: bytes | None = None,
    pid: int = PORT,
) -> bytes:
    """An NLMSG_ERROR: capped (header only) or echoing the whole request, then TLVs."""
    req = request(seq) if req is None else req
    echoed = req[:16] if capped else req + b"\0" * (-len(req) & 3)
    flags = (NLM_F_CAPPED if capped else 0) | (NLM_F_ACK_TLVS if ext else 0)
    return msg(NLMSG_ERROR, s32(-errno) + echoed + ext, flags, seq, pid)


def part(seq: int, name: bytes = b"lo", *, intr: bool = False, pid: int = PORT) -> bytes:
    body = bytes(16) + attr(3, name + b"\0")
    return msg(RTM_NEWLINK, body, NLM_F_MULTI | (NLM_F_DUMP_INTR if intr else 0), seq, pid)


def done(seq: int, err: int = 0, ext: bytes = b"", *, intr: bool = False, pid: int = PORT) -> bytes:
    flags = NLM_F_MULTI | (NLM_F_ACK_TLVS if ext else 0) | (NLM_F_DUMP_INTR if intr else 0)
    return msg(NLMSG_DONE, s32(-err) + ext, flags, seq, pid)


def conv_expecting(*seqs: int, dump: bool = False, port: int = PORT) -> Conversation:
    c = Conversation(port)
    for s in seqs:
        c.expect(s, dump=dump)
    return c


# ---------------------------------------------------------------------------
# sequence numbers


def test_sequence_numbers_start_at_one_and_count_up() -> None:
    c = Conversation()
    assert [c.next_seq() for _ in range(3)] == [1, 2, 3]


def test_sequence_numbers_wrap_past_zero() -> None:
    c = Conversation(first_seq=0xFFFFFFFE)
    assert [c.next_seq() for _ in range(4)] == [0xFFFFFFFE, 0xFFFFFFFF, 1, 2]


@pytest.mark.parametrize("bad", [0, -1, 1 << 32])
def test_first_seq_out_of_range_is_refused(bad: int) -> None:
    with pytest.raises(ValueError, match="first_seq"):
        Conversation(first_seq=bad)


@settings(max_examples=100, deadline=None)
@given(st.integers(1, 0xFFFFFFFF), st.integers(1, 300))
def test_sequence_numbers_are_never_zero_and_fit_u32(first: int, n: int) -> None:
    c = Conversation(first_seq=first)
    seqs = [c.next_seq() for _ in range(n)]
    assert all(0 < s <= 0xFFFFFFFF for s in seqs)
    assert len(set(seqs)) == n


@settings(max_examples=200, deadline=None)
@given(st.integers(1, 0xFFFFFFFF), st.lists(st.integers(0, 300), max_size=5), st.integers(0, 3))
def test_expect_many_is_a_run_of_fresh_outstanding_numbers(
    first: int, runs: list[int], singles: int
) -> None:
    """Runs and single numbers interleaved: never 0, within u32, never repeated while
    outstanding, each run one range, every number pending as a request."""
    c = Conversation(first_seq=first)
    seen: list[int] = []
    for n in runs:
        seqs = c.expect_many(n)
        assert isinstance(seqs, range) and len(seqs) == n and seqs.step == 1
        seen += seqs
        seen += [c.next_seq() for _ in range(singles)]
    assert all(0 < s <= 0xFFFFFFFF for s in seen)
    assert len(set(seen)) == len(seen)
    assert c.outstanding() == sum(runs)


def test_expect_many_starts_again_at_one_rather_than_wrap_inside_a_run() -> None:
    c = Conversation(first_seq=0xFFFFFFFE)
    assert list(c.expect_many(2)) == [0xFFFFFFFE, 0xFFFFFFFF]
    assert c.next_seq() == 1
    c = Conversation(first_seq=0xFFFFFFFE)
    assert list(c.expect_many(3)) == [1, 2, 3]
    assert c.next_seq() == 4
    assert list(c.expect_many(0)) == [] and c.next_seq() == 5


@pytest.mark.parametrize("bad", [-1, 1 << 32])
def test_expect_many_refuses_impossible_counts(bad: int) -> None:
    with pytest.raises(ValueError, match="n must be"):
        Conversation().expect_many(bad)


def test_a_run_is_answered_like_single_requests() -> None:
    c = Conversation(PORT)
    a, b = c.expect_many(2)
    events = c.receive(ack(b) + error(a, 17))
    assert [(type(e).__name__, e.seq) for e in events] == [("Ack", b), ("Error", a)]
    assert c.outstanding() == 0 and c.dropped == 0


# ---------------------------------------------------------------------------
# ACKs and errors


def test_ack_completes_the_request() -> None:
    c = conv_expecting(7)
    assert c.is_pending(7) and c.outstanding() == 1
    assert c.receive(ack(7)) == [Ack(7)]
    assert not c.is_pending(7) and c.outstanding() == 0
    assert c.dropped == 0


def test_ack_with_warning_tlvs_is_still_an_ack() -> None:
    c = conv_expecting(7)
    assert c.receive(ack(7, ext=tlvs("warning: ignored"))) == [Ack(7)]


def test_capped_error_with_full_extack() -> None:
    c = conv_expecting(3)
    ext = tlvs("Attribute failed policy validation", offs=36, miss=27)
    assert c.receive(error(3, 22, ext)) == [
        Error(3, 22, "Attribute failed policy validation", 36, 27, RTM_NEWLINK)
    ]
    assert c.outstanding() == 0


@pytest.mark.parametrize("body_len", [0, 1, 2, 3, 4, 16, 17, 61])
def test_uncapped_error_skips_the_echoed_request(body_len: int) -> None:
    # Without NETLINK_CAP_ACK the kernel echoes the whole request, padded to 4.
    req = request(3, bytes(range(body_len)), mtype=RTM_GETLINK)
    c = conv_expecting(3)
    (ev,) = c.receive(error(3, 19, tlvs("no such device", offs=20), capped=False, req=req))
    assert ev == Error(3, 19, "no such device", 20, None, RTM_GETLINK)


def test_error_without_ack_tlvs_has_no_extack() -> None:
    c = conv_expecting(3, 4)
    ev = c.receive(error(3, 17) + error(4, 1, capped=False))
    assert ev == [Error(3, 17, None, None, None, 16), Error(4, 1, None, None, None, 16)]


def test_tlvs_are_ignored_without_the_ack_tlvs_flag() -> None:
    # Same bytes, flag cleared: the kernel did not claim TLVs, so none are read.
    body = s32(-17) + request(3)[:16] + tlvs("nope")
    c = conv_expecting(3)
    (ev,) = c.receive(msg(NLMSG_ERROR, body, NLM_F_CAPPED, 3))
    assert ev == Error(3, 17, None, None, None, RTM_NEWLINK)


def test_ack_tlvs_flag_with_no_tlvs() -> None:
    body = s32(-17) + request(3)[:16]
    c = conv_expecting(3)
    (ev,) = c.receive(msg(NLMSG_ERROR, body, NLM_F_CAPPED | NLM_F_ACK_TLVS, 3))
    assert ev == Error(3, 17, None, None, None, RTM_NEWLINK)


def test_each_extack_tlv_alone() -> None:
    c = conv_expecting(1, 2, 3)
    evs = c.receive(
        error(1, 22, tlvs("m")) + error(2, 22, tlvs(offs=0)) + error(3, 22, tlvs(miss=3))
    )
    assert evs == [
        Error(1, 22, "m", None, None, 16),
        Error(2, 22, None, 0, None, 16),
        Error(3, 22, None, None, 3, 16),
    ]


def test_unknown_extack_tlvs_are_skipped() -> None:
    # COOKIE (3), POLICY (4, nested), MISS_NEST (6) and a future type.
    extra = (
        attr(3, b"\x01\x02\x03\x04\x05\x06\x07\x08")
        + attr(4 | NLA_F_NESTED, attr(1, u32(5)))
        + attr(6, u32(40))
        + attr(99, b"future")
    )
    c = conv_expecting(1)
    (ev,) = c.receive(error(1, 22, extra + tlvs("bad value", offs=24)))
    assert ev == Error(1, 22, "bad value", 24, None, 16)


def test_extack_text_without_nul_and_with_bad_utf8() -> None:
    ext = attr(NLMSGERR_ATTR_MSG, b"no terminator")
    c = conv_expecting(1, 2)
    (ev,) = c.receive(error(1, 22, ext))
    assert isinstance(ev, Error) and ev.extack == "no terminator"
    (ev,) = c.receive(error(2, 22, attr(NLMSGERR_ATTR_MSG, b"\xff bad\0")))
    assert isinstance(ev, Error) and ev.extack is not None and ev.extack.endswith(" bad")


def test_reply_before_ack_for_a_get_or_echo() -> None:
    c = conv_expecting(9)
    evs = c.receive(part(9, b"eth0") + ack(9))
    assert evs[1] == Ack(9)
    assert isinstance(evs[0], Reply) and evs[0].seq == 9 and evs[0].type == RTM_NEWLINK
    assert evs[0].payload == bytes(16) + attr(3, b"eth0\0")


def test_pipelined_acks_and_errors_in_one_datagram() -> None:
    c = conv_expecting(*range(1, 11))
    dgram = b"".join(ack(s) if s % 3 else error(s, 17, tlvs("exists")) for s in range(1, 11))
    evs = c.receive(dgram)
    assert [e.seq for e in evs] == list(range(1, 11))
    assert [type(e) for e in evs] == [Error if s % 3 == 0 else Ack for s in range(1, 11)]
    assert c.outstanding() == 0


# ---------------------------------------------------------------------------
# dumps


def test_dump_parts_then_done() -> None:
    c = conv_expecting(5, dump=True)
    evs = c.receive(part(5, b"lo") + part(5, b"eth0"))
    evs += c.receive(part(5, b"eth1"))
    evs += c.receive(done(5))
    assert [type(e) for e in evs] == [Reply, Reply, Reply, Done]
    assert evs[-1] == Done(5, False)
    assert [e.flags & NLM_F_MULTI for e in evs[:3] if isinstance(e, Reply)] == [NLM_F_MULTI] * 3
    assert c.outstanding() == 0


def test_empty_dump_is_just_done() -> None:
    c = conv_expecting(5, dump=True)
    assert c.receive(done(5)) == [Done(5, False)]


def test_done_with_an_empty_payload_is_done() -> None:
    # Some families end dumps with a bare header.
    c = conv_expecting(5, dump=True)
    assert c.receive(msg(NLMSG_DONE, b"", NLM_F_MULTI, 5)) == [Done(5, False)]


def test_done_carrying_an_error_and_tlvs() -> None:
    c = conv_expecting(5, dump=True)
    evs = c.receive(part(5) + done(5, 95, tlvs("dump not supported", offs=28)))
    assert evs[1] == Error(5, 95, "dump not supported", 28, None, 0)
    assert c.outstanding() == 0


def test_done_carrying_an_error_without_tlvs() -> None:
    c = conv_expecting(5, dump=True)
    assert c.receive(done(5, 22)) == [Error(5, 22, None, None, None, 0)]


def test_dump_refused_up_front_with_nlmsg_error() -> None:
    c = conv_expecting(5, dump=True)
    ev = c.receive(error(5, 22, tlvs("Invalid header for link dump")))
    assert ev == [Error(5, 22, "Invalid header for link dump", None, None, RTM_NEWLINK)]


def test_dump_intr_on_a_part_marks_done_interrupted() -> None:
    c = conv_expecting(5, dump=True)
    evs = c.receive(part(5) + part(5, intr=True))
    evs += c.receive(part(5) + done(5))
    assert evs[-1] == Done(5, True)


def test_dump_intr_on_done_itself() -> None:
    c = conv_expecting(5, dump=True)
    assert c.receive(part(5) + done(5, intr=True))[-1] == Done(5, True)


def test_dump_intr_does_not_leak_into_the_next_dump() -> None:
    c = conv_expecting(5, 6, dump=True)
    evs = c.receive(part(5, intr=True) + done(5) + part(6) + done(6))
    assert [e for e in evs if isinstance(e, Done)] == [Done(5, True), Done(6, False)]


# ---------------------------------------------------------------------------
# what is dropped or passed through


def test_stale_sequence_numbers_are_dropped_and_counted() -> None:
    c = conv_expecting(10)
    evs = c.receive(ack(9) + part(8) + done(7) + error(6, 1) + ack(10))
    assert evs == [Ack(10)]
    assert c.dropped == 4


def test_late_replies_after_forget_are_dropped() -> None:
    c = conv_expecting(10, dump=True)
    assert len(c.receive(part(10))) == 1
    c.forget(10)
    c.forget(10)  # idempotent
    assert c.receive(part(10) + done(10)) == []
    assert c.dropped == 2


def test_a_second_ack_for_the_same_seq_is_dropped() -> None:
    c = conv_expecting(10)
    assert c.receive(ack(10) + ack(10)) == [Ack(10)]
    assert c.dropped == 1


def test_notifications_with_seq_zero_are_dropped_when_not_expected() -> None:
    c = conv_expecting(1)
    assert c.receive(part(0, pid=0)) == []
    assert c.dropped == 1


def test_foreign_port_ids_are_dropped_and_counted() -> None:
    c = conv_expecting(1, 2, 3)
    evs = c.receive(ack(1, pid=PORT + 1) + ack(2, pid=0) + ack(3, pid=PORT))
    assert evs == [Ack(2), Ack(3)]
    assert c.dropped == 1
    assert c.is_pending(1)


def test_port_zero_conversation_accepts_any_pid() -> None:
    c = conv_expecting(1, 2, port=0)
    assert c.receive(ack(1, pid=77) + ack(2, pid=78)) == [Ack(1), Ack(2)]


def test_noop_is_skipped_without_counting() -> None:
    c = conv_expecting(1)
    assert c.receive(msg(NLMSG_NOOP, b"", 0, 1) + ack(1)) == [Ack(1)]
    assert c.dropped == 0


def test_overrun_is_reported_for_pending_and_unknown_seqs() -> None:
    c = conv_expecting(1, dump=True)
    evs = c.receive(msg(NLMSG_OVERRUN, b"", 0, 1) + msg(NLMSG_OVERRUN, b"", 0, 0))
    assert evs == [Overrun(1), Overrun(0)]
    assert c.is_pending(1)  # the caller decides what an overrun means
    assert c.dropped == 0


def test_empty_datagram_gives_no_events() -> None:
    c = conv_expecting(1)
    assert c.receive(b"") == []
    assert c.is_pending(1)


# ---------------------------------------------------------------------------
# h11's piecewise feeding: groupings of datagrams do not change events

texts = st.text(alphabet="abcdefgh -:", max_size=20)
ext_tlvs = st.builds(
    tlvs,
    text=st.none() | texts,
    offs=st.none() | st.integers(0, 0xFFFF),
    miss=st.none() | st.integers(0, 100),
)


@st.composite
def exchange(draw: st.DrawFn, seq: int, dump: bool) -> list[tuple[bytes, Event | None]]:
    """The messages of one request or dump with seq ``seq``, each with its expected event."""
    out: list[tuple[bytes, Event | None]] = []
    if dump:
        intr = False
        for _ in range(draw(st.integers(0, 4))):
            i = draw(st.booleans()) and draw(st.booleans())
            intr |= i
            m = part(seq, draw(st.sampled_from([b"lo", b"eth0", b"veth-red"])), intr=i)
            flags = NLM_F_MULTI | (NLM_F_DUMP_INTR if i else 0)
            out.append((m, Reply(seq, RTM_NEWLINK, flags, m[16:])))
        end = draw(st.sampled_from(["done", "done_err", "error"]))
        if end == "done":
            di = draw(st.booleans()) and draw(st.booleans())
            out.append((done(seq, intr=di), Done(seq, intr or di)))
        elif end == "done_err":
            e = draw(st.integers(1, 133))
            x = draw(st.sampled_from([(None, None), ("dump failed", 20)]))
            ext = tlvs(*x) if x[0] else b""
            out.append((done(seq, e, ext), Error(seq, e, x[0], x[1], None, 0)))
        else:
            e = draw(st.integers(1, 133))
            out.append((error(seq, e), Error(seq, e, None, None, None, RTM_NEWLINK)))
    else:  # a request: maybe an echo, then ACK or error
        if draw(st.booleans()):
            m = part(seq)
            out.append((m, Reply(seq, RTM_NEWLINK, NLM_F_MULTI, m[16:])))
        if draw(st.booleans()):
            out.append((ack(seq), Ack(seq)))
        else:
            e = draw(st.integers(1, 133))
            text = draw(st.none() | texts)
            offs = draw(st.none() | st.integers(0, 1000))
            miss = draw(st.none() | st.integers(0, 60))
            capped = draw(st.booleans())
            req = request(seq, draw(st.binary(max_size=23)))
            m = error(seq, e, tlvs(text, offs, miss), capped=capped, req=req)
            out.append((m, Error(seq, e, text, offs, miss, RTM_NEWLINK)))
    return out


noise = st.sampled_from(
    [
        (ack(900), None),  # stale seq
        (part(901), None),
        (done(902), None),
        (part(1, pid=PORT + 7), None),  # another socket's port id
        (ack(2, pid=PORT + 7), None),
        (msg(NLMSG_NOOP, b"", 0, 903), None),  # NOOP, unknown seq: dropped
        (msg(NLMSG_OVERRUN, b"", 0, 0), Overrun(0)),
    ]
)


@st.composite
def scripts(draw: st.DrawFn) -> tuple[list[tuple[int, bool]], list[tuple[bytes, Event | None]]]:
    """Several exchanges interleaved (each keeps its own order), plus noise."""
    n = draw(st.integers(1, 5))
    seqs = [(s, draw(st.booleans())) for s in range(1, n + 1)]
    queues = [draw(exchange(s, dump)) for s, dump in seqs]
    queues.append(draw(st.lists(noise, max_size=4)))
    stream: list[tuple[bytes, Event | None]] = []
    while any(queues):
        q = draw(st.sampled_from([q for q in queues if q]))
        stream.append(q.pop(0))
    return seqs, stream


def feed(seqs: list[tuple[int, bool]], datagrams: list[bytes]) -> tuple[list[Event], int]:
    c = Conversation(PORT)
    for s, dump in seqs:
        c.expect(s, dump=dump)
    events: list[Event] = []
    for d in datagrams:
        events += c.receive(d)
    assert c.outstanding() == 0
    return events, c.dropped


def group(msgs: list[bytes], cuts: set[int]) -> list[bytes]:
    bounds = [0, *sorted(c for c in cuts if 0 < c < len(msgs)), len(msgs)]
    return [b"".join(msgs[a:b]) for a, b in itertools.pairwise(bounds)]


@settings(max_examples=300, deadline=None)
@given(scripts(), st.sets(st.integers(1, 40)))
def test_events_do_not_depend_on_datagram_grouping(
    script: tuple[list[tuple[int, bool]], list[tuple[bytes, Event | None]]], cuts: set[int]
) -> None:
    seqs, stream = script
    msgs = [m for m, _ in stream]
    expected = [e for _, e in stream if e is not None]
    n_dropped = sum(e is None for _, e in stream)

    one_each = feed(seqs, msgs)
    all_in_one = feed(seqs, [b"".join(msgs)])
    arbitrary = feed(seqs, group(msgs, cuts))
    assert one_each == all_in_one == arbitrary == (expected, n_dropped)
