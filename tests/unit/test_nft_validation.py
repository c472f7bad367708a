"""rawns.nft refuses every bad argument before anything is encoded or sent (issue 11).

- Properties generated from the validation module's own descriptions
  (``rawns._check.KINDS``): for every nft argument of a kind (names,
  interface names, u8/u16/u32/u64 fields, s32 priorities, ports, handles),
  invalid values of that kind are refused with TypeError/ValueError whose
  message shows the value.
- No silent truncation: a NUL in any string, and each kernel/nft length
  limit, one byte over.
- References that can't drift: a dumped object used in a transaction on a
  handle in another namespace is refused before the batch is sent.
- A table of every public function and constructor of rawns.nft, each
  argument replaced by hostile values: only TypeError/ValueError (or a
  request to the fake kernel) may come out, never struct.error,
  OverflowError, KeyError, IndexError, AttributeError or UnicodeError.
"""

from __future__ import annotations

import contextlib
import dataclasses
import errno
import inspect
import ipaddress
import struct
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rawns import _check, nft
from rawns.errors import KernelError
from rawns.nft import chains as nft_chains
from rawns.nft import expr as nft_expr
from rawns.nft import match as m
from rawns.nft import render as nft_render
from rawns.nft import rules as nft_rules
from rawns.nft import sets as nft_sets
from rawns.nft import tables as nft_tables
from rawns.nft._msg import comment_tlv
from rawns.nft.tables import build_add, parse_table
from tests.unit.nft_cases import FakeHandle
from tests.unit.test_nft import FakeChannel


class Sent(Exception):
    """What the fake kernel raises: the call got as far as a request."""


class RefusingChannel:
    """A channel that counts requests and refuses them all (to show nothing was sent)."""

    def __init__(self) -> None:
        self.requests = 0

    def dump(self, *a: object, **k: object) -> Any:
        self.requests += 1
        raise Sent

    def request(self, *a: object, **k: object) -> Any:
        self.requests += 1
        raise Sent

    def batch(self, *a: object, **k: object) -> Any:
        self.requests += 1
        raise Sent


CHAN = RefusingChannel()
H = FakeHandle(CHAN, (0, 1))
T = nft.Table(family="ip", name="t")
C = nft.Chain(family="ip", table="t", name="c")
BASE = nft.Chain(family="ip", table="t", name="b", type="filter", hook="input", priority=0)
S4 = nft_sets.set_spec(T, "s", key="ipv4_addr")
S6 = nft_sets.set_spec(T, "s6", key="ipv6_addr")
SIF = nft_sets.set_spec(T, "ifs", key="ifname")
R = nft.Rule(family="ip", table="t", chain="c", exprs=(m.accept(),), handle=5)
EL = nft.Element(key=b"\x01\x02\x03\x04")


def _tx() -> nft.Transaction:
    return nft.Transaction(H)


def _refused(call: Callable[[], object], value: object) -> BaseException:
    """``call()`` must raise TypeError/ValueError showing ``value``; return it."""
    before = CHAN.requests
    with pytest.raises((TypeError, ValueError)) as info:
        out = call()
        for e in out if isinstance(out, list) else [out]:  # what came out must encode
            if hasattr(e, "encode") and not isinstance(e, str | bytes):
                e.encode()
    assert CHAN.requests == before, "a request was sent for a bad value"
    msg = str(info.value)
    shown = repr(value)[:30]
    assert shown in msg or str(value)[:30] in msg, f"{msg!r} does not show {value!r:.60}"
    return info.value


# ---------------------------------------------------------------------------
# invalid values, generated from rawns._check.KINDS

# None is left out: most of these fields are optional (the sweep below tries None).
WRONG_TYPES = [1.5, float("nan"), b"x", [], {}, object()]


