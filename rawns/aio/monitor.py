"""Events as an async iterator: :mod:`rawns.monitor` on the event loop.

::

    async with await aio.monitor.open(netns=red, groups=("link", "addr")) as mon:
        async for ev in mon:
            if isinstance(ev, monitor.Overrun):
                snap = await mon.resync()      # events were lost: re-read the state
            ...

:func:`open` opens the very :class:`rawns.monitor.Monitor` the sync
``monitor.open`` opens (in a worker thread, which enters the namespace), then
reads its socket from a ``loop.add_reader`` callback: each readable wake
reads what is queued and decodes it with the sync monitor's own code, so the
events, the :class:`~rawns.monitor.Overrun` after a lost notification and the
``strict`` handling are the sync monitor's. :meth:`AsyncMonitor.resync` runs
the sync resync's plan (its dumps) on an :class:`~rawns.aio.AsyncHandle`.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterable
from types import TracebackType

from .. import _check
from .. import monitor as _monitor
from .. import netns as _netns
from ..monitor import DEFAULT_GROUPS, Malformed, Monitor, MonitorEvent, Snapshot
from ._doc import twin
from ._handle import AsyncHandle, adrive

__all__ = ["AsyncMonitor", "open"]

_READS_PER_WAKE = 256


class AsyncMonitor:
    """A :class:`rawns.monitor.Monitor` read on the event loop: ``async for ev in mon``.

    One consumer at a time. ``await mon.close()`` (or leaving ``async with``)
    ends a waiting ``async for``.
    """

    def __init__(self, mon: Monitor, loop: asyncio.AbstractEventLoop) -> None:
        if not isinstance(mon, Monitor):
            raise TypeError(f"mon must be a rawns.monitor.Monitor, not {type(mon).__name__}")
        self._mon = mon
        self._loop = loop
        self._ready = asyncio.Event()
        self._fd = mon.fileno()
        loop.add_reader(self._fd, self._readable)

    @property
    def sync(self) -> Monitor:
        """The underlying monitor (its ``groups``, ``overruns``, ``netns_ident``...)."""
        return self._mon

    @property
    def closed(self) -> bool:
        return self._mon.closed

    @property
    def overruns(self) -> int:
        return self._mon.overruns

    def _readable(self) -> None:
        mon = self._mon
        fd = self._fd
        for _ in range(_READS_PER_WAKE):
            if mon.closed or not any(f == fd for f, _ in mon._poller.poll(0)):
                break
            mon._fill(0)  # one datagram, decoded into the monitor's queue
        if mon._queue or mon.closed:
            self._ready.set()

    def __aiter__(self) -> AsyncIterator[MonitorEvent]:
        return self

    async def __anext__(self) -> MonitorEvent:
        """The next event (a closed monitor ends the iteration).

        Raises :class:`~rawns.errors.DecodeError` for a malformed
        notification when ``strict``; the monitor stays usable.
        """
        mon = self._mon
        while not mon._queue:
            if mon.closed:
                raise StopAsyncIteration
            self._ready.clear()
            await self._ready.wait()
        ev = mon._queue.popleft()
        if isinstance(ev, Malformed) and mon.strict:
            raise ev.error
        return ev

    def drain(self) -> list[MonitorEvent]:
        """The events already received, without waiting (as :meth:`Monitor.drain`)."""
        self._readable()
        return self._mon.drain()

    async def resync(self, h: AsyncHandle | None = None) -> Snapshot:
        """Dump the current state of what the monitor follows: :meth:`rawns.monitor.Monitor.resync`.

        Uses ``h`` (an :class:`~rawns.aio.AsyncHandle` on the monitor's
        namespace) or a temporary one; raises as the sync resync does.
        """
        mon = self._mon
        if mon.closed:
            raise ValueError(f"resync: {mon!r} is closed")
        if h is None:
            async with await AsyncHandle.open(netns=mon._ns) as tmp:
                mon._same_netns(tmp, "the temporary handle")  # type: ignore[arg-type]  # same properties
                return await adrive(tmp, mon._snapshot_plan(tmp))  # type: ignore[arg-type]
        _check.handle(h, "h")
        if not isinstance(h, AsyncHandle):
            raise TypeError(f"h must be a rawns.aio.AsyncHandle or None, not {h!r}")
        mon._same_netns(h, f"h {h!r}")  # type: ignore[arg-type]
        return await adrive(h, mon._snapshot_plan(h))  # type: ignore[arg-type]

    async def close(self) -> None:
        """Stop reading, close the monitor and wake a waiting consumer. Idempotent."""
        if not self._mon.closed:
            self._loop.remove_reader(self._fd)
        self._mon.close()
        self._ready.set()

    async def __aenter__(self) -> AsyncMonitor:
        return self

    async def __aexit__(
        self, t: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.close()

    def __repr__(self) -> str:
        return f"<Async{self._mon!r}"[:-1] + ">"


@twin(_monitor.open)
async def open(
    netns: _netns.NetnsLike | None = None,
    groups: Iterable[str | int] = DEFAULT_GROUPS,
    *,
    rcvbuf: int | None = None,
    strict: bool = True,
) -> AsyncMonitor:
    loop = asyncio.get_running_loop()
    if netns is None:  # a socket in this thread's namespace: no wait
        return AsyncMonitor(_monitor.open(None, groups, rcvbuf=rcvbuf, strict=strict), loop)
    work = loop.run_in_executor(
        None, lambda: _monitor.open(netns, groups, rcvbuf=rcvbuf, strict=strict)
    )
    try:
        mon = await asyncio.shield(work)
    except asyncio.CancelledError:
        work.add_done_callback(_close_orphan)
        raise
    return AsyncMonitor(mon, loop)


def _close_orphan(f: asyncio.Future[Monitor]) -> None:
    if not f.cancelled() and f.exception() is None:
        f.result().close()
