"""The sysctl verbs as coroutines: :mod:`rawns.sysctl`'s, taking an :class:`AsyncHandle` too.

A sysctl is no netlink exchange but file I/O under ``/proc/sys/net``, which
shows the namespace of the *thread* that opens the file. So these twins are
a dedicated async path, not a plan: the arguments are checked on the loop by
the sync module's own code (the same checks, messages and errors), then the
read or write runs in a worker thread (``asyncio.to_thread``), which enters
the namespace as the sync verb does (:func:`rawns.netns.run_in`); the loop
never blocks. ``where=None`` (the caller's own namespace) runs on the loop
itself: a worker thread need not share the loop thread's namespace, and a
``/proc/sys`` file is read without waiting on any device.

Cancelling a task that awaits :func:`set` stops the wait, not the write: it
may still happen.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import TypeVar

from .. import _check
from .. import netns as _netns
from .. import sysctl as s
from ..handle import Handle
from ..sysctl import Key
from ._doc import twin
from ._handle import AsyncHandle

__all__ = ["dump", "get", "set"]

T = TypeVar("T")

Where = AsyncHandle | Handle | _netns.NetnsLike | None


def _where(where: object) -> object:
    """An AsyncHandle stands for its namespace, as a Handle does (its sockets are not used)."""
    if isinstance(where, AsyncHandle):
        _check.handle(where, "where")
        return where._sync
    return where


async def _run(where: object, call: Callable[[], T]) -> T:
    if where is None:
        return call()
    return await asyncio.to_thread(call)


@twin(s.get)
async def get(where: Where, key: Key) -> str:
    return await _run(where, s._get_call(_where(where), key))


@twin(s.set)
async def set(where: Where, key: Key, value: str | int | bool) -> None:
    await _run(where, s._set_call(_where(where), key, value))


@twin(s.dump)
async def dump(where: Where, prefix: Key | None = None) -> dict[str, str]:
    return await _run(where, s._dump_call(_where(where), prefix))
