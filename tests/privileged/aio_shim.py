"""Run a sync verb test through rawns.aio too: the same assertions, the same ``ip -j`` oracle.

A test module opts in with ``driver = both_drivers("link", "route")``: every
test in it then runs twice. Under ``async``, the module's globals ``link``,
``route``... are replaced by shims whose verbs are the ``rawns.aio`` twins,
each call run to completion on the test's own event loop; the Handle the test
passes is swapped for an AsyncHandle opened on the same namespace (so Links
dumped either way keep the same origin). Dumps are read with ``async for``
(the streaming path); ``await`` on a dump is exercised in test_aio.py. Names
the aio module lacks (specs, ``build_*``, ``parse_*``) are the sync module's.
"""

from __future__ import annotations

import asyncio
import importlib
import types
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from rawns import Handle, aio


class _State:
    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.handles: dict[int, tuple[Handle, aio.AsyncHandle]] = {}

    def run(self, coro: Any) -> Any:
        return self.loop.run_until_complete(coro)

    def async_for(self, h: object) -> object:
        if not isinstance(h, Handle) or h.closed:
            return h  # a bad handle: the aio verb refuses it as the sync one would
        hit = self.handles.get(id(h))
        if hit is None or hit[0] is not h:
            ah = self.run(aio.AsyncHandle.open(netns=h.netns))
            self.handles[id(h)] = hit = (h, ah)
        return hit[1]

    def close(self) -> None:
        for _h, ah in self.handles.values():
            self.run(ah.close())
        self.loop.close()


async def _collect(call: aio.DumpCall[Any]) -> list[Any]:
    return [x async for x in call]


class _Shim:
    def __init__(self, sync: Any, twin: Any, state: _State) -> None:
        self._sync, self._twin, self._state = sync, twin, state

    def __getattr__(self, name: str) -> Any:
        if name not in self._twin.__all__:
            return getattr(self._sync, name)
        fn = getattr(self._twin, name)
        state = self._state
        if isinstance(fn, types.ModuleType):  # aio.tc.qdisc mirrors tc.qdisc
            return _Shim(getattr(self._sync, name), fn, state)
        if isinstance(fn, type):  # a class (aio.nft.AsyncTransaction): not a verb
            return getattr(self._sync, name, fn)

        def call(h: object, *args: Any, **kw: Any) -> Any:
            res = fn(state.async_for(h), *args, **kw)
            if isinstance(res, aio.DumpCall):
                return state.run(_collect(res))
            if isinstance(res, aio.nft.AsyncTransaction):
                return _SyncTransaction(res, state)
            return state.run(res)

        return call


class _SyncTransaction:
    """An AsyncTransaction used as the sync test uses a Transaction: ``with`` or commit().

    Made as the sync one is made (the generation, if asked for, is read at
    once: ``await tx``); ``with`` runs ``async with``'s ``__aenter__`` and
    ``__aexit__`` on the test's loop; every other attribute is the
    transaction's own (the queueing methods have no I/O).
    """

    def __init__(self, tx: aio.nft.AsyncTransaction, state: _State) -> None:
        self._tx, self._state = tx, state
        state.run(_awaited(tx))

    def __enter__(self) -> _SyncTransaction:
        self._state.run(self._tx.__aenter__())
        return self

    def __exit__(self, t: Any, e: Any, tb: Any) -> None:
        self._state.run(self._tx.__aexit__(t, e, tb))

    def commit(self, h: object = None) -> None:
        self._state.run(self._tx.commit(None if h is None else self._state.async_for(h)))  # type: ignore[arg-type]

    def __len__(self) -> int:
        return len(self._tx)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._tx, name)


async def _awaited(tx: aio.nft.AsyncTransaction) -> None:
    await tx


def both_drivers(*names: str) -> Callable[..., Iterator[str]]:
    """An autouse fixture running each test of the module with the sync and the aio verbs."""

    @pytest.fixture(autouse=True, params=["sync", "async"])
    def driver(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
        if request.param == "sync":
            yield "sync"
            return
        state = _State()
        for n in names:
            sync = importlib.import_module(f"rawns.{n}")
            twin = importlib.import_module(f"rawns.aio.{n}")
            monkeypatch.setattr(request.module, n, _Shim(sync, twin, state))
        try:
            yield "async"
        finally:
            state.close()

    return driver
