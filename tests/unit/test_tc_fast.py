"""rawns/tc/_fast.py (the layouts of tc.tclass.dump and tc.filter.dump) against the plain
decoders, parse_class and parse_filter.

Differential: any datagram decodes to the same objects (every field, compare=False
ones and nested options included, types, repr, origin, stats and raw attributes
read after the fact), the same events and the same error with TcRuns offered and
without it. The messages are the kernel's (tests/fuzz/tc_seeds.json) and requests
built from hypothesis' specs, repeated (so layouts are learned, then hit) and
broken: bytes overwritten (headers, values, the kind, u32's key count), cut short,
other headers, malformed tails. Work: a clean dump goes through layouts, and
learning stays within its credit on hostile mixes.
"""

from __future__ import annotations

import copy
import dataclasses
import json
import pickle
import struct
from pathlib import Path
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from rawns._conversation import Conversation
from rawns._wire import iter_attrs, iter_messages
from rawns.tc import U32, Class, Filter, HtbClass, U32Key, _fast, u32_match
from rawns.tc._decode import parse_class, parse_filter
from rawns.tc._encode import build_class, build_filter

from .test_tc_roundtrip import classes, filters

SEQ = 77
PORT = 4242
HERE = (7, 4026531840)
NLM_F_MULTI = 2
NLMSG_DONE = 3
NEWTCLASS, NEWTFILTER = 40, 44
SEEDS = Path(__file__).resolve().parents[1] / "fuzz" / "tc_seeds.json"


def _kernel(mtype: int) -> list[bytes]:
    doc = json.loads(SEEDS.read_text())
    out = []
    for hexes in doc["seeds"].values():
        for h in hexes:
            d = bytes.fromhex(h)
            out += [d[a:b] for t, _f, _s, _p, a, b in iter_messages(d) if t == mtype]
    return out


KERNEL = {"class": _kernel(NEWTCLASS), "filter": _kernel(NEWTFILTER)}
MTYPE = {"class": NEWTCLASS, "filter": NEWTFILTER}
PLAIN = {"class": parse_class, "filter": parse_filter}


def test_the_seeds_hold_kernel_classes_and_filters() -> None:
    assert len(KERNEL["class"]) >= 3 and len(KERNEL["filter"]) >= 6
    kinds = {parse_filter(p).kind for p in KERNEL["filter"]}
    assert "u32" in kinds


def _msg(payload: bytes, mtype: int, seq: int = SEQ, pid: int = PORT) -> bytes:
    head = struct.pack("=IHHII", 16 + len(payload), mtype, NLM_F_MULTI, seq, pid)
    return head + payload + b"\0" * (-len(payload) & 3)


def _done() -> bytes:
    return _msg(struct.pack("=i", 0), NLMSG_DONE)


def _deep(x: object) -> object:
    """Every field of x, recursively (compare=False and repr=False ones too), with types."""
    if dataclasses.is_dataclass(x) and not isinstance(x, type):
        return (
            type(x),
            tuple((f.name, _deep(getattr(x, f.name))) for f in dataclasses.fields(x)),
        )
    if isinstance(x, tuple | list):
        return (type(x), tuple(_deep(v) for v in x))
    return (type(x), x)


def _shown(obj: Class | Filter) -> tuple[Any, ...]:
    return _deep(obj), repr(obj), obj == obj


def _decode(datagram: bytes, runs: _fast.TcRuns | None, what: str) -> tuple[str, Any]:
    conv = Conversation(PORT)
    conv.expect(SEQ, dump=True)
    out: list[Any] = []
    plain = PLAIN[what]

    def parse_at(data: bytes, start: int, end: int) -> Any:
        return plain(data[start:end], origin=HERE)

    try:
        events = conv.receive_dump(datagram, SEQ, parse_at, out, runs)
    except Exception as e:  # compared: its type and text
        return "error", (type(e), str(e), [_shown(x) for x in out])
    return "ok", ([_shown(x) for x in out], events)


def _same(datagram: bytes, what: str) -> _fast.TcRuns:
    runs = _fast.TcRuns(what, HERE)
    fast = _decode(datagram, runs, what)
    assert fast == _decode(datagram, None, what)
    return runs


