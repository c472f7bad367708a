"""tc as the oracle both ways: what rawns makes lists like what tc makes, and decodes alike.

Each scenario builds the same objects twice in one fresh namespace, on two
veth pairs: with rawns on ``a0`` and with ``tc`` commands on ``b0``. Then
``tc -j -s ... show dev a0`` equals ``... dev b0`` (counters, kernel-assigned
action indexes and timestamps aside), and rawns' dumps of both are equal.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from rawns import Handle, link, tc
from rawns.errors import AlreadyExists, KernelError, NotFound
from rawns.link import Ifb, Veth
from rawns.tc import (
    U32,
    Bfifo,
    Class,
    Clsact,
    Filter,
    Htb,
    HtbClass,
    Ingress,
    Mirred,
    Pfifo,
    PfifoFast,
    Tbf,
    u32_match,
)

from ..conftest import run
from .aio_shim import both_drivers

#: Every test runs with the sync verbs and with their rawns.aio twins (issue 17).
driver = both_drivers("link", "tc")

_COUNTERS = {
    "bytes", "packets", "drops", "overlimits", "requeues", "backlog", "qlen", "refcnt",
    "ref", "bind", "installed", "last_used", "expires", "first_used", "stats", "index",
    "dev", "direct_packets_stat", "lended", "borrowed", "giants", "tokens", "ctokens",
    "not_in_hw",
}  # fmt: skip


def _strip(x: Any) -> Any:
    if isinstance(x, dict):
        return {k: _strip(v) for k, v in x.items() if k not in _COUNTERS}
    if isinstance(x, list):
        return [_strip(v) for v in x]
    return x


def show(ns: Any, what: str, dev: str, *extra: str) -> Any:
    if what == "class":  # tc 6.1 prints htb classes as text even with -j
        return run("tc", "-n", ns.name, what, "show", "dev", dev, *extra).splitlines()
    out = run("tc", "-n", ns.name, "-j", "-s", what, "show", "dev", dev, *extra)
    return _strip(json.loads(out or "[]"))


def tc_cmds(ns: Any, *cmds: str) -> None:
    for c in cmds:
        run("tc", "-n", ns.name, *c.split())


@pytest.fixture
def two(h: Handle, ns: Any) -> Handle:
    link.add(h, Veth(name="a0", peer="a1"))
    link.add(h, Veth(name="b0", peer="b1"))
    link.add(h, Ifb(name="ifb0"))
    for n in ("a0", "a1", "b0", "b1", "ifb0"):
        link.set(h, n, up=True)
    return h


def _both(h: Handle, ns: Any, make: Callable[[str], None], cmds: list[str]) -> None:
    make("a0")
    tc_cmds(ns, *(c.replace("DEV", "b0") for c in cmds))


TBF = Tbf(rate="8mbit", burst="32kbit", latency="400ms")


SCENARIOS: dict[str, tuple[Callable[[Handle, str], None], list[str], list[tuple[str, ...]]]] = {
    "tbf": (
        lambda h, d: tc.qdisc.add(h, dev=d, handle="1:", options=TBF),
        ["qdisc add dev DEV root handle 1: tbf rate 8mbit burst 32kbit latency 400ms"],
        [("qdisc",)],
    ),
    "tbf_peak": (
        lambda h, d: tc.qdisc.replace(
            h,
            dev=d,
            handle="1:",
            options=Tbf(rate="8mbit", burst="32kbit", latency="50ms", peakrate="10mbit", mtu=2000),
        ),
        [
            "qdisc replace dev DEV root handle 1: tbf rate 8mbit burst 32kbit latency 50ms "
            "peakrate 10mbit mtu 2000"
        ],
        [("qdisc",)],
    ),
    "pfifo": (
        lambda h, d: tc.qdisc.add(h, dev=d, handle="2:", options=Pfifo(limit=100)),
        ["qdisc add dev DEV root handle 2: pfifo limit 100"],
        [("qdisc",)],
    ),
    "bfifo": (
        lambda h, d: tc.qdisc.add(h, dev=d, handle="3:", options=Bfifo(limit="30kb")),
        ["qdisc add dev DEV root handle 3: bfifo limit 30kb"],
        [("qdisc",)],
    ),
    "pfifo_fast": (
        lambda h, d: tc.qdisc.add(h, dev=d, handle="4:", options=PfifoFast()),
        ["qdisc add dev DEV root handle 4: pfifo_fast"],
        [("qdisc",)],
    ),
    "htb_u32": (
        lambda h, d: _htb(h, d),
        [
            "qdisc add dev DEV root handle 1: htb default 20 r2q 100",
            "class add dev DEV parent 1: classid 1:1 htb rate 10mbit",
            "class add dev DEV parent 1:1 classid 1:10 htb rate 6mbit ceil 8mbit burst 15k "
            "cburst 15k prio 1 quantum 1500",
            "class add dev DEV parent 1:1 classid 1:20 htb rate 2mbit",
            "filter add dev DEV parent 1: protocol ip prio 1 u32 match ip dst 10.0.0.2/32 "
            "match ip dport 5001 0xffff flowid 1:10",
            "filter add dev DEV parent 1: protocol ip prio 2 u32 match ip src 10.0.0.0/24 "
            "match ip protocol 6 0xff match ip sport 80 0xffff flowid 1:20",
        ],
        [("qdisc",), ("class",), ("filter",)],
    ),
    "ingress_mirred": (
        lambda h, d: _ingress(h, d),
        [
            "qdisc add dev DEV ingress",
            "filter add dev DEV parent ffff: protocol all prio 1 u32 match u32 0 0 "
            "action mirred egress redirect dev ifb0",
        ],
        [("qdisc",), ("filter", "parent", "ffff:")],
    ),
    "clsact_mirror": (
        lambda h, d: _clsact(h, d),
        [
            "qdisc add dev DEV clsact",
            "filter add dev DEV egress protocol ip prio 1 u32 match ip dst 10.0.0.9/32 "
            "action mirred egress mirror dev ifb0",
        ],
        [("qdisc",), ("filter", "egress")],
    ),
}


def _htb(h: Handle, d: str) -> None:
    tc.qdisc.add(h, dev=d, handle="1:", options=Htb(default="20", r2q=100))
    tc.tclass.add(h, dev=d, parent="1:", handle="1:1", options=HtbClass(rate="10mbit"))
    opts = HtbClass(rate="6mbit", ceil="8mbit", burst="15k", cburst="15k", prio=1, quantum=1500)
    tc.tclass.add(h, Class(dev=d, parent="1:1", handle="1:10", options=opts))
    tc.tclass.add(h, dev=d, parent="1:1", handle="1:20", options=HtbClass(rate="2mbit"))
    keys = u32_match(dst="10.0.0.2/32", dport=5001)
    tc.filter.add(
        h, dev=d, parent="1:", protocol="ip", prio=1, options=U32(keys=keys, classid="1:10")
    )
    keys = u32_match(src="10.0.0.0/24", protocol="tcp", sport=80)
    tc.filter.add(
        h, dev=d, parent="1:", protocol="ip", prio=2, options=U32(keys=keys, classid="1:20")
    )


def _ingress(h: Handle, d: str) -> None:
    tc.qdisc.add(h, dev=d, options=Ingress())
    act = (Mirred(dev="ifb0"),)
    tc.filter.add(h, dev=d, parent="ffff:", prio=1, options=U32(keys=u32_match(), actions=act))


def _clsact(h: Handle, d: str) -> None:
    tc.qdisc.add(h, dev=d, options=Clsact())
    act = (Mirred(dev="ifb0", action="mirror"),)
    keys = u32_match(dst="10.0.0.9/32")
    tc.filter.add(
        h,
        Filter(dev=d, parent="egress", protocol="ip", prio=1, options=U32(keys=keys, actions=act)),
    )


def _dumps(h: Handle, dev: str, shows: list[tuple[str, ...]]) -> list[Any]:
    out: list[Any] = []
    for what, *extra in shows:
        if what == "qdisc":
            out.append([_norm(q) for q in tc.qdisc.dump(h, dev)])
        elif what == "class":
            out.append([_norm(c) for c in tc.tclass.dump(h, dev)])
        else:
            parent = {"ffff:": "ffff:", "egress": tc.EGRESS}.get(
                extra[-1] if extra else "", tc.ROOT
            )
            out.append([_norm(f) for f in tc.filter.dump(h, dev, parent=parent)])
    return out


def _norm(obj: Any) -> Any:
    """Drop what differs between two devices: the ifindex (and u32 node handles stay)."""
    import dataclasses

    return dataclasses.replace(obj, dev=1)


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_rawns_and_tc_make_the_same_objects(two: Handle, ns: Any, name: str) -> None:
    make, cmds, shows = SCENARIOS[name]
    make(two, "a0")
    tc_cmds(ns, *(c.replace("DEV", "b0") for c in cmds))
    for what, *extra in shows:
        assert show(ns, what, "a0", *extra) == show(ns, what, "b0", *extra), what
    # tc-made objects decode to the same typed objects as rawns-made ones
    assert _dumps(two, "a0", shows) == _dumps(two, "b0", shows)


def test_dumped_tbf_reads_back_as_the_spec(two: Handle) -> None:
    tc.qdisc.add(two, dev="a0", handle="1:", options=TBF)
    q = tc.qdisc.get(two, "a0")
    assert q.options == TBF and q.handle == 0x10000
    assert q.stats is not None and q.stats.packets >= 0
    assert tc.format_rate(q.options.rate) == "8Mbit"


def test_unknown_kind_decodes_generically_and_round_trips(two: Handle, ns: Any) -> None:
    # noqueue is the veth default root: a kind rawns has no options class for
    (q,) = [q for q in tc.qdisc.dump(two, "a0") if q.parent == tc.ROOT]
    assert isinstance(q.options, tc.Unknown) and q.kind == "noqueue"
    assert tc.parse_qdisc(tc.build_qdisc(q)[16:]).options == q.options


def test_delete_verbs(two: Handle, ns: Any) -> None:
    _htb(two, "a0")
    tc.filter.delete(two, dev="a0", parent="1:", protocol="ip", prio=1)
    assert {f.prio for f in tc.filter.dump(two, "a0")} == {2}
    tc.tclass.delete(two, "a0", handle="1:10")
    assert {c.handle for c in tc.tclass.dump(two, "a0")} == {0x10001, 0x10020}
    tc.qdisc.delete(two, dev="a0")
    assert show(ns, "class", "a0") == []
    _ingress(two, "a0")
    (ing,) = [q for q in tc.qdisc.dump(two, "a0") if q.kind == "ingress"]
    tc.qdisc.delete(two, ing)
    assert not [q for q in tc.qdisc.dump(two, "a0") if q.kind == "ingress"]


# ---------------------------------------------------------------------------
# bad input: typed errors naming the value; nothing half-made


@pytest.mark.parametrize("rate", [0, -1, "0mbit", 2**64, "-5kbit", "1e30bit"])
def test_bad_rates_are_refused_before_sending(two: Handle, ns: Any, rate: object) -> None:
    with pytest.raises(ValueError, match="rate"):
        tc.qdisc.add(two, dev="a0", options=Tbf(rate=rate, burst="32kbit", limit=1000))  # type: ignore[arg-type]
    assert show(ns, "qdisc", "a0")[0]["kind"] == "noqueue"


def test_burst_below_mtu_is_refused(two: Handle, ns: Any) -> None:
    with pytest.raises(ValueError, match="burst 1000 bytes is below the MTU of a0"):
        tc.qdisc.add(two, dev="a0", options=Tbf(rate="8mbit", burst=1000, limit=10000))
    assert show(ns, "qdisc", "a0")[0]["kind"] == "noqueue"


def test_unknown_kind_is_a_kernel_error_naming_it(two: Handle) -> None:
    with pytest.raises(KernelError, match="nosuchq"):
        tc.qdisc.add(two, dev="a0", options=tc.Unknown(kind="nosuchq"))


def test_class_under_a_classless_qdisc(two: Handle) -> None:
    tc.qdisc.add(two, dev="a0", handle="1:", options=TBF)
    with pytest.raises(KernelError, match="1:10"):
        tc.tclass.add(two, dev="a0", parent="1:", handle="1:10", options=HtbClass(rate="1mbit"))


def test_filter_on_a_missing_parent(two: Handle) -> None:
    with pytest.raises((NotFound, KernelError), match="parent 7:"):
        tc.filter.add(
            two, dev="a0", parent="7:", prio=1, options=U32(keys=u32_match(), classid="7:1")
        )


def test_handle_collision(two: Handle) -> None:
    _htb(two, "a0")
    with pytest.raises(AlreadyExists, match="1:10"):
        tc.tclass.add(two, dev="a0", parent="1:1", handle="1:10", options=HtbClass(rate="1mbit"))
    with pytest.raises(AlreadyExists):
        tc.qdisc.add(two, dev="a0", handle="1:", options=Htb())


def test_missing_kernel_kinds_skip_with_the_reason(two: Handle) -> None:
    from ..conftest import kernel_lacks

    try:
        tc.qdisc.add(two, dev="a0", options=tc.Unknown(kind="netem"))
    except (NotFound, KernelError) as e:
        kernel_lacks(f"netem ({e.strerror})")
    pytest.fail("netem was accepted; this kernel has it")  # pragma: no cover
