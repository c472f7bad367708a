"""The sync verbs' shortcuts give what the plain path gives (issue 18: per-call overhead).

Each shortcut is compared with the code it stands in for: a request's plain ACK
read by :meth:`Conversation.acked` against :meth:`Conversation.receive`, a spec
moved to the device's index against the spec made with it, the interface
parser's fast path against :mod:`ipaddress`, the name-check memo against the
check itself, and a request's label made only on an error.
"""

from __future__ import annotations

import struct
from ipaddress import ip_interface
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rawns import _check
from rawns._conversation import (
    NLM_F_ACK_TLVS,
    NLM_F_CAPPED,
    NLMSG_DONE,
    NLMSG_ERROR,
    Ack,
    Conversation,
)
from rawns._inet import to_interface
from rawns._plan import Request
from rawns.addr import Address
from rawns.addr._types import with_index as addr_with_index
from rawns.neigh import Neighbour
from rawns.neigh._types import with_index as neigh_with_index
from rawns.route import Nexthop, Route
from rawns.route._types import with_oif

HDR = struct.Struct("=IHHII")


def ack(
    seq: int, *, port: int = 0, err: int = 0, flags: int = NLM_F_CAPPED, extra: bytes = b""
) -> bytes:
    body = struct.pack("=i", err) + HDR.pack(16, 24, 5, seq, port) + extra
    return HDR.pack(16 + len(body), NLMSG_ERROR, flags, seq, port) + body


def both(datagram: bytes, seq: int, port: int = 77) -> tuple[bool, list[Any], list[Any]]:
    """(acked?, what receive() makes of the datagram after it, what receive() alone makes)."""
    fast, plain = Conversation(port), Conversation(port)
    for c in (fast, plain):
        c.expect(seq)
    try:
        took = fast.acked(datagram, seq)
        after = [] if took else fast.receive(datagram)
    except Exception as e:  # compared with the plain path's
        took, after = False, [type(e)]
    try:
        alone = plain.receive(datagram)
    except Exception as e:
        alone = [type(e)]
    if took:
        assert not fast.is_pending(seq)
    return took, after, alone


def test_a_plain_ack_is_taken_and_the_request_is_done() -> None:
    took, after, alone = both(ack(5, port=77), 5)
    assert took and after == [] and alone == [Ack(5)]


@pytest.mark.parametrize(
    "datagram",
    [
        ack(5, port=77, err=-17),  # an error
        ack(6, port=77),  # another request's ack
        ack(5, port=78),  # another socket's
        ack(5, port=77, flags=0),  # not capped: the request echoed after it
        ack(5, port=77, flags=NLM_F_CAPPED | NLM_F_ACK_TLVS, extra=b"\x08\x00\x01\x00ab\x00\x00"),
        ack(5, port=77) + ack(5, port=77),  # two messages
        HDR.pack(20, NLMSG_DONE, 0, 5, 77) + b"\0\0\0\0",  # a dump's end
        ack(5, port=77)[:-1],  # truncated
    ],
)
def test_anything_else_is_left_to_receive(datagram: bytes) -> None:
    took, after, alone = both(datagram, 5)
    assert not took
    assert after == alone


@given(st.binary(max_size=64), st.integers(1, 8))
def test_acked_agrees_with_receive_on_any_bytes(datagram: bytes, seq: int) -> None:
    took, after, alone = both(datagram, seq)
    if took:
        assert alone == [Ack(seq)]
    else:
        assert after == alone


def test_a_forgotten_request_is_not_acked() -> None:
    c = Conversation(77)
    assert not c.acked(ack(5, port=77), 5)  # never expected: dropped by receive()
    assert c.receive(ack(5, port=77)) == [] and c.dropped == 1


@pytest.mark.parametrize(
    "kw",
    [
        {"dst": "10.1.0.0/16", "gateway": "10.0.0.1"},
        {"dst": "default", "gateway": "fe80::1", "metric": 1024, "table": 300},
        {"dst": "10.2.0.0/24", "protocol": "static", "scope": "link", "mtu": 1400},
        {"dst": "10.3.0.0/24", "type": "blackhole"},
        {"dst": "10.4.0.0/24", "nexthops": [Nexthop(gateway="10.0.0.1"), Nexthop(oif=3)]},
        {"dst": "10.5.0.0/24", "gateway": "10.0.0.1", "onlink": True, "prefsrc": "10.0.0.2"},
    ],
)
def test_a_route_moved_to_its_device_equals_the_route_made_with_it(kw: dict[str, Any]) -> None:
    made = Route(**kw, oif=7)
    moved = with_oif(Route(**kw), 7)
    assert moved == made and repr(moved) == repr(made) and moved.attrs == made.attrs


