"""rawns.aio on one handle: many tasks at once, cancellation, timeouts, close (issue 17).

The verbs' own behaviour is checked by the sync verb tests, which run through
rawns.aio too (tests/privileged/aio_shim.py); here are the things only an
event loop can get wrong: crossed replies, a dump slot or a seq left behind
by a cancelled task, descriptors or tasks leaked, waiters never woken.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rawns import Handle, aio, link, route
from rawns.errors import NotFound
from rawns.link import Veth
from tests.conftest import ip_json, run


def _fds() -> int:
    return len(os.listdir("/proc/self/fd"))


def _setup(ns: Any, routes: int = 0) -> None:
    with Handle.open(netns=ns) as h:
        link.add(h, Veth(name="v0", peer="v1"))
        link.set(h, "v0", up=True)
        link.set(h, "v1", up=True)
    run("ip", "-n", ns.name, "addr", "add", "10.1.0.1/16", "dev", "v0")
    if routes:
        batch = "".join(
            f"route add 10.50.{i // 250}.{i % 250}/32 via 10.1.{i // 250}.{i % 250 + 2}\n"
            for i in range(routes)
        )
        run("ip", "-n", ns.name, "-batch", "-", input=batch)


def _idle(h: aio.AsyncHandle) -> None:
    """Nothing outstanding on the handle: no seq, no waiter, no dump on the slot."""
    ch = h.rtnl
    assert ch._waiters == {}
    assert ch.conv.outstanding() == 0
    assert ch._dump is None and not ch._slot.locked()


def test_a_thousand_tasks_on_one_handle_never_cross_replies(ns: Any) -> None:
    _setup(ns, routes=600)
    table = {r["dst"]: r.get("gateway") for r in ip_json(ns.name, "route", "show")}

    async def main() -> tuple[dict[str, str], list[str]]:
        async with await aio.AsyncHandle.open(netns=ns) as h:

            async def one(i: int) -> str:
                if i < 300:  # a lookup: its own route's gateway, not another task's
                    dst = f"10.50.{i // 250}.{i % 250}"
                    r = await aio.route.get(h, dst)
                    assert str(r.gateway) == table[dst], (dst, r)
                elif i < 600:  # delete a route of the table
                    await aio.route.delete(h, f"10.50.{i // 250}.{i % 250}/32")
                elif i < 950:  # add one
                    await aio.route.add(h, f"10.60.{i // 250}.{i % 250}/32", gateway="10.1.9.9")
                else:  # a link by name: its own
                    lk = await aio.link.get(h, "v0" if i % 2 else "v1")
                    assert lk.name == ("v0" if i % 2 else "v1")
                return "ok"

            results = await asyncio.gather(*(one(i) for i in range(1000)))
            _idle(h)
            return table, results

    fds = _fds()
    _, results = asyncio.run(main())
    assert results == ["ok"] * 1000
    assert _fds() == fds
    now = {r["dst"]: r.get("gateway") for r in ip_json(ns.name, "route", "show")}
    for i in range(300):
        assert f"10.50.{i // 250}.{i % 250}" in now
    for i in range(300, 600):
        assert f"10.50.{i // 250}.{i % 250}" not in now
    for i in range(600, 950):
        assert now[f"10.60.{i // 250}.{i % 250}"] == "10.1.9.9"


def test_await_and_stream_give_the_sync_dump(h: Handle, ns: Any) -> None:
    link.add_many(h, [Veth(name=f"a{i}", peer=f"b{i}") for i in range(200)])

    async def main() -> tuple[list[Any], list[Any]]:
        async with await aio.AsyncHandle.open(netns=ns) as ah:
            # a dump and requests in flight together
            got, streamed, *_ = await asyncio.gather(
                aio.link.dump(ah),
                _collect(aio.link.dump(ah)),
                *(aio.link.get(ah, f"a{i}") for i in range(50)),
            )
            _idle(ah)
            return got, streamed

    got, streamed = asyncio.run(main())
    assert got == streamed == link.dump(h)


async def _collect(call: Any) -> list[Any]:
    return [x async for x in call]


def test_the_handles_refuse_each_others_verbs(h: Handle, ns: Any) -> None:
    async def main() -> None:
        async with await aio.AsyncHandle.open(netns=ns) as ah:
            with pytest.raises(TypeError, match="not an AsyncHandle"):
                link.get(ah, "lo")  # type: ignore[arg-type]
            with pytest.raises(TypeError, match="AsyncHandle"):
                await aio.link.get(h, "lo")  # type: ignore[arg-type]
            with pytest.raises(TypeError, match="h must be"):
                await aio.route.get(None, "10.0.0.1")  # type: ignore[arg-type]
            with pytest.raises(NotFound):
                await aio.link.get(ah, "nope")

    asyncio.run(main())


def test_timeout_and_close_leave_nothing_behind(ns: Any) -> None:
    _setup(ns)

    async def main() -> None:
        ah = await aio.AsyncHandle.open(netns=ns)
        with pytest.raises(TimeoutError):
            async with asyncio.timeout(0):
                await aio.link.dump(ah)
        assert (await aio.link.get(ah, "lo")).index == 1
        await asyncio.sleep(0.01)  # the abandoned dump's rest is read and dropped
        _idle(ah)
        # closing wakes every waiter with a clear error
        tasks = [asyncio.create_task(aio.route.get(ah, "10.1.0.5")) for _ in range(50)]
        await asyncio.sleep(0)
        await ah.close()
        outcomes = await asyncio.gather(*tasks, return_exceptions=True)
        for o in outcomes:
            assert not isinstance(o, BaseException) or (
                isinstance(o, ValueError) and "closed" in str(o)
            ), o
        with pytest.raises(ValueError, match="closed"):
            await aio.link.get(ah, "lo")

    fds = _fds()
    asyncio.run(main())
    assert _fds() == fds


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    steps=st.lists(
        st.tuples(st.sampled_from(["get", "add", "dump", "stream", "many"]), st.integers(0, 6)),
        min_size=1,
        max_size=6,
    )
)
def test_cancellation_anywhere_leaves_the_handle_usable(ns: Any, steps: list[Any]) -> None:
    if not any(lk["ifname"] == "v0" for lk in ip_json(ns.name, "link", "show")):
        _setup(ns)
    run("ip", "-n", ns.name, "route", "flush", "root", "10.70.0.0/16")

    async def main() -> None:
        async with await aio.AsyncHandle.open(netns=ns) as ah:
            before = set(asyncio.all_tasks())
            for n, (what, ticks) in enumerate(steps):
                coro: Any
                if what == "get":
                    coro = aio.route.get(ah, "10.1.0.9")
                elif what == "add":
                    coro = aio.route.add(ah, f"10.70.0.{n}/32", gateway="10.1.0.9")
                elif what == "dump":
                    coro = _await(aio.link.dump(ah))
                elif what == "stream":
                    coro = _collect(aio.route.dump(ah, table=None))
                else:
                    coro = aio.route.add_many(
                        ah, [f"10.70.{n + 1}.{i}/32" for i in range(250)], gateway="10.1.0.9"
                    )
                task = asyncio.create_task(coro)
                for _ in range(ticks):
                    await asyncio.sleep(0)
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
                # the handle still answers, right away, with its own replies
                assert (await aio.link.get(ah, "v0")).name == "v0"
                assert len(await aio.link.dump(ah)) == 3
            for _ in range(50):  # abandoned dumps finish being read
                if ah.rtnl._dump is None:
                    break
                await asyncio.sleep(0.001)
            _idle(ah)
            assert set(asyncio.all_tasks()) == before

    fds = _fds()
    asyncio.run(main())
    assert _fds() == fds


async def _await(call: Any) -> Any:
    return await call


def test_route_add_many_pipelines_and_reports_per_route(ns: Any) -> None:
    _setup(ns)

    async def main() -> list[Any]:
        async with await aio.AsyncHandle.open(netns=ns) as ah:
            await aio.route.add(ah, "10.80.0.7/32", gateway="10.1.0.9")
            dsts = [f"10.80.{i // 250}.{i % 250}/32" for i in range(3000)]
            res = await aio.route.add_many(ah, dsts, gateway="10.1.0.9", check=False)
            _idle(ah)
            return res

    res = asyncio.run(main())
    assert [i for i, r in enumerate(res) if r is not None] == [7]
    assert "10.80.0.7/32 via 10.1.0.9" in str(res[7])  # a destination string's whole label
    with Handle.open(netns=ns) as h:
        assert len(route.dump(h)) == 3000 + 1  # and 10.1.0.0/16 itself
