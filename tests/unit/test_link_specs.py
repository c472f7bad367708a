"""rawns.link without root: input checks, round trips, and the kernel's own replies.

* specs refuse bad input at the edge, naming the value (nothing is sent);
* ``parse_add(build_add(spec)) == spec`` and ``parse_set(build_set(c)) == c``
  for generated specs (hypothesis);
* captured dump replies (golden/link/replies/dump.json, made by
  ``python tests/unit/link_golden.py --replies`` as root) decode to what
  ``ip -d -j link show`` printed for the same links, and every truncation of
  them is a DecodeError, never another exception.
"""

from __future__ import annotations

import dataclasses
import ipaddress
import re
import struct
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rawns import link
from rawns.errors import DecodeError
from rawns.link import (
    Bridge,
    BridgePort,
    LinkChange,
    Macvlan,
    Tap,
    Tun,
    Veth,
    Vxlan,
)
from tests.privileged.link_oracle import assert_same

from .link_golden import load_replies

# ---------------------------------------------------------------------------
# input checks

BAD: list[tuple[Callable[[], object], type[Exception], str]] = [
    (lambda: Veth(name="veth-red-br-long0", peer="b"), ValueError, "veth-red-br-long0"),
    (lambda: Veth(name="a", peer="veth-red-br-long0"), ValueError, "veth-red-br-long0"),
    (lambda: Veth(name="a/b", peer="c"), ValueError, "'a/b'"),
    (lambda: Veth(name="a", peer="a"), ValueError, "both be named"),
    (lambda: Veth(name="a", peer="b", mtu=67), ValueError, "67"),
    (lambda: Veth(name="a", peer="b", mtu=70000), ValueError, "70000"),
    (lambda: Veth(name="a", peer="b", mtu="1500"), TypeError, "mtu"),
    (lambda: Veth(name="a", peer="b", mtu=True), TypeError, "mtu"),
    (lambda: Veth(name="a", peer="b", mac="02:00:00:00:00"), ValueError, "02:00:00:00:00"),
    (lambda: Veth(name="a", peer="b", mac="01:00:00:00:00:01"), ValueError, "multicast"),
    (lambda: Veth(name="a", peer="b", mac="00:00:00:00:00:00"), ValueError, "unicast"),
    (lambda: Veth(name="a", peer="b", peer_mac="ff:ff:ff:ff:ff:ff"), ValueError, "peer_mac"),
    (lambda: Veth(name="a", peer="b", peer_netns=1.5), TypeError, "peer_netns"),  # "red": a name
    (lambda: Veth(name="a", peer="b", netns=0), ValueError, "pid"),
    (lambda: Veth(name="a", peer="b", master=0), ValueError, "index"),
    (lambda: Veth(name="a", peer="b", master=3.0), TypeError, "master"),
    (lambda: Veth(name="a", peer="b", up=1), TypeError, "up"),
    (lambda: Bridge(name="br0", priority=65536), ValueError, "65536"),
    (lambda: Bridge(name="br0", forward_delay=-1), ValueError, "forward_delay"),
    (lambda: Bridge(name="br0", vlan_protocol="802.1x"), ValueError, "802.1x"),
    (lambda: Bridge(name="br0", vlan_default_pvid=4095), ValueError, "4095"),
    (lambda: Macvlan(name="mv0", link="eth0", mode="bridged"), ValueError, "bridged"),
    (lambda: Macvlan(name="mv0", link=""), ValueError, "empty"),
    (lambda: Vxlan(name="vx0"), ValueError, "vni"),
    (lambda: Vxlan(name="vx0", vni=1 << 24), ValueError, "16777216"),
    (lambda: Vxlan(name="vx0", vni=1, port=65536), ValueError, "65536"),
    (lambda: Vxlan(name="vx0", vni=1, ttl=256), ValueError, "256"),
    (lambda: Vxlan(name="vx0", vni=1, remote="10.0.0.300"), ValueError, "10.0.0.300"),
    (lambda: Vxlan(name="vx0", vni=1, remote="239.1.1.1"), ValueError, "multicast"),
    (lambda: Vxlan(name="vx0", vni=1, group="10.0.0.1", dev=2), ValueError, "not a multicast"),
    (lambda: Vxlan(name="vx0", vni=1, group="239.1.1.1"), ValueError, "dev"),
    (
        lambda: Vxlan(name="vx0", vni=1, remote="10.0.0.1", local="2001:db8::1"),
        ValueError,
        "IP versions",
    ),
    (lambda: Vxlan(name="vx0", vni=1, port_range=(2000, 1000)), ValueError, "low > high"),
    (lambda: Vxlan(name="vx0", vni=1, external=True), ValueError, "external"),
    (lambda: Tun(name="tun0", mac="02:00:00:00:00:01"), ValueError, "no MAC"),
    (lambda: Tap(name="tap0", owner=-1), ValueError, "owner"),
    (lambda: BridgePort(), ValueError, "change nothing"),
    (lambda: BridgePort(priority=64), ValueError, "64"),
    (lambda: BridgePort(hairpin="on"), TypeError, "hairpin"),
    (lambda: LinkChange(ref="eth0"), ValueError, "nothing to change"),
    (lambda: LinkChange(ref="eth0", master="br0", nomaster=True), ValueError, "nomaster"),
    (
        lambda: LinkChange(ref="eth0", nomaster=True, port=BridgePort(hairpin=True)),
        ValueError,
        "need a master",
    ),
    (lambda: LinkChange(ref="eth0", name="x" * 16), ValueError, "x" * 16),
    (lambda: link.build_set("eth0", name="eth1"), ValueError, "index"),
    (lambda: link.build_add(Bridge(name="br0", master="br1")), ValueError, "'br1'"),
    (lambda: link.build_add(Tun(name="tun0")), TypeError, "rtnetlink"),
    (lambda: link.build_get(""), ValueError, "empty"),
    (lambda: link.build_delete(-1), ValueError, "-1"),
    (lambda: link.build_delete(True), TypeError, "True"),
]


