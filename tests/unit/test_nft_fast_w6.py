"""A NAT script's path through rawns.nft stays short (issue 18, W6), and its shortcuts agree.

A script that builds one NAT transaction pays, on every run, for each module it
loads and for each rule it encodes. These tests hold what that path skips and
the shortcuts it takes to the plain code:

- building and sending a transaction of tables, chains and rules loads neither
  the dumps' module (``rawns.nft.ruleset``, whose ``Ruleset`` is a dataclass the
  standard decorator makes) nor the sets' modules (using a set loads them), nor
  any library module that ``from rawns import Handle, nft`` did not load;
- a rule's table and chain attributes are built once per chain: the bytes are
  those of the attribute encoders, whatever the names;
- a chain priority given as a bare name or a number is read without the
  pattern, with the pattern's result (and its errors for anything else).

Which modules load is asserted, never how long anything takes.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys

import pytest

from rawns import nft
from rawns._nfnl import NFTA_RULE
from rawns.nft import chains, rules
from rawns.nft._codec import strz

SCRIPT = """
from rawns import nft
tx = nft.Transaction(None)
nat = tx.add_table("ip", "nat")
post = tx.add_chain(nat, "postrouting", type="nat", hook="postrouting", priority="srcnat",
                    policy="accept")
pre = tx.add_chain(nat, "prerouting", type="nat", hook="prerouting", priority="dstnat")
for i in range(3):
    tx.add_rule(post, nft.masquerade(source=f"10.0.{i}.0/24", not_oif="br0"))
    tx.add_rule(pre, nft.port_forward(10000 + i, to=f"192.168.15.{2 + i}", to_port=80,
                                      iif="eth0"))
