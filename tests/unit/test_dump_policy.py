"""The NLM_F_DUMP_INTR policy and abandoned exchanges, on a scripted fake socket.

One policy for every dump in rawns (transport.Channel.dump): a dump the kernel
flags as interrupted by concurrent changes is retried as a whole, up to
DUMP_RETRIES times, then DumpInterrupted is raised with the last partial
result. These tests need no root: the "kernel" is a script of datagrams.
"""

from __future__ import annotations

import struct
from collections import deque
from collections.abc import Callable

import pytest

from rawns._wire import Message, build_message, parse_messages
from rawns.errors import DecodeError, DumpInterrupted, KernelError, NotFound
from rawns.transport import DUMP_RETRIES, Channel

NLMSG_ERROR, NLMSG_DONE = 2, 3
NLM_F_MULTI, NLM_F_DUMP_INTR = 0x2, 0x10
RTM_NEWLINK = 16
PORT = 4242

Script = Callable[[int], list[bytes]]


class FakeSocket:
    """Answers each sent request (by its seq) with the datagrams ``script(seq)`` returns."""

    def __init__(self, script: Script) -> None:
        self.script = script
        self.port = PORT
        self.closed = False
        self.queue: deque[bytes] = deque()
        self.sent: list[int] = []

    def send(self, data: bytes) -> None:
        seq = struct.unpack_from("=I", data, 8)[0]
        self.sent.append(seq)
        if any(_has_done(d) for d in self.queue):
            # As netlink_dump_start(): a socket runs one dump at a time, and the
            # old one runs until userspace has read its NLMSG_DONE.
            self.queue.append(ack(seq, -16))
            return
        self.queue.extend(self.script(seq))

    def recv(self, flags: int = 0) -> bytes:
        if not self.queue:
            if flags:
                raise BlockingIOError(11, "nothing queued")
            raise AssertionError("recv() would block forever: the script sent nothing more")
        return self.queue.popleft()

    def close(self) -> None:
        self.closed = True


def _has_done(d: bytes) -> bool:
    return any(m.type == NLMSG_DONE for m in parse_messages(d))


def part(seq: int, n: int, *, intr: bool = False) -> bytes:
    flags = NLM_F_MULTI | (NLM_F_DUMP_INTR if intr else 0)
    return build_message(Message(RTM_NEWLINK, flags, seq, PORT, struct.pack("=I", n)))


def done(seq: int, *, intr: bool = False, err: int = 0) -> bytes:
    flags = NLM_F_MULTI | (NLM_F_DUMP_INTR if intr else 0)
    return build_message(Message(NLMSG_DONE, flags, seq, PORT, struct.pack("=i", err)))


def ack(seq: int, err: int = 0) -> bytes:
    echo = struct.pack("=IHHII", 16, RTM_NEWLINK, 5, seq, PORT)
    return build_message(Message(NLMSG_ERROR, 0x100, seq, PORT, struct.pack("=i", err) + echo))


def parse(payload: bytes) -> int:
    return int(struct.unpack("=I", payload)[0])


REQ = struct.pack("=IHHII", 16, 18, 0x301, 0, 0)  # RTM_GETLINK dump, seq stamped by Channel


def interrupted_times(k: int, size: int = 3) -> tuple[Script, list[int]]:
    """A kernel whose first ``k`` dumps are interrupted (flag on a part, then on DONE)."""
    calls: list[int] = []

    def script(seq: int) -> list[bytes]:
        calls.append(seq)
        intr = len(calls) <= k
        parts = [part(seq, len(calls) * 100 + i, intr=intr and i == 1) for i in range(size)]
        return [b"".join(parts[:2]), b"".join(parts[2:]) + done(seq, intr=intr and k % 2 == 0)]

    return script, calls


def test_clean_dump_is_sent_once() -> None:
    script, calls = interrupted_times(0)
    assert Channel(FakeSocket(script)).dump(REQ, parse, op="RTM_GETLINK") == [100, 101, 102]
    assert len(calls) == 1


@pytest.mark.parametrize("k", range(1, DUMP_RETRIES + 1))
def test_interrupted_dump_is_retried_and_the_clean_result_returned(k: int) -> None:
    script, calls = interrupted_times(k)
    got = Channel(FakeSocket(script)).dump(REQ, parse, op="RTM_GETLINK")
    assert len(calls) == k + 1
    assert got == [(k + 1) * 100 + i for i in range(3)]


