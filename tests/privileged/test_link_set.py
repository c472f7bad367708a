"""link.set / replace / delete, the bulk verbs and the errors, with ip as the oracle."""

from __future__ import annotations

import errno
from typing import Any

import pytest

from rawns import Handle, link
from rawns.errors import AlreadyExists, InvalidArgument, NotFound
from rawns.link import Bridge, BridgePort, BridgePortInfo, LinkChange, Tun, Veth
from tests.conftest import run
from tests.privileged.aio_shim import both_drivers

from .link_oracle import assert_dumps_agree, ip_link, ip_names, process_in

#: Every test runs with the sync verbs and with their rawns.aio twins (issue 17).
driver = both_drivers("link")


@pytest.fixture
def pair(h: Handle) -> tuple[str, str]:
    link.add(h, Veth(name="veth-a", peer="veth-b"))
    return "veth-a", "veth-b"


def test_up_and_down(h: Handle, ns: Any, pair: tuple[str, str]) -> None:
    link.set(h, "veth-a", up=True)
    assert "UP" in ip_link(ns.name, "veth-a")["flags"]
    assert link.get(h, "veth-a").up
    link.set(h, "veth-a", up=False)
    assert "UP" not in ip_link(ns.name, "veth-a")["flags"]
    assert not link.get(h, "veth-a").up


def test_mtu_mac_alias_txqlen_promisc_noarp(h: Handle, ns: Any, pair: tuple[str, str]) -> None:
    index = link.get(h, "veth-a").index
    link.set(
        h,
        index,
        mtu=9000,
        mac="02:AA:bb:00:00:01",
        alias="uplink",
        txqlen=64,
        promisc=True,
        arp=False,
    )
    got = ip_link(ns.name, "veth-a")
    assert (got["mtu"], got["address"], got["ifalias"], got["txqlen"]) == (
        9000,
        "02:aa:bb:00:00:01",
        "uplink",
        64,
    )
    assert {"PROMISC", "NOARP"} <= set(got["flags"])
    assert_dumps_agree(h, ns.name)


def test_rename_by_name_and_by_link(h: Handle, ns: Any, pair: tuple[str, str]) -> None:
    link.set(h, "veth-a", name="veth-x")
    assert ip_names(ns.name) == {"lo", "veth-x", "veth-b"}
    lk = link.get(h, "veth-x")
    link.set(h, lk, name="veth-y", up=True)
    assert ip_names(ns.name) == {"lo", "veth-y", "veth-b"}
    assert "UP" in ip_link(ns.name, "veth-y")["flags"]


def test_master_and_nomaster(h: Handle, ns: Any, pair: tuple[str, str]) -> None:
    link.add(h, Bridge(name="br0", up=True))
    link.set(h, "veth-b", master="br0", up=True)
    assert ip_link(ns.name, "veth-b")["master"] == "br0"
    assert link.get(h, "veth-b").master == link.get(h, "br0").index
    link.set(h, "veth-b", nomaster=True)
    assert "master" not in ip_link(ns.name, "veth-b")
    assert link.get(h, "veth-b").master is None


def test_hairpin_and_isolated_port_flags(h: Handle, ns: Any, pair: tuple[str, str]) -> None:
    link.add(h, Bridge(name="br0"))
    link.set(h, "veth-b", master="br0")
    link.set(h, "veth-b", port=BridgePort(hairpin=True, isolated=True, learning=False, cost=7))
    data = ip_link(ns.name, "veth-b")["linkinfo"]["info_slave_data"]
    assert (data["hairpin"], data["isolated"], data["learning"], data["cost"]) == (
        True,
        True,
        False,
        7,
    )
    port = link.get(h, "veth-b").port
    assert isinstance(port, BridgePortInfo) and port.hairpin and port.isolated
    link.set(h, "veth-b", port=BridgePort(hairpin=False))
    assert ip_link(ns.name, "veth-b")["linkinfo"]["info_slave_data"]["hairpin"] is False
    assert_dumps_agree(h, ns.name)


def test_master_and_port_flags_in_one_call(h: Handle, ns: Any, pair: tuple[str, str]) -> None:
    link.add(h, Bridge(name="br0"))
    link.set(h, "veth-a", master="br0", port=BridgePort(hairpin=True), up=True)
    got = ip_link(ns.name, "veth-a")
    assert got["master"] == "br0" and "UP" in got["flags"]
    assert got["linkinfo"]["info_slave_data"]["hairpin"] is True


def test_move_to_another_namespace_by_fd(h: Handle, ns: Any, make_ns: Any) -> None:
    red = make_ns()
    link.add(h, Veth(name="veth-a", peer="veth-b"))
    link.set(h, "veth-a", netns=red)
    assert ip_names(red.name) == {"lo", "veth-a"}
    assert ip_names(ns.name) == {"lo", "veth-b"}
    assert link.get(h, "veth-b").link_netnsid is not None


