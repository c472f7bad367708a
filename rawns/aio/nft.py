"""nf_tables as coroutines: :mod:`rawns.nft`'s transaction and dumps, on an :class:`AsyncHandle`.

``async with aio.nft.transaction(h) as tx:`` queues objects with the very
methods of :class:`rawns.nft.Transaction` (no I/O: they only build
messages), then commits them as one BEGIN ... END batch when the block ends
without an exception; if it raises (a cancellation too), nothing is sent.
The commit is the sync transaction's plan, driven on the loop. The kernel
applies a batch inside the ``send()`` that carries it, so a commit cancelled
before that send leaves the ruleset untouched, and one cancelled after it
finds the whole batch applied (or refused): never a part of it.

The dumps (``dump_tables``, ``dump_ruleset``...) run the sync verbs' plans.
"""

from __future__ import annotations

from collections.abc import Generator
from types import TracebackType
from typing import Any, NoReturn

from .. import _check
from ..nft import chains as _chains
from ..nft import rules as _rules
from ..nft import ruleset as _ruleset
from ..nft import sets as _sets
from ..nft import tables as _tables
from ..nft.chains import Chain
from ..nft.rules import Rule
from ..nft.ruleset import Ruleset
from ..nft.sets import Element, Set
from ..nft.tables import Table
from ..nft.transaction import Transaction
from ..nft.transaction import transaction as _transaction
from ._doc import twin
from ._handle import AsyncHandle, DumpCall, adrive

__all__ = [
    "AsyncTransaction",
    "dump_chains",
    "dump_elements",
    "dump_rules",
    "dump_ruleset",
    "dump_sets",
    "dump_tables",
    "generation",
    "get_table",
    "transaction",
]


def _h(h: object) -> Any:
    return h  # the plans read the properties both handles have


class AsyncTransaction(Transaction):
    """A buffered nf_tables batch on an :class:`AsyncHandle`: ``async with`` it.

    Made by :func:`transaction`. The queueing methods are
    :class:`rawns.nft.Transaction`'s; :meth:`commit` is a coroutine. ``await``
    the transaction itself (``tx = await aio.nft.transaction(h)``) to use it
    outside ``async with``; either reads the generation, with
    ``check_generation=True``.
    """

    def __init__(
        self,
        handle: AsyncHandle,
        *,
        check_generation: bool | int = False,
        ack_every: bool = False,
    ) -> None:
        _check.handle(handle, "handle")
        if not isinstance(handle, AsyncHandle):
            raise TypeError(
                f"handle must be a rawns.aio.AsyncHandle, not {type(handle).__name__}: "
                f"{handle!r} (a Handle's transaction is rawns.nft.transaction)"
            )
        read_now = check_generation is True
        super().__init__(
            _h(handle),
            check_generation=False if read_now else check_generation,
            ack_every=ack_every,
        )
        self._read_generation = read_now

    async def _start(self) -> AsyncTransaction:
        if self._read_generation:
            self._read_generation = False
            self.generation = await adrive(_h(self._h), _ruleset.generation_plan(_h(self._h)))
        return self

    def __await__(self) -> Generator[Any, None, AsyncTransaction]:
        return self._start().__await__()

    async def __aenter__(self) -> AsyncTransaction:
        return await self._start()

    async def __aexit__(
        self, t: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None
    ) -> None:
        if t is None and not self.committed:
            await self.commit()

    def __enter__(self) -> NoReturn:
        raise TypeError("an AsyncTransaction is entered with 'async with', not 'with'")

    async def commit(self, h: AsyncHandle | None = None) -> None:  # type: ignore[override]  # a coroutine
        """Send the batch and check the kernel's answer: :meth:`rawns.nft.Transaction.commit`.

        Raises as the sync commit does. The transaction is spent once commit
        starts, even if the task is cancelled before the batch is sent.
        """
        if self._read_generation:
            await self._start()
        hh = self._commit_target(None if h is None else _h(h))
        if hh is not None:
            await adrive(_h(hh), self._commit_plan(hh))


@twin(_transaction)
def transaction(
    h: AsyncHandle, *, check_generation: bool | int = False, ack_every: bool = False
) -> AsyncTransaction:
    return AsyncTransaction(h, check_generation=check_generation, ack_every=ack_every)


@twin(_ruleset.generation)
async def generation(h: AsyncHandle) -> int:
    return await adrive(h, _ruleset.generation_plan(_h(h)))


@twin(_ruleset.dump_ruleset)
async def dump_ruleset(h: AsyncHandle, *, family: str | None = None) -> Ruleset:
    return await adrive(h, _ruleset.dump_ruleset_plan(_h(h), family=family))


@twin(_tables.dump)
def dump_tables(h: AsyncHandle, *, family: str | int | None = None) -> DumpCall[Table]:
    return DumpCall(h, _tables.dump_plan(_h(h), family=family))


@twin(_tables.get)
async def get_table(h: AsyncHandle, family: str | int, name: str) -> Table:
    return await adrive(h, _tables.get_plan(_h(h), family, name))


@twin(_chains.dump)
def dump_chains(
    h: AsyncHandle, *, family: str | int | None = None, table: str | None = None
) -> DumpCall[Chain]:
    return DumpCall(h, _chains.dump_plan(_h(h), family=family, table=table))


@twin(_sets.dump)
def dump_sets(
    h: AsyncHandle, *, family: str | int | None = None, table: str | None = None
) -> DumpCall[Set]:
    return DumpCall(h, _sets.dump_plan(_h(h), family=family, table=table))


@twin(_sets.dump_elements)
async def dump_elements(h: AsyncHandle, s: Set) -> list[Element]:
    return await adrive(h, _sets.dump_elements_plan(_h(h), s))


@twin(_rules.dump)
def dump_rules(
    h: AsyncHandle,
    *,
    family: str | int | None = None,
    table: str | None = None,
    chain: str | None = None,
) -> DumpCall[Rule]:
    return DumpCall(h, _rules.dump_plan(_h(h), family=family, table=table, chain=chain))
