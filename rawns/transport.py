"""AF_NETLINK sockets and the request/ack, dump and pipelined exchanges.

The only module (with :mod:`rawns.netns`) that touches sockets. Requests are
built elsewhere as bytes with ``seq == 0``; a :class:`Channel` stamps each with
a fresh sequence number, sends, and drives a
:class:`~rawns._conversation.Conversation` with what comes back.

Every socket enables ``NETLINK_EXT_ACK`` (the kernel explains refusals),
``NETLINK_GET_STRICT_CHK`` (dump filters are honoured or refused, never
silently ignored) and ``NETLINK_CAP_ACK`` (errors do not echo the whole
request, which keeps acks of big batches small). Buffers are forced large
(``SO_RCVBUFFORCE`` when privileged) so that bulk acks and dumps do not
overrun.
"""

from __future__ import annotations

import _socket  # socket.py's enums cost an import; the C module has all this needs
import _thread  # its locks are threading's; threading itself costs an import
import errno
import gc
import os
import struct
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from itertools import starmap
from mmap import mmap as _mmap

from . import _check
from ._conversation import Ack, Conversation, Done, Error, Event, Overrun, Reply
from ._typing import WeakSet  # not weakref's: _weakrefset costs an import
from ._wire import NLM_F
from .errors import DecodeError, DumpInterrupted, KernelError, kernel_error

TYPE_CHECKING = False  # not typing's: importing it costs (rawns._typing)
if TYPE_CHECKING:
    from contextlib import AbstractContextManager
    from typing import TypeVar

    T = TypeVar("T")

__all__ = [
    "DUMP_RETRIES",
    "NETLINK_NETFILTER",
    "NETLINK_ROUTE",
    "Channel",
    "NetlinkSocket",
]

NETLINK_ROUTE = 0
NETLINK_NETFILTER = 12

SOL_NETLINK = 270
NETLINK_ADD_MEMBERSHIP = 1
NETLINK_DROP_MEMBERSHIP = 2
NETLINK_NO_ENOBUFS = 5
NETLINK_CAP_ACK = 10
NETLINK_EXT_ACK = 11
NETLINK_GET_STRICT_CHK = 12

SO_SNDBUFFORCE = 32
SO_RCVBUFFORCE = 33

#: How many times a dump interrupted by concurrent changes (NLM_F_DUMP_INTR)
#: is retried before :class:`~rawns.errors.DumpInterrupted` is raised.
DUMP_RETRIES = 3

RCVBUF = 32 << 20
SNDBUF = 32 << 20
RECV_SIZE = 1 << 20  # a dump datagram is at most ~32 KiB; one message may be larger
PIPELINE_WINDOW = 2048  # requests per send (only the last asks for an ACK)
PIPELINE_BYTES = 256 << 10  # and at most this many bytes per send
BATCH_WAIT = 5.0  # seconds Channel.batch waits for acks that were not queued by send()

_MSG_TRUNC = _socket.MSG_TRUNC  # a plain int (socket.py's IntFlag | int runs Python code)
_SEQ = struct.Struct("=I")
_F_ACK = int(NLM_F.ACK)
# nlmsg_flags is a host-order u16 at offset 6; NLM_F_ACK (4) is in its low byte.
_ACK_BYTE = 6 if sys.byteorder == "little" else 7
_NOT_ACK = 0xFF & ~_F_ACK