def invalid(kind: str) -> st.SearchStrategy[object]:
    """Values the description of ``kind`` says are invalid."""
    k = _check.KINDS[kind]
    parts: list[st.SearchStrategy[object]] = [
        st.sampled_from([v for v in [*WRONG_TYPES, "x", 7, True] if type(v) not in k.types])
    ]
    if k.lo is not None and k.hi is not None:
        edges = [k.lo - 1, k.hi + 1, k.hi + 2, 2**32, 2**64, -(2**63) - 1]
        parts += [
            st.sampled_from([e for e in edges if not k.lo <= e <= k.hi]),
            st.integers(max_value=k.lo - 1),
            st.integers(min_value=k.hi + 1),
        ]
    if k.max_bytes is not None:
        n = k.max_bytes
        parts += [
            st.text("abcxyz019_-", min_size=n + 1, max_size=n + 20),
            st.integers(n // 2 + 1, n).map(lambda i: "é" * i),  # 2 bytes each
            st.text("abc", min_size=0, max_size=5).map(lambda s: s + "\0" + s),
        ]
        if not k.empty_ok:
            parts.append(st.just(""))
    if k.forbid:
        parts.append(st.sampled_from(k.forbid).map(lambda c: f"ab{c}cd"))
    if k.bad:
        parts.append(st.sampled_from(k.bad))
    return st.one_of(parts)


def _replace(cls: Any, base: dict[str, Any], field: str) -> Callable[[object], object]:
    return lambda v: cls(**{**base, field: v})


EXPR_BASES: dict[type, dict[str, Any]] = {
    nft.Payload: {"base": 1, "offset": 12, "len": 4},
    nft.Cmp: {"data": b"\x01"},
    nft.Range: {"low": b"\x00", "high": b"\x01"},
    nft.Meta: {"key": 0},
    nft.Bitwise: {"len": 4, "mask": b"\xff" * 4, "xor": b"\x00" * 4},
    nft.Ct: {"key": 0},
    nft.Lookup: {"set": "s"},
    nft.Immediate: {"data": b"\x01"},
    nft.Counter: {},
    nft.Nat: {"type": 0, "family": 2, "reg_addr_min": 1},
    nft.Masq: {},
    nft.Redir: {},
    nft.Reject: {"type": 0, "code": 0},
    nft.Limit: {"rate": 1},
    nft.Log: {"prefix": "x"},
    nft.Table: {"family": "ip", "name": "t"},
    nft.Chain: {"family": "ip", "table": "t", "name": "c"},
    nft.Set: {"family": "ip", "table": "t", "name": "s", "key_type": 7, "key_len": 4},
    nft.Element: {"key": b"\x01\x02\x03\x04"},
    nft.Rule: {"family": "ip", "table": "t", "chain": "c", "exprs": ()},
}
FIELDS_BY_KIND: dict[str, dict[type, list[str]]] = {
    "u8": {nft.Ct: ["direction"], nft.Reject: ["code"]},
    "u16": {nft.Log: ["group", "qthreshold"]},
    "u32": {
        nft.Payload: ["base", "offset", "len", "dreg", "sreg", "csum_type", "csum_offset"],
        nft.Cmp: ["op", "sreg"],
        nft.Range: ["op", "sreg"],
        nft.Meta: ["key", "dreg", "sreg"],
        nft.Bitwise: ["len", "sreg", "dreg", "op"],
        nft.Ct: ["key", "dreg", "sreg"],
        nft.Lookup: ["sreg", "dreg", "flags", "set_id"],
        nft.Immediate: ["dreg"],
        nft.Nat: ["type", "family", "reg_addr_min", "reg_addr_max", "reg_proto_min", "flags"],
        nft.Masq: ["flags", "reg_proto_min", "reg_proto_max"],
        nft.Redir: ["flags", "reg_proto_min", "reg_proto_max"],
        nft.Reject: ["type"],
        nft.Limit: ["burst", "type", "flags"],
        nft.Log: ["snaplen", "flags"],
        nft.Table: ["flags", "use"],
        nft.Chain: ["flags", "use"],
        nft.Set: ["key_type", "key_len", "flags", "data_type", "data_len", "policy", "size"],
        nft.Element: ["flags"],
    },
    "u64": {
        nft.Counter: ["packets", "bytes"],
        nft.Limit: ["rate", "unit"],
        nft.Table: ["handle"],
        nft.Chain: ["handle"],
        nft.Rule: ["handle", "position"],
        nft.Set: ["timeout", "handle"],
        nft.Element: ["timeout", "expiration"],
    },
    "nft_name": {
        nft.Table: ["name"],
        nft.Chain: ["table", "name"],
        nft.Set: ["table", "name"],
        nft.Rule: ["table", "chain"],
        nft.Lookup: ["set"],
    },
}

ARGS: list[tuple[str, str, Callable[[object], object]]] = [
    (kind, f"{cls.__name__}.{f}", _replace(cls, EXPR_BASES[cls], f))
    for kind, by_cls in FIELDS_BY_KIND.items()
    for cls, fields in by_cls.items()
    for f in fields
]
ARGS += [
    # names: jump targets, transactions, dumps, helpers
    ("nft_name", "Verdict.chain", lambda v: nft.Verdict("jump", v)),  # type: ignore[arg-type]
    ("nft_name", "match.jump", lambda v: m.jump(v)),  # type: ignore[arg-type]
    ("nft_name", "match.goto", lambda v: m.goto(v)),  # type: ignore[arg-type]
    ("nft_name", "match.in_set.set", lambda v: m.in_set(m.ip_addr("saddr", "1.2.3.4"), v)),  # type: ignore[arg-type]
    ("nft_name", "set_spec.name", lambda v: nft_sets.set_spec(T, v)),  # type: ignore[arg-type]
    ("nft_name", "tx.add_table.name", lambda v: _tx().add_table("ip", v)),  # type: ignore[arg-type]
    ("nft_name", "tx.add_chain.name", lambda v: _tx().add_chain(T, v)),  # type: ignore[arg-type]
    ("nft_name", "tx.add_set.name", lambda v: _tx().add_set(T, v)),  # type: ignore[arg-type]
    ("nft_name", "dump_chains.table", lambda v: nft.dump_chains(H, table=v)),  # type: ignore[arg-type]
    ("nft_name", "dump_rules.table", lambda v: nft.dump_rules(H, table=v)),  # type: ignore[arg-type]
    ("nft_name", "dump_rules.chain", lambda v: nft.dump_rules(H, table="t", chain=v)),  # type: ignore[arg-type]
    ("nft_name", "dump_sets.table", lambda v: nft.dump_sets(H, table=v)),  # type: ignore[arg-type]
    ("nft_name", "tables.get.name", lambda v: nft_tables.get(H, "ip", v)),  # type: ignore[arg-type]
    ("nft_name", "Unknown.build.name", lambda v: nft.Unknown.build(v, b"")),  # type: ignore[arg-type]
    # comments (nft's 128 bytes) and log prefixes (NF_LOG_PREFIXLEN - 1)
    ("nft_comment", "Table.comment", lambda v: nft.Table(family="ip", name="t", comment=v)),  # type: ignore[arg-type]
    ("nft_comment", "Chain.comment", _replace(nft.Chain, EXPR_BASES[nft.Chain], "comment")),
    ("nft_comment", "tx.add_rule.comment", lambda v: _tx().add_rule(C, [m.accept()], comment=v)),  # type: ignore[arg-type]
    ("nft_comment", "set_spec.comment", lambda v: nft_sets.set_spec(T, "s", comment=v)),  # type: ignore[arg-type]
    ("nft_comment", "tx.create_table.comment", lambda v: _tx().create_table("ip", "t", comment=v)),  # type: ignore[arg-type]
    ("nft_text", "Log.prefix", lambda v: nft.Log(prefix=v)),  # type: ignore[arg-type]
    # interface names: matches (iifname/oifname), base chain devices, set elements
    ("ifname", "match.ifname(iif)", lambda v: m.ifname("iif", v)),  # type: ignore[arg-type]
    ("ifname", "match.ifname(oif)", lambda v: m.ifname("oif", v, negate=True)),  # type: ignore[arg-type]
    ("ifname", "masquerade.oif", lambda v: nft.masquerade(oif=v)),  # type: ignore[arg-type]
    ("ifname", "masquerade.not_oif", lambda v: nft.masquerade(not_oif=v)),  # type: ignore[arg-type]
    ("ifname", "snat.oif", lambda v: nft.snat("1.2.3.4", oif=v)),  # type: ignore[arg-type]
    ("ifname", "port_forward.iif", lambda v: nft.port_forward(80, to="10.0.0.2", iif=v)),  # type: ignore[arg-type]
    ("ifname", "port_forward.not_iif", lambda v: nft.port_forward(80, to="10.0.0.2", not_iif=v)),  # type: ignore[arg-type]
    ("ifname", "filter_rule.iif", lambda v: nft.filter_rule(iif=v)),  # type: ignore[arg-type]
    ("ifname", "filter_rule.not_oif", lambda v: nft.filter_rule(not_oif=v)),  # type: ignore[arg-type]
    ("ifname", "allow.oif", lambda v: nft.allow(oif=v)),  # type: ignore[arg-type]
    (
        "ifname",
        "Chain.devices",
        lambda v: nft.Chain(
            family="netdev", table="t", name="c", type="filter", hook="ingress", priority=0,
            devices=(v,),  # type: ignore[arg-type]
        ),
    ),
    ("ifname", "encode_value(ifname)", lambda v: nft_sets.encode_value("ifname", v)),
    ("ifname", "elements_for(ifname set)", lambda v: nft_sets.elements_for(SIF, [v])),
    # numbers of verbs and helpers
    ("u64", "tx.add_rule.after", lambda v: _tx().add_rule(C, [m.accept()], after=v)),  # type: ignore[arg-type]
    ("u64", "tx.insert_rule.before", lambda v: _tx().insert_rule(C, [m.accept()], before=v)),  # type: ignore[arg-type]
    ("u64", "tx.replace_rule.handle", lambda v: _tx().replace_rule(C, v, [m.accept()])),  # type: ignore[arg-type]
    ("u64", "tx.delete_rule.handle", lambda v: _tx().delete_rule(C, v)),  # type: ignore[arg-type]
    ("u64", "set_spec.timeout", lambda v: nft_sets.set_spec(T, "s", timeout=v)),  # type: ignore[arg-type]
    ("u64", "rules.build_replace.handle", lambda v: nft_rules.build_replace(R, v)),  # type: ignore[arg-type]
    ("u32", "set_spec.size", lambda v: nft_sets.set_spec(T, "s", size=v)),  # type: ignore[arg-type]
    ("u32", "tx.add_table.flags", lambda v: _tx().add_table("ip", "t", flags=v)),  # type: ignore[arg-type]
    ("u32", "match.mark", lambda v: m.mark(v)),  # type: ignore[arg-type]
    ("u32", "encode_value(mark)", lambda v: nft_sets.encode_value("mark", v)),
    ("u32", "tables.build_add.seq", lambda v: build_add(T, seq=v)),  # type: ignore[arg-type]
    ("u8", "match.l4proto", lambda v: m.l4proto(v)),  # type: ignore[arg-type]
    ("s32", "Chain.priority", lambda v: nft.Chain(
        family="ip", table="t", name="c", type="filter", hook="input", priority=v)),  # type: ignore[arg-type]
    ("s32", "chains.priority_value", lambda v: nft_chains.priority_value("ip", v)),  # type: ignore[arg-type]
    ("s32", "tx.add_chain.priority", lambda v: _tx().add_chain(
        T, "c", type="filter", hook="input", priority=v)),  # type: ignore[arg-type]
    ("port", "masquerade.ports", lambda v: nft.masquerade(proto="tcp", ports=v)),  # type: ignore[arg-type]
    ("port", "snat.ports", lambda v: nft.snat("1.2.3.4", proto="udp", ports=v)),  # type: ignore[arg-type]
    ("port", "port_forward.dport", lambda v: nft.port_forward(v, to="10.0.0.2")),  # type: ignore[arg-type]
    ("port", "port_forward.to_port", lambda v: nft.port_forward(80, to="10.0.0.2", to_port=v)),  # type: ignore[arg-type]
]  # fmt: skip


@pytest.mark.parametrize(("kind", "what", "call"), ARGS, ids=[f"{k}-{w}" for k, w, _ in ARGS])
@settings(
    max_examples=25, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow]
)
@given(data=st.data())
def test_invalid_values_of_each_kind_are_refused(
    kind: str, what: str, call: Callable[[object], object], data: st.DataObject
) -> None:
    value = data.draw(invalid(kind), label=kind)
    _refused(lambda: call(value), value)


