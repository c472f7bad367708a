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
]


@pytest.mark.parametrize(("mod", "fn", "data", "why"), FOUND, ids=[f[3][:40] for f in FOUND])
def test_fuzzer_finding_raises_decode_error(mod: str, fn: str, data: str, why: str) -> None:
    parse = getattr(importlib.import_module(mod), fn)
    with pytest.raises(DecodeError):
        parse(bytes.fromhex(data))