class NetlinkSocket:
    """One AF_NETLINK socket, opened in the calling thread's network namespace."""

    def __init__(
        self, protocol: int, *, groups: Iterable[int] = (), netns_fd: int | None = None
    ) -> None:
        """Open the socket in the calling thread's namespace, or with ``netns_fd`` in that
        namespace (from the calling thread, which stays where it is)."""
        s = _open(protocol) if netns_fd is None else _open_in(netns_fd, protocol)
        try:
            for opt in (NETLINK_EXT_ACK, NETLINK_GET_STRICT_CHK, NETLINK_CAP_ACK):
                try:
                    s.setsockopt(SOL_NETLINK, opt, 1)
                except OSError as e:  # pragma: no cover - very old kernels
                    if e.errno != errno.ENOPROTOOPT:
                        raise
            _set_buf(s, SO_RCVBUFFORCE, _socket.SO_RCVBUF, RCVBUF)
            _set_buf(s, SO_SNDBUFFORCE, _socket.SO_SNDBUF, SNDBUF)
            s.bind((0, 0))
            for g in groups:
                s.setsockopt(SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, g)
        except BaseException:
            s.close()
            raise
        self.sock = s
        self.protocol = protocol
        self.port: int = s.getsockname()[0]
        # Anonymous memory, not bytearray(RECV_SIZE): the kernel maps its zero pages
        # as they are first written, while a bytearray zeroes the whole MiB up front
        # (tens of microseconds per socket; a reply touches one page).
        self._buf = _mmap(-1, RECV_SIZE)
        self._view = memoryview(self._buf)

    def fileno(self) -> int:
        return self.sock.fileno()

    def close(self) -> None:
        self._view.release()
        self.sock.close()

    @property
    def closed(self) -> bool:
        return self.sock.fileno() < 0

    def send(self, data: bytes) -> None:
        # A netlink send is all or nothing (one skb); EINTR is retried by Python (PEP 475).
        self.sock.send(data)

    def recv(self, flags: int = 0) -> bytes:
        """One datagram. Raises :class:`DecodeError` if it did not fit the buffer.

        ``flags`` go to ``recv`` (``MSG_DONTWAIT`` raises BlockingIOError
        when nothing is queued). With MSG_TRUNC, netlink returns the
        datagram's whole length even when it did not fit (netlink_recvmsg),
        which tells a cut datagram without recvmsg's address and flags.
        """
        n = self.sock.recv_into(self._buf, 0, flags | _MSG_TRUNC)
        if n > RECV_SIZE:
            raise DecodeError(f"netlink datagram larger than the {len(self._buf)}-byte buffer")
        return bytes(self._view[:n])

    def add_membership(self, group: int) -> None:
        self.sock.setsockopt(SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, group)


_FLAGS = _socket.SOCK_RAW | _socket.SOCK_CLOEXEC


def _open(protocol: int) -> _socket.socket:
    return _socket.socket(_socket.AF_NETLINK, _FLAGS, protocol)


def _open_in(netns_fd: int, protocol: int) -> _socket.socket:
    """A netlink socket made in the namespace ``netns_fd`` by one C call (the thread
    never waits elsewhere), the fd owned by a socket object as it comes out: each
    step's result goes into a list inside one C call (``list.extend`` over
    ``starmap``, as :func:`rawns._netns_fd._owning`), so an exception from a signal
    handler comes before the socket is made or after it is owned, never between."""
    # rawns_socket_in (csrc): enter, socket(), come home, in one C call, so no Python
    # signal handler runs while the thread is away; the fd, or -errno and nothing made.
    from ._native import lib

    fd: list[int] = []
    owner: list[_socket.socket] = []
    try:
        fd.extend(starmap(lib.rawns_socket_in, ((netns_fd, _socket.AF_NETLINK, _FLAGS, protocol),)))
        if fd[0] < 0:
            err = -fd[0]
            raise OSError(err, f"netlink socket in a namespace: {os.strerror(err)}")
        owner.extend(starmap(_socket.socket, ((_socket.AF_NETLINK, _FLAGS, protocol, fd[0]),)))
    except BaseException:
        if fd and fd[0] >= 0 and not owner:
            os.close(fd[0])
        raise
    return owner[0]


def _set_buf(s: _socket.socket, force: int, plain: int, size: int) -> None:
    try:
        s.setsockopt(_socket.SOL_SOCKET, force, size)
    except PermissionError:
        # Unprivileged: the kernel caps this at net.core.[rw]mem_max.
        s.setsockopt(_socket.SOL_SOCKET, plain, size)


def stamp(data: bytearray, offset: int, seq: int) -> None:
    """Write ``seq`` into the message header that starts at ``offset``."""
    _SEQ.pack_into(data, offset + 8, seq)


