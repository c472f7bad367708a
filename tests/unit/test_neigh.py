"""Neighbour values, builders and parser without root: normalisation, round trips, bad input."""

from __future__ import annotations

import contextlib
import ipaddress
import socket
import struct

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rawns import neigh
from rawns._rtnl import NDA, NDMSG, NLM_F, NTF, NUD, RTM
from rawns._wire import Attr, Writer, parse_messages
from rawns.errors import DecodeError
from rawns.neigh import AF_BRIDGE, CacheInfo, Neighbour

from .golden_io import load, names


def _payload(family: int, index: int, state: int, flags: int, ntype: int, *attrs: Attr) -> bytes:
    w = Writer()
    w.begin(RTM.NEWNEIGH)
    w.put_bytes_raw(NDMSG.pack(family, index, state, flags, ntype))
    for a in attrs:
        w.put_attr(a)
    w.end()
    return parse_messages(w.data())[0].payload


# ---------------------------------------------------------------------------
# normalisation


def test_inputs_are_normalised_once() -> None:
    n = Neighbour(index=3, dst="10.0.0.2", lladdr="02-AB-00-00-00-02", state="Reachable")
    assert n.dst == ipaddress.IPv4Address("10.0.0.2")
    assert n.lladdr == "02:ab:00:00:00:02"
    assert n.state == NUD.REACHABLE
    assert n.family == socket.AF_INET and type(n.family) is int
    assert Neighbour(index=3, dst=ipaddress.ip_address("fd00::1")).family == socket.AF_INET6
    assert Neighbour(index=3, lladdr=b"\x02\x00\x00\x00\x00\x01", family=7).lladdr == (
        "02:00:00:00:00:01"
    )
    assert Neighbour(index=3, dst="10.0.0.2") == Neighbour(
        index=3, dst=ipaddress.IPv4Address("10.0.0.2"), family=2
    )


@pytest.mark.parametrize(
    ("kw", "needle"),
    [
        ({"dst": "10.0.0.256"}, "10.0.0.256"),
        ({"dst": "fd00::g"}, "fd00::g"),
        ({"lladdr": "02:00:00:00:00"}, None),  # 5 bytes is fine (1..32)
        ({"lladdr": "zz:00"}, "zz:00"),
        ({"lladdr": "0200.0000.0001"}, "0200.0000.0001"),
        ({"lladdr": ""}, "''"),
        ({"lladdr": "00:" * 33 + "00"}, "32"),
        ({"state": "sleepy"}, "sleepy"),
        ({"state": -1}, "-1"),
        ({"family": 2, "dst": "fd00::1"}, "fd00::1"),
        ({"vni": 1 << 24}, "16777216"),
        ({"port": 70000}, "70000"),
        ({"vlan": 4096}, "4096"),
        ({"flags": 256}, "256"),
    ],
)
def test_bad_values_raise_value_error_naming_them(
    kw: dict[str, object], needle: str | None
) -> None:
    if needle is None:
        Neighbour(index=1, **kw)  # type: ignore[arg-type]
        return
    with pytest.raises(ValueError) as exc:
        Neighbour(index=1, **kw)  # type: ignore[arg-type]
    assert needle in str(exc.value)


@pytest.mark.parametrize(
    "kw",
    # flags take names since issue 13 ("proxy" is one): a misspelt name and a float are refused
    [
        {"dst": 167772162},
        {"lladdr": 5},
        {"flags": "proxi"},
        {"flags": 1.5},
        {"vni": "43"},
        {"index": True},
    ],
)
def test_wrong_types_are_refused(kw: dict[str, object]) -> None:
    base: dict[str, object] = {"index": 1}
    with pytest.raises((TypeError, ValueError)):
        Neighbour(**(base | kw))  # type: ignore[arg-type]


def test_requests_need_index_and_address() -> None:
    with pytest.raises(ValueError, match="index"):
        neigh.build_add(Neighbour(index=0, dst="10.0.0.1"))
    with pytest.raises(ValueError, match="dst"):
        neigh.build_add(Neighbour(index=1, family=2))
    with pytest.raises(ValueError, match="MAC"):
        neigh.build_add(Neighbour(index=1, family=AF_BRIDGE))
    with pytest.raises(ValueError, match="family"):
        neigh.build_delete(Neighbour(index=1, family=17))


# ---------------------------------------------------------------------------
# parse


