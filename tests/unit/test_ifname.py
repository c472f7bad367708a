"""Interface names the kernel would refuse are refused before sending (dev_valid_name)."""

from __future__ import annotations

from typing import Any

import pytest

from rawns._rtnl import check_ifname

BAD = [
    "",
    "a" * 16,
    "a" * 40,
    "é" * 8,  # 8 characters, 16 bytes
    "abcdefghijklmn" + "é",  # 15 characters, 16 bytes
    ".",
    "..",
    "/",
    "veth/0",
    "eth0:1",
    ":",
    " ",
    "veth red",
    "eth0\n",
    "\teth0",
    "eth\x0b0",
    "eth\u00a00",  # no-break space
    "a\x00b",
    "\x00",
    "br%d",  # the kernel would pick a free name: the caller would never learn it
    "eth%d",
    "%",
    "a%b",
]

GOOD = ["a", "lo", "eth0", "veth-red", "v-net-0", "a" * 15, "é" * 7 + "x", "br.100", "wg_0", "..."]

NOT_STR: list[Any] = [None, b"eth0", 3, ["eth0"], 1.5]


@pytest.mark.parametrize("name", BAD, ids=repr)
def test_refuses(name: str) -> None:
    with pytest.raises(ValueError) as info:
        check_ifname(name)
    if name:
        assert repr(name) in str(info.value)  # the message names the value
    else:
        assert "empty" in str(info.value)


@pytest.mark.parametrize("name", NOT_STR, ids=repr)
def test_refuses_non_str(name: object) -> None:
    with pytest.raises(TypeError) as info:
        check_ifname(name)
    assert repr(name) in str(info.value)


@pytest.mark.parametrize("name", GOOD, ids=repr)
def test_accepts(name: str) -> None:
    assert check_ifname(name) == name


def test_fifteen_bytes_is_the_limit() -> None:
    assert len(("a" * 15).encode()) == 15
    assert check_ifname("a" * 15) == "a" * 15
    with pytest.raises(ValueError, match="16 bytes"):
        check_ifname("a" * 16)