@pytest.mark.parametrize(("make", "exc", "match"), BAD)
def test_bad_input_is_refused_naming_the_value(
    make: Callable[[], object], exc: type[Exception], match: str
) -> None:
    with pytest.raises(exc, match=re.escape(match)):
        make()


def test_inputs_are_normalised() -> None:
    v = Vxlan(name="vx0", vni=1, remote="2001:DB8::2", port=None)
    assert v.remote == ipaddress.ip_address("2001:db8::2")
    assert v.port is None and v.learning is True
    assert Vxlan(name="vx0", external=True).learning is False
    assert Macvlan(name="m", link=2, mode="BRIDGE").mode == "bridge"
    assert Bridge(name="b", vlan_protocol="802.1AD").vlan_protocol == "802.1ad"
    assert Veth(name="a", peer="b", mac="02-0A-00-00-00-01").mac == "02:0a:00:00:00:01"
    assert LinkChange(ref="eth0", name="eth0", up=True).name is None


def test_ifreq_for_tun_and_tap() -> None:
    raw = link.build_ifreq(Tap(name="tap0", multi_queue=True, vnet_hdr=True))
    name, flags = struct.unpack_from("=16sH", raw)
    assert len(raw) == 40 and name.rstrip(b"\0") == b"tap0"
    assert flags == 0x0002 | 0x1000 | 0x0100 | 0x4000 | 0x8000  # TAP NO_PI MQ VNET EXCL
    tun = struct.unpack_from("=16sH", link.build_ifreq(Tun(name="t", pi=True), exclusive=False))
    assert tun[1] == 0x0001


# ---------------------------------------------------------------------------
# round trips

names = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789-_.", min_size=1, max_size=15).filter(
    lambda s: s not in (".", "..")
)
macs = (
    st.binary(min_size=6, max_size=6)
    .filter(lambda b: not b[0] & 1 and any(b))
    .map(lambda b: b.hex(":"))
)
refs = st.integers(1, 0x7FFFFFFF)
mtus = st.none() | st.integers(68, 65536)
opt_bool = st.none() | st.booleans()
queues = st.none() | st.integers(1, 4096)


