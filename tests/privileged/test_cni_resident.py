"""The resident mode (docs/cni.md, "Resident mode"): shims forwarding to a daemon.

The daemon runs in a namespace the test made (tests/cni_runtime.resident_daemon),
never the node's: each test proves the work lands in the namespace the *shim*
ran in (the fd it passed). The conformance suite itself runs in this mode too
(tests/privileged/test_cni.py, the ``rt`` fixture's ``resident`` parameter, with the
compiled shim); the tests here run with both shims, the compiled (csrc/cni_shim.c) and
the Python one (rawns/cni/_shim.py).
"""

from __future__ import annotations

import concurrent.futures
import json
import os
import socket
import stat
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from rawns import Handle, link, netns, sysctl
from rawns.cni import _shim, _spec
from tests.cni_runtime import CniFailed, Runtime, plugin_dir, resident_daemon
from tests.privileged.test_cni import conflist, masq_rules, path


@pytest.fixture(params=["c", "python"])
def shim(request: pytest.FixtureRequest) -> str:
    """Which shim ``install --resident`` writes: the compiled one or the Python one."""
    kind: str = request.param
    return kind


def links(ns: netns.Netns | str) -> set[str]:
    with Handle.open(netns=ns) as h:
        return {lk.name for lk in link.dump(h)}


def netns_fds(pid: int) -> int:
    """How many namespace fds the process holds (the daemon's cached node handles)."""
    n = 0
    for fd in os.listdir(f"/proc/{pid}/fd"):
        try:
            if os.readlink(f"/proc/{pid}/fd/{fd}").startswith("net:["):
                n += 1
        except FileNotFoundError:
            continue
    return n


def test_work_lands_in_each_shims_namespace(make_ns: Any, tmp_path: Path, shim: str) -> None:
    # one daemon, two nodes: each ADD configures the node its shim ran in, nothing else
    n1, n2 = make_ns(), make_ns()
    with resident_daemon() as d:
        cni_path = plugin_dir(tmp_path, "resident", socket_path=d.socket, shim=shim)
        assert stat.S_IMODE(os.stat(d.socket).st_mode) == 0o600
        rts = [
            Runtime(node=str(n.name), cni_path=cni_path, cache_dir=tmp_path / f"cache{i}")
            for i, n in enumerate((n1, n2))
        ]
        cls = [conflist(tmp_path / f"ipam{i}") for i in range(2)]
        pods = [make_ns() for _ in range(6)]

        def add(i: int) -> dict[str, Any]:
            maps = {"portMappings": [{"hostPort": 8080 + i, "containerPort": 80}]}
            return rts[i % 2].add(cls[i % 2], f"c{i}", path(pods[i]), capability_args=maps)

        with concurrent.futures.ThreadPoolExecutor(6) as ex:
            results = list(ex.map(add, range(6)))
        for n in (n1, n2):
            assert "cni0" in links(n)
            with Handle.open(netns=n) as h:
                assert sysctl.get(h, "net.ipv4.ip_forward") == "1"
        assert "cni0" not in links(d.netns)  # the daemon's own namespace is untouched
        with Handle.open(netns=d.netns) as h:
            assert sysctl.get(h, "net.ipv4.ip_forward") == "0"
        # each node's pods: three, each with its own address; rules only on its node
        for k, n in enumerate((n1, n2)):
            ips = sorted(r["ips"][0]["address"] for r in results[k::2])
            assert len(set(ips)) == 3
            assert sorted(c for c in masq_rules(n) if c.startswith("bridge")) == sorted(
                f"bridge rawns-test c{i} {r['ips'][0]['address'].split('/')[0]}"
                for i, r in list(enumerate(results))[k::2]
            )
        assert netns_fds(d.pid) >= 2  # a cached handle per node
        for i in range(6):
            rts[i % 2].check(cls[i % 2], f"c{i}", path(pods[i]))
            rts[i % 2].delete(cls[i % 2], f"c{i}", path(pods[i]))
        assert masq_rules(n1) == masq_rules(n2) == []


def test_node_handles_closed_when_idle(make_ns: Any, tmp_path: Path, shim: str) -> None:
    node, pod = make_ns(), make_ns()
    with resident_daemon(idle=0.3) as d:
        rt = Runtime(
            node=str(node.name),
            cni_path=plugin_dir(tmp_path, "resident", socket_path=d.socket, shim=shim),
            cache_dir=tmp_path / "cache",
        )
        base = netns_fds(d.pid)
        cl = conflist(tmp_path / "ipam", portmap=False)
        rt.add(cl, "c1", path(pod))
        deadline = time.monotonic() + 10
        while netns_fds(d.pid) > base and time.monotonic() < deadline:
            time.sleep(0.1)
        assert netns_fds(d.pid) == base  # closed: the node namespace is not held alive
        rt.delete(cl, "c1", path(pod))  # and opened again on demand
        assert masq_rules(node) == []


