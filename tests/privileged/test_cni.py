"""The rawns CNI plugins driven as a runtime drives them (tests/cni_runtime.py).

The node is a namespace the test made; every plugin runs inside it
(``nsenter --net``), with CNI_NETNS naming a pod namespace the test made.
"""

from __future__ import annotations

import concurrent.futures
import ipaddress
import json
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from rawns import Handle, addr, link, netns, nft, probe, sysctl
from rawns.compose import connect
from tests.cni_runtime import CniFailed, Runtime, plugin_dir, resident_daemon
from tests.conftest import ip_json, run

SUBNET = "10.88.0.0/24"


def conflist(data_dir: Path, *, portmap: bool = True, **bridge: Any) -> dict[str, Any]:
    plugins: list[dict[str, Any]] = [
        {
            "type": "rawns-bridge",
            "bridge": "cni0",
            "isGateway": True,
            "ipMasq": True,
            "ipam": {
                "type": "rawns-host-local",
                "dataDir": str(data_dir),
                "ranges": [[{"subnet": SUBNET}]],
                "routes": [{"dst": "0.0.0.0/0"}],
            },
            **bridge,
        }
    ]
    if portmap:
        plugins.append({"type": "rawns-portmap", "capabilities": {"portMappings": True}})
    return {"cniVersion": "1.1.0", "name": "rawns-test", "plugins": plugins}


@pytest.fixture
def node(make_ns: Callable[[], netns.Netns]) -> netns.Netns:
    return make_ns()


@pytest.fixture(params=["launcher", "resident"])
def rt(node: netns.Netns, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Runtime]:
    """The runtime, with the rawns plugins exec'd (launchers) or forwarding to a resident
    daemon the fixture starts in a namespace of its own (docs/cni.md, "Resident mode")."""
    if request.param == "launcher":
        yield Runtime(
            node=str(node.name), cni_path=plugin_dir(tmp_path), cache_dir=tmp_path / "cache"
        )
        return
    with resident_daemon() as d:
        cni_path = plugin_dir(tmp_path, "resident", socket_path=d.socket)
        yield Runtime(node=str(node.name), cni_path=cni_path, cache_dir=tmp_path / "cache")


def path(ns: netns.Netns) -> str:
    return f"/run/netns/{ns.name}"


def node_state(node: netns.Netns, data_dir: Path) -> dict[str, Any]:
    """What the plugins may change on the node: links, addresses, routes, nft, IPAM files."""
    name = str(node.name)
    links = sorted(
        (lk["ifname"], lk.get("linkinfo", {}).get("info_kind"), lk.get("master"))
        for lk in ip_json(name, "-d", "link", "show")
    )
    addrs = sorted(
        (a["ifname"], i["local"], i["prefixlen"])
        for a in ip_json(name, "addr", "show")
        for i in a.get("addr_info", [])
        if not i["local"].startswith("fe80")
    )
    # "linkdown" follows the bridge's carrier, which the kernel updates asynchronously
    routes = sorted(
        json.dumps({k: v for k, v in r.items() if k != "flags"}, sort_keys=True)
        for r in ip_json(name, "route", "show")
    )
    rules = run("ip", "netns", "exec", name, "nft", "list", "ruleset")
    files = {}
    net_dir = data_dir / "rawns-test"
    if net_dir.is_dir():
        for p in sorted(net_dir.iterdir()):
            if not p.name.startswith("last_reserved_ip"):
                files[p.name] = p.read_bytes().decode()
    return {"links": links, "addrs": addrs, "routes": routes, "nft": rules, "files": files}


def masq_rules(node: netns.Netns) -> list[str]:
    with Handle.open(netns=node) as h:
        return [str(r.comment) for r in nft.dump_rules(h) if r.comment]


# ---------------------------------------------------------------------------
# the spec


def test_version_and_status(rt: Runtime, tmp_path: Path) -> None:
    for p in ("rawns-bridge", "rawns-portmap", "rawns-host-local", "rawns-bandwidth"):
        v = rt.version(p)
        assert v["supportedVersions"] == ["1.0.0", "1.1.0"]
    rt.status(conflist(tmp_path / "ipam"))


