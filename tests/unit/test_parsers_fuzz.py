"""Inputs the fuzzers found, kept as fixed regressions: each parser raises DecodeError.

Every entry is ``(module, function, input hex, what was wrong)``. The inputs
come from tests/fuzz (hypothesis shrinks them; atheris writes crash files);
before the fix each escaped as something other than DecodeError.
"""

from __future__ import annotations

import importlib

import pytest

from rawns.errors import DecodeError

FOUND: list[tuple[str, str, str, str]] = [
    (
        "rawns.addr",
        "parse_address",
        "0221800006000000080001000a090102080002000a0901010b00030064756d6d79300000080008008000"
        "000014000600ffffffffffffffff32fd000032fd0000",
        "IPv4 prefix length 33: ipaddress.NetmaskValueError escaped",
    ),
    (
        "rawns.route",
        "parse_route",
        "02210000fe02fd010000000008000f00fe000000080001000a090102080007000a0901010800040006000000",
        "IPv4 dst_len 33: ipaddress.NetmaskValueError escaped",
    ),
    (
        "rawns.route",
        "parse_route",
        "0a00810000000000000000000800040006000000",
        "IPv6 src_len 129",
    ),
    (
        "rawns.nft.tables",
        "parse_table",
        "00000002080001006e61740008000300000000020c00040000000000000000010800020000000000",
        "nf_tables family 0: the Table's ValueError escaped",
    ),
    (
        "rawns.nft.chains",
        "parse_chain",
        "03000002080001006e61740010000300706f7374726f7574696e67000c000200000000000000000114000400080001000000000408000200000000640800050000000001080007006e61740008000a00000000010800060000000001",
        "hook 4 in family arp: the Chain's ValueError escaped",
    ),
    ("rawns.link", "parse_add", "", "empty input: ValueError from tuple unpacking"),
    ("rawns.link", "parse_set", "", "empty input: ValueError from tuple unpacking"),
    (
        "rawns.link",
        "parse_add",
        "540000001000050600000000005900000000000000000000000000000000000007000300763000002c001200080001007665f468200002001c00010000000000000000bb00000000000000000700030076310000",
        "veth kind name not UTF-8 (atheris): UnicodeDecodeError escaped",
    ),
    (
        "rawns.link",
        "parse_link",
        "0000000000000000000000000000000004001000",
        "IFLA_OPERSTATE empty and last (atheris): IndexError escaped",
    ),
    (
        "rawns.link",
        "parse_link",
        "00000403010000004900010000000000070003006c6f000004000d00",
        "IFLA_TXQLEN of 4 bytes, last: struct.error escaped",
    ),
    (
        "rawns.nft.rules",
        "parse_rule",
        "0000000006000100740000000600020063000000",
        "nfgenmsg family 0: Rule.chain_ref raised ValueError later",
    ),
    (
        "rawns.nft.rules",
        "parse_rule",
        "0200000006000100740000000500020000000000",
        "empty chain name: Rule.chain_ref raised ValueError later",
    ),
]


@pytest.mark.parametrize(("mod", "fn", "data", "why"), FOUND, ids=[f[3][:40] for f in FOUND])
def test_fuzzer_finding_raises_decode_error(mod: str, fn: str, data: str, why: str) -> None:
    parse = getattr(importlib.import_module(mod), fn)
    with pytest.raises(DecodeError):
        parse(bytes.fromhex(data))
