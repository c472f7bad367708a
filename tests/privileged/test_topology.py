"""Topology: same state as the seed's own commands, nothing left after a failure."""

from __future__ import annotations

import contextlib
import json
import re
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from rawns import Handle, compose, link, netns, nft
from rawns.errors import AlreadyExists, Conflict
from rawns.topology import Forward, Member, Topology
from tests.conftest import ip_json, run

# Keys that differ between two equal topologies: indexes, MACs, bridge ids, timers.
_VOLATILE = re.compile(
    r"^(ifindex|link_index|address|broadcast|perm_address|link_netnsid|bridge_id|root_id|"
    r"designated_root|designated_bridge|.*timer.*|handle|metainfo|altnames|stats.*|"
    r"preferred_life_time|valid_life_time|parentbus|parentdev)$"
)


def _norm(x: Any) -> Any:
    if isinstance(x, dict):
        return {k: _norm(v) for k, v in sorted(x.items()) if not _VOLATILE.match(k)}
    if isinstance(x, list):
        return [_norm(v) for v in x]
    return x


def _state(ns: str) -> dict[str, Any]:
    """What ip and nft report for a namespace, without indexes and MAC-derived values."""
    links = sorted(_norm(ip_json(ns, "-d", "link", "show")), key=lambda d: d["ifname"])
    addrs = []
    for entry in ip_json(ns, "addr", "show"):
        infos = [
            a
            for a in entry.get("addr_info", [])
            if not (a.get("family") == "inet6" and a.get("scope") == "link")
        ]
        addrs.append({"ifname": entry["ifname"], "addr_info": _norm(infos)})
    routes4 = sorted(json.dumps(_norm(r), sort_keys=True) for r in ip_json(ns, "route", "show"))
    routes6 = sorted(
        json.dumps(_norm(r), sort_keys=True) for r in ip_json(ns, "-6", "route", "show")
    )
    out = run("ip", "netns", "exec", ns, "nft", "-j", "list", "ruleset")
    ruleset = _norm(json.loads(out)["nftables"]) if out.strip() else []
    fwd = run("ip", "netns", "exec", ns, "cat", "/proc/sys/net/ipv4/ip_forward").strip()
    return {
        "links": links,
        "addrs": sorted(addrs, key=lambda d: d["ifname"]),
        "routes4": routes4,
        "routes6": routes6,
        "nft": ruleset,
        "ip_forward": fwd,
    }


@contextlib.contextmanager
def _namespaces(*roles: str) -> Iterator[dict[str, str]]:
    tag = uuid.uuid4().hex[:8]
    names = {r: f"rawns-t-{r}-{tag}" for r in roles}
    try:
        yield names
    finally:
        for n in names.values():
            with contextlib.suppress(FileNotFoundError):
                netns.delete(n)


def _seed_by_hand(host: str, red: str, blue: str) -> None:
    """The seed's commands, with the host played by namespace ``host``.

    Two deliberate deviations, both needed for the network to work: addresses
    carry the subnet's /24 (the seed's bare addresses would be /32, and the
    route via 192.168.15.5 would then be unreachable), and the bridge-side veth
    ends and each namespace's loopback are set up (the seed never does).
    The seed's iptables lines are written as the nft rules they mean, with the
    masquerade limited to traffic not leaving by the bridge (``! -o v-net-0``, as
    Docker does): with br_netfilter loaded, bridged red-blue traffic meets the
    postrouting hook too and the bare seed rule would rewrite it.
    """
    for n in (host, red, blue):
        if n != host:
            run("ip", "netns", "add", n)
    ip = ["ip", "-n", host]
    run(*ip, "link", "add", "v-net-0", "type", "bridge")
    run(*ip, "link", "set", "dev", "v-net-0", "up")
    run(*ip, "addr", "add", "192.168.15.5/24", "dev", "v-net-0")
    run("ip", "netns", "exec", host, "sysctl", "-qw", "net.ipv4.ip_forward=1")
    for ns, color, address in ((red, "red", "192.168.15.1/24"), (blue, "blue", "192.168.15.2/24")):
        run(*ip, "link", "add", f"veth-{color}", "type", "veth", "peer", "name", f"veth-{color}-br")
        run(*ip, "link", "set", f"veth-{color}", "netns", ns)
        run(*ip, "link", "set", f"veth-{color}-br", "master", "v-net-0")
        run(*ip, "link", "set", f"veth-{color}-br", "up")
        run("ip", "-n", ns, "link", "set", "lo", "up")
        run("ip", "-n", ns, "addr", "add", address, "dev", f"veth-{color}")
        run("ip", "-n", ns, "link", "set", f"veth-{color}", "up")
    run("ip", "-n", blue, "route", "add", "192.168.1.0/24", "via", "192.168.15.5")
    run("ip", "-n", blue, "route", "add", "default", "via", "192.168.15.5")
    ruleset = """
add table ip nat
add chain ip nat postrouting { type nat hook postrouting priority srcnat; policy accept; }
add rule ip nat postrouting ip saddr 192.168.15.0/24 oifname != "v-net-0" masquerade
add chain ip nat prerouting { type nat hook prerouting priority dstnat; policy accept; }
add rule ip nat prerouting tcp dport 80 dnat to 192.168.15.2:80
"""
    run("ip", "netns", "exec", host, "nft", "-f", "-", input=ruleset)


