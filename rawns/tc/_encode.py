"""Pure builders of RTM_{NEW,DEL,GET}{QDISC,TCLASS,TFILTER} requests, byte for byte as tc.

Each ``build_*`` returns one message with seq 0. Attribute order and the nests
without NLA_F_NESTED are iproute2's (tc/q_tbf.c, q_htb.c, q_fifo.c, f_u32.c,
m_mirred.c); the golden captures in tests/unit/golden/tc/ hold them to it.
"""

from __future__ import annotations

import functools
import struct

from .. import _check
from .._rtnl import NLM_F, RTM
from .._wire import Writer
from ..link._types import LinkRef
from ._consts import (
    HTB_GLOB,
    HTB_OPT,
    HTB_VERSION,
    LINKLAYER_ETHERNET,
    MIRRED_PARMS,
    RATESPEC,
    TBF_QOPT,
    TCA,
    TCA_ACT,
    TCA_HTB,
    TCA_MIRRED,
    TCA_TBF,
    TCA_U32,
    TCMSG,
    U32_KEY,
    U32_SEL,
)
from ._types import (
    U32,
    Bfifo,
    Class,
    Filter,
    Htb,
    HtbClass,
    Mirred,
    Pfifo,
    Qdisc,
    Tbf,
    Unknown,
    UnknownAction,
)
from ._units import rtable, xmittime

__all__ = [
    "ADD",
    "CHANGE",
    "REPLACE",
    "build_class",
    "build_class_delete",
    "build_dump",
    "build_filter",
    "build_filter_delete",
    "build_qdisc",
    "build_qdisc_delete",
]

ADD = int(NLM_F.CREATE | NLM_F.EXCL)
REPLACE = int(NLM_F.CREATE | NLM_F.REPLACE)
CHANGE = 0
_DUMPS = (int(RTM.GETQDISC), int(RTM.GETTCLASS), int(RTM.GETTFILTER))
#: As ints: an IntFlag '|' costs more than building the rest of a request (add_many).
_REQUEST_ACK = int(NLM_F.REQUEST | NLM_F.ACK)
_U32 = struct.Struct("=I")
_U64 = struct.Struct("=Q")
_CAP = 0xFFFFFFFF
# The kernel constants of the add_many builders, as ints: an IntEnum member lookup
# costs more than the attribute it names (RTM.NEWTCLASS, RTM.NEWTFILTER, TCA.KIND,
# TCA.OPTIONS, TCA_U32.CLASSID, TCA_U32.SEL).
_NEWTCLASS, _NEWTFILTER = int(RTM.NEWTCLASS), int(RTM.NEWTFILTER)
_TCA_KIND, _TCA_OPTIONS = int(TCA.KIND), int(TCA.OPTIONS)
_U32_CLASSID, _U32_SEL = int(TCA_U32.CLASSID), int(TCA_U32.SEL)


def _index(dev: LinkRef, what: str) -> int:
    """The ifindex a pure builder needs (the verbs resolve names first)."""
    if type(dev) is int:
        return dev
    if isinstance(dev, str):
        raise ValueError(
            f"{what} dev {dev!r} is a name: the pure builders need an index "
            "(the verbs, qdisc.add and the others, resolve names)"
        )
    return dev if isinstance(dev, int) else dev.index


def _flags(flags: int) -> int:
    if flags == ADD and type(flags) is int:  # the default, as the checks below pass it
        return flags
    _check.uint(flags, 16, "flags")
    if flags & ~(ADD | REPLACE):
        raise ValueError(f"flags {flags:#x}: a tc request takes NLM_F_CREATE, EXCL, REPLACE only")
    return flags


def _head(
    w: Writer, mtype: int, flags: int, index: int, handle: int, parent: int, info: int
) -> None:
    w.begin(mtype, flags=_REQUEST_ACK | flags)
    w.put_bytes_raw(TCMSG.pack(0, index, handle, parent, info))


def _ratespec(rate: int, mtu: int, mpu: int = 0) -> tuple[bytes, bytes]:
    """``(struct tc_ratespec, rtab)`` for ``rate`` bytes/s, as tc_calc_rtable fills them."""
    capped = min(rate, _CAP)
    cell_log, rtab = rtable(capped, mtu, mpu)
    return RATESPEC.pack(cell_log, LINKLAYER_ETHERNET, 0, -1, mpu, capped), rtab


def _tbf(w: Writer, o: Tbf) -> None:
    rate, peak = o.rate // 8, (o.peakrate or 0) // 8
    mtu = o.mtu or 0
    rspec, rtab = _ratespec(rate, mtu)
    pspec, ptab = _ratespec(peak, mtu) if peak else (bytes(RATESPEC.size), b"")
    assert o.limit is not None  # Tbf.__post_init__ sets it
    buffer = xmittime(min(rate, _CAP), o.burst)
    mtu_ticks = xmittime(min(peak, _CAP), mtu) if peak else 0
    with w.nest_noflag(TCA.OPTIONS):
        w.put(TCA_TBF.PARMS, TBF_QOPT.pack(rspec, pspec, o.limit, buffer, mtu_ticks))
        w.put_u32(TCA_TBF.BURST, o.burst)
        if rate > _CAP:
            w.put_u64(TCA_TBF.RATE64, rate)
        w.put(TCA_TBF.RTAB, rtab)
        if peak:
            if peak > _CAP:
                w.put_u64(TCA_TBF.PRATE64, peak)
            w.put_u32(TCA_TBF.PBURST, mtu)
            w.put(TCA_TBF.PTAB, ptab)


