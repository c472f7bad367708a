"""The link verbs as coroutines: :mod:`rawns.link`'s, on an :class:`AsyncHandle`.

Each runs the very plan its sync twin runs (``rawns.link._verbs``), so the
arguments, the checks, the requests, the results and the errors are the same.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from ..errors import KernelError
from ..link import _change as c
from ..link import _verbs as v
from ..link._spec import LinkChange, LinkSpec
from ..link._types import Link, LinkRef
from ._doc import twin
from ._handle import AsyncHandle, DumpCall, adrive

if TYPE_CHECKING:
    from typing import Unpack

    from ..handle import Handle
    from ..link._fields import LinkGroupFields, LinkSetFields

__all__ = [
    "add",
    "add_many",
    "delete",
    "delete_many",
    "dump",
    "get",
    "replace",
    "resolve_index",
    "set",
    "set_group",
    "set_many",
]


def _h(h: AsyncHandle) -> Handle:
    return h  # type: ignore[return-value]  # the plans read the properties both handles have


@twin(v.dump)
def dump(h: AsyncHandle) -> DumpCall[Link]:
    return DumpCall(h, v.dump_plan(_h(h)))


@twin(v.get)
async def get(h: AsyncHandle, ref: LinkRef) -> Link:
    return await adrive(h, v.get_plan(_h(h), ref))


@twin(v.resolve_index)
async def resolve_index(h: AsyncHandle, ref: LinkRef, what: str = "ref") -> int:
    return await adrive(h, v.resolve_index_plan(_h(h), ref, what))


@twin(v.delete)
async def delete(h: AsyncHandle, ref: LinkRef) -> None:
    await adrive(h, v.delete_plan(_h(h), ref))


@twin(v.delete_many)
async def delete_many(
    h: AsyncHandle, refs: Iterable[LinkRef], *, check: bool = True
) -> list[KernelError | None]:
    return await adrive(h, v.delete_many_plan(_h(h), refs, check=check))


@twin(v.add)
async def add(h: AsyncHandle, spec: LinkSpec) -> None:
    await adrive(h, v.add_plan(_h(h), spec))


@twin(v.replace)
async def replace(h: AsyncHandle, spec: LinkSpec) -> None:
    await adrive(h, v.replace_plan(_h(h), spec))


@twin(v.add_many)
async def add_many(
    h: AsyncHandle, specs: Iterable[LinkSpec], *, replace: bool = False, check: bool = True
) -> list[KernelError | None]:
    return await adrive(h, v.add_many_plan(_h(h), specs, replace=replace, check=check))


@twin(c.set_group)
async def set_group(h: AsyncHandle, group: int, /, **changes: Unpack[LinkGroupFields]) -> None:
    await adrive(h, c.set_group_plan(_h(h), group, **changes))


@twin(c.set)
async def set(h: AsyncHandle, ref: LinkRef, **changes: Unpack[LinkSetFields]) -> None:
    await adrive(h, c.set_plan(_h(h), ref, **changes))


@twin(c.set_many)
async def set_many(
    h: AsyncHandle,
    items: Iterable[LinkRef | LinkChange],
    *,
    check: bool = True,
    **changes: Unpack[LinkSetFields],
) -> list[KernelError | None]:
    return await adrive(h, c.set_many_plan(_h(h), items, check=check, **changes))
