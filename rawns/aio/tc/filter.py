"""The filter verbs as coroutines: :mod:`rawns.tc.filter`'s, on an :class:`AsyncHandle`."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from ...errors import KernelError
from ...link._types import LinkRef
from ...tc import filter as f
from ...tc._encode import ADD, REPLACE
from ...tc._handle import ROOT
from ...tc._types import Filter
from .._doc import twin
from .._handle import AsyncHandle, DumpCall, adrive

if TYPE_CHECKING:
    from typing import Unpack

    from ...handle import Handle
    from ...tc.filter import FilterFields

__all__ = ["add", "add_many", "delete", "dump", "replace"]


def _h(h: AsyncHandle) -> Handle:
    return h  # type: ignore[return-value]  # the plans read the properties both handles have


@twin(f.add)
async def add(h: AsyncHandle, flt: Filter | None = None, /, **kw: Unpack[FilterFields]) -> None:
    await adrive(h, f._send(_h(h), flt, kw, "add", ADD))


@twin(f.add_many)
async def add_many(
    h: AsyncHandle, filters: Iterable[Filter], *, check: bool = True
) -> list[KernelError | None]:
    return await adrive(h, f.add_many_plan(_h(h), filters, check=check))


@twin(f.replace)
async def replace(h: AsyncHandle, flt: Filter | None = None, /, **kw: Unpack[FilterFields]) -> None:
    await adrive(h, f._send(_h(h), flt, kw, "replace", REPLACE))


@twin(f.delete)
async def delete(h: AsyncHandle, flt: Filter | None = None, /, **kw: Unpack[FilterFields]) -> None:
    await adrive(h, f.delete_plan(_h(h), flt, **kw))


@twin(f.dump)
def dump(h: AsyncHandle, dev: LinkRef, *, parent: int | str = ROOT) -> DumpCall[Filter]:
    return DumpCall(h, f.dump_plan(_h(h), dev, parent=parent))