def test_move_to_another_namespace_by_pid(h: Handle, ns: Any, make_ns: Any) -> None:
    red = make_ns()
    link.add(h, Veth(name="veth-a", peer="veth-b"))
    with process_in(red.name) as pid:
        link.set(h, "veth-a", netns=pid)
    assert ip_names(red.name) == {"lo", "veth-a"}


def test_delete_takes_the_peer_along(h: Handle, ns: Any, make_ns: Any) -> None:
    red = make_ns()
    link.add(h, Veth(name="veth-a", peer="veth-b"))
    link.add(h, Veth(name="veth-c", peer="veth-d", peer_netns=red))
    link.delete(h, "veth-a")
    assert ip_names(ns.name) == {"lo", "veth-c"}
    link.delete(h, link.get(h, "veth-c").index)
    assert ip_names(ns.name) == {"lo"}
    assert ip_names(red.name) == {"lo"}


def test_delete_a_link_ip_made(h: Handle, ns: Any) -> None:
    run("ip", "-n", ns.name, "link", "add", "veth-a", "type", "veth", "peer", "name", "veth-b")
    link.delete(h, "veth-b")
    assert ip_names(ns.name) == {"lo"}


def test_replace_creates_then_changes(h: Handle, ns: Any) -> None:
    link.replace(h, Bridge(name="br0", stp=False))
    assert ip_link(ns.name, "br0")["linkinfo"]["info_data"]["stp_state"] == 0
    link.replace(h, Bridge(name="br0", stp=True, forward_delay=800))
    data = ip_link(ns.name, "br0")["linkinfo"]["info_data"]
    assert (data["stp_state"], data["forward_delay"]) == (1, 800)


def test_ip_changes_are_seen_by_get(h: Handle, ns: Any, pair: tuple[str, str]) -> None:
    run("ip", "-n", ns.name, "link", "set", "dev", "veth-a", "mtu", "1280", "name", "veth-q")
    got = link.get(h, "veth-q")
    assert got.mtu == 1280


# ---------------------------------------------------------------------------
# bulk


def test_add_many_and_set_many_bring_both_ends_up(h: Handle, ns: Any) -> None:
    n = 50
    link.add_many(h, [Veth(name=f"va{i}", peer=f"vb{i}", up=True, peer_up=True) for i in range(n)])
    link.add_many(h, [Veth(name=f"vc{i}", peer=f"vd{i}") for i in range(n)])
    link.set_many(h, [x for i in range(n) for x in (f"vc{i}", f"vd{i}")], up=True, mtu=1400)
    seen = {x["ifname"]: x for x in run_ip_links(ns.name)}
    assert len(seen) == 4 * n + 1
    for name, x in seen.items():
        if name != "lo":
            assert "UP" in x["flags"], name
    assert all(seen[f"vc{i}"]["mtu"] == 1400 for i in range(n))
    # Deleting an up veth waits for an RCU grace period in the kernel (~80 ms
    # each, whoever asks), so only a few go here; the namespace takes the rest.
    link.delete_many(h, [f"va{i}" for i in range(5)] + [f"vc{i}" for i in range(5)])
    assert len(ip_names(ns.name)) == 4 * n + 1 - 20


def run_ip_links(ns_name: str) -> list[dict[str, Any]]:
    from tests.conftest import ip_json

    result: list[dict[str, Any]] = ip_json(ns_name, "link", "show")
    return result


def test_add_many_waits_for_a_master_made_in_the_same_call(h: Handle, ns: Any) -> None:
    link.add_many(
        h,
        [
            Bridge(name="br0", up=True),
            Veth(name="veth-a", peer="veth-b", master="br0", up=True),
            Veth(name="veth-c", peer="veth-d", master="br0"),
        ],
    )
    assert ip_link(ns.name, "veth-a")["master"] == "br0"
    assert ip_link(ns.name, "veth-c")["master"] == "br0"


def test_bulk_errors_are_collected_per_item(h: Handle, ns: Any) -> None:
    link.add(h, Veth(name="veth-a", peer="veth-b"))
    results = link.add_many(
        h,
        [Veth(name="veth-c", peer="veth-d"), Veth(name="veth-a", peer="veth-e")],
        check=False,
    )
    assert results[0] is None
    assert isinstance(results[1], AlreadyExists)
    assert "veth-a" in str(results[1])
    results2 = link.set_many(
        h, [LinkChange(ref="veth-c", up=True), LinkChange(ref="nope", up=True)], check=False
    )
    assert results2[0] is None and isinstance(results2[1], NotFound)
    with pytest.raises(NotFound, match="nope"):
        link.delete_many(h, ["veth-c", "nope"])
    assert ip_names(ns.name) == {"lo", "veth-a", "veth-b"}