def test_a_route_moved_to_a_device_is_checked_as_one_made_with_it() -> None:
    with pytest.raises(ValueError, match="nhid"):
        Route(dst="10.0.0.0/8", nhid=5, oif=2)
    with pytest.raises(ValueError, match="nhid"):
        with_oif(Route(dst="10.0.0.0/8", nhid=5), 2)
    for bad in (0, 2**31, -1):
        with pytest.raises(ValueError, match="route oif"):
            with_oif(Route(dst="10.0.0.0/8"), bad)


@pytest.mark.parametrize(
    "kw",
    [
        {"address": "10.0.0.1/24"},
        {"address": "10.0.0.1/24", "broadcast": "+", "label": "v0:x", "metric": 5},
        {"address": "10.0.0.1", "peer": "10.0.0.2/30", "valid_lft": 60, "preferred_lft": 30},
        {"address": "2001:db8::1/64", "flags": ("nodad", "noprefixroute")},
    ],
)
def test_an_address_moved_to_its_device_equals_the_address_made_with_it(kw: dict[str, Any]) -> None:
    made = Address(index=9, **kw)
    moved = addr_with_index(Address(index=1, **kw), 9)
    assert moved == made and repr(moved) == repr(made)
    with pytest.raises(ValueError, match="address index"):
        addr_with_index(made, 0)


def test_a_neighbour_moved_to_its_device_equals_the_neighbour_made_with_it() -> None:
    kw: dict[str, Any] = {"dst": "10.0.0.2", "lladdr": "02:00:00:00:00:01", "state": "permanent"}
    made = Neighbour(index=4, **kw, flags="router")
    moved = neigh_with_index(Neighbour(index=1, **kw, flags="router"), 4)
    assert moved == made and repr(moved) == repr(made)
    assert type(moved.state) is type(made.state) and type(moved.flags) is type(made.flags)


@pytest.mark.parametrize(
    "text",
    [
        "10.9.0.1/32",
        "10.9.0.1",
        "1.2.3.4/0",
        "1.2.3.4/024",
        "fe80::1/64",
        "::ffff:1.2.3.4/96",
        "1.2.3.4/255.255.255.0",
        "fe80::1%eth0/64",
        "1.2.3.4/33",
        "01.2.3.4/24",
        "1.2.3.4/",
        "1.2.3.4/ 3",
        "1.2.3.4/\uff13",  # a fullwidth 3: isdigit, not ASCII
        "2001:db8::/129",
    ],
)
def test_the_interface_fast_path_agrees_with_ipaddress(text: str) -> None:
    try:
        want: object = ip_interface(text)
    except ValueError:
        want = ValueError
    try:
        got: object = to_interface(text, "address")
    except ValueError:
        got = ValueError
    assert got == want and type(got) is type(want)


def test_a_name_checked_once_is_still_checked_against_each_limit() -> None:
    name = "a" * 20  # a valid link name (an altname), too long for an interface name
    assert _check.link_name(name) == name
    assert _check.link_name(name) == name  # (remembered)
    with pytest.raises(ValueError, match="at most 15"):
        _check.ifname(name)
    for bad in ("", "a b", "a/b", "a%d", ".", "x" * 128):
        for _ in range(2):
            with pytest.raises(ValueError):
                _check.link_name(bad)


def test_a_str_subclass_is_checked_every_time() -> None:
    class Name(str):
        pass

    _check._NAMES_OK.clear()
    assert _check.link_name(Name("v0")) == "v0"
    assert _check._NAMES_OK == {}


def test_a_request_label_is_made_only_when_asked() -> None:
    made: list[int] = []

    def label() -> str:
        made.append(1)
        return "10.0.0.0/8 dev v0"

    r = Request(b"", "RTM_NEWROUTE", label)
    assert made == []
    assert r.target == "10.0.0.0/8 dev v0" and made == [1]
    assert Request(b"", "op", "plain").target == "plain"


class _Recorder:
    """A channel that wants its target as a str (as the tests' recorders do)."""

    def __init__(self) -> None:
        self.targets: list[object] = []

    def request(self, msg: bytes, *, op: str, target: str = "") -> list[Any]:
        self.targets.append(target)
        return []


def test_a_channel_without_lazy_targets_gets_a_str() -> None:
    ch = _Recorder()
    Request(b"", "RTM_NEWADDR", lambda: "10.0.0.1/24 dev v0").sync(ch)  # type: ignore[arg-type]
    assert ch.targets == ["10.0.0.1/24 dev v0"]
