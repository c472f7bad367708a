"""The neighbour and FDB verbs as coroutines: :mod:`rawns.neigh`'s, on an :class:`AsyncHandle`.

Each runs the very plan its sync twin runs (``rawns.neigh._neighbours``,
``rawns.neigh._fdb``), so the arguments, the checks, the requests, the
results and the errors are the same.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .._inet import IPAddress
from ..link._types import LinkRef
from ..neigh import _fdb as f
from ..neigh import _neighbours as n
from ..neigh._types import Neighbour
from ._doc import twin
from ._handle import AsyncHandle, DumpCall, adrive

if TYPE_CHECKING:
    from typing import Unpack

    from ..handle import Handle
    from ..neigh import FdbFields, NeighFields, NeighMatch

__all__ = [
    "add",
    "delete",
    "dump",
    "fdb_add",
    "fdb_append",
    "fdb_delete",
    "fdb_dump",
    "fdb_replace",
    "get",
    "replace",
]


def _h(h: AsyncHandle) -> Handle:
    return h  # type: ignore[return-value]  # the plans read the properties both handles have


@twin(n.add)
async def add(
    h: AsyncHandle, neighbour: Neighbour | None = None, /, **kw: Unpack[NeighFields]
) -> None:
    await adrive(h, n.add_plan(_h(h), neighbour, **kw))


@twin(n.replace)
async def replace(
    h: AsyncHandle, neighbour: Neighbour | None = None, /, **kw: Unpack[NeighFields]
) -> None:
    await adrive(h, n.replace_plan(_h(h), neighbour, **kw))


@twin(n.delete)
async def delete(
    h: AsyncHandle, neighbour: Neighbour | None = None, /, **kw: Unpack[NeighMatch]
) -> None:
    await adrive(h, n.delete_plan(_h(h), neighbour, **kw))


@twin(n.get)
async def get(
    h: AsyncHandle, *, dev: LinkRef, dst: IPAddress | str, proxy: bool = False
) -> Neighbour:
    return await adrive(h, n.get_plan(_h(h), dev=dev, dst=dst, proxy=proxy))


@twin(n.dump)
def dump(
    h: AsyncHandle,
    *,
    dev: LinkRef | None = None,
    family: int | str | None = None,
    master: LinkRef | None = None,
    proxy: bool = False,
) -> DumpCall[Neighbour]:
    plan = n.dump_plan(_h(h), dev=dev, family=family, master=master, proxy=proxy)
    return DumpCall(h, plan)


@twin(f.fdb_add)
async def fdb_add(
    h: AsyncHandle, entry: Neighbour | None = None, /, **kw: Unpack[FdbFields]
) -> None:
    await adrive(h, f.fdb_add_plan(_h(h), entry, **kw))


@twin(f.fdb_append)
async def fdb_append(
    h: AsyncHandle, entry: Neighbour | None = None, /, **kw: Unpack[FdbFields]
) -> None:
    await adrive(h, f.fdb_append_plan(_h(h), entry, **kw))


@twin(f.fdb_replace)
async def fdb_replace(
    h: AsyncHandle, entry: Neighbour | None = None, /, **kw: Unpack[FdbFields]
) -> None:
    await adrive(h, f.fdb_replace_plan(_h(h), entry, **kw))


@twin(f.fdb_delete)
async def fdb_delete(
    h: AsyncHandle, entry: Neighbour | None = None, /, **kw: Unpack[FdbFields]
) -> None:
    await adrive(h, f.fdb_delete_plan(_h(h), entry, **kw))


@twin(f.fdb_dump)
def fdb_dump(
    h: AsyncHandle, *, dev: LinkRef | None = None, master: LinkRef | None = None
) -> DumpCall[Neighbour]:
    return DumpCall(h, f.fdb_dump_plan(_h(h), dev=dev, master=master))