def test_add_check_del(rt: Runtime, node: netns.Netns, make_ns: Any, tmp_path: Path) -> None:
    cl = conflist(tmp_path / "ipam")
    pod = make_ns()
    res = rt.add(
        cl,
        "ctr1",
        path(pod),
        capability_args={
            "portMappings": [{"hostPort": 8080, "containerPort": 80, "protocol": "tcp"}]
        },
    )
    assert res["cniVersion"] == "1.1.0"
    assert res["ips"] == [{"address": "10.88.0.2/24", "interface": 2, "gateway": "10.88.0.1"}]
    assert [i["name"] for i in res["interfaces"]][::2] == ["cni0", "eth0"]
    assert res["interfaces"][2]["sandbox"] == path(pod)
    assert (tmp_path / "ipam/rawns-test/10.88.0.2").read_bytes() == b"ctr1\r\neth0"
    with Handle.open(netns=pod) as ph:
        assert [str(a.address) for a in addr.dump(ph, dev="eth0", family=2)] == ["10.88.0.2/24"]
        assert sysctl.get(ph, "net.ipv4.conf.eth0.arp_notify") == "1"
    with Handle.open(netns=node) as h:
        assert sysctl.get(h, "net.ipv4.ip_forward") == "1"
        assert sysctl.get(h, "net.ipv4.conf.cni0.route_localnet") == "1"
    comments = masq_rules(node)
    assert "bridge rawns-test ctr1 10.88.0.2" in comments
    assert any(c.startswith("portmap rawns-test ctr1 tcp/8080/*") for c in comments)
    rt.check(cl, "ctr1", path(pod))
    rt.delete(cl, "ctr1", path(pod))
    assert masq_rules(node) == []
    assert not (tmp_path / "ipam/rawns-test/10.88.0.2").exists()
    with Handle.open(netns=pod) as ph:
        assert [lk.name for lk in link.dump(ph)] == ["lo"]
    # DEL again (idempotent), and DEL without prevResult
    rt.delete(cl, "ctr1", path(pod))
    rt.delete(cl, "ctr1", path(pod), use_cache=False)


def test_del_without_prevresult_finds_the_veth(
    rt: Runtime, node: netns.Netns, make_ns: Any, tmp_path: Path
) -> None:
    # DEL finds the host veth by prevResult's name; without one, by the derived name
    cl = conflist(tmp_path / "ipam", portmap=False)
    pod = make_ns()
    rt.add(cl, "ctr1", path(pod))
    rt.delete(cl, "ctr1", path(pod), use_cache=False)
    after = node_state(node, tmp_path / "ipam")
    assert [x for x in after["links"] if x[1] == "veth"] == []  # the bridge stays, as reference
    assert [f for f in after["files"] if f[0].isdigit()] == []
    with Handle.open(netns=pod) as ph:
        assert [lk.name for lk in link.dump(ph)] == ["lo"]


@pytest.mark.skipif(
    not (Path("/usr/lib/cni") / "host-local").exists(), reason="reference host-local not installed"
)
def test_foreign_ipam_delegate_is_execd(
    rt: Runtime, node: netns.Netns, make_ns: Any, tmp_path: Path
) -> None:
    # ipam.type host-local (the reference, on CNI_PATH): exec'd for ADD, CHECK and DEL
    cl = conflist(tmp_path / "ipam", portmap=False)
    cl["plugins"][0]["ipam"]["type"] = "host-local"
    cl["cniVersion"] = "1.0.0"  # Debian 12's host-local speaks up to 1.0.0
    pod = make_ns()
    res = rt.add(cl, "ctr1", path(pod))
    assert res["ips"][0]["address"] == "10.88.0.2/24"
    assert (tmp_path / "ipam/rawns-test/10.88.0.2").read_bytes() == b"ctr1\r\neth0"
    rt.check(cl, "ctr1", path(pod))
    rt.delete(cl, "ctr1", path(pod))
    assert not (tmp_path / "ipam/rawns-test/10.88.0.2").exists()


def test_check_fails_when_the_pod_changed(rt: Runtime, make_ns: Any, tmp_path: Path) -> None:
    cl = conflist(tmp_path / "ipam")
    pod = make_ns()
    rt.add(cl, "ctr1", path(pod))
    with Handle.open(netns=pod) as ph:
        addr.delete(ph, "10.88.0.2/24", dev="eth0")
    with pytest.raises(CniFailed) as e:
        rt.check(cl, "ctr1", path(pod))
    assert "10.88.0.2" in e.value.msg
    rt.delete(cl, "ctr1", path(pod))