def _seed_topology(host: str, red: str, blue: str) -> Topology:
    return Topology(
        host=host,
        members=[
            Member(
                netns=red,
                address="192.168.15.1",
                veth="veth-red",
                bridge_end="veth-red-br",
                default_route=False,
            ),
            Member(
                netns=blue,
                address="192.168.15.2",
                veth="veth-blue",
                bridge_end="veth-blue-br",
                routes=("192.168.1.0/24",),
            ),
        ],
        forwards=[Forward(port=80, to="192.168.15.2", to_port=80)],
    )


def test_topology_matches_the_seed_commands_object_for_object() -> None:
    with _namespaces("hosta", "reda", "bluea", "hostb", "redb", "blueb") as n:
        netns.create(n["hosta"], delete_on_exit=False).close()
        netns.create(n["hostb"], delete_on_exit=False).close()
        applied = _seed_topology(n["hosta"], n["reda"], n["bluea"]).apply()
        _seed_by_hand(n["hostb"], n["redb"], n["blueb"])
        try:
            for a, b in (("hosta", "hostb"), ("reda", "redb"), ("bluea", "blueb")):
                sa, sb = _state(n[a]), _state(n[b])
                for key in sa:
                    assert sa[key] == sb[key], f"{a} vs {b}: {key} differs"
        finally:
            applied.teardown()
        assert not netns.exists(n["reda"]) and not netns.exists(n["bluea"])
        with Handle.open(netns=n["hosta"]) as h:
            assert [lk.name for lk in link.dump(h)] == ["lo"]
            assert nft.dump_tables(h) == []


def _snapshot(ns: str) -> dict[str, Any]:
    return {
        "links": sorted(x["ifname"] for x in ip_json(ns, "link", "show")),
        "nft": _state(ns)["nft"],
        "netns": sorted(x for x in netns.dump() if "rawns-t-" in x and x.endswith(ns[-8:])),
    }


def test_failure_at_the_last_step_leaves_nothing_and_names_the_step() -> None:
    with _namespaces("host", "red", "blue") as n:
        netns.create(n["host"], delete_on_exit=False).close()
        # A clash only the last step meets: a filter chain named like the NAT one.
        run(
            "ip",
            "netns",
            "exec",
            n["host"],
            "nft",
            "-f",
            "-",
            input=(
                "add table ip nat\n"
                "add chain ip nat prerouting { type filter hook prerouting priority 0; }\n"
            ),
        )
        before = _snapshot(n["host"])
        topo = _seed_topology(n["host"], n["red"], n["blue"])
        with pytest.raises(Exception) as ei:
            topo.apply()
        notes = "\n".join(getattr(ei.value, "__notes__", []))
        assert "step 9/9 failed: nft add rule ip nat prerouting tcp dport 80" in notes
        assert _snapshot(n["host"]) == before
        assert not netns.exists(n["red"]) and not netns.exists(n["blue"])


def test_clashing_link_name_midway_is_undone() -> None:
    with _namespaces("host", "red", "blue") as n:
        ns = netns.create(n["host"], delete_on_exit=False)
        with Handle.open(netns=ns) as h:
            link.add(h, link.Bridge(name="veth-blue-br"))  # blue's bridge end is taken
        ns.close()
        before = _snapshot(n["host"])
        with pytest.raises(Conflict) as ei:
            _seed_topology(n["host"], n["red"], n["blue"]).apply()
        assert "veth-blue-br" in str(ei.value)
        assert "step 7/9 failed" in "\n".join(ei.value.__notes__)
        assert _snapshot(n["host"]) == before


def test_bad_description_is_refused_before_anything() -> None:
    with _namespaces("host", "red") as n:
        before = sorted(x for x in netns.dump() if x in n.values())
        # A Topology checks itself when it is made (a spec validates at construction).
        with pytest.raises(ValueError, match=r"10\.9\.9\.9 is outside the subnet"):
            Topology(
                host=n["host"],
                members=[Member(netns=n["red"], address="192.168.15.1", veth="veth-red")],
                forwards=[Forward(port=80, to="10.9.9.9")],
            ).apply()
        with pytest.raises(ValueError, match="veth-name-much-too-long"):
            Topology(
                members=[
                    Member(netns=n["red"], address="192.168.15.1", veth="veth-name-much-too-long")
                ]
            ).apply()
        assert sorted(x for x in netns.dump() if x in n.values()) == before


