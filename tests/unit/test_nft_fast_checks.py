"""The fast paths of nft validation take only what the named checks take (issue 11).

Building and parsing a ruleset constructs thousands of expressions and rules,
so their ``__post_init__`` first tests the usual case inline (plain ints in
range, 1..64 value bytes) and hands anything else to ``_check_fields``, the
checks that name the field. These tests hold the two together: for every
field of every expression with a fast path, and values on both sides of each
limit, constructing the expression has exactly the outcome of the named
checks (accepted, or the same exception with the same message).

Also: the helpers build, through their unchecked internals, exactly what the
public matchers build; built expressions equal and repr like decoded ones
(plain ints); ``ifname_match`` remembers only plain, valid names.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from rawns import nft
from rawns._nfnl import NFT_BITWISE, NFT_CMP, NFT_META, NFT_PAYLOAD
from rawns.nft import _args
from rawns.nft import expr as nft_expr
from rawns.nft import match as m
from rawns.nft._codec import Verdict
from rawns.nft.expr import (
    Bitwise,
    Cmp,
    Counter,
    Ct,
    Expr,
    Immediate,
    Lookup,
    Masq,
    Meta,
    Nat,
    Payload,
    Range,
)
from rawns.nft.rules import Rule, parse_rule

U32 = 0xFFFFFFFF
U64 = (1 << 64) - 1
INTS: tuple[object, ...] = (
    0, 1, 8, 255, 256, U32, U32 + 1, U64, U64 + 1, -1, -(2**31), True, False, 1.0, "1",
    None, b"\x01", NFT_CMP.EQ, NFT_META.L4PROTO, NFT_PAYLOAD.NETWORK_HEADER,
)  # fmt: skip
VALUES: tuple[object, ...] = (
    b"\x01", b"\x00" * 64, b"\x00" * 65, b"", bytearray(b"\x01"), memoryview(b"\x01"), "x",
    None, 1, Verdict("accept"), Verdict("jump", "c"),
)  # fmt: skip
NAMES: tuple[object, ...] = (
    "s", "", "s\0", "é", "x" * 255, "x" * 256, "é" * 127, "é" * 128, "\udc80", 1, None, b"s",
)  # fmt: skip

# One valid instance of each class with a fast path, and the values to try per field.
CASES: dict[type[Expr], tuple[dict[str, Any], dict[str, tuple[object, ...]]]] = {
    Payload: (
        {"base": 1, "offset": 12, "len": 4},
        {f: INTS for f in ("base", "offset", "len", "dreg", "sreg", "csum_type",
                           "csum_offset", "csum_flags")},
    ),
    Cmp: ({"data": b"\x01"}, {"data": VALUES, "op": INTS, "sreg": INTS}),
    Range: (
        {"low": b"\x01", "high": b"\x02"},
        {"low": VALUES, "high": VALUES, "op": INTS, "sreg": INTS},
    ),
    Meta: ({"key": 16}, {"key": INTS, "dreg": INTS, "sreg": INTS}),
    Bitwise: (
        {"len": 4, "mask": b"\xff" * 4, "xor": b"\x00" * 4},
        {"len": INTS, "sreg": INTS, "dreg": INTS, "op": INTS, "mask": VALUES, "xor": VALUES,
         "data": VALUES},
    ),
    Ct: ({"key": 0}, {"key": INTS, "dreg": INTS, "direction": INTS, "sreg": INTS}),
    Lookup: (
        {"set": "s"},
        {"set": NAMES, "sreg": INTS, "dreg": INTS, "flags": INTS, "set_id": INTS},
    ),
    Immediate: ({"data": b"\x01", "dreg": 1}, {"data": VALUES, "dreg": INTS}),
    Counter: ({}, {"packets": INTS, "bytes": INTS}),
    Nat: (
        {"type": 1, "family": 2, "reg_addr_min": 1},
        {f: INTS for f in ("type", "family", "reg_addr_min", "reg_addr_max", "reg_proto_min",
                           "reg_proto_max", "flags")},
    ),
    Masq: ({}, {"flags": INTS, "reg_proto_min": INTS, "reg_proto_max": INTS}),
}  # fmt: skip


def _outcome(fn: Any) -> object:
    try:
        fn()
    except (TypeError, ValueError) as e:
        return (type(e), str(e))
    return "accepted"


def _named_checks(obj: Expr) -> None:
    """The slow path alone: the named checks, as ``__post_init__`` falls back to them."""
    if isinstance(obj, Lookup):
        from rawns import _check

        _check.nft_name(obj.set, "Lookup.set")  # checked before the fast test
    obj._check_fields()  # type: ignore[attr-defined]  # every class in CASES has one


def _cases() -> list[tuple[type[Expr], str, object]]:
    return [
        (cls, f, v) for cls, (_, fields) in CASES.items() for f, values in fields.items()
        for v in values
    ]  # fmt: skip


@pytest.mark.parametrize(("cls", "field", "value"), _cases(), ids=repr)
def test_expression_fast_checks_agree_with_the_named_checks(
    cls: type[Expr], field: str, value: object
) -> None:
    base, _ = CASES[cls]
    built = _outcome(lambda: cls(**{**base, field: value}))
    good = cls(**base)
    object.__setattr__(good, field, value)
    assert built == _outcome(lambda: _named_checks(good))


def test_every_expression_with_a_fast_path_is_covered() -> None:
    with_fast = {c for c in nft_expr.REGISTRY.values() if "_check_fields" in vars(c)}
    assert with_fast == set(CASES)


def test_bitwise_shift_takes_the_named_checks() -> None:
    # op other than MASK_XOR: mask and xor need not be register values
    b = Bitwise(len=4, op=NFT_BITWISE.LSHIFT, data=b"\x00\x00\x00\x01")
    assert b.mask == b"" and b.xor == b""
    with pytest.raises(TypeError, match=r"Bitwise\.mask"):
        Bitwise(len=4, op=NFT_BITWISE.LSHIFT, mask=None, data=b"\x01")  # type: ignore[arg-type]


# ---------------------------------------------------------------------------
# the helpers' internals build what the public matchers build


def _rulesets() -> list[tuple[list[Expr], list[Expr]]]:
    return [
        (
            nft.masquerade(source="10.1.2.0/24", not_oif="br0"),
            [*m.ip_addr("saddr", "10.1.2.0/24"), *m.ifname("oif", "br0", negate=True),
             Masq()],
        ),
        (
            nft.masquerade(source="10.1.2.3/23", oif="eth*", table_family="inet"),
            [*m.ip_addr("saddr", "10.1.2.3/23", table_family="inet"), *m.ifname("oif", "eth*"),
             Masq()],
        ),
        (
            nft.port_forward(8080, to="192.168.15.2", to_port=80, iif="eth0",
                             daddr="10.0.0.1"),
            [*m.ifname("iif", "eth0"), *m.ip_addr("daddr", "10.0.0.1"),
             *m.port("dport", "tcp", 8080), Immediate(data=bytes([192, 168, 15, 2]), dreg=1),
             Immediate(data=(80).to_bytes(2, "big"), dreg=2),
             Nat(type=1, family=2, reg_addr_min=1, reg_proto_min=2, flags=2)],
        ),
        (
            nft.port_forward((1000, 2000), to="fd00::2", proto="udp", not_iif="lo"),
            [*m.ifname("iif", "lo", negate=True), *m.port("dport", "udp", (1000, 2000)),
             Immediate(data=bytes.fromhex("fd00" + "00" * 13 + "02"), dreg=1),
             Nat(type=1, family=10, reg_addr_min=1)],
        ),
        (
            nft.filter_rule("drop", saddr="10.0.0.0/8", daddr="10.1.0.0/16", proto="tcp",
                            sport=1, dport=(2, 3), table_family="inet"),
            [*m.ip_addr("saddr", "10.0.0.0/8", table_family="inet"),
             *m.ip_addr("daddr", "10.1.0.0/16"), *m.port("sport", "tcp", 1),
             *m.port("dport", "tcp", (2, 3))[2:], m.drop()],
        ),
    ]  # fmt: skip


@pytest.mark.parametrize(("helper", "public"), _rulesets())
def test_helpers_build_what_the_public_matchers_build(
    helper: list[Expr], public: list[Expr]
) -> None:
    assert helper == public
    assert [e.encode() for e in helper] == [e.encode() for e in public]


@pytest.mark.parametrize(("helper", "public"), _rulesets())
def test_built_expressions_equal_and_repr_like_decoded_ones(
    helper: list[Expr], public: list[Expr]
) -> None:
    decoded = nft_expr.decode_exprs(nft_expr.encode_exprs(helper))
    assert list(decoded) == helper
    assert [repr(e) for e in decoded] == [repr(e) for e in helper]  # plain ints on both sides


def test_decoded_nat_flags_are_plain_ints() -> None:
    nat = Nat(type=1, family=2, reg_addr_min=1, reg_proto_min=2, flags=2)
    (back,) = nft_expr.decode_exprs(nat.encode())
    assert isinstance(back, Nat) and back == nat and type(back.flags) is int


# ---------------------------------------------------------------------------
# rules and expression lists


def test_rule_checks_a_tuple_of_expressions_once_and_names_the_bad_one() -> None:
    ok = (m.accept(),)
    r = Rule(family=2, table="t", chain="c", exprs=ok)  # type: ignore[arg-type]
    assert r.family == "ip" and r.exprs is ok
    with pytest.raises(TypeError, match=r"Rule\.exprs: expression #1 is int"):
        Rule(family="ip", table="t", chain="c", exprs=(m.accept(), 1))  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"exprs: expression #2 is str"):
        nft_expr.check_exprs([m.accept(), m.drop(), "x", 1])
    assert Rule(family="ip", table="t", chain="c", exprs=[m.accept()]).exprs == ok  # type: ignore[arg-type]


def test_parsed_rule_equals_the_rule_built() -> None:
    tx = nft.Transaction(None)
    post = tx.add_chain(tx.add_table("ip", "nat"), "post")
    r = tx.add_rule(post, nft.masquerade(source="10.0.0.0/8", not_oif="br0"), comment="hi")
    back = parse_rule(tx.messages()[-1][16:])
    assert back == r and back.comment == "hi"
    assert dataclasses.replace(back, userdata=None) == r


# ---------------------------------------------------------------------------
# ifname_match remembers names it found valid, and only those


class Named(str):
    """A str subclass: taken (it is a name), checked in full each time, never remembered."""


@pytest.mark.parametrize(
    "bad", ["br0\0", "br 0", "br\u20280", "br\xa00", "x" * 16, "eth%d", "a/b", ".", "*", "", 1]
)
def test_ifname_match_refuses_after_remembering_a_valid_name(bad: object) -> None:
    assert _args.ifname_match("br0", "oif") == "br0"
    assert _args.ifname_match("br0", "oif") == "br0"  # remembered
    with pytest.raises((TypeError, ValueError), match="not_oif"):
        _args.ifname_match(bad, "not_oif")


def test_ifname_match_remembers_only_plain_strings() -> None:
    _args.ifname_match("veth-a", "iif")
    assert "veth-a" in _args._GOOD_IFNAMES
    named = Named("veth-b")
    assert _args.ifname_match(named, "iif") is named
    assert all(type(x) is str for x in _args._GOOD_IFNAMES)
    with pytest.raises(ValueError, match="iif 'veth b'"):
        _args.ifname_match(Named("veth b"), "iif")
