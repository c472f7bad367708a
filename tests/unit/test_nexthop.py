"""Nexthop objects without root: what the constructor refuses, the decoder, labels."""

from __future__ import annotations

import pytest

from rawns import nexthop
from rawns.errors import DecodeError
from rawns.nexthop import Member, NexthopObject


@pytest.mark.parametrize(
    ("kw", "match"),
    [
        ({"id": 1, "gateway": "10.0.0.1"}, "needs a device"),
        ({"id": 1, "blackhole": True, "oif": 2}, "blackhole nexthop has no gateway"),
        ({"id": 1, "group": [2], "oif": 2}, "a group has members only"),
        ({"id": 1, "group": [2, Member(id=2, weight=3)]}, "names nexthop 2 twice"),
        ({"id": 1, "group": [2], "family": 2}, "no address family"),
        ({"id": 1, "oif": 2, "group_type": 1}, "group_type 1 is for groups"),
        ({"id": 1, "fdb": True, "oif": 2, "gateway": "10.0.0.1"}, "fdb nexthop has a gateway"),
        ({"id": 1, "oif": 2, "onlink": True}, "onlink needs a gateway"),
        ({"id": 1, "oif": 2, "gateway": "0.0.0.0"}, "unspecified"),
        ({"id": 1, "oif": 2, "gateway": "fe80::1%eth0"}, "zone"),
        ({"id": 1, "oif": 2, "gateway": "10.0.0.1", "family": 10}, "IPv4 where IPv6"),
        ({"id": 0, "oif": 2}, "nexthop id"),
        ({"id": 2**32, "oif": 2}, "nexthop id"),
    ],
)
def test_constructor_refuses_what_the_kernel_would(kw: dict[str, object], match: str) -> None:
    with pytest.raises((ValueError, TypeError), match=match):
        NexthopObject(**kw)  # type: ignore[arg-type]


def test_kinds_and_families() -> None:
    assert NexthopObject(id=1, oif=2).family == 2  # ip's default family
    assert NexthopObject(id=1, gateway="2001:db8::1", oif=2).family == 10
    assert NexthopObject(id=1, blackhole=True, family=10).family == 10
    g = NexthopObject(id=9, group=[1, Member(id=2, weight=300)], group_type=1)
    assert (g.family, g.group, g.group_type) == (0, (Member(1), Member(2, 300)), 1)
    assert NexthopObject(id=1, gateway="10.0.0.1", oif=2, onlink=True).onlink
    assert nexthop.label(g) == "id 9 group 1/2,300"
    with pytest.raises(ValueError, match="weight"):
        Member(id=1, weight=65537)


@pytest.mark.parametrize(
    "nh",
    [
        NexthopObject(id=1, gateway="192.168.15.5", oif=3, onlink=True, protocol=4),
        NexthopObject(id=2, gateway="fe80::1", oif=3),
        NexthopObject(id=3, blackhole=True),
        NexthopObject(id=4, gateway="10.0.0.1", fdb=True),
        NexthopObject(id=5, group=[1, Member(id=2, weight=256)]),
    ],
)
def test_decode_of_encode_is_identity(nh: NexthopObject) -> None:
    assert nexthop.parse_nexthop(nexthop.build_add(nh), 16) == nh


@pytest.mark.parametrize(
    ("hexed", "match"),
    [
        ("02000000", "nhmsg needs 8 bytes"),
        ("0200000000000000", "without NHA_ID"),
        ("02000000000000000500010001", "NHA_ID is 1 bytes"),
        ("020000000000000008000100010000000800060001020304", ""),
        (
            "0a000000000000000800010001000000080006000a000001",
            "NHA_GATEWAY is 4 bytes for family 10",
        ),
        ("000000000000000008000100010000000700020001000000", "NHA_GROUP is 3 bytes"),
        ("0000000000000000080001000100000005000300010000", "NHA_GROUP_TYPE is 1 bytes"),
    ],
)
def test_malformed_input_is_a_decode_error(hexed: str, match: str) -> None:
    raw = bytes.fromhex(hexed)
    if not match:  # a valid IPv4 gateway: decodes
        assert str(nexthop.parse_nexthop(raw).gateway) == "1.2.3.4"
        return
    with pytest.raises(DecodeError, match=match):
        nexthop.parse_nexthop(raw)


def test_unknown_attributes_are_kept_raw() -> None:
    raw = nexthop.build_add(NexthopObject(id=1, oif=2))[16:] + bytes.fromhex("08000e0001000000")
    nh = nexthop.parse_nexthop(raw)
    assert [(a.type, a.value) for a in nh.attrs] == [(14, b"\x01\0\0\0")]  # NHA_OP_FLAGS


def test_requests_refuse_reported_flags() -> None:
    reported = nexthop.parse_nexthop(
        nexthop.build_add(NexthopObject(id=1, oif=2))[16:20] + b"\1\0\0\0" + b"\x08\0\1\0\1\0\0\0"
    )
    assert reported.flags == 1  # RTNH_F_DEAD, as the kernel reports it
    with pytest.raises(ValueError, match="RTNH_F_ONLINK"):
        nexthop.build_replace(reported)


def test_dump_filters() -> None:
    assert nexthop.build_dump(oif=3, groups=True).hex().endswith("08000500030000000400" + "0900")
    with pytest.raises(ValueError, match="family"):
        nexthop.build_dump(family=7)