# ---------------------------------------------------------------------------
# errors


def test_veth_name_too_long_is_refused_before_sending(h: Handle, ns: Any) -> None:
    long = "veth-red-br-long0"  # 17 bytes
    with pytest.raises(ValueError, match=long):
        Veth(name=long, peer="veth-red")
    with pytest.raises(ValueError, match=long):
        Veth(name="veth-red", peer=long)
    assert ip_names(ns.name) == {"lo"}


def test_second_link_with_the_same_name(h: Handle, ns: Any) -> None:
    link.add(h, Veth(name="veth-red", peer="veth-red-br"))
    with pytest.raises(AlreadyExists) as exc:
        link.add(h, Veth(name="veth-red", peer="veth-other"))
    e = exc.value
    assert isinstance(e, FileExistsError) and e.errno == errno.EEXIST
    # a veth's errors name both ends: the kernel's EEXIST does not say which name is taken
    assert str(e).startswith("RTM_NEWLINK veth-red (peer veth-other): File exists (EEXIST)")
    assert e.op == "RTM_NEWLINK" and e.target == "veth-red (peer veth-other)"
    with pytest.raises(AlreadyExists, match="tun0"):
        link.add(h, Tun(name="tun0"))
        link.add(h, Tun(name="tun0"))
    assert ip_names(ns.name) == {"lo", "veth-red", "veth-red-br", "tun0"}


def test_missing_link_is_not_found(h: Handle) -> None:
    with pytest.raises(NotFound, match="RTM_GETLINK nope"):
        link.get(h, "nope")
    with pytest.raises(NotFound):
        link.get(h, 999)
    with pytest.raises(NotFound, match="RTM_DELLINK nope"):
        link.delete(h, "nope")
    with pytest.raises(FileNotFoundError):
        link.set(h, "nope", up=True)
    with pytest.raises(NotFound, match="nope"):
        link.add(h, Veth(name="veth-a", peer="veth-b", master="nope"))
    assert link.dump(h)[0].name == "lo" and len(link.dump(h)) == 1


def test_kernel_refusal_carries_the_extack_text(h: Handle, pair: tuple[str, str]) -> None:
    with pytest.raises(InvalidArgument) as exc:
        link.set(h, "veth-a", mtu=65536)  # veth's max_mtu is 65535
    assert exc.value.extack
    assert str(exc.value).startswith("RTM_NEWLINK veth-a: Invalid argument (EINVAL): ")
    assert exc.value.extack in str(exc.value)


def test_bad_inputs_are_refused_before_sending(h: Handle, ns: Any) -> None:
    with pytest.raises(ValueError, match="70000"):
        link.set(h, "lo", mtu=70000)
    with pytest.raises(ValueError, match="zz"):
        Veth(name="a", peer="b", mac="zz:00:00:00:00:00")
    with pytest.raises(ValueError, match="multicast"):
        Veth(name="a", peer="b", mac="01:00:5e:00:00:01")
    with pytest.raises(ValueError, match="master"):
        link.set(h, "lo", master="br0", nomaster=True)
    # a name ("red") is a namespace argument since issue 14 (tests/privileged/test_netns_args.py)
    with pytest.raises(TypeError, match="a Netns, a namespace name, a path or a pid"):
        Veth(name="a", peer="b", peer_netns=1.5)  # type: ignore[arg-type]
    assert ip_names(ns.name) == {"lo"}


def test_set_group_changes_exactly_the_links_of_the_group(h: Handle, ns: Any) -> None:
    link.add_many(h, [Veth(name=f"g{i}a", peer=f"g{i}b") for i in range(4)])
    link.add(h, Bridge(name="gbr"))
    members = ["g0a", "g0b", "g1a", "g1b"]
    link.set_many(h, members, group=7)
    link.set_group(h, 7, up=True, mtu=1400, master="gbr")
    for name in ("g0a", "g0b", "g1a", "g1b", "g2a", "g2b", "g3a", "g3b"):
        x = ip_link(ns.name, name)
        inside = name in members
        assert ("UP" in x["flags"]) is inside, (name, x["flags"])
        assert (x["mtu"] == 1400) is inside and x["group"] == ("7" if inside else "default")
        assert (x.get("master") == "gbr") is inside
    link.set_group(h, 7, up=False, nomaster=True)
    assert not any("UP" in ip_link(ns.name, n)["flags"] for n in members)
    link.set_group(h, 42, up=True)  # an empty group: nothing to do, as for ip
    with pytest.raises(InvalidArgument):
        link.set_group(h, 7, mtu=65536)  # above veth's maximum: the kernel refuses
    assert_dumps_agree(h, ns.name)