def test_daemon_down_is_error_11(make_ns: Any, tmp_path: Path, shim: str) -> None:
    node = make_ns()
    with resident_daemon() as d:
        sock = d.socket
        cni_path = plugin_dir(tmp_path, "resident", socket_path=sock, shim=shim)
        rt = Runtime(node=str(node.name), cni_path=cni_path, cache_dir=tmp_path / "cache")
        rt.status(conflist(tmp_path / "ipam"))
    # stopped: its socket is gone
    assert not os.path.exists(sock)
    with pytest.raises(CniFailed) as e:
        rt.status(conflist(tmp_path / "ipam"))
    assert e.value.code == _spec.TRY_AGAIN_LATER
    assert sock in e.value.msg
    # a stale socket (a daemon killed): the same
    s = socket.socket(socket.AF_UNIX)
    os.makedirs(os.path.dirname(sock), exist_ok=True)
    s.bind(sock)
    s.close()
    try:
        with pytest.raises(CniFailed) as e:
            rt.add(conflist(tmp_path / "ipam"), "c1", path(make_ns()))
        assert e.value.code == 11 and "Connection refused" in e.value.msg
        assert rt.version("rawns-bridge")["supportedVersions"] == ["1.0.0", "1.1.0"]
    finally:
        os.unlink(sock)
        os.rmdir(os.path.dirname(sock))
    assert links(node) == {"lo"}


_AS_NOBODY = """
import os, socket, sys, json
sys.path.insert(0, {root!r})
from rawns.cni import _shim
ns = os.open({ns!r}, os.O_RDONLY)  # a namespace the test made, opened while root
os.setgroups([]); os.setresgid(65534, 65534, 65534); os.setresuid(65534, 65534, 65534)
s = socket.socket(socket.AF_UNIX)
s.connect({sock!r})
env = {{"CNI_COMMAND": "STATUS", "CNI_PATH": "/nonexistent"}}
data = _shim.encode("rawns-portmap", env, b'{{"cniVersion": "1.1.0", "name": "n"}}')
s.sendmsg([data], [(socket.SOL_SOCKET, socket.SCM_RIGHTS, ns.to_bytes(4, sys.byteorder))])
out = b""
while chunk := s.recv(65536):
    out += chunk
status, body = _shim.decode_reply(out)
print(json.dumps({{"status": status, "reply": json.loads(body)}}))
"""


def test_non_root_peer_refused(make_ns: Any) -> None:
    node = make_ns()
    root = str(Path(__file__).resolve().parents[2])
    with resident_daemon() as d:
        # the socket is 0600 (root only); opened up here so the daemon's own check is met
        os.chmod(os.path.dirname(d.socket), 0o755)  # noqa: S103 - the test's own directory
        os.chmod(d.socket, 0o666)  # noqa: S103 - a peer that is not root must reach the check
        code = _AS_NOBODY.format(root=root, ns=f"/run/netns/{node.name}", sock=d.socket)
        p = subprocess.run(
            [sys.executable, "-I", "-c", code], capture_output=True, timeout=60, check=False
        )
        assert p.returncode == 0, p.stderr.decode()
        got = json.loads(p.stdout)
        assert got["status"] == 1
        assert got["reply"]["code"] == _spec.PEER_REFUSED
        assert "uid 65534" in got["reply"]["msg"]
        assert "refused a peer with uid 65534" in d.log.read_text()


def test_bad_requests_leave_the_daemon_serving(make_ns: Any, tmp_path: Path, shim: str) -> None:
    node, pod = make_ns(), make_ns()
    with resident_daemon() as d:
        for data in (b"junk" * 10, _shim.MAGIC + bytes(3), _shim.MAGIC + b"\xff" * 12):
            with socket.socket(socket.AF_UNIX) as s:
                s.connect(d.socket)
                s.sendall(data)
                s.shutdown(socket.SHUT_WR)
                out = b""
                while chunk := s.recv(65536):
                    out += chunk
            status, body = _shim.decode_reply(out)
            assert status == 1 and json.loads(body)["code"] == _spec.DECODING_FAILURE
        rt = Runtime(
            node=str(node.name),
            cni_path=plugin_dir(tmp_path, "resident", socket_path=d.socket, shim=shim),
            cache_dir=tmp_path / "cache",
        )
        cl = conflist(tmp_path / "ipam", portmap=False)
        rt.add(cl, "c1", path(pod))
        rt.delete(cl, "c1", path(pod))
        # a CNI error (bad config) answered as the exec'd plugin answers it
        with pytest.raises(CniFailed) as e:
            rt.add({**cl, "plugins": [{**cl["plugins"][0], "mtu": "big"}]}, "c2", path(pod))
        assert e.value.code == _spec.INVALID_CONFIG and "mtu" in e.value.msg
    assert links(pod) == {"lo"}


def test_oversized_stdin_refused_by_the_daemon(make_ns: Any, tmp_path: Path, shim: str) -> None:
    # one byte over the daemon's bound: refused whole (error 6), after the shim sent it all
    from rawns.cni import _daemon

    node = make_ns()
    with resident_daemon() as d:
        rt = Runtime(
            node=str(node.name),
            cni_path=plugin_dir(tmp_path, "resident", socket_path=d.socket, shim=shim),
            cache_dir=tmp_path / "cache",
        )
        with pytest.raises(CniFailed) as e:
            rt.exec_plugin("rawns-bridge", "ADD", b" " * (_daemon.MAX_STDIN + 1))
        assert e.value.code == _spec.DECODING_FAILURE and "at most" in e.value.msg
        rt.status(conflist(tmp_path / "ipam"))  # and it serves on
    assert links(node) == {"lo"}