def _htb(w: Writer, o: Htb) -> None:
    with w.nest_noflag(TCA.OPTIONS):
        w.put(TCA_HTB.INIT, HTB_GLOB.pack(HTB_VERSION, o.r2q, o.default, 0, 0))
        if o.direct_qlen is not None:
            w.put_u32(TCA_HTB.DIRECT_QLEN, o.direct_qlen)


def _htb_class(w: Writer, o: HtbClass) -> None:
    assert o.ceil is not None and o.burst is not None and o.cburst is not None  # __post_init__
    options = _htb_class_options(o.rate, o.ceil, o.burst, o.cburst, o.quantum, o.prio, o.mtu)
    w.put(_TCA_OPTIONS, options)  # a nest without NLA_F_NESTED, as tc sends it


@functools.lru_cache(maxsize=256)
def _htb_class_options(
    rate: int, ceil: int, burst: int, cburst: int, quantum: int, prio: int, mtu: int
) -> bytes:
    """An htb class's TCA_OPTIONS payload. Pure, so remembered (as ``rtable``): the
    classes of one add_many mostly share their settings, and each costs two rate tables."""
    rate, ceil = rate // 8, ceil // 8
    rspec, rtab = _ratespec(rate, mtu)
    cspec, ctab = _ratespec(ceil, mtu)
    buffer, cbuffer = xmittime(rate, burst), xmittime(ceil, cburst)
    w = Writer()
    if rate > _CAP:
        w.put_u64(TCA_HTB.RATE64, rate)
    if ceil > _CAP:
        w.put_u64(TCA_HTB.CEIL64, ceil)
    w.put(TCA_HTB.PARMS, HTB_OPT.pack(rspec, cspec, buffer, cbuffer, quantum, 0, prio))
    w.put(TCA_HTB.RTAB, rtab)
    w.put(TCA_HTB.CTAB, ctab)
    return w.data()


def _action(w: Writer, order: int, a: Mirred | UnknownAction) -> None:
    with w.nest_noflag(order):
        w.put_strz(TCA_ACT.KIND, a.kind)
        if isinstance(a, UnknownAction):
            for attr in a.attrs:
                w.put_attr(attr)
            return
        parms = MIRRED_PARMS.pack(a.index, 0, a.verdict, 0, 0, a.eaction, _index(a.dev, "mirred"))
        with w.nest(TCA_ACT.OPTIONS):
            w.put(TCA_MIRRED.PARMS, parms)


def _sel_fields(o: U32) -> bool:
    """Whether the selector has a non-zero field besides the keys (a selector without keys)."""
    return bool(o.offshift or o.offmask or o.off or o.offoff or o.hoff or o.hmask)


def _u32(w: Writer, o: U32) -> None:
    with w.nest_noflag(_TCA_OPTIONS):
        if o.classid is not None:
            w.put_u32(_U32_CLASSID, int(o.classid))
        if o.link is not None:
            w.put_u32(TCA_U32.LINK, o.link)
        if o.divisor is not None:
            w.put_u32(TCA_U32.DIVISOR, o.divisor)
        if o.actions:
            with w.nest_noflag(TCA_U32.ACT):
                for i, a in enumerate(o.actions, 1):
                    _action(w, i, a)
        if o.hash is not None:
            w.put_u32(TCA_U32.HASH, o.hash)
        # the kernel needs a selector on every node (u32_change: "Selector not
        # specified"); a hash table (divisor=, sel_flags None) has none
        if o.keys or o.sel_flags is not None or _sel_fields(o):
            sel = U32_SEL.pack(
                o.sel_flags or 0,
                o.offshift,
                len(o.keys),
                o.offmask.to_bytes(2, "big"),
                o.off,
                o.offoff,
                o.hoff,
                o.hmask.to_bytes(4, "big"),
            )
            keys = b"".join(
                [
                    U32_KEY.pack(
                        k.mask.to_bytes(4, "big"), k.val.to_bytes(4, "big"), k.off, k.offmask
                    )
                    for k in o.keys
                ]
            )
            w.put(_U32_SEL, sel + keys)
        if o.flags is not None:
            w.put_u32(TCA_U32.FLAGS, o.flags)
        for attr in o.attrs:
            w.put_attr(attr)


def _unknown(w: Writer, o: Unknown) -> None:
    if o.options is not None:
        w.put_attr(o.options)


