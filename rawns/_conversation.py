"""The netlink conversation, sans I/O: datagrams in, events out.

A :class:`Conversation` knows which sequence numbers are outstanding and
whether each is a plain request (ends with an ACK or an error) or a dump
(ends with ``NLMSG_DONE``). It is fed whole datagrams as the socket returns
them and turns them into :class:`Reply`, :class:`Ack`, :class:`Error`,
:class:`Done` and :class:`Overrun` events. How the kernel packs messages into
datagrams does not change the events: each message is handled on its own.

Messages whose sequence number is not outstanding (late replies to a request
that was abandoned, e.g. after ``KeyboardInterrupt``) or whose port id is
another socket's are dropped and counted in :attr:`Conversation.dropped`.

Extended ACK (``NETLINK_EXT_ACK``), linux/netlink.h::

    NLMSG_ERROR payload:  s32 error | nlmsghdr of the request | [request payload]
                          | [TLVs: NLMSGERR_ATTR_MSG, _OFFS, _MISS_TYPE, ...]
    request payload absent  if the header has NLM_F_CAPPED   (0x100)
    TLVs present            if the header has NLM_F_ACK_TLVS (0x200)

``NLMSG_DONE`` of a dump carries an s32 too: a dump can fail half way, and
then the error (and its TLVs) travel in DONE, not in an NLMSG_ERROR.
"""

from __future__ import annotations

import struct
from collections.abc import Callable

from ._typing import NamedTuple
from ._wire import (
    NLM_F,
    NLMSG_HDRLEN,
    NLMSGHDR,
    align,
    attr_str,
    attr_u32,
    iter_attrs,
    iter_messages,
)
from .errors import DecodeError

TYPE_CHECKING = False  # not typing's: importing it costs (rawns._typing)
if TYPE_CHECKING:
    from typing import TypeVar

    T = TypeVar("T")

__all__ = ["Ack", "Conversation", "Done", "Error", "Event", "Overrun", "Reply"]

NLMSG_NOOP = 1
NLMSG_ERROR = 2
NLMSG_DONE = 3
NLMSG_OVERRUN = 4
NLMSG_MIN_TYPE = 0x10  # below this, control messages (linux/netlink.h)

NLM_F_MULTI = int(NLM_F.MULTI)
NLM_F_DUMP_INTR = int(NLM_F.DUMP_INTR)
NLM_F_CAPPED = int(NLM_F.CAPPED)
NLM_F_ACK_TLVS = int(NLM_F.ACK_TLVS)

NLMSGERR_ATTR_MSG = 1
NLMSGERR_ATTR_OFFS = 2
NLMSGERR_ATTR_MISS_TYPE = 5

# include/linux/err.h: errnos are 1..MAX_ERRNO; anything beyond is not an error
# code (and os.strerror() overflows on it further up).
MAX_ERRNO = 4095

_S32 = struct.Struct("=i")
_HDR = NLMSGHDR
#: A plain ACK: nlmsghdr, s32 error 0, the request's nlmsghdr (capped: no payload, no TLVs).
_ACK_LEN = NLMSG_HDRLEN + 4 + NLMSG_HDRLEN


class Reply(NamedTuple):
    """A message answering ``seq``: one part of a dump, or the answer to a get."""

    seq: int
    type: int
    flags: int
    payload: bytes


class Ack(NamedTuple):
    """The request ``seq`` succeeded (NLMSG_ERROR with error 0)."""

    seq: int


class Error(NamedTuple):
    """The request ``seq`` failed: ``errno`` is positive, ``extack`` the kernel's text.

    ``offset`` is the byte offset of the offending attribute in the request, as
    the kernel reports it (NLMSGERR_ATTR_OFFS); ``missing_type`` names a
    required attribute the request lacked.
    """

    seq: int
    errno: int
    extack: str | None
    offset: int | None
    missing_type: int | None
    request_type: int


class Done(NamedTuple):
    """The dump ``seq`` is complete; ``interrupted`` if any part had NLM_F_DUMP_INTR."""

    seq: int
    interrupted: bool


class Overrun(NamedTuple):
    """NLMSG_OVERRUN: the kernel dropped data for this socket."""

    seq: int


Event = Reply | Ack | Error | Done | Overrun


