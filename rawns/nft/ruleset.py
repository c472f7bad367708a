"""The whole ruleset: dump every table, chain, set (with elements) and rule; generation.

Equivalent to: ``nft -a list ruleset``. :class:`Ruleset` groups what the
dumps return; ``str(ruleset)`` renders it in nft's syntax
(:func:`rawns.nft.render.render_ruleset`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .. import _check
from .._dataclass import dataclass, field
from .._nfnl import NFT_MSG, NFT_SET, NFTA_GEN
from .._plan import Plan, drive
from ..errors import DecodeError
from . import _args
from . import chains as _chains
from . import rules as _rules
from . import sets as _sets
from . import tables as _tables
from ._codec import attrs_of, get_be32
from ._listing import elements_text, render_chain, render_set
from ._msg import get_plan as _get
from .chains import Chain
from .rules import Rule
from .sets import Element, Set
from .tables import Table

if TYPE_CHECKING:
    from ..handle import Handle

__all__ = ["Ruleset", "dump_ruleset", "generation", "parse_generation"]


@dataclass(frozen=True, slots=True, kw_only=True)
class Ruleset:
    """Everything nf_tables holds in one namespace, as typed objects.

    ``elements`` maps ``(family, table, set)`` to that set's elements.
    ``generation`` is the ruleset generation the dump started at.
    """

    tables: tuple[Table, ...] = ()
    chains: tuple[Chain, ...] = ()
    sets: tuple[Set, ...] = ()
    rules: tuple[Rule, ...] = ()
    elements: dict[tuple[str, str, str], tuple[Element, ...]] = field(default_factory=dict)
    generation: int | None = field(default=None, compare=False)

    def __post_init__(self) -> None:
        for what, items, cls in (
            ("Ruleset.tables", self.tables, Table),
            ("Ruleset.chains", self.chains, Chain),
            ("Ruleset.sets", self.sets, Set),
            ("Ruleset.rules", self.rules, Rule),
        ):
            _args.expect(items, tuple, what)
            for x in items:
                _args.expect(x, cls, f"{what}[]")
        _args.expect(self.elements, dict, "Ruleset.elements")
        for key, elems in self.elements.items():
            _args.expect(key, tuple, "Ruleset.elements key")
            for e in _args.expect(elems, tuple, f"Ruleset.elements[{key!r}]"):
                _args.expect(e, Element, f"Ruleset.elements[{key!r}][]")
        _check.optional(self.generation, _check.uint, 32, "Ruleset.generation")

    def __str__(self) -> str:
        return render_ruleset(self)

    def table(self, family: str, name: str) -> Table:
        """The table ``family name``; ValueError if the ruleset has none (as list.index)."""
        family = _args.family(family)
        _check.nft_name(name, "name")
        for t in self.tables:
            if t.family == family and t.name == name:
                return t
        raise ValueError(f"no table {family} {name!r} in this ruleset")

    def chain(self, family: str, table: str, name: str) -> Chain:
        """The chain ``family table name``; ValueError if the ruleset has none."""
        family = _args.family(family)
        _check.nft_name(table, "table")
        _check.nft_name(name, "name")
        for c in self.chains:
            if (c.family, c.table, c.name) == (family, table, name):
                return c
        raise ValueError(f"no chain {family} {table} {name!r} in this ruleset")

    def rules_of(self, chain: Chain) -> list[Rule]:
        """The rules of ``chain``, in chain order."""
        _args.expect(chain, Chain, "chain")
        return [
            r
            for r in self.rules
            if (r.family, r.table, r.chain) == (chain.family, chain.table, chain.name)
        ]


def parse_generation(payload: bytes) -> int:
    """The NFTA_GEN_ID of an NFT_MSG_NEWGEN payload."""
    _args.expect(payload, bytes, "payload")
    data = payload[4:]
    for kind, a, b in attrs_of(data, "generation"):
        if kind == NFTA_GEN.ID:
            return get_be32(data, a, b)
    raise DecodeError("NFT_MSG_NEWGEN without NFTA_GEN_ID")


def generation(h: Handle) -> int:
    """The current ruleset generation (bumped by every committed transaction).

    Equivalent to: nft list ruleset's generation check (NFT_MSG_GETGEN).
    """
    return drive(h, generation_plan(h))


def generation_plan(h: Handle) -> Plan[int]:
    _check.handle(h)
    return parse_generation((yield from _get(NFT_MSG.GETGEN, 0, b"", "ruleset generation")))


def dump_ruleset(h: Handle, *, family: str | None = None) -> Ruleset:
    """Tables, chains, sets with their elements, and rules (of one family, if given).

    The dumps are separate requests; if a transaction commits in between,
    the generation read before and after differ and the whole dump is taken
    again (up to three times). Equivalent to: nft -a list ruleset. Every
    object carries the handle's namespace (``origin``).
    """
    return drive(h, dump_ruleset_plan(h, family=family))


def dump_ruleset_plan(h: Handle, *, family: str | None = None) -> Plan[Ruleset]:
    _check.handle(h)
    family = _args.optional_family(family)
    for _ in range(3):
        gen = yield from generation_plan(h)
        tables = yield from _tables.dump_plan(h, family=family)
        chains = yield from _chains.dump_plan(h, family=family)
        sets = yield from _sets.dump_plan(h, family=family)
        elements = {}
        for s in sets:
            found = yield from _sets.dump_elements_plan(h, s)
            elements[(s.family, s.table, s.name)] = tuple(found)
        rules = yield from _rules.dump_plan(h, family=family)
        if (yield from generation_plan(h)) == gen:
            break
    return Ruleset(
        tables=tuple(tables),
        chains=tuple(chains),
        sets=tuple(sets),
        rules=tuple(rules),
        elements=elements,
        generation=gen,
    )


def render_ruleset(rs: Ruleset) -> str:
    """A :class:`~rawns.nft.Ruleset` in nft's ``list ruleset`` layout."""
    rs = _args.expect(rs, Ruleset, "rs")
    out: list[str] = []
    for t in rs.tables:
        out.append(f"table {t.family} {t.name} {{")
        flags = [n for bit, n in ((1, "dormant"), (2, "owner")) if t.flags & bit]
        if flags:
            out.append(f"\tflags {','.join(flags)}")
        if t.comment is not None:
            out.append(f'\tcomment "{t.comment}"')
        body: list[str] = []
        inline: dict[str, str] = {}
        for s in rs.sets:
            if (s.family, s.table) != (t.family, t.name):
                continue
            elems = rs.elements.get((s.family, s.table, s.name), ())
            if s.flags & NFT_SET.ANONYMOUS:
                inline[s.name] = "{ " + elements_text(s, elems) + " }"
            else:
                body.append(render_set(s, elems))
        for c in rs.chains:
            if (c.family, c.table) == (t.family, t.name):
                body.append(render_chain(c, rs.rules_of(c), inline=inline))
        if body:
            out.append("\n\n".join(body))
        out.append("}")
    return "\n".join(out)