class Channel:
    """A netlink socket plus its conversation: request/ack, dump and pipelining.

    A Channel serialises its exchanges with a lock, so sharing one between
    threads is safe (requests simply take turns).
    """

    #: :meth:`request` takes a function as ``target`` too (called only for an error).
    lazy_targets = True

    def __init__(self, sock: NetlinkSocket) -> None:
        self.sock = sock
        self.conv = Conversation(sock.port)
        self._lock = _thread.allocate_lock()
        # seq of a dump left half-read (parse error, KeyboardInterrupt...)
        self._abandoned: int | None = None
        #: The namespace the socket lives in, named in every KernelError when it
        #: is not the caller's (set by Handle.open); read only on the error path.
        self.netns_label: str | None = None
        self._pid = os.getpid()
        _CHANNELS.add(self)

    def close(self) -> None:
        with self._lock:
            if not self.sock.closed:
                self.sock.close()

    @property
    def closed(self) -> bool:
        return self.sock.closed

    def check_process(self, op: str = "netlink") -> None:
        """Refuse use from a forked child: the socket, and its port id, are the parent's.

        Both processes would read replies meant for the other. A child opens
        its own handles (and may close inherited ones).
        """
        if self._pid != os.getpid():
            raise ValueError(
                f"{op}: this handle was opened in process {self._pid}, not in this forked "
                f"child ({os.getpid()}); open a new Handle here"
            )

    def _check_open(self, op: str) -> None:
        """Refuse a closed channel; finish reading an abandoned dump first (under the lock)."""
        if self.sock.closed:
            raise ValueError(f"{op}: the handle is closed")
        self.check_process(op)
        if self._abandoned is not None:
            self._drain_abandoned(self._abandoned)
        if _fault_plan:
            _inject_fault(op, self.netns_label)

    def _drain_abandoned(self, seq: int) -> None:
        """Read and drop the rest of dump ``seq``, which its caller stopped reading.

        The kernel runs one dump per socket and keeps it running until its
        NLMSG_DONE is read: a new dump meanwhile is refused with EBUSY
        (net/netlink/af_netlink.c: __netlink_dump_start). The kernel queues
        the next part of a dump inside each recvmsg() (netlink_recvmsg ->
        netlink_dump), so while the dump runs there is always something to
        read: non-blocking reads finish it without ever waiting.
        """
        conv = self.conv
        while conv.is_pending(seq):
            try:
                data = self.sock.recv(_socket.MSG_DONTWAIT)
            except BlockingIOError:
                break  # nothing queued: the dump is over (its DONE went with a bad datagram)
            try:  # noqa: SIM105 - contextlib.suppress would cost an import (issue 13)
                conv.receive(data)
            except DecodeError:
                pass
        conv.forget(seq)
        self._abandoned = None

    # -- one request -------------------------------------------------------
    def request(self, msg: bytes, *, op: str, target: str | Callable[[], str] = "") -> list[Reply]:
        """Send one request (flags must include NLM_F_ACK) and wait for its ACK.

        Returns the reply messages that came before the ACK (a get's answer,
        or an echo); raises :class:`KernelError` if the kernel refused.
        ``target`` names the request in that error: a str, or a function
        making it, called only then (a verb's label costs nothing on success).
        """
        with self._lock:
            self._check_open(op)
            conv = self.conv
            seq = conv.next_seq()
            conv.expect(seq)
            try:
                self.sock.send(b"".join((msg[:8], _SEQ.pack(seq), msg[12:])))  # stamp seq
                replies: list[Reply] = []
                while True:
                    data = self.sock.recv()
                    if conv.acked(data, seq):  # the usual answer, checked as receive() would
                        return replies
                    for ev in conv.receive(data):
                        if isinstance(ev, Reply):
                            replies.append(ev)
                        elif isinstance(ev, Ack):
                            return replies
                        elif isinstance(ev, Error):
                            name = target if isinstance(target, str) else target()
                            raise _to_error(ev, op, name, self.netns_label)
                        elif isinstance(ev, Done):  # a request answered like a dump
                            return replies
            finally:
                conv.forget(seq)

    # -- dumps -------------------------------------------------------------
    def dump(
        self,
        msg: bytes,
        parse: Callable[[bytes], T | None] | None = None,
        *,
        op: str,
        target: str = "",
        retries: int | None = None,
        parse_at: Callable[[bytes, int, int], T | None] | None = None,
        parse_run: Callable[[bytes, int, list[T]], int] | None = None,
    ) -> list[T]:
        """Send a dump request and decode every part (None results are skipped).

        Give ``parse(payload)``, or, faster, ``parse_at(buffer, start, end)``
        which decodes each message where it lies in the received datagram
        (no per-message copy or event object). ``parse_run`` may also decode
        runs of alike messages in one call (see
        :meth:`~rawns._conversation.Conversation.receive_dump`).

        Dump consistency policy (one for all of rawns): if the kernel flags
        the dump ``NLM_F_DUMP_INTR`` (the table changed while it was being
        walked), the whole dump is retried, up to :data:`DUMP_RETRIES` times;
        then :class:`DumpInterrupted` is raised carrying the last partial result.

        The cyclic garbage collector is paused while the dump is decoded,
        and only when this is the process's only thread: decoding allocates
        a few objects per item, and the collector would rescan the growing
        result again and again (docs/benchmarks.md, W4). The switch is
        process-wide, so with another thread alive (which could see it, or
        flip it meanwhile) it is left alone. It is restored before returning.
        """
        if parse_at is None:
            if parse is None:
                raise TypeError("Channel.dump() needs parse or parse_at")
            one = parse

            def parse_at(data: bytes, start: int, end: int) -> T | None:
                return one(data[start:end])

        attempts = (DUMP_RETRIES if retries is None else retries) + 1
        out: list[T] = []
        # threading counts the threads it knows of; never imported, it would count
        # this one only (the same answer, without importing it)
        threading = sys.modules.get("threading")
        pause_gc = (threading is None or threading.active_count() == 1) and gc.isenabled()
        if pause_gc:
            gc.disable()
        try:
            for _ in range(attempts):
                out, interrupted = self._dump_once(msg, parse_at, parse_run, op, target)
                if not interrupted:
                    return out
        finally:
            if pause_gc:
                if not gc.get_freeze_count():
                    # Promote what the dump made to the oldest generation without
                    # the young-generation scan over all of it that the first
                    # allocation after enable() would start (freeze and unfreeze
                    # only relink lists), as collections during the dump would
                    # have promoted it. Skipped if the program froze objects
                    # itself: unfreeze() would thaw those too.
                    gc.freeze()
                    gc.unfreeze()
                gc.enable()
        raise DumpInterrupted(op, attempts, out)

    def _dump_once(
        self,
        msg: bytes,
        parse_at: Callable[[bytes, int, int], T | None],
        parse_run: Callable[[bytes, int, list[T]], int] | None,
        op: str,
        target: str,
    ) -> tuple[list[T], bool]:
        with self._lock:
            self._check_open(op)
            conv = self.conv
            seq = conv.next_seq()
            buf = bytearray(msg)
            stamp(buf, 0, seq)
            conv.expect(seq, dump=True)
            out: list[T] = []
            try:
                self.sock.send(bytes(buf))
                while True:
                    for ev in conv.receive_dump(self.sock.recv(), seq, parse_at, out, parse_run):
                        if isinstance(ev, Done):
                            if ev.seq == seq:
                                return out, ev.interrupted
                        elif isinstance(ev, Error):
                            if ev.seq == seq:
                                raise _to_error(ev, op, target, self.netns_label)
                        elif isinstance(ev, Ack) and ev.seq == seq:
                            return out, False
            finally:
                if conv.is_pending(seq):
                    # Left half way (parse raised, a signal handler raised, even
                    # right after send() returned): the kernel's dump may still
                    # run; the next exchange drains it (never blocking).
                    self._abandoned = seq
                else:
                    conv.forget(seq)

    # -- pipelining --------------------------------------------------------
    def pipeline(
        self,
        msgs: Sequence[bytes],
        *,
        op: str,
        targets: Sequence[str] | None = None,
        check: bool = True,
    ) -> list[KernelError | None]:
        """Send many requests back to back; return one result per request.

        For requests the kernel answers with an ACK only (adds, sets,
        deletes). Requests go out in windows (:func:`windows`), each in one
        ``send``, only its last request asking for an ACK (see :class:`Window`:
        silence means success), which saves one datagram (and one ``recv``)
        per request.

        Returns ``None`` for success or the :class:`KernelError`, per
        request. With ``check`` (the default) the first error is raised after
        all windows are done.
        """
        results: list[KernelError | None] = [None] * len(msgs)
        with self._lock:
            self._check_open(op)
            conv = self.conv
            for lo, hi in windows(msgs):
                w = Window(conv, msgs[lo:hi], op=op, netns=self.netns_label)
                try:
                    self.sock.send(w.data)
                    while not w.done:
                        for ev in conv.receive(self.sock.recv()):
                            w.event(ev)
                finally:
                    w.close()
                w.report(results, lo, targets)
        return checked(results, check)

    # -- nf_tables batches ---------------------------------------------------
    def batch(
        self, msgs: Sequence[bytes], *, acked: Sequence[bool], op: str = "batch"
    ) -> list[Ack | Error | None]:
        """Send ``msgs`` (an nfnetlink BEGIN ... END batch) in one datagram.

        Each message gets the next sequence number, stamped in place. The
        result has one entry per message: its :class:`Ack`, its
        :class:`Error`, or ``None`` if the kernel sent nothing for it (no
        NLM_F_ACK requested and no error).

        The kernel processes a batch synchronously inside ``sendmsg()``
        (netlink_unicast_kernel -> nfnetlink_rcv_batch, commit included), so
        every ack and error is already queued when ``send`` returns: the
        socket is drained without blocking. Only if an ``acked`` message is
        still unanswered and no error came does it wait (bounded) for more.
        """
        if len(acked) != len(msgs):
            raise ValueError("batch: one 'acked' flag per message")
        with self._lock:
            self._check_open(op)
            conv = self.conv
            w = Window(conv, msgs, op=op, netns=self.netns_label, acked=acked)
            try:
                self.sock.send(w.data)
                waited = False
                while True:
                    try:
                        data = self.sock.recv(_socket.MSG_DONTWAIT)
                    except BlockingIOError:
                        if w.done or waited:
                            break
                        # Not expected (the batch ran inside send()); wait a little once.
                        waited = True
                        import select  # here: an extension module of its own (issue 13)

                        r, _, _ = select.select([self.sock.sock], [], [], BATCH_WAIT)
                        if not r:
                            break
                        continue
                    for ev in conv.receive(data):
                        w.event(ev)
            finally:
                w.close()
        return w.answered()


