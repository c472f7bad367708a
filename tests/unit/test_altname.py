"""Alternative names without root: validation, and how a name reference is encoded."""

from __future__ import annotations

from typing import Any

import pytest

from rawns import _check, link
from rawns._rtnl import IFINFOMSG, IFLA, RTM
from rawns._wire import NLA_TYPE_MASK, iter_attrs, parse_messages
from rawns.link import LinkChange


def _top(raw: bytes) -> dict[int, bytes]:
    (msg,) = parse_messages(raw)
    return {t & NLA_TYPE_MASK: msg.payload[a:b] for t, a, b in iter_attrs(msg.payload, 16)}


@pytest.mark.parametrize("name", ["a", "uplink-0", "x" * 15, "x" * 16, "y" * 127, "é" * 63])
def test_names_of_1_to_127_bytes_are_altnames_and_references(name: str) -> None:
    assert _check.altname(name) == name == _check.link_name(name)
    link.build_altname_add(1, name)
    link.build_get(name)
    LinkChange(ref=name, up=True)


@pytest.mark.parametrize(
    ("name", "exc", "needle"),
    [
        ("x" * 128, ValueError, "128 bytes; at most 127"),
        ("é" * 64, ValueError, "128 bytes"),
        ("", ValueError, "empty"),
        ("a/b", ValueError, "'/'"),
        ("a:b", ValueError, "':'"),
        ("eth%d", ValueError, "'%'"),
        ("a b", ValueError, "whitespace"),
        ("a\u2028b", ValueError, "a\\u2028b"),
        (".", ValueError, "'.'"),
        ("..", ValueError, "'..'"),
        ("a\0", ValueError, "NUL"),
        ("\udc80", ValueError, "UTF-8"),
        (5, TypeError, "5"),
        (b"a", TypeError, "b'a'"),
        (None, TypeError, "None"),
    ],
    ids=repr,
)
def test_bad_altnames_are_refused_naming_the_value(name: Any, exc: type, needle: str) -> None:
    with pytest.raises(exc) as e:
        link.build_altname_add(1, name)
    assert needle in str(e.value) and "altname" in str(e.value)
    with pytest.raises(exc) as e:
        link.build_altname_delete("v0", name)
    assert needle in str(e.value) and "altname" in str(e.value)
    if not isinstance(name, int):  # (an int is an ifindex)
        with pytest.raises(exc, match="ref"):
            link.build_get(name)


def test_a_name_of_15_bytes_is_ifname_and_a_longer_one_alt_ifname() -> None:
    assert _top(link.build_get("x" * 15))[IFLA.IFNAME] == b"x" * 15 + b"\0"
    assert IFLA.IFNAME not in _top(link.build_get("x" * 16))
    assert _top(link.build_get("x" * 16))[IFLA.ALT_IFNAME] == b"x" * 16 + b"\0"
    assert _top(link.build_get("é" * 8))[IFLA.ALT_IFNAME] == ("é" * 8).encode() + b"\0"
    for raw in (link.build_delete("y" * 40), link.build_set("y" * 40, mtu=1400)):
        assert _top(raw)[IFLA.ALT_IFNAME] == b"y" * 40 + b"\0"


def test_a_long_reference_renamed_needs_its_index() -> None:
    """A rename carries the new name in IFLA_IFNAME: the link is found by index first."""
    with pytest.raises(ValueError, match="is a name"):
        link.build_set("y" * 40, name="v9")


def test_the_requests_carry_one_name_in_a_prop_list() -> None:
    for build, mtype, flags in (
        (link.build_altname_add, RTM.NEWLINKPROP, 0x0E05),
        (link.build_altname_delete, RTM.DELLINKPROP, 0x0005),
    ):
        (msg,) = parse_messages(build("v0", "uplink-0"))
        assert (msg.type, msg.flags) == (mtype, flags)
        assert IFINFOMSG.unpack_from(msg.payload, 0)[2] == 0
        top = _top(build("v0", "uplink-0"))
        assert top[IFLA.IFNAME] == b"v0\0"
        inner = [(t, top[IFLA.PROP_LIST][a:b]) for t, a, b in iter_attrs(top[IFLA.PROP_LIST], 0)]
        assert inner == [(IFLA.ALT_IFNAME, b"uplink-0\0")]
