"""Golden bytes: what ``ip link`` sends, built and parsed by rawns (no root).

Each capture in golden/link/ (made by ``python -m tests.unit.link_golden`` as
root) is asserted both ways: ``build(spec) == captured`` and
``parse(captured) == spec``, seq and pid zeroed. Indices in the capture
namespace: veth-b 2, veth-a 3, br0 4.
"""

from __future__ import annotations

from typing import Any

import pytest

from rawns import link
from rawns.link import Bridge, BridgePort, LinkChange, Macvlan, Veth, Vxlan

from .link_golden import annotate, hexdiff, load, names

VETH_B, VETH_A, BR0 = 2, 3, 4


def _specs(v: dict[str, Any]) -> dict[str, link.LinkSpec]:
    """The spec of each ``ip link add`` capture; ``v`` holds the capture's vars (a pid)."""
    pid = v.get("pid", 1)
    return {
        "veth": Veth(name="veth-red", peer="veth-red-br"),
        "veth_common": Veth(
            name="veth-x",
            mtu=1400,
            mac="02:00:00:00:00:01",
            txqlen=500,
            master=BR0,
            up=True,
            peer="veth-y",
            peer_mtu=1300,
            peer_mac="02:00:00:00:00:02",
        ),
        "veth_queues": Veth(
            name="veth-x",
            num_tx_queues=1,
            num_rx_queues=2,
            peer="veth-y",
            peer_num_tx_queues=3,
            peer_num_rx_queues=1,
        ),
        "veth_peer_netns_pid": Veth(name="veth-p", peer="veth-q", peer_netns=pid),
        "veth_both_netns_pid": Veth(name="veth-r", netns=pid, peer="veth-s", peer_netns=pid),
        "bridge_plain": Bridge(name="br1"),
        "bridge": Bridge(
            name="br1",
            up=True,
            forward_delay=400,
            hello_time=300,
            max_age=2100,
            ageing_time=1000,
            stp=True,
            priority=100,
            vlan_protocol="802.1ad",
            mcast_snooping=False,
            vlan_default_pvid=10,
        ),
        "macvlan": Macvlan(name="mv0", link=VETH_A, mode="bridge"),
        "macvlan_mtu_private": Macvlan(name="mv1", mtu=1400, link=VETH_A, mode="private"),
        "vxlan": Vxlan(name="vx0", vni=42),
        "vxlan_full": Vxlan(
            name="vx1",
            vni=43,
            remote="10.0.0.2",
            local="10.0.0.1",
            dev=VETH_A,
            ttl=64,
            tos=0x10,
            ageing=600,
            limit=100,
            port_range=(1000, 2000),
            proxy=True,
            l2miss=True,
            l3miss=True,
            udp_csum=False,
            learning=False,
        ),
        "vxlan_group6": Vxlan(name="vx2", vni=44, group="ff05::100", local="2001:db8::1", dev=3),
        "vxlan_external": Vxlan(name="vx3", external=True, port=4790),
    }


def _changes(v: dict[str, Any]) -> dict[str, LinkChange]:
    """The change of each ``ip link set`` capture."""
    pid = v.get("pid", 1)
    return {
        "set_up": LinkChange(ref=VETH_A, up=True),
        "set_down": LinkChange(ref=VETH_A, up=False),
        "set_master": LinkChange(ref=VETH_B, master=BR0),
        "set_nomaster": LinkChange(ref=VETH_B, nomaster=True),
        "set_fields_rename": LinkChange(
            ref=VETH_A, mtu=1400, mac="02:00:00:00:00:09", txqlen=100, alias="hi", name="veth-z"
        ),
        "set_promisc_noarp": LinkChange(ref=VETH_A, promisc=True, arp=False),
        "set_netns_pid": LinkChange(ref=VETH_A, netns=pid),
        "set_port": LinkChange(
            ref=VETH_B, port=BridgePort(hairpin=True, learning=False, isolated=True)
        ),
    }


ADDS = sorted(_specs({}))
SETS = sorted(_changes({}))
DELETES = {"delete": VETH_A}
#: ``ip link set group G ...`` captures: the group and the changes.
GROUPS: dict[str, tuple[int, dict[str, Any]]] = {
    "set_group_up": (5, {"up": True, "mtu": 1400}),
    "set_group_down": (0, {"up": False}),
}


def _check(built: bytes, name: str) -> None:
    cap = load(name)
    assert built == cap["raw"], f"{cap['command']}\n{hexdiff(built, cap['raw'])}"


def test_every_capture_is_covered() -> None:
    assert sorted([*ADDS, *SETS, *DELETES, *GROUPS]) == names()


def test_must_show_captures_exist() -> None:
    for kind in ("veth", "bridge", "macvlan", "vxlan", "set_up", "set_master", "delete"):
        assert kind in names()


@pytest.mark.parametrize("name", names())
def test_notes_are_generated_from_the_bytes(name: str) -> None:
    cap = load(name)
    assert cap["notes"] == annotate(cap["raw"])


@pytest.mark.parametrize("name", ADDS)
def test_build_add_matches_ip(name: str) -> None:
    spec = _specs(load(name)["vars"])[name]
    _check(link.build_add(spec), name)


@pytest.mark.parametrize("name", ADDS)
def test_parse_add_of_ip_bytes_is_the_spec(name: str) -> None:
    cap = load(name)
    assert link.parse_add(cap["raw"]) == _specs(cap["vars"])[name]


@pytest.mark.parametrize("name", SETS)
def test_build_set_matches_ip(name: str) -> None:
    _check(link.build_set(_changes(load(name)["vars"])[name]), name)


@pytest.mark.parametrize("name", SETS)
def test_parse_set_of_ip_bytes_is_the_change(name: str) -> None:
    cap = load(name)
    assert link.parse_set(cap["raw"]) == _changes(cap["vars"])[name]


@pytest.mark.parametrize("name", sorted(DELETES))
def test_build_delete_matches_ip(name: str) -> None:
    _check(link.build_delete(DELETES[name]), name)


@pytest.mark.parametrize("name", sorted(GROUPS))
def test_build_set_group_matches_ip(name: str) -> None:
    group, changes = GROUPS[name]
    _check(link.build_set_group(group, **changes), name)


@pytest.mark.parametrize(
    ("changes", "match"),
    [
        ({"name": "x"}, "name cannot be set for a whole group"),
        ({"mac": "02:00:00:00:00:01"}, "mac cannot"),
        ({"group": 3}, "group cannot"),
        ({}, "nothing to change"),
    ],
)
def test_set_group_refuses_what_a_group_cannot_take(changes: dict[str, Any], match: str) -> None:
    with pytest.raises(ValueError, match=match):
        link.build_set_group(5, **changes)


def test_set_group_checks_the_group_number() -> None:
    with pytest.raises(ValueError, match="group"):
        link.build_set_group(-1, up=True)
    with pytest.raises(ValueError, match="group"):
        link.build_set_group(1 << 32, up=True)


def test_build_set_by_keywords_is_the_same_bytes() -> None:
    assert link.build_set(VETH_A, up=True) == load("set_up")["raw"]
    assert link.build_set(VETH_B, master=BR0) == load("set_master")["raw"]


def test_veth_peer_up_is_a_second_message_after_the_create() -> None:
    spec = Veth(name="veth-red", peer="veth-red-br", up=True, peer_up=True)
    raw = link.build_add(spec)
    first = load("veth")["raw"]
    assert len(raw) > len(first)
    assert raw[len(first) :] == link.build_set("veth-red-br", up=True)
    assert link.parse_add(raw) == spec
