"""The class verbs as coroutines: :mod:`rawns.tc.tclass`'s, on an :class:`AsyncHandle`."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from ...errors import KernelError
from ...link._types import LinkRef
from ...tc import tclass as c
from ...tc._encode import ADD, CHANGE, REPLACE
from ...tc._types import Class
from .._doc import twin
from .._handle import AsyncHandle, DumpCall, adrive

if TYPE_CHECKING:
    from typing import Unpack

    from ...handle import Handle
    from ...tc.tclass import ClassFields

__all__ = ["add", "add_many", "change", "delete", "dump", "replace"]


def _h(h: AsyncHandle) -> Handle:
    return h  # type: ignore[return-value]  # the plans read the properties both handles have


@twin(c.add)
async def add(h: AsyncHandle, cls: Class | None = None, /, **kw: Unpack[ClassFields]) -> None:
    await adrive(h, c._send(_h(h), cls, kw, "add", ADD))


@twin(c.add_many)
async def add_many(
    h: AsyncHandle, classes: Iterable[Class], *, check: bool = True
) -> list[KernelError | None]:
    return await adrive(h, c.add_many_plan(_h(h), classes, check=check))


@twin(c.replace)
async def replace(h: AsyncHandle, cls: Class | None = None, /, **kw: Unpack[ClassFields]) -> None:
    await adrive(h, c._send(_h(h), cls, kw, "replace", REPLACE))


@twin(c.change)
async def change(h: AsyncHandle, cls: Class | None = None, /, **kw: Unpack[ClassFields]) -> None:
    await adrive(h, c._send(_h(h), cls, kw, "change", CHANGE))


@twin(c.delete)
async def delete(h: AsyncHandle, dev: LinkRef | Class, *, handle: int | str | None = None) -> None:
    await adrive(h, c.delete_plan(_h(h), dev, handle=handle))


@twin(c.dump)
def dump(h: AsyncHandle, dev: LinkRef) -> DumpCall[Class]:
    return DumpCall(h, c.dump_plan(_h(h), dev))
