"""The resident CNI mode without root: the shim's framing, the daemon's parsing, bad requests.

Every malformed, truncated or oversized request gets a clean error reply (a CNI error
object), never an exception out of the daemon, and any fd it came with is closed.
"""

from __future__ import annotations

import json
import os
import socket
import struct
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import pytest

from rawns.cni import _daemon, _launcher, _shim, _spec

ENV = {
    "CNI_COMMAND": "ADD",
    "CNI_CONTAINERID": "c1",
    "CNI_NETNS": "/run/netns/x",
    "CNI_IFNAME": "eth0",
    "CNI_PATH": "/opt/cni/bin",
    "PATH": "/usr/bin",  # not forwarded
}


def parse(frame: bytes) -> _daemon.Parsed:
    lengths = _daemon.parse_header(frame[: _shim.HEADER])
    return _daemon.parse_body(lengths, frame[_shim.HEADER :])


def test_shim_frame_round_trips_through_the_daemon_parser() -> None:
    got = parse(_shim.encode("rawns-bridge", ENV, b'{"cniVersion": "1.1.0"}'))
    assert got.plugin == "rawns-bridge"
    assert got.environ == {k: v for k, v in ENV.items() if k.startswith("CNI_")}
    assert got.stdin == b'{"cniVersion": "1.1.0"}'


def test_env_values_keep_odd_bytes() -> None:
    env = {"CNI_ARGS": "A=b=c;K=\udcff", "CNI_COMMAND": "DEL"}
    assert parse(_shim.encode("rawns-portmap", env, b"")).environ == env


def frame(plugin: bytes = b"rawns-bridge", env: bytes = b"", stdin: bytes = b"") -> bytes:
    return (
        _shim.MAGIC + struct.pack("!III", len(plugin), len(env), len(stdin)) + plugin + env + stdin
    )


@pytest.mark.parametrize(
    ("data", "words"),
    [
        (b"XXXX" + bytes(12), "magic"),
        (_shim.MAGIC + struct.pack("!III", 99, 0, 0), "plugin name is 99 bytes"),
        (_shim.MAGIC + struct.pack("!III", 5, 1 << 20, 0), "environment is"),
        (_shim.MAGIC + struct.pack("!III", 5, 0, 1 << 30), "stdin is"),
        (_shim.MAGIC + struct.pack("!III", 0, 0, 0), "no plugin"),
    ],
)
def test_bad_headers(data: bytes, words: str) -> None:
    with pytest.raises(_daemon.ProtocolError, match=words):
        _daemon.parse_header(data)


def test_short_header() -> None:
    with pytest.raises(_daemon.ProtocolError, match="header is 3 bytes"):
        _daemon.parse_header(b"rCN")


@pytest.mark.parametrize(
    ("data", "words"),
    [
        (frame(plugin=b"bridge"), "no rawns CNI plugin 'bridge'"),
        (frame(plugin=b"rawns-\xff"), "not ASCII"),
        (frame(env=b"CNI_COMMAND=ADD"), "does not end with NUL"),
        (frame(env=b"PATH=/bin\0"), "not CNI_"),
        (frame(env=b"CNI_COMMAND\0"), "not CNI_"),
        (frame(env=b"CNI_COMMAND=ADD\0CNI_COMMAND=DEL\0"), "twice"),
    ],
)
def test_bad_bodies(data: bytes, words: str) -> None:
    with pytest.raises(_daemon.ProtocolError, match=words):
        parse(data)


def test_body_length_must_match() -> None:
    with pytest.raises(_daemon.ProtocolError, match="body is 2 bytes, not 12"):
        _daemon.parse_body((12, 0, 0), b"ab")


def test_reply_round_trip_and_bad_replies() -> None:
    assert _shim.decode_reply(_daemon.encode_reply(1, b"out\n")) == (1, b"out\n")
    assert _shim.decode_reply(_daemon.encode_reply(0, b"")) == (0, b"")
    for bad in (b"", b"rCN1", _daemon.encode_reply(0, b"abc")[:-1], b"XXXX" + bytes(8)):
        with pytest.raises(ValueError, match="reply"):
            _shim.decode_reply(bad)
    with pytest.raises(ValueError, match="malformed"):
        _shim.decode_reply(_shim.MAGIC + struct.pack("!II", 256, 0))