def test_del_after_netns_is_gone(rt: Runtime, node: netns.Netns, tmp_path: Path) -> None:
    cl = conflist(tmp_path / "ipam")
    pod = netns.create("rawns-t-cni-gone")
    try:
        rt.add(
            cl,
            "ctr1",
            path(pod),
            capability_args={"portMappings": [{"hostPort": 8080, "containerPort": 80}]},
        )
    finally:
        pod.close()
        netns.delete("rawns-t-cni-gone")
    assert masq_rules(node)
    rt.delete(cl, "ctr1", None)  # no CNI_NETNS, as a runtime does when the netns is gone
    assert masq_rules(node) == []  # the reference bridge plugin leaves its masquerade here
    assert not [p for p in (tmp_path / "ipam/rawns-test").iterdir() if p.name[0].isdigit()]


def test_del_without_table_creates_nothing(rt: Runtime, node: netns.Netns, tmp_path: Path) -> None:
    rt.delete(conflist(tmp_path / "ipam"), "never-added", None)
    assert run("ip", "netns", "exec", str(node.name), "nft", "list", "ruleset").strip() == ""


def test_second_add_refused(rt: Runtime, node: netns.Netns, make_ns: Any, tmp_path: Path) -> None:
    cl = conflist(tmp_path / "ipam", portmap=False)
    pod = make_ns()
    rt.add(cl, "ctr1", path(pod))
    before = node_state(node, tmp_path / "ipam")
    with pytest.raises(CniFailed) as e:
        rt.add(cl, "ctr1", path(pod))
    assert e.value.code == 100 and "eth0" in e.value.msg
    # the same attachment in another pod namespace: refused by IPAM, nothing left behind
    other = make_ns()
    with pytest.raises(CniFailed) as e:
        rt.add(cl, "ctr1", path(other))
    assert e.value.code == 100 and "ctr1" in e.value.msg
    assert node_state(node, tmp_path / "ipam") == before
    rt.delete(cl, "ctr1", path(pod))


def test_five_cycles_return_the_node_to_its_state(
    rt: Runtime, node: netns.Netns, make_ns: Any, tmp_path: Path
) -> None:
    cl = conflist(tmp_path / "ipam")
    pod = make_ns()
    maps = {"portMappings": [{"hostPort": 8080, "containerPort": 80}]}
    states = []
    for _ in range(5):
        rt.add(cl, "ctr1", path(pod), capability_args=maps)
        rt.check(cl, "ctr1", path(pod))
        rt.delete(cl, "ctr1", path(pod))
        states.append(node_state(node, tmp_path / "ipam"))
    for s in states[1:]:
        assert s == states[0]
    assert states[0]["files"] == {"lock": ""}


def test_twenty_pods_concurrently(
    rt: Runtime, node: netns.Netns, make_ns: Any, tmp_path: Path
) -> None:
    cl = conflist(tmp_path / "ipam", portmap=False)
    pods = [make_ns() for _ in range(20)]
    with concurrent.futures.ThreadPoolExecutor(20) as ex:
        results = list(ex.map(lambda i: rt.add(cl, f"ctr{i}", path(pods[i])), range(20)))
    ips = [r["ips"][0]["address"] for r in results]
    assert len(set(ips)) == 20
    files = {p.name for p in (tmp_path / "ipam/rawns-test").iterdir() if p.name[0].isdigit()}
    assert files == {ip.split("/")[0] for ip in ips}
    with concurrent.futures.ThreadPoolExecutor(20) as ex:
        list(ex.map(lambda i: rt.delete(cl, f"ctr{i}", path(pods[i])), range(20)))
    assert masq_rules(node) == []


