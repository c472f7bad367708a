"""Nexthop objects (``ip nexthop``): add, replace, delete, get, dump, flush.

A :class:`NexthopObject` is a path the kernel keeps by id, apart from the
routes that use it (``route.add(h, dst=..., nhid=N)``): a gateway on a
device, a blackhole, or a group of other objects with weights. Changing the
object changes every route that uses it, in one request; deleting it
deletes those routes.

Rooms, as in :mod:`rawns.route`: values in ``_types.py``, requests in
``_encode.py``, the decoder (:func:`parse_nexthop`) in ``_decode.py``,
verbs here.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial
from typing import TYPE_CHECKING, TypedDict, cast

from .. import _check
from .._inet import IPAddress
from .._plan import Dump, Pipeline, Plan, Request, drive
from .._rtnl import RTM
from .._verb import spec_or_fields
from ..errors import DecodeError, NotFound
from ..link import Link, LinkRef
from ..link._types import check_here
from ..link._verbs import resolve_index_plan
from ._decode import parse_nexthop
from ._encode import build_add, build_delete, build_dump, build_get, build_replace
from ._types import NEXTHOP_GRP_TYPE, NHA, Member, NexthopObject, label  # noqa: F401 - NHA: kernel spellings

if TYPE_CHECKING:
    from typing import Unpack

    from ..handle import Handle

__all__ = [
    "Member",
    "NexthopFields",
    "NexthopObject",
    "add",
    "build_add",
    "build_delete",
    "build_dump",
    "build_get",
    "build_replace",
    "delete",
    "dump",
    "flush",
    "get",
    "label",
    "parse_nexthop",
    "replace",
]


class NexthopFields(TypedDict, total=False):
    """The keywords of :func:`add`/:func:`replace`: the object's fields, ``dev`` for ``oif``."""

    id: int | None
    gateway: str | IPAddress | None
    dev: LinkRef | None
    blackhole: bool
    group: Sequence[Member | int] | None
    group_type: int | None
    fdb: bool
    onlink: bool
    protocol: int | None
    family: int | None


_FIELDS = frozenset(NexthopFields.__optional_keys__)
_FLAGS = ("blackhole", "fdb", "onlink")


def _spec(h: Handle, verb: str, spec: object, kw: NexthopFields) -> Plan[NexthopObject]:
    """The verb's object, every value checked before a device name is looked up."""
    _check.handle(h)
    fields = dict(kw)
    for flag in _FLAGS:  # False is "not given", like None
        if flag in fields:
            _check.boolean(fields[flag], flag)
            if fields[flag] is False:
                del fields[flag]
    nh, given = spec_or_fields(
        f"nexthop.{verb}", spec, fields, NexthopObject, key="id", key_types=(int,), allowed=_FIELDS
    )
    if nh is not None:
        _check.same_netns(nh.origin, h, "nexthop", partial(label, nh))
        return nh
    if "id" not in given:
        raise TypeError(f"nexthop.{verb}() needs id= (1..4294967295)")
    dev = cast("LinkRef | None", given.pop("dev", None))
    if dev is not None:
        check_here(h, dev, "dev")
        if isinstance(dev, str | Link):  # every value checked before the name is looked up
            NexthopObject(**given, oif=1)  # type: ignore[arg-type]  # NexthopObject's keywords
        given["oif"] = yield from resolve_index_plan(h, dev, "dev")
    return NexthopObject(**given)  # type: ignore[arg-type]  # NexthopObject's keywords


def add(
    h: Handle, nexthop: NexthopObject | int | None = None, /, **kw: Unpack[NexthopFields]
) -> None:
    """Add a nexthop object: a :class:`NexthopObject`, or its fields as keywords.

    Equivalent to: ip nexthop add id N {via GW dev DEV [onlink] | dev DEV | blackhole |
    group A[,W]/B[,W] [type resilient] | via GW fdb}

    The id may come first: ``nexthop.add(h, 1, gateway="10.0.0.1", dev="v0")``.
    Raises :class:`~rawns.errors.AlreadyExists` if the id is taken,
    :class:`~rawns.errors.NotFound` for a missing device,
    :class:`~rawns.errors.InvalidArgument` for a gateway the kernel cannot
    reach or a group member that does not exist;
    :class:`ValueError`/:class:`TypeError` for bad values or an impossible
    mix (a blackhole with a gateway, a group with a device...), nothing sent.
    """
    drive(h, add_plan(h, nexthop, **kw))


def add_plan(
    h: Handle, nexthop: NexthopObject | int | None = None, /, **kw: Unpack[NexthopFields]
) -> Plan[None]:
    nh = yield from _spec(h, "add", nexthop, kw)
    yield Request(build_add(nh), "RTM_NEWNEXTHOP", label(nh))


def replace(
    h: Handle, nexthop: NexthopObject | int | None = None, /, **kw: Unpack[NexthopFields]
) -> None:
    """Add a nexthop object or replace the one with its id (routes using it follow).

    Equivalent to: ip nexthop replace id N ...

    Takes what :func:`add` takes; raises as :func:`add`, except that an
    existing id is not an error.
    """
    drive(h, replace_plan(h, nexthop, **kw))


