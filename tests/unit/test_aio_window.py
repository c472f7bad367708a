"""transport.Window and windows(): the pipeline and batch windowing both drivers share.

Sans I/O: messages in, stamped datagram out; conversation events in, each
request's answer out. Channel.pipeline/batch (sync) and AsyncChannel's
(rawns.aio) only send the datagram and feed the events.
"""

from __future__ import annotations

import errno
import struct

import pytest

from rawns._conversation import Ack, Conversation, Error, Overrun, Reply
from rawns._wire import NLM_F
from rawns.errors import AlreadyExists, KernelError
from rawns.transport import PIPELINE_BYTES, PIPELINE_WINDOW, Window, checked, windows

F = int(NLM_F.REQUEST | NLM_F.ACK)


def _msg(n: int = 0, size: int = 20, flags: int = F) -> bytes:
    return struct.pack("=IHHII", size, 24, flags, 0, 0) + bytes([n]) * (size - 16)


def _headers(data: bytes) -> list[tuple[int, int]]:
    out, off = [], 0
    while off < len(data):
        size, _t, flags, seq, _p = struct.unpack_from("=IHHII", data, off)
        out.append((flags, seq))
        off += size
    return out


def _err(seq: int, code: int = errno.EEXIST) -> Error:
    return Error(seq, code, "exists", None, None, 24)


def test_windows_split_by_count_and_by_bytes() -> None:
    assert list(windows([])) == []
    small = [_msg()] * (2 * PIPELINE_WINDOW + 3)
    assert list(windows(small)) == [
        (0, PIPELINE_WINDOW),
        (PIPELINE_WINDOW, 2 * PIPELINE_WINDOW),
        (2 * PIPELINE_WINDOW, 2 * PIPELINE_WINDOW + 3),
    ]
    big = [_msg(size=PIPELINE_BYTES // 2 + 4)] * 5
    spans = list(windows(big))
    assert spans[0] == (0, 2) and spans[-1][1] == 5
    assert all(lo < hi for lo, hi in spans)


def test_a_pipeline_window_asks_an_ack_of_its_last_message_only() -> None:
    conv = Conversation(77, first_seq=10)
    w = Window(conv, [_msg(i) for i in range(4)], op="RTM_NEWROUTE", netns="red")
    assert _headers(w.data) == [
        (F & ~NLM_F.ACK, 10),
        (F & ~NLM_F.ACK, 11),
        (F & ~NLM_F.ACK, 12),
        (F, 13),
    ]
    assert w.index == {10: 0, 11: 1, 12: 2, 13: 3}
    assert conv.outstanding() == 4
    assert not w.done
    w.event(_err(11))
    w.event(Ack(99))  # another exchange's
    w.event(Reply(13, 24, 0, b""))
    assert not w.done
    w.event(Ack(13))
    assert w.done
    w.event(_err(13))  # a second answer for one seq is ignored
    results: list[KernelError | None] = [None] * 10
    w.report(results, 6, [f"r{i}" for i in range(10)])
    assert [i for i, r in enumerate(results) if r is not None] == [7]
    e = results[7]
    assert isinstance(e, AlreadyExists)
    assert "RTM_NEWROUTE r7" in str(e) and "red" in str(e)
    w.close()
    assert conv.outstanding() == 0
    with pytest.raises(AlreadyExists):
        checked(results, True)
    assert checked(results, False) is results


def test_a_pipeline_window_clears_only_the_ack_bit_and_keeps_the_last_as_built() -> None:
    """Every other flag (low byte: ECHO; high byte: REPLACE, EXCL, CREATE) survives."""
    every = 0xFFFF
    w = Window(Conversation(1), [_msg(0, flags=every), _msg(1, flags=every)], op="x")
    assert _headers(w.data) == [(every & ~int(NLM_F.ACK), 1), (every, 2)]
    no_ack = int(NLM_F.REQUEST | NLM_F.CREATE)
    w = Window(Conversation(1), [_msg(0, flags=no_ack), _msg(1, flags=no_ack)], op="x")
    assert _headers(w.data) == [(no_ack, 1), (no_ack, 2)]


def test_without_targets_errors_are_named_by_position() -> None:
    w = Window(Conversation(1), [_msg(), _msg()], op="RTM_NEWLINK")
    first = min(w.index)
    w.event(_err(first))
    w.event(Ack(first + 1))
    results: list[KernelError | None] = [None, None]
    w.report(results, 0, None)
    assert "#0" in str(results[0])


def test_a_batch_window_keeps_flags_and_is_done_at_its_acks_or_an_error() -> None:
    conv = Conversation(5, first_seq=100)
    msgs = [_msg(0, flags=1), _msg(1), _msg(2, flags=1), _msg(3)]
    acked = [False, True, False, True]
    w = Window(conv, msgs, op="batch", acked=acked)
    assert _headers(w.data) == [(1, 100), (F, 101), (1, 102), (F, 103)]
    w.event(Ack(101))
    assert not w.done
    w.event(Ack(103))
    assert w.done
    assert w.answered() == [None, Ack(101), None, Ack(103)]

    w2 = Window(conv, msgs, op="batch", acked=acked)
    w2.event(_err(min(w2.index) + 2))  # an error: nfnetlink aborts the rest
    assert w2.done and w2.errors == 1
    assert w2.answered()[2] == _err(min(w2.index) + 2)


def test_an_overrun_is_refused_with_enobufs() -> None:
    w = Window(Conversation(1), [_msg()], op="RTM_NEWROUTE")
    with pytest.raises(KernelError) as ei:
        w.event(Overrun(0))
    assert ei.value.errno == errno.ENOBUFS and "pipeline" in str(ei.value)
    wb = Window(Conversation(1), [_msg()], op="batch", acked=[True])
    with pytest.raises(KernelError, match="batch acks"):
        wb.event(Overrun(0))
