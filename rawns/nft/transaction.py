"""Atomic nf_tables transactions: one BEGIN ... END batch for any mix of objects.

::

    with nft.transaction(h) as tx:          # nothing is sent until the block ends
        nat = tx.add_table(family="ip", name="nat")
        post = tx.add_chain(nat, "postrouting", type="nat", hook="postrouting",
                            priority="srcnat", policy="accept")
        tx.add_rule(post, nft.masquerade(source="192.168.15.0/24", not_oif="v-net-0"))

The kernel applies the whole batch or none of it (net/netfilter/nfnetlink.c,
``nfnetlink_rcv_batch``: on any error the transaction is aborted). If the
Python block raises, the batch is never sent (google/nftables' buffered
``Flush``). The kernel runs the whole batch inside ``sendmsg()`` and reports
every refused message, asked or not; the last object asks for an ACK, so
success is positive (``ack_every=True`` asks on every message). Each
refusal is matched by sequence number to the object that caused it: the
:class:`~rawns.errors.KernelError` names it (``op`` = ``NFT_MSG_NEWRULE``,
``target`` = ``#3 rule ip nat postrouting: jump nowhere``) with the
kernel's extack text, and :attr:`Transaction.failed` holds the object.

With ``check_generation`` the batch carries the ruleset generation read when
the transaction began (``NFNL_BATCH_GENID``); if anything changed the
ruleset in between, the kernel refuses the whole batch with ERESTART and
:class:`GenerationChanged` is raised instead of overwriting that change.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from types import TracebackType

from .. import _check, _dataclass
from .._nfnl import NFNL_MSG_BATCH_BEGIN, NFNL_MSG_BATCH_END, NFT_SET, NFT_SET_ELEM
from .._plan import Batch, Plan, drive
from .._wire import batch_marker
from . import _args
from . import chains as _chains
from . import rules as _rules
from . import tables as _tables
from ._batch import GenerationChanged, refusal, stamp, with_ack
from ._batch import attribute_at as attribute_at  # public path since issue 4
from ._batch import describe as describe
from .chains import Chain
from .expr import Expr, Lookup, check_exprs
from .rules import Rule
from .tables import Table

TYPE_CHECKING = False  # not typing's: a script building one transaction would load typing
if TYPE_CHECKING:
    from typing import TypeVar

    from ..handle import Handle
    from ._batch import Obj
    from .ruleset import Ruleset
    from .sets import Element, Set

    T = TypeVar("T")

__all__ = ["GenerationChanged", "Transaction", "transaction"]


class Transaction:
    """A buffered nf_tables batch. Use :func:`transaction` (a context manager).

    Methods add objects in call order; each returns the spec it queued (a
    :class:`Table`, :class:`Chain`, :class:`Rule` or :class:`Set`) for use
    as the parent of later ones. :meth:`commit` sends the batch once.
    """

    def __init__(
        self,
        handle: Handle | None = None,
        *,
        check_generation: bool | int = False,
        ack_every: bool = False,
    ):
        if handle is not None:
            _check.handle(handle, "handle")
        _check.boolean(ack_every, "ack_every")
        if not isinstance(check_generation, bool):
            _check.uint(check_generation, 32, "check_generation")
        self._h = handle
        self.ack_every = ack_every
        # Dumped objects this batch refers to, checked against the handle that
        # sends it: (origin, argument, object) for a transaction built without one.
        self._refs: list[tuple[tuple[int, int], str, str]] = []
        self._msgs: list[bytes] = []
        self._objs: list[Obj] = []
        self._set_ids: dict[tuple[str, str, str], int] = {}
        self._last_set_id = 0
        self.generation: int | None = None
        self.committed = False
        #: After a refused commit: the queued object the kernel refused, and its index.
        self.failed: Obj | None = None
        self.failed_index: int | None = None
        if check_generation is True:
            if handle is None:
                raise ValueError("check_generation=True needs a handle to read the generation")
            from .ruleset import generation  # the dumps' module: loaded only when asked

            self.generation = generation(handle)
        elif check_generation is not False:
            self.generation = check_generation

    # -- context manager ---------------------------------------------------
    def __enter__(self) -> Transaction:
        return self

    def __exit__(
        self, t: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None
    ) -> None:
        if t is None and not self.committed:
            self.commit()

    def __len__(self) -> int:
        return len(self._msgs)

    @property
    def objects(self) -> list[Obj]:
        """What each queued message carries, in batch order (one entry per message)."""
        return list(self._objs)

    def _queue(self, obj: Obj, *msgs: bytes) -> None:
        for m in msgs:
            self._msgs.append(m)
            self._objs.append(obj)

    def _ref(self, obj: object, cls: type[T], what: str) -> T:
        """``obj`` as a reference to an existing object: of type ``cls``, and from this
        transaction's namespace if it was dumped (checked now, or before sending
        when the transaction has no handle yet). A name or a rule handle means
        another object in another namespace: the wrong one would change.
        """
        ref = _args.expect(obj, cls, what)
        if self._h is not None:
            _args.from_here(ref, self._h, what)
        else:
            origin: tuple[int, int] | None = getattr(ref, "origin", None)
            if origin is not None:
                self._refs.append((origin, what, str(ref)))
        return ref

    # -- tables ------------------------------------------------------------
    def add_table(
        self, family: str = "ip", name: str = "", *, flags: int = 0, comment: str | None = None
    ) -> Table:
        """Queue a table (no error if it exists). Equivalent to: nft add table FAMILY NAME."""
        t = Table(family=family, name=name, flags=flags, comment=comment)
        self._queue(t, _tables.build_add(t, ack=False))
        return t

    def create_table(
        self, family: str = "ip", name: str = "", *, flags: int = 0, comment: str | None = None
    ) -> Table:
        """Queue a table that must not exist yet. Equivalent to: nft create table ..."""
        t = Table(family=family, name=name, flags=flags, comment=comment)
        self._queue(t, _tables.build_add(t, exclusive=True, ack=False))
        return t

    def delete_table(self, table: Table) -> None:
        """Equivalent to: nft delete table FAMILY NAME (with everything in it)."""
        t = self._ref(table, Table, "table")
        self._queue(t, _tables.build_delete(t, ack=False))

    def flush_table(self, table: Table) -> None:
        """Remove every rule of the table. Equivalent to: nft flush table FAMILY NAME."""
        t = self._ref(table, Table, "table")
        self._queue(t, _tables.build_flush(t, ack=False))

    def flush_ruleset(self, family: str | None = None) -> None:
        """Remove every table (of one family). Equivalent to: nft flush ruleset [FAMILY]."""
        fam = _args.optional_family(family)
        what = "ruleset" if fam is None else f"ruleset {fam}"
        self._queue(what, _tables.build_flush_ruleset(fam, ack=False))

    # -- chains ------------------------------------------------------------
    def add_chain(
        self,
        table: Table,
        name: str,
        *,
        type: str | None = None,
        hook: str | None = None,
        priority: int | str | None = None,
        policy: str | None = None,
        devices: Sequence[str] = (),
        comment: str | None = None,
        exclusive: bool = False,
    ) -> Chain:
        """Queue a base chain (type, hook, priority) or a regular chain (none of them).

        Equivalent to: nft add chain FAMILY TABLE NAME { type T hook H priority P; policy X; }
        """
        self._ref(table, Table, "table")
        _check.boolean(exclusive, "exclusive")
        if isinstance(devices, str):  # one device, not a sequence of one-letter names
            devices = (devices,)
        elif not isinstance(devices, tuple | list):
            raise TypeError(f"devices must be a list of interface names, not {devices!r:.80}")
        c = Chain(
            family=table.family,
            table=table.name,
            name=name,
            type=type,
            hook=hook,
            priority=priority,
            policy=policy,
            devices=tuple(devices),
            comment=comment,
        )
        self._queue(c, _chains.build_add(c, exclusive=exclusive, ack=False))
        return c

    def delete_chain(self, chain: Chain) -> None:
        """Equivalent to: nft delete chain FAMILY TABLE NAME (it must be empty)."""
        c = self._ref(chain, Chain, "chain")
        self._queue(c, _chains.build_delete(c, ack=False))

    def flush_chain(self, chain: Chain) -> None:
        """Remove every rule of the chain. Equivalent to: nft flush chain FAMILY TABLE NAME."""
        c = self._ref(chain, Chain, "chain")
        self._queue(c, _chains.build_flush(c, ack=False))

    # -- rules -------------------------------------------------------------
    def _rule(
        self,
        chain: Chain,
        exprs: Iterable[Expr],
        comment: str | None,
        userdata: bytes | None = None,
    ) -> Rule:
        if type(chain) is not Chain or chain.origin is not None:  # else: nothing to check
            self._ref(chain, Chain, "chain")
        ex = check_exprs(exprs, "exprs")
        if self._set_ids:
            ex = tuple(self._with_set_id(chain, e) for e in ex)
        return Rule(
            family=chain.family,
            table=chain.table,
            chain=chain.name,
            exprs=ex,
            comment=comment,
            userdata=userdata,
        )

    def _with_set_id(self, chain: Chain, e: Expr) -> Expr:
        # nft names a set created in the same batch by id as well as by name.
        if isinstance(e, Lookup) and e.set_id is None:
            sid = self._set_ids.get((chain.family, chain.table, e.set))
            if sid is not None:
                return _dataclass.replace(e, set_id=sid)
        return e

    def add_rule(
        self,
        chain: Chain,
        exprs: Iterable[Expr],
        *,
        comment: str | None = None,
        after: int | None = None,
    ) -> Rule:
        """Append a rule (or place it after rule handle ``after``).

        Equivalent to: nft add rule FAMILY TABLE CHAIN [position H] ... [comment "..."]
        """
        if after is not None:
            _check.uint(after, 64, "after")
        r = self._rule(chain, exprs, comment)
        self._msgs.append(_rules.build_add(r, after=after, ack=False))
        self._objs.append(r)
        return r

    def insert_rule(
        self,
        chain: Chain,
        exprs: Iterable[Expr],
        *,
        comment: str | None = None,
        before: int | None = None,
    ) -> Rule:
        """Prepend a rule (or place it before rule handle ``before``).

        Equivalent to: nft insert rule FAMILY TABLE CHAIN [position H] ...
        """
        if before is not None:
            _check.uint(before, 64, "before")
        r = self._rule(chain, exprs, comment)
        self._queue(r, _rules.build_insert(r, before=before, ack=False))
        return r

    def replace_rule(
        self, chain: Chain, handle: int, exprs: Iterable[Expr], *, comment: str | None = None
    ) -> Rule:
        """Replace rule ``handle``. Equivalent to: nft replace rule ... handle H ..."""
        _check.uint(handle, 64, "handle")
        r = self._rule(chain, exprs, comment)
        self._queue(r, _rules.build_replace(r, handle, ack=False))
        return _dataclass.replace(r, handle=handle)

    def delete_rule(self, rule_or_chain: Rule | Chain, handle: int | None = None) -> None:
        """Delete a rule by handle (a dumped :class:`Rule`, or a chain and a handle).

        A rule (or chain) dumped through a handle on another namespace is
        refused: its handle number names another rule here.

        Equivalent to: nft delete rule FAMILY TABLE CHAIN handle H
        """
        _check.optional(handle, _check.uint, 64, "handle")
        if isinstance(rule_or_chain, Rule):
            self._ref(rule_or_chain, Rule, "rule")
            chain = rule_or_chain.chain_ref
            handle = rule_or_chain.handle if handle is None else handle
        else:
            chain = self._ref(rule_or_chain, Chain, "rule_or_chain")
        if handle is None:
            raise ValueError(
                f"delete_rule needs a rule handle: {rule_or_chain} has none (dump the rule first)"
            )
        what = Rule(
            family=chain.family, table=chain.table, chain=chain.name, exprs=(), handle=handle
        )
        self._queue(what, _rules.build_delete(chain, handle, ack=False))

    # -- sets --------------------------------------------------------------
    def add_set(
        self,
        table: Table,
        name: str,
        *,
        key: str = "ipv4_addr",
        data: str | None = None,
        interval: bool = False,
        auto_merge: bool = False,
        constant: bool = False,
        timeout: int | None = None,
        size: int | None = None,
        policy: str | None = None,
        comment: str | None = None,
        elements: Iterable[object] | Mapping[object, object] | None = None,
    ) -> Set:
        """Queue a set (or a map, with ``data``) and optionally its first elements.

        Equivalent to: nft add set FAMILY TABLE NAME { type KEY; [flags interval;]
        elements = { ... } } (``add map`` with ``data``).
        """
        from . import sets as _sets  # the sets' modules load with the first set

        self._ref(table, Table, "table")
        s = _sets.set_spec(
            table,
            name,
            key=key,
            data=data,
            interval=interval,
            auto_merge=auto_merge,
            constant=constant,
            timeout=timeout,
            size=size,
            policy=policy,
            comment=comment,
        )
        # The elements are checked before anything is queued: a refused call
        # leaves the transaction as it was (no set without its elements).
        elems = None if elements is None else _sets.elements_for(s, elements, new_set=True)
        sid = self._set_id()
        self._set_ids[(s.family, s.table, s.name)] = sid
        s = _dataclass.replace(s, id=sid)
        self._queue(s, _sets.build_add(s, ack=False))
        if elems is not None:
            self._add_elements_raw(s, elems)
        return s

    def _set_id(self) -> int:
        # nft numbers the sets of a batch 1, 2, 3 ... (NFTA_SET_ID)
        self._last_set_id += 1
        return self._last_set_id

    def add_anonymous_set(
        self,
        table: Table,
        *,
        key: str | None = None,
        elements: Iterable[object],
        interval: bool = False,
        userdata: bytes | None = None,
        typeof: str | None = None,
    ) -> Set:
        """Queue an anonymous constant set for one rule: nft's ``tcp dport { 22, 80 }``.

        Use the returned set with :func:`rawns.nft.match.in_set` in the very
        next rule; the kernel names it (``__set0``) and ties it to that rule.
        ``typeof`` (``"tcp dport"``) records the matched expression as nft
        does, and implies ``key``; without either, ``key`` is ``inet_service``.
        ``userdata`` replaces rawns' userdata verbatim.
        """
        from . import sets as _sets  # the sets' modules load with the first set

        self._ref(table, Table, "table")
        if key is None and typeof is None:
            key = "inet_service"
        s = _sets.anonymous_spec(table, key=key, interval=interval, typeof=typeof)
        if userdata is not None:
            s = _dataclass.replace(s, userdata=userdata)
        elems = _sets.elements_for(s, elements, new_set=True)
        s = _dataclass.replace(s, size=len(elems), id=self._set_id())
        self._queue(s, _sets.build_add(s, ack=False))
        self.add_elements_raw(s, elems)
        return s

    def add_map(
        self,
        table: Table,
        name: str,
        *,
        key: str,
        data: str,
        interval: bool = False,
        auto_merge: bool = False,
        constant: bool = False,
        timeout: int | None = None,
        size: int | None = None,
        policy: str | None = None,
        comment: str | None = None,
        elements: Mapping[object, object] | Iterable[object] | None = None,
    ) -> Set:
        """:meth:`add_set` with a data type. Equivalent to: nft add map ..."""
        from . import sets as _sets  # the sets' modules load with the first set

        _check.choice(data, "data", _sets.DATATYPES)
        return self.add_set(
            table,
            name,
            key=key,
            data=data,
            interval=interval,
            auto_merge=auto_merge,
            constant=constant,
            timeout=timeout,
            size=size,
            policy=policy,
            comment=comment,
            elements=elements,
        )

    def add_elements(
        self, s: Set, values: Iterable[object] | Mapping[object, object]
    ) -> list[Element]:
        """Add elements. Equivalent to: nft add element FAMILY TABLE SET { ... }."""
        from . import sets as _sets
        from .sets import Set  # the sets' modules load with the first set

        self._ref(s, Set, "s")
        key = (s.family, s.table, s.name)
        elems = _sets.elements_for(s, values, new_set=key in self._set_ids)
        sid = self._set_ids.get(key, s.id)
        self._queue((s, tuple(elems)), *_sets.build_add_elements(s, elems, set_id=sid, ack=False))
        return elems

    def delete_elements(self, s: Set, values: Iterable[object]) -> list[Element]:
        """Remove elements. Equivalent to: nft delete element FAMILY TABLE SET { ... }."""
        from . import sets as _sets
        from .sets import Set  # the sets' modules load with the first set

        self._ref(s, Set, "s")
        elems = _sets.removal_elements(s, values)
        self._queue((s, tuple(elems)), *_sets.build_delete_elements(s, elems, ack=False))
        return elems

    def flush_set(self, s: Set) -> None:
        """Remove every element. Equivalent to: nft flush set FAMILY TABLE SET."""
        from . import sets as _sets
        from .sets import Set  # the sets' modules load with the first set

        ref = self._ref(s, Set, "s")
        self._queue(ref, _sets.build_flush(ref, ack=False))

    def delete_set(self, s: Set) -> None:
        """Equivalent to: nft delete set FAMILY TABLE SET."""
        from . import sets as _sets
        from .sets import Set  # the sets' modules load with the first set

        ref = self._ref(s, Set, "s")
        self._queue(ref, _sets.build_delete(ref, ack=False))

    # -- whole objects -----------------------------------------------------
    def add(self, obj: Table | Chain | Set | Rule) -> None:
        """Queue an object as it is: a spec, or one returned by a dump.

        Equivalent to the matching ``nft add table|chain|set|rule``. A set
        gets this batch's next set id, and later lookups of it carry that id.
        The object is created by name, as a copy: one dumped from another
        namespace is welcome (``add_ruleset`` copies whole rulesets).
        """
        from . import sets as _sets
        from .sets import Set  # the sets' modules load with the first set

        if isinstance(obj, Table):
            self._queue(obj, _tables.build_add(obj, ack=False))
        elif isinstance(obj, Chain):
            self._queue(obj, _chains.build_add(obj, ack=False))
        elif isinstance(obj, Set):
            sid = self._set_id()
            self._set_ids[(obj.family, obj.table, obj.name)] = sid
            s = _dataclass.replace(obj, id=sid)
            self._queue(s, _sets.build_add(s, ack=False))
        elif isinstance(obj, Rule):
            chain = Chain(family=obj.family, table=obj.table, name=obj.chain)  # a copy, by name
            r = self._rule(chain, obj.exprs, obj.comment, obj.userdata)
            self._queue(r, _rules.build_add(r, ack=False))
        else:
            raise TypeError(f"cannot add {type(obj).__name__} {obj!r}")

    def add_elements_raw(self, s: Set, elements: Sequence[Element]) -> None:
        """Queue elements as they are (e.g. from :func:`rawns.nft.dump_elements`)."""
        from .sets import Set  # the sets' modules load with the first set

        self._ref(s, Set, "s")
        self._add_elements_raw(s, elements)

    def _add_elements_raw(self, s: Set, elements: Sequence[Element]) -> None:
        from . import sets as _sets  # the sets' modules load with the first set

        sid = self._set_ids.get((s.family, s.table, s.name), s.id)
        msgs = _sets.build_add_elements(s, elements, set_id=sid, ack=False)
        self._queue((s, tuple(elements)), *msgs)

    def add_ruleset(self, rs: Ruleset) -> None:
        """Queue a whole dumped ruleset, table by table, in the order nft would.

        Each table, then its chains, its named sets (each followed by its
        elements), and its rules in chain order; an anonymous set (``{ 22,
        80 }``) is queued right before the rule that uses it, as nft does.
        Restoring a dump of what ``nft -f`` loaded gives the batch nft sent,
        byte for byte. Equivalent to: nft list ruleset > FILE; nft -f FILE.
        The ruleset may come from another namespace: this copies it.
        """
        from . import sets as _sets
        from .ruleset import Ruleset  # the dumps' module: loaded only when asked

        _args.expect(rs, Ruleset, "rs")
        end = NFT_SET_ELEM.INTERVAL_END

        def ordered(s: Set) -> list[Element]:
            elems = rs.elements.get((s.family, s.table, s.name), ())
            return sorted(elems, key=lambda e: (e.key, 0 if e.flags & end else 1))

        for t in rs.tables:
            mine = (t.family, t.name)
            self.add(t)
            chains = [c for c in rs.chains if (c.family, c.table) == mine]
            for c in chains:
                self.add(c)
            anonymous: dict[str, Set] = {}
            for s in rs.sets:
                if (s.family, s.table) != mine:
                    continue
                if s.flags & NFT_SET.ANONYMOUS:
                    anonymous[s.name] = s
                    continue
                self.add(s)
                if elems := ordered(s):
                    self._add_elements_raw(s, elems)
            for c in chains:
                for r in rs.rules_of(c):
                    exprs = list(r.exprs)
                    for i, e in enumerate(exprs):
                        if isinstance(e, Lookup) and e.set in anonymous:
                            a = anonymous[e.set]
                            a = _dataclass.replace(a, name=_sets.ANONYMOUS_NAME, id=self._set_id())
                            self._queue(a, _sets.build_add(a, ack=False))
                            if elems := ordered(anonymous[e.set]):
                                self._add_elements_raw(a, elems)
                            exprs[i] = _dataclass.replace(e, set=a.name, set_id=a.id)
                    self.add(_dataclass.replace(r, exprs=tuple(exprs)))

    # -- sending -----------------------------------------------------------
    def messages(self) -> list[bytes]:
        """The queued object messages (sequence numbers 0), without BEGIN/END."""
        return list(self._msgs)

    def _framed(self, ack: bool) -> tuple[list[bytes], list[bool]]:
        """BEGIN, the object messages (NLM_F_ACK where wanted), END; and which are acked."""
        objs = self._msgs
        n = len(objs)
        if not ack or not n:
            acked = [False] * n
        elif self.ack_every:
            objs = [with_ack(m) for m in objs]
            acked = [True] * n
        else:
            objs = [*objs[:-1], with_ack(objs[-1])]
            acked = [False] * (n - 1) + [True]
        begin = batch_marker(NFNL_MSG_BATCH_BEGIN, genid=self.generation)
        end = batch_marker(NFNL_MSG_BATCH_END)
        return [begin, *objs, end], [False, *acked, False]

    def build(self, *, first_seq: int = 0, ack: bool = True) -> bytes:
        """The whole batch as :meth:`commit` sends it, numbered from ``first_seq`` (pure).

        With ``ack=False`` no message asks for an ACK, which gives exactly the
        bytes ``nft -f`` sends for the same objects.
        """
        _check.uint(first_seq, 32, "first_seq")
        _check.boolean(ack, "ack")
        if first_seq + len(self._msgs) + 1 > 0xFFFFFFFF:
            raise ValueError(f"first_seq {first_seq}: the batch's sequence numbers pass 2**32 - 1")
        msgs, _ = self._framed(ack)
        return b"".join(stamp(m, first_seq + i) for i, m in enumerate(msgs))

    def commit(self, h: Handle | None = None) -> None:
        """Send the batch and check the kernel's answer.

        ``h`` sends a transaction made without a handle (``Transaction(None)``);
        a transaction made with one is sent through it. Before anything is
        sent, every dumped object the batch refers to is checked to come
        from ``h``'s namespace (ValueError otherwise).

        Raises the :class:`~rawns.errors.KernelError` subclass for the first
        object the kernel refused (the whole batch is then rolled back by the
        kernel), :class:`GenerationChanged` if the generation check failed.
        An empty transaction sends nothing.

        The kernel reports every refused message whether or not it asked for
        an ACK, and processes the batch inside ``sendmsg()``; so only the last
        object asks for one (``ack_every=True``: all of them), and its ACK
        with no error before it means the whole batch was applied.
        """
        hh = self._commit_target(h)
        if hh is not None:
            drive(hh, self._commit_plan(hh))

    def _commit_target(self, h: Handle | None) -> Handle | None:
        """Check what :meth:`commit` sends through; mark the transaction spent.

        None: nothing to send (an empty transaction).
        """
        if self.committed:
            raise RuntimeError("this transaction was already committed")
        target = self._h
        if h is not None:
            _check.handle(h)
            if target is not None and h is not target:
                raise ValueError(
                    f"h {h!r}: this transaction was made for handle {target!r}; "
                    "commit it without h, or make it with Transaction(None)"
                )
            target = h
        if target is None:
            raise ValueError(
                "a transaction without a handle can only be built; commit(h) sends it through h"
            )
        hh = _check.handle(target, "the transaction's handle")
        for origin, what, label in self._refs:
            _check.same_netns(origin, hh, what, label)
        self._h = hh
        self.committed = True
        return hh if self._msgs else None

    def _commit_plan(self, hh: Handle) -> Plan[None]:
        """The batch and the reading of its answer (:mod:`rawns._plan`; rawns.aio's too)."""
        msgs, acked = self._framed(True)
        results = yield Batch(msgs, acked, "nf_tables batch")
        # Errors name the namespace when it is not the caller's (as the channel's own do).
        ch = hh.rtnl if getattr(hh, "is_async", False) else hh.nfnl  # an AsyncHandle's: same
        netns = getattr(ch, "netns_label", None)
        found = refusal(msgs, results, acked, self._objs, self.generation, netns)
        if found is not None:
            index, err = found
            if index is not None:
                self.failed_index = index
                self.failed = self._objs[index]
            raise err


def transaction(
    h: Handle, *, check_generation: bool | int = False, ack_every: bool = False
) -> Transaction:
    """Start an atomic nf_tables transaction on handle ``h`` (a context manager).

    Equivalent to: nft -f FILE (one batch). ``check_generation=True`` reads
    the ruleset generation now and makes the commit fail with
    :class:`GenerationChanged` if the ruleset changed in between; an int
    uses that generation (e.g. from :func:`rawns.nft.generation`). Raises
    TypeError/ValueError for a bad argument (``h`` not an open Handle ...).
    """
    _check.handle(h)
    return Transaction(h, check_generation=check_generation, ack_every=ack_every)
