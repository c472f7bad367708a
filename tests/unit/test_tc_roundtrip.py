"""Hypothesis round trips of every tc spec: ``parse(build(spec)) == spec``, and the bytes again.

Each strategy draws a valid spec of one kind over its whole range (rates up
to 2**64-1 bit/s, so the 64-bit attributes; bursts whose transmit time
wraps; u32 selectors with every field; unknown kinds and actions with raw
options). Building it and decoding the request must give the spec back, and
building the decoded spec must give the same bytes (nothing lost either way).
Handles and tc's printed units round-trip through their parsers too.
"""

from __future__ import annotations

import os

from hypothesis import given, settings
from hypothesis import strategies as st

from rawns import tc
from rawns._wire import Attr
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
    U32Key,
    Unknown,
    UnknownAction,
)
from rawns.tc._encode import ADD, CHANGE, REPLACE

#: ``RAWNS_TC_EXAMPLES=N`` for a longer run
_SETTINGS = settings(
    max_examples=int(os.environ.get("RAWNS_TC_EXAMPLES", "300")), deadline=None, database=None
)

u8 = st.integers(0, 0xFF)
u16 = st.integers(0, 0xFFFF)
u32 = st.integers(0, 0xFFFFFFFF)
s16 = st.integers(-(1 << 15), (1 << 15) - 1)
s32 = st.integers(-(1 << 31), (1 << 31) - 1)
ifindex = st.integers(1, 0x7FFFFFFF)
#: whole bytes per second: the kernel keeps no fraction of a byte (tc drops it too)
rates = st.one_of(
    st.integers(1, 0xFFFFFFFF).map(lambda b: b * 8),  # in the 32-bit ratespec
    st.integers(1, (1 << 61) - 1).map(lambda b: b * 8),  # TCA_*_RATE64 above 2**32-1 bytes/s
)
sizes = st.integers(1, 0xFFFFFFFF)
flags = st.sampled_from((ADD, REPLACE, CHANGE))
#: kinds rawns does not decode (a known one would decode to its typed options)
unknown_kinds = st.sampled_from(("netem", "fq_codel", "sfq", "cake", "prio", "fq", "x" * 15))
#: raw TCA_OPTIONS of an unknown kind: with or without NLA_F_NESTED, any payload
raw_options = st.builds(Attr, st.sampled_from((2, 2 | 0x8000)), st.binary(max_size=64))


def _tbf(d: st.DrawFn) -> Tbf:
    rate = d(rates)
    peak = d(st.none() | rates)
    # without peakrate, mtu only sizes the rate table and is not kept (see Tbf)
    mtu = d(sizes) if peak is not None else None
    if d(st.booleans()):
        return Tbf(rate=rate, burst=d(sizes), limit=d(sizes), peakrate=peak, mtu=mtu)
    # latency= is turned into limit= (compare=False on latency): only limit is sent
    burst = d(st.integers(1, 1 << 20))
    latency = f"{d(st.integers(1, 10**6))}us"
    return Tbf(rate=d(st.integers(1, 1 << 20)) * 8, burst=burst, latency=latency)


@st.composite
def qdisc_options(d: st.DrawFn) -> object:
    which = d(st.sampled_from(("tbf", "htb", "pfifo", "bfifo", "fast", "ingress", "clsact", "?")))
    if which == "tbf":
        return _tbf(d)
    if which == "htb":
        return Htb(
            default=d(u32), r2q=d(st.integers(1, 0xFFFFFFFF)), direct_qlen=d(st.none() | u32)
        )
    if which == "pfifo":
        return Pfifo(limit=d(st.none() | u32))
    if which == "bfifo":
        return Bfifo(limit=d(st.none() | u32))
    if which == "fast":
        return PfifoFast()
    if which == "ingress":
        return Ingress()
    if which == "clsact":
        return Clsact()
    return Unknown(kind=d(unknown_kinds), options=d(st.none() | raw_options))


@st.composite
def qdiscs(d: st.DrawFn) -> Qdisc:
    options = d(qdisc_options())
    if isinstance(options, Ingress | Clsact):
        return Qdisc(dev=d(ifindex), options=options)
    return Qdisc(
        dev=d(ifindex), options=options, parent=d(u32), handle=d(st.integers(0, 0xFFFF)) << 16
    )


@st.composite
def htb_classes(d: st.DrawFn) -> HtbClass:
    rate = d(rates)
    ceil = d(st.none() | rates.filter(lambda c: c >= rate))
    return HtbClass(
        rate=rate,
        ceil=ceil,
        burst=d(st.none() | sizes),
        cburst=d(st.none() | sizes),
        prio=d(st.integers(0, 7)),
        quantum=d(u32),
        # the request keeps the mtu only as the rate table's cell_log (tc_calc_rtable):
        # sizes of 256 and up decode to one giving the same table (255 and less: 1600)
        mtu=d(st.integers(256, 65536)),
    )


@st.composite
def classes(d: st.DrawFn) -> Class:
    unknown = st.builds(Unknown, kind=unknown_kinds, options=st.none() | raw_options)
    return Class(dev=d(ifindex), handle=d(u32), parent=d(u32), options=d(htb_classes() | unknown))