# A value that is not an int can still be fine where ints and names mix: "0" is a
# priority, "tcp" a protocol. The property above draws from the kind's own list,
# so here: the handle kind, for every verb.
def _not_handles() -> list[object]:
    return [None, "h", 1, object(), FakeHandle(CHAN, (0, 1), closed=True)]


VERBS: list[tuple[str, Callable[[object], object]]] = [
    ("transaction", lambda h: nft.transaction(h)),  # type: ignore[arg-type]
    ("Transaction", lambda h: nft.Transaction(h)),  # type: ignore[arg-type]
    ("dump_tables", lambda h: nft.dump_tables(h)),  # type: ignore[arg-type]
    ("dump_chains", lambda h: nft.dump_chains(h)),  # type: ignore[arg-type]
    ("dump_rules", lambda h: nft.dump_rules(h)),  # type: ignore[arg-type]
    ("dump_sets", lambda h: nft.dump_sets(h)),  # type: ignore[arg-type]
    ("dump_elements", lambda h: nft.dump_elements(h, S4)),  # type: ignore[arg-type]
    ("dump_ruleset", lambda h: nft.dump_ruleset(h)),  # type: ignore[arg-type]
    ("generation", lambda h: nft.generation(h)),  # type: ignore[arg-type]
    ("tables.get", lambda h: nft_tables.get(h, "ip", "t")),  # type: ignore[arg-type]
    ("Transaction.commit", lambda h: _queued(nft.Transaction(None)).commit(h)),  # type: ignore[arg-type]
]


def _queued(tx: nft.Transaction) -> nft.Transaction:
    tx.add_table("ip", "t")
    return tx


# Transaction(None) is fine: a transaction to build, or to commit(h) later.
HANDLE_CASES = [
    (verb, call, h)
    for verb, call in VERBS
    for h in _not_handles()
    if not (verb == "Transaction" and h is None)
]


@pytest.mark.parametrize(
    ("verb", "call", "h"), HANDLE_CASES, ids=[f"{v}-{h!r:.12}" for v, _, h in HANDLE_CASES]
)
def test_every_verb_checks_its_handle_first(
    verb: str, call: Callable[[object], object], h: object
) -> None:
    before = CHAN.requests
    with pytest.raises((TypeError, ValueError), match=r"h|handle"):
        call(h)
    assert CHAN.requests == before


# ---------------------------------------------------------------------------
# nothing silently truncated or rewritten


@pytest.mark.parametrize(
    ("what", "call"),
    [
        ("jump target", lambda: nft.Verdict("jump", "c2\0x")),
        ("goto helper", lambda: m.goto("c2\0x")),
        ("verdict map value", lambda: nft_sets.elements_for(
            nft_sets.set_spec(T, "vm", key="inet_service", data="verdict"), {80: "jump c2\0x"})),
        ("table name", lambda: nft.Table(family="ip", name="a\0b")),
        ("chain name", lambda: nft.Chain(family="ip", table="t", name="a\0b")),
        ("set name", lambda: nft_sets.set_spec(T, "a\0b")),
        ("lookup set", lambda: nft.Lookup(set="s\0x")),
        ("table comment", lambda: nft.Table(family="ip", name="t", comment="x\0y")),
        ("chain comment", lambda: _tx().add_chain(T, "c", comment="x\0y")),
        ("rule comment", lambda: _tx().add_rule(C, [m.accept()], comment="x\0y")),
        ("set comment", lambda: nft_sets.set_spec(T, "s", comment="x\0y")),
        ("log prefix", lambda: nft.Log(prefix="p\0q")),
        ("iifname", lambda: m.ifname("iif", "eth0\0x")),
        ("oifname wildcard", lambda: m.ifname("oif", "et\0h*")),
        ("chain device", lambda: nft.Chain(family="netdev", table="t", name="c", type="filter",
                                           hook="ingress", priority=0, devices=("lo\0x",))),
        ("ifname element", lambda: nft_sets.encode_value("ifname", "lo\0x")),
        ("dump table", lambda: nft.dump_chains(H, table="t\0x")),
    ],
)  # fmt: skip
def test_a_nul_inside_any_string_is_refused(what: str, call: Callable[[], object]) -> None:
    with pytest.raises(ValueError, match="NUL"):
        call()


def test_the_kernel_and_nft_length_limits_hold_to_the_byte() -> None:
    # NFT_NAME_MAXLEN 256 with the NUL
    assert nft.Table(family="ip", name="n" * 255).name == "n" * 255
    _refused(lambda: nft.Table(family="ip", name="n" * 256), "n" * 256)
    _refused(lambda: nft.Verdict("goto", "é" * 128), "é" * 128)  # 256 bytes
    # nft: "comment too long, 128 characters maximum allowed" (strlen, in bytes)
    assert nft.Table(family="ip", name="t", comment="c" * 128).comment == "c" * 128
    _refused(lambda: nft.Table(family="ip", name="t", comment="c" * 129), "c" * 129)
    _refused(lambda: _tx().add_rule(C, [m.accept()], comment="é" * 65), "é" * 65)
    # NF_LOG_PREFIXLEN 128 with the NUL
    assert nft.Log(prefix="p" * 127).encode()
    _refused(lambda: nft.Log(prefix="p" * 128), "p" * 128)
    # IFNAMSIZ 16 with the NUL; a wildcard prefix too
    assert m.ifname("iif", "i" * 15) and m.ifname("iif", "i" * 15 + "*")
    _refused(lambda: m.ifname("iif", "i" * 16), "i" * 16)
    _refused(lambda: m.ifname("iif", "i" * 16 + "*"), "i" * 16)
    # NFT_USERDATA_MAXLEN 256; NFT_DATA_VALUE_MAXLEN 64
    _refused(lambda: nft.Table(family="ip", name="t", userdata=b"u" * 257), 257)
    _refused(lambda: nft.Cmp(data=b"d" * 65), 65)
    _refused(lambda: nft.Element(key=b"k" * 65), 65)


