"""A rawns-built pod cluster equals the same cluster built with ip/bridge/nft (issue 14).

``rawns.demo_k8s.build`` makes two nodes on a LAN namespace, three pods and an
external namespace; this test builds the same cluster a second time with
``ip netns add``, ``ip link add ... type veth peer name ... netns ...``,
``ip addr``, ``ip route``, ``ip link add flannel.1 type vxlan ...``,
``bridge fdb append``, ``ip neigh replace ... nud permanent`` and ``nft``, then
compares the ``ip -j``/``bridge -j``/``nft -j`` dumps of each namespace.

Normalised away, because they legitimately differ between two builds:

- MAC addresses (random per link; also in neighbour and FDB entries);
- ifindexes, peer indexes and netnsids (allocation order);
- altnames (none are made; a kernel may add some);
- host veth names (rawns derives them from a hash of the container id, which
  embeds the run's prefix): each becomes ``host:<pod>``, found by its alias;
- the run's namespace prefix (in aliases);
- IPv6 link-local addresses and their routes (the kernel adds them by itself,
  with MAC-derived addresses, when a link gains carrier);
- nft handles and the metainfo header.
"""

from __future__ import annotations

import contextlib
import json
import re
import time
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from rawns import demo_k8s, pods
from tests.conftest import run

LAN = demo_k8s.LAN
_MAC = re.compile(r"\b[0-9a-f]{2}(:[0-9a-f]{2}){5}\b")
_VOLATILE_FLAGS = {"NO-CARRIER", "LOWER_UP", "M-DOWN", "DORMANT"}
_LINK_DROP = {"ifindex", "link_index", "link_netnsid", "altnames", "address", "broadcast"}


def _ip(ns: str, *args: str) -> Any:
    out = run("ip", "-n", ns, "-j", *args)
    return json.loads(out) if out.strip() else []


def _bridge(ns: str, *args: str) -> Any:
    out = run("bridge", "-n", ns, "-j", *args)
    return json.loads(out) if out.strip() else []


def _norm(value: Any, names: dict[str, str], prefix: str) -> Any:
    """MACs, host veth names and the run's prefix replaced, recursively."""
    if isinstance(value, dict):
        return {k: _norm(v, names, prefix) for k, v in value.items()}
    if isinstance(value, list):
        return [_norm(v, names, prefix) for v in value]
    if isinstance(value, str):
        if value in names:
            return names[value]
        return _MAC.sub("MAC", value.replace(prefix, "PREFIX-"))
    return value


def _link_local(x: Any) -> bool:
    return any(str(x.get(k, "")).startswith("fe80:") for k in ("dst", "local"))


def dump(ns: str, prefix: str) -> dict[str, Any]:
    """The normalised state of one namespace."""
    links = _ip(ns, "-d", "link", "show")
    names = {}
    for lk in links:
        alias = lk.get("ifalias", "")
        if alias.startswith("rawns-pod "):  # a pod's host end: named by its pod
            names[lk["ifname"]] = "host:" + alias.split()[1].removeprefix(prefix)
    out_links = []
    for lk in links:
        x = {k: v for k, v in lk.items() if k not in _LINK_DROP}
        x["flags"] = sorted(set(x.get("flags", [])) - _VOLATILE_FLAGS)
        x.pop("operstate", None)  # follows carrier, asynchronously; "UP" is in flags
        info = x.get("linkinfo", {})
        for k in ("info_slave_data",):  # bridge port internals: timers, ids with MACs
            info.pop(k, None)
        if info.get("info_kind") == "bridge":
            info.pop("info_data", None)  # timers and the bridge id (holds a MAC)
        out_links.append(x)
    addrs = []
    for lk in _ip(ns, "addr", "show"):
        for a in lk.get("addr_info", []):
            if not _link_local(a):
                a.pop("valid_life_time", None)
                a.pop("preferred_life_time", None)
                addrs.append({"dev": lk["ifname"], **a})
    routes = [
        r
        for fam in ("-4", "-6")
        for r in _ip(ns, fam, "route", "show", "table", "all")
        if not _link_local(r)
    ]
    neigh = _ip(ns, "neigh", "show", "nud", "permanent")
    fdb = [
        e
        for lk in links
        if (lk.get("linkinfo") or {}).get("info_kind") == "vxlan"
        for e in _bridge(ns, "fdb", "show", "dev", lk["ifname"])
    ]
    nft_out = run("ip", "netns", "exec", ns, "nft", "-j", "list", "ruleset")
    nft = [
        {k: {f: v for f, v in body.items() if f != "handle"} for k, body in item.items()}
        for item in (json.loads(nft_out)["nftables"] if nft_out.strip() else [])
        if "metainfo" not in item
    ]
    state = {"links": out_links, "addrs": addrs, "routes": routes, "neigh": neigh, "fdb": fdb}
    state["nft"] = nft
    normed: dict[str, Any] = _norm(state, names, prefix)
    return {k: sorted(json.dumps(v, sort_keys=True) for v in vs) for k, vs in normed.items()}


