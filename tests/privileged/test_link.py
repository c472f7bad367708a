"""Links against iproute2, both directions, each test in fresh namespaces.

rawns creates, ``ip -d -j link show`` reports the same fields; ip creates,
``link.dump``/``link.get`` report the same fields (see link_oracle.assert_same).
"""

from __future__ import annotations

import ipaddress
import os
import pwd
from typing import Any

import pytest

from rawns import Handle, link
from rawns.errors import NotSupported
from rawns.link import (
    Bridge,
    BridgeInfo,
    BridgePortInfo,
    Ifb,
    Macvlan,
    MacvlanInfo,
    Tap,
    Tun,
    TunInfo,
    Veth,
    VethInfo,
    Vxlan,
    VxlanInfo,
)
from tests.conftest import kernel_lacks, run
from tests.privileged.aio_shim import both_drivers

from .link_oracle import assert_dumps_agree, assert_same, ip_link, ip_names, process_in

#: Every test runs with the sync verbs and with their rawns.aio twins (issue 17).
driver = both_drivers("link")


def _names(h: Handle) -> dict[int, str]:
    return {lk.index: lk.name for lk in link.dump(h)}


# ---------------------------------------------------------------------------
# rawns creates, ip reports


def test_veth_pair_as_ip_sees_it(h: Handle, ns: Any) -> None:
    link.add(
        h,
        Veth(
            name="veth-red",
            peer="veth-red-br",
            mtu=1400,
            mac="02:00:00:00:00:01",
            txqlen=500,
            alias="to the bridge",
            up=True,
            peer_mtu=1300,
            peer_mac="02:00:00:00:00:02",
            peer_up=True,
        ),
    )
    red, br = ip_link(ns.name, "veth-red"), ip_link(ns.name, "veth-red-br")
    assert red["linkinfo"]["info_kind"] == br["linkinfo"]["info_kind"] == "veth"
    assert (red["mtu"], red["address"], red["txqlen"]) == (1400, "02:00:00:00:00:01", 500)
    assert red["ifalias"] == "to the bridge"
    assert (br["mtu"], br["address"]) == (1300, "02:00:00:00:00:02")
    assert "UP" in red["flags"] and "UP" in br["flags"]
    assert red["link"] == "veth-red-br" and br["link"] == "veth-red"
    assert_dumps_agree(h, ns.name)


def test_veth_queue_counts_as_ip_sees_them(h: Handle, ns: Any) -> None:
    """numtxqueues/numrxqueues per end; unset, the kernel's default (one per possible CPU)."""
    link.add(
        h,
        Veth(name="vq-a", num_tx_queues=1, num_rx_queues=2, peer="vq-b", peer_num_tx_queues=3),
    )
    a, b = ip_link(ns.name, "vq-a"), ip_link(ns.name, "vq-b")
    assert (a["num_tx_queues"], a["num_rx_queues"]) == (1, 2)
    assert b["num_tx_queues"] == 3 and b["num_rx_queues"] >= 1
    got = {lk.name: (lk.num_tx_queues, lk.num_rx_queues) for lk in link.dump(h)}
    assert got["vq-a"] == (1, 2) and got["vq-b"] == (3, b["num_rx_queues"])
    with pytest.raises(ValueError, match="multi_queue"):
        Tap(name="tq0", num_tx_queues=2)


def test_veth_peer_created_directly_in_another_namespace_by_fd(
    h: Handle, ns: Any, make_ns: Any
) -> None:
    red = make_ns()
    link.add(h, Veth(name="veth-red-br", peer="veth-red", peer_netns=red, peer_up=True))
    assert ip_names(ns.name) == {"lo", "veth-red-br"}
    assert ip_names(red.name) == {"lo", "veth-red"}
    peer = ip_link(red.name, "veth-red")
    assert peer["linkinfo"]["info_kind"] == "veth"
    assert "UP" in peer["flags"]
    here = link.get(h, "veth-red-br")
    assert isinstance(here.data, VethInfo)
    assert here.data.peer == peer["ifindex"]
    assert here.data.peer_netnsid is not None
    assert ip_link(ns.name, "veth-red-br")["link_netnsid"] == here.link_netnsid
    with Handle.open(netns=red) as hr:
        assert_dumps_agree(hr, red.name)


def test_veth_main_end_in_netns_like_ip_link_add_netns(h: Handle, ns: Any, make_ns: Any) -> None:
    # ip link add veth-red netns red type veth peer name veth-red-br
    red = make_ns()
    link.add(h, Veth(name="veth-red", netns=red, peer="veth-red-br", alias="in red", peer_up=True))
    assert ip_names(red.name) == {"lo", "veth-red"}
    assert ip_names(ns.name) == {"lo", "veth-red-br"}
    # the follow-ups went where each end lives: the alias in red, the peer's up here
    assert ip_link(red.name, "veth-red")["ifalias"] == "in red"
    assert "UP" in ip_link(ns.name, "veth-red-br")["flags"]


