"""Wrong calls of the nft verbs: mypy must reject the line after each ``# E:``."""

from __future__ import annotations

from rawns import Handle, nft


def wrong(h: Handle) -> None:
    with nft.transaction(h) as tx:
        t = tx.add_table(family="ip", name="nat")
        # E: Argument "priority" to "add_chain" of "Transaction" has incompatible
        tx.add_chain(t, "post", priority=[100])
        # E: Argument 1 to "add_rule" of "Transaction" has incompatible type "Table"
        tx.add_rule(t, [])
    # E: Argument "chain" has incompatible type "int"
    nft.dump_rules(h, chain=5)