# -- the layouts are the real classes' ---------------------------------------------


def test_the_slot_layouts_are_the_dataclasses() -> None:
    pairs = [
        (_fast._ClassSlots, Class),
        (_fast._FilterSlots, Filter),
        (_fast._U32Slots, U32),
        (_fast._U32KeySlots, U32Key),
    ]
    for slots, cls in pairs:
        assert slots.__slots__ == tuple(f.name for f in dataclasses.fields(cls))
        assert slots.__slots__ == cls.__slots__
        assert slots.__mro__[1:] == cls.__mro__[1:]


# -- clean dumps ---------------------------------------------------------------


def test_a_clean_kernel_dump_goes_through_layouts_and_decodes_the_same() -> None:
    for what in ("class", "filter"):
        payloads = KERNEL[what]
        datagram = b"".join(_msg(p, MTYPE[what]) for p in payloads * 20) + _done()
        runs = _same(datagram, what)
        assert runs.hits >= 19 * len(payloads), what
        assert runs.learned <= len(payloads)


def test_fast_objects_read_stats_and_attrs_from_their_bytes_when_asked() -> None:
    p = KERNEL["class"][0]
    out: list[Any] = []
    runs = _fast.TcRuns("class", HERE)
    runs(_msg(p, NEWTCLASS) * 3, 0, out)
    assert runs.hits == 2
    plain = parse_class(p, origin=HERE)
    c = out[2]
    assert type(c) is Class and "stats" not in _set_slots(c)
    assert c.stats == plain.stats and c.stats is not None
    assert c.attrs == plain.attrs and c.attrs
    assert _deep(c) == _deep(plain)
    # copies, pickles and replace see every field, decoded or not yet
    for make in (
        lambda x: copy.copy(x),
        lambda x: pickle.loads(pickle.dumps(x)),  # noqa: S301 - our own bytes
        lambda x: dataclasses.replace(x),
    ):
        fresh: list[Any] = []
        _fast.TcRuns("class", HERE)(_msg(p, NEWTCLASS) * 2, 0, fresh)
        assert _deep(make(fresh[1])) == _deep(plain)
    assert isinstance(c.options, HtbClass)
    try:
        c.nothing  # type: ignore[attr-defined]  # noqa: B018
    except AttributeError as e:
        assert "nothing" in str(e)
    else:
        raise AssertionError("an unknown attribute was found")


def _set_slots(obj: object) -> set[str]:
    got = set()
    for cls in type(obj).__mro__:
        for name in getattr(cls, "__slots__", ()):
            try:
                cls.__dict__[name].__get__(obj)
                got.add(name)
            except AttributeError:
                pass
    return got


def test_a_w9_like_dump_hits_once_learned() -> None:
    """The benchmark's shapes: htb classes at one rate, u32 nodes with one key each."""
    cls = [
        Class(dev=3, parent="1:", handle=0x10000 | i, options=HtbClass(rate="1mbit"))
        for i in range(1, 200)
    ]
    fl = [
        Filter(
            dev=3,
            parent="1:",
            protocol="ip",
            prio=1,
            handle=0x80000800 + i,
            options=U32(keys=u32_match(dst=f"10.0.{i // 256}.{i % 256}/32"), classid=0x10000 | i),
        )
        for i in range(1, 200)
    ]
    for what, objs, build in (("class", cls, build_class), ("filter", fl, build_filter)):
        datagram = b"".join(_msg(build(o)[16:], MTYPE[what]) for o in objs) + _done()  # type: ignore[operator]
        runs = _same(datagram, what)
        assert runs.hits >= len(objs) - 2 and runs.learned <= 2, what


# -- anything decodes the same ------------------------------------------------------

HOW = st.sampled_from(["msg", "msg", "msg", "other seq", "other type", "other pid", "intr"])
TAILS = st.sampled_from(["done", "nothing", "truncated header", "overlong", "short length"])


