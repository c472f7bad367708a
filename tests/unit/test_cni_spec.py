"""rawns.cni._spec and host-local allocation, without root: env rules, config types, errors."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest

from rawns.cni import _spec, host_local

BASE = {
    "CNI_COMMAND": "ADD",
    "CNI_CONTAINERID": "c1",
    "CNI_NETNS": "/x",
    "CNI_IFNAME": "eth0",
    "CNI_PATH": "/opt/cni/bin",
}


def call(env: dict[str, Any], conf: Any) -> tuple[int, dict[str, Any]]:
    out = io.StringIO()
    raw = conf if isinstance(conf, bytes) else json.dumps(conf).encode()
    code = _spec.run(host_local.COMMANDS, environ=env, stdin=raw, out=out)
    return code, json.loads(out.getvalue()) if out.getvalue() else {}


def test_version() -> None:
    code, ans = call({"CNI_COMMAND": "VERSION"}, b"")
    assert code == 0 and ans == {"cniVersion": "1.1.0", "supportedVersions": ["1.0.0", "1.1.0"]}


@pytest.mark.parametrize(
    ("key", "value", "named"),
    [
        ("CNI_CONTAINERID", "", "CNI_CONTAINERID"),
        ("CNI_CONTAINERID", "_x", "CNI_CONTAINERID"),
        ("CNI_CONTAINERID", "a b", "CNI_CONTAINERID"),
        ("CNI_IFNAME", "x" * 16, "CNI_IFNAME"),
        ("CNI_IFNAME", "a:b", "CNI_IFNAME"),
        ("CNI_IFNAME", "a b", "CNI_IFNAME"),
        ("CNI_IFNAME", ".", "CNI_IFNAME"),
        ("CNI_NETNS", "", "CNI_NETNS"),
        ("CNI_PATH", "", "CNI_PATH"),
        ("CNI_COMMAND", "add", "CNI_COMMAND"),
        ("CNI_ARGS", "K=V;junk", "CNI_ARGS"),
    ],
)
def test_env_rules(key: str, value: str, named: str) -> None:
    code, ans = call({**BASE, key: value}, {"cniVersion": "1.1.0", "name": "n"})
    assert code == 1 and ans["code"] == 4 and named in ans["msg"]


def test_del_needs_no_netns(tmp_path: Path) -> None:
    env = {**BASE, "CNI_COMMAND": "DEL"}
    del env["CNI_NETNS"]
    conf = {
        "cniVersion": "1.0.0",
        "name": "n",
        "ipam": {"type": "rawns-host-local", "subnet": "10.0.0.0/24", "dataDir": str(tmp_path)},
    }
    assert call(env, conf) == (0, {})


def test_gc_needs_1_1_0() -> None:
    code, ans = call({"CNI_COMMAND": "GC", "CNI_PATH": "/x"}, {"cniVersion": "1.0.0", "name": "n"})
    assert (code, ans["code"]) == (1, 1) and "1.1.0" in ans["msg"]


def _conf(tmp_path: Path, **ipam: Any) -> dict[str, Any]:
    return {
        "cniVersion": "1.1.0",
        "name": "net",
        "ipam": {"type": "rawns-host-local", "dataDir": str(tmp_path), **ipam},
    }


def test_allocation_order_and_files(tmp_path: Path) -> None:
    conf = _conf(
        tmp_path,
        ranges=[[{"subnet": "10.0.0.0/29", "rangeStart": "10.0.0.3"}], [{"subnet": "fd00::/120"}]],
        routes=[{"dst": "0.0.0.0/0"}],
    )
    code, ans = call(BASE, conf)
    assert code == 0
    assert ans["ips"] == [
        {"address": "10.0.0.3/29", "gateway": "10.0.0.1"},
        {"address": "fd00::2/120", "gateway": "fd00::1"},
    ]
    assert ans["routes"] == [{"dst": "0.0.0.0/0"}]
    d = tmp_path / "net"
    assert (d / "10.0.0.3").read_bytes() == b"c1\r\neth0"
    assert (d / "last_reserved_ip.0").read_text() == "10.0.0.3"
    assert (d / "last_reserved_ip.1").read_text() == "fd00::2"
    assert (d / "lock").exists()
    got = [call({**BASE, "CNI_CONTAINERID": f"c{i}"}, conf)[1] for i in range(2, 6)]
    assert [g["ips"][0]["address"] for g in got[:3]] == [
        "10.0.0.4/29",
        "10.0.0.5/29",
        "10.0.0.6/29",
    ]
    assert got[3]["code"] == 101 and "10.0.0.0/29" in got[3]["msg"]
    # after a release, the walk goes on from the last reserved address and wraps around
    assert call({**BASE, "CNI_COMMAND": "DEL", "CNI_CONTAINERID": "c2"}, conf) == (0, {})
    assert call({**BASE, "CNI_CONTAINERID": "c9"}, conf)[1]["ips"][0]["address"] == "10.0.0.4/29"


@pytest.mark.parametrize(
    ("ipam", "code", "named"),
    [
        ({"ranges": [[{"subnet": "10.0.0.0/24", "gateway": "10.1.0.1"}]]}, 7, "gateway"),
        ({"ranges": [[{"subnet": "10.0.0.0/24", "rangeStart": "10.0.1.1"}]]}, 7, "rangeStart"),
        ({"ranges": [[{"subnet": 5}]]}, 7, "subnet"),
        ({"ranges": [[{"subnet": "10.0.0.0/24"}], [{"subnet": "10.0.0.0/25"}]]}, 7, "overlaps"),
        ({"subnet": "10.0.0.0/24", "routes": [{"dst": "nope"}]}, 7, "routes[0].dst"),
        ({"subnet": "10.0.0.0/24", "dataDir": "relative"}, 7, "dataDir"),
        ({}, 7, "ranges"),
    ],
)
def test_bad_ipam(tmp_path: Path, ipam: dict[str, Any], code: int, named: str) -> None:
    conf = _conf(tmp_path)
    conf["ipam"].update(ipam)
    rc, ans = call(BASE, conf)
    assert rc == 1 and ans["code"] == code and named in ans["msg"], ans
    assert not (tmp_path / "net").exists() or not [
        p for p in (tmp_path / "net").iterdir() if p.name[0].isdigit()
    ]


def test_unknown_keys_are_ignored(tmp_path: Path) -> None:
    conf = _conf(tmp_path, subnet="10.0.0.0/24", someFutureKey={"x": 1})
    conf["anotherKey"] = [1]
    assert call(BASE, conf)[0] == 0


def test_docs_conflist_is_valid() -> None:
    """docs/cni.md's conflist: valid JSON, rawns plugins, and an ipam section host-local takes."""
    import re

    text = (Path(__file__).resolve().parents[2] / "docs/cni.md").read_text()
    blocks = re.findall(r"^```json\n(.*?)^```", text, re.S | re.M)
    assert blocks
    for b in blocks:
        cl = json.loads(b)
        assert [p["type"] for p in cl["plugins"]] == [
            "rawns-bridge",
            "rawns-portmap",
            "rawns-bandwidth",
        ]
        conf = {**cl["plugins"][0], "name": cl["name"], "cniVersion": cl["cniVersion"]}
        req = _spec.parse_request(_spec.parse_env(BASE), json.dumps(conf).encode())
        assert len(host_local.parse_config(req).range_sets) == 2


def test_del_looks_for_the_host_veth_by_prevresult_first() -> None:
    from rawns.cni import bridge
    from rawns.pods import host_ifname_for

    env = _spec.Env("DEL", "c1", "", "eth0", (), ("/x",))
    conf = {"cniVersion": "1.1.0", "name": "n", "bridge": "br9"}
    req = _spec.parse_request(env, json.dumps(conf).encode())
    prev = {
        "interfaces": [
            {"name": "br9", "mac": ""},  # the bridge: skipped
            {"name": "veth0123abcd", "mac": ""},
            {"name": "eth0", "sandbox": "/x"},  # the pod's end: skipped
            {"name": "no/slash"},  # not an interface name: skipped
            "junk",
        ]
    }
    names = list(bridge._host_names(bridge.parse_conf(req), "c1", "eth0", prev))
    assert names == ["veth0123abcd", host_ifname_for("c1", "eth0")]
    assert list(bridge._host_names(bridge.parse_conf(req), "c1", "eth0", None)) == [
        host_ifname_for("c1", "eth0")
    ]
    bad = {"interfaces": 5}
    assert len(list(bridge._host_names(bridge.parse_conf(req), "c1", "eth0", bad))) == 1