def test_gc_removes_what_is_not_valid(
    rt: Runtime, node: netns.Netns, make_ns: Any, tmp_path: Path
) -> None:
    cl = conflist(tmp_path / "ipam")
    a, b = make_ns(), make_ns()
    maps = {"portMappings": [{"hostPort": 8080, "containerPort": 80}]}
    rt.add(cl, "keep", path(a))
    rt.add(cl, "stale", path(b), capability_args=maps)
    rt.gc(cl, [("keep", "eth0")])
    assert all(" stale" not in c for c in masq_rules(node))
    assert any(" keep " in c for c in masq_rules(node))
    names = {p.name for p in (tmp_path / "ipam/rawns-test").iterdir()}
    assert "10.88.0.2" in names and "10.88.0.3" not in names
    with Handle.open(netns=b) as ph:
        assert [lk.name for lk in link.dump(ph)] == ["lo"]
    rt.check(cl, "keep", path(a))
    rt.delete(cl, "keep", path(a))


# ---------------------------------------------------------------------------
# bad input: the spec's code, a message naming what was wrong, nothing left behind

ENV = {"CNI_CONTAINERID": "ctr1", "CNI_IFNAME": "eth0"}


def _bad(
    rt: Runtime,
    pod: netns.Netns,
    conf: Any,
    env: dict[str, str | None],
    plugin: str = "rawns-bridge",
) -> CniFailed:
    e = {**ENV, "CNI_NETNS": path(pod), **env}
    with pytest.raises(CniFailed) as exc:
        rt.exec_plugin(plugin, str(e.pop("CNI_COMMAND", "ADD")), conf, env=e)
    return exc.value


def _one(cl: dict[str, Any], **over: Any) -> dict[str, Any]:
    conf = {**cl["plugins"][0], "name": cl["name"], "cniVersion": cl["cniVersion"]}
    conf.update(over)
    return conf


@pytest.mark.parametrize(
    ("change", "code", "named"),
    [
        (b"{not json", 6, "JSON"),
        (b"[1, 2]", 6, "object"),
        ({"cniVersion": "0.9.9"}, 1, "0.9.9"),
        ({"cniVersion": None}, 7, "cniVersion"),
        ({"name": 5}, 7, "name"),
        ({"name": "bad name"}, 7, "bad name"),
        ({"bridge": 5}, 7, "bridge"),
        ({"bridge": "a-very-long-bridge-name"}, 7, "bridge"),
        ({"isGateway": "yes"}, 7, "isGateway"),
        ({"ipMasq": 1}, 7, "ipMasq"),
        ({"mtu": "1500"}, 7, "mtu"),
        ({"mtu": 10}, 7, "mtu"),
        ({"hairpinMode": "on"}, 7, "hairpinMode"),
        ({"ipam": "host-local"}, 7, "ipam"),
        (
            {"ipam": {"type": "rawns-host-local", "ranges": [[{"subnet": "10.1.0.0/33"}]]}},
            7,
            "subnet",
        ),
        ({"ipam": {"type": "rawns-host-local", "ranges": "10.1.0.0/24"}}, 7, "ranges"),
        ({"ipam": {"type": "no-such-ipam"}}, 104, "no-such-ipam"),
        ({"prevResult": []}, 7, "prevResult"),
    ],
)
def test_bad_config(
    rt: Runtime,
    node: netns.Netns,
    make_ns: Any,
    tmp_path: Path,
    change: Any,
    code: int,
    named: str,
) -> None:
    pod = make_ns()
    before = node_state(node, tmp_path / "ipam")
    conf = change if isinstance(change, bytes) else _one(conflist(tmp_path / "ipam"), **change)
    if isinstance(conf, dict):
        conf = {k: v for k, v in conf.items() if v is not None}
    err = _bad(rt, pod, conf, {})
    assert err.code == code, err
    assert named in err.msg, err
    assert node_state(node, tmp_path / "ipam") == before
    with Handle.open(netns=pod) as ph:
        assert [lk.name for lk in link.dump(ph)] == ["lo"]