# ---------------------------------------------------------------------------
# the same cluster, built with ip / bridge / nft

ROLES = ["lan", "ext", "node1", "node2", "node1-pod0", "node1-pod1", "node2-pod0"]
N_PODS = 3


def build_with_ip(prefix: str, mode: str) -> None:
    """What demo_k8s.build(prefix, mode=mode, n_pods=3) makes, as commands."""

    def ip(ns: str, *args: str) -> None:
        run("ip", "-n", prefix + ns, *args)

    for role in ROLES:
        run("ip", "netns", "add", prefix + role)
    ip("lan", "link", "add", "lan0", "type", "bridge")
    ip("lan", "link", "set", "lan0", "up")
    ip("lan", "link", "set", "lo", "up")
    uplinks = [("ext", "ext", f"{demo_k8s.EXTERNAL}/24")]
    uplinks += [(f"node{i}", f"node{i}", f"{LAN}.{10 + i}/24") for i in (1, 2)]
    for end, ns, address in uplinks:
        ip("lan", "link", "add", end, "type", "veth", "peer", "name", "eth0", "netns", prefix + ns)
        ip("lan", "link", "set", end, "master", "lan0", "up")
        ip(ns, "link", "set", "lo", "up")
        ip(ns, "link", "set", "eth0", "up")
        ip(ns, "addr", "add", address, "dev", "eth0")
    nft = (
        "add table ip nat\n"
        "add chain ip nat postrouting { type nat hook postrouting priority 100; }\n"
        f"add rule ip nat postrouting ip saddr {demo_k8s.CLUSTER} "
        f"ip daddr != {demo_k8s.CLUSTER} masquerade\n"
    )
    for i in (1, 2):
        node = f"node{i}"
        run("ip", "netns", "exec", prefix + node, "sysctl", "-qw", "net.ipv4.ip_forward=1")
        ip(node, "link", "add", "cni0", "type", "bridge")
        ip(node, "link", "set", "cni0", "up")
        ip(node, "addr", "add", f"10.244.{i}.1/24", "dev", "cni0")
        run("ip", "netns", "exec", prefix + node, "nft", "-f", "-", input=nft)
    mtu: list[str] = []
    if mode == "hostgw":
        ip("node1", "route", "add", "10.244.2.0/24", "via", f"{LAN}.12")
        ip("node2", "route", "add", "10.244.1.0/24", "via", f"{LAN}.11")
    else:
        mtu = ["mtu", str(demo_k8s.VXLAN_MTU)]
        macs = {}
        for i in (1, 2):
            node = f"node{i}"
            ip(node, "link", "add", "flannel.1", *mtu, "type", "vxlan", "id", "1", "local",
               f"{LAN}.{10 + i}", "dev", "eth0", "dstport", "8472", "nolearning")  # fmt: skip
            ip(node, "addr", "add", f"10.244.{i}.0/32", "dev", "flannel.1")
            ip(node, "link", "set", "flannel.1", "up")
            (lk,) = json.loads(run("ip", "-n", prefix + node, "-j", "link", "show", "flannel.1"))
            macs[i] = lk["address"]
        for i, j in ((1, 2), (2, 1)):
            node = f"node{i}"
            ip(node, "neigh", "replace", f"10.244.{j}.0", "lladdr", macs[j], "dev", "flannel.1",
               "nud", "permanent")  # fmt: skip
            run("bridge", "-n", prefix + node, "fdb", "append", macs[j], "dev", "flannel.1",
                "dst", f"{LAN}.{10 + j}", "self", "permanent")  # fmt: skip
            ip(node, "route", "add", f"10.244.{j}.0/24", "via", f"10.244.{j}.0", "dev",
               "flannel.1", "onlink")  # fmt: skip
    counts = {1: 0, 2: 0}
    for p in range(N_PODS):
        i = 1 + p % 2
        k = counts[i]
        counts[i] += 1
        node, pod = f"node{i}", f"node{i}-pod{k}"
        cid = f"{prefix}{pod}"
        host = pods.host_ifname_for(cid, "eth0")
        ip(node, "link", "add", host, *mtu, "type", "veth", "peer", "name", "eth0",
           "netns", prefix + pod, *mtu)  # fmt: skip
        ip(node, "link", "set", host, "alias", f"rawns-pod {cid} eth0")
        ip(pod, "link", "set", "lo", "up")
        ip(pod, "link", "set", "eth0", "up")
        ip(pod, "addr", "add", f"10.244.{i}.{k + 2}/24", "dev", "eth0")
        ip(pod, "route", "add", "default", "via", f"10.244.{i}.1")
        ip(node, "link", "set", host, "master", "cni0", "up")


