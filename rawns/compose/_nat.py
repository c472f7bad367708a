"""NAT helpers: ``ensure_nat_rule``, ``masquerade``, ``snat``, ``port_forward``.

And the one step they (and Topology) run: a NAT rule in one transaction.
"""

from __future__ import annotations

import contextlib
from collections.abc import Sequence

from .. import _check, nft
from .._inet import IPAddress, IPNetwork
from ..errors import Conflict
from ..handle import Handle
from ._args import _address, _af, _family_word, _network, _optional_ifname
from ._steps import Step, _HandleSource, _source, run_steps

TYPE_CHECKING = False  # not typing's: importing it costs (rawns._typing)
if TYPE_CHECKING:  # rawns.nft loads its parts on first use: a compose import needs none yet
    from ..nft.expr import Expr

#: The hooks a NAT chain can sit on, and its priority: iptables' nat table (DNAT
#: before routing and on local output, -100; SNAT after routing and on input,
#: 100). nft accepts the names dstnat/srcnat only on prerouting/postrouting.
NAT_HOOKS: dict[str, int | str] = {
    "prerouting": "dstnat",
    "output": -100,
    "postrouting": "srcnat",
    "input": 100,
}
_NAT_FAMILIES = ("ip", "ip6", "inet")
_PORT_PROTOS = ("tcp", "udp", "sctp", "dccp")


def _nat_rule_step(
    h: _HandleSource,
    hook: str,
    exprs: Sequence[Expr],
    *,
    family: str,
    table: str,
    description: str,
    made: list[str] | None = None,
) -> Step:
    """Append a NAT rule (:func:`ensure_nat_rule`) in one transaction.

    Only what is missing is queued (the table, the chain, the rule), so an
    existing chain keeps its policy. Undo removes exactly that: the table if
    the step made it, else the rule (and the chain if the step made it).
    ``made`` (if given) receives ``"table"``, ``"chain"`` or ``"rule"``.
    """
    get = _source(h)
    chain_name, prio = hook, NAT_HOOKS[hook]
    want = tuple(exprs)
    made = [] if made is None else made

    def do() -> bool:
        hh = get()
        if not any(t.name == table for t in nft.dump_tables(hh, family=family)):
            what = "table"
        else:
            chains = {c.name: c for c in nft.dump_chains(hh, family=family, table=table)}
            have = chains.get(chain_name)
            if have is None:
                what = "chain"
            else:
                _same_nat_chain(have, family, table, hook, prio)
                rules = nft.dump_rules(hh, family=family, table=table, chain=chain_name)
                if any(r.exprs == want for r in rules):
                    return False
                what = "rule"
        with nft.transaction(hh) as tx:
            if what == "table":
                t = tx.add_table(family, table)
            else:
                t = nft.Table(family=family, name=table)
            if what == "rule":
                c = nft.Chain(family=family, table=table, name=chain_name)
            else:
                c = tx.add_chain(
                    t, chain_name, type="nat", hook=hook, priority=prio, policy="accept"
                )
            tx.add_rule(c, want)
        made[:] = [what]
        return True

    def undo() -> None:
        hh = get()
        with contextlib.suppress(FileNotFoundError):
            if made == ["table"]:
                with nft.transaction(hh) as tx:
                    tx.delete_table(nft.Table(family=family, name=table))
                return
            rules = nft.dump_rules(hh, family=family, table=table, chain=chain_name)
            mine = [r for r in rules if r.exprs == want]
            with nft.transaction(hh) as tx:
                if mine:
                    tx.delete_rule(mine[-1])
                if made == ["chain"]:
                    tx.delete_chain(nft.Chain(family=family, table=table, name=chain_name))

    return Step(description, do, undo)


def _same_nat_chain(have: nft.Chain, family: str, table: str, hook: str, prio: int | str) -> None:
    want_prio = nft.chains.priority_value(family, prio)
    if (have.type, have.hook, have.priority) != ("nat", hook, want_prio):
        shape = (
            f"type {have.type} hook {have.hook} priority {have.priority}"
            if have.hook is not None
            else "a regular chain"
        )
        raise Conflict(
            f"chain {family} {table} {have.name} exists as {shape}, "
            f"not type nat hook {hook} priority {prio}"
        )


def _nat_args(h: Handle, family: str, table: str) -> None:
    _check.handle(h)
    _check.choice(family, "family", _NAT_FAMILIES)
    _check.nft_name(table, "table")


def _nat_description(hook: str, exprs: Sequence[Expr], *, family: str, table: str) -> str:
    """``nft add rule FAMILY TABLE HOOK <the rule>``, as nft would print it."""
    return f"nft add rule {family} {table} {hook} {nft.render.render_exprs(list(exprs))}"