def test_shim_json_is_json() -> None:
    assert json.loads(_shim.version_answer()) == _spec.version_answer()
    msg = 'odd "path"\\ \n\x00\x7f é \udcff'
    err = json.loads(_shim.try_again(msg))
    assert err["code"] == _spec.TRY_AGAIN_LATER == 11
    assert err["msg"] == msg


# ---------------------------------------------------------------------------
# a connection, over a socketpair (no root: the requests never reach a command)


def open_fds() -> set[str]:
    return set(os.listdir("/proc/self/fd"))


def serve_pair(
    send: Any, nodes: _daemon.Nodes | None = None
) -> tuple[int, dict[str, Any] | None, bytes]:
    """Run handle_connection on one end while ``send(peer)`` writes to the other."""
    ours, peer = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
    result: list[int] = []
    t = threading.Thread(
        target=lambda: result.append(_daemon.handle_connection(ours, nodes or _daemon.Nodes()))
    )
    t.start()
    try:
        chunks = []
        if send(peer) != "closed":
            while chunk := peer.recv(65536):
                chunks.append(chunk)
    finally:
        peer.close()
        t.join(30)
    data = b"".join(chunks)
    _status, out = _shim.decode_reply(data) if data else (-1, b"")
    return result[0], (json.loads(out) if out else None), out


def test_garbage_gets_an_error_reply() -> None:
    before = open_fds()
    sent, err, _ = serve_pair(lambda p: p.sendall(b"GET / HTTP/1.1\r\n\r\n"))
    assert sent == 1
    assert err is not None and err["code"] == _spec.DECODING_FAILURE
    assert "magic" in err["msg"]
    assert open_fds() == before


def test_truncated_request_gets_an_error_reply() -> None:
    def send(p: socket.socket) -> None:
        p.sendall(frame(env=b"CNI_COMMAND=ADD\0")[:-5])
        p.shutdown(socket.SHUT_WR)

    sent, err, _ = serve_pair(send)
    assert sent == 1
    assert err is not None and err["code"] == _spec.DECODING_FAILURE
    assert "truncated" in err["msg"]


def test_oversized_request_refused_before_reading_it() -> None:
    def send(p: socket.socket) -> None:
        p.sendall(_shim.MAGIC + struct.pack("!III", 12, 0, _daemon.MAX_STDIN + 1))

    _, err, _ = serve_pair(send)
    assert err is not None and "at most" in err["msg"]


def test_request_without_an_fd_is_refused() -> None:
    _, err, _ = serve_pair(lambda p: p.sendall(_shim.encode("rawns-bridge", ENV, b"{}")))
    assert err is not None and "0 fds passed" in err["msg"]


def test_fd_that_is_not_a_netns_is_refused_and_closed() -> None:
    before = open_fds()
    r, w = os.pipe()

    def send(p: socket.socket) -> None:
        data = _shim.encode("rawns-bridge", ENV, b"{}")
        p.sendmsg([data], [(socket.SOL_SOCKET, socket.SCM_RIGHTS, struct.pack("i", r))])

    try:
        _, err, _ = serve_pair(send)
    finally:
        os.close(r)
        os.close(w)
    assert err is not None and err["code"] == _spec.IO_FAILURE
    assert "not usable" in err["msg"]
    assert open_fds() == before  # the daemon's copy closed too


def test_extra_fds_are_refused_and_closed() -> None:
    before = open_fds()
    fds = [os.open("/dev/null", os.O_RDONLY) for _ in range(2)]

    def send(p: socket.socket) -> None:
        data = _shim.encode("rawns-bridge", ENV, b"{}")
        p.sendmsg([data], [(socket.SOL_SOCKET, socket.SCM_RIGHTS, struct.pack("2i", *fds))])

    try:
        _, err, _ = serve_pair(send)
    finally:
        for fd in fds:
            os.close(fd)
    assert err is not None and "2 fds passed" in err["msg"]
    assert open_fds() == before