def windows(msgs: Sequence[bytes]) -> Iterator[tuple[int, int]]:
    """The windows ``msgs[lo:hi]`` of a pipeline, in order.

    Up to :data:`PIPELINE_WINDOW` messages and about :data:`PIPELINE_BYTES`
    each (a window closes once it holds that many bytes), never empty.
    """
    n = len(msgs)
    lo = 0
    while lo < n:
        hi, size = lo, 0
        while hi < n and hi - lo < PIPELINE_WINDOW and size < PIPELINE_BYTES:
            size += len(msgs[hi])
            hi += 1
        yield lo, hi
        lo = hi


class Window:
    """Requests sent in one datagram, and the answer to each: sans I/O.

    The windowing both drivers share (:meth:`Channel.pipeline` and
    :meth:`Channel.batch` here, their twins in ``rawns.aio``): it stamps
    each message with the next sequence number, tells the conversation to
    expect it, and keeps the first :class:`Ack` or :class:`Error` for each;
    a driver sends :attr:`data`, feeds it the conversation's events until
    :attr:`done`, and then calls :meth:`close` (also when it gives up).

    A pipeline window (``acked`` None) asks for an ACK on its last message
    only; the flag is cleared on the others. The kernel handles a
    datagram's messages in order and always reports a failure, ACK flag or
    not (``netlink_rcv_skb``), so once the last ACK is in, every earlier
    failure has arrived too, and silence means success. A batch window
    keeps the flags as built, ``acked`` telling which messages ask for an
    ACK: it is done once those are answered, or as soon as an error came
    (nfnetlink then aborts the rest of the batch).
    """

    __slots__ = ("_batch", "_want", "answers", "conv", "data", "errors", "index", "netns", "op")

    def __init__(
        self,
        conv: Conversation,
        msgs: Sequence[bytes],
        *,
        op: str,
        netns: str | None = None,
        acked: Sequence[bool] | None = None,
    ) -> None:
        buf = bytearray(b"".join(msgs))
        seqs = conv.expect_many(len(msgs))
        index = dict(zip(seqs, range(len(msgs)), strict=True))
        want: set[int] = set()
        pack_seq = _SEQ.pack_into
        off = 0
        if acked is None:
            # Only the window's last message asks for an ACK: clear the flag on the others.
            for seq, m in zip(seqs, msgs, strict=True):
                pack_seq(buf, off + 8, seq)
                buf[off + _ACK_BYTE] &= _NOT_ACK
                off += len(m)
            if msgs:  # the last one's flags as built
                buf[off - len(msgs[-1]) + _ACK_BYTE] = msgs[-1][_ACK_BYTE]
                want.add(seqs[-1])
        else:
            for seq, m, a in zip(seqs, msgs, acked, strict=True):
                pack_seq(buf, off + 8, seq)
                if a:
                    want.add(seq)
                off += len(m)
        self.conv, self.op, self.netns = conv, op, netns
        self.data = bytes(buf)
        #: seq -> the message's position in the window.
        self.index = index
        #: seq -> the first answer the kernel sent for it.
        self.answers: dict[int, Ack | Error] = {}
        self.errors = 0
        self._want = want
        self._batch = acked is not None

    @property
    def done(self) -> bool:
        """Every message that asked for an ACK is answered (a batch: or an error came)."""
        return not self._want or (self._batch and self.errors > 0)

    def event(self, ev: Event) -> None:
        """Take one event of the conversation; other exchanges' answers are ignored."""
        if isinstance(ev, Ack | Error):
            seq = ev.seq
            if seq in self.index and seq not in self.answers:
                self.answers[seq] = ev
                self._want.discard(seq)
                if isinstance(ev, Error):
                    self.errors += 1
        elif isinstance(ev, Overrun):
            what = "batch acks" if self._batch else "pipeline"
            raise kernel_error(errno.ENOBUFS, op=self.op, target=what, netns=self.netns)

    def close(self) -> None:
        """Stop waiting for the window's messages (late answers are dropped)."""
        forget = self.conv.forget
        for seq in self.index:
            forget(seq)

    def report(
        self, results: list[KernelError | None], lo: int, targets: Sequence[str] | None
    ) -> None:
        """Put each refusal into ``results[lo + i]``, named by its target (or ``#i``)."""
        for seq, ev in self.answers.items():
            if isinstance(ev, Error):
                i = lo + self.index[seq]
                tgt = targets[i] if targets is not None else f"#{i}"
                results[i] = _to_error(ev, self.op, tgt, self.netns)

    def answered(self) -> list[Ack | Error | None]:
        """One entry per message: its answer, or None if the kernel sent none."""
        out: list[Ack | Error | None] = [None] * len(self.index)
        for seq, ev in self.answers.items():
            out[self.index[seq]] = ev
        return out


