"""Speed room: walk a run of RTM_NEWLINK messages of one dump without the generic loop.

:meth:`rawns._conversation.Conversation.receive_dump` offers each data message
of a dump to a ``parse_run`` callable before its own per-message path
(``_wire.iter_messages`` plus a ``parse_at`` call). :class:`LinkRuns` takes the
message it is offered and every following message that carries the same type,
flags, sequence number and port (link messages differ in length with their
names), decoding each with :func:`rawns.link._layout.parse_link`, exactly as
``parse_at`` would. It stops at the first message that differs, that is
shorter than a header or runs past the datagram, and hands back the offset of
that message: the generic loop then takes it, with its own checks and errors.

So the objects are the same ones, in the same order, as without it (the
differential test: tests/unit/test_link_runs.py); only the per-message walk is
cheaper. What it costs and saves is in docs/benchmarks.md (W5).
"""

from __future__ import annotations

from .._wire import NLMSG_HDRLEN, NLMSGHDR
from ._layout import parse_link
from ._types import Link

_unpack = NLMSGHDR.unpack_from


class LinkRuns:
    """A ``parse_run`` for :func:`rawns.link.dump`: see the module docstring."""

    __slots__ = ("origin", "taken")

    def __init__(self, origin: tuple[int, int] | None = None) -> None:
        self.origin = origin
        self.taken = 0  # messages decoded through runs (tests count them)

    def __call__(self, data: bytes, off: int, out: list[Link]) -> int:
        # The message at ``off`` was checked by the caller: this dump's seq, a
        # data type, the right port, no NLM_F_DUMP_INTR, wholly inside ``data``.
        n = len(data)
        origin = self.origin
        append = out.append
        mlen, mtype, flags, seq, pid = _unpack(data, off)
        taken = 0
        while True:
            end = off + mlen
            append(parse_link(data[off + NLMSG_HDRLEN : end], origin))
            taken += 1
            off = (end + 3) & ~3
            if n - off < NLMSG_HDRLEN:
                break
            mlen, t, f, s, p = _unpack(data, off)
            if t != mtype or f != flags or s != seq or p != pid:
                break
            if mlen < NLMSG_HDRLEN or off + mlen > n:
                break
        self.taken += taken
        return off