def test_values_are_never_masked_or_wrapped() -> None:
    _refused(lambda: nft.Table(family="ip", name="t", flags=2**32), 2**32)
    _refused(lambda: nft_sets.set_spec(T, "s", size=2**32), 2**32)
    _refused(lambda: nft.Log(level=2**32), 2**32)
    _refused(lambda: nft.Log(level=9), 9)  # above NFT_LOGLEVEL_AUDIT: the kernel says EINVAL
    _refused(lambda: nft.Log(group=65536), 65536)
    _refused(lambda: nft.Ct(key=0, direction=256), 256)
    _refused(lambda: nft.Reject(code=256), 256)
    _refused(lambda: m.mark(2**32), 2**32)
    _refused(lambda: nft.Counter(packets=2**64), 2**64)
    # s32 priorities: the edges pass, one past them is refused, named ones too
    for p in (-(2**31), 2**31 - 1, "filter", "srcnat + 5", "-2147483648"):
        assert nft_chains.priority_value("ip", p) in (-(2**31), 2**31 - 1, 0, 105)
    _refused(lambda: nft_chains.priority_value("ip", 2**31), 2**31)
    _refused(lambda: nft_chains.priority_value("ip", "filter + 2147483648"), "2147483648")
    _refused(lambda: nft_chains.priority_value("ip", "raw - 2147483600"), "2147483600")
    # a reversed port range is refused, not an empty match
    _refused(lambda: m.port("dport", "tcp", (2000, 1000)), "(2000, 1000)")
    _refused(lambda: nft.masquerade(proto="tcp", ports=(2000, 1000)), "(2000, 1000)")
    _refused(lambda: nft.snat(("10.0.0.9", "10.0.0.1")), "10.0.0.9")


@pytest.mark.parametrize(
    "value",
    [
        "fe80::1%eth0",
        ipaddress.IPv6Address("fe80::1%eth0"),
        "fe80::%eth0/64",
        ipaddress.IPv6Network("fe80::%eth0/64"),
    ],
)
def test_an_ipv6_zone_id_is_refused_not_dropped(value: object) -> None:
    for call in (
        lambda: m.ip_addr("daddr", value),  # type: ignore[arg-type]
        lambda: nft.masquerade(source=value),  # type: ignore[arg-type]
        lambda: nft_sets.elements_for(
            nft_sets.set_spec(T, "i6", key="ipv6_addr", interval=True), [value]
        ),
    ):
        with pytest.raises(ValueError, match="zone"):
            call()
    if "/" not in str(value):
        with pytest.raises(ValueError, match="zone"):
            nft_sets.encode_value("ipv6_addr", value)
        with pytest.raises(ValueError, match="zone"):
            nft.port_forward(80, to=value)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("call", "words"),
    [
        (lambda: nft.Table(family="ipx", name="t"), "ip, arp, ip6, bridge, inet, netdev"),
        (lambda: nft.Table(family=99, name="t"), "2 (ip)"),
        (lambda: BASE.__class__(family="ip", table="t", name="c", type="filter", hook="egress",
                                priority=0), "prerouting, input, forward, output, postrouting"),
        (lambda: nft.Chain(family="ip", table="t", name="c", type="mangle", hook="input",
                           priority=0), "filter, nat, route"),
        (lambda: nft.Chain(family="ip", table="t", name="c", type="filter", hook="input",
                           priority=0, policy="reject"), "drop, accept"),
        (lambda: nft.Chain(family="ip", table="t", name="c", type="filter", hook="input",
                           priority="fliter"), "raw, mangle, dstnat, filter, security, srcnat"),
        (lambda: nft_sets.set_spec(T, "s", key="ipv4"), "ipv4_addr, ipv6_addr"),
        (lambda: nft_sets.set_spec(T, "s", policy="fast"), "performance, memory"),
        (lambda: m.l4proto("tcpp"), "icmp, igmp, tcp, udp"),
        (lambda: m.port("dport", "icmp", 80), "tcp (6), udp (17)"),
        (lambda: m.ct_state("estab"), "invalid, established, related, new, untracked"),
        (lambda: nft.filter_rule("allow"), "accept, drop, reject, return"),
        (lambda: nft.Verdict("allow"), "drop, accept, queue"),
        (lambda: m.ip_addr("src", "1.2.3.4"), "saddr, daddr"),
        (lambda: m.ifname("in", "eth0"), "iif, oif"),
        (lambda: nft.Transaction(H).flush_ruleset("ipv5"), "ip, arp, ip6"),
    ],
)  # fmt: skip
def test_unknown_words_are_value_errors_listing_the_valid_ones(
    call: Callable[[], object], words: str
) -> None:
    with pytest.raises(ValueError) as info:
        call()
    assert words in str(info.value)


def test_an_iifname_wildcard_is_a_prefix_match_and_nothing_else() -> None:
    assert m.ifname("iif", "veth*")[1] == nft.Cmp(data=b"veth")
    assert m.ifname("iif", "veth")[1] == nft.Cmp(data=b"veth".ljust(16, b"\0"))
    for bad in ("*", "eth%d", "et h*", "a/b*", ".", ""):
        with pytest.raises(ValueError):
            m.ifname("iif", bad)


def test_a_comment_that_disagrees_with_the_userdata_sent_is_refused() -> None:
    t = nft.Table(family="ip", name="t", comment="old")
    dumped = nft.Table(family="ip", name="t", comment="old", userdata=comment_tlv("old"))
    assert dumped == t
    with pytest.raises(ValueError, match="differs from the comment in its userdata"):
        dataclasses.replace(dumped, comment="new")
    assert dataclasses.replace(dumped, comment="new", userdata=None).comment == "new"


def test_a_dumped_comment_nft_would_not_write_still_decodes_and_round_trips() -> None:
    # Another tool may store any userdata: a 200-byte comment, bytes that are
    # not UTF-8. The dump must still decode, and re-encode byte for byte.
    from rawns.nft._msg import udata_tlv

    for text in (b"c" * 200 + b"\0", b"\xff\xfe\0"):
        ud = udata_tlv(0, text)
        t = nft.Table(family="ip", name="t", userdata=ud)
        raw = build_add(t)
        again = parse_table(raw[16:])
        assert again.userdata == ud
        assert build_add(again) == raw


def test_a_log_prefix_rawns_refuses_decodes_as_an_unknown_expression() -> None:
    good = nft.Log(prefix="ok").encode()
    bad = good.replace(b"ok\0", b"\xff\xfe\0")
    (e,) = nft_expr.decode_exprs(bad)
    assert isinstance(e, nft.Unknown) and e.encode() == bad


