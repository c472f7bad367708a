"""Pure decoders: RTM_NEWQDISC/NEWTCLASS/NEWTFILTER payloads (requests or kernel
reports) into :class:`Qdisc`, :class:`Class`, :class:`Filter`.

Kinds and actions rawns does not know decode to :class:`Unknown` /
:class:`UnknownAction` with their raw options; top-level attributes not
decoded are kept in ``attrs``. Malformed input raises
:class:`~rawns.errors.DecodeError`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .. import _check
from .._wire import NLA_TYPE_MASK, Attr, attr_str, attr_u32, attr_u64, iter_attrs
from ..errors import DecodeError
from . import _types
from ._consts import (
    HTB_GLOB,
    HTB_OPT,
    MIRRED_PARMS,
    PRIO_QOPT,
    RATESPEC,
    STATS_QUEUE,
    TBF_QOPT,
    TC_MIRRED,
    TCA,
    TCA_ACT,
    TCA_HTB,
    TCA_MIRRED,
    TCA_STATS,
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
    Clsact,
    Filter,
    Htb,
    HtbClass,
    Ingress,
    Mirred,
    Pfifo,
    PfifoFast,
    Qdisc,
    Stats,
    Tbf,
    U32Key,
    Unknown,
    UnknownAction,
)
from ._units import xmitsize

__all__ = ["parse_class", "parse_filter", "parse_qdisc", "parse_stats"]

_DIRECTIONS = {
    TC_MIRRED.EGRESS_REDIR: ("egress", "redirect"),
    TC_MIRRED.EGRESS_MIRROR: ("egress", "mirror"),
    TC_MIRRED.INGRESS_REDIR: ("ingress", "redirect"),
    TC_MIRRED.INGRESS_MIRROR: ("ingress", "mirror"),
}


def _struct(data: bytes, a: int, b: int, st: Any, what: str) -> tuple[Any, ...]:
    if b - a < st.size:
        raise DecodeError(f"{what} of {b - a} bytes, expected {st.size}", offset=a)
    return tuple(st.unpack_from(data, a))


def _nested(data: bytes, a: int, b: int) -> dict[int, tuple[int, int]]:
    return {t & NLA_TYPE_MASK: (x, y) for t, x, y in iter_attrs(data, a, b)}


def parse_stats(payload: bytes, start: int = 0, end: int | None = None) -> Stats:
    """TCA_STATS2's payload: gnet_stats_basic (bytes, packets) and gnet_stats_queue."""
    a, b = _check.span(payload, start, end)
    data = payload
    kw: dict[str, int] = {}
    for t, x, y in iter_attrs(data, a, b):
        t &= NLA_TYPE_MASK
        if t == TCA_STATS.BASIC and y - x >= 12:
            kw["bytes"] = attr_u64(data, x, x + 8)
            kw["packets"] = attr_u32(data, x + 8, x + 12)
        elif t == TCA_STATS.QUEUE:
            qlen, backlog, drops, requeues, overlimits = _struct(data, x, y, STATS_QUEUE, "queue")
            kw.update(qlen=qlen, backlog=backlog, drops=drops, requeues=requeues)
            kw["overlimits"] = overlimits
    return Stats(**kw)


def _rate(spec: bytes, big: int | None) -> int:
    """Bytes/s from a tc_ratespec (or its 64-bit attribute)."""
    return big if big is not None else int(RATESPEC.unpack(spec)[5])


def _mtu(spec: bytes, default: int = 1600) -> int:
    """The ``mtu`` a request's rate table was sized for, as far as its cell_log tells
    (tc_calc_rtable: the smallest cell_log with ``mtu >> cell_log <= 255``): the
    default if it gives that cell_log, else the largest size that does. The kernel
    reports cell_log 0 (psched_ratecfg_getrate): the default."""
    cell_log = int(RATESPEC.unpack(spec)[0])
    if cell_log == 0 or cell_log > 16 or _cell_log(default) == cell_log:
        return default
    return (256 << cell_log) - 1


def _cell_log(mtu: int) -> int:
    cell_log = 0
    while (mtu >> cell_log) > 255:
        cell_log += 1
    return cell_log


