"""The ``typeof`` userdata record of sets, against the bytes nft 1.0.6 writes (no root).

Each row: nft's rule, the userdata nft sent with its anonymous set (captured
with ``strace -e trace=sendmsg -e write=all nft add rule inet t c RULE``),
and the interval flag.
"""

from __future__ import annotations

import pytest

from rawns import nft
from rawns.nft import sets
from rawns.nft._udata import TYPEOF_FIELDS, udata_typeof_text

T = nft.Table(family="inet", name="t")

NFT_WROTE: list[tuple[str, str, bool]] = [
    ("tcp dport", "0004020000000314000407000000010c000408000000010402000000", False),
    ("udp sport", "0004020000000314000407000000010c000406000000010401000000", False),
    ("udp dport", "0004020000000314000407000000010c000406000000010402000000", False),
    ("th sport", "0004020000000314000407000000010c00040b000000010401000000", False),
    ("th dport", "0004020000000314000407000000010c00040b000000010402000000", False),
    ("ip saddr", "0004020000000314000407000000010c00040c00000001040b000000", False),
    ("ip daddr", "0004020000000204010000000314000407000000010c00040c00000001040c000000", True),
    ("ip6 saddr", "0004020000000314000407000000010c00040d000000010408000000", False),
    ("ip6 daddr", "0004020000000314000407000000010c00040d000000010409000000", False),
    ("ip protocol", "0004020000000314000407000000010c00040c000000010409000000", False),
    ("meta l4proto", "000401000000030e0004090000000106000410000000", False),
    ("meta mark", "000401000000030e0004090000000106000403000000", False),
    ("iifname", "000401000000030e0004090000000106000406000000", False),
    ("oifname", "000401000000030e0004090000000106000407000000", False),
    ("tcp sport", "0004020000000204010000000314000407000000010c000408000000010401000000", True),
]


@pytest.mark.parametrize(("typeof", "hexdata", "interval"), NFT_WROTE, ids=repr)
def test_anonymous_sets_carry_nfts_userdata_both_ways(
    typeof: str, hexdata: str, interval: bool
) -> None:
    s = sets.anonymous_spec(T, typeof=typeof, interval=interval)
    assert s.userdata == bytes.fromhex(hexdata)
    assert udata_typeof_text(bytes.fromhex(hexdata)) == typeof == sets.key_typeof(s)


def test_every_field_is_tested() -> None:
    assert {row[0] for row in NFT_WROTE} == set(TYPEOF_FIELDS)


def test_typeof_implies_the_key_and_refuses_a_contradiction() -> None:
    assert sets.anonymous_spec(T, typeof="ip saddr").key_type == 7  # ipv4_addr
    assert sets.anonymous_spec(T, typeof="ip saddr", key="ipv4_addr").key_len == 4
    with pytest.raises(ValueError, match="does not match typeof"):
        sets.anonymous_spec(T, typeof="ip saddr", key="inet_service")
    with pytest.raises(ValueError, match="typeof"):
        sets.anonymous_spec(T, typeof="tcp  dport")
    with pytest.raises(TypeError, match="key= or typeof="):
        sets.anonymous_spec(T)
    with pytest.raises(TypeError, match="typeof"):
        sets.anonymous_spec(T, typeof=5)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "hexdata",
    [
        "",
        "00040200000003",  # truncated record
        "0004020000000306000405000000",  # an expression type rawns does not know, no data
        "0004020000000314000407000000010c000408000000010463000000",  # tcp, field 99
        "000401000000030e0004090000000106000363000000",  # a 3-byte value
        "0004020000000310000c07000000000000000000000000",  # a 12-byte expression type
    ],
)
def test_unknown_or_malformed_records_decode_to_none(hexdata: str) -> None:
    assert udata_typeof_text(bytes.fromhex(hexdata)) is None