def test_an_empty_transaction_builds_and_sends_nothing() -> None:
    tx = nft.Transaction(None)
    assert len(tx.build()) == 2 * 20  # BEGIN and END only
    ch = FakeChannel()
    tx = nft.Transaction(FakeHandle(ch))
    tx.commit()
    assert ch.sent == []


def test_render_and_parse_functions_refuse_the_wrong_object() -> None:
    for call in (
        lambda: nft_render.render_rule(C),  # type: ignore[arg-type]
        lambda: nft_render.render_ruleset(R),
        lambda: nft_render.render_chain(R),  # type: ignore[arg-type]
        lambda: nft_render.render_set(C),  # type: ignore[arg-type]
        lambda: parse_table("payload"),  # type: ignore[arg-type]
        lambda: nft_expr.hexwords("ab"),  # type: ignore[arg-type]
        lambda: nft_expr.encode_exprs([1]),  # type: ignore[list-item]
    ):
        with pytest.raises(TypeError):
            call()


# ---------------------------------------------------------------------------
# references that can't drift

HERE, THERE = (0, 1), (0, 2)


def _from(origin: tuple[int, int]) -> dict[str, Any]:
    """A table, chain, set and rule as if dumped through a handle on ``origin``."""
    t = dataclasses.replace(T, origin=origin)
    c = dataclasses.replace(C, origin=origin)
    s = dataclasses.replace(S4, origin=origin)
    r = dataclasses.replace(R, origin=origin)
    return {"table": t, "chain": c, "set": s, "rule": r}


REFS: list[tuple[str, Callable[[nft.Transaction, dict[str, Any]], object]]] = [
    ("delete_table", lambda tx, o: tx.delete_table(o["table"])),
    ("flush_table", lambda tx, o: tx.flush_table(o["table"])),
    ("add_chain", lambda tx, o: tx.add_chain(o["table"], "c2")),
    ("delete_chain", lambda tx, o: tx.delete_chain(o["chain"])),
    ("flush_chain", lambda tx, o: tx.flush_chain(o["chain"])),
    ("add_rule", lambda tx, o: tx.add_rule(o["chain"], [m.accept()])),
    ("insert_rule", lambda tx, o: tx.insert_rule(o["chain"], [m.accept()])),
    ("replace_rule", lambda tx, o: tx.replace_rule(o["chain"], 5, [m.accept()])),
    ("delete_rule(rule)", lambda tx, o: tx.delete_rule(o["rule"])),
    ("delete_rule(chain)", lambda tx, o: tx.delete_rule(o["chain"], 5)),
    ("add_set", lambda tx, o: tx.add_set(o["table"], "s2")),
    ("add_map", lambda tx, o: tx.add_map(o["table"], "m", key="ipv4_addr", data="verdict")),
    ("add_anonymous_set", lambda tx, o: tx.add_anonymous_set(o["table"], elements=[22])),
    ("add_elements", lambda tx, o: tx.add_elements(o["set"], ["10.0.0.1"])),
    ("add_elements_raw", lambda tx, o: tx.add_elements_raw(o["set"], [EL])),
    ("delete_elements", lambda tx, o: tx.delete_elements(o["set"], ["10.0.0.1"])),
    ("flush_set", lambda tx, o: tx.flush_set(o["set"])),
    ("delete_set", lambda tx, o: tx.delete_set(o["set"])),
]


@pytest.mark.parametrize(("verb", "use"), REFS, ids=[v for v, _ in REFS])
def test_an_object_from_another_namespace_is_refused_when_queued(
    verb: str, use: Callable[[nft.Transaction, dict[str, Any]], object]
) -> None:
    ch = FakeChannel()
    tx = nft.Transaction(FakeHandle(ch, HERE))
    with pytest.raises(ValueError, match="another network namespace"):
        use(tx, _from(THERE))
    assert len(tx) == 0
    use(tx, _from(HERE))  # dumped here: fine
    tx.commit()
    assert len(ch.sent) == 1


@pytest.mark.parametrize(("verb", "use"), REFS, ids=[v for v, _ in REFS])
def test_a_transaction_without_a_handle_checks_at_commit_before_sending(
    verb: str, use: Callable[[nft.Transaction, dict[str, Any]], object]
) -> None:
    tx = nft.Transaction(None)
    use(tx, _from(THERE))
    here = FakeChannel()
    with pytest.raises(ValueError, match="another network namespace"):
        tx.commit(FakeHandle(here, HERE))
    assert here.sent == [] and not tx.committed
    there = FakeChannel()
    tx.commit(FakeHandle(there, THERE))
    assert len(there.sent) == 1


def test_the_rule_handle_of_another_namespace_is_never_sent() -> None:
    ch = FakeChannel()
    with pytest.raises(ValueError) as info, nft.transaction(FakeHandle(ch, HERE)) as tx:
        tx.delete_rule(_from(THERE)["rule"])
    assert "rule ip t c" in str(info.value) and "fake-1" in str(info.value)
    assert ch.sent == []


def test_copies_of_dumped_objects_may_cross_namespaces() -> None:
    # add()/add_ruleset() create by name from a dump: copying a ruleset is the point.
    o = _from(THERE)
    rs = nft.Ruleset(tables=(o["table"],), chains=(o["chain"],), rules=(o["rule"],))
    ch = FakeChannel()
    with nft.transaction(FakeHandle(ch, HERE)) as tx:
        tx.add_ruleset(rs)
        tx.add(o["set"])
    assert len(ch.sent) == 1


def test_dump_elements_refuses_a_set_from_another_namespace() -> None:
    ch = RefusingChannel()
    with pytest.raises(ValueError, match="another network namespace"):
        nft.dump_elements(FakeHandle(ch, HERE), _from(THERE)["set"])
    assert ch.requests == 0
    with pytest.raises(Sent):
        nft.dump_elements(FakeHandle(ch, HERE), _from(HERE)["set"])


def test_commit_through_another_handle_than_the_transactions_is_refused() -> None:
    a, b = FakeChannel(), FakeChannel()
    tx = nft.Transaction(FakeHandle(a, HERE))
    tx.add_table("ip", "t")
    with pytest.raises(ValueError, match="was made for handle"):
        tx.commit(FakeHandle(b, HERE))
    assert a.sent == b.sent == []


class DumpChannel:
    """Answers a dump with the payloads given, parsed by the caller's parser."""

    def __init__(self, payloads: list[bytes]) -> None:
        self.payloads = payloads

    def dump(
        self,
        req: bytes,
        parse: Callable[[bytes], Any] | None = None,
        *,
        op: str,
        target: str = "",
        parse_at: Callable[[bytes, int, int], Any] | None = None,
        parse_run: object = None,
    ) -> list[Any]:
        if parse_at is not None:  # Channel.dump's faster form, as the verbs' plans use it
            return [parse_at(p, 0, len(p)) for p in self.payloads]
        assert parse is not None
        return [parse(p) for p in self.payloads]


def test_dumps_stamp_the_handles_namespace_and_equality_ignores_it() -> None:
    payload = build_add(nft.Table(family="ip", name="t", comment="x"))[16:]
    h = FakeHandle(DumpChannel([payload]), (7, 9))
    (t,) = nft.dump_tables(h)
    assert t.origin == (7, 9)
    plain = nft.Table(family="ip", name="t", comment="x")
    assert t == plain and hash(t) == hash(plain) and repr(t) == repr(plain)
    rule = nft_rules.build_add(R)[16:]
    (r,) = nft.dump_rules(FakeHandle(DumpChannel([rule]), (7, 9)))
    assert r.origin == (7, 9) and r.chain_ref.origin == (7, 9)