@pytest.mark.parametrize(
    ("env", "named"),
    [
        ({"CNI_COMMAND": None}, "CNI_COMMAND"),
        ({"CNI_COMMAND": "PUT"}, "CNI_COMMAND"),
        ({"CNI_CONTAINERID": None}, "CNI_CONTAINERID"),
        ({"CNI_CONTAINERID": "-bad"}, "CNI_CONTAINERID"),
        ({"CNI_CONTAINERID": "a/b"}, "CNI_CONTAINERID"),
        ({"CNI_IFNAME": None}, "CNI_IFNAME"),
        ({"CNI_IFNAME": "a-sixteen-bytes!"}, "CNI_IFNAME"),
        ({"CNI_IFNAME": "a/b"}, "CNI_IFNAME"),
        ({"CNI_IFNAME": ".."}, "CNI_IFNAME"),
        ({"CNI_NETNS": None}, "CNI_NETNS"),
        ({"CNI_PATH": None}, "CNI_PATH"),
        ({"CNI_ARGS": "IgnoreUnknown"}, "CNI_ARGS"),
    ],
)
def test_bad_env(
    rt: Runtime, node: netns.Netns, make_ns: Any, tmp_path: Path, env: Any, named: str
) -> None:
    pod = make_ns()
    before = node_state(node, tmp_path / "ipam")
    if "CNI_COMMAND" not in env:
        env = {**env, "CNI_COMMAND": "ADD"}
    if env.get("CNI_COMMAND") is None:
        conf = _one(conflist(tmp_path / "ipam"))
        e = {**ENV, "CNI_NETNS": path(pod)}
        with pytest.raises(CniFailed) as exc:
            rt.exec_plugin("rawns-bridge", "ADD", conf, env={**e, "CNI_COMMAND": None})
        err = exc.value
    else:
        err = _bad(rt, pod, _one(conflist(tmp_path / "ipam")), env)
    assert err.code == 4, err
    assert named in err.msg, err
    assert node_state(node, tmp_path / "ipam") == before


def test_missing_netns_is_code_3(rt: Runtime, make_ns: Any, tmp_path: Path) -> None:
    err = _bad(rt, make_ns(), _one(conflist(tmp_path / "ipam")), {"CNI_NETNS": "/run/netns/nope"})
    assert err.code == 3 and "/run/netns/nope" in err.msg


def test_ifname_exists(rt: Runtime, node: netns.Netns, make_ns: Any, tmp_path: Path) -> None:
    pod = make_ns()
    run("ip", "-n", str(pod.name), "link", "add", "eth0", "type", "veth", "peer", "name", "x0")
    before = node_state(node, tmp_path / "ipam")
    err = _bad(rt, pod, _one(conflist(tmp_path / "ipam")), {})
    assert err.code == 100 and "eth0" in err.msg
    after = node_state(node, tmp_path / "ipam")
    assert after == before


def test_subnet_full(rt: Runtime, node: netns.Netns, make_ns: Any, tmp_path: Path) -> None:
    cl = conflist(tmp_path / "ipam", portmap=False)
    cl["plugins"][0]["ipam"]["ranges"] = [[{"subnet": "10.88.0.0/30"}]]  # one address: .2
    a, b = make_ns(), make_ns()
    rt.add(cl, "ctr1", path(a))
    before = node_state(node, tmp_path / "ipam")
    with pytest.raises(CniFailed) as e:
        rt.add(cl, "ctr2", path(b))
    assert e.value.code == 101 and "10.88.0.0/30" in e.value.msg
    assert node_state(node, tmp_path / "ipam") == before
    with Handle.open(netns=b) as ph:
        assert [lk.name for lk in link.dump(ph)] == ["lo"]
    rt.delete(cl, "ctr1", path(a))


def test_host_port_in_use(rt: Runtime, node: netns.Netns, make_ns: Any, tmp_path: Path) -> None:
    cl = conflist(tmp_path / "ipam")
    a, b = make_ns(), make_ns()
    maps = {"portMappings": [{"hostPort": 8080, "containerPort": 80}]}
    rt.add(cl, "ctr1", path(a), capability_args=maps)
    rules_before = masq_rules(node)
    with pytest.raises(CniFailed) as e:
        rt.add(cl, "ctr2", path(b), capability_args=maps)
    assert e.value.code == 102 and "8080" in e.value.msg and "ctr1" in e.value.msg
    # bridge's ADD for ctr2 went through; the runtime DELs the chain after a failed ADD
    rt.delete(cl, "ctr2", path(b), capability_args=maps, use_cache=False)
    assert masq_rules(node) == rules_before
    rt.delete(cl, "ctr1", path(a))