def _tbf(data: bytes, a: int, b: int) -> Tbf:
    at = _nested(data, a, b)
    if TCA_TBF.PARMS not in at:
        raise DecodeError("tbf options without TCA_TBF_PARMS", offset=a)
    rspec, pspec, limit, buffer, mtu_ticks = _struct(data, *at[TCA_TBF.PARMS], TBF_QOPT, "tbf")
    big = {k: attr_u64(data, *at[k]) for k in (TCA_TBF.RATE64, TCA_TBF.PRATE64) if k in at}
    rate = _rate(rspec, big.get(TCA_TBF.RATE64))
    peak = _rate(pspec, big.get(TCA_TBF.PRATE64))
    if rate == 0:
        raise DecodeError("tbf rate 0", offset=a)
    burst = attr_u32(data, *at[TCA_TBF.BURST]) if TCA_TBF.BURST in at else xmitsize(rate, buffer)
    mtu = None
    if peak:
        mtu = attr_u32(data, *at[TCA_TBF.PBURST]) if TCA_TBF.PBURST in at else None
        mtu = xmitsize(peak, mtu_ticks) if mtu is None else mtu
    return Tbf(rate=rate * 8, burst=burst, limit=limit, peakrate=peak * 8 or None, mtu=mtu)


def _htb(data: bytes, a: int, b: int) -> Htb:
    at = _nested(data, a, b)
    if TCA_HTB.INIT not in at:
        raise DecodeError("htb options without TCA_HTB_INIT", offset=a)
    _ver, r2q, default, _debug, _direct = _struct(data, *at[TCA_HTB.INIT], HTB_GLOB, "htb")
    qlen = attr_u32(data, *at[TCA_HTB.DIRECT_QLEN]) if TCA_HTB.DIRECT_QLEN in at else None
    return Htb(default=default, r2q=r2q, direct_qlen=qlen)


def _htb_class(data: bytes, a: int, b: int) -> HtbClass:
    at = _nested(data, a, b)
    if TCA_HTB.PARMS not in at:
        raise DecodeError("htb class options without TCA_HTB_PARMS", offset=a)
    rspec, cspec, buf, cbuf, quantum, level, prio = _struct(
        data, *at[TCA_HTB.PARMS], HTB_OPT, "htb class"
    )
    r64 = attr_u64(data, *at[TCA_HTB.RATE64]) if TCA_HTB.RATE64 in at else None
    c64 = attr_u64(data, *at[TCA_HTB.CEIL64]) if TCA_HTB.CEIL64 in at else None
    rate, ceil = _rate(rspec, r64), _rate(cspec, c64)
    if not rate or not ceil:
        raise DecodeError("htb class rate 0", offset=a)
    return HtbClass(
        rate=rate * 8,
        ceil=ceil * 8,
        burst=max(1, xmitsize(rate, buf)),
        cburst=max(1, xmitsize(ceil, cbuf)),
        prio=prio,
        quantum=quantum,
        mtu=_mtu(rspec),
        level=level,
    )


def _unknown(kind: str, data: bytes, opt: tuple[int, int, int] | None) -> Unknown:
    return Unknown(kind=kind or "?", options=Attr(opt[0], data[opt[1] : opt[2]]) if opt else None)


def _mirred(data: bytes, a: int, b: int) -> Mirred:
    at = _nested(data, a, b)
    if TCA_MIRRED.PARMS not in at:
        raise DecodeError("mirred options without TCA_MIRRED_PARMS", offset=a)
    index, _cap, verdict, _ref, _bind, eaction, ifindex = _struct(
        data, *at[TCA_MIRRED.PARMS], MIRRED_PARMS, "mirred"
    )
    if eaction not in _DIRECTIONS:
        raise DecodeError(f"mirred eaction {eaction} is unknown", offset=a)
    direction, action = _DIRECTIONS[TC_MIRRED(eaction)]
    return Mirred(dev=ifindex, action=action, direction=direction, verdict=verdict, index=index)


