"""AsyncHandle and the asyncio driver of the verbs' plans (rawns._plan).

``await AsyncHandle.open(netns=ns)`` opens the sockets inside ``ns`` exactly
as :meth:`rawns.Handle.open` does (a short-lived helper thread, awaited once,
so the loop never blocks), then hands them to :class:`AsyncChannel`\\ s on the
running loop. :func:`adrive` runs a verb's plan over them: the same plan the
sync verb runs with :func:`rawns._plan.drive`, so the two APIs cannot drift.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable, Generator
from types import TracebackType
from typing import Any, Generic, TypeVar

from .. import _check
from .. import netns as _netns
from .._plan import Batch, Blocking, Dump, Op, Pipeline, Plan, Request
from ..handle import Handle
from ._channel import AsyncChannel

__all__ = ["AsyncHandle", "DumpCall", "adrive"]

T = TypeVar("T")


class AsyncHandle:
    """rtnetlink (and, on first use, nfnetlink) sockets of one namespace, on an event loop.

    Many tasks may use one AsyncHandle at once: each exchange is matched to
    its replies by sequence number. It belongs to the loop that opened it.
    """

    #: Tells rawns._plan.drive (the sync driver) to refuse this handle.
    is_async = True

    def __init__(self, sync: Handle, loop: asyncio.AbstractEventLoop) -> None:
        # Made by open(): ``sync`` owns the namespace fd and the sockets, which
        # from now on are only read through the AsyncChannels.
        if not isinstance(sync, Handle):
            raise TypeError(f"sync must be a rawns.Handle, not {type(sync).__name__}")
        self._sync = sync
        self._loop = loop
        self._rtnl = AsyncChannel(sync._rtnl.sock, loop, sync._rtnl.netns_label)
        self._nfnl: AsyncChannel | None = None
        self._nfnl_opening: asyncio.Future[AsyncChannel] | None = None

    @classmethod
    async def open(cls, netns: _netns.NetnsLike | None = None) -> AsyncHandle:
        """Open a handle on ``netns``, as :meth:`rawns.Handle.open` takes it, without blocking.

        Raises what :meth:`rawns.Handle.open` raises. Cancelled while the
        helper thread works, the handle it made is closed for it.
        """
        loop = asyncio.get_running_loop()
        if netns is None:
            return cls(Handle.open(), loop)  # a socket in this thread's namespace: no wait
        work = loop.run_in_executor(None, Handle.open, netns)
        try:
            sync = await asyncio.shield(work)
        except asyncio.CancelledError:
            work.add_done_callback(_close_orphan)
            raise
        return cls(sync, loop)

    @property
    def netns(self) -> _netns.Netns | None:
        return self._sync.netns

    @property
    def netns_ident(self) -> tuple[int, int]:
        """The namespace's identity: (st_dev, st_ino) of its nsfs inode."""
        return self._sync.netns_ident

    @property
    def netns_label(self) -> str:
        return self._sync.netns_label

    @property
    def closed(self) -> bool:
        return self._rtnl.closed

    @property
    def rtnl(self) -> AsyncChannel:
        """The rtnetlink channel."""
        if self._rtnl.closed:
            raise ValueError("the handle is closed")
        return self._rtnl

    async def nfnl(self) -> AsyncChannel:
        """The nfnetlink channel, opened in the handle's namespace on first use."""
        if self._nfnl is None:
            if self._nfnl_opening is None:
                self._nfnl_opening = self._loop.create_future()
                try:
                    sync_ch = await asyncio.to_thread(lambda: self._sync.nfnl)
                    if self._rtnl.closed:
                        raise ValueError("the handle is closed")
                    self._nfnl = AsyncChannel(sync_ch.sock, self._loop, sync_ch.netns_label)
                    self._nfnl_opening.set_result(self._nfnl)
                except BaseException as e:
                    self._nfnl_opening.set_exception(e)
                    self._nfnl_opening.exception()  # retrieved: waiters re-raise it
                    self._nfnl_opening = None
                    raise
            else:
                return await asyncio.shield(self._nfnl_opening)
        return self._nfnl

    async def close(self) -> None:
        """Close the sockets and the namespace fd; wake every waiter (ValueError). Idempotent."""
        self._rtnl.close()
        if self._nfnl is not None:
            self._nfnl.close()
        self._sync.close()

    async def __aenter__(self) -> AsyncHandle:
        return self

    async def __aexit__(
        self, t: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.close()

    def __repr__(self) -> str:
        ns = self._sync.netns
        where = repr(ns) if ns is not None else "the caller's namespace"
        return f"<AsyncHandle {where} {'closed' if self.closed else 'open'}>"


_check.register_handle(AsyncHandle, is_async=True)  # type: ignore[arg-type]  # same properties


def _close_orphan(f: asyncio.Future[Handle]) -> None:
    if not f.cancelled() and f.exception() is None:
        f.result().close()


def _with_own_handle(ns: _netns.Netns | None, fn: Callable[[Handle], T]) -> T:
    with Handle.open(netns=ns) as sh:
        return fn(sh)


async def _channel(h: AsyncHandle, nfnl: bool) -> AsyncChannel:
    return await h.nfnl() if nfnl else h.rtnl


async def _run(h: AsyncHandle, op: Op) -> object:
    """One exchange of a plan, awaited."""
    if isinstance(op, Blocking):
        return await asyncio.to_thread(_with_own_handle, h.netns, op.fn)
    ch = await _channel(h, op.nfnl)
    if isinstance(op, Request):
        return await ch.request(op.msg, op=op.op, target=op._target)  # (lazy: see Request)
    if isinstance(op, Dump):
        return await ch.dump(
            op.msg, op=op.op, target=op.target, parse_at=op.parse_at, parse_run=op.parse_run
        )
    if isinstance(op, Pipeline):
        return await ch.pipeline(op.msgs, op=op.op, targets=op.targets, check=op.check)
    if isinstance(op, Batch):
        return await ch.batch(op.msgs, acked=op.acked, op=op.op)
    raise TypeError(f"not an exchange: {op!r}")  # pragma: no cover - plans yield ops only


def _refuse_sync(h: object, plan: Generator[Any, Any, Any]) -> None:
    if isinstance(h, Handle):
        plan.close()
        raise TypeError(
            f"h must be a rawns.aio.AsyncHandle (await AsyncHandle.open(netns=...)), not a "
            f"Handle: {h!r} (its verbs are the functions of rawns.link, rawns.route...)"
        )


async def adrive(h: AsyncHandle, plan: Plan[T]) -> T:
    """Run ``plan`` on the loop: await each exchange, send its result or throw its error in."""
    _refuse_sync(h, plan)
    try:
        op = next(plan)
        while True:
            result: object
            try:
                if type(op) is Request and not op.nfnl:  # most exchanges: no detour via _run
                    result = await h.rtnl.request(op.msg, op=op.op, target=op._target)  # lazy
                else:
                    result = await _run(h, op)
            except BaseException as e:
                op = plan.throw(e)
            else:
                op = plan.send(result)
    except StopIteration as stop:
        value: T = stop.value
        return value


class DumpCall(Generic[T]):
    """A dump verb's call: ``await`` it for the list, or ``async for`` over the items.

    ``await`` gives exactly what the sync verb returns (each attempt buffered;
    the dump consistency policy of :mod:`rawns.transport`). ``async for``
    streams the items as their datagrams arrive; after NLM_F_DUMP_INTR the
    dump restarts, and items already yielded come again (see docs/asyncio.md).
    Use a call once.
    """

    __slots__ = ("_h", "_plan")

    def __init__(self, h: AsyncHandle, plan: Plan[list[T]]) -> None:
        self._h = h
        self._plan = plan

    def __await__(self) -> Generator[Any, None, list[T]]:
        return adrive(self._h, self._plan).__await__()

    def __aiter__(self) -> AsyncIterator[T]:
        return self._stream()

    async def _stream(self) -> AsyncIterator[T]:
        h, plan = self._h, self._plan
        _refuse_sync(h, plan)
        try:
            op = next(plan)
            while not isinstance(op, Dump):  # a name lookup first (dev=...)
                try:
                    result = await _run(h, op)
                except BaseException as e:
                    op = plan.throw(e)
                else:
                    op = plan.send(result)
        except StopIteration as stop:
            for item in stop.value:
                yield item
            return
        ch = await _channel(h, op.nfnl)
        items = ch.stream(
            op.msg, op=op.op, target=op.target, parse_at=op.parse_at, parse_run=op.parse_run
        )
        try:
            async with contextlib.aclosing(items):
                async for item in items:
                    yield item
        except Exception as e:  # the plan may answer for it (route.dump: a missing table)
            try:
                plan.throw(e)
            except StopIteration as stop:
                for item in stop.value:
                    yield item
                return
        plan.close()
