"""Verbs as plans: one body per verb, driven by the sync handle or by the asyncio one.

A verb's logic (check its arguments, build requests, look names up, decode
what comes back) is written once as a *plan*: a generator that yields the
exchanges it needs -- :class:`Request`, :class:`Dump`, :class:`Pipeline`,
:class:`Batch`, and :class:`Blocking` for work that must run in a thread with
a sync :class:`~rawns.Handle` (a tun device's ioctl, a namespace's sysctl) --
and is sent each result (or has the exchange's exception thrown in), and
finally returns the verb's value. Sub-steps compose with ``yield from``.

Two thin drivers run plans: :func:`drive` here, over a Handle's blocking
channels (what every sync verb does), and ``rawns.aio``'s, over an
``AsyncHandle`` (awaiting each exchange on the event loop). Neither knows
anything about links or routes; no verb logic is written twice. This module
imports no asyncio: the sync API never loads it.
"""

from __future__ import annotations

from collections.abc import Callable, Generator, Sequence

TYPE_CHECKING = False  # not typing's: importing it costs (rawns._typing)
if TYPE_CHECKING:
    from typing import Any, Protocol, TypeVar

    from .handle import Handle
    from .transport import Channel

    T = TypeVar("T")

__all__ = ["Batch", "Blocking", "Dump", "Op", "Pipeline", "Plan", "Request", "drive"]


class Request:
    """One request; the plan is sent the replies that came before its ACK (``Channel.request``).

    ``target`` names it in errors: a str, or a function making one, which a
    :class:`~rawns.transport.Channel` calls only if the kernel refuses (labels
    cost nothing on success).
    """

    __slots__ = ("_target", "msg", "nfnl", "op")

    def __init__(
        self, msg: bytes, op: str, target: str | Callable[[], str] = "", *, nfnl: bool = False
    ) -> None:
        self.msg, self.op, self._target, self.nfnl = msg, op, target, nfnl

    @property
    def target(self) -> str:
        t = self._target
        return t if isinstance(t, str) else t()

    def sync(self, ch: Channel) -> object:
        t = self._target
        if not isinstance(t, str) and not getattr(ch, "lazy_targets", False):
            t = t()  # a channel that wants the str (a test's recorder)
        return ch.request(self.msg, op=self.op, target=t)


class Dump:
    """A dump; the plan is sent the decoded list (``Channel.dump``, its consistency policy)."""

    __slots__ = ("msg", "nfnl", "op", "parse_at", "parse_run", "target")

    def __init__(
        self,
        msg: bytes,
        op: str,
        target: str,
        parse_at: Callable[[bytes, int, int], Any],
        parse_run: Callable[[bytes, int, list[Any]], int] | None = None,
        *,
        nfnl: bool = False,
    ) -> None:
        self.msg, self.op, self.target, self.nfnl = msg, op, target, nfnl
        self.parse_at, self.parse_run = parse_at, parse_run

    def sync(self, ch: Channel) -> object:
        return ch.dump(
            self.msg,
            op=self.op,
            target=self.target,
            parse_at=self.parse_at,
            parse_run=self.parse_run,
        )


class Pipeline:
    """Many requests back to back; the plan is sent one result per request."""

    __slots__ = ("check", "msgs", "nfnl", "op", "targets")

    def __init__(
        self,
        msgs: Sequence[bytes],
        op: str,
        targets: Sequence[str] | None,
        check: bool,
        *,
        nfnl: bool = False,
    ) -> None:
        self.msgs, self.op, self.targets, self.check, self.nfnl = msgs, op, targets, check, nfnl

    def sync(self, ch: Channel) -> object:
        return ch.pipeline(self.msgs, op=self.op, targets=self.targets, check=self.check)


class Batch:
    """An nfnetlink BEGIN ... END batch (``Channel.batch``), always on the nfnetlink socket."""

    __slots__ = ("acked", "msgs", "op")
    nfnl = True

    def __init__(self, msgs: Sequence[bytes], acked: Sequence[bool], op: str = "batch") -> None:
        self.msgs, self.acked, self.op = msgs, acked, op

    def sync(self, ch: Channel) -> object:
        return ch.batch(self.msgs, acked=self.acked, op=self.op)


class Blocking:
    """Work that needs a sync :class:`~rawns.Handle` on the same namespace (ioctls, sysctls).

    The sync driver calls ``fn(h)``; the asyncio driver runs it in a worker
    thread with a Handle of its own on the namespace, so the loop never blocks.
    """

    __slots__ = ("fn",)
    nfnl = False

    def __init__(self, fn: Callable[[Handle], object]) -> None:
        self.fn = fn


Op = Request | Dump | Pipeline | Batch | Blocking

if TYPE_CHECKING:
    #: A verb's body: yields exchanges, is sent their results, returns the verb's value.
    Plan = Generator[Op, Any, T]

    class _Handles(Protocol):
        @property
        def rtnl(self) -> Channel: ...
        @property
        def nfnl(self) -> Channel: ...

else:
    Plan = Generator  # (annotations only: `-> Plan[int]` is never evaluated)


def drive(h: object, plan: Plan[T]) -> T:
    """Run ``plan`` over a sync Handle's channels; return its value or raise its error.

    An exchange's exception is thrown into the plan (where a verb may handle
    it, as ``route.dump`` does a missing table), so tracebacks show the verb.
    """
    if getattr(h, "is_async", False):
        plan.close()
        raise TypeError(
            f"h must be a rawns.Handle (Handle.open(netns=...)), not an AsyncHandle: {h!r} "
            "(its verbs are the coroutines of rawns.aio)"
        )
    hh: Any = h  # the plan checks h before its first exchange
    try:
        op = next(plan)
        while True:
            try:
                if isinstance(op, Blocking):
                    result = op.fn(hh)
                else:
                    result = op.sync(hh.nfnl if op.nfnl else hh.rtnl)
            except BaseException as e:
                op = plan.throw(e)
            else:
                op = plan.send(result)
    except StopIteration as stop:
        value: T = stop.value
        return value
