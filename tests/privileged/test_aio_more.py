"""rawns.aio, second round (issue 17): the monitor under load, nft transactions cancelled.

* A monitor task reads events while 8 tasks change routes and addresses on
  one AsyncHandle: every change is observed, in order per object.
* nf_tables transactions cancelled at hypothesis-chosen points: the ruleset
  (``nft -j list ruleset``, the outside oracle) holds all of the batch or
  none of it, the handle keeps working, no descriptor or task is left over.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rawns import Handle, aio, link, monitor, nft
from rawns.link import Veth
from tests.conftest import nft_json, run


def _fds() -> int:
    return len(os.listdir("/proc/self/fd"))


def _setup(ns: Any) -> None:
    with Handle.open(netns=ns) as h:
        link.add(h, Veth(name="v0", peer="v1"))
        link.set(h, "v0", up=True)
        link.set(h, "v1", up=True)
    run("ip", "-n", ns.name, "addr", "add", "10.1.0.1/16", "dev", "v0")


def test_a_monitor_task_sees_every_change_of_eight_tasks_in_order(ns: Any) -> None:
    _setup(ns)
    rounds = 3  # each object: add, delete, add again... (new, del, new, del, new, del)
    per_task = 6

    async def main() -> tuple[dict[str, list[str]], dict[str, list[str]]]:
        async with (
            await aio.AsyncHandle.open(netns=ns) as h,
            await aio.monitor.open(netns=ns, groups=("route", "addr")) as mon,
        ):
            made: dict[str, list[str]] = {}
            seen: dict[str, list[str]] = {}
            expected = 8 * per_task * rounds * 2 * 2  # routes and addresses, new and del

            async def watch() -> None:
                n = 0
                async for ev in mon:
                    assert not isinstance(ev, monitor.Overrun), ev
                    assert isinstance(ev, monitor.Event)
                    if ev.kind == "route" and str(ev.obj.dst).startswith("10.90."):  # type: ignore[attr-defined]
                        key = f"route {ev.obj.dst}"  # type: ignore[attr-defined]
                    elif ev.kind == "addr" and str(ev.obj.address).startswith("10.100."):  # type: ignore[attr-defined]
                        key = f"addr {str(ev.obj.address).split('/')[0]}"  # type: ignore[attr-defined]
                    else:
                        continue
                    seen.setdefault(key, []).append(ev.action)
                    n += 1
                    if n == expected:
                        return

            async def change(i: int) -> None:
                for _ in range(rounds):
                    for j in range(per_task):
                        dst = f"10.90.{i}.{j}/32"
                        await aio.route.add(h, dst, gateway="10.1.0.9")
                        made.setdefault(f"route {dst}", []).append("new")
                        a = f"10.100.{i}.{j}"
                        await aio.addr.add(h, dev="v1", address=f"{a}/32")
                        made.setdefault(f"addr {a}", []).append("new")
                    for j in range(per_task):
                        dst = f"10.90.{i}.{j}/32"
                        await aio.route.delete(h, dst)
                        made[f"route {dst}"].append("del")
                        a = f"10.100.{i}.{j}"
                        await aio.addr.delete(h, dev="v1", address=f"{a}/32")
                        made[f"addr {a}"].append("del")

            watcher = asyncio.create_task(watch())
            await asyncio.sleep(0)
            await asyncio.gather(*(change(i) for i in range(8)))
            async with asyncio.timeout(30):
                await watcher
            return made, seen

    fds = _fds()
    made, seen = asyncio.run(main())
    assert _fds() == fds
    assert len(made) == 8 * per_task * 2
    assert seen == made


_RULES = 300


async def _commit(ah: aio.AsyncHandle, pause_every: int) -> None:
    async with aio.nft.transaction(ah) as tx:
        t = tx.add_table("inet", "cx")
        c = tx.add_chain(t, "c", type="filter", hook="input", priority="filter", policy="accept")
        for i in range(_RULES):
            tx.add_rule(c, nft.allow(proto="tcp", dport=20000 + i, iif="v0"))
            if pause_every and i % pause_every == 0:
                await asyncio.sleep(0)  # a cancellation may land inside the block too


def _rules_in_ruleset(ns: Any) -> int | None:
    """None: no table cx; else how many rules its chain holds (nft's own count)."""
    items = nft_json(ns.name, "list", "ruleset").get("nftables", [])
    if not any("table" in x and x["table"]["name"] == "cx" for x in items):
        return None
    return sum(1 for x in items if "rule" in x and x["rule"]["table"] == "cx")


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    ticks=st.integers(0, 12),
    sleep_us=st.sampled_from([0, 0, 50, 200, 1000, 5000]),
    pause_every=st.sampled_from([0, 50, 100]),
    fresh_handle=st.booleans(),
)
def test_a_cancelled_nft_transaction_is_all_or_nothing(
    ns: Any, ticks: int, sleep_us: int, pause_every: int, fresh_handle: bool
) -> None:
    if not any(lk["ifname"] == "v0" for lk in _links(ns)):
        _setup(ns)
    run("ip", "netns", "exec", ns.name, "nft", "flush", "ruleset")

    async def main() -> int | None:
        async with await aio.AsyncHandle.open(netns=ns) as ah:
            if not fresh_handle:
                await aio.nft.generation(ah)  # the nfnetlink socket open already
            before = set(asyncio.all_tasks())
            task = asyncio.create_task(_commit(ah, pause_every))
            for _ in range(ticks):
                await asyncio.sleep(0)
            if sleep_us:
                await asyncio.sleep(sleep_us / 1e6)
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
            found = _rules_in_ruleset(ns)
            # the handle keeps working: a dump, then a whole transaction of its own
            tables = await aio.nft.dump_tables(ah)
            assert [t.name for t in tables] == ([] if found is None else ["cx"])
            if found is not None:
                async with aio.nft.transaction(ah) as tx:
                    tx.delete_table(tables[0])
            await _commit(ah, 0)
            assert _rules_in_ruleset(ns) == _RULES
            assert set(asyncio.all_tasks()) == before
            ch = ah.rtnl
            assert ch._waiters == {} and ch.conv.outstanding() == 0
            nf = await ah.nfnl()
            assert nf._waiters == {} and nf.conv.outstanding() == 0
            return found

    fds = _fds()
    found = asyncio.run(main())
    assert _fds() == fds
    assert found in (None, _RULES), found  # all or nothing, never a part


def _links(ns: Any) -> list[Any]:
    import json

    return json.loads(run("ip", "-n", ns.name, "-j", "link", "show") or "[]")
