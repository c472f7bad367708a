"""nf_tables over nfnetlink: tables, chains, rules, sets, expressions, NAT helpers.

Writes are atomic transactions (:func:`transaction`); reads are dumps that
decode into typed, frozen values. Rules are tuples of expressions
(:mod:`rawns.nft.expr`) in the order ``nft --debug=netlink`` prints them;
the helpers in :mod:`rawns.nft.nat` and :mod:`rawns.nft.match` build the
exact lists nft builds::

    from rawns import Handle, nft

    with Handle.open(netns="gw") as h, nft.transaction(h) as tx:
        nat = tx.add_table("ip", "nat")
        post = tx.add_chain(nat, "postrouting", type="nat", hook="postrouting",
                            priority="srcnat", policy="accept")
        tx.add_rule(post, nft.masquerade(source="192.168.15.0/24", not_oif="v-net-0"))

Equivalent to: ``nft -f`` of the same ruleset. The library never runs nft.
"""

from __future__ import annotations

import sys
import types

TYPE_CHECKING = False  # not typing's: importing typing would cost more than this package
if TYPE_CHECKING:
    from . import chains, expr, match, nat, render, rules, sets, tables
    from ._codec import Verdict
    from .chains import Chain
    from .expr import (
        Bitwise,
        Cmp,
        Counter,
        Ct,
        Expr,
        Immediate,
        Limit,
        Log,
        Lookup,
        Masq,
        Meta,
        Nat,
        Payload,
        Range,
        Redir,
        Reject,
        Unknown,
    )
    from .nat import accept_established, allow, block, filter_rule, masquerade, port_forward, snat
    from .render import render_rule, render_ruleset
    from .rules import Rule
    from .ruleset import Ruleset, dump_ruleset, generation
    from .sets import Element, Set
    from .tables import Table
    from .transaction import GenerationChanged, Transaction, transaction

    dump_tables = tables.dump
    dump_chains = chains.dump
    dump_rules = rules.dump
    dump_sets = sets.dump
    dump_elements = sets.dump_elements

# Each public name loads its module on first access (PEP 562), so `import rawns.nft`
# costs little and a program pays for the parts it uses: name -> (module, attribute);
# attribute None is the module itself.
_EXPRS = "Bitwise Cmp Counter Ct Expr Immediate Limit Log Lookup Masq Meta Nat Payload Range Redir"
_EXPRS += " Reject Unknown"
_NAT = "accept_established allow block filter_rule masquerade port_forward snat"
_LAZY: dict[str, tuple[str, str | None]] = {
    **{m: (m, None) for m in ("chains", "expr", "match", "nat", "render", "rules", "sets")},
    "tables": ("tables", None),
    "Verdict": ("_codec", "Verdict"),
    "Chain": ("chains", "Chain"),
    **{e: ("expr", e) for e in _EXPRS.split()},
    **{f: ("nat", f) for f in _NAT.split()},
    "render_rule": ("render", "render_rule"),
    "render_ruleset": ("render", "render_ruleset"),
    "Rule": ("rules", "Rule"),
    "Ruleset": ("ruleset", "Ruleset"),
    "dump_ruleset": ("ruleset", "dump_ruleset"),
    "generation": ("ruleset", "generation"),
    "Element": ("sets", "Element"),
    "Set": ("sets", "Set"),
    "Table": ("tables", "Table"),
    "GenerationChanged": ("transaction", "GenerationChanged"),
    "Transaction": ("transaction", "Transaction"),
    "transaction": ("transaction", "transaction"),
    "dump_tables": ("tables", "dump"),
    "dump_chains": ("chains", "dump"),
    "dump_rules": ("rules", "dump"),
    "dump_sets": ("sets", "dump"),
    "dump_elements": ("sets", "dump_elements"),
}


if not TYPE_CHECKING:  # mypy sees the imports above, and no catch-all for a misspelt name

    def __getattr__(name: str) -> object:
        try:
            module, attr = _LAZY[name]
        except KeyError:
            raise AttributeError(f"module {__name__!r} has no attribute {name!r}") from None
        __import__(f"{__name__}.{module}")  # not importlib's: it (and warnings) cost an import
        mod = sys.modules[f"{__name__}.{module}"]
        value = mod if attr is None else getattr(mod, attr)
        globals()[name] = value
        return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_LAZY})


class _Package(types.ModuleType):
    """This package's module type: keeps ``nft.transaction`` the function.

    Importing the submodule ``rawns.nft.transaction`` binds it as this package's
    attribute ``transaction``; the public name is the function of that module (as an
    eager ``from .transaction import transaction`` left it), so the binding stores that.
    """

    def __setattr__(self, name: str, value: object) -> None:
        if name == "transaction" and isinstance(value, types.ModuleType):
            value = value.transaction
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package

__all__ = [
    "Bitwise",
    "Chain",
    "Cmp",
    "Counter",
    "Ct",
    "Element",
    "Expr",
    "GenerationChanged",
    "Immediate",
    "Limit",
    "Log",
    "Lookup",
    "Masq",
    "Meta",
    "Nat",
    "Payload",
    "Range",
    "Redir",
    "Reject",
    "Rule",
    "Ruleset",
    "Set",
    "Table",
    "Transaction",
    "Unknown",
    "Verdict",
    "accept_established",
    "allow",
    "block",
    "chains",
    "dump_chains",
    "dump_elements",
    "dump_rules",
    "dump_ruleset",
    "dump_sets",
    "dump_tables",
    "expr",
    "filter_rule",
    "generation",
    "masquerade",
    "match",
    "nat",
    "port_forward",
    "render",
    "render_rule",
    "render_ruleset",
    "rules",
    "sets",
    "snat",
    "tables",
    "transaction",
]
