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
