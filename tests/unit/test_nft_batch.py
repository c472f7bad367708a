"""Channel.batch (the nf_tables batch exchange) against a fake kernel socket, no root.

The fake answers like nfnetlink_rcv_batch: while handling ``send`` it queues an
ACK for each message that asked for one and an NLMSG_ERROR for each refused
message (asked or not), so that everything is readable when ``send`` returns.
"""

from __future__ import annotations

import errno
import select
import socket
import struct
from collections import deque
from typing import Any

import pytest

from rawns import nft
from rawns._conversation import Ack, Error
from rawns._wire import iter_messages
from rawns.errors import NotFound
from rawns.transport import Channel
from tests.unit.nft_cases import FakeHandle

_HDR = struct.Struct("=IHHII")


def _ack(seq: int, err: int, mtype: int, port: int, text: str | None = None) -> bytes:
    # NLMSG_ERROR, capped (NLM_F_CAPPED 0x100), with an extack message TLV if given
    tlv = b""
    flags = 0x100
    if text is not None:
        raw = text.encode() + b"\0"
        tlv = struct.pack("=HH", 4 + len(raw), 1) + raw + b"\0" * (-len(raw) % 4)
        flags |= 0x200
    body = struct.pack("=i", -err) + _HDR.pack(16, mtype, 0, seq, port) + tlv
    return _HDR.pack(16 + len(body), 2, flags, seq, 0) + body


class FakeSock:
    """Just enough of NetlinkSocket for Channel."""

    def __init__(self, refuse: dict[int, int] | None = None, *, per_datagram: int = 50) -> None:
        self.port = 4242
        self.closed = False
        self.refuse = refuse or {}  # message index in the batch -> errno
        self.queue: deque[bytes] = deque()
        self.per_datagram = per_datagram
        self.sent: list[bytes] = []
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)  # for select()

    def send(self, data: bytes) -> None:
        self.sent.append(data)
        replies = []
        for i, (mtype, flags, seq, _pid, _a, _b) in enumerate(iter_messages(data)):
            if i in self.refuse:
                replies.append(_ack(seq, self.refuse[i], mtype, self.port, f"refused #{i}"))
            elif flags & 4:
                replies.append(_ack(seq, 0, mtype, self.port))
        # the kernel packs many acks per datagram
        for k in range(0, len(replies), self.per_datagram):
            self.queue.append(b"".join(replies[k : k + self.per_datagram]))

    def recv(self, flags: int = 0) -> bytes:
        if self.queue:
            return self.queue.popleft()
        if flags & socket.MSG_DONTWAIT:
            raise BlockingIOError(errno.EAGAIN, "nothing queued")
        raise AssertionError("a blocking recv with nothing queued would hang")

    def close(self) -> None:
        self.closed = True
        self.sock.close()


def _msgs(n: int, ack_last: bool = True) -> tuple[list[bytes], list[bool]]:
    msgs = []
    for i in range(n):
        flags = 1 | (4 if ack_last and i == n - 2 else 0)
        msgs.append(_HDR.pack(20, 0x0A06, flags, 0, 0) + b"\0" * 4)
    acked = [i == n - 2 for i in range(n)] if ack_last else [False] * n
    return msgs, acked


def test_batch_stamps_consecutive_sequence_numbers_and_sends_once() -> None:
    fake = FakeSock()
    ch = Channel(fake)  # type: ignore[arg-type]  # duck-typed socket
    msgs, acked = _msgs(5)
    res = ch.batch(msgs, acked=acked)
    assert len(fake.sent) == 1
    seqs = [s for _, _, s, _, _, _ in iter_messages(fake.sent[0])]
    assert seqs == list(range(seqs[0], seqs[0] + 5))
    assert [type(r).__name__ if r else None for r in res] == [None, None, None, "Ack", None]
    assert ch.conv.outstanding() == 0


def test_errors_for_unacked_messages_are_collected() -> None:
    fake = FakeSock(refuse={2: errno.ENOENT})
    ch = Channel(fake)  # type: ignore[arg-type]  # duck-typed socket
    msgs, acked = _msgs(6)
    res = ch.batch(msgs, acked=acked)
    err = res[2]
    assert isinstance(err, Error) and err.errno == errno.ENOENT and err.extack == "refused #2"
    assert isinstance(res[4], Ack)


def test_thousands_of_acks_over_many_datagrams() -> None:
    fake = FakeSock(per_datagram=37)
    ch = Channel(fake)  # type: ignore[arg-type]  # duck-typed socket
    n = 3002
    msgs = [_HDR.pack(20, 0x0A06, 5, 0, 0) + b"\0" * 4 for _ in range(n)]
    res = ch.batch(msgs, acked=[True] * n)
    assert all(isinstance(r, Ack) for r in res)


def test_missing_ack_waits_a_bounded_time(monkeypatch: pytest.MonkeyPatch) -> None:
    class Mute(FakeSock):
        def send(self, data: bytes) -> None:
            self.sent.append(data)

    waits: list[float] = []

    def fake_select(
        r: Any, w: Any, x: Any, timeout: float
    ) -> tuple[list[Any], list[Any], list[Any]]:
        waits.append(timeout)
        return [], [], []

    monkeypatch.setattr(select, "select", fake_select)
    ch = Channel(Mute())  # type: ignore[arg-type]  # duck-typed socket
    msgs, acked = _msgs(4)
    res = ch.batch(msgs, acked=acked)
    assert res == [None] * 4
    assert waits == [5.0]


def test_transaction_over_the_fake_channel_names_the_refused_object() -> None:
    fake = FakeSock(refuse={3: errno.ENOENT})

    tx = nft.Transaction(FakeHandle(Channel(fake)))  # type: ignore[arg-type]  # duck-typed socket
    t = tx.add_table("ip", "nat")
    c = tx.add_chain(t, "post", type="nat", hook="postrouting", priority="srcnat")
    tx.add_rule(c, [nft.match.jump("missing")])
    tx.add_rule(c, nft.masquerade(source="10.0.0.0/8"))
    with pytest.raises(NotFound) as info:
        tx.commit()
    assert info.value.target == "#3 rule ip nat post: jump missing"
    assert info.value.extack == "refused #3"
    # only the last object asked for an ACK
    flags = [f & 4 for _, f, _, _, _, _ in iter_messages(fake.sent[0])]
    assert flags == [0, 0, 0, 0, 4, 0]