def test_peer_gone_early_is_no_crash() -> None:
    def send(p: socket.socket) -> str:
        p.sendall(b"rCN1")
        p.close()
        return "closed"

    sent, err, _ = serve_pair(send)
    assert err is None and sent == -1


class FakeHandle:
    def __init__(self) -> None:
        self.closed = False

    def close(self) -> None:
        self.closed = True


def test_nodes_reap_only_idle_unused_handles() -> None:
    nodes = _daemon.Nodes(idle=10)
    a, b = FakeHandle(), FakeHandle()
    ea = _daemon._Entry((1, 1), a)  # type: ignore[arg-type]  # a stand-in handle
    eb = _daemon._Entry((1, 2), b)  # type: ignore[arg-type]
    nodes._entries = {ea.key: ea, eb.key: eb}
    eb.users = 1
    now = max(ea.last, eb.last) + 11
    assert nodes.reap(now) == 1
    assert a.closed and not b.closed
    nodes.release(eb, drop=True)  # a failed request: closed once its user is done
    assert b.closed and len(nodes) == 0


# ---------------------------------------------------------------------------
# the launchers


def test_resident_script_and_install(tmp_path: Path) -> None:
    sock = str(tmp_path / "d.sock")
    paths = _launcher.install(str(tmp_path), resident=sock, shim="python")
    assert sorted(os.path.basename(p) for p in paths) == sorted(_launcher.PLUGINS)
    text = Path(paths[0]).read_text()
    assert text.startswith(f"#!{sys.executable} -IS\n")
    assert f"SOCKET = {sock!r}\n" in text
    assert f"SUPPORTED = {tuple(_spec.SUPPORTED)!r}\n" in text
    compile(text, paths[0], "exec")


@pytest.mark.parametrize("bad", ["relative.sock", "/x\0y", "/" + "a" * 120])
def test_resident_socket_checked(tmp_path: Path, bad: str) -> None:
    with pytest.raises(ValueError, match="absolute path"):
        _launcher.install(str(tmp_path), resident=bad)
    assert list(tmp_path.iterdir()) == []


def test_shim_imports_only_what_it_may(tmp_path: Path) -> None:
    (shim,) = (
        p
        for p in _launcher.install(str(tmp_path), resident="/nonexistent/d.sock", shim="python")
        if "bridge" in p
    )
    env = {"CNI_COMMAND": "ADD"}
    p = subprocess.run(
        [sys.executable, "-IS", "-X", "importtime", shim],
        input=b"{}",
        capture_output=True,
        env=env,
        check=False,
    )
    imported = {
        line.split("|")[2].strip()
        for line in p.stderr.decode().splitlines()
        if line.startswith("import time:") and "|" in line and "self [us]" not in line
    }
    baseline = subprocess.run(
        [sys.executable, "-IS", "-X", "importtime", "-c", "import os, sys"],
        capture_output=True,
        env=env,
        check=True,
    )
    base = {
        line.split("|")[2].strip()
        for line in baseline.stderr.decode().splitlines()
        if line.startswith("import time:") and "|" in line and "self [us]" not in line
    }
    assert imported - base <= {"_socket"}
    # the daemon is down: the spec's error 11, naming the socket
    assert p.returncode == 1
    err = json.loads(p.stdout)
    assert err["code"] == 11 and "/nonexistent/d.sock" in err["msg"]


@pytest.mark.parametrize("kind", ["c", "python"])
def test_shim_answers_version_itself(tmp_path: Path, kind: str) -> None:
    shim = _launcher.install(str(tmp_path), resident="/nonexistent/d.sock", shim=kind)[0]
    p = subprocess.run(
        [shim], capture_output=True, env={"CNI_COMMAND": "VERSION"}, check=True, input=b""
    )
    assert json.loads(p.stdout) == _spec.version_answer()
