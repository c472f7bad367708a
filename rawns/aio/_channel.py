"""AsyncChannel: one netlink socket on the event loop, many exchanges in flight.

The asyncio twin of :class:`rawns.transport.Channel`, on the same sans-I/O
:class:`~rawns._conversation.Conversation` (and the same pipeline and batch
windows, :class:`rawns.transport.Window`). The socket is non-blocking and
registered with ``loop.add_reader``: whenever it is readable, the queued
datagrams are read and turned into events, and each event goes to the waiter
of its sequence number (one dict look-up). Any number of tasks may have
requests outstanding at once; replies never cross because they are matched
by seq, not by order.

rtnetlink runs a request inside the ``send()`` that carries it, so its answer
is queued when ``send`` returns: each request goes out at once and its answer
is read on the spot (:meth:`AsyncChannel._start`). A task that awaits one
request after another never waits for the selector, nor pays a read that
finds nothing; it also does not yield to other tasks while its answers come
that way, as a sync call would not.

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
import struct
from collections.abc import AsyncGenerator, Callable, Sequence
from typing import Any

from .._conversation import Ack, Conversation, Done, Error, Event, Overrun, Reply
from .._wire import NLMSG_HDRLEN, NLMSGHDR
from ..errors import DecodeError, DumpInterrupted, KernelError, kernel_error
from ..transport import (
    BATCH_WAIT,
    DUMP_RETRIES,
    NetlinkSocket,
    Window,
    _fault_plan,
    _inject_fault,
    _to_error,
    checked,
    windows,
)

__all__ = ["AsyncChannel"]

_READS_PER_WAKE = 1024  # datagrams read per readable callback before yielding the loop
_DONTWAIT = socket.MSG_DONTWAIT
_SEQ = struct.Struct("=I")  # nlmsg_seq, at offset 8 of the header


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
    """A request not answered on the spot: the replies before its ACK (or its error)."""

    __slots__ = ("replies",)

    def __init__(self, fut: asyncio.Future[Any]) -> None:
        self.fut = fut
        self.replies: list[Reply] = []

    def event(self, ev: Event) -> None:
        if isinstance(ev, Reply):
            self.replies.append(ev)
        elif not self.fut.done():
            self.fut.set_result(ev)  # Ack, Error, or Done (a request answered like a dump)


class _Lookup(_Waiter):
    """A request sent without NLM_F_ACK: its one answer (``rtype``) ends it, decoded.

    A refusal still comes, as NLMSG_ERROR (``netlink_rcv_skb`` acks an error
    whatever the flags say). Only a lookup whose answer was not the first
    datagram queued after its send has a waiter: the reader gives it a
    datagram that is exactly its answer (:meth:`answer`, decoded straight
    from the datagram), anything else as events (:meth:`event`).
    """

    __slots__ = ("arg", "decode", "netns", "op", "rtype", "seq", "target")

    def __init__(
        self,
        fut: asyncio.Future[Any],
        seq: int,
        rtype: int,
        decode: Callable[[bytes, int, int, Any], Any],
        arg: Any,
        op: str,
        target: str,
        netns: str | None = None,
    ) -> None:
        self.fut, self.seq = fut, seq
        self.rtype, self.decode, self.arg = rtype, decode, arg
        self.op, self.target, self.netns = op, target, netns

    def answer(self, data: bytes, start: int, end: int) -> None:
        """The answer's payload is ``data[start:end]``: decode it as the result."""
        if self.fut.done():
            return
        try:
            value = self.decode(data, start, end, self.arg)
        except DecodeError as e:
            self.fut.set_exception(e)
        else:
            self.fut.set_result(value)

    def event(self, ev: Event) -> None:
        if self.fut.done():
            return
        if isinstance(ev, Reply) and ev.type == self.rtype:
            self.answer(ev.payload, 0, len(ev.payload))
        elif isinstance(ev, Error):
            self.fut.set_exception(_to_error(ev, self.op, self.target, self.netns))
        else:  # an ACK, DONE or another message: no answer will come
            self.fut.set_exception(
                DecodeError(f"{self.op} {self.target}: the kernel sent no answer")
            )


