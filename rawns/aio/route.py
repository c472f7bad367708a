"""The route verbs as coroutines: :mod:`rawns.route`'s, on an :class:`AsyncHandle`.

Each runs the very plan its sync twin runs, so the arguments, the checks,
the requests, the results and the errors are the same.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from .. import route as r
from .._inet import IPAddress, IPNetwork
from .._rtnl import RT_TABLE
from ..errors import KernelError
from ..link._types import LinkRef
from ..route import Route
from . import _route_get
from ._doc import twin
from ._handle import AsyncHandle, DumpCall, adrive

if TYPE_CHECKING:
    from typing import Unpack

    from ..handle import Handle
    from ..route import RouteCommon, RouteFields, RouteMatch

__all__ = ["add", "add_many", "delete", "dump", "flush", "get", "replace"]

_AF_INET = 2


def _h(h: AsyncHandle) -> Handle:
    return h  # type: ignore[return-value]  # the plans read the properties both handles have


@twin(r.add)
async def add(
    h: AsyncHandle,
    route: Route | str | IPNetwork | IPAddress | None = None,
    /,
    **kw: Unpack[RouteFields],
) -> None:
    await adrive(h, r.add_plan(_h(h), route, **kw))


@twin(r.replace)
async def replace(
    h: AsyncHandle,
    route: Route | str | IPNetwork | IPAddress | None = None,
    /,
    **kw: Unpack[RouteFields],
) -> None:
    await adrive(h, r.replace_plan(_h(h), route, **kw))


@twin(r.delete)
async def delete(
    h: AsyncHandle,
    route: Route | str | IPNetwork | IPAddress | None = None,
    /,
    **kw: Unpack[RouteMatch],
) -> None:
    await adrive(h, r.delete_plan(_h(h), route, **kw))


@twin(r.dump)
def dump(
    h: AsyncHandle,
    *,
    family: int = _AF_INET,
    table: int | None = int(RT_TABLE.MAIN),
    dev: LinkRef | None = None,
    protocol: int | None = None,
    type: int | None = None,
) -> DumpCall[Route]:
    plan = r.dump_plan(_h(h), family=family, table=table, dev=dev, protocol=protocol, type=type)
    return DumpCall(h, plan)


@twin(r.flush)
async def flush(
    h: AsyncHandle,
    *,
    family: int = _AF_INET,
    table: int | None = int(RT_TABLE.MAIN),
    dev: LinkRef | None = None,
    protocol: int | None = None,
    type: int | None = None,
) -> list[Route]:
    plan = r.flush_plan(_h(h), family=family, table=table, dev=dev, protocol=protocol, type=type)
    return await adrive(h, plan)


@twin(r.get)
async def get(
    h: AsyncHandle,
    dst: str | IPAddress,
    *,
    src: str | IPAddress | None = None,
    iif: LinkRef | None = None,
    dev: LinkRef | None = None,
    mark: int | None = None,
    tos: int = 0,
    fibmatch: bool = False,
    uid: int | None = None,
    ipproto: int | str | None = None,
    sport: int | None = None,
    dport: int | None = None,
) -> Route:
    if (
        src is None
        and iif is None
        and dev is None
        and mark is None
        and type(tos) is int
        and tos == 0
        and fibmatch is False
        and uid is None
        and ipproto is None
        and sport is None
        and dport is None
    ):  # a destination alone: the template path (_route_get), or the plan for what it refuses
        fast = _route_get.lookup(h, dst)
        if fast is not None:
            return await fast
    plan = r.get_plan(
        _h(h),
        dst,
        src=src,
        iif=iif,
        dev=dev,
        mark=mark,
        tos=tos,
        fibmatch=fibmatch,
        uid=uid,
        ipproto=ipproto,
        sport=sport,
        dport=dport,
    )
    return await adrive(h, plan)


@twin(r.add_many)
async def add_many(
    h: AsyncHandle,
    routes: Iterable[Route | str],
    *,
    replace: bool = False,
    check: bool = True,
    **common: Unpack[RouteCommon],
) -> list[KernelError | None]:
    plan = r.add_many_plan(_h(h), routes, replace=replace, check=check, **common)
    return await adrive(h, plan)