def test_veth_peer_in_namespace_of_a_pid(h: Handle, ns: Any, make_ns: Any) -> None:
    red = make_ns()
    with process_in(red.name) as pid:
        link.add(h, Veth(name="veth-p", peer="veth-q", peer_netns=pid, peer_up=True))
    assert ip_names(red.name) == {"lo", "veth-q"}
    assert "UP" in ip_link(red.name, "veth-q")["flags"]


def test_bridge_settings_as_ip_sees_them(h: Handle, ns: Any) -> None:
    link.add(
        h,
        Bridge(
            name="v-net-0",
            up=True,
            stp=True,
            forward_delay=400,
            hello_time=300,
            max_age=2100,
            ageing_time=1000,
            priority=100,
            mcast_snooping=False,
        ),
    )
    data = ip_link(ns.name, "v-net-0")["linkinfo"]["info_data"]
    assert data["stp_state"] == 1
    assert (data["forward_delay"], data["hello_time"], data["max_age"]) == (400, 300, 2100)
    assert (data["ageing_time"], data["priority"], data["mcast_snooping"]) == (1000, 100, 0)
    got = link.get(h, "v-net-0")
    assert isinstance(got.data, BridgeInfo) and got.data.stp
    assert_dumps_agree(h, ns.name)


def test_bridge_vlan_filtering_where_the_kernel_allows(h: Handle, ns: Any) -> None:
    try:
        link.add(h, Bridge(name="br-vlan", vlan_filtering=True, vlan_default_pvid=10))
    except NotSupported:
        kernel_lacks("bridge VLAN filtering (CONFIG_BRIDGE_VLAN_FILTERING)")
    data = ip_link(ns.name, "br-vlan")["linkinfo"]["info_data"]
    assert data["vlan_filtering"] == 1
    assert data["vlan_default_pvid"] == 10


@pytest.mark.parametrize("mode", ["private", "vepa", "bridge", "passthru", "source"])
def test_macvlan_mode_as_ip_sees_it(h: Handle, ns: Any, mode: str) -> None:
    link.add(h, Veth(name="eth0", peer="eth0-peer"))
    link.add(h, Macvlan(name="mv0", link="eth0", mode=mode))
    got = ip_link(ns.name, "mv0")
    assert got["link"] == "eth0"
    assert got["linkinfo"]["info_kind"] == "macvlan"
    assert got["linkinfo"]["info_data"]["mode"] == mode
    lk = link.get(h, "mv0")
    assert isinstance(lk.data, MacvlanInfo) and lk.data.mode == mode
    assert_dumps_agree(h, ns.name)


def test_vxlan_v4_as_ip_sees_it(h: Handle, ns: Any) -> None:
    link.add(h, Veth(name="eth0", peer="eth0-peer"))
    link.add(
        h,
        Vxlan(
            name="vx0",
            vni=42,
            remote="10.0.0.2",
            local="10.0.0.1",
            dev="eth0",
            port=4789,
            ttl=64,
            learning=False,
            ageing=600,
        ),
    )
    data = ip_link(ns.name, "vx0")["linkinfo"]["info_data"]
    assert (data["id"], data["remote"], data["local"], data["link"]) == (
        42,
        "10.0.0.2",
        "10.0.0.1",
        "eth0",
    )
    assert (data["port"], data["ttl"], data["learning"], data["ageing"]) == (4789, 64, False, 600)
    lk = link.get(h, "vx0")
    assert isinstance(lk.data, VxlanInfo)
    assert lk.data.remote == ipaddress.ip_address("10.0.0.2")
    assert_dumps_agree(h, ns.name)


def test_vxlan_v6_group_and_port_range(h: Handle, ns: Any) -> None:
    link.add(h, Veth(name="eth0", peer="eth0-peer"))
    link.add(
        h,
        Vxlan(
            name="vx6",
            vni=16777215,
            group="ff05::100",
            local="2001:db8::1",
            dev="eth0",
            port_range=(20000, 30000),
        ),
    )
    data = ip_link(ns.name, "vx6")["linkinfo"]["info_data"]
    assert (data["id"], data["group6"], data["local6"]) == (16777215, "ff05::100", "2001:db8::1")
    assert data["port_range"] == {"low": 20000, "high": 30000}
    assert data["port"] == 4789 and data["learning"] is True
    assert_dumps_agree(h, ns.name)


def test_vxlan_external_and_kernel_default_port(h: Handle, ns: Any) -> None:
    link.add(h, Vxlan(name="vx-ext", external=True, port=4790))
    link.add(h, Vxlan(name="vx-def", vni=7, port=None))
    assert ip_link(ns.name, "vx-ext")["linkinfo"]["info_data"]["external"] is True
    assert ip_link(ns.name, "vx-def")["linkinfo"]["info_data"]["port"] == 8472
    assert_dumps_agree(h, ns.name)