keys = st.builds(U32Key, u32, u32, s32, s32)
mirreds = st.builds(
    Mirred,
    dev=ifindex,
    action=st.sampled_from(("redirect", "mirror")),
    direction=st.sampled_from(("egress", "ingress")),
    verdict=st.none() | s32,
)
#: an unknown action's attributes: anything but TCA_ACT_KIND (1), which names it
action_attrs = st.builds(
    Attr,
    st.integers(2, 0x3FFF) | st.integers(2, 0x3FFF).map(lambda t: t | 0x8000),
    st.binary(max_size=32),
)
unknown_actions = st.builds(
    UnknownAction,
    kind=st.sampled_from(("gact", "police", "skbedit", "pedit")),
    attrs=st.lists(action_attrs, max_size=3).map(tuple),
)


@st.composite
def u32s(d: st.DrawFn) -> U32:
    table = d(st.booleans())  # a hash table: divisor, no selector
    return U32(
        keys=tuple(d(st.lists(keys, max_size=8))) if not table else (),
        classid=d(st.none() | u32),
        actions=tuple(d(st.lists(mirreds | unknown_actions, max_size=3))),
        sel_flags=d(st.none() | u8) if not table else None,
        offshift=0 if table else d(u8),
        offmask=0 if table else d(u16),
        off=0 if table else d(u16),
        offoff=0 if table else d(s16),
        hoff=0 if table else d(s16),
        hmask=0 if table else d(u32),
        divisor=d(st.integers(1, 256)) if table else None,
        hash=d(st.none() | u32),
        link=d(st.none() | u32),
        flags=d(st.none() | u32),
    )


@st.composite
def filters(d: st.DrawFn) -> Filter:
    unknown = st.builds(Unknown, kind=unknown_kinds, options=st.none() | raw_options)
    return Filter(
        dev=d(ifindex),
        parent=d(u32),
        options=d(u32s() | unknown),
        protocol=d(u16 | st.sampled_from(("all", "ip", "ipv6", "arp", "802.1q"))),
        prio=d(u16),
        handle=d(u32),
        chain=d(st.none() | u32),
    )


@_SETTINGS
@given(qdiscs(), flags)
def test_qdisc_round_trips(q: Qdisc, fl: int) -> None:
    raw = tc.build_qdisc(q, flags=fl)
    back = tc.parse_qdisc(raw[16:])
    assert back == q
    assert tc.build_qdisc(back, flags=fl) == raw


@_SETTINGS
@given(classes(), flags)
def test_class_round_trips(c: Class, fl: int) -> None:
    raw = tc.build_class(c, flags=fl)
    back = tc.parse_class(raw[16:])
    assert back == c
    assert tc.build_class(back, flags=fl) == raw


@_SETTINGS
@given(filters(), flags)
def test_filter_round_trips(f: Filter, fl: int) -> None:
    raw = tc.build_filter(f, flags=fl)
    back = tc.parse_filter(raw[16:])
    assert back == f
    assert tc.build_filter(back, flags=fl) == raw


def test_u32_selector_fields_survive() -> None:
    """tc's ``offset``/``hashkey`` clauses: every field of tc_u32_sel comes back (item 6)."""
    o = U32(
        keys=tc.u32_match(dst="10.0.0.2/32"),
        classid="1:10",
        offshift=6,
        offmask=0x0F00,
        off=4,
        offoff=-2,
        hoff=12,
        hmask=0xFF000000,
    )
    f = Filter(dev=3, parent="1:", protocol="ip", prio=1, options=o)
    back = tc.parse_filter(tc.build_filter(f)[16:])
    assert back.options == o
    assert isinstance(back.options, U32)
    assert (back.options.offmask, back.options.hmask, back.options.offoff) == (
        0x0F00,
        0xFF000000,
        -2,
    )


@_SETTINGS
@given(u32)
def test_handles_round_trip(h: int) -> None:
    assert tc.parse_handle(tc.format_handle(h)) == h


@_SETTINGS
@given(st.integers(1, (1 << 61) - 1))
def test_printed_rates_parse_back(nbytes: int) -> None:
    """format_rate prints as tc's print_rate: exact below 1 Mbit/s, then whole units
    (a rate of 1000008 bit/s prints as 1Mbit, as tc prints it), never off by 0.1% or more."""
    bits = nbytes * 8
    back = tc.Tbf(rate=tc.format_rate(bits), burst=1, limit=1).rate
    if bits < 1_000_000:
        assert back == bits
    assert abs(back - bits) * 1000 < bits


@_SETTINGS
@given(st.integers(1, 0xFFFFFFFF), st.integers(0, 65536), st.integers(0, 2000))
def test_remembered_rate_tables_are_the_computed_ones(rate: int, mtu: int, mpu: int) -> None:
    """The encoders' cached rtable() against the plain calc_rtable (twice: cold, then hit)."""
    from rawns.tc._units import calc_rtable, rtable

    assert rtable(rate, mtu, mpu) == calc_rtable(rate, mtu, mpu)
    assert rtable(rate, mtu, mpu) == calc_rtable(rate, mtu, mpu)