class Conversation:
    """Sequence numbers, port id and the state of each outstanding request."""

    __slots__ = ("_next_seq", "_pending", "dropped", "port")

    def __init__(self, port: int = 0, *, first_seq: int = 1) -> None:
        if not 0 < first_seq <= 0xFFFFFFFF:
            raise ValueError(f"first_seq must be in 1..0xFFFFFFFF, not {first_seq!r}")
        self.port = port
        self._next_seq = first_seq
        #: seq -> whether a reply to it was marked NLM_F_DUMP_INTR, per outstanding request.
        self._pending: dict[int, bool] = {}
        self.dropped = 0

    def next_seq(self) -> int:
        """Allocate a sequence number (never 0: the kernel uses 0 for notifications)."""
        seq = self._next_seq
        self._next_seq = seq + 1 if seq < 0xFFFFFFFF else 1
        return seq

    def expect(self, seq: int, *, dump: bool = False) -> None:
        """Mark ``seq`` as outstanding: a dump ends with DONE, a request with an ACK."""
        self._pending[seq] = False

    def expect_many(self, n: int) -> range:
        """Allocate ``n`` consecutive sequence numbers, each an outstanding request (not a dump).

        What ``n`` calls of :meth:`next_seq` and :meth:`expect` do, except at
        the wrap: a run that would pass 0xFFFFFFFF starts again at 1, so the
        numbers are always one ``range`` (never 0, never repeated).
        """
        if not 0 <= n <= 0xFFFFFFFF:
            raise ValueError(f"n must be in 0..0xFFFFFFFF, not {n!r}")
        first = self._next_seq
        if first + n - 1 > 0xFFFFFFFF:
            first = 1
        nxt = first + n
        self._next_seq = nxt if nxt <= 0xFFFFFFFF else 1
        seqs = range(first, nxt)
        self._pending.update(dict.fromkeys(seqs, False))
        return seqs

    def forget(self, seq: int) -> None:
        """Stop waiting for ``seq`` (its late replies will be dropped)."""
        self._pending.pop(seq, None)

    def outstanding(self) -> int:
        return len(self._pending)

    def is_pending(self, seq: int) -> bool:
        return seq in self._pending

    def acked(self, datagram: bytes, seq: int) -> bool:
        """Whether ``datagram`` is exactly the plain ACK of request ``seq`` (then it is done).

        The shortcut of a request's usual answer, with what :meth:`receive`
        would make of it: one capped NLMSG_ERROR with error 0, of the right
        port, for outstanding ``seq`` (the kernel caps every ACK: netlink_ack
        sets NLM_F_CAPPED when err is 0). Anything else returns False and is
        left for :meth:`receive`, untouched.
        """
        if len(datagram) != _ACK_LEN:
            return False
        length, mtype, flags, mseq, pid = _HDR.unpack_from(datagram)
        if (
            length != _ACK_LEN
            or mtype != NLMSG_ERROR
            or mseq != seq
            or not flags & NLM_F_CAPPED
            or (self.port and pid and pid != self.port)
            or seq not in self._pending
            or _S32.unpack_from(datagram, NLMSG_HDRLEN)[0]
        ):
            return False
        del self._pending[seq]
        return True

    def receive(self, datagram: bytes) -> list[Event]:
        """Turn one datagram into events; raises :class:`DecodeError` if malformed."""
        events: list[Event] = []
        for mtype, flags, seq, pid, start, end in iter_messages(datagram):
            self._handle(datagram, mtype, flags, seq, pid, start, end, events)
        return events

    def receive_dump(
        self,
        datagram: bytes,
        seq: int,
        parse_at: Callable[[bytes, int, int], T | None],
        out: list[T],
        parse_run: Callable[[bytes, int, list[T]], int] | None = None,
    ) -> list[Event]:
        """Like :meth:`receive`, but the data messages of dump ``seq`` are decoded in place.

        Each is handed to ``parse_at(datagram, start, end)`` (its payload
        span) and the result, unless None, appended to ``out``: no
        :class:`Reply` and no payload copy per message, which is most of a
        large dump's overhead. Everything else becomes events as usual.

        ``parse_run(datagram, off, out)``, if given, is offered each data
        message of the dump first, at ``off`` (the start of its header, which
        has been checked: this dump's seq, a data type, the right port, no
        NLM_F_DUMP_INTR, and the whole message lies in the datagram). It may
        decode that message and the messages after it whose headers carry the
        same type, flags, seq and port (each one whole in the datagram),
        appending results to ``out`` as ``parse_at`` would, and returns the
        offset just past the last message it took (``off`` for none:
        ``parse_at`` then takes that message). Big dumps (a route table)
        decode most of a datagram per call this way.
        """
        events: list[Event] = []
        port = self.port
        append = out.append
        p = self._pending.get(seq)
        off = 0
        while True:
            for mtype, flags, mseq, pid, start, end in iter_messages(datagram, off):
                if (
                    mseq == seq
                    and mtype >= NLMSG_MIN_TYPE
                    and p is not None
                    and (not port or not pid or pid == port)
                ):
                    if flags & NLM_F_DUMP_INTR:
                        self._pending[seq] = True
                    elif parse_run is not None:
                        off = parse_run(datagram, start - NLMSG_HDRLEN, out)
                        if off > start - NLMSG_HDRLEN:
                            break  # messages were decoded: walk on from the last one's end
                    obj = parse_at(datagram, start, end)
                    if obj is not None:
                        append(obj)
                else:
                    self._handle(datagram, mtype, flags, mseq, pid, start, end, events)
            else:
                return events

    def _handle(
        self,
        datagram: bytes,
        mtype: int,
        flags: int,
        seq: int,
        pid: int,
        start: int,
        end: int,
        events: list[Event],
    ) -> None:
        if self.port and pid and pid != self.port:
            self.dropped += 1
            return
        pending = self._pending
        p = pending.get(seq)
        if p is None:
            if mtype == NLMSG_OVERRUN:
                events.append(Overrun(seq))
            else:
                self.dropped += 1
            return
        if mtype == NLMSG_ERROR:
            err, ext = _parse_error(datagram, start, end, flags)
            del pending[seq]
            if err == 0:
                events.append(Ack(seq))
            else:
                events.append(Error(seq, -err, *ext))
        elif mtype == NLMSG_DONE:
            err = 0
            ext = (None, None, None, 0)
            if 0 < end - start < 4:
                raise DecodeError(f"NLMSG_DONE payload of {end - start} bytes", offset=start)
            if end - start >= 4:
                (err,) = _S32.unpack_from(datagram, start)
                if err < -MAX_ERRNO:
                    raise DecodeError(f"NLMSG_DONE with error {err}", offset=start)
                if err and flags & NLM_F_ACK_TLVS:
                    ext = (*_parse_tlvs(datagram, start + 4, end), 0)
            del pending[seq]
            if err < 0:
                events.append(Error(seq, -err, *ext))
            else:
                events.append(Done(seq, p or bool(flags & NLM_F_DUMP_INTR)))
        elif mtype == NLMSG_NOOP:
            return
        elif mtype == NLMSG_OVERRUN:
            events.append(Overrun(seq))
        else:
            if flags & NLM_F_DUMP_INTR:
                pending[seq] = True
            events.append(Reply(seq, mtype, flags, datagram[start:end]))


