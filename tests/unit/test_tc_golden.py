"""Golden bytes for ``tc``: build(spec) == captured and parse(captured) == spec.

Captures live in ``golden/tc/``; recapture them (root) with
``python -m tests.unit.tc_golden``, which also holds the command list.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from rawns._rtnl import RTM
from rawns._wire import parse_messages
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
    Qdisc,
    Tbf,
    filter,
    qdisc,
    tclass,
    u32_match,
)
from rawns.tc._encode import ADD, CHANGE, REPLACE

from .golden_io import hexdiff, load, names
from .tc_golden import CAPTURES, IFB0, V0, annotate

Obj = Qdisc | Class | Filter

TBF_ADD = Tbf(rate="8mbit", burst="32kbit", latency="400ms")
HTB_10 = HtbClass(rate="4mbit", ceil="8mbit", burst="15k", cburst="15k", prio=1, quantum=1500)


def _q(options: object, **kw: object) -> Qdisc:
    return Qdisc(dev=V0, options=options, **kw)  # type: ignore[arg-type]


# name -> (builder taking the spec, spec or None for deletes built from fields)
CASES: dict[str, tuple[Callable[[], bytes], Obj | None]] = {}


def _new(name: str, obj: Obj, flags: int = ADD) -> None:
    if isinstance(obj, Qdisc):
        CASES[name] = (lambda: qdisc.build_qdisc(obj, flags=flags), obj)
    elif isinstance(obj, Class):
        CASES[name] = (lambda: tclass.build_class(obj, flags=flags), obj)
    else:
        CASES[name] = (lambda: filter.build_filter(obj, flags=flags), obj)


_new("tbf_add", _q(TBF_ADD, handle="1:"))
_new("tbf_change", _q(Tbf(rate="4mbit", burst="16kb", limit=30000), handle="1:"), CHANGE)
_new(
    "tbf_replace_peak",
    _q(
        Tbf(rate="8mbit", burst="32kbit", latency="50ms", peakrate="10mbit", mtu=2000),
        handle="1:",
    ),
    REPLACE,
)
_new("tbf_big_rate", _q(Tbf(rate="40gbit", burst="1mb", limit="2mb"), handle="1:"), REPLACE)
_new("htb_add", _q(Htb(default="10", r2q=5), handle="1:"))
_new(
    "htb_class_add_root", Class(dev=V0, parent="1:", handle="1:1", options=HtbClass(rate="10mbit"))
)
_new("htb_class_add", Class(dev=V0, parent="1:1", handle="1:10", options=HTB_10))
_new(
    "htb_class_change",
    Class(dev=V0, parent="1:1", handle="1:10", options=HtbClass(rate="5mbit", ceil="8mbit")),
    CHANGE,
)
_new(
    "u32_add_dst_dport",
    Filter(
        dev=V0,
        parent="1:",
        protocol="ip",
        prio=1,
        options=U32(keys=u32_match(dst="10.0.0.2/32", dport=5001), classid="1:10"),
    ),
)
_new(
    "u32_add_src_proto_sport",
    Filter(
        dev=V0,
        parent="1:",
        protocol="ip",
        prio=2,
        options=U32(keys=u32_match(src="10.0.0.0/24", protocol="tcp", sport=80), classid="1:1"),
    ),
)
_new(
    "u32_add_all",
    Filter(
        dev=V0, parent="1:", protocol="all", prio=3, options=U32(keys=u32_match(), classid="1:1")
    ),
)
_new("pfifo_add", _q(Pfifo(limit=100), handle="2:"), REPLACE)
_new("bfifo_add", _q(Bfifo(limit=30000), handle="3:"), REPLACE)
_new("pfifo_fast_add", _q(PfifoFast(), handle="4:"), REPLACE)
_new("ingress_add", _q(Ingress()))
_new("clsact_add", _q(Clsact()))
_new(
    "u32_mirred_redirect",
    Filter(
        dev=V0,
        parent="ffff:",
        prio=1,
        options=U32(keys=u32_match(), actions=(Mirred(dev=IFB0),)),
    ),
)
_new(
    "u32_mirred_mirror_egress",
    Filter(
        dev=V0,
        parent="egress",
        protocol="ip",
        prio=1,
        options=U32(
            keys=u32_match(dst="10.0.0.9/32"), actions=(Mirred(dev=IFB0, action="mirror"),)
        ),
    ),
)
CASES["qdisc_del_root"] = (lambda: qdisc.build_qdisc_delete(V0, parent=0xFFFFFFFF), None)
CASES["ingress_del"] = (
    lambda: qdisc.build_qdisc_delete(V0, parent=0xFFFFFFF1, handle=0xFFFF0000, kind="ingress"),
    None,
)
CASES["clsact_del"] = (
    lambda: qdisc.build_qdisc_delete(V0, parent=0xFFFFFFF1, handle=0xFFFF0000, kind="clsact"),
    None,
)
CASES["filter_del_prio"] = (
    lambda: filter.build_filter_delete(V0, parent=0x10000, info=(1 << 16) | 0x0008),
    None,
)
CASES["htb_class_del"] = (lambda: tclass.build_class_delete(V0, handle=0x10010), None)

_PARSE = {
    int(RTM.NEWQDISC): qdisc.parse_qdisc,
    int(RTM.NEWTCLASS): tclass.parse_class,
    int(RTM.NEWTFILTER): filter.parse_filter,
}


def test_every_capture_has_a_case() -> None:
    assert sorted(CASES) == names("tc") == sorted(n for n, _, _ in CAPTURES)


@pytest.mark.parametrize("name", sorted(CASES))
def test_build_matches_capture(name: str) -> None:
    raw = load("tc", name)["raw"]
    built = CASES[name][0]()
    assert built == raw, f"{name}\n" + hexdiff(built, raw)


@pytest.mark.parametrize("name", sorted(n for n, (_, o) in CASES.items() if o is not None))
def test_parse_capture_gives_spec(name: str) -> None:
    msg = parse_messages(load("tc", name)["raw"])[0]
    got = _PARSE[msg.type](msg.payload)
    assert got == CASES[name][1]
    assert got.attrs == ()


@pytest.mark.parametrize("name", sorted(CASES))
def test_notes_are_current(name: str) -> None:
    rec = load("tc", name)
    assert rec["notes"] == annotate(rec["raw"])


def test_tbf_latency_becomes_limit_as_tc_computes_it() -> None:
    assert TBF_ADD.limit == 404096  # 1,000,000 B/s x 0.4 s + 4096