# ---------------------------------------------------------------------------
# the batch still names the refused entry


@pytest.mark.parametrize(
    ("fill", "target"),
    [
        (lambda tx: tx.add_table("ip", "t"), "#1 table ip t"),
        (lambda tx: tx.flush_ruleset("inet"), "#1 ruleset inet"),
        (lambda tx: tx.add_chain(T, "c", type="nat", hook="input", priority=0), "#1 chain ip t c"),
        (lambda tx: tx.add_rule(C, [m.jump("x")]), "#1 rule ip t c: jump x"),
        (lambda tx: tx.add_set(T, "s"), "#1 set ip t s"),
        (lambda tx: tx.add_elements(S4, ["10.0.0.1"]), "#1 1 elements of set ip t s"),
        (lambda tx: tx.delete_rule(C, 7), "#1 rule ip t c handle 7"),
    ],
)
def test_a_refused_entry_is_named_in_the_error(
    fill: Callable[[nft.Transaction], object], target: str
) -> None:
    ch = FakeChannel(refuse={1: (errno.EINVAL, "no")})
    tx = nft.Transaction(FakeHandle(ch))
    fill(tx)
    with pytest.raises(KernelError) as info:
        tx.commit()
    assert info.value.target == target
    assert tx.failed_index == 0


# ---------------------------------------------------------------------------
# no raw Python error escapes a public function


class Bogus:
    def __repr__(self) -> str:
        return "<bogus>"


HOSTILE: list[object] = [
    None, True, False, -1, 0, 2**31, 2**32, 2**64, -(2**31) - 1, 1.5, float("nan"),
    "", "0", "\0", "a\0b", "%", "eth%d", "*", "x" * 256, "é" * 200, "\udc80", "a b", "bogus",
    "fe80::1%eth0", "10.0.0.1/8", b"", b"\0", b"x" * 300, [], {}, (), (1, 2, 3), (2, 1),
    ("a", "b"), Bogus(),
]  # fmt: skip
_RS = nft.Ruleset(tables=(T,), chains=(C,), rules=(R,))