def test_dump_interrupted_every_time_raises_with_the_last_partial_result() -> None:
    script, calls = interrupted_times(10**6)
    with pytest.raises(DumpInterrupted) as ei:
        Channel(FakeSocket(script)).dump(REQ, parse, op="RTM_GETLINK")
    assert len(calls) == DUMP_RETRIES + 1
    e = ei.value
    assert e.attempts == DUMP_RETRIES + 1
    assert e.op == "RTM_GETLINK"
    assert e.partial == [(DUMP_RETRIES + 1) * 100 + i for i in range(3)]
    assert "RTM_GETLINK" in str(e) and "interrupted" in str(e)


@pytest.mark.parametrize("retries", [0, 1, 5])
def test_retries_argument_bounds_the_attempts(retries: int) -> None:
    script, calls = interrupted_times(10**6)
    with pytest.raises(DumpInterrupted) as ei:
        Channel(FakeSocket(script)).dump(REQ, parse, op="RTM_GETLINK", retries=retries)
    assert len(calls) == retries + 1 == ei.value.attempts


def test_flag_on_done_only_counts_as_interrupted() -> None:
    calls: list[int] = []

    def script(seq: int) -> list[bytes]:
        calls.append(seq)
        return [part(seq, 1) + done(seq, intr=len(calls) == 1)]

    assert Channel(FakeSocket(script)).dump(REQ, parse, op="X") == [1]
    assert len(calls) == 2


def test_error_in_done_is_a_kernel_error_and_not_retried() -> None:
    calls: list[int] = []

    def script(seq: int) -> list[bytes]:
        calls.append(seq)
        return [part(seq, 1, intr=True) + done(seq, err=-19)]  # ENODEV half way

    with pytest.raises(NotFound) as ei:
        Channel(FakeSocket(script)).dump(REQ, parse, op="RTM_GETLINK", target="dump")
    assert len(calls) == 1
    assert str(ei.value).startswith("RTM_GETLINK dump: No such device (ENODEV)")


def test_replies_to_other_seqs_and_ports_are_dropped_not_mixed_in() -> None:
    def script(seq: int) -> list[bytes]:
        stale = part(seq - 1, 666) + part(seq + 7, 777)
        foreign = build_message(Message(RTM_NEWLINK, NLM_F_MULTI, seq, PORT + 1, bytes(4)))
        return [stale, foreign + part(seq, 1), done(seq)]

    ch = Channel(FakeSocket(script))
    assert ch.dump(REQ, parse, op="X") == [1]
    assert ch.conv.dropped == 3


def test_a_dump_abandoned_half_way_does_not_poison_the_next_exchange() -> None:
    """A parse error (or KeyboardInterrupt) mid-dump leaves the kernel's dump running.

    The kernel refuses a new dump on that socket (EBUSY) until the old one is
    read to its end, so the channel must drain the leftovers first.
    """

    def script(seq: int) -> list[bytes]:
        if seq == 1:
            # first dump: a bad part, then more parts and DONE still queued
            return [part(seq, 1), part(seq, 0xBAD), part(seq, 2), part(seq, 3) + done(seq)]
        return [part(seq, 10) + done(seq)]

    def strict(payload: bytes) -> int:
        n = parse(payload)
        if n == 0xBAD:
            raise DecodeError("bad part")
        return n

    sock = FakeSocket(script)
    ch = Channel(sock)
    with pytest.raises(DecodeError):
        ch.dump(REQ, strict, op="X")
    assert sock.queue, "the rest of the first dump is still queued"
    assert ch.dump(REQ, strict, op="X") == [10]
    assert not sock.queue
    assert ch.conv.outstanding() == 0


def test_request_error_carries_the_kernel_errno_and_names_the_target() -> None:
    ch = Channel(FakeSocket(lambda seq: [ack(seq, -17)]))
    with pytest.raises(KernelError) as ei:
        ch.request(REQ, op="RTM_NEWLINK", target="br0")
    assert isinstance(ei.value, FileExistsError)
    assert str(ei.value) == "RTM_NEWLINK br0: File exists (EEXIST)"


def test_closed_channel_refuses_before_sending() -> None:
    sock = FakeSocket(lambda seq: [ack(seq)])
    ch = Channel(sock)
    ch.close()
    for call in (
        lambda: ch.request(REQ, op="RTM_NEWLINK"),
        lambda: ch.dump(REQ, parse, op="RTM_GETLINK"),
        lambda: ch.pipeline([REQ], op="RTM_NEWLINK"),
    ):
        with pytest.raises(ValueError, match="closed"):
            call()
    assert sock.sent == []