def _actions(data: bytes, a: int, b: int) -> tuple[Mirred | UnknownAction, ...]:
    out: list[Mirred | UnknownAction] = []
    for _order, x, y in iter_attrs(data, a, b):
        kind, opts, rest = "", None, []
        for t, p, q in iter_attrs(data, x, y):
            if t & NLA_TYPE_MASK == TCA_ACT.KIND:
                kind = attr_str(data, p, q)
            else:
                if t & NLA_TYPE_MASK == TCA_ACT.OPTIONS:
                    opts = (p, q)
                rest.append(Attr(t, data[p:q]))
        if kind == "mirred" and opts is not None:
            out.append(_mirred(data, *opts))
        else:
            out.append(UnknownAction(kind=kind or "?", attrs=tuple(rest)))
    return tuple(out)


def _be(raw: bytes) -> int:
    return int.from_bytes(raw, "big")


def _u32(data: bytes, a: int, b: int) -> U32:
    kw: dict[str, Any] = {}
    rest: list[Attr] = []
    for t, x, y in iter_attrs(data, a, b):
        k = t & NLA_TYPE_MASK
        if k == TCA_U32.SEL:
            flags, shift, nkeys, s_offmask, s_off, offoff, hoff, hmask = _struct(
                data, x, y, U32_SEL, "u32 selector"
            )
            if y - x < U32_SEL.size + nkeys * U32_KEY.size:
                raise DecodeError(f"u32 selector of {y - x} bytes for {nkeys} keys", offset=x)
            keys = []
            for i in range(nkeys):
                mask, val, off, offmask = U32_KEY.unpack_from(data, x + U32_SEL.size + 16 * i)
                keys.append(U32Key(_be(val), _be(mask), off, offmask))
            kw.update(keys=tuple(keys), sel_flags=flags, offshift=shift, off=s_off, offoff=offoff)
            kw.update(offmask=_be(s_offmask), hoff=hoff, hmask=_be(hmask))
        elif k in (TCA_U32.CLASSID, TCA_U32.HASH, TCA_U32.LINK, TCA_U32.DIVISOR, TCA_U32.FLAGS):
            kw[TCA_U32(k).name.lower()] = attr_u32(data, x, y)
        elif k == TCA_U32.ACT:
            kw["actions"] = _actions(data, x, y)
        else:
            rest.append(Attr(t, data[x:y]))
    return U32(attrs=tuple(rest), **kw)


# -- the options of each kind: one table per object, one function reads them --------
#
# Each entry: the kind's decoder of its TCA_OPTIONS span, and whether it needs
# TCA_OPTIONS at all (without them such a kind decodes as Unknown, options None;
# the others get an empty span: a fifo reports no limit, pfifo_fast no bands).

_Options = Callable[[bytes, int, int], Any]
_Opt = tuple[int, int, int]  # TCA_OPTIONS: its type (flags kept), payload start, end


def _pfifo(data: bytes, a: int, b: int) -> Pfifo:
    return Pfifo(limit=attr_u32(data, a, a + 4) if b - a >= 4 else None)


def _bfifo(data: bytes, a: int, b: int) -> Bfifo:
    return Bfifo(limit=attr_u32(data, a, a + 4) if b - a >= 4 else None)


def _pfifo_fast(data: bytes, a: int, b: int) -> PfifoFast:
    if b - a >= PRIO_QOPT.size:
        bands, *prio = PRIO_QOPT.unpack_from(data, a)
        return PfifoFast(bands=bands, priomap=tuple(prio))
    return PfifoFast()


QDISC_KINDS: dict[str, tuple[_Options, bool]] = {
    "tbf": (_tbf, True),
    "htb": (_htb, True),
    "pfifo": (_pfifo, False),
    "bfifo": (_bfifo, False),
    "pfifo_fast": (_pfifo_fast, False),
    "ingress": (lambda data, a, b: Ingress(), False),
    "clsact": (lambda data, a, b: Clsact(), False),
}
CLASS_KINDS: dict[str, tuple[_Options, bool]] = {"htb": (_htb_class, True)}
FILTER_KINDS: dict[str, tuple[_Options, bool]] = {"u32": (_u32, True)}


