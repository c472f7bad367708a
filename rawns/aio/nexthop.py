"""The nexthop verbs as coroutines: :mod:`rawns.nexthop`'s, on an :class:`AsyncHandle`.

Each runs the very plan its sync twin runs, so the arguments, the checks,
the requests, the results and the errors are the same.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .. import nexthop as x
from ..link._types import LinkRef
from ..nexthop import NexthopObject
from ._doc import twin
from ._handle import AsyncHandle, DumpCall, adrive

if TYPE_CHECKING:
    from typing import Unpack

    from ..handle import Handle
    from ..nexthop import NexthopFields

__all__ = ["add", "delete", "dump", "flush", "get", "replace"]


def _h(h: AsyncHandle) -> Handle:
    return h  # type: ignore[return-value]  # the plans read the properties both handles have


@twin(x.add)
async def add(
    h: AsyncHandle, nexthop: NexthopObject | int | None = None, /, **kw: Unpack[NexthopFields]
) -> None:
    await adrive(h, x.add_plan(_h(h), nexthop, **kw))


@twin(x.replace)
async def replace(
    h: AsyncHandle, nexthop: NexthopObject | int | None = None, /, **kw: Unpack[NexthopFields]
) -> None:
    await adrive(h, x.replace_plan(_h(h), nexthop, **kw))


@twin(x.delete)
async def delete(h: AsyncHandle, nexthop: NexthopObject | int, /) -> None:
    await adrive(h, x.delete_plan(_h(h), nexthop))


@twin(x.get)
async def get(h: AsyncHandle, id: int, /) -> NexthopObject:
    return await adrive(h, x.get_plan(_h(h), id))


@twin(x.dump)
def dump(
    h: AsyncHandle,
    *,
    family: int = 0,
    dev: LinkRef | None = None,
    groups: bool = False,
    fdb: bool = False,
) -> DumpCall[NexthopObject]:
    return DumpCall(h, x.dump_plan(_h(h), family=family, dev=dev, groups=groups, fdb=fdb))


@twin(x.flush)
async def flush(
    h: AsyncHandle, *, family: int = 0, dev: LinkRef | None = None
) -> list[NexthopObject]:
    return await adrive(h, x.flush_plan(_h(h), family=family, dev=dev))
