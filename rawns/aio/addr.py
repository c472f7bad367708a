"""The address verbs as coroutines: :mod:`rawns.addr`'s, on an :class:`AsyncHandle`.

Each runs the very plan its sync twin runs, so the arguments, the checks,
the requests, the results and the errors are the same.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from .. import addr as a
from .._inet import IPAddress, IPInterface
from ..addr import Address
from ..errors import KernelError
from ..link._types import LinkRef
from ._doc import twin
from ._handle import AsyncHandle, DumpCall, adrive

if TYPE_CHECKING:
    from typing import Unpack

    from ..addr import AddrFields, AddrMatch
    from ..handle import Handle

__all__ = ["add", "add_many", "delete", "dump", "flush", "replace"]


def _h(h: AsyncHandle) -> Handle:
    return h  # type: ignore[return-value]  # the plans read the properties both handles have


@twin(a.add)
async def add(
    h: AsyncHandle,
    address: Address | str | IPInterface | IPAddress | None = None,
    /,
    **kw: Unpack[AddrFields],
) -> None:
    await adrive(h, a.add_plan(_h(h), address, **kw))


@twin(a.replace)
async def replace(
    h: AsyncHandle,
    address: Address | str | IPInterface | IPAddress | None = None,
    /,
    **kw: Unpack[AddrFields],
) -> None:
    await adrive(h, a.replace_plan(_h(h), address, **kw))


@twin(a.delete)
async def delete(
    h: AsyncHandle,
    address: Address | str | IPInterface | IPAddress | None = None,
    /,
    **kw: Unpack[AddrMatch],
) -> None:
    await adrive(h, a.delete_plan(_h(h), address, **kw))


@twin(a.dump)
def dump(h: AsyncHandle, *, dev: LinkRef | None = None, family: int = 0) -> DumpCall[Address]:
    return DumpCall(h, a.dump_plan(_h(h), dev=dev, family=family))


@twin(a.flush)
async def flush(
    h: AsyncHandle,
    *,
    dev: LinkRef | None = None,
    family: int = 0,
    scope: int | str | None = None,
) -> list[Address]:
    return await adrive(h, a.flush_plan(_h(h), dev=dev, family=family, scope=scope))


@twin(a.add_many)
async def add_many(
    h: AsyncHandle, addresses: Iterable[Address], *, replace: bool = False, check: bool = True
) -> list[KernelError | None]:
    return await adrive(h, a.add_many_plan(_h(h), addresses, replace=replace, check=check))
