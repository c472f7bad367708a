"""The rule verbs as coroutines: :mod:`rawns.rule`'s, on an :class:`AsyncHandle`.

Each runs the very plan its sync twin runs, so the arguments, the checks,
the requests, the results and the errors are the same.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .. import rule as r
from ..rule import Rule
from ._doc import twin
from ._handle import AsyncHandle, DumpCall, adrive

if TYPE_CHECKING:
    from typing import Unpack

    from ..handle import Handle
    from ..rule import RuleFields

__all__ = ["add", "delete", "dump"]


def _h(h: AsyncHandle) -> Handle:
    return h  # type: ignore[return-value]  # the plans read the properties both handles have


@twin(r.add)
async def add(h: AsyncHandle, rule: Rule | None = None, /, **kw: Unpack[RuleFields]) -> None:
    await adrive(h, r.add_plan(_h(h), rule, **kw))


@twin(r.delete)
async def delete(h: AsyncHandle, rule: Rule | None = None, /, **kw: Unpack[RuleFields]) -> None:
    await adrive(h, r.delete_plan(_h(h), rule, **kw))


@twin(r.dump)
def dump(h: AsyncHandle, *, family: int | str | None = None) -> DumpCall[Rule]:
    return DumpCall(h, r.dump_plan(_h(h), family=family))
