"""Render rules, chains, sets and rulesets as nft-like text (for logs and debugging).

The renderer recognises the expression patterns nft itself generates (a
payload load followed by a cmp is ``ip saddr 10.0.0.0/8``, a ct load with a
bitwise and a cmp is ``ct state established,related`` ...) and falls back to
the ``nft --debug=netlink`` form, in brackets, for anything else. It never
raises on odd input: a rule it cannot read is still printed.

This module gathers the renderers; each lives beside what it renders, so that
``str(rule)`` and ``str(ruleset)`` need no import upward: the expression
reader in :mod:`rawns.nft._exprtext`, rules in :mod:`rawns.nft.rules`, the
``list`` layout of chains and sets in :mod:`rawns.nft._listing`, rulesets in
:mod:`rawns.nft.ruleset`.

>>> from rawns.nft import masquerade, Rule
>>> r = Rule(family="ip", table="nat", chain="postrouting",
...          exprs=tuple(masquerade(source="192.168.15.0/24", not_oif="v-net-0")))
>>> render_rule_body(r)
'ip saddr 192.168.15.0/24 oifname != "v-net-0" masquerade'
"""

from __future__ import annotations

from ._exprtext import render_exprs as render_exprs  # public here, outside __all__ as before
from ._listing import render_chain, render_set
from .rules import render_rule, render_rule_body
from .ruleset import render_ruleset

__all__ = ["render_chain", "render_rule", "render_rule_body", "render_ruleset", "render_set"]