def replace_plan(
    h: Handle, nexthop: NexthopObject | int | None = None, /, **kw: Unpack[NexthopFields]
) -> Plan[None]:
    nh = yield from _spec(h, "replace", nexthop, kw)
    yield Request(build_replace(nh), "RTM_NEWNEXTHOP", label(nh))


def _id_of(nexthop: object) -> int:
    if isinstance(nexthop, NexthopObject):
        return nexthop.id
    return _check.nexthop_id(nexthop, "nexthop id")


def delete(h: Handle, nexthop: NexthopObject | int, /) -> None:
    """Delete a nexthop object (by id, or a :class:`NexthopObject`); routes using it go too.

    Equivalent to: ip nexthop del id N

    Raises :class:`~rawns.errors.NotFound` if there is none with that id;
    :class:`ValueError`/:class:`TypeError` for a bad id (nothing sent).
    """
    drive(h, delete_plan(h, nexthop))


def delete_plan(h: Handle, nexthop: NexthopObject | int, /) -> Plan[None]:
    _check.handle(h)
    if isinstance(nexthop, NexthopObject):
        _check.same_netns(nexthop.origin, h, "nexthop", partial(label, nexthop))
    nid = _id_of(nexthop)
    yield Request(build_delete(nid), "RTM_DELNEXTHOP", f"id {nid}")


def get(h: Handle, id: int, /) -> NexthopObject:
    """The nexthop object with this id.

    Equivalent to: ip nexthop get id N

    Raises :class:`~rawns.errors.NotFound` if there is none;
    :class:`ValueError`/:class:`TypeError` for a bad id (nothing sent).
    """
    return drive(h, get_plan(h, id))


def get_plan(h: Handle, id: int, /) -> Plan[NexthopObject]:
    _check.handle(h)
    msg = build_get(id)
    replies = yield Request(msg, "RTM_GETNEXTHOP", f"id {id}")
    for r in replies:
        if r.type == RTM.NEWNEXTHOP:
            return parse_nexthop(r.payload, origin=h.netns_ident)
    raise DecodeError(f"RTM_GETNEXTHOP id {id}: the kernel sent no nexthop")


def dump(
    h: Handle,
    *,
    family: int = 0,
    dev: LinkRef | None = None,
    groups: bool = False,
    fdb: bool = False,
) -> list[NexthopObject]:
    """The nexthop objects of the handle's namespace, filtered by the kernel.

    Equivalent to: ip [-4|-6] nexthop show [dev DEV] [groups] [fdb]

    ``family`` 0 (the default, as ``ip nexthop show``) lists both families
    and the groups. Raises :class:`~rawns.errors.NotFound` if ``dev`` does not
    exist, :class:`~rawns.errors.DumpInterrupted` if the set kept changing,
    :class:`ValueError`/:class:`TypeError` for a bad filter (nothing sent).
    """
    return drive(h, dump_plan(h, family=family, dev=dev, groups=groups, fdb=fdb))


def dump_plan(
    h: Handle,
    *,
    family: int = 0,
    dev: LinkRef | None = None,
    groups: bool = False,
    fdb: bool = False,
) -> Plan[list[NexthopObject]]:
    _check.handle(h)
    if dev is not None:
        check_here(h, dev, "dev")
    build_dump(family=family, groups=groups, fdb=fdb)  # checks them all
    oif = None if dev is None else (yield from resolve_index_plan(h, dev, "dev"))
    msg = build_dump(family=family, oif=oif, groups=groups, fdb=fdb)
    origin = h.netns_ident

    def parse_at(data: bytes, start: int, end: int) -> NexthopObject:
        return parse_nexthop(data, start, end, origin)

    found: list[NexthopObject] = yield Dump(msg, "RTM_GETNEXTHOP", "dump", parse_at)
    return found


def flush(h: Handle, *, family: int = 0, dev: LinkRef | None = None) -> list[NexthopObject]:
    """Delete every nexthop object :func:`dump` lists (groups first, as ``ip``); return them.

    Equivalent to: ip [-4|-6] nexthop flush [dev DEV]

    Routes that use them go with them. An object gone by the time its
    delete arrives (a group emptied by an earlier delete) is not an error
    and is left out of the result; the first other
    :class:`~rawns.errors.KernelError` is raised once every delete is
    answered. Raises as :func:`dump` for a bad filter (nothing deleted).
    """
    return drive(h, flush_plan(h, family=family, dev=dev))


def flush_plan(
    h: Handle, *, family: int = 0, dev: LinkRef | None = None
) -> Plan[list[NexthopObject]]:
    found = yield from dump_plan(h, family=family, dev=dev)
    found.sort(key=lambda nh: not nh.group)  # groups before their members
    msgs = [build_delete(nh.id) for nh in found]
    results = yield Pipeline(msgs, "RTM_DELNEXTHOP", [f"id {nh.id}" for nh in found], False)
    for e in results:
        if e is not None and not isinstance(e, NotFound):
            raise e
    return [nh for nh, e in zip(found, results, strict=True) if e is None]
