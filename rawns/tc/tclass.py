"""Classes of classful qdiscs (htb): ``tc class add/change/del/show`` over rtnetlink.

Named ``tclass`` after the kernel's RTM_NEWTCLASS (``class`` is a Python keyword).

>>> from rawns.tc import Class, HtbClass
>>> c = Class(dev=3, parent="1:", handle="1:10", options=HtbClass(rate="4mbit"))
>>> parse_class(build_class(c)[16:]) == c
True
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, TypedDict

from .. import _check
from .._plan import Dump, Plan, Request, drive
from .._rtnl import RTM
from ..link._types import LinkRef
from . import _verbs
from ._decode import parse_class
from ._encode import ADD, CHANGE, REPLACE, build_class, build_class_delete, build_dump
from ._fast import TcRuns
from ._types import Class, ClassOptions

if TYPE_CHECKING:
    from typing import Unpack

    from ..errors import KernelError
    from ..handle import Handle

__all__ = [
    "ClassFields",
    "add",
    "add_many",
    "build_class",
    "build_class_delete",
    "change",
    "delete",
    "dump",
    "parse_class",
    "replace",
]


class ClassFields(TypedDict, total=False):
    """The keywords of :func:`add`/:func:`change`/:func:`replace`: :class:`Class`'s fields."""

    dev: LinkRef
    handle: int | str
    options: ClassOptions
    parent: int | str


def _send(h: Handle, c: Class | None, kw: ClassFields, verb: str, flags: int) -> Plan[None]:
    spec = yield from _verbs.resolved(h, _verbs.spec(f"tc.tclass.{verb}", h, c, kw, Class))
    target = _verbs.label(spec.kind, spec.dev, int(spec.parent), int(spec.handle))
    yield Request(build_class(spec, flags=flags), "RTM_NEWTCLASS", target)


def add(h: Handle, cls: Class | None = None, /, **kw: Unpack[ClassFields]) -> None:
    """Add a class, given as a :class:`Class` or its fields.

    Equivalent to: tc class add dev DEV parent P classid H htb rate R [ceil C] ...

    Raises :class:`~rawns.errors.AlreadyExists` for a classid in use,
    :class:`~rawns.errors.InvalidArgument` under a qdisc that is not classful,
    :class:`~rawns.errors.NotFound` for a missing parent; ValueError/TypeError
    for a bad field (nothing sent).
    """
    drive(h, _send(h, cls, kw, "add", ADD))


def add_many(
    h: Handle, classes: Iterable[Class], *, check: bool = True
) -> list[KernelError | None]:
    """Add many classes, pipelined: many requests per send.

    Equivalent to: tc -batch FILE (with one ``class add`` line per class)

    Returns one entry per class, ``None`` or the
    :class:`~rawns.errors.KernelError` for it. With ``check`` (the default)
    the first error is raised once every ack is in; the classes before and
    after it are still added (rtnetlink has no transaction). Raises
    ValueError/TypeError for a bad value, before sending anything.
    """
    return drive(h, add_many_plan(h, classes, check=check))


def add_many_plan(
    h: Handle, classes: Iterable[Class], *, check: bool = True
) -> Plan[list[KernelError | None]]:
    return (
        yield from _verbs.add_many(
            h, classes, Class, build_class, "RTM_NEWTCLASS", "tc.tclass.add_many() classes", check
        )
    )


def replace(h: Handle, cls: Class | None = None, /, **kw: Unpack[ClassFields]) -> None:
    """Add a class or change the one with its classid.

    Equivalent to: tc class replace dev DEV parent P classid H htb ...
    """
    drive(h, _send(h, cls, kw, "replace", REPLACE))


def change(h: Handle, cls: Class | None = None, /, **kw: Unpack[ClassFields]) -> None:
    """Change an existing class's options.

    Equivalent to: tc class change dev DEV parent P classid H htb ...

    Raises :class:`~rawns.errors.NotFound` if there is no such class.
    """
    drive(h, _send(h, cls, kw, "change", CHANGE))


def delete(h: Handle, dev: LinkRef | Class, *, handle: int | str | None = None) -> None:
    """Delete the class ``handle`` of ``dev`` (or a dumped :class:`Class`).

    Equivalent to: tc class del dev DEV classid H

    Raises :class:`~rawns.errors.NotFound` if there is no such class,
    :class:`~rawns.errors.Busy` if filters or child classes still use it.
    """
    drive(h, delete_plan(h, dev, handle=handle))


def delete_plan(h: Handle, dev: LinkRef | Class, *, handle: int | str | None = None) -> Plan[None]:
    _check.handle(h)
    if isinstance(dev, Class):
        if handle is not None:
            raise TypeError("tc.tclass.delete() takes a Class or dev and handle, not both")
        c = dev
        _check.same_netns(c.origin, h, "class", "")
        dev, classid = c.dev, int(c.handle)
    else:
        if handle is None:
            raise TypeError("tc.tclass.delete() needs handle= (the classid)")
        classid = _check.tc_handle(handle, "handle")
    ifindex = yield from _verbs.index(h, dev)
    target = _verbs.label("class", ifindex, 0, classid)
    yield Request(build_class_delete(ifindex, handle=classid), "RTM_DELTCLASS", target)


def dump(h: Handle, dev: LinkRef) -> list[Class]:
    """The classes of ``dev``, with statistics (decoded from the dump when first read).

    Equivalent to: tc -s class show dev DEV
    """
    return drive(h, dump_plan(h, dev))


def dump_plan(h: Handle, dev: LinkRef) -> Plan[list[Class]]:
    _check.handle(h)
    ifindex = yield from _verbs.index(h, dev)
    origin = h.netns_ident

    def parse_at(data: bytes, start: int, end: int) -> Class:
        return parse_class(data[start:end], origin=origin)

    msg = build_dump(RTM.GETTCLASS, ifindex)
    found: list[Class] = yield Dump(msg, "RTM_GETTCLASS", "dump", parse_at, TcRuns("class", origin))
    return found