@st.composite
def common(draw: Any) -> dict[str, Any]:
    return {
        "name": draw(names),
        "mtu": draw(mtus),
        "mac": draw(st.none() | macs),
        "up": draw(st.booleans()),
        "master": draw(st.none() | refs),
        "txqlen": draw(st.none() | st.integers(0, 0xFFFFFFFF)),
        "num_tx_queues": draw(queues),
        "num_rx_queues": draw(queues),
        "alias": draw(st.none() | st.text(alphabet="abc xyz-", max_size=20)),
        "netns": draw(st.none() | st.integers(1, 0x7FFFFFFF)),
    }


@st.composite
def veths(draw: Any) -> Veth:
    kw = draw(common())
    peer = draw(names.filter(lambda p: p != kw["name"]))
    return Veth(
        **kw,
        peer=peer,
        peer_netns=draw(st.none() | st.integers(1, 0x7FFFFFFF)),
        peer_mtu=draw(mtus),
        peer_mac=draw(st.none() | macs),
        peer_up=draw(st.booleans()),
        peer_num_tx_queues=draw(queues),
        peer_num_rx_queues=draw(queues),
    )


@st.composite
def bridges(draw: Any) -> Bridge:
    centis = st.none() | st.integers(0, 0xFFFFFFFF)
    return Bridge(
        **draw(common()),
        stp=draw(opt_bool),
        forward_delay=draw(centis),
        hello_time=draw(centis),
        max_age=draw(centis),
        ageing_time=draw(centis),
        priority=draw(st.none() | st.integers(0, 0xFFFF)),
        vlan_filtering=draw(opt_bool),
        vlan_protocol=draw(st.sampled_from([None, "802.1Q", "802.1ad"])),
        mcast_snooping=draw(opt_bool),
        vlan_default_pvid=draw(st.none() | st.integers(0, 4094)),
    )


@st.composite
def macvlans(draw: Any) -> Macvlan:
    return Macvlan(
        **draw(common()),
        link=draw(refs),
        mode=draw(st.sampled_from([None, *link.MACVLAN_MODES])),
        nopromisc=draw(opt_bool),
        bc_queue_len=draw(st.none() | st.integers(0, 0xFFFFFFFF)),
    )


@st.composite
def vxlans(draw: Any) -> Vxlan:
    v6 = draw(st.booleans())
    external = draw(st.booleans())
    local = draw(st.none() | st.just("2001:db8::1" if v6 else "10.0.0.1"))
    dst = draw(st.sampled_from(["remote", "group", None]))
    dev = draw(st.none() | refs)
    kw: dict[str, Any] = {}
    if dst == "remote":
        kw["remote"] = "2001:db8::2" if v6 else "10.0.0.2"
    elif dst == "group" and dev is not None:
        kw["group"] = "ff05::100" if v6 else "239.1.1.1"
    low = draw(st.integers(1, 0xFFFF))  # a source port range starts at 1
    return Vxlan(
        **draw(common()),
        **kw,
        vni=None if external else draw(st.integers(0, (1 << 24) - 1)),
        external=external or draw(st.sampled_from([None, False])),
        local=local,
        dev=dev,
        port=draw(st.none() | st.integers(1, 0xFFFF)),
        port_range=draw(st.none() | st.integers(low, 0xFFFF).map(lambda h: (low, h))),
        ttl=draw(st.none() | st.integers(0, 255)),
        tos=draw(st.none() | st.integers(0, 255)),
        learning=draw(opt_bool),
        ageing=draw(st.none() | st.integers(0, 0xFFFFFFFF)),
        limit=draw(st.none() | st.integers(0, 0xFFFFFFFF)),
        proxy=draw(opt_bool),
        l2miss=draw(opt_bool),
        l3miss=draw(opt_bool),
        udp_csum=draw(opt_bool),
    )


@settings(max_examples=300, deadline=None)
@given(st.one_of(veths(), bridges(), macvlans(), vxlans()))
def test_parse_add_inverts_build_add(spec: link.LinkSpec) -> None:
    # Follow-ups bound for another namespace (an alias for a link created in
    # netns=, a peer brought up in peer_netns=) are sent by add() from a
    # handle there, so they are not in build_add's bytes.
    expected = spec
    if spec.netns is not None:
        expected = dataclasses.replace(expected, alias=None)
    if isinstance(spec, Veth) and spec.peer_netns is not None:
        expected = dataclasses.replace(expected, peer_up=False)
    assert link.parse_add(link.build_add(spec)) == expected