def test_tun_as_ip_sees_it(h: Handle, ns: Any) -> None:
    link.add(h, Tun(name="tun0", up=True, mtu=1400))
    got = ip_link(ns.name, "tun0")
    assert got["linkinfo"]["info_kind"] == "tun"
    data = got["linkinfo"]["info_data"]
    assert (data["type"], data["pi"], data["persist"]) == ("tun", False, True)
    assert got["mtu"] == 1400 and "UP" in got["flags"] and "POINTOPOINT" in got["flags"]
    lk = link.get(h, "tun0")
    assert isinstance(lk.data, TunInfo) and lk.data.type == "tun" and lk.mac is None
    assert_dumps_agree(h, ns.name)


def test_tap_with_owner_queues_and_master(h: Handle, ns: Any) -> None:
    link.add(h, Bridge(name="br0"))
    uid = os.getuid() if os.getuid() else 1000
    link.add(
        h, Tap(name="tap0", owner=uid, group=100, multi_queue=True, vnet_hdr=True, master="br0")
    )
    got = ip_link(ns.name, "tap0")
    data = got["linkinfo"]["info_data"]
    assert (data["type"], data["multi_queue"], data["vnet_hdr"]) == ("tap", True, True)
    try:
        user = pwd.getpwuid(uid).pw_name
    except KeyError:
        user = str(uid)
    assert data["user"] == user
    assert got["master"] == "br0"
    assert_dumps_agree(h, ns.name)


def test_open_tuntap_lives_as_long_as_its_fd(h: Handle, ns: Any) -> None:
    fd = link.open_tuntap(h, Tap(name="tap9", up=True, mtu=1400))
    try:
        got = ip_link(ns.name, "tap9")
        data = got["linkinfo"]["info_data"]
        assert (data["type"], data["persist"], got["mtu"]) == ("tap", False, 1400)
        assert "UP" in got["flags"]
    finally:
        os.close(fd)
    assert "tap9" not in ip_names(ns.name)


def test_ifb_as_ip_sees_it(h: Handle, ns: Any) -> None:
    link.add(h, Ifb(name="ifb0", up=True))
    got = ip_link(ns.name, "ifb0")
    assert got["linkinfo"]["info_kind"] == "ifb" and "UP" in got["flags"]


# ---------------------------------------------------------------------------
# ip creates, rawns reports


def _ip(ns_name: str, *cmds: str) -> None:
    for c in cmds:
        run("ip", "-n", ns_name, *c.split())


def test_links_made_by_ip_are_dumped_with_the_same_fields(h: Handle, ns: Any, make_ns: Any) -> None:
    red = make_ns()
    _ip(
        ns.name,
        "link add br0 type bridge stp_state 1 forward_delay 500 priority 7",
        "link add veth-a mtu 1450 type veth peer name veth-b",
        f"link add veth-c type veth peer name veth-d netns {red.name}",
        "link set veth-b master br0",
        "link set veth-b type bridge_slave hairpin on isolated on learning off cost 5",
        "link set br0 up",
        "link set veth-a up",
        "link set veth-b up",
        "link add mv0 link veth-c type macvlan mode private",
        "link add vx0 type vxlan id 99 remote 192.0.2.1 local 192.0.2.2 dstport 4789 ttl 9",
        "link add vx6 type vxlan id 98 remote 2001:db8::2 dstport 4789 l2miss",
        "tuntap add tun0 mode tun",
        "tuntap add tap0 mode tap multi_queue user 1000",
        "link add ifb0 type ifb",
        "link set dev veth-a alias hello",
        "link property add dev veth-a altname veth-a-alt",
    )
    links = {lk.name: lk for lk in assert_dumps_agree(h, ns.name)}
    port = links["veth-b"].port
    assert isinstance(port, BridgePortInfo)
    assert (port.hairpin, port.isolated, port.learning, port.cost) == (True, True, False, 5)
    assert links["veth-a"].alt_names == ("veth-a-alt",)
    assert links["veth-c"].link_netnsid is not None
    names = _names(h)
    for name in ("br0", "veth-b", "veth-c", "mv0", "vx0", "vx6", "tun0", "tap0"):
        by_name, by_index = link.get(h, name), link.get(h, links[name].index)
        assert by_name == by_index == links[name]
        assert_same(by_name, ip_link(ns.name, name), names)


def test_get_by_name_and_index_are_direct_requests(h: Handle, ns: Any) -> None:
    _ip(ns.name, "link add veth-a type veth peer name veth-b")
    a = link.get(h, "veth-a")
    assert link.get(h, a.index) == a
    assert link.get(h, a) == a
    assert link.resolve_index(h, "veth-b") == a.link


def test_dummy_where_the_kernel_has_it(h: Handle, ns: Any) -> None:
    try:
        link.add(h, link.Dummy(name="dummy0", up=True))
    except NotSupported as e:
        assert "RTM_NEWLINK dummy0" in str(e)
        kernel_lacks("dummy links (CONFIG_DUMMY)")
    assert ip_link(ns.name, "dummy0")["linkinfo"]["info_kind"] == "dummy"