def build_qdisc(q: Qdisc, *, flags: int = ADD) -> bytes:
    """RTM_NEWQDISC for ``q`` (``tc qdisc add``; ``flags=REPLACE``: replace; ``CHANGE``: change)."""
    if not isinstance(q, Qdisc):
        raise TypeError(f"qdisc must be a Qdisc, not {_check._show(q)}")
    w = Writer()
    _head(
        w, RTM.NEWQDISC, _flags(flags), _index(q.dev, "qdisc"), int(q.handle), int(q.parent or 0), 0
    )
    w.put_strz(TCA.KIND, q.kind)
    o = q.options
    if isinstance(o, Tbf):
        _tbf(w, o)
    elif isinstance(o, Htb):
        _htb(w, o)
    elif isinstance(o, Pfifo | Bfifo):
        if o.limit is not None:
            w.put(TCA.OPTIONS, _U32.pack(o.limit))
    elif isinstance(o, Unknown):
        _unknown(w, o)
    w.end()
    return w.data()


def build_qdisc_delete(
    index: int, *, parent: int, handle: int = 0, kind: str | None = None
) -> bytes:
    """RTM_DELQDISC (``tc qdisc del dev X root|ingress|parent P [handle H]``)."""
    _check.ifindex(index, "index")
    _check.uint(parent, 32, "parent")
    _check.uint(handle, 32, "handle")
    if kind is not None:
        _check.text(kind, "kind", max_bytes=15)
    w = Writer()
    _head(w, RTM.DELQDISC, 0, index, handle, parent, 0)
    if kind is not None:
        w.put_strz(TCA.KIND, kind)
    w.end()
    return w.data()


def build_class(c: Class, *, flags: int = ADD) -> bytes:
    """RTM_NEWTCLASS for ``c`` (``tc class add``; ``flags=CHANGE``: ``tc class change``)."""
    if not isinstance(c, Class):
        raise TypeError(f"class must be a Class, not {_check._show(c)}")
    w = Writer()
    _head(w, _NEWTCLASS, _flags(flags), _index(c.dev, "class"), int(c.handle), int(c.parent), 0)
    w.put_strz(_TCA_KIND, c.kind)
    if isinstance(c.options, HtbClass):
        _htb_class(w, c.options)
    else:
        _unknown(w, c.options)
    w.end()
    return w.data()


def build_class_delete(index: int, *, handle: int, parent: int = 0) -> bytes:
    """RTM_DELTCLASS (``tc class del dev X classid H``)."""
    _check.ifindex(index, "index")
    _check.uint(handle, 32, "handle")
    _check.uint(parent, 32, "parent")
    w = Writer()
    _head(w, RTM.DELTCLASS, 0, index, handle, parent, 0)
    w.end()
    return w.data()


def build_filter(f: Filter, *, flags: int = ADD) -> bytes:
    """RTM_NEWTFILTER for ``f`` (``tc filter add``)."""
    if not isinstance(f, Filter):
        raise TypeError(f"filter must be a Filter, not {_check._show(f)}")
    w = Writer()
    _head(
        w,
        _NEWTFILTER,
        _flags(flags),
        _index(f.dev, "filter"),
        int(f.handle),
        int(f.parent),
        f.info,
    )
    w.put_strz(_TCA_KIND, f.kind)
    if f.chain is not None:
        w.put_u32(TCA.CHAIN, f.chain)
    if isinstance(f.options, U32):
        _u32(w, f.options)
    else:
        _unknown(w, f.options)
    w.end()
    return w.data()


def build_filter_delete(
    index: int,
    *,
    parent: int,
    info: int = 0,
    handle: int = 0,
    kind: str | None = None,
    chain: int | None = None,
) -> bytes:
    """RTM_DELTFILTER (``tc filter del dev X parent P [protocol PROTO prio N [handle H KIND]]``)."""
    _check.ifindex(index, "index")
    _check.uint(parent, 32, "parent")
    _check.uint(info, 32, "info")
    _check.uint(handle, 32, "handle")
    if kind is not None:
        _check.text(kind, "kind", max_bytes=15)
    _check.optional(chain, _check.uint, 32, "chain")
    w = Writer()
    _head(w, RTM.DELTFILTER, 0, index, handle, parent, info)
    if kind is not None:
        w.put_strz(TCA.KIND, kind)
    if chain is not None:
        w.put_u32(TCA.CHAIN, chain)
    w.end()
    return w.data()


def build_dump(mtype: int, index: int = 0, parent: int = 0) -> bytes:
    """RTM_GETQDISC/GETTCLASS/GETTFILTER dump of one link (``index``) or, for qdiscs, all."""
    if _check.integer(mtype, "mtype", 0, 0xFFFF) not in _DUMPS:
        raise ValueError(
            f"mtype {_check._show(mtype)} is not RTM_GETQDISC, RTM_GETTCLASS or RTM_GETTFILTER"
        )
    _check.integer(index, "index", 0, 0x7FFFFFFF)
    _check.uint(parent, 32, "parent")
    w = Writer()
    w.begin(mtype, flags=NLM_F.REQUEST | NLM_F.DUMP)
    w.put_bytes_raw(TCMSG.pack(0, index, 0, parent, 0))
    w.end()
    return w.data()