@st.composite
def changes(draw: Any) -> LinkChange:
    master = draw(st.none() | refs)
    port = draw(
        st.none()
        | st.builds(
            BridgePort,
            hairpin=st.just(True),
            isolated=opt_bool,
            learning=opt_bool,
            cost=st.none() | st.integers(1, 0xFFFF),
            priority=st.none() | st.integers(0, 63),
            state=st.none() | st.integers(0, 4),
        )
    )
    c = LinkChange(
        ref=draw(refs),
        up=True,
        mtu=draw(mtus),
        mac=draw(st.none() | macs),
        name=draw(st.none() | names),
        master=master,
        nomaster=master is None and port is None and draw(st.booleans()),
        netns=draw(st.none() | st.integers(1, 0x7FFFFFFF)),
        alias=draw(st.none() | st.text(alphabet="abc -", max_size=10)),
        txqlen=draw(st.none() | st.integers(0, 0xFFFFFFFF)),
        group=draw(st.none() | st.integers(0, 0xFFFFFFFF)),
        carrier=draw(opt_bool),
        arp=draw(opt_bool),
        promisc=draw(opt_bool),
        allmulticast=draw(opt_bool),
        multicast=draw(opt_bool),
        port=port,
    )
    return c


@settings(max_examples=300, deadline=None)
@given(changes())
def test_parse_set_inverts_build_set(c: LinkChange) -> None:
    raw = link.build_set(c)
    if c.port is not None and c.master is not None:
        # two messages: the port settings follow the master change
        first_len = struct.unpack_from("=I", raw)[0]
        assert link.parse_set(raw[first_len:]).port == c.port
        assert link.parse_set(raw[:first_len]) == dataclasses.replace(c, port=None)
    else:
        assert link.parse_set(raw) == c


# ---------------------------------------------------------------------------
# the kernel's replies


def test_replies_decode_to_what_ip_printed() -> None:
    data = load_replies()
    links = [link.parse_link(r) for r in data["raw"]]
    names = {lk.index: lk.name for lk in links}
    by_index = {x["ifindex"]: x for x in data["ip"]}
    assert sorted(names) == sorted(by_index)
    for lk in links:
        assert_same(lk, by_index[lk.index], names)
    kinds = {lk.kind for lk in links}
    assert kinds >= {"bridge", "veth", "macvlan", "vxlan", "tun", "ifb"}


def test_replies_keep_every_byte() -> None:
    for raw in load_replies()["raw"]:
        lk = link.parse_link(raw)
        assert lk.raw == raw
        for a in lk.attrs:
            assert a.value in raw
        if lk.kind in ("bridge", "vxlan", "macvlan", "tun"):
            assert lk.info_data
        if lk.slave_kind == "bridge":
            assert lk.slave_data


@pytest.mark.parametrize("which", range(3))
def test_every_truncation_is_a_decode_error(which: int) -> None:
    raw = load_replies()["raw"][which]
    for cut in range(len(raw)):
        short = raw[:cut]
        try:
            link.parse_link(short)
        except DecodeError:
            continue
        # a cut on an attribute boundary is a shorter, well-formed message
        assert cut >= 16


def test_bad_attribute_lengths_are_decode_errors() -> None:
    base = bytes(16)
    with pytest.raises(DecodeError):
        link.parse_link(base + struct.pack("=HH", 2, 3))  # length < 4
    with pytest.raises(DecodeError):
        link.parse_link(base + struct.pack("=HH", 40, 3) + b"ab\0\0")  # runs past the end
    with pytest.raises(DecodeError, match="IFLA_MTU"):
        link.parse_link(base + struct.pack("=HHH", 6, 4, 1500) + b"\0\0")  # u16 for a u32
    with pytest.raises(DecodeError):
        link.parse_link(b"\0" * 10)


def test_unknown_attributes_are_kept() -> None:
    base = bytes(16) + struct.pack("=HH", 7, 3) + b"lo\0\0"
    odd = struct.pack("=HH", 8, 200) + b"\x01\x02\x03\x04"
    lk = link.parse_link(base + odd)
    assert lk.name == "lo"
    assert [(a.type, a.value) for a in lk.attrs] == [(200, b"\x01\x02\x03\x04")]