def test_parse_a_kernel_report_with_everything() -> None:
    cache = struct.pack("=IIII", 10, 20, 30, 1)
    payload = _payload(
        AF_BRIDGE,
        4,
        NUD.REACHABLE,
        NTF.SELF | neigh.NTF_EXT_LEARNED,
        1,
        Attr(NDA.LLADDR, bytes.fromhex("0200000000aa")),
        Attr(NDA.DST, bytes([10, 0, 0, 3])),
        Attr(NDA.CACHEINFO, cache),
        Attr(NDA.PORT, struct.pack(">H", 4790)),
        Attr(NDA.VNI, struct.pack("=I", 43)),
        Attr(NDA.SRC_VNI, struct.pack("=I", 44)),
        Attr(NDA.IFINDEX, struct.pack("=I", 7)),
        Attr(NDA.MASTER, struct.pack("=I", 5)),
        Attr(NDA.VLAN, struct.pack("=H", 10)),
        Attr(NDA.PROBES, struct.pack("=I", 3)),
        Attr(NDA.PROTOCOL, b"\x04"),
        Attr(NDA.NH_ID, struct.pack("=I", 9)),
        Attr(NDA.FLAGS_EXT, struct.pack("=I", 1)),
        Attr(NDA.LINK_NETNSID, struct.pack("=i", -1)),
        Attr(99, b"\x01\x02"),
    )
    n = neigh.parse_neighbour(payload)
    assert n.is_fdb and n.family == AF_BRIDGE and n.index == 4
    assert (n.lladdr, str(n.dst), n.port, n.vni, n.src_vni) == (
        "02:00:00:00:00:aa",
        "10.0.0.3",
        4790,
        43,
        44,
    )
    assert (n.via, n.master, n.vlan, n.probes, n.protocol, n.nh_id) == (7, 5, 10, 3, 4, 9)
    assert n.flags_ext == 1 and n.link_netnsid == -1
    assert n.cacheinfo == CacheInfo(confirmed=10, used=20, updated=30, refcnt=1)
    assert n.flags & neigh.NTF_EXT_LEARNED
    assert n.attrs == (Attr(99, b"\x01\x02"),)  # unknown attributes are kept
    assert n.state == NUD.REACHABLE and not n.permanent and not n.proxy


def test_proxy_and_router_properties() -> None:
    n = neigh.parse_neighbour(
        _payload(10, 2, 0, NTF.PROXY | NTF.ROUTER, 1, Attr(NDA.DST, bytes(15) + b"\x01"))
    )
    assert n.proxy and n.router and n.dst == ipaddress.IPv6Address("::1")


@pytest.mark.parametrize(
    "payload",
    [
        b"",
        bytes(11),
        _payload(2, 1, 0, 0, 0, Attr(NDA.DST, b"\x01\x02\x03")),
        _payload(2, 1, 0, 0, 0, Attr(NDA.DST, bytes(16))),  # v6 address in a v4 message
        _payload(2, 1, 0, 0, 0, Attr(NDA.CACHEINFO, bytes(8))),
        _payload(2, 1, 0, 0, 0, Attr(NDA.VNI, b"\x01")),
        _payload(2, 1, 0, 0, 0, Attr(NDA.PORT, b"\x01\x02\x03")),
        NDMSG.pack(2, -1, 0, 0, 0),
        NDMSG.pack(2, 1, 0, 0, 0) + b"\x08\x00\x01",
    ],
)
def test_malformed_payloads_raise_decode_error(payload: bytes) -> None:
    with pytest.raises(DecodeError):
        neigh.parse_neighbour(payload)


def test_empty_lladdr_is_kept_raw_not_an_error() -> None:
    n = neigh.parse_neighbour(_payload(2, 1, 0, 0, 0, Attr(NDA.LLADDR, b"")))
    assert n.lladdr is None and n.attrs == (Attr(NDA.LLADDR, b""),)


# ---------------------------------------------------------------------------
# build


def test_dump_request_filters_in_the_kernel() -> None:
    (m,) = parse_messages(neigh.build_dump(family=10, index=3, master=5, proxy=True))
    assert m.type == RTM.GETNEIGH and m.flags == NLM_F.REQUEST | NLM_F.DUMP
    assert NDMSG.unpack_from(m.payload) == (10, 0, 0, NTF.PROXY, 0)
    rest = m.payload[NDMSG.size :]
    assert rest == struct.pack("=HHI", 8, NDA.IFINDEX, 3) + struct.pack("=HHI", 8, NDA.MASTER, 5)
    with pytest.raises(ValueError, match="proxy"):
        neigh.build_dump(family=AF_BRIDGE, proxy=True)


def test_get_request() -> None:
    (m,) = parse_messages(neigh.build_get(index=3, dst="fd00::2"))
    assert m.type == RTM.GETNEIGH and m.flags == NLM_F.REQUEST | NLM_F.ACK
    n = neigh.parse_neighbour(m.payload)
    assert n == Neighbour(index=3, dst="fd00::2")
    with pytest.raises(ValueError):
        neigh.build_get(index=0, dst="10.0.0.1")