tx.build()
"""

SET_SCRIPT = """
from rawns import nft
tx = nft.Transaction(None)
t = tx.add_table("inet", "f")
s = tx.add_set(t, "allowed", key="ipv4_addr", elements=["10.0.0.1"])
c = tx.add_chain(t, "input", type="filter", hook="input", priority=0)
tx.add_rule(c, nft.match.in_set(nft.match.ip_addr("saddr", "10.0.0.1"), s))
tx.build()
"""

#: Modules a transaction of tables, chains and rules has no use for.
SKIPPED = {
    "rawns.nft.ruleset",
    "rawns.nft._listing",
    "rawns.nft.sets",
    "rawns.nft._settypes",
    "rawns.nft._setvalues",
}


def _loaded(code: str) -> set[str]:
    out = subprocess.run(
        [sys.executable, "-c", f"{code}\nimport sys, json; print(json.dumps(sorted(sys.modules)))"],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    return set(json.loads(out.splitlines()[-1]))


def test_a_nat_transaction_loads_neither_the_dumps_nor_the_sets() -> None:
    mods = _loaded(SCRIPT)
    assert "rawns.nft.transaction" in mods and "rawns.nft.nat" in mods
    assert not SKIPPED & mods, sorted(SKIPPED & mods)


def test_a_nat_transaction_loads_no_library_module_the_import_did_not() -> None:
    """typing, re, dataclasses, ast ...: each would cost a script milliseconds per run.

    Run without ``site`` (``-S``): a development venv's start-up hooks load some
    of these first (an editable install's finder loads re).
    """
    import importlib.util
    from pathlib import Path

    cffi = importlib.util.find_spec("_cffi_backend")
    assert cffi is not None and cffi.origin
    paths = [str(Path(__file__).resolve().parents[2]), str(Path(cffi.origin).parent)]
    code = (
        f"import sys; sys.path[:0] = {paths!r}\n"
        "from rawns import Handle, nft\n"
        "before = set(sys.modules)\n"
        f"{SCRIPT}\n"
        "print(sorted(m for m in set(sys.modules) - before if m.split('.')[0] != 'rawns'))"
    )
    out = subprocess.run(
        [sys.executable, "-S", "-c", code], capture_output=True, text=True, check=True
    ).stdout
    # ipaddress: the rule's source prefix needs it, and the import no longer loads it
    # (rawns._inet.ip: on first use, issue 13)
    assert out.splitlines()[-1] in ("[]", "['ipaddress']"), out


def test_a_set_loads_the_sets_modules() -> None:
    mods = _loaded(SET_SCRIPT)
    assert {"rawns.nft.sets", "rawns.nft._settypes", "rawns.nft._setvalues"} <= mods
    assert "rawns.nft.ruleset" not in mods


@pytest.mark.parametrize(
    ("table", "chain"),
    [("nat", "postrouting"), ("t", "c" * 200), ("tablé", "链"), ("a b", "x")],
)
def test_the_rule_head_is_what_the_encoders_make(table: str, chain: str) -> None:
    plain = strz(NFTA_RULE.TABLE, table) + strz(NFTA_RULE.CHAIN, chain)
    r = rules.Rule(family="ip", table=table, chain=chain, exprs=())
    assert rules._head(r) == plain  # built
    assert rules._head(r) == plain  # remembered
    rules._HEADS.clear()
    assert rules._head(r) == plain


def test_a_str_subclass_name_is_encoded_not_remembered() -> None:
    class Name(str):
        pass

    r = rules.Rule(family="ip", table=Name("nat"), chain=Name("post"), exprs=())
    before = dict(rules._HEADS)
    assert rules._head(r) == strz(NFTA_RULE.TABLE, "nat") + strz(NFTA_RULE.CHAIN, "post")
    assert before == rules._HEADS


def test_many_chains_keep_the_head_cache_bounded() -> None:
    for i in range(600):
        r = rules.Rule(family="ip", table="t", chain=f"c{i}", exprs=())
        assert rules._head(r) == strz(NFTA_RULE.TABLE, "t") + strz(NFTA_RULE.CHAIN, f"c{i}")
    assert len(rules._HEADS) <= 256


def _priority_by_pattern(family: str, text_in: str) -> int | str:
    """The priority as the patterns alone read it (the plain path), or the error's type."""
    text = text_in.strip()
    table = chains.PRIORITIES[family]
    if re.fullmatch(r"[+-]?[0-9]+", text):
        value = int(text)
    else:
        m = re.fullmatch(chains._PRIO_PATTERN, text)
        if not m or m.group(1) not in table:
            return "ValueError"
        value = table[m.group(1)]
        if m.group(2):
            value += int(m.group(3)) if m.group(2) == "+" else -int(m.group(3))
    if not -(1 << 31) <= value < 1 << 31:
        return "ValueError"
    return value


TEXTS = [
    "", " ", "+", "-", "+-5", "5", "+5", "-5", "05", " 7 ", "2147483647", "2147483648",
    "-2147483648", "-2147483649", "\u0661", "5\u0661", "1_000", "0x10", "Filter", "filter x",
]  # fmt: skip


@pytest.mark.parametrize("family", sorted(chains.PRIORITIES))
def test_priority_shortcuts_read_what_the_pattern_reads(family: str) -> None:
    names = list(chains.PRIORITIES[family])
    texts = [*TEXTS, *names, *(f" {n} " for n in names), *(f"{n}+5" for n in names)]
    texts += [f"{n} - 10" for n in names] + [f"{n}-" for n in names]
    for text in texts:
        want = _priority_by_pattern(family, text)
        try:
            got: int | str = chains.priority_value(family, text)
        except ValueError:
            got = "ValueError"
        assert got == want, (family, text)


def test_the_transaction_bytes_do_not_depend_on_the_shortcuts() -> None:
    """A transaction sends what its objects' builders make, message by message."""
    tx = nft.Transaction(None)
    nat = tx.add_table("ip", "nat")
    post = tx.add_chain(nat, "postrouting", type="nat", hook="postrouting", priority="srcnat")
    r = tx.add_rule(post, nft.masquerade(source="10.0.0.0/24", not_oif="br0"), comment="x")
    r2 = tx.add_rule(post, nft.masquerade(source="10.0.1.0/24"), after=7)
    rules._HEADS.clear()
    assert tx.messages()[2:] == [rules.build_add(r), rules.build_add(r2, after=7)]