def ensure_nat_rule(
    h: Handle, hook: str, exprs: Sequence[Expr], *, family: str = "ip", table: str = "nat"
) -> bool:
    """Append a NAT rule to ``table``'s ``hook`` chain unless an identical rule is there.

    Equivalent to::

        nft add table FAMILY TABLE
        nft add chain FAMILY TABLE HOOK { type nat hook HOOK priority PRIORITY; }
        nft add rule FAMILY TABLE HOOK EXPRS

    The chain is named after its hook, with iptables' nat priorities
    (:data:`NAT_HOOKS`: ``prerouting`` dstnat, ``output`` -100,
    ``postrouting`` srcnat, ``input`` 100). One atomic transaction,
    holding only what is missing. Returns True if it added the rule. Raises
    :class:`~rawns.errors.Conflict` if a chain of that name exists with
    another type, hook or priority.
    """
    _nat_args(h, family, table)
    _check.choice(hook, "hook", NAT_HOOKS)
    if isinstance(exprs, str) or not isinstance(exprs, Sequence):
        raise TypeError(f"exprs must be a list of nft expressions, not {_check._show(exprs)}")
    for e in exprs:
        if not isinstance(e, nft.Expr):
            raise TypeError(f"exprs must hold nft expressions, not {_check._show(e)}")
    return _nat(h, hook, exprs, family, table, "compose.ensure_nat_rule")


def _nat(h: Handle, hook: str, exprs: Sequence[Expr], family: str, table: str, label: str) -> bool:
    step = _nat_rule_step(
        h,
        hook,
        exprs,
        family=family,
        table=table,
        description=_nat_description(hook, exprs, family=family, table=table),
    )
    return bool(run_steps([step], label))


def masquerade(
    h: Handle,
    *,
    source: str | IPNetwork,
    oif: str | None = None,
    not_oif: str | None = None,
    table: str = "nat",
) -> bool:
    """Masquerade traffic from ``source`` (leaving by ``oif``, or by any but ``not_oif``).

    Equivalent to: iptables -t nat -A POSTROUTING -s SOURCE [-o OIF] -j MASQUERADE
    (nft add rule ip nat postrouting ip saddr SOURCE [oifname OIF] masquerade)
    """
    net = _network(source, "source")
    fam = _family_word(net.version)
    _nat_args(h, fam, table)
    _optional_ifname(oif, "oif")
    _optional_ifname(not_oif, "not_oif")
    if oif is not None and not_oif is not None:
        raise ValueError(f"give oif or not_oif, not both (oif={oif!r}, not_oif={not_oif!r})")
    exprs = nft.masquerade(net, oif=oif, not_oif=not_oif)
    return _nat(h, "postrouting", exprs, fam, table, "compose.masquerade")


def snat(
    h: Handle,
    *,
    source: str | IPNetwork,
    to: str | IPAddress,
    oif: str | None = None,
    table: str = "nat",
) -> bool:
    """Source-NAT traffic from ``source`` to address ``to``.

    Equivalent to: iptables -t nat -A POSTROUTING -s SOURCE [-o OIF] -j SNAT --to-source TO
    """
    net = _network(source, "source")
    to_ip = _address(to, "to", _af(net.version))
    fam = _family_word(net.version)
    _nat_args(h, fam, table)
    _optional_ifname(oif, "oif")
    exprs = nft.snat(to_ip, source=net, oif=oif)
    return _nat(h, "postrouting", exprs, fam, table, "compose.snat")


def port_forward(
    h: Handle,
    dport: int,
    *,
    to: str | IPAddress,
    to_port: int | None = None,
    proto: str = "tcp",
    iif: str | None = None,
    daddr: str | IPAddress | None = None,
    table: str = "nat",
) -> bool:
    """Forward ``proto`` port ``dport`` arriving (on ``iif``) to ``to:to_port`` (DNAT).

    Equivalent to: iptables -t nat -A PREROUTING [-i IIF] -p tcp --dport DPORT
    -j DNAT --to-destination TO:TO_PORT
    """
    _check.port(dport, "dport")
    if to_port is not None:
        _check.port(to_port, "to_port")
    _check.choice(proto, "proto", _PORT_PROTOS)
    to_ip = _address(to, "to")
    da = None if daddr is None else _address(daddr, "daddr", _af(to_ip.version))
    fam = _family_word(to_ip.version)
    _nat_args(h, fam, table)
    _optional_ifname(iif, "iif")
    exprs = nft.port_forward(dport, to=to_ip, to_port=to_port, proto=proto, iif=iif, daddr=da)
    return _nat(h, "prerouting", exprs, fam, table, "compose.port_forward")
