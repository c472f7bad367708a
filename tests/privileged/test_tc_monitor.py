"""The monitor's tc events (group ``"tc"``: RTNLGRP_TC), each test in a fresh namespace.

Qdiscs, classes and filters made and removed with rawns (and with ``tc``)
are announced as ``qdisc``/``class``/``filter`` events decoded into the tc
types, equal to the specs sent; :meth:`Monitor.resync` dumps them back.
"""

from __future__ import annotations

from typing import Any

from rawns import Handle, link, monitor, tc
from rawns.link import Veth
from rawns.monitor import Event
from rawns.tc import U32, Class, Filter, Htb, HtbClass, Pfifo, Qdisc, u32_match
from tests.conftest import run


def _tc_events(mon: monitor.Monitor) -> list[Event]:
    """The tc events until none arrives for half a second (no overrun allowed)."""
    out: list[Event] = []
    for ev in mon.events(timeout=0.5):
        assert isinstance(ev, Event), ev
        out.append(ev)
    return out


def _setup(h: Handle) -> int:
    link.add(h, Veth(name="m0", peer="m1"))
    link.set(h, "m0", up=True)
    return link.get(h, "m0").index


def test_qdisc_class_filter_events_decode_to_the_specs_sent(ns: Any, h: Handle) -> None:
    dev = _setup(h)
    # direct_qlen: the kernel reports the device's txqueuelen (1000) when none is given
    q = Qdisc(dev=dev, handle="1:", options=Htb(default=0x10, direct_qlen=1000))
    c = Class(dev=dev, parent="1:", handle="1:10", options=HtbClass(rate="4mbit"))
    leaf = Qdisc(dev=dev, parent="1:10", handle="10:", options=Pfifo(limit=50))
    keys = u32_match(dst="10.0.0.2/32", dport=5001)
    f = Filter(dev=dev, parent="1:", protocol="ip", prio=1, options=U32(keys=keys, classid="1:10"))
    with monitor.open(netns=ns, groups=("tc",)) as mon:
        tc.qdisc.add(h, q)
        tc.tclass.add(h, c)
        tc.qdisc.add(h, leaf)
        tc.filter.add(h, f)
        made = _tc_events(mon)
        assert {(e.kind, e.action) for e in made} >= {("qdisc", "new"), ("class", "new")}
        qdiscs = [e.obj for e in made if e.kind == "qdisc" and e.action == "new"]
        assert qdiscs == [q, leaf]
        # the kernel reports a top-level class under root, and the quantum it derived
        classes = [e.obj for e in made if e.kind == "class"]
        assert classes == tc.tclass.dump(h, dev)
        assert [(x.handle, x.parent, x.options) for x in classes] == [
            (0x10010, tc.ROOT, HtbClass(rate="4mbit", quantum=50000))
        ]
        # u32 announces the prio's hash table, then the node with the keys
        nodes = [
            e.obj
            for e in made
            if e.kind == "filter" and isinstance(e.obj.options, U32) and e.obj.options.keys
        ]
        assert len(nodes) == 1
        node = nodes[0]
        assert isinstance(node.options, U32)
        assert (node.options.keys, node.options.classid) == (keys, 0x10010)
        assert (node.parent, node.protocol, node.prio) == (0x10000, 0x0800, 1)

        snap = mon.resync(h)
        assert q in snap.qdiscs and leaf in snap.qdiscs
        assert snap.classes == classes
        assert any(isinstance(x.options, U32) and x.options.keys == keys for x in snap.filters)

        tc.filter.delete(h, dev=dev, parent="1:", protocol="ip", prio=1)
        tc.qdisc.delete(h, dev=dev, parent="root")
        gone = _tc_events(mon)
    dels = {(e.kind, e.action) for e in gone}
    assert ("filter", "del") in dels and ("qdisc", "del") in dels
    assert any(e.kind == "qdisc" and e.action == "del" and e.obj == q for e in gone)


def test_events_caused_by_tc_decode_like_rawns_dumps(ns: Any, h: Handle) -> None:
    _setup(h)
    with monitor.open(netns=ns, groups="tc") as mon:
        run("tc", "-n", ns.name, "qdisc", "add", "dev", "m0", "root", "handle", "1:", "tbf",
            "rate", "8mbit", "burst", "32kbit", "latency", "400ms")  # fmt: skip
        run("tc", "-n", ns.name, "qdisc", "add", "dev", "m0", "ingress")
        events = [e for e in _tc_events(mon) if e.action == "new"]
    dumped = {(x.kind, x.handle): x for x in tc.qdisc.dump(h, "m0")}
    for e in events:
        assert (e.kind, e.action) == ("qdisc", "new")
        assert isinstance(e.obj, Qdisc)
        assert e.obj == dumped[e.obj.kind, e.obj.handle]
    assert {e.obj.kind for e in events} == {"tbf", "ingress"}  # type: ignore[attr-defined]


def test_tc_group_is_known_by_name() -> None:
    assert monitor.group_ids(["tc"]) == [4]  # RTNLGRP_TC
    assert monitor.group_ids("tc") == [4]