def _answers(data: bytes, seq: int, rtype: int, port: int) -> bool:
    """Whether the datagram ``data`` is exactly one message: request ``seq``'s answer.

    Its type ``rtype``, its seq, sent by the kernel to ``port``, and nothing
    else in the datagram: what the conversation would turn into the one
    Reply event of ``seq`` (the caller then forgets ``seq``).
    """
    if len(data) < NLMSG_HDRLEN:
        return False
    length, mtype, _flags, mseq, pid = NLMSGHDR.unpack_from(data)
    return bool(length == len(data) and mtype == rtype and mseq == seq and pid == port)


class _Window(_Waiter):
    """The waiter of a :class:`~rawns.transport.Window` (a pipeline's, or a batch's)."""

    __slots__ = ("window",)

    def __init__(self, fut: asyncio.Future[Any], window: Window) -> None:
        super().__init__(fut)
        self.window = window

    def event(self, ev: Event) -> None:
        self.window.event(ev)
        if self.window.done and not self.fut.done():
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
    def _readable(self, until: asyncio.Future[Any] | None = None) -> None:
        """Read what is queued (a bounded number of datagrams) and dispatch the events.

        With ``until``, stop as soon as that future is done (a request read
        on the spot leaves the rest to the reader). While a dump is being
        decoded, the cyclic garbage collector is paused for this one
        synchronous read (no task runs meanwhile) and restored before
        returning: decoding allocates a few objects per item, and the
        collector would rescan the growing result again and again (the sync
        Channel.dump pauses it for the same reason; docs/benchmarks.md, W4).
        """
        if self._dump is not None and gc.isenabled():
            gc.disable()
            try:
                self._read_queued(until)
            finally:
                if not gc.get_freeze_count():
                    # What the read made goes to the oldest generation, as the
                    # sync Channel.dump does it (freeze and unfreeze only relink
                    # lists): no young-generation scan over all of it at the first
                    # allocation after enable(). Skipped if the program froze
                    # objects itself: unfreeze() would thaw those too.
                    gc.freeze()
                    gc.unfreeze()
                gc.enable()
        else:
            self._read_queued(until)

    def _read_queued(self, until: asyncio.Future[Any] | None) -> None:
        waiters = self._waiters
        port = self.conv.port
        recv = self.sock.recv
        for _ in range(_READS_PER_WAKE):
            if self._closed or (until is not None and until.done()):
                return
            try:
                data = recv(_DONTWAIT)
            except BlockingIOError:
                return
            except DecodeError as e:  # larger than the buffer: nobody's answer can be trusted
                self._fail_all(e)
                continue
            if len(data) >= NLMSG_HDRLEN:
                # The fast path, dispatched by seq: a datagram that is exactly
                # one lookup's answer (_answers), decoded in place.
                w = waiters.get(_SEQ.unpack_from(data, 8)[0])
                if w.__class__ is _Lookup and _answers(data, w.seq, w.rtype, port):
                    w.answer(data, NLMSG_HDRLEN, len(data))
                    continue
            self._take(data)

    def _take(self, data: bytes) -> None:
        """One datagram through the conversation; its events to their waiters."""
        conv = self.conv
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
            return
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
        self._done(d.seq)
        if self._dump is d:
            self._dump = None
            if self._slot.locked():
                self._slot.release()

    # -- one request ---------------------------------------------------------
    def _start(self, op: str, msg: bytes) -> tuple[int, bytes | None]:
        """Send ``msg`` with a new seq; the seq, and the first datagram queued (None: none).

        rtnetlink runs a request inside the send() that carries it, so its
        answer is queued when send returns: the caller looks at it at once
        and, when it is the answer, is done -- no future, no waiter, no trip
        through the selector, as the sync Channel reads it. (Sending the
        requests of one turn of the loop together, one send for many, saves
        syscalls but costs each task a second step, waiting for that send:
        measured, no cheaper.) Otherwise the caller registers a waiter
        (:meth:`_wait`).
        """
        self._check_open(op)
        conv = self.conv
        seq = conv.next_seq()
        conv.expect(seq)
        try:
            self.sock.send(b"".join((msg[:8], _SEQ.pack(seq), msg[12:])))
            return seq, self.sock.recv(_DONTWAIT)
        except BlockingIOError:
            return seq, None
        except DecodeError as e:  # a datagram too big for the buffer: as the reader does
            self._done(seq)
            self._fail_all(e)
            raise
        except BaseException:
            self._done(seq)
            raise

    def _wait(self, seq: int, w: _Waiter, data: bytes | None) -> None:
        """``w`` gets ``seq``'s events from now on, starting with ``data`` (read already)."""
        self._waiters[seq] = w
        if data is not None:
            self._take(data)
        self._readable(w.fut)

    def _done(self, seq: int) -> None:
        """Forget ``seq``: its waiter, and any answer still to come (dropped)."""
        self._waiters.pop(seq, None)
        self.conv.forget(seq)

    async def request(
        self, msg: bytes, *, op: str, target: str | Callable[[], str] = ""
    ) -> list[Reply]:
        """Send one request and await its ACK: :meth:`rawns.transport.Channel.request`.

        ``target`` names the request in an error: a str, or a function making
        it, called only then.
        """
        seq, data = self._start(op, msg)
        try:
            if data is not None and self.conv.acked(data, seq):  # the usual answer
                return []
            w = _Req(self._loop.create_future())
            self._wait(seq, w, data)
            ev = await w.fut
        finally:
            self._done(seq)
        if isinstance(ev, Error):
            name = target if isinstance(target, str) else target()
            raise _to_error(ev, op, name, self.netns_label)
        return w.replies

    async def lookup(
        self,
        msg: bytes,
        *,
        op: str,
        target: str,
        rtype: int,
        decode: Callable[[bytes, int, int, Any], Any],
        arg: Any = None,
    ) -> Any:
        """Send one request built without NLM_F_ACK; return its answer, decoded.

        The answer, a message of type ``rtype``, is decoded by
        ``decode(data, start, end, arg)`` (its payload's span in ``data``); a
        refusal raises the :class:`~rawns.errors.KernelError` :meth:`request`
        would. For get requests, whose answer is the whole exchange: one
        datagram back instead of two (answer, then ACK).
        """
        seq, data = self._start(op, msg)
        try:
            if data is not None and _answers(data, seq, rtype, self.conv.port):
                return decode(data, NLMSG_HDRLEN, len(data), arg)
            fut = self._loop.create_future()
            w = _Lookup(fut, seq, rtype, decode, arg, op, target, self.netns_label)
            self._wait(seq, w, data)
            return await w.fut
        finally:
            self._done(seq)

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
        seq = self.conv.next_seq()
        d = _Dump(self._loop.create_future(), seq, parse_at, parse_run)
        self._dump = d
        self.conv.expect(seq, dump=True)
        self._waiters[seq] = d
        try:
            # read by the reader: a wake reads the parts as they come
            self.sock.send(b"".join((msg[:8], _SEQ.pack(seq), msg[12:])))
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
        for lo, hi in windows(msgs):
            w = Window(self.conv, msgs[lo:hi], op=op, netns=self.netns_label)
            await self._exchange(w, until_done=True)
            w.report(results, lo, targets)
        return checked(results, check)

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
        w = Window(self.conv, msgs, op=op, netns=self.netns_label, acked=acked)
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(BATCH_WAIT):
                await self._exchange(w, until_done=False)
        return w.answered()

    async def _exchange(self, w: Window, *, until_done: bool) -> None:
        """Send a window's datagram, and wait until it is :attr:`~Window.done`.

        What the send caused is read at once: up to the window's end
        (``until_done``, a pipeline's: its last ACK comes after every earlier
        answer), or all that is queued (a batch's: every refusal of the batch
        is reported, each in its own message).
        """
        waiter = _Window(self._loop.create_future(), w)
        waiters = self._waiters
        for seq in w.index:
            waiters[seq] = waiter
        try:
            self.sock.send(w.data)
            self._readable(waiter.fut if until_done else None)
            if not w.done:
                await waiter.fut
        finally:
            for seq in w.index:
                waiters.pop(seq, None)
            w.close()
