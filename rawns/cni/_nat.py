"""The rawns-owned nftables table of the CNI plugins: ``inet rawns-cni``.

Every per-pod rule carries the comment ``<plugin> <network> <container id>
[detail]`` (the spec's charsets for both names hold no space), so DEL and GC
find exactly a pod's rules, with or without its namespace. Each ADD and each
DEL is one nf_tables transaction; a DEL never creates the table.

A plugin only needs each rule's chain, handle and comment, so :func:`rules`
dumps the table (or one chain of it) and reads just those three attributes,
leaving the expressions undecoded: the table holds every pod's rules, and
decoding all of them on each ADD and DEL would cost in proportion to the
node's pods. The nf_tables layers load on first use (a plugin's VERSION
needs none).
"""

from __future__ import annotations

TYPE_CHECKING = False  # not typing's (start-up cost)
if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence

    from ..handle import Handle
    from ..nft.chains import Chain
    from ..nft.expr import Expr

TABLE = "rawns-cni"
FAMILY = "inet"
#: chain name -> (hook, priority): iptables' nat priorities.
CHAINS: dict[str, tuple[str, int]] = {
    "prerouting": ("prerouting", -100),
    "output": ("output", -100),
    "postrouting": ("postrouting", 100),
}
_COMMENT_MAX = 128


def owner(plugin: str, network: str, container_id: str) -> str:
    """The comment prefix naming one pod's rules (a digest if it would be too long)."""
    text = f"{plugin} {network} {container_id}"
    if len(text) + 16 > _COMMENT_MAX:
        import hashlib  # here only: it loads libcrypto, and most names are short

        digest = hashlib.sha256(f"{network}/{container_id}".encode()).hexdigest()[:32]
        text = f"{plugin} {network[:40]} h-{digest}"
    return text


class PodRule:
    """A rule to add: its chain, its expressions and its comment."""

    __slots__ = ("chain", "comment", "exprs")

    def __init__(self, chain: str, exprs: Sequence[Expr], comment: str) -> None:
        self.chain = chain
        self.exprs = exprs
        self.comment = comment


class Owned:
    """A rule of the table as dumped: chain, handle and comment (expressions not decoded)."""

    __slots__ = ("chain", "comment", "handle")

    def __init__(self, chain: str, handle: int, comment: str | None) -> None:
        self.chain = chain
        self.handle = handle
        self.comment = comment

    def __repr__(self) -> str:
        return f"Owned({self.chain!r}, {self.handle}, {self.comment!r})"


def mine(comment: str | None, prefix: str) -> bool:
    return comment is not None and (comment == prefix or comment.startswith(prefix + " "))


def rules(h: Handle, chain: str | None = None) -> list[Owned]:
    """The table's rules (of ``chain``, if given), in chain order; [] if there is no table.

    Equivalent to: nft -a list table inet rawns-cni (one dump, the table filtered by the kernel)
    """
    from .._nfnl import NFT_MSG, NFTA_RULE
    from ..errors import NotFound
    from ..nft._codec import attrs_of, get_be64, get_str, strz
    from ..nft._msg import dump
    from ..nft._udata import udata_comment

    def owned(payload: bytes) -> Owned:
        data = payload[4:]  # struct nfgenmsg
        name, handle, userdata = "", 0, None
        for kind, a, b in attrs_of(data, "rule"):
            if kind == NFTA_RULE.CHAIN:
                name = get_str(data, a, b)
            elif kind == NFTA_RULE.HANDLE:
                handle = get_be64(data, a, b)
            elif kind == NFTA_RULE.USERDATA:
                userdata = data[a:b]
        return Owned(name, handle, udata_comment(userdata))

    body = strz(NFTA_RULE.TABLE, TABLE)
    if chain is not None:
        body += strz(NFTA_RULE.CHAIN, chain)
    try:
        return dump(h, NFT_MSG.GETRULE, FAMILY, body, owned)
    except NotFound:  # the table (or the chain) is not there
        return []


def exists(h: Handle) -> bool:
    """Whether the table exists. Equivalent to: nft list table inet rawns-cni."""
    from ..errors import NotFound
    from ..nft import tables

    try:
        tables.get(h, FAMILY, TABLE)
    except NotFound:
        return False
    return True


def add(h: Handle, pod_rules: Iterable[PodRule], *, remove: Sequence[Owned] = ()) -> None:
    """One transaction: the table and the chains the rules need (if missing), then the rules."""
    from ..nft.transaction import transaction

    pod_rules = list(pod_rules)
    with transaction(h) as tx:
        t = tx.add_table(FAMILY, TABLE)
        chains = {}
        for r in pod_rules:
            if r.chain not in chains:
                hook, prio = CHAINS[r.chain]
                chains[r.chain] = tx.add_chain(
                    t, r.chain, type="nat", hook=hook, priority=prio, policy="accept"
                )
        for old in remove:
            tx.delete_rule(_chain(old.chain), old.handle)
        for r in pod_rules:
            tx.add_rule(chains[r.chain], r.exprs, comment=r.comment)


def _chain(name: str) -> Chain:
    from ..nft.chains import Chain

    return Chain(family=FAMILY, table=TABLE, name=name)


def delete(h: Handle, doomed: Sequence[Owned]) -> int:
    """Delete ``doomed`` (dumped rules) in one transaction; returns how many."""
    if doomed:
        from ..nft.transaction import transaction

        with transaction(h) as tx:
            for r in doomed:
                tx.delete_rule(_chain(r.chain), r.handle)
    return len(doomed)


def undo_add(h: Handle, prefix: str, *, table_was_there: bool) -> None:
    """Undo an ADD's rules (those whose comment starts with ``prefix``), and the table too if
    that ADD made it and nothing else is in it now: a failed ADD leaves the node as it was.

    The table is dropped under a generation check: if another plugin changed the
    ruleset meanwhile, nothing is applied and only this ADD's rules are removed.
    """
    if not table_was_there:
        from ..nft._batch import GenerationChanged
        from ..nft.tables import Table
        from ..nft.transaction import transaction

        try:
            with transaction(h, check_generation=True) as tx:
                have = rules(h)
                if all(mine(r.comment, prefix) for r in have):
                    tx.delete_table(Table(family=FAMILY, name=TABLE))
                else:
                    for r in have:
                        if mine(r.comment, prefix):
                            tx.delete_rule(_chain(r.chain), r.handle)
            return
        except GenerationChanged:
            pass
    delete(h, [r for r in rules(h) if mine(r.comment, prefix)])