def _teardown(prefix: str) -> None:
    left = demo_k8s.teardown(prefix)
    assert not left, f"namespaces left behind: {left}"


@contextlib.contextmanager
def both_builds(mode: str) -> Iterator[tuple[str, str]]:
    """(rawns prefix, ip prefix): the two clusters, removed by prefix even on failure."""
    tag = uuid.uuid4().hex[:6]
    ours, theirs = f"rawns-k8s-r{tag}-", f"rawns-k8s-i{tag}-"
    try:
        demo_k8s.build(ours, mode=mode, n_pods=N_PODS).close()
        build_with_ip(theirs, mode)
        yield ours, theirs
    finally:
        _teardown(ours)
        _teardown(theirs)


def _settled(prefix: str, role: str, other: dict[str, Any]) -> dict[str, Any]:
    """The dump, read again a few times while it differs (carrier and the IPv6 multicast
    routes of a link that just came up settle asynchronously)."""
    d = dump(prefix + role, prefix)
    for _ in range(20):
        if d == other:
            break
        time.sleep(0.1)
        d = dump(prefix + role, prefix)
    return d


@pytest.mark.parametrize("mode", demo_k8s.MODES)
def test_rawns_cluster_equals_the_ip_built_one(mode: str) -> None:
    with both_builds(mode) as (ours, theirs):
        for role in ROLES:
            want = dump(theirs + role, theirs)
            got = _settled(ours, role, want)
            for k in want:
                gone = [x for x in want[k] if x not in got[k]]
                extra = [x for x in got[k] if x not in want[k]]
                assert not gone and not extra, (
                    f"{role} {k}: only in the ip build {gone}; only in rawns' {extra}"
                )
        # The dumps are not empty by accident: the pieces each mode makes are there.
        node1 = dump(ours + "node1", ours)
        assert sum('"host:' in x for x in node1["links"]) == 2
        if mode == "vxlan":
            assert len(node1["neigh"]) == 1 and len(node1["fdb"]) == 1
            assert any('"onlink"' in r and "10.244.2.0/24" in r for r in node1["routes"])
        else:
            assert any('"gateway": "192.168.100.12"' in r for r in node1["routes"])
        assert len(node1["nft"]) == 3
