"""AsyncChannel: one netlink socket on the event loop, many exchanges in flight.

The asyncio twin of :class:`rawns.transport.Channel`, on the same sans-I/O
:class:`~rawns._conversation.Conversation`. The socket is non-blocking and
registered with ``loop.add_reader``: whenever it is readable, every queued
datagram is read and turned into events, and each event goes to the waiter of
its sequence number. Any number of tasks may have requests outstanding at
once; replies never cross because they are matched by seq, not by order.

The kernel runs one dump per socket (a second is refused with EBUSY), so
dumps take turns on a slot; requests and pipelines go on meanwhile. A waiter
that is cancelled (``task.cancel()``, ``asyncio.timeout``) forgets its seq, and
the conversation drops its late replies; a cancelled dump keeps the slot until
its NLMSG_DONE has been read (and dropped), so the next dump is not refused.
Closing the channel wakes every waiter with :class:`ValueError`.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import gc
import socket
from collections.abc import AsyncGenerator, Callable, Sequence
from typing import Any

from .._conversation import Ack, Conversation, Done, Error, Event, Overrun, Reply
from .._wire import NLM_F
from ..errors import DecodeError, DumpInterrupted, KernelError, kernel_error
from ..transport import (
    BATCH_WAIT,
    DUMP_RETRIES,
    PIPELINE_BYTES,
    PIPELINE_WINDOW,
    NetlinkSocket,
    _fault_plan,
    _inject_fault,
    _to_error,
    stamp,
)

__all__ = ["AsyncChannel"]

_F_ACK = int(NLM_F.ACK)
_READS_PER_WAKE = 256  # datagrams read per readable callback before yielding the loop


def _discard(data: bytes, start: int, end: int) -> None:
    return None


class _Waiter:
    """What one sequence number's events go to; ``fut`` is done when the exchange is."""

    __slots__ = ("fut",)

    def __init__(self, fut: asyncio.Future[Any]) -> None:
        self.fut = fut

    def event(self, ev: Event) -> None:
        raise NotImplementedError

    def fail(self, exc: BaseException) -> None:
        if not self.fut.done():
            self.fut.set_exception(exc)


class _Req(_Waiter):
    __slots__ = ("replies",)

    def __init__(self, fut: asyncio.Future[Any]) -> None:
        super().__init__(fut)
        self.replies: list[Reply] = []

    def event(self, ev: Event) -> None:
        if isinstance(ev, Reply):
            self.replies.append(ev)
        elif not self.fut.done():
            self.fut.set_result(ev)  # Ack, Error, or Done (a request answered like a dump)


class _Window(_Waiter):
    """Acks and errors of one pipelined window (or one nf_tables batch)."""

    __slots__ = ("events", "last", "missing")

    def __init__(self, fut: asyncio.Future[Any], last: int | None, missing: int = 0) -> None:
        super().__init__(fut)
        self.events: dict[int, Ack | Error] = {}
        self.last = last
        self.missing = missing

    def event(self, ev: Event) -> None:
        if isinstance(ev, Ack | Error) and ev.seq not in self.events:
            self.events[ev.seq] = ev
            if ev.seq == self.last and not self.fut.done():
                self.fut.set_result(None)


class _Dump(_Waiter):
    """The dump on the slot: decoded items land in ``out`` as datagrams arrive."""

    __slots__ = ("abandoned", "interrupted", "out", "parse_at", "parse_run", "ready", "seq")

    def __init__(
        self,
        fut: asyncio.Future[Any],
        seq: int,
        parse_at: Callable[[bytes, int, int], Any],
        parse_run: Callable[[bytes, int, list[Any]], int] | None,
    ) -> None:
        super().__init__(fut)
        self.seq = seq
        self.parse_at, self.parse_run = parse_at, parse_run
        self.out: list[Any] = []
        self.ready = asyncio.Event()
        self.interrupted = False
        self.abandoned = False

    def event(self, ev: Event) -> None:
        if isinstance(ev, Reply):  # a part receive_dump did not decode in place
            obj = self.parse_at(ev.payload, 0, len(ev.payload)) if not self.abandoned else None
            if obj is not None:
                self.out.append(obj)
        elif isinstance(ev, Done | Error | Ack) and not self.fut.done():
            self.fut.set_result(ev)
        self.ready.set()

    def fail(self, exc: BaseException) -> None:
        super().fail(exc)
        self.ready.set()