def checked(results: list[KernelError | None], check: bool) -> list[KernelError | None]:
    """``results``, or with ``check`` its first error raised."""
    if check:
        for r in results:
            if r is not None:
                raise r
    return results


_CHANNELS: WeakSet[Channel] = WeakSet()


def _after_fork_in_child() -> None:
    # A lock held by another thread of the parent at fork() time would never
    # be released in the child: replace them, so that using an inherited
    # handle raises (check_process) instead of deadlocking, and close() works.
    for ch in list(_CHANNELS):
        ch._lock = _thread.allocate_lock()


os.register_at_fork(after_in_child=_after_fork_in_child)


# -- fault injection (tests) ---------------------------------------------------
# A test asks for the Nth exchange (request, dump, pipeline or nf_tables batch,
# counted on every channel) to be refused as if the kernel had said ``errno``;
# multi-step helpers are then checked to leave nothing behind.


class FaultPlan:
    """The state of one :func:`fail_nth_request` block."""

    def __init__(self, n: int, err: int) -> None:
        self.n = n
        self.err = err
        self.count = 0  # exchanges seen so far
        self.fired: str | None = None  # the op refused, once it was


_fault_plan: list[FaultPlan] = []  # non-empty while a plan is active


def _inject_fault(op: str, netns: str | None = None) -> None:
    plan = _fault_plan[0]
    plan.count += 1
    if plan.count == plan.n:
        plan.fired = op
        raise kernel_error(plan.err, op=op, target="(injected fault)", netns=netns)


