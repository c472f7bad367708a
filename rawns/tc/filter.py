"""Filters (u32, with mirred actions): ``tc filter add/del/show`` over rtnetlink.

>>> from rawns.tc import Filter, U32, u32_match
>>> f = Filter(dev=3, parent="1:", protocol="ip", prio=1,
...            options=U32(keys=u32_match(dst="10.0.0.2/32"), classid="1:10"))
>>> parse_filter(build_filter(f)[16:]) == f
True
"""

from __future__ import annotations

import _socket
from collections.abc import Iterable
from typing import TYPE_CHECKING, TypedDict

from .. import _check
from .._plan import Dump, Plan, Request, drive
from .._rtnl import RTM
from ..link._types import LinkRef
from . import _verbs
from ._decode import parse_filter
from ._encode import ADD, REPLACE, build_dump, build_filter, build_filter_delete
from ._fast import TcRuns
from ._handle import ROOT
from ._types import U32, Filter, FilterOptions

if TYPE_CHECKING:
    from typing import Unpack

    from ..errors import KernelError
    from ..handle import Handle

__all__ = [
    "FilterFields",
    "add",
    "add_many",
    "build_filter",
    "build_filter_delete",
    "delete",
    "dump",
    "parse_filter",
    "replace",
]


class FilterFields(TypedDict, total=False):
    """The keywords of :func:`add`/:func:`replace`/:func:`delete`: :class:`Filter`'s fields."""

    dev: LinkRef
    parent: int | str
    options: FilterOptions
    protocol: int | str
    prio: int
    handle: int | str
    chain: int


def _send(h: Handle, f: Filter | None, kw: FilterFields, verb: str, flags: int) -> Plan[None]:
    spec = yield from _verbs.resolved(h, _verbs.spec(f"tc.filter.{verb}", h, f, kw, Filter))
    target = _verbs.label(spec.kind, spec.dev, int(spec.parent), int(spec.handle))
    yield Request(build_filter(spec, flags=flags), "RTM_NEWTFILTER", target)


def add(h: Handle, flt: Filter | None = None, /, **kw: Unpack[FilterFields]) -> None:
    """Add a filter, given as a :class:`Filter` or its fields.

    Equivalent to: tc filter add dev DEV parent P protocol PROTO prio N u32 match ... flowid C

    Raises :class:`~rawns.errors.NotFound` (or InvalidArgument) for a parent
    qdisc that does not exist, :class:`~rawns.errors.AlreadyExists` for a
    handle in use; ValueError/TypeError for a bad field (nothing sent).
    """
    drive(h, _send(h, flt, kw, "add", ADD))


def add_many(
    h: Handle, filters: Iterable[Filter], *, check: bool = True
) -> list[KernelError | None]:
    """Add many filters, pipelined: many requests per send.

    Equivalent to: tc -batch FILE (with one ``filter add`` line per filter)

    Returns one entry per filter, ``None`` or the
    :class:`~rawns.errors.KernelError` for it. With ``check`` (the default)
    the first error is raised once every ack is in; the filters before and
    after it are still added (rtnetlink has no transaction). Raises
    ValueError/TypeError for a bad value, before sending anything.
    """
    return drive(h, add_many_plan(h, filters, check=check))


def add_many_plan(
    h: Handle, filters: Iterable[Filter], *, check: bool = True
) -> Plan[list[KernelError | None]]:
    return (
        yield from _verbs.add_many(
            h,
            filters,
            Filter,
            build_filter,
            "RTM_NEWTFILTER",
            "tc.filter.add_many() filters",
            check,
        )
    )


def replace(h: Handle, flt: Filter | None = None, /, **kw: Unpack[FilterFields]) -> None:
    """Add a filter or replace the one with its handle.

    Equivalent to: tc filter replace dev DEV parent P protocol PROTO prio N handle H u32 ...
    """
    drive(h, _send(h, flt, kw, "replace", REPLACE))


def delete(h: Handle, flt: Filter | None = None, /, **kw: Unpack[FilterFields]) -> None:
    """Delete filters: a dumped :class:`Filter` (that one), or ``dev``, ``parent`` and
    optionally ``protocol`` and ``prio`` (every filter of that prio).

    Equivalent to: tc filter del dev DEV parent P [protocol PROTO prio N [handle H u32]] [chain C]

    Raises :class:`~rawns.errors.NotFound` if there is none.
    """
    drive(h, delete_plan(h, flt, **kw))


def delete_plan(h: Handle, flt: Filter | None = None, /, **kw: Unpack[FilterFields]) -> Plan[None]:
    _check.handle(h)
    if flt is not None:
        if kw:
            raise TypeError("tc.filter.delete() takes a Filter or keywords, not both")
        if not isinstance(flt, Filter):
            raise TypeError(f"tc.filter.delete() takes a Filter, not {_check._show(flt)}")
        _check.same_netns(flt.origin, h, "filter", "")
        dev, parent, info, chain = flt.dev, int(flt.parent), flt.info, flt.chain
        handle, kind = int(flt.handle), (flt.kind if flt.handle else None)
    else:
        if "dev" not in kw or "parent" not in kw:
            raise TypeError("tc.filter.delete() needs a Filter, or dev= and parent=")
        options = kw.get("options")
        f = Filter(
            dev=kw["dev"],
            parent=kw["parent"],
            protocol=kw.get("protocol", 0),
            prio=kw.get("prio", 0),
            handle=kw.get("handle", 0),
            chain=kw.get("chain"),
            options=options if options is not None else U32(),
        )
        dev, parent, handle, chain = f.dev, int(f.parent), int(f.handle), f.chain
        info = (f.prio << 16) | _socket.htons(int(f.protocol))
        kind = f.kind if options is not None or handle else None
    ifindex = yield from _verbs.index(h, dev)
    msg = build_filter_delete(
        ifindex, parent=parent, info=info, handle=handle, kind=kind, chain=chain
    )
    target = _verbs.label(kind or "filter", ifindex, parent, handle)
    yield Request(msg, "RTM_DELTFILTER", target)


def dump(h: Handle, dev: LinkRef, *, parent: int | str = ROOT) -> list[Filter]:
    """The filters of ``dev`` attached to ``parent`` (default: the root qdisc).

    Equivalent to: tc -s filter show dev DEV [parent P | ingress | egress]

    u32 reports each prio's hash table too (a :class:`U32` with ``divisor``).
    """
    return drive(h, dump_plan(h, dev, parent=parent))


def dump_plan(h: Handle, dev: LinkRef, *, parent: int | str = ROOT) -> Plan[list[Filter]]:
    _check.handle(h)
    p = _check.tc_handle(parent, "parent")
    ifindex = yield from _verbs.index(h, dev)
    origin = h.netns_ident

    def parse_at(data: bytes, start: int, end: int) -> Filter:
        return parse_filter(data[start:end], origin=origin)

    msg = build_dump(RTM.GETTFILTER, ifindex, 0 if p == ROOT else p)
    found: list[Filter] = yield Dump(
        msg, "RTM_GETTFILTER", "dump", parse_at, TcRuns("filter", origin)
    )
    return found