@st.composite
def payloads(draw: st.DrawFn, what: str) -> bytes:
    """A kernel report or a request of a random spec, maybe broken."""
    if draw(st.booleans()):
        p = draw(st.sampled_from(KERNEL[what]))
    else:
        spec = draw(classes() if what == "class" else filters())
        p = (build_class(spec) if what == "class" else build_filter(spec))[16:]
    how = draw(st.sampled_from(["as is", "as is", "overwrite", "overwrite", "cut", "grow"]))
    if how == "overwrite" and p:
        b = bytearray(p)
        for _ in range(draw(st.integers(1, 3))):
            at = draw(st.integers(0, len(b) - 1))
            chunk = draw(st.binary(min_size=1, max_size=4))
            b[at : at + len(chunk)] = chunk[: len(b) - at]
        p = bytes(b)
    elif how == "cut":
        p = p[: draw(st.integers(0, len(p)))]
    elif how == "grow":
        p += draw(st.binary(max_size=12))
    return p


def _mix(draw: st.DrawFn, what: str) -> bytes:
    base = draw(st.lists(payloads(what), min_size=1, max_size=4))
    parts = draw(st.lists(st.tuples(st.integers(0, len(base) - 1), HOW), min_size=1, max_size=24))
    mtype = MTYPE[what]
    out = []
    for i, how in parts:
        p = base[i]
        if how == "msg":
            out.append(_msg(p, mtype))
        elif how == "other seq":
            out.append(_msg(p, mtype, seq=SEQ + 1))
        elif how == "other type":
            out.append(_msg(p, mtype + 1))
        elif how == "other pid":
            out.append(_msg(p, mtype, pid=PORT + 1))
        else:  # NLM_F_DUMP_INTR on this one
            m = bytearray(_msg(p, mtype))
            struct.pack_into("=H", m, 6, NLM_F_MULTI | 0x10)
            out.append(bytes(m))
    datagram = b"".join(out)
    tail = draw(TAILS)
    if tail == "done":
        datagram += _done()
    elif tail == "truncated header":
        datagram += b"\x20\0\0\0\x10\0"
    elif tail == "overlong":
        datagram += struct.pack("=IHHII", 4096, mtype, NLM_F_MULTI, SEQ, PORT) + b"\0" * 8
    elif tail == "short length":
        datagram += struct.pack("=IHHII", 8, mtype, NLM_F_MULTI, SEQ, PORT)
    return datagram


@st.composite
def class_dumps(draw: st.DrawFn) -> bytes:
    return _mix(draw, "class")


@st.composite
def filter_dumps(draw: st.DrawFn) -> bytes:
    return _mix(draw, "filter")


@settings(max_examples=300, deadline=None)
@given(class_dumps())
def test_any_class_dump_decodes_the_same_with_and_without_layouts(datagram: bytes) -> None:
    _same(datagram, "class")


@settings(max_examples=300, deadline=None)
@given(filter_dumps())
def test_any_filter_dump_decodes_the_same_with_and_without_layouts(datagram: bytes) -> None:
    _same(datagram, "filter")


@settings(max_examples=200, deadline=None)
@given(st.data())
def test_one_value_changed_in_a_learned_layout_decodes_the_same(data: st.DataObject) -> None:
    """A layout learned, then the same message with any few bytes changed (a value, a
    header, the kind, u32's key count: same length, so its layout is tried)."""
    what = data.draw(st.sampled_from(["class", "filter"]))
    p = data.draw(st.sampled_from(KERNEL[what]))
    b = bytearray(p)
    for _ in range(data.draw(st.integers(1, 4))):
        b[data.draw(st.integers(0, len(b) - 1))] = data.draw(st.integers(0, 255))
    datagram = _msg(p, MTYPE[what]) + _msg(bytes(b), MTYPE[what]) + _msg(p, MTYPE[what])
    _same(datagram + _done(), what)


def test_values_a_constructor_refuses_raise_what_the_plain_decoder_raises() -> None:
    base = next(p for p in KERNEL["class"] if parse_class(p).kind == "htb")
    htb_opt = base.index(b"htb\0") + 4 + 8  # TCA_OPTIONS' and TCA_HTB_PARMS' headers
    broken = []
    for at, value in (
        (4, struct.pack("=i", 0)),  # ifindex 0
        (4, struct.pack("=i", -5)),  # a negative ifindex
        (htb_opt + 8, bytes(4)),  # rate 0
        (htb_opt + 40, struct.pack("=I", 9)),  # prio 9
    ):
        b = bytearray(base)
        b[at : at + len(value)] = value
        broken.append(bytes(b))
    for bad in broken:
        datagram = _msg(base, NEWTCLASS) * 2 + _msg(bad, NEWTCLASS) + _done()
        kind, got = _decode(datagram, _fast.TcRuns("class", HERE), "class")
        assert kind == "error", got
        _same(datagram, "class")