CALLS: dict[str, tuple[Callable[..., object], dict[str, Any]]] = {
    "Table": (nft.Table, {"family": "ip", "name": "t", "flags": 0, "comment": "c", "handle": 1,
                          "use": 1, "userdata": None, "attrs": (), "origin": None}),
    "Chain": (nft.Chain, {"family": "ip", "table": "t", "name": "b", "type": "filter",
                          "hook": "input", "priority": 0, "policy": "accept", "devices": (),
                          "flags": 0, "comment": None, "handle": 1, "use": 1, "origin": None}),
    "Chain(netdev)": (nft.Chain, {"family": "netdev", "table": "t", "name": "b", "type": "filter",
                                  "hook": "ingress", "priority": 0, "devices": ("eth0",)}),
    "Rule": (nft.Rule, {"family": "ip", "table": "t", "chain": "c", "exprs": (m.accept(),),
                        "comment": None, "handle": None, "position": None, "userdata": None}),
    "Set": (nft.Set, {"family": "ip", "table": "t", "name": "s", "key_type": 7, "key_len": 4,
                      "flags": 0, "data_type": None, "data_len": None, "policy": None,
                      "size": None, "timeout": None, "gc_interval": None, "userdata": None,
                      "comment": None, "handle": None, "id": None}),
    "Element": (nft.Element, {"key": b"\1\2\3\4", "data": None, "flags": 0, "key_end": None,
                              "timeout": None, "userdata": None, "expiration": None}),
    "Verdict": (nft.Verdict, {"kind": "jump", "chain": "c"}),
    "Payload": (nft.Payload, {"base": 1, "offset": 12, "len": 4, "dreg": 1, "sreg": None,
                              "csum_type": None, "csum_offset": None, "csum_flags": None}),
    "Cmp": (nft.Cmp, {"data": b"\1", "op": 0, "sreg": 1}),
    "Range": (nft.Range, {"low": b"\0", "high": b"\1", "op": 0, "sreg": 1}),
    "Meta": (nft.Meta, {"key": 0, "dreg": 1, "sreg": None}),
    "Bitwise": (nft.Bitwise, {"len": 4, "mask": b"\xff" * 4, "xor": b"\0" * 4, "sreg": 1,
                              "dreg": 1, "op": 0, "data": None}),
    "Ct": (nft.Ct, {"key": 0, "dreg": 1, "direction": None, "sreg": None}),
    "Lookup": (nft.Lookup, {"set": "s", "sreg": 1, "dreg": None, "flags": 0, "set_id": None}),
    "Immediate": (nft.Immediate, {"data": b"\1", "dreg": 1}),
    "Counter": (nft.Counter, {"packets": 0, "bytes": 0}),
    "Nat": (nft.Nat, {"type": 0, "family": 2, "reg_addr_min": 1, "reg_addr_max": None,
                      "reg_proto_min": None, "reg_proto_max": None, "flags": 0}),
    "Masq": (nft.Masq, {"flags": 0, "reg_proto_min": None, "reg_proto_max": None}),
    "Redir": (nft.Redir, {"reg_proto_min": None, "reg_proto_max": None, "flags": 0}),
    "Reject": (nft.Reject, {"type": 0, "code": 0}),
    "Limit": (nft.Limit, {"rate": 1, "unit": 1, "burst": 5, "type": 0, "flags": 0}),
    "Log": (nft.Log, {"prefix": "x", "group": None, "snaplen": None, "qthreshold": None,
                      "level": None, "flags": None}),
    "Log(group)": (nft.Log, {"group": 1, "snaplen": 0, "qthreshold": 1}),
    "Unknown": (nft.Unknown, {"name": "x", "raw": b""}),
    "Unknown.build": (nft.Unknown.build, {"name": "x", "data": b""}),
    "Ruleset": (nft.Ruleset, {"tables": (T,), "chains": (), "sets": (), "rules": (),
                              "elements": {}, "generation": None}),
    "Ruleset.table": (_RS.table, {"family": "ip", "name": "t"}),
    "Ruleset.chain": (_RS.chain, {"family": "ip", "table": "t", "name": "c"}),
    "Ruleset.rules_of": (_RS.rules_of, {"chain": C}),
    "masquerade": (nft.masquerade, {"source": "10.0.0.0/8", "oif": None, "not_oif": "eth0",
                                    "proto": "tcp", "ports": (1, 2), "random": False,
                                    "fully_random": False, "persistent": False,
                                    "table_family": None}),
    "snat": (nft.snat, {"to": "1.2.3.4", "source": "10.0.0.0/8", "oif": "eth0", "not_oif": None,
                        "proto": "tcp", "ports": 5, "random": False, "fully_random": False,
                        "persistent": False, "table_family": "ip"}),
    "snat(range)": (nft.snat, {"to": ("1.2.3.4", "1.2.3.5")}),
    "port_forward": (nft.port_forward, {"dport": 80, "to": "10.0.0.2", "to_port": 8080,
                                        "proto": "tcp", "iif": "eth0", "not_iif": None,
                                        "daddr": "1.2.3.4", "table_family": None}),
    "filter_rule": (nft.filter_rule, {"action": "accept", "iif": "eth0", "oif": None,
                                      "not_iif": None, "not_oif": "eth1", "saddr": "10.0.0.0/8",
                                      "daddr": None, "proto": "tcp", "sport": None, "dport": 22,
                                      "state": ("new",), "counter": False, "table_family": None}),
    "allow": (nft.allow, {"iif": "lo", "proto": "udp", "sport": (1, 2), "daddr": "::1"}),
    "block": (nft.block, {"saddr": "fd00::/64", "table_family": "inet", "state": "new"}),
    "accept_established": (nft.accept_established, {}),
    "match.ip_addr": (m.ip_addr, {"which": "saddr", "value": "10.0.0.0/8", "negate": False,
                                  "table_family": None}),
    "match.ifname": (m.ifname, {"which": "iif", "name": "eth0", "negate": False}),
    "match.l4proto": (m.l4proto, {"proto": "tcp"}),
    "match.port": (m.port, {"which": "dport", "proto": "tcp", "value": 80, "negate": False}),
    "match.ct_state": (lambda s="new", negate=False: m.ct_state(s, negate=negate),
                       {"s": "new", "negate": False}),
    "match.mark": (m.mark, {"value": 1, "negate": False}),
    "match.in_set": (m.in_set, {"match": m.ip_addr("saddr", "1.2.3.4"), "set": "s",
                                "negate": False, "vmap": False}),
    "match.verdict": (m.verdict, {"kind": "jump", "chain": "c"}),
    "match.jump": (m.jump, {"chain": "c"}),
    "match.goto": (m.goto, {"chain": "c"}),
    "match.nfproto": (m.nfproto, {"version": 4}),
    "match.proto_number": (m.proto_number, {"proto": "tcp"}),
    "match.parse_net": (m.parse_net, {"value": "10.0.0.0/8"}),
    "match.flatten": (m.flatten, {"parts": [m.accept()]}),
    "sets.set_spec": (nft_sets.set_spec, {"table": T, "name": "s", "key": "ipv4_addr",
                                          "data": None, "interval": False, "auto_merge": False,
                                          "constant": False, "timeout": None, "size": None,
                                          "policy": None, "comment": None}),
    "sets.anonymous_spec": (nft_sets.anonymous_spec, {"table": T, "key": "inet_service",
                                                      "interval": False, "typeof": None}),
    "sets.key_typeof": (nft_sets.key_typeof, {"s": S4}),
    "sets.encode_value": (nft_sets.encode_value, {"dtype": "ipv4_addr", "value": "1.2.3.4"}),
    "sets.encode_value(port)": (nft_sets.encode_value, {"dtype": "inet_service", "value": 22}),
    "sets.encode_value(ifname)": (nft_sets.encode_value, {"dtype": "ifname", "value": "eth0"}),
    "sets.encode_value(mark)": (nft_sets.encode_value, {"dtype": "mark", "value": 1}),
    "sets.encode_value(ether)": (nft_sets.encode_value, {"dtype": "ether_addr",
                                                         "value": "02:00:00:00:00:01"}),
    "sets.encode_value(proto)": (nft_sets.encode_value, {"dtype": "inet_proto", "value": "tcp"}),
    "sets.decode_value": (nft_sets.decode_value, {"dtype": "ipv4_addr", "raw": b"\1\2\3\4"}),
    "sets.elements_for": (nft_sets.elements_for, {"s": S4, "values": ["1.2.3.4"],
                                                  "new_set": True}),
    "sets.elements_for(interval)": (nft_sets.elements_for, {
        "s": nft_sets.set_spec(T, "i", key="inet_service", interval=True),
        "values": [(1, 2), "5-7"]}),
    "sets.removal_elements": (nft_sets.removal_elements, {"s": S4, "values": ["1.2.3.4"]}),
    "sets.values_of": (nft_sets.values_of, {"s": S4, "elements": [EL]}),
    "tables.build_add": (nft_tables.build_add, {"table": T, "exclusive": False, "seq": 0,
                                                "ack": False}),
    "tables.build_delete": (nft_tables.build_delete, {"table": T, "seq": 0, "ack": False}),
    "tables.build_flush": (nft_tables.build_flush, {"table": T}),
    "tables.build_flush_ruleset": (nft_tables.build_flush_ruleset, {"family": "ip"}),
    "tables.build_dump": (nft_tables.build_dump, {"family": "ip"}),
    "tables.parse_table": (nft_tables.parse_table, {"payload": build_add(T)[16:],
                                                    "origin": None}),
    "chains.build_add": (nft_chains.build_add, {"chain": BASE, "exclusive": False, "seq": 0}),
    "chains.build_delete": (nft_chains.build_delete, {"chain": C}),
    "chains.build_flush": (nft_chains.build_flush, {"chain": C}),
    "chains.hook_number": (nft_chains.hook_number, {"family": "ip", "hook": "input"}),
    "chains.priority_value": (nft_chains.priority_value, {"family": "ip",
                                                          "priority": "filter"}),
    "chains.parse_chain": (nft_chains.parse_chain, {"payload": nft_chains.build_add(BASE)[16:],
                                                    "origin": (0, 1)}),
    "sets.parse_set": (nft_sets.parse_set, {"payload": nft_sets.build_add(S4)[16:],
                                            "origin": None}),
    "sets.parse_elements": (nft_sets.parse_elements, {
        "payload": nft_sets.build_add_elements(S4, [EL])[0][16:]}),
    "rules.build_add": (nft_rules.build_add, {"rule": R, "after": None}),
    "rules.build_insert": (nft_rules.build_insert, {"rule": R, "before": None}),
    "rules.build_replace": (nft_rules.build_replace, {"rule": R, "handle": 1}),
    "rules.build_delete": (nft_rules.build_delete, {"chain": C, "handle": 1}),
    "rules.rule_of": (nft_rules.rule_of, {"chain": C, "exprs": [m.accept()], "comment": None}),
    "rules.parse_rule": (nft_rules.parse_rule, {"payload": nft_rules.build_add(R)[16:]}),
    "sets.build_add": (nft_sets.build_add, {"s": S4, "set_id": None, "exclusive": False}),
    "sets.build_delete": (nft_sets.build_delete, {"s": S4}),
    "sets.build_flush": (nft_sets.build_flush, {"s": S4}),
    "sets.build_add_elements": (nft_sets.build_add_elements, {"s": S4, "elements": [EL],
                                                              "set_id": None}),
    "sets.build_delete_elements": (nft_sets.build_delete_elements, {"s": S4,
                                                                    "elements": [EL]}),
    "render_rule": (nft.render_rule, {"rule": R}),
    "render.render_rule_body": (nft_render.render_rule_body, {"rule": R, "inline": None}),
    "render.render_chain": (nft_render.render_chain, {"chain": C, "rules": (), "indent": "\t",
                                                      "inline": None}),
    "render.render_set": (nft_render.render_set, {"s": S4, "elements": (), "indent": "\t"}),
    "render_ruleset": (nft.render_ruleset, {"rs": _RS}),
    "render.render_exprs": (nft_render.render_exprs, {"exprs": [m.accept()], "family": "ip",
                                                      "inline": None}),
    "expr.decode_exprs": (nft_expr.decode_exprs, {"data": nft.Cmp(data=b"1").encode(),
                                                  "start": 0, "end": None}),
    "expr.decode_expr": (nft_expr.decode_expr, {"raw": nft.Cmp(data=b"1").encode()[4:],
                                                "start": 0, "end": None}),
    "expr.encode_exprs": (nft_expr.encode_exprs, {"exprs": [m.accept()]}),
    "expr.check_exprs": (nft_expr.check_exprs, {"exprs": [m.accept()]}),
    "expr.hexwords": (nft_expr.hexwords, {"data": b"\1"}),
    "dump_tables": (nft.dump_tables, {"h": H, "family": None}),
    "dump_chains": (nft.dump_chains, {"h": H, "family": None, "table": "t"}),
    "dump_rules": (nft.dump_rules, {"h": H, "family": "ip", "table": "t", "chain": "c"}),
    "dump_sets": (nft.dump_sets, {"h": H, "family": None, "table": "t"}),
    "dump_elements": (nft.dump_elements, {"h": H, "s": S4}),
    "tables.get": (nft_tables.get, {"h": H, "family": "ip", "name": "t"}),
    "dump_ruleset": (nft.dump_ruleset, {"h": H, "family": None}),
    "generation": (nft.generation, {"h": H}),
    "transaction": (nft.transaction, {"h": H, "check_generation": False, "ack_every": False}),
    "Transaction": (nft.Transaction, {"handle": H, "check_generation": False,
                                      "ack_every": False}),
    "tx.add_table": (lambda **k: _tx().add_table(**k), {"family": "ip", "name": "t", "flags": 0,
                                                        "comment": None}),
    "tx.create_table": (lambda **k: _tx().create_table(**k), {"family": "ip", "name": "t",
                                                              "flags": 0, "comment": "x"}),
    "tx.delete_table": (lambda **k: _tx().delete_table(**k), {"table": T}),
    "tx.flush_table": (lambda **k: _tx().flush_table(**k), {"table": T}),
    "tx.flush_ruleset": (lambda **k: _tx().flush_ruleset(**k), {"family": None}),
    "tx.add_chain": (lambda **k: _tx().add_chain(**k), {"table": T, "name": "c",
                                                        "type": "filter", "hook": "input",
                                                        "priority": 0, "policy": None,
                                                        "devices": (), "comment": None,
                                                        "exclusive": False}),
    "tx.delete_chain": (lambda **k: _tx().delete_chain(**k), {"chain": C}),
    "tx.flush_chain": (lambda **k: _tx().flush_chain(**k), {"chain": C}),
    "tx.add_rule": (lambda **k: _tx().add_rule(**k), {"chain": C, "exprs": [m.accept()],
                                                      "comment": None, "after": None}),
    "tx.insert_rule": (lambda **k: _tx().insert_rule(**k), {"chain": C, "exprs": [m.accept()],
                                                            "comment": None, "before": None}),
    "tx.replace_rule": (lambda **k: _tx().replace_rule(**k), {"chain": C, "handle": 1,
                                                              "exprs": [m.accept()],
                                                              "comment": None}),
    "tx.delete_rule": (lambda **k: _tx().delete_rule(**k), {"rule_or_chain": C, "handle": 1}),
    "tx.add_set": (lambda **k: _tx().add_set(**k), {"table": T, "name": "s", "key": "ipv4_addr",
                                                    "data": None, "interval": False,
                                                    "auto_merge": False, "constant": False,
                                                    "timeout": None, "size": None,
                                                    "policy": None, "comment": None,
                                                    "elements": None}),
    "tx.add_map": (lambda **k: _tx().add_map(**k), {"table": T, "name": "s", "key": "ipv4_addr",
                                                    "data": "verdict",
                                                    "elements": {"1.2.3.4": "accept"}}),
    "tx.add_anonymous_set": (lambda **k: _tx().add_anonymous_set(**k), {
        "table": T, "key": "inet_service", "elements": [1], "interval": False, "userdata": None,
        "typeof": None}),
    "tx.add_elements": (lambda **k: _tx().add_elements(**k), {"s": S4, "values": ["1.2.3.4"]}),
    "tx.delete_elements": (lambda **k: _tx().delete_elements(**k), {"s": S4,
                                                                    "values": ["1.2.3.4"]}),
    "tx.flush_set": (lambda **k: _tx().flush_set(**k), {"s": S4}),
    "tx.delete_set": (lambda **k: _tx().delete_set(**k), {"s": S4}),
    "tx.add": (lambda **k: _tx().add(**k), {"obj": T}),
    "tx.add_elements_raw": (lambda **k: _tx().add_elements_raw(**k), {"s": S4,
                                                                      "elements": [EL]}),
    "tx.add_ruleset": (lambda **k: _tx().add_ruleset(**k), {"rs": _RS}),
    "tx.build": (lambda **k: _queued(_tx()).build(**k), {"first_seq": 0, "ack": True}),
    "tx.commit": (lambda **k: _queued(nft.Transaction(None)).commit(**k), {"h": H}),
}  # fmt: skip
FORBIDDEN = (struct.error, OverflowError, KeyError, IndexError, AttributeError, UnicodeError)