def _parse_tlvs(data: bytes, start: int, end: int) -> tuple[str | None, int | None, int | None]:
    msg: str | None = None
    offs: int | None = None
    miss: int | None = None
    for atype, a, b in iter_attrs(data, start, end):
        t = atype & 0x3FFF
        if t == NLMSGERR_ATTR_MSG:
            msg = attr_str(data, a, b)
        elif t == NLMSGERR_ATTR_OFFS:
            offs = attr_u32(data, a, b)
        elif t == NLMSGERR_ATTR_MISS_TYPE:
            miss = attr_u32(data, a, b)
    return msg, offs, miss


def _parse_error(
    data: bytes, start: int, end: int, flags: int
) -> tuple[int, tuple[str | None, int | None, int | None, int]]:
    """Decode an NLMSG_ERROR payload into (error, (extack, offset, missing, request type))."""
    if end - start < 4 + NLMSG_HDRLEN:
        raise DecodeError(f"NLMSG_ERROR payload of {end - start} bytes is too short", offset=start)
    (err,) = _S32.unpack_from(data, start)
    orig_len, orig_type = _HDR.unpack_from(data, start + 4)[:2]
    if err > 0 or err < -MAX_ERRNO:
        raise DecodeError(f"NLMSG_ERROR with error {err} outside -4095..0", offset=start)
    tlv = start + 4 + NLMSG_HDRLEN
    if not flags & NLM_F_CAPPED:
        if orig_len < NLMSG_HDRLEN:
            raise DecodeError(f"echoed request length {orig_len} is too short", offset=start + 4)
        tlv = start + 4 + align(orig_len)
    if tlv > end:
        raise DecodeError(
            f"echoed request of {orig_len} bytes runs past the NLMSG_ERROR payload", offset=start
        )
    if flags & NLM_F_ACK_TLVS and tlv < end:
        return err, (*_parse_tlvs(data, tlv, end), orig_type)
    return err, (None, None, None, orig_type)
