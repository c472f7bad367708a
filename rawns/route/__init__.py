"""Routes (``ip route``): add, replace, delete, dump, get (lookup) and bulk add.

:class:`Route` is both what the kernel reports and what you ask for: its
constructor takes ``str`` or :mod:`ipaddress` values and fills in the
defaults ``ip route add`` uses (table main, protocol boot, type unicast, and
scope link for a route without a gateway). Each verb has a pure twin
(:func:`build_add`, :func:`build_delete`, ...) that returns the request bytes.

Decoding is the hot path of big dumps (100,000 routes should take well under
half a second), so :func:`parse_route` makes one pass over the attributes with
module-level int constants and ``unpack_from`` at offsets, shares gateway and
source address objects through a cache, and fills the frozen result without
going through its validating constructor.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, cast, overload

from .._inet import IPAddress, IPNetwork
from .._rtnl import RT_SCOPE, RTM
from ..errors import DecodeError, KernelError, NotFound
from ._decode import parse_route
from ._encode import build_add, build_delete, build_dump, build_get, build_replace
from ._types import _RT_TABLE_MAIN, Nexthop, Route, label

if TYPE_CHECKING:
    from ..handle import Handle
    from ..link import LinkRef

__all__ = [
    "Nexthop",
    "Route",
    "add",
    "add_many",
    "build_add",
    "build_delete",
    "build_dump",
    "build_get",
    "build_replace",
    "delete",
    "dump",
    "get",
    "label",
    "parse_route",
    "replace",
]

_RTM_NEWROUTE = int(RTM.NEWROUTE)


def _resolve(h: Handle, dev: LinkRef | None) -> int | None:
    if dev is None:
        return None
    from ..link import resolve_index

    return resolve_index(h, dev)


def _spec(h: Handle, route: Route | None, kw: dict[str, object], *, delete: bool = False) -> Route:
    given = {k: v for k, v in kw.items() if v is not None and v is not False}
    if route is not None:
        if given:
            raise TypeError(
                f"pass either a Route or keyword arguments, not both (got {sorted(given)})"
            )
        if not isinstance(route, Route):
            raise TypeError(f"expected a Route, not {route!r}")
        return route
    if "dst" not in given:
        raise TypeError("a route needs dst= (a prefix, an address or 'default')")
    dev = given.pop("dev", None)
    if dev is not None:
        given["oif"] = _resolve(h, cast("LinkRef", dev))
    if delete:
        # ip route del: unspecified protocol/type match any, scope NOWHERE matches any.
        given.setdefault("protocol", 0)
        given.setdefault("type", 0)
        given.setdefault("scope", int(RT_SCOPE.NOWHERE))
    return Route(**given)  # type: ignore[arg-type]  # keys are Route's keyword arguments


def add(
    h: Handle,
    route: Route | None = None,
    *,
    dst: str | IPNetwork | IPAddress | None = None,
    gateway: str | IPAddress | None = None,
    dev: LinkRef | None = None,
    prefsrc: str | IPAddress | None = None,
    metric: int | None = None,
    table: int | None = None,
    protocol: int | None = None,
    scope: int | None = None,
    type: int | None = None,
    onlink: bool = False,
    mtu: int | None = None,
    nexthops: Sequence[Nexthop] | None = None,
    tos: int | None = None,
    src: str | IPNetwork | None = None,
    pref: int | None = None,
) -> None:
    """Add a route (a :class:`Route`, or the same fields as keywords).

    Equivalent to: ip route add DST [via GW] [dev DEV] [src PREFSRC] [metric N]
    [table T] [proto P] [scope S] [onlink] [mtu M] [nexthop via GW weight W ...]

    Raises :class:`~rawns.errors.AlreadyExists` if the route exists,
    :class:`~rawns.errors.InvalidArgument` (ENETUNREACH/EINVAL) for a gateway
    the kernel cannot reach, :class:`~rawns.errors.NotFound` for a missing
    device, :class:`ValueError` for bad or mixed-family values (nothing sent).
    """
    r = _spec(h, route, _kw(locals()))
    h.rtnl.request(build_add(r), op="RTM_NEWROUTE", target=label(r))


def replace(
    h: Handle,
    route: Route | None = None,
    *,
    dst: str | IPNetwork | IPAddress | None = None,
    gateway: str | IPAddress | None = None,
    dev: LinkRef | None = None,
    prefsrc: str | IPAddress | None = None,
    metric: int | None = None,
    table: int | None = None,
    protocol: int | None = None,
    scope: int | None = None,
    type: int | None = None,
    onlink: bool = False,
    mtu: int | None = None,
    nexthops: Sequence[Nexthop] | None = None,
    tos: int | None = None,
    src: str | IPNetwork | None = None,
    pref: int | None = None,
) -> None:
    """Add a route or replace the one with the same destination, table, tos and metric.

    Equivalent to: ip route replace DST [via GW] [dev DEV] ...

    Raises as :func:`add`, except that an existing route is not an error.
    """
    r = _spec(h, route, _kw(locals()))
    h.rtnl.request(build_replace(r), op="RTM_NEWROUTE", target=label(r))


def delete(
    h: Handle,
    route: Route | None = None,
    *,
    dst: str | IPNetwork | IPAddress | None = None,
    gateway: str | IPAddress | None = None,
    dev: LinkRef | None = None,
    prefsrc: str | IPAddress | None = None,
    metric: int | None = None,
    table: int | None = None,
    protocol: int | None = None,
    scope: int | None = None,
    type: int | None = None,
    tos: int | None = None,
    src: str | IPNetwork | None = None,
) -> None:
    """Delete a route: a :class:`Route` (say, from :func:`dump`) exactly, or by keywords.

    With keywords, anything not given matches any route, as with ``ip``:
    protocol and type 0, scope 255 (``RT_SCOPE_NOWHERE``), table main.

    Equivalent to: ip route del DST [via GW] [dev DEV] [table T] [metric N]

    Raises :class:`~rawns.errors.NotFound` (ESRCH) if no route matches.
    """
    r = _spec(h, route, _kw(locals()), delete=True)
    h.rtnl.request(build_delete(r), op="RTM_DELROUTE", target=label(r))


def _kw(scope: dict[str, object]) -> dict[str, object]:
    return {k: v for k, v in scope.items() if k not in ("h", "route")}


def dump(
    h: Handle,
    *,
    family: int = 0,
    table: int | None = _RT_TABLE_MAIN,
    dev: LinkRef | None = None,
    protocol: int | None = None,
    type: int | None = None,
) -> list[Route]:
    """Routes of the handle's namespace, filtered by the kernel.

    ``table`` defaults to main, like ``ip route show``; ``table=None`` dumps
    every table (``ip route show table all``). ``family`` 0 means IPv4 and
    IPv6. A table that does not exist has no routes (an empty list).

    Equivalent to: ip [-4|-6] route show [table T] [dev DEV] [proto P] [type T]

    Raises :class:`~rawns.errors.NotFound` if ``dev`` does not exist,
    :class:`~rawns.errors.DumpInterrupted` if the table kept changing (see
    docs/dumps.md).
    """
    msg = build_dump(family=family, table=table, oif=_resolve(h, dev), protocol=protocol, type=type)
    try:
        return h.rtnl.dump(msg, op="RTM_GETROUTE", target="dump", parse_at=_parse_dumped)
    except NotFound as e:
        if table and e.extack and "table does not exist" in e.extack:
            return []
        raise


def _parse_dumped(data: bytes, start: int, end: int) -> Route | None:
    # AF_UNSPEC dumps also walk the multicast (RTNL_FAMILY_IPMR...) tables:
    # those are not unicast routes and are skipped. (The GC pause that makes
    # big dumps fast is the channel's, for every dump.)
    if start >= end or data[start] not in (2, 10):
        return None
    return parse_route(data, start, end)


def get(
    h: Handle,
    dst: str | IPAddress,
    *,
    src: str | IPAddress | None = None,
    iif: LinkRef | None = None,
    dev: LinkRef | None = None,
    mark: int | None = None,
    tos: int = 0,
    fibmatch: bool = False,
) -> Route:
    """Ask the kernel which route it would use for ``dst`` (a lookup; nothing is sent).

    Equivalent to: ip route get DST [from SRC] [iif DEV] [oif DEV] [mark M] [fibmatch]

    Raises :class:`~rawns.errors.InvalidArgument` (ENETUNREACH) when no route
    matches, :class:`~rawns.errors.NotFound` for a missing device.
    """
    msg = build_get(
        dst,
        src=src,
        iif=_resolve(h, iif),
        oif=_resolve(h, dev),
        mark=mark,
        tos=tos,
        fibmatch=fibmatch,
    )
    replies = h.rtnl.request(msg, op="RTM_GETROUTE", target=str(dst))
    for r in replies:
        if r.type == _RTM_NEWROUTE:
            return parse_route(r.payload)
    raise DecodeError(f"RTM_GETROUTE {dst}: the kernel sent no route")


class _Labels(Sequence[str]):
    """Error targets for a pipeline, formatted only for the requests that fail."""

    def __init__(self, routes: Sequence[Route]) -> None:
        self._routes = routes

    def __len__(self) -> int:
        return len(self._routes)

    @overload
    def __getitem__(self, i: int) -> str: ...
    @overload
    def __getitem__(self, i: slice) -> Sequence[str]: ...
    def __getitem__(self, i: int | slice) -> str | Sequence[str]:
        if isinstance(i, slice):
            return [label(r) for r in self._routes[i]]
        return label(self._routes[i])


def add_many(
    h: Handle, routes: Iterable[Route], *, replace: bool = False, check: bool = True
) -> list[KernelError | None]:
    """Add many routes, pipelined: hundreds of requests per send, acks collected in bulk.

    Equivalent to: ip -batch FILE (with one ``route add`` line per route)

    Returns one entry per route, ``None`` or the :class:`~rawns.errors.KernelError`
    for it. With ``check`` (the default) the first error is raised once every
    ack is in; routes before and after it are still added (rtnetlink has no
    transaction, so there is no rollback).
    """
    rs = list(routes)
    build = build_replace if replace else build_add
    msgs = [build(r) for r in rs]
    return h.rtnl.pipeline(msgs, op="RTM_NEWROUTE", targets=_Labels(rs), check=check)
