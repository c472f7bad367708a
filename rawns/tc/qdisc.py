"""Queueing disciplines: ``tc qdisc add/replace/change/del/show`` over rtnetlink.

>>> from rawns.tc import Qdisc, Tbf
>>> q = Qdisc(dev=3, handle="1:", options=Tbf(rate="8mbit", burst="32kbit", latency="400ms"))
>>> parse_qdisc(build_qdisc(q)[16:]) == q
True
"""

from __future__ import annotations

import dataclasses
import errno
from typing import TYPE_CHECKING, TypedDict

from .. import _check
from .._plan import Dump, Plan, Request, drive
from .._rtnl import RTM
from ..errors import NotFound
from ..link._types import LinkRef
from ..link._verbs import get_plan as link_get
from . import _verbs
from ._decode import parse_qdisc
from ._encode import ADD, CHANGE, REPLACE, build_dump, build_qdisc, build_qdisc_delete
from ._handle import ROOT, format_handle
from ._types import Qdisc, QdiscOptions, Tbf

if TYPE_CHECKING:
    from typing import Unpack

    from ..handle import Handle

__all__ = [
    "QdiscFields",
    "add",
    "build_dump",
    "build_qdisc",
    "build_qdisc_delete",
    "change",
    "delete",
    "dump",
    "get",
    "parse_qdisc",
    "replace",
]


class QdiscFields(TypedDict, total=False):
    """The keywords of :func:`add`/:func:`replace`/:func:`change`/:func:`delete`."""

    dev: LinkRef
    options: QdiscOptions
    parent: int | str
    handle: int | str


def _send(h: Handle, q: Qdisc | None, kw: QdiscFields, verb: str, flags: int) -> Plan[None]:
    spec = _verbs.spec(f"tc.qdisc.{verb}", h, q, kw, Qdisc)
    o = spec.options
    if isinstance(o, Tbf):
        lk = yield from link_get(h, spec.dev)
        spec = dataclasses.replace(spec, dev=lk.index)
        if lk.mtu is not None and o.burst < lk.mtu:
            raise ValueError(
                f"tbf burst {o.burst} bytes is below the MTU of {lk.name} ({lk.mtu}): "
                "no full-size packet could ever pass; give burst >= the MTU"
            )
    else:
        spec = yield from _verbs.resolved(h, spec)
    target = _verbs.label(spec.kind, spec.dev, int(spec.parent or 0), int(spec.handle))
    yield Request(build_qdisc(spec, flags=flags), "RTM_NEWQDISC", target)


def add(h: Handle, qdisc: Qdisc | None = None, /, **kw: Unpack[QdiscFields]) -> None:
    """Add a qdisc, given as a :class:`Qdisc` or its fields.

    Equivalent to: tc qdisc add dev DEV (root|ingress|clsact|parent P) [handle H] KIND ...

    Raises :class:`~rawns.errors.AlreadyExists` if one is there (a handle
    collision, or a root qdisc already added), :class:`~rawns.errors.NotFound`
    for a missing dev or parent or a kind the kernel lacks; ValueError/TypeError
    for a bad field or a tbf burst below the device MTU (nothing sent).
    """
    drive(h, _send(h, qdisc, kw, "add", ADD))


def replace(h: Handle, qdisc: Qdisc | None = None, /, **kw: Unpack[QdiscFields]) -> None:
    """Add a qdisc, or replace the one at its parent.

    Equivalent to: tc qdisc replace dev DEV root [handle H] KIND ...

    Raises as :func:`add` (but not AlreadyExists).
    """
    drive(h, _send(h, qdisc, kw, "replace", REPLACE))


def change(h: Handle, qdisc: Qdisc | None = None, /, **kw: Unpack[QdiscFields]) -> None:
    """Change the options of an existing qdisc (same kind, same handle).

    Equivalent to: tc qdisc change dev DEV root handle H KIND ...

    Raises :class:`~rawns.errors.NotFound` if there is none; as :func:`add` otherwise.
    """
    drive(h, _send(h, qdisc, kw, "change", CHANGE))


