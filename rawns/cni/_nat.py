"""The rawns-owned nftables table of the CNI plugins: ``inet rawns-cni``.

Every per-pod rule carries the comment ``<plugin> <network> <container id>
[detail]`` (the spec's charsets for both names hold no space), so DEL and GC
find exactly a pod's rules, with or without its namespace. Each ADD and each
DEL is one nf_tables transaction; a DEL never creates the table.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from .. import nft
from ..handle import Handle
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
        digest = hashlib.sha256(f"{network}/{container_id}".encode()).hexdigest()[:32]
        text = f"{plugin} {network[:40]} h-{digest}"
    return text


@dataclass(frozen=True, slots=True)
class PodRule:
    chain: str
    exprs: Sequence[Expr]
    comment: str


def mine(comment: str | None, prefix: str) -> bool:
    return comment is not None and (comment == prefix or comment.startswith(prefix + " "))


def rules(h: Handle) -> list[nft.Rule]:
    """Every rule of the table ([] if it does not exist)."""
    if not any(t.name == TABLE for t in nft.dump_tables(h, family=FAMILY)):
        return []
    return nft.dump_rules(h, family=FAMILY, table=TABLE)


def add(h: Handle, pod_rules: Iterable[PodRule], *, remove: Sequence[nft.Rule] = ()) -> None:
    """One transaction: the table and the chains the rules need (if missing), then the rules."""
    pod_rules = list(pod_rules)
    with nft.transaction(h) as tx:
        t = tx.add_table(FAMILY, TABLE)
        chains = {}
        for r in pod_rules:
            if r.chain not in chains:
                hook, prio = CHAINS[r.chain]
                chains[r.chain] = tx.add_chain(
                    t, r.chain, type="nat", hook=hook, priority=prio, policy="accept"
                )
        for old in remove:
            tx.delete_rule(old)
        for r in pod_rules:
            tx.add_rule(chains[r.chain], r.exprs, comment=r.comment)


def delete(h: Handle, doomed: Sequence[nft.Rule]) -> int:
    """Delete ``doomed`` (dumped rules) in one transaction; returns how many."""
    if doomed:
        with nft.transaction(h) as tx:
            for r in doomed:
                tx.delete_rule(r)
    return len(doomed)