class AsyncChannel:
    """A netlink socket plus its conversation, driven by the running event loop."""

    def __init__(
        self, sock: NetlinkSocket, loop: asyncio.AbstractEventLoop, netns_label: str | None
    ) -> None:
        sock.sock.setblocking(False)
        self.sock = sock
        self.conv = Conversation(sock.port)
        self.netns_label = netns_label
        self._loop = loop
        self._waiters: dict[int, _Waiter] = {}
        self._dump: _Dump | None = None
        self._slot = asyncio.Lock()  # one dump at a time (released by the reader if abandoned)
        self._closed = False
        # Requests made in one turn of the loop go out together (see _flush).
        self._outbox: dict[int, bytes] = {}
        self._flushing = False
        loop.add_reader(sock.fileno(), self._readable)

    @property
    def closed(self) -> bool:
        return self._closed

    def close(self) -> None:
        """Close the socket and wake every waiter with :class:`ValueError`."""
        if self._closed:
            return
        self._closed = True
        self._loop.remove_reader(self.sock.fileno())
        self.sock.close()
        err = ValueError("the handle was closed while waiting for the kernel's answer")
        for w in list(self._waiters.values()):
            w.fail(err)
        self._waiters.clear()
        self._dump = None
        if self._slot.locked():
            self._slot.release()

    def _check_open(self, op: str) -> None:
        if self._closed:
            raise ValueError(f"{op}: the handle is closed")
        if _fault_plan:
            _inject_fault(op, self.netns_label)

    # -- the reader ----------------------------------------------------------
    def _readable(self) -> None:
        """Read what is queued (a bounded number of datagrams) and dispatch the events.

        While a dump is being decoded, the cyclic garbage collector is paused
        for this one synchronous read (no task runs meanwhile) and restored
        before returning: decoding allocates a few objects per item, and the
        collector would rescan the growing result again and again (the sync
        Channel.dump pauses it for the same reason; docs/benchmarks.md, W4).
        """
        if self._dump is not None and gc.isenabled():
            gc.disable()
            try:
                self._read_queued()
            finally:
                gc.enable()
        else:
            self._read_queued()

    def _read_queued(self) -> None:
        conv = self.conv
        for _ in range(_READS_PER_WAKE):
            if self._closed:
                return
            try:
                data = self.sock.recv(socket.MSG_DONTWAIT)
            except BlockingIOError:
                return
            except DecodeError as e:  # larger than the buffer: nobody's answer can be trusted
                self._fail_all(e)
                continue
            d = self._dump
            try:
                if d is not None and conv.is_pending(d.seq):
                    events = conv.receive_dump(data, d.seq, d.parse_at, d.out, d.parse_run)
                    if d.out:
                        d.ready.set()
                else:
                    events = conv.receive(data)
            except DecodeError as e:
                self._fail_all(e)
                continue
            for ev in events:
                self._dispatch(ev)

    def _dispatch(self, ev: Event) -> None:
        if isinstance(ev, Overrun):
            self._fail_all(kernel_error(errno.ENOBUFS, op="netlink", target="replies lost"))
            return
        w = self._waiters.get(ev.seq)
        if w is None:
            return
        w.event(ev)
        if isinstance(w, _Dump) and w.abandoned and not isinstance(ev, Reply):
            self._end_dump(w)

    def _fail_all(self, exc: BaseException) -> None:
        for seq, w in list(self._waiters.items()):
            w.fail(exc)
            self.conv.forget(seq)
            if isinstance(w, _Dump) and w.abandoned:
                self._end_dump(w)

    def _end_dump(self, d: _Dump) -> None:
        self._waiters.pop(d.seq, None)
        self.conv.forget(d.seq)
        if self._dump is d:
            self._dump = None
            if self._slot.locked():
                self._slot.release()

    def _queue(self, seq: int, data: bytes) -> None:
        """Send ``data`` with the other requests of this turn of the loop, in one datagram."""
        self._outbox[seq] = data
        if not self._flushing:
            self._flushing = True
            self._loop.call_soon(self._flush)

    def _flush(self) -> None:
        """Send the queued requests: one sendmsg per PIPELINE_BYTES, not one per request.

        rtnetlink runs every message of a datagram inside the send (each
        answered and acked on its own, an error in one not stopping the
        next), so many tasks' requests cost one syscall. A send that fails
        fails exactly the requests it carried.
        """
        self._flushing = False
        box, self._outbox = self._outbox, {}
        if self._closed or not box:
            return
        seqs: list[int] = []
        parts: list[bytes] = []
        size = 0
        for seq, data in box.items():
            if parts and size + len(data) > PIPELINE_BYTES:
                self._send_parts(seqs, parts)
                seqs, parts, size = [], [], 0
            seqs.append(seq)
            parts.append(data)
            size += len(data)
        self._send_parts(seqs, parts)
        self._readable()  # the answers are queued already (see request)

    def _send_parts(self, seqs: list[int], parts: list[bytes]) -> None:
        try:
            self.sock.send(parts[0] if len(parts) == 1 else b"".join(parts))
        except OSError as e:
            for seq in seqs:
                w = self._waiters.get(seq)
                if w is not None:
                    w.fail(e)

    def _stamped(self, msg: bytes) -> tuple[int, bytes]:
        seq = self.conv.next_seq()
        buf = bytearray(msg)
        stamp(buf, 0, seq)
        return seq, bytes(buf)

    # -- one request ---------------------------------------------------------
    async def request(self, msg: bytes, *, op: str, target: str = "") -> list[Reply]:
        """Send one request and await its ACK: :meth:`rawns.transport.Channel.request`."""
        self._check_open(op)
        seq, data = self._stamped(msg)
        w = _Req(self._loop.create_future())
        self.conv.expect(seq)
        self._waiters[seq] = w
        try:
            if len(self._waiters) == 1 and not self._outbox:
                # Alone: send now, and read at once what the kernel queued while it
                # ran the request inside send() (rtnetlink answers synchronously),
                # so a lone request usually needs no trip through the selector.
                self.sock.send(data)
                self._readable()
            else:
                self._queue(seq, data)
            ev = await w.fut
        finally:
            self._outbox.pop(seq, None)  # cancelled before the flush: never sent
            self._waiters.pop(seq, None)
            self.conv.forget(seq)
        if isinstance(ev, Error):
            raise _to_error(ev, op, target, self.netns_label)
        return w.replies

    # -- dumps ---------------------------------------------------------------
    async def dump(
        self,
        msg: bytes,
        *,
        op: str,
        target: str = "",
        parse_at: Callable[[bytes, int, int], Any],
        parse_run: Callable[[bytes, int, list[Any]], int] | None = None,
    ) -> list[Any]:
        """The whole dump as a list, with the sync consistency policy exactly.

        Each attempt is buffered: after NLM_F_DUMP_INTR the dump is retried
        from the start, up to :data:`~rawns.transport.DUMP_RETRIES` times, then
        :class:`~rawns.errors.DumpInterrupted` carries the last attempt's items.
        """
        out: list[Any] = []
        for _ in range(DUMP_RETRIES + 1):
            out = []
            attempt = self._attempt(msg, op, target, parse_at, parse_run)
            async with contextlib.aclosing(attempt):
                async for chunk, interrupted in attempt:
                    out.extend(chunk)
                    if interrupted is False:
                        return out
        raise DumpInterrupted(op, DUMP_RETRIES + 1, out)

    async def stream(
        self,
        msg: bytes,
        *,
        op: str,
        target: str = "",
        parse_at: Callable[[bytes, int, int], Any],
        parse_run: Callable[[bytes, int, list[Any]], int] | None = None,
    ) -> AsyncGenerator[Any, None]:
        """The dump's items as their datagrams arrive.

        After NLM_F_DUMP_INTR the dump is retried from the start (as the sync
        policy says), and items already yielded come again from the new
        attempt; after the last retry :class:`~rawns.errors.DumpInterrupted` is
        raised (its ``partial`` is empty: the items went to the caller).
        """
        for _ in range(DUMP_RETRIES + 1):
            attempt = self._attempt(msg, op, target, parse_at, parse_run)
            async with contextlib.aclosing(attempt):
                async for chunk, interrupted in attempt:
                    for item in chunk:
                        yield item
                    if interrupted is False:
                        return
        raise DumpInterrupted(op, DUMP_RETRIES + 1, [])

    async def _attempt(
        self,
        msg: bytes,
        op: str,
        target: str,
        parse_at: Callable[[bytes, int, int], Any],
        parse_run: Callable[[bytes, int, list[Any]], int] | None,
    ) -> AsyncGenerator[tuple[list[Any], bool | None], None]:
        """One dump: ``(items, None)`` chunks, the last with ``interrupted`` True or False."""
        self._check_open(op)
        await self._slot.acquire()
        try:
            self._check_open(op)
        except BaseException:
            self._slot.release()
            raise
        seq, data = self._stamped(msg)
        d = _Dump(self._loop.create_future(), seq, parse_at, parse_run)
        self._dump = d
        self.conv.expect(seq, dump=True)
        self._waiters[seq] = d
        try:
            self.sock.send(data)  # read by the reader: a wake reads the parts as they come
            while True:
                if d.out:
                    chunk, d.out = d.out, []
                    yield chunk, None
                    continue
                if d.fut.done():
                    ev = d.fut.result()
                    self._end_dump(d)  # the slot is free before the caller sees the end
                    if isinstance(ev, Error):
                        raise _to_error(ev, op, target, self.netns_label)
                    yield [], bool(isinstance(ev, Done) and ev.interrupted)
                    return
                d.ready.clear()
                await d.ready.wait()
        finally:
            if self.conv.is_pending(seq) and not self._closed:
                # Left half way (cancelled, a parse error, the caller stopped
                # iterating): the kernel's dump runs on until its DONE is read,
                # so the reader reads and drops the rest, then frees the slot.
                d.abandoned = True
                d.parse_at, d.parse_run, d.out = _discard, None, []
            else:
                self._end_dump(d)

    # -- pipelining ------------------------------------------------------------
    async def pipeline(
        self,
        msgs: Sequence[bytes],
        *,
        op: str,
        targets: Sequence[str] | None = None,
        check: bool = True,
    ) -> list[KernelError | None]:
        """Many requests back to back: :meth:`rawns.transport.Channel.pipeline`.

        A cancelled pipeline stops waiting; requests already sent stay sent
        (rtnetlink has no transaction), and their acks are dropped.
        """
        results: list[KernelError | None] = [None] * len(msgs)
        self._check_open(op)
        conv = self.conv
        n = len(msgs)
        lo = 0
        while lo < n:
            hi, size = lo, 0
            while hi < n and hi - lo < PIPELINE_WINDOW and size < PIPELINE_BYTES:
                size += len(msgs[hi])
                hi += 1
            buf = bytearray(b"".join(msgs[lo:hi]))
            seqs: dict[int, int] = {}
            off = 0
            seq = 0
            for i in range(lo, hi):
                seq = conv.next_seq()
                stamp(buf, off, seq)
                if i != hi - 1:
                    flags = int.from_bytes(buf[off + 6 : off + 8], "little")
                    buf[off + 6 : off + 8] = (flags & ~_F_ACK).to_bytes(2, "little")
                conv.expect(seq)
                seqs[seq] = i
                off += len(msgs[i])
            w = _Window(self._loop.create_future(), seq)
            for s in seqs:
                self._waiters[s] = w
            try:
                self.sock.send(bytes(buf))
                self._readable()
                await w.fut
            finally:
                for s in seqs:
                    self._waiters.pop(s, None)
                    conv.forget(s)
            for s, ev in w.events.items():
                if isinstance(ev, Error):
                    idx = seqs[s]
                    tgt = targets[idx] if targets is not None else f"#{idx}"
                    results[idx] = _to_error(ev, op, tgt, self.netns_label)
            lo = hi
        if check:
            for r in results:
                if r is not None:
                    raise r
        return results

    # -- nf_tables batches -------------------------------------------------------
    async def batch(
        self, msgs: Sequence[bytes], *, acked: Sequence[bool], op: str = "batch"
    ) -> list[Ack | Error | None]:
        """An nfnetlink batch: :meth:`rawns.transport.Channel.batch`.

        The kernel runs the batch inside ``send()``, so its answers are queued
        when it returns: they are read at once, then (if an acked message is
        still unanswered and no error came) awaited a little, as the sync
        channel does.
        """
        if len(acked) != len(msgs):
            raise ValueError("batch: one 'acked' flag per message")
        self._check_open(op)
        conv = self.conv
        buf = bytearray(b"".join(msgs))
        index: dict[int, int] = {}
        off = 0
        for i, m in enumerate(msgs):
            seq = conv.next_seq()
            stamp(buf, off, seq)
            conv.expect(seq)
            index[seq] = i
            off += len(m)
        want = {s for s, i in index.items() if acked[i]}
        w = _Window(self._loop.create_future(), None)
        for s in index:
            self._waiters[s] = w
        try:
            self.sock.send(bytes(buf))
            self._readable()  # everything the batch caused is queued already
            if want - w.events.keys() and not any(isinstance(e, Error) for e in w.events.values()):
                w.last = max(want - w.events.keys())
                if w.last in w.events:  # pragma: no cover - read meanwhile
                    w.fut.set_result(None)
                try:
                    async with asyncio.timeout(BATCH_WAIT):
                        await w.fut
                except TimeoutError:
                    pass
        finally:
            for s in index:
                self._waiters.pop(s, None)
                conv.forget(s)
        results: list[Ack | Error | None] = [None] * len(msgs)
        for s, ev in w.events.items():
            results[index[s]] = ev
        return results
