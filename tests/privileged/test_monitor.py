"""The monitor against real kernel notifications, each test in a fresh namespace."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable
from typing import Any

import pytest

from rawns import Handle, addr, link, monitor, neigh, netns, route, rule
from rawns._rtnl import IFA_F
from rawns.addr import Address
from rawns.link import Bridge, Link, Veth
from rawns.monitor import Event, Overrun
from rawns.neigh import Neighbour
from rawns.route import Route
from rawns.rule import Rule
from tests.conftest import run


def _link_events(events: list[Any]) -> list[tuple[str, str]]:
    return [(e.action, e.obj.name) for e in events if isinstance(e, Event) and e.kind == "link"]


def test_hundred_links_made_and_deleted_give_two_hundred_events_in_order(
    ns: Any, h: Handle
) -> None:
    names = [f"mbr{i}" for i in range(100)]
    with monitor.open(netns=ns, groups=("link",)) as mon:
        for n in names:
            link.add(h, Bridge(name=n))
        for n in names:
            link.delete(h, n)
        events: list[Any] = []
        while len(events) < 200:
            ev = mon.poll(5.0)
            assert ev is not None, f"only {len(events)} events arrived"
            events.append(ev)
        assert mon.poll(0.2) is None  # nothing more
    assert not [e for e in events if isinstance(e, Overrun)]
    expected = [("new", n) for n in names] + [("del", n) for n in names]
    assert _link_events(events) == expected
    assert all(isinstance(e.obj, Link) and e.obj.kind == "bridge" for e in events)


def test_overrun_is_reported_and_the_monitor_keeps_delivering(ns: Any, h: Handle) -> None:
    # The smallest receive buffer the kernel allows (it clamps to SOCK_MIN_RCVBUF)
    # and 100 new links nobody reads: the kernel must drop notifications.
    with monitor.open(netns=ns, groups=("link", "addr"), rcvbuf=1) as mon:
        for i in range(100):
            link.add(h, Bridge(name=f"flood{i}"))
        seen = mon.drain()
        overruns = [e for e in seen if isinstance(e, Overrun)]
        assert overruns, "no overrun reported after flooding a tiny buffer"
        assert overruns[0].count == 1 and mon.overruns >= 1
        assert len(_link_events(seen)) < 100  # some events were really lost
        # after the overrun: new events still arrive. The buffer is still tiny
        # (one notification fits), so read each before making the next.
        for name in ("after1", "after2", "after3"):
            link.add(h, Bridge(name=name))
            ev = mon.poll(5.0)
            assert ev is not None, f"the monitor stopped delivering after the overrun ({name})"
            assert _link_events([ev]) == [("new", name)]
        # resync rebuilds what was lost
        snap = mon.resync()
        have = {lk.name for lk in snap.links}
        assert {f"flood{i}" for i in range(100)} <= have
        assert {"after1", "after2", "after3", "lo"} <= have


def test_neighbour_and_rule_events_are_typed(ns: Any, h: Handle) -> None:
    link.add(h, Veth(name="v0", peer="v1"))
    with monitor.open(netns=ns.name, groups=("neigh", "rule")) as mon:
        neigh.add(h, dev="v0", dst="10.0.0.2", lladdr="02:00:00:00:00:02")
        rule.add(h, priority=100, src="10.0.0.0/8", table=100)
        rule.add(h, priority=100, src="fd00::/64", table=100)
        neigh.delete(h, dev="v0", dst="10.0.0.2")
        rule.delete(h, priority=100, src="10.0.0.0/8", table=100)
        events = [e for e in mon.events(timeout=0.5) if isinstance(e, Event)]
    kinds = [(e.kind, e.action) for e in events]
    # The kernel announces a neighbour's deletion as a state change (new,
    # NUD_FAILED) followed by the deletion (net/core/neighbour.c: neigh_del).
    want = [
        ("neigh", "new"),
        ("rule", "new"),
        ("rule", "new"),
        ("neigh", "del"),
        ("rule", "del"),
    ]
    it = iter(kinds)
    assert all(k in it for k in want), kinds  # want is a subsequence, in order
    assert [k for k in kinds if k[0] == "rule"] == [("rule", "new")] * 2 + [("rule", "del")]
    assert kinds[-1] == ("rule", "del")
    n = events[0].obj
    assert isinstance(n, Neighbour) and str(n.dst) == "10.0.0.2"
    assert n.lladdr == "02:00:00:00:00:02"
    r = events[1].obj
    assert isinstance(r, Rule) and r.priority == 100 and str(r.src) == "10.0.0.0/8"
    assert isinstance(events[2].obj, Rule) and events[2].obj.family == 10


def test_monitor_sees_only_its_namespace(make_ns: Callable[[], Any]) -> None:
    a, b = make_ns(), make_ns()
    with Handle.open(netns=a) as ha, Handle.open(netns=b) as hb:
        with monitor.open(netns=a, groups=("link",)) as mon:
            link.add(hb, Bridge(name="in-b"))
            link.add(ha, Bridge(name="in-a"))
            got = _link_events(list(mon.events(timeout=0.5)))
        assert got == [("new", "in-a")]


def test_ip_made_changes_are_reported(ns: Any) -> None:
    with monitor.open(netns=ns) as mon:
        run("ip", "-n", ns.name, "link", "add", "ipbr", "type", "bridge")
        run("ip", "-n", ns.name, "link", "del", "ipbr")
        got = _link_events(list(mon.events(timeout=0.5)))
    assert got[0] == ("new", "ipbr") and got[-1] == ("del", "ipbr")


def test_poll_timeout_iteration_and_close(ns: Any, h: Handle) -> None:
    mon = monitor.open(netns=ns, groups=["link"])
    t = time.monotonic()
    assert mon.poll(0.2) is None
    assert 0.15 < time.monotonic() - t < 2.0
    # a blocking iterator wakes up for an event made by another thread
    timer = threading.Timer(0.2, lambda: link.add(h, Bridge(name="late")))
    timer.start()
    try:
        ev = next(iter(mon))
    finally:
        timer.join()
    assert isinstance(ev, Event) and ev.obj.name == "late"
    mon.close()
    mon.close()  # idempotent
    assert mon.closed
    with pytest.raises(ValueError, match="closed"):
        mon.poll(0)
    assert list(mon) == []


def test_open_errors_leave_nothing_open() -> None:
    with pytest.raises(ValueError, match="teleport"):
        monitor.open(groups=("link", "teleport"))
    with pytest.raises(FileNotFoundError):
        monitor.open(netns="rawns-no-such-namespace")
    with pytest.raises(TypeError):  # (an int is a pid since issue 14: test_netns_args.py)
        monitor.open(netns=4.2)  # type: ignore[arg-type]


def test_resync_with_a_given_handle_dumps_followed_kinds(ns: Any, h: Handle) -> None:
    link.add(h, Veth(name="v0", peer="v1"))
    neigh.add(h, dev="v0", dst="10.0.0.2", lladdr="02:00:00:00:00:02")
    rule.add(h, priority=100, src="10.0.0.0/8", table=100)
    with monitor.open(netns=ns, groups=("link", "neigh", "rule")) as mon:
        snap = mon.resync(h)
    assert {lk.name for lk in snap.links} == {"lo", "v0", "v1"}
    assert [str(n.dst) for n in snap.neighbours if n.lladdr] == ["10.0.0.2"]
    assert 100 in {r.priority for r in snap.rules}
    assert snap.addresses == [] and snap.routes == []  # not followed
    assert isinstance(netns.current(), netns.Netns)


def test_address_and_route_events_are_typed(ns: Any, h: Handle) -> None:
    link.add(h, Veth(name="v0", peer="v1", up=True))
    link.set(h, "v1", up=True)
    with monitor.open(netns=ns, groups=("addr", "route")) as mon:
        addr.add(h, "10.9.0.1/24", dev="v0")
        # IPv6 announces an address once the link has carrier, which a new veth
        # gets asynchronously (linkwatch): its event may come late.
        addr.add(h, "fd09::1/64", dev="v0", flags=IFA_F.NODAD)
        route.add(h, dst="10.10.0.0/16", gateway="10.9.0.5")
        route.delete(h, dst="10.10.0.0/16", gateway="10.9.0.5")
        addr.delete(h, "10.9.0.1/24", dev="v0")
        events: list[Event] = []
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            ev = mon.poll(0.5)
            if isinstance(ev, Event):
                events.append(ev)
            elif ev is None and any(
                e.kind == "addr" and str(e.obj.address) == "fd09::1/64"  # type: ignore[attr-defined]
                for e in events
            ):
                break
    addrs = [(e.action, str(e.obj.address)) for e in events if e.kind == "addr"]  # type: ignore[attr-defined]
    v4 = [a for a in addrs if a[1] == "10.9.0.1/24"]
    assert v4 == [("new", "10.9.0.1/24"), ("del", "10.9.0.1/24")]
    assert ("new", "fd09::1/64") in addrs
    assert all(isinstance(e.obj, Address) for e in events if e.kind == "addr")
    routes = [(e.action, str(e.obj.dst)) for e in events if e.kind == "route"]  # type: ignore[attr-defined]
    assert ("new", "10.10.0.0/16") in routes and ("del", "10.10.0.0/16") in routes
    assert routes.index(("new", "10.10.0.0/16")) < routes.index(("del", "10.10.0.0/16"))
    assert all(isinstance(e.obj, Route) for e in events if e.kind == "route")
    gw = next(e.obj for e in events if e.kind == "route" and str(e.obj.dst) == "10.10.0.0/16")  # type: ignore[attr-defined]
    assert isinstance(gw, Route) and str(gw.gateway) == "10.9.0.5"


def test_overrun_from_an_address_flood(ns: Any, h: Handle) -> None:
    link.add(h, Veth(name="v0", peer="v1", up=True))
    with monitor.open(netns=ns, groups=("addr",), rcvbuf=1) as mon:
        for i in range(200):
            addr.add(h, f"10.{i // 250}.{i % 250}.1/32", dev="v0")
        assert any(isinstance(e, Overrun) for e in mon.drain())
        addr.add(h, "10.99.0.1/32", dev="v0")
        ev = mon.poll(5.0)
        assert isinstance(ev, Event) and str(ev.obj.address) == "10.99.0.1/32"  # type: ignore[attr-defined]
        snap = mon.resync()
    assert (
        len([a for a in snap.addresses if a.family == 2 and str(a.address).startswith("10.")])
        == 201
    )


def _fd_count() -> int:
    return len(os.listdir("/proc/self/fd"))


def test_opening_and_closing_monitors_leaks_no_descriptors(ns: Any, h: Handle) -> None:
    for _ in range(5):  # warm up lazily created fds (poll objects, caches)
        monitor.open(netns=ns).close()
    before = _fd_count()
    for i in range(200):
        with monitor.open(netns=ns, groups=("link", "neigh")) as mon:
            if i % 50 == 0:
                link.add(h, Bridge(name=f"fd{i}"))
                assert isinstance(mon.poll(5.0), Event)
        with pytest.raises(ValueError):
            monitor.open(netns=ns, groups=("nosuch",))
    assert _fd_count() == before
