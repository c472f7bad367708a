"""rawns for asyncio: the same verbs as coroutines, from the same plans.

::

    from rawns import aio

    async with await aio.AsyncHandle.open(netns="red") as h:
        await aio.link.add(h, Veth(name="v0", peer="v1"))
        async for lk in aio.link.dump(h):
            ...

``rawns.aio.link``, ``.route``, ``.addr``, ``.neigh``, ``.rule``, ``.nexthop``,
``.nft``, ``.tc``, ``.sysctl`` and ``.monitor`` mirror the sync modules: same
names, arguments, results and errors, each verb the same plan (``rawns._plan``)
driven on the event loop
instead of over blocking sockets. Dumps return a :class:`DumpCall`: ``await``
it for the list, or ``async for`` over it to stream. See docs/asyncio.md.
The submodules load on first use; ``import rawns`` never loads asyncio.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

from ._handle import AsyncHandle, DumpCall

if TYPE_CHECKING:
    from . import addr, link, monitor, neigh, nexthop, nft, route, rule, sysctl, tc

__all__ = [
    "AsyncHandle",
    "DumpCall",
    "addr",
    "link",
    "monitor",
    "neigh",
    "nexthop",
    "nft",
    "route",
    "rule",
    "sysctl",
    "tc",
]

_SUBMODULES = frozenset(__all__[2:])

if not TYPE_CHECKING:

    def __getattr__(name: str) -> object:
        if name in _SUBMODULES:
            mod = importlib.import_module(f"{__name__}.{name}")
            globals()[name] = mod
            return mod
        raise AttributeError(f"module 'rawns.aio' has no attribute {name!r}")
