"""The qdisc verbs as coroutines: :mod:`rawns.tc.qdisc`'s, on an :class:`AsyncHandle`."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ...link._types import LinkRef
from ...tc import qdisc as q
from ...tc._encode import ADD, CHANGE, REPLACE
from ...tc._handle import ROOT
from ...tc._types import Qdisc
from .._doc import twin
from .._handle import AsyncHandle, DumpCall, adrive

if TYPE_CHECKING:
    from typing import Unpack

    from ...handle import Handle
    from ...tc.qdisc import QdiscDeleteFields, QdiscFields

__all__ = ["add", "change", "delete", "dump", "get", "replace"]


def _h(h: AsyncHandle) -> Handle:
    return h  # type: ignore[return-value]  # the plans read the properties both handles have


@twin(q.add)
async def add(h: AsyncHandle, qdisc: Qdisc | None = None, /, **kw: Unpack[QdiscFields]) -> None:
    await adrive(h, q._send(_h(h), qdisc, kw, "add", ADD))


@twin(q.replace)
async def replace(h: AsyncHandle, qdisc: Qdisc | None = None, /, **kw: Unpack[QdiscFields]) -> None:
    await adrive(h, q._send(_h(h), qdisc, kw, "replace", REPLACE))


@twin(q.change)
async def change(h: AsyncHandle, qdisc: Qdisc | None = None, /, **kw: Unpack[QdiscFields]) -> None:
    await adrive(h, q._send(_h(h), qdisc, kw, "change", CHANGE))


@twin(q.delete)
async def delete(
    h: AsyncHandle, qdisc: Qdisc | None = None, /, **kw: Unpack[QdiscDeleteFields]
) -> None:
    await adrive(h, q.delete_plan(_h(h), qdisc, **kw))


@twin(q.dump)
def dump(h: AsyncHandle, dev: LinkRef | None = None) -> DumpCall[Qdisc]:
    return DumpCall(h, q.dump_plan(_h(h), dev))


@twin(q.get)
async def get(h: AsyncHandle, dev: LinkRef, *, parent: int | str = ROOT) -> Qdisc:
    return await adrive(h, q.get_plan(_h(h), dev, parent=parent))