@pytest.mark.parametrize("name", sorted(CALLS))
def test_no_raw_python_error_escapes(name: str) -> None:
    fn, kw = CALLS[name]
    with contextlib.suppress(Sent):
        fn(**kw)  # the baseline call is valid (a verb gets as far as its request)
    for arg in kw:
        for v in HOSTILE:
            try:
                out = fn(**{**kw, arg: v})
                for e in out if isinstance(out, list) else [out]:
                    if isinstance(e, nft.Expr | nft.Verdict | nft.Element):
                        e.encode()
            except FORBIDDEN as e:
                pytest.fail(f"{name}({arg}={v!r:.60}) raised {type(e).__name__}: {e}")
            except (TypeError, ValueError, Sent):
                pass


def _public(module: object) -> list[object]:
    return [getattr(module, n) for n in getattr(module, "__all__", ())]


def test_the_table_above_covers_every_public_function() -> None:
    covered = {id(fn) for fn, _ in CALLS.values()}
    covered |= {id(f) for f in (nft.Transaction, nft.transaction, m.ct_state)}  # via lambdas
    names_by_method = {k.split(".", 1)[1] for k in CALLS if k.startswith("tx.")}
    tx_methods = {
        n
        for n, v in vars(nft.Transaction).items()
        if callable(v) and not n.startswith("_") and n not in ("messages",)
    }
    assert tx_methods <= names_by_method | {"commit", "build"}
    missing = []
    for mod in (nft, m, nft_sets, nft_tables, nft_chains, nft_rules, nft_render, nft_expr):
        for obj in _public(mod):
            if not (inspect.isfunction(obj) or inspect.isclass(obj)):
                continue  # constants, type aliases
            if isinstance(obj, type) and issubclass(obj, BaseException):
                continue
            if obj in (nft.Expr, nft_sets.Datatype) or id(obj) in covered:
                continue
            if obj in (m.accept, m.drop, m.return_, m.counter):
                continue  # no arguments
            missing.append(getattr(obj, "__qualname__", repr(obj)))
    assert missing == [], missing