def test_apply_twice_is_idempotent_and_teardown_only_removes_its_own() -> None:
    with _namespaces("host", "red", "blue") as n:
        netns.create(n["host"], delete_on_exit=False).close()
        topo = _seed_topology(n["host"], n["red"], n["blue"])
        first = topo.apply()
        state = _state(n["host"])
        second = topo.apply()  # everything exists: nothing new
        assert second.namespaces == [] and second.links == [] and second.tables == []
        assert _state(n["host"]) == state
        second.teardown()  # made nothing, removes nothing
        assert _state(n["host"]) == state
        first.teardown()
        assert _snapshot(n["host"])["links"] == ["lo"]


def test_compose_helpers_are_idempotent_and_report_conflicts(make_ns: Any) -> None:
    host_ns, red = make_ns(), make_ns()
    with Handle.open(netns=host_ns) as host:
        assert compose.gateway(host, bridge="v-net-0", address="192.168.15.5/24") is True
        assert compose.gateway(host, bridge="v-net-0", address="192.168.15.5/24") is False
        kw: dict[str, Any] = dict(
            bridge="v-net-0",
            veth="veth-red",
            bridge_end="veth-red-br",
            address="192.168.15.1/24",
            gateway="192.168.15.5",
        )
        assert compose.connect(host, red, **kw) is True
        assert compose.connect(host, red, **kw) is False
        assert compose.masquerade(host, source="192.168.15.0/24") is True
        assert compose.masquerade(host, source="192.168.15.0/24") is False
        assert compose.port_forward(host, 80, to="192.168.15.1", to_port=8080) is True
        assert compose.port_forward(host, 80, to="192.168.15.1", to_port=8080) is False
        rules = nft.dump_rules(host, family="ip", table="nat")
        assert len(rules) == 2
        with pytest.raises(Conflict, match="exists as bridge, not veth"):
            compose.ensure_link(host, link.Veth(name="v-net-0", peer="x0"))
        with pytest.raises(Conflict, match=r"192\.168\.15\.5"):
            compose.ensure_address(host, "v-net-0", "192.168.15.5/16")
    with Handle.open(netns=red) as h:
        with pytest.raises(Conflict, match=r"via 192\.168\.15\.5"):
            compose.ensure_route(h, "default", gateway="192.168.15.9")
        with pytest.raises(AlreadyExists):
            link.add(h, link.Bridge(name="veth-red"))


def test_without_uplink_members_talk_without_nat() -> None:
    """br_netfilter sends bridged traffic through postrouting: members must not be NATed."""
    from rawns import probe

    with _namespaces("host", "red", "blue") as n, netns.new() as host_ns:
        topo = Topology(
            host=host_ns,
            members=[
                Member(netns=n["red"], address="192.168.15.1", veth="veth-red"),
                Member(netns=n["blue"], address="192.168.15.2", veth="veth-blue"),
            ],
        )
        with (
            topo.apply(),
            netns.open(n["red"]) as red,
            netns.open(n["blue"]) as blue,
            probe.TcpServer(blue, "192.168.15.2", 8080, name="blue"),
        ):
            seen = probe.tcp_check(red, "192.168.15.2", 8080).seen_source
        assert str(seen) == "192.168.15.1"


def test_teardown_reverts_changes_to_objects_that_existed_before() -> None:
    from rawns import addr, route

    with _namespaces("red") as n, netns.new() as host_ns:
        red = netns.create(n["red"], delete_on_exit=False)
        with Handle.open(netns=host_ns) as host:
            link.add(host, link.Bridge(name="v-net-0"))  # down, no address
            link.add(host, link.Veth(name="veth-red-br", peer="veth-red", peer_netns=red))
        red.close()
        topo = Topology(
            host=host_ns,
            members=[Member(netns=n["red"], address="192.168.15.1", veth="veth-red")],
        )
        applied = topo.apply()
        assert applied.links == [] and applied.namespaces == []
        applied.teardown()
        with Handle.open(netns=host_ns) as host:
            br = link.get(host, "v-net-0")
            assert not br.up
            assert [a for a in addr.dump(host, dev="v-net-0") if a.family == 2] == []
        with Handle.open(netns=n["red"]) as h:
            assert [a for a in addr.dump(h, dev="veth-red") if a.family == 2] == []
            assert [r for r in route.dump(h, family=0) if r.gateway is not None] == []