class QdiscDeleteFields(TypedDict, total=False):
    """The keywords of :func:`delete`."""

    dev: LinkRef
    parent: int | str
    handle: int | str
    kind: str


def delete(h: Handle, qdisc: Qdisc | None = None, /, **kw: Unpack[QdiscDeleteFields]) -> None:
    """Delete a qdisc: a dumped :class:`Qdisc`, or ``dev`` and ``parent`` (default root).

    Equivalent to: tc qdisc del dev DEV (root|ingress|clsact|parent P) [handle H]

    Raises :class:`~rawns.errors.NotFound` if there is none there (or it is the
    default qdisc, which the kernel refuses to delete: ENOENT).
    """
    drive(h, delete_plan(h, qdisc, **kw))


def delete_plan(
    h: Handle, qdisc: Qdisc | None = None, /, **kw: Unpack[QdiscDeleteFields]
) -> Plan[None]:
    _check.handle(h)
    if qdisc is not None:
        if kw:
            raise TypeError("tc.qdisc.delete() takes a Qdisc or keywords, not both")
        if not isinstance(qdisc, Qdisc):
            raise TypeError(f"tc.qdisc.delete() takes a Qdisc, not {_check._show(qdisc)}")
        _check.same_netns(qdisc.origin, h, "qdisc", "")
        dev, parent, handle = qdisc.dev, qdisc.parent, qdisc.handle
        kind: str | None = qdisc.kind
    else:
        if "dev" not in kw:
            raise TypeError("tc.qdisc.delete() needs a Qdisc or dev=")
        dev = kw["dev"]
        parent = _check.tc_handle(kw.get("parent", ROOT), "parent")
        handle = _check.tc_handle(kw.get("handle", 0), "handle")
        kind = kw.get("kind")
        if kind is not None:
            _check.text(kind, "kind", max_bytes=15)
        if kind in ("ingress", "clsact") and "parent" not in kw:
            parent, handle = 0xFFFFFFF1, handle or 0xFFFF0000
    ifindex = yield from _verbs.index(h, dev)
    msg = build_qdisc_delete(ifindex, parent=int(parent or 0), handle=int(handle), kind=kind)
    target = _verbs.label(kind or "qdisc", ifindex, int(parent or 0), int(handle))
    yield Request(msg, "RTM_DELQDISC", target)


def dump(h: Handle, dev: LinkRef | None = None) -> list[Qdisc]:
    """The qdiscs of one link (or all), with statistics.

    Equivalent to: tc -s qdisc show [dev DEV]
    """
    return drive(h, dump_plan(h, dev))


def dump_plan(h: Handle, dev: LinkRef | None = None) -> Plan[list[Qdisc]]:
    _check.handle(h)
    ifindex = 0 if dev is None else (yield from _verbs.index(h, dev))
    origin = h.netns_ident

    def parse_at(data: bytes, start: int, end: int) -> Qdisc | None:
        q = parse_qdisc(data[start:end], origin=origin)
        return q if not ifindex or q.dev == ifindex else None  # the kernel may send others

    got: list[Qdisc] = yield Dump(
        build_dump(RTM.GETQDISC, ifindex), "RTM_GETQDISC", "dump", parse_at
    )
    return got


def get(h: Handle, dev: LinkRef, *, parent: int | str = ROOT) -> Qdisc:
    """The qdisc at ``parent`` (default root) of ``dev``.

    Equivalent to: tc -s qdisc show dev DEV (root|parent P)

    Raises :class:`~rawns.errors.NotFound` if none is there.
    """
    return drive(h, get_plan(h, dev, parent=parent))


def get_plan(h: Handle, dev: LinkRef, *, parent: int | str = ROOT) -> Plan[Qdisc]:
    p = _check.tc_handle(parent, "parent")
    if dev is None:
        raise TypeError("tc.qdisc.get() needs a dev (a name, an index or a Link), not None")
    for q in (yield from dump_plan(h, dev)):
        if q.parent == p:
            return q
    raise NotFound(errno.ENOENT, op="RTM_GETQDISC", target=f"dev {dev} parent {format_handle(p)}")