def test_delete_sends_no_lladdr_for_ip_neighbours() -> None:
    raw = neigh.build_delete(Neighbour(index=3, dst="10.0.0.2", lladdr="02:00:00:00:00:02"))
    n = neigh.parse_neighbour(parse_messages(raw)[0].payload)
    assert n.lladdr is None and str(n.dst) == "10.0.0.2"


# ---------------------------------------------------------------------------
# properties


_u = st.integers
_ip_neighbours = st.builds(
    Neighbour,
    index=_u(1, 2**31 - 1),
    dst=st.one_of(st.ip_addresses(v=4), st.ip_addresses(v=6)),
    lladdr=st.one_of(st.none(), st.binary(min_size=1, max_size=32)),
    state=st.sampled_from(list(NUD)),
    flags=st.sampled_from([NTF(0), NTF.PROXY, NTF.ROUTER, NTF.PROXY | NTF.ROUTER]),
    protocol=st.one_of(st.none(), _u(0, 255)),
    vlan=st.one_of(st.none(), _u(1, 4094)),
    via=st.one_of(st.none(), _u(1, 2**31 - 1)),
    flags_ext=st.one_of(st.none(), _u(0, 2**32 - 1)),
)
_fdb_entries = st.builds(
    Neighbour,
    index=_u(1, 2**31 - 1),
    family=st.just(AF_BRIDGE),
    lladdr=st.binary(min_size=6, max_size=6),
    dst=st.one_of(st.none(), st.ip_addresses(v=4), st.ip_addresses(v=6)),
    state=st.sampled_from([NUD.PERMANENT | NUD.NOARP, NUD.REACHABLE, NUD.NOARP]),
    flags=st.sampled_from([NTF.SELF, NTF.MASTER, NTF.SELF | NTF.MASTER, NTF.STICKY]),
    vni=st.one_of(st.none(), _u(0, 2**24 - 1)),
    src_vni=st.one_of(st.none(), _u(0, 2**24 - 1)),
    port=st.one_of(st.none(), _u(1, 65535)),
    vlan=st.one_of(st.none(), _u(1, 4094)),
    via=st.one_of(st.none(), _u(1, 2**31 - 1)),
    nh_id=st.one_of(st.none(), _u(0, 2**32 - 1)),
    master=st.one_of(st.none(), _u(1, 2**31 - 1)),
)


@given(st.one_of(_ip_neighbours, _fdb_entries))
def test_parse_of_build_is_identity(n: Neighbour) -> None:
    for build in (neigh.build_add, neigh.build_replace, neigh.build_append):
        raw = build(n)
        (m,) = parse_messages(raw)
        assert neigh.parse_neighbour(m.payload) == n
        # and the bytes are stable: build(parse(build(n))) == build(n)
        assert build(neigh.parse_neighbour(m.payload)) == raw


@pytest.mark.parametrize("name", names("neigh"))
def test_encode_of_decode_is_identity_for_captures(name: str) -> None:
    raw = load("neigh", name)["raw"]
    (m,) = parse_messages(raw)
    n = neigh.parse_neighbour(m.payload)
    build = {
        (RTM.NEWNEIGH, NLM_F.CREATE | NLM_F.EXCL): neigh.build_add,
        (RTM.NEWNEIGH, NLM_F.CREATE | NLM_F.REPLACE): neigh.build_replace,
        (RTM.NEWNEIGH, NLM_F.CREATE | NLM_F.APPEND): neigh.build_append,
        (RTM.DELNEIGH, 0): neigh.build_delete,
    }[(m.type, m.flags & ~(NLM_F.REQUEST | NLM_F.ACK))]
    assert build(n) == raw


@given(st.binary(max_size=200))
def test_arbitrary_bytes_only_ever_raise_decode_error(data: bytes) -> None:
    with contextlib.suppress(DecodeError):
        neigh.parse_neighbour(data)


@given(st.data())
def test_mutated_captures_only_ever_raise_decode_error(data: st.DataObject) -> None:
    raw = bytearray(load("neigh", data.draw(st.sampled_from(names("neigh"))))["raw"][16:])
    for _ in range(data.draw(st.integers(1, 4))):
        i = data.draw(st.integers(0, len(raw) - 1))
        raw[i] = data.draw(st.integers(0, 255))
    cut = data.draw(st.integers(0, len(raw)))
    with contextlib.suppress(DecodeError):
        neigh.parse_neighbour(bytes(raw[:cut]))