def fail_nth_request(n: int, err: int = errno.EPERM) -> AbstractContextManager[FaultPlan]:
    """Refuse the ``n``-th exchange (1-based) made inside the block with ``err``.

    For fault-injection tests only: ``plan.count`` tells afterwards how many
    exchanges the block made, ``plan.fired`` which one was refused (``None``
    when there were fewer than ``n``).
    """
    from contextlib import contextmanager  # tests only: contextlib costs an import (issue 13)

    return contextmanager(_failing_nth)(n, err)


def _failing_nth(n: int, err: int) -> Iterator[FaultPlan]:
    _check.integer(n, "n", 1, (1 << 63) - 1)  # a huge n only counts (tests do)
    _check.integer(err, "err", 1, 4095)  # an errno, as the kernel's -MAX_ERRNO..-1
    if _fault_plan:
        raise RuntimeError("fail_nth_request blocks do not nest")
    plan = FaultPlan(n, err)
    _fault_plan.append(plan)
    try:
        yield plan
    finally:
        _fault_plan.clear()


def _to_error(ev: Error, op: str, target: str, netns: str | None = None) -> KernelError:
    return kernel_error(
        ev.errno,
        op=op,
        target=target,
        extack=ev.extack,
        seq=ev.seq,
        offset=ev.offset,
        netns=netns,
    )