def test_learning_stays_within_its_credit_on_a_hostile_mix() -> None:
    """Every message a new length: nothing to hit, so learning stops at the free credit."""
    p = KERNEL["class"][0]
    datagram = b"".join(
        _msg(p + struct.pack("=HH", 4 + 4 * i, 0x3F) + bytes(4 * i), NEWTCLASS) for i in range(64)
    )
    runs = _same(datagram + _done(), "class")
    assert runs.learned <= _fast._FREE
    assert runs.hits == 0


def test_a_bad_origin_leaves_every_message_to_the_plain_decoder() -> None:
    p = KERNEL["class"][0]
    runs = _fast.TcRuns("class", ("not", "an origin"))  # type: ignore[arg-type]
    out: list[Any] = []
    try:
        runs(_msg(p, NEWTCLASS) * 2, 0, out)
    except ValueError as e:
        assert "origin" in str(e)
    else:
        raise AssertionError("a bad origin went through")
    assert runs.learned == 0


def _nla(atype: int, payload: bytes) -> bytes:
    return struct.pack("=HH", 4 + len(payload), atype) + payload + b"\0" * (-len(payload) & 3)


def _filter_payload(options: bytes, ifindex: int = 3, extra: bytes = b"") -> bytes:
    tcmsg = struct.pack("=BxxxiIII", 0, ifindex, 0x80000801, 0x10000, (1 << 16) | 0x0008)
    return tcmsg + _nla(1, b"u32\0") + extra + _nla(11, bytes(4)) + _nla(2, options)


def _mirred_parms(p: bytes) -> int:
    """Where TCA_MIRRED_PARMS' payload is: TCA_OPTIONS > TCA_U32_ACT > 1 > TCA_ACT_OPTIONS."""
    span = (20, len(p))
    for want in (2, 7, 1, 2, 2):
        span = next((a, b) for t, a, b in iter_attrs(p, *span) if t & 0x3FFF == want)
    return span[0]


def test_crafted_filters_decode_the_same_hit_or_refused() -> None:
    classid_only = _nla(1, struct.pack("=I", 0x10010))  # a node without a selector
    divisor = _nla(4, struct.pack("=I", 1))  # a hash table
    mirred = next(p for p in KERNEL["filter"] if b"mirred" in p)
    bogus = bytearray(mirred)  # tc_mirred.eaction (after tc_gen's five words) unknown
    at = _mirred_parms(mirred) + 20
    bogus[at : at + 4] = struct.pack("=i", 99)
    node = _filter_payload(classid_only)
    cases = [  # (learned from, then decoded, what the fast path does)
        (node, node, "hit"),
        (_filter_payload(divisor), _filter_payload(divisor), "hit"),
        (node + _nla(12, b"\1"), node + _nla(12, b"\0"), "hit"),  # TCA_HW_OFFLOAD: kept raw
        (node, _filter_payload(classid_only, ifindex=0), "refused"),  # not an ifindex
        (mirred, bytes(bogus), "refused"),  # options by their bytes, refused by the plain decoder
        (node + _nla(1, b"u32\0"), node + _nla(1, b"u32\0"), "no layout"),  # KIND twice
    ]
    for good, p, want in cases:
        datagram = _msg(good, NEWTFILTER) * 2 + _msg(p, NEWTFILTER) + _done()
        runs = _same(datagram, "filter")
        kind, got = _decode(datagram, _fast.TcRuns("filter", HERE), "filter")
        if want == "hit":
            assert kind == "ok" and runs.hits == 2, got
        elif want == "refused":
            assert kind == "error" and runs.learned == 1, got  # (hits: counted per run)
        else:
            assert kind == "ok" and runs.learned == 0 and runs.hits == 0, got
