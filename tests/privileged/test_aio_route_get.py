"""aio.route.get's template path gives what the sync route.get gives: routes and errors.

A lookup naming a destination alone goes through rawns/aio/_route_get.py (a
request without NLM_F_ACK, the answer decoded by shape); these compare it,
in a namespace with local, gateway, IPv6 and unreachable destinations, with
the sync verb on the same namespace, and ``ip -j route get`` for the device.
"""

from __future__ import annotations

import asyncio
from ipaddress import IPv4Address, IPv6Address
from typing import Any

import pytest

from rawns import Handle, aio, link, route
from rawns.aio import _route_get
from rawns.link import Veth
from tests.conftest import ip_json, run

DESTS: list[Any] = [
    "10.1.0.1",  # local
    "10.1.3.4",  # on the link
    "10.1.255.255",  # the link's broadcast
    "10.50.0.7",  # via a gateway
    "10.60.1.1",  # blackhole
    IPv4Address("10.50.0.9"),
    "2001:db8:1::5",
    "2001:db8:9::1",  # via an IPv6 gateway
    "::ffff:10.1.0.9",  # IPv4-mapped: an IPv6 lookup
    "192.0.2.1",  # unreachable: no default route
    "2001:db8:77::1",  # unreachable
    "127.0.0.1",  # lo is down: unreachable
]
PLAN_ONLY: list[Any] = [
    IPv6Address("2001:db8:1::5"),  # address objects of IPv6 go through the plan
    "10.1.0.01",  # what inet_pton refuses: the plan's error
    "fe80::1%v0",
    "nonsense",
    42,
]


def _setup(ns: Any) -> None:
    with Handle.open(netns=ns) as h:
        link.add(h, Veth(name="v0", peer="v1"))
        link.set(h, "v0", up=True)
        link.set(h, "v1", up=True)
    n = str(ns.name)
    run("ip", "-n", n, "addr", "add", "10.1.0.1/16", "dev", "v0")
    run("ip", "-n", n, "addr", "add", "2001:db8:1::1/64", "dev", "v0", "nodad")
    run("ip", "-n", n, "route", "add", "10.50.0.0/16", "via", "10.1.0.2")
    run("ip", "-n", n, "route", "add", "blackhole", "10.60.0.0/16")
    run("ip", "-n", n, "-6", "route", "add", "2001:db8:9::/48", "via", "2001:db8:1::2")


def _outcome(fn: Any) -> Any:
    try:
        return fn()
    except Exception as e:
        return (type(e), str(e))


def test_the_template_path_answers_as_the_sync_verb(ns: Any, monkeypatch: Any) -> None:
    _setup(ns)
    taken: list[Any] = []
    real = _route_get.lookup

    def spy(h: Any, dst: Any) -> Any:
        fast = real(h, dst)
        taken.append((dst, fast is not None))
        return fast

    monkeypatch.setattr(_route_get, "lookup", spy)
    with Handle.open(netns=ns) as h:
        want = [_outcome(lambda d=d: route.get(h, d)) for d in DESTS + PLAN_ONLY]

    async def main() -> list[Any]:
        async with await aio.AsyncHandle.open(netns=ns) as ah:
            got = []
            for d in DESTS + PLAN_ONLY:
                try:
                    got.append(await aio.route.get(ah, d))
                except Exception as e:
                    got.append((type(e), str(e)))
            # many at once, each its own answer
            many = await asyncio.gather(
                *(aio.route.get(ah, d) for d in DESTS[:7] * 50), return_exceptions=True
            )
            assert ah.rtnl._waiters == {} and ah.rtnl.conv.outstanding() == 0
            many = [(type(x), str(x)) if isinstance(x, Exception) else x for x in many]
            return [*got, many]

    *got, many = asyncio.run(main())
    assert got == want
    assert many == want[:7] * 50
    assert [d for d, fast in taken if fast] == DESTS + DESTS[:7] * 50
    v0 = ip_json(ns.name, "link", "show", "v0")[0]["ifindex"]
    assert ip_json(ns.name, "route", "get", "10.1.3.4")[0]["dev"] == "v0"
    assert got[1].oif == v0


def test_the_template_path_errors_name_the_destination(ns: Any) -> None:
    _setup(ns)

    async def main() -> None:
        async with await aio.AsyncHandle.open(netns=ns) as ah:
            with pytest.raises(OSError) as ei:
                await aio.route.get(ah, "192.0.2.1")
            assert "RTM_GETROUTE 192.0.2.1" in str(ei.value)
            assert (await aio.route.get(ah, "10.1.3.4")).oif is not None  # still usable
            await ah.close()
            with pytest.raises(ValueError, match="closed"):
                await aio.route.get(ah, "10.1.3.4")

    asyncio.run(main())