def _options(
    kinds: dict[str, tuple[_Options, bool]], kind: str, data: bytes, opt: _Opt | None
) -> Any:
    """The typed options of ``kind`` from its TCA_OPTIONS (``opt``), or :class:`Unknown`."""
    known = kinds.get(kind)
    if known is None or (opt is None and known[1]):
        return _unknown(kind, data, opt)
    return known[0](data, opt[1], opt[2]) if opt else known[0](data, 0, 0)


# -- the tcmsg and its top-level attributes ------------------------------------------

_KIND, _OPTIONS, _STATS2, _CHAIN = int(TCA.KIND), int(TCA.OPTIONS), int(TCA.STATS2), int(TCA.CHAIN)


def _common(
    payload: bytes,
) -> tuple[tuple[int, ...], str, _Opt | None, Stats | None, int | None, tuple[Attr, ...]]:
    """(tcmsg fields, kind, TCA_OPTIONS span, stats, chain, other attributes); the
    last of a repeated attribute counts."""
    if len(payload) < TCMSG.size:
        raise DecodeError(f"tcmsg needs {TCMSG.size} bytes, got {len(payload)}")
    head = TCMSG.unpack_from(payload, 0)
    kind, opt, stats, chain = "", None, None, None
    rest: list[Attr] = []
    for t, a, b in iter_attrs(payload, TCMSG.size):
        k = t & NLA_TYPE_MASK
        if k == _KIND:
            kind = attr_str(payload, a, b)
        elif k == _OPTIONS:
            opt = (t, a, b)
        elif k == _STATS2:
            stats = parse_stats(payload, a, b)
        elif k == _CHAIN:
            chain = attr_u32(payload, a, b)
        else:
            rest.append(Attr(t, payload[a:b]))
    return head, kind, opt, stats, chain, tuple(rest)


def stats_and_attrs(payload: bytes) -> tuple[Stats | None, tuple[Attr, ...]]:
    """The ``stats`` and ``attrs`` of a dumped object, from its payload (the fast
    path of a dump, rawns.tc._fast, reads them only when asked: :class:`_types._Lazy`)."""
    _head, _kind, _opt, stats, _chain, rest = _common(payload)
    return stats, rest


_types._lazy_decoder[:] = [stats_and_attrs]


def _fail(what: str, e: Exception) -> DecodeError:
    return DecodeError(f"{what}: {e}")


def parse_qdisc(payload: bytes, *, origin: tuple[int, int] | None = None) -> Qdisc:
    """Decode an RTM_NEWQDISC/DELQDISC payload (tcmsg + attributes)."""
    _check.span(payload, 0, None)
    (_fam, index, handle, parent, _info), kind, opt, stats, _chain, rest = _common(payload)
    try:
        return Qdisc(
            dev=index,
            options=_options(QDISC_KINDS, kind, payload, opt),
            parent=parent,
            handle=handle,
            stats=stats,
            attrs=rest,
            origin=origin,
        )
    except (ValueError, TypeError) as e:
        raise _fail("qdisc", e) from e


def parse_class(payload: bytes, *, origin: tuple[int, int] | None = None) -> Class:
    """Decode an RTM_NEWTCLASS/DELTCLASS payload."""
    _check.span(payload, 0, None)
    (_fam, index, handle, parent, _info), kind, opt, stats, _chain, rest = _common(payload)
    try:
        return Class(
            dev=index,
            handle=handle,
            parent=parent,
            options=_options(CLASS_KINDS, kind, payload, opt),
            stats=stats,
            attrs=rest,
            origin=origin,
        )
    except (ValueError, TypeError) as e:
        raise _fail("class", e) from e


def parse_filter(payload: bytes, *, origin: tuple[int, int] | None = None) -> Filter:
    """Decode an RTM_NEWTFILTER/DELTFILTER payload."""
    _check.span(payload, 0, None)
    (_fam, index, handle, parent, info), kind, opt, stats, chain, rest = _common(payload)
    try:
        return Filter(
            dev=index,
            parent=parent,
            protocol=((info & 0xFF) << 8) | ((info >> 8) & 0xFF),
            prio=info >> 16,
            handle=handle,
            chain=chain,
            options=_options(FILTER_KINDS, kind, payload, opt),
            stats=stats,
            attrs=rest,
            origin=origin,
        )
    except (ValueError, TypeError) as e:
        raise _fail("filter", e) from e