def test_bad_port_mapping(rt: Runtime, make_ns: Any, tmp_path: Path) -> None:
    pod = make_ns()
    conf = {
        "type": "rawns-portmap",
        "name": "rawns-test",
        "cniVersion": "1.1.0",
        "prevResult": {"cniVersion": "1.1.0", "interfaces": [], "ips": [], "routes": []},
        "runtimeConfig": {"portMappings": [{"hostPort": "80", "containerPort": 80}]},
    }
    err = _bad(rt, pod, conf, {}, plugin="rawns-portmap")
    assert err.code == 7 and "hostPort" in err.msg
    conf["runtimeConfig"] = {
        "portMappings": [{"hostPort": 80, "containerPort": 80, "protocol": "icmp"}]
    }
    err = _bad(rt, pod, conf, {}, plugin="rawns-portmap")
    assert err.code == 7 and "icmp" in err.msg


# ---------------------------------------------------------------------------
# real traffic


def test_traffic(rt: Runtime, node: netns.Netns, make_ns: Any, tmp_path: Path) -> None:
    # hairpinMode: with br_netfilter loaded (bridge-nf-call-iptables), a hairpin DNAT is
    # bridged back out of the port it came in by, as with the reference plugins
    cl = conflist(tmp_path / "ipam", hairpinMode=True)
    a, b, ext = make_ns(), make_ns(), make_ns()
    with Handle.open(netns=node) as h:
        from rawns import compose

        link.set(h, "lo", up=True)  # a node's loopback is up
        compose.ensure_link(h, link.Bridge(name="uplink", up=True))
        compose.ensure_address(h, "uplink", "172.30.0.1/24")
        connect(h, ext, bridge="uplink", veth="eth0", bridge_end="ext0", address="172.30.0.2/24")
    maps = {"portMappings": [{"hostPort": 8080, "containerPort": 80}]}
    ra = rt.add(cl, "pod-a", path(a), capability_args=maps)
    rb = rt.add(cl, "pod-b", path(b))
    ip_a = ra["ips"][0]["address"].split("/")[0]
    ip_b = rb["ips"][0]["address"].split("/")[0]
    with (
        probe.TcpServer(a, "0.0.0.0", 80, name="a"),
        probe.TcpServer(ext, "0.0.0.0", 9000, name="ext"),
    ):
        # pod <-> pod on the node: the server sees the pod's own address
        assert str(probe.tcp_check(b, ip_a, 80).seen_source) == ip_b
        # pod -> external: masqueraded to the node's uplink address
        assert str(probe.tcp_check(b, "172.30.0.2", 9000).seen_source) == "172.30.0.1"
        # external -> node:hostPort -> pod: DNAT, the source kept
        r = probe.tcp_check(ext, "172.30.0.1", 8080)
        assert (r.server, str(r.seen_source)) == ("a", "172.30.0.2")
        # hairpin: the pod reaches itself through the node's hostPort
        r = probe.tcp_check(a, "172.30.0.1", 8080)
        assert r.server == "a"
        # 127.0.0.1:hostPort from the node
        assert probe.tcp_check(node, "127.0.0.1", 8080).server == "a"
    rt.delete(cl, "pod-a", path(a))
    rt.delete(cl, "pod-b", path(b))
    with pytest.raises(OSError):
        probe.tcp_check(ext, "172.30.0.1", 8080, timeout=0.5)


def test_dual_stack(rt: Runtime, node: netns.Netns, make_ns: Any, tmp_path: Path) -> None:
    cl = conflist(tmp_path / "ipam", portmap=False, isDefaultGateway=True)
    cl["plugins"][0]["ipam"]["ranges"] = [[{"subnet": SUBNET}], [{"subnet": "fd00:88::/64"}]]
    cl["plugins"][0]["ipam"]["routes"] = []
    a = make_ns()
    res = rt.add(cl, "ctr1", path(a))
    assert [i["address"] for i in res["ips"]] == ["10.88.0.2/24", "fd00:88::2/64"]
    assert {r["dst"] for r in res["routes"]} == {"0.0.0.0/0", "::/0"}
    with Handle.open(netns=node) as h:
        got = {str(x.address) for x in addr.dump(h, dev="cni0")}
        assert {"10.88.0.1/24", "fd00:88::1/64"} <= got
        assert sysctl.get(h, "net.ipv6.conf.all.forwarding") == "1"
    rt.check(cl, "ctr1", path(a))
    rt.delete(cl, "ctr1", path(a))
    assert os.listdir(tmp_path / "ipam/rawns-test") != []
    assert ipaddress.ip_address("fd00:88::2")
