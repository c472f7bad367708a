"""The compiled resident shim (csrc/cni_shim.c) against the Python one (rawns/cni/_shim.py).

Both are installed as ``python -m rawns.cni install --resident`` writes them, for the
same plugin and socket, and run on the same inputs against a fake daemon on a unix
socket (no root: nothing reaches a command). What each sent (the frame's bytes, the
namespace the passed fd names), printed and exited with must be identical, for good
replies and for every way a reply or the daemon can fail.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import socket
import struct
import subprocess
import sys
import tempfile
import threading
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from rawns.cni import _daemon, _launcher, _shim, _spec

PLUGIN = "rawns-portmap"
ENV: dict[str, str | bytes] = {
    "CNI_COMMAND": "ADD",
    "CNI_CONTAINERID": "c0ffee",
    "CNI_NETNS": "/run/netns/pod",
    "CNI_IFNAME": "eth0",
    "CNI_PATH": "/opt/cni/bin",
    "PATH": "/usr/bin:/bin",
    "NOT_CNI": "left out",
}
CONF = b'{"cniVersion": "1.1.0", "name": "n", "type": "rawns-portmap"}'


def reply(status: int, out: bytes) -> bytes:
    return _shim.MAGIC + struct.pack("!II", status, len(out)) + out


@pytest.fixture
def sockdir() -> Iterator[Path]:
    d = Path(tempfile.mkdtemp(prefix="rsh-", dir="/tmp"))  # short: sun_path holds 107 bytes
    try:
        yield d
    finally:
        shutil.rmtree(d, ignore_errors=True)


def shims(d: Path, sock: str) -> dict[str, str]:
    out = {}
    for kind in ("c", "python"):
        (d / kind).mkdir(exist_ok=True)
        paths = _launcher.install(str(d / kind), resident=sock, shim=kind)
        (out[kind],) = (p for p in paths if p.endswith(PLUGIN))
    return out


@pytest.fixture(autouse=True)
def _compiled() -> None:
    if not os.path.exists(_launcher.SHIM_BINARY):
        pytest.fail(f"no compiled shim at {_launcher.SHIM_BINARY}: pip install -e . builds it")


@dataclass
class FakeDaemon:
    """Accepts one connection, reads one whole request, answers ``answer`` (None: closes
    without answering)."""

    path: str
    answer: bytes | None
    frame: bytes = b""
    fd_targets: list[str] = field(default_factory=list)

    def __enter__(self) -> FakeDaemon:
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.bind(self.path)
        self.sock.listen(1)
        self.thread = threading.Thread(target=self.serve)
        self.thread.start()
        return self

    def serve(self) -> None:
        conn, _ = self.sock.accept()
        with conn:
            head = b""
            while len(head) < _shim.HEADER:
                data, anc, _flags, _ = conn.recvmsg(_shim.HEADER - len(head), socket.CMSG_SPACE(16))
                for level, kind, raw in anc:
                    if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
                        for (fd,) in struct.iter_unpack("i", raw[: len(raw) - len(raw) % 4]):
                            self.fd_targets.append(os.readlink(f"/proc/self/fd/{fd}"))
                            os.close(fd)
                if not data:
                    break
                head += data
            body = b""
            if len(head) == _shim.HEADER:
                want = sum(struct.unpack("!III", head[4:]))
                while len(body) < want and (chunk := conn.recv(1 << 20)):
                    body += chunk
            self.frame = head + body
            if self.answer is not None:
                # (OSError: a shim that stopped reading an oversized reply)
                with contextlib.suppress(OSError):
                    conn.sendall(self.answer)

    def __exit__(self, *exc: object) -> None:
        self.thread.join(60)
        self.sock.close()
        os.unlink(self.path)


@dataclass(frozen=True)
class Run:
    status: int
    stdout: bytes
    frame: bytes
    fd_targets: tuple[str, ...]


def run(
    exe: str,
    sock: str,
    answer: bytes | None,
    *,
    env: Mapping[str, str | bytes] = ENV,
    stdin: bytes = CONF,
    daemon: bool = True,
    via: tuple[str, ...] = (),
) -> Run:
    argv = [*via, exe]
    if not daemon:
        p = subprocess.run(argv, input=stdin, env=env, capture_output=True, timeout=60)
        return Run(p.returncode, p.stdout, b"", ())
    with FakeDaemon(sock, answer) as d:
        p = subprocess.run(argv, input=stdin, env=env, capture_output=True, timeout=60)
    return Run(p.returncode, p.stdout, d.frame, tuple(d.fd_targets))


def both(sockdir: Path, answer: bytes | None, **kw: object) -> tuple[Run, Run]:
    sock = str(sockdir / "d.sock")
    ex = shims(sockdir, sock)
    c = run(ex["c"], sock, answer, **kw)  # type: ignore[arg-type]  # run's keywords
    py = run(ex["python"], sock, answer, **kw)  # type: ignore[arg-type]
    assert c == py
    return c, py


def test_frames_and_answers_are_the_python_shims(sockdir: Path) -> None:
    out = b'{"cniVersion": "1.1.0", "ips": []}\n'
    c, _ = both(sockdir, reply(0, out))
    assert c.status == 0 and c.stdout == out
    # the frame the daemon's own parser accepts, holding only the CNI_* variables
    req = _daemon.parse_body(_daemon.parse_header(c.frame[:16]), c.frame[16:])
    assert req.plugin == PLUGIN and req.stdin == CONF
    assert req.environ == {k: v for k, v in ENV.items() if k.startswith("CNI_")}
    assert c.frame == _shim.encode(PLUGIN, req.environ, CONF)
    # one fd, naming this very network namespace (the shim ran in it)
    assert c.fd_targets == (os.readlink("/proc/self/ns/net"),)


def test_status_and_error_output_passed_through(sockdir: Path) -> None:
    err = b'{"cniVersion": "1.1.0", "code": 7, "msg": "bad"}\n'
    c, _ = both(sockdir, reply(7, err))
    assert (c.status, c.stdout) == (7, err)


def test_large_output_passed_through(sockdir: Path) -> None:
    out = os.urandom(3 << 20)
    c, _ = both(sockdir, reply(0, out))
    assert c.stdout == out


def test_env_with_non_utf8_bytes(sockdir: Path) -> None:
    env: dict[str, str | bytes] = {
        **ENV,
        "CNI_ARGS": b"IgnoreUnknown=1;K8S_POD_NAME=\xff\xfe-\xc3\xa9",
        "CNI_X\xe9": b"\x80=",
        "CNI_EMPTY": "",
    }
    c, _ = both(sockdir, reply(0, b"{}"), env=env)
    assert b"CNI_ARGS=IgnoreUnknown=1;K8S_POD_NAME=\xff\xfe-\xc3\xa9\0" in c.frame
    assert b"CNI_X\xc3\xa9=\x80=\0" in c.frame and b"CNI_EMPTY=\0" in c.frame
    assert b"NOT_CNI" not in c.frame and b"PATH=/usr" not in c.frame


# execve(2) with an environment naming CNI_A twice (subprocess cannot make one)
_EXEC_DUPLICATES = """
import ctypes, sys
libc = ctypes.CDLL(None, use_errno=True)
argv = (ctypes.c_char_p * 2)(sys.argv[1].encode(), None)
env = [b"CNI_COMMAND=ADD", b"CNI_A=first", b"NOT_CNI=x", b"CNI_A=second", b"CNI_B=b", None]
libc.execve(argv[0], argv, (ctypes.c_char_p * len(env))(*env))
sys.exit(f"execve: {ctypes.get_errno()}")
"""


def test_duplicated_variable_sent_once_the_first(sockdir: Path) -> None:
    via = (sys.executable, "-c", _EXEC_DUPLICATES)
    c, _ = both(sockdir, reply(0, b"{}"), via=via)
    assert b"\0CNI_A=first\0CNI_B=b\0" in c.frame and b"second" not in c.frame


def test_huge_stdin(sockdir: Path) -> None:
    data = os.urandom(_daemon.MAX_STDIN)
    c, _ = both(sockdir, reply(0, b"ok"), stdin=data)
    assert c.frame.endswith(data) and c.stdout == b"ok"


def test_empty_stdin(sockdir: Path) -> None:
    c, _ = both(sockdir, reply(0, b""), stdin=b"")
    assert c.status == 0 and c.stdout == b""
    req = _daemon.parse_body(_daemon.parse_header(c.frame[:16]), c.frame[16:])
    assert req.stdin == b"" and req.environ["CNI_COMMAND"] == "ADD"


@pytest.mark.parametrize(
    ("answer", "says"),
    [
        (None, "the daemon closed the connection without answering"),
        (b"rCN", "the daemon's reply is not a rawns CNI reply (3 bytes)"),
        (b"HTTP/1.1 200 OK\r\n\r\n", "the daemon's reply is not a rawns CNI reply (19 bytes)"),
        (reply(0, b"abc")[:-1], "the daemon's reply is truncated or malformed (14 bytes)"),
        (reply(0, b"abc") + b"x", "the daemon's reply is truncated or malformed (16 bytes)"),
        (reply(256, b""), "the daemon's reply is truncated or malformed (12 bytes)"),
        (
            reply(0, bytes(_shim.MAX_REPLY)),
            f"the daemon's reply is larger than {_shim.MAX_REPLY} bytes",
        ),
    ],
    ids=["no-answer", "short", "bad-magic", "truncated", "trailing", "status", "oversized"],
)
def test_bad_replies_are_error_11(sockdir: Path, answer: bytes | None, says: str) -> None:
    c, _ = both(sockdir, answer)
    assert c.status == 1
    err = json.loads(c.stdout)
    assert err["code"] == _spec.TRY_AGAIN_LATER
    assert err["msg"] == f"{PLUGIN}: rawns CNI daemon at {sockdir / 'd.sock'}: {says}"


def test_daemon_down_is_error_11(sockdir: Path) -> None:
    sock = str(sockdir / "d.sock")
    ex = shims(sockdir, sock)
    got = {k: run(e, sock, None, daemon=False) for k, e in ex.items()}
    assert got["c"] == got["python"]
    err = json.loads(got["c"].stdout)
    assert got["c"].status == 1 and err["code"] == 11
    assert err["msg"] == f"{PLUGIN}: the rawns CNI daemon is not reachable at {sock}: " + (
        "No such file or directory"
    )
    # a stale socket (a daemon killed): refused
    s = socket.socket(socket.AF_UNIX)
    s.bind(sock)
    s.close()
    got = {k: run(e, sock, None, daemon=False) for k, e in ex.items()}
    assert got["c"] == got["python"]
    assert json.loads(got["c"].stdout)["msg"].endswith(": Connection refused")


def test_odd_socket_paths_escaped_alike(sockdir: Path) -> None:
    # quote, backslash, control characters, DEL, non-ASCII and non-UTF-8 bytes in the path
    sock = os.fsdecode(str(sockdir).encode() + b'/a"b\\c\n\t\x7f\xc3\xa9\xff.sock')
    ex = shims(sockdir, sock)
    got = {k: run(e, sock, None, daemon=False) for k, e in ex.items()}
    assert got["c"] == got["python"]
    err = json.loads(got["c"].stdout)
    assert err["msg"].startswith(f"{PLUGIN}: the rawns CNI daemon is not reachable at {sock}: ")


def test_version_answered_without_the_daemon(sockdir: Path) -> None:
    sock = str(sockdir / "d.sock")
    ex = shims(sockdir, sock)
    env = {"CNI_COMMAND": "VERSION"}
    got = {k: run(e, sock, None, env=env, daemon=False) for k, e in ex.items()}
    assert got["c"] == got["python"]
    assert got["c"].status == 0
    assert json.loads(got["c"].stdout) == _spec.version_answer()


def test_version_lookalikes_are_forwarded(sockdir: Path) -> None:
    for cmd in ("version", "VERSION ", ""):
        c, _ = both(sockdir, reply(0, b"fwd"), env={**ENV, "CNI_COMMAND": cmd})
        assert c.stdout == b"fwd"


# ---------------------------------------------------------------------------
# install and the patching


def test_install_copies_and_patches_each(sockdir: Path) -> None:
    sock = str(sockdir / "d.sock")
    paths = _launcher.install(str(sockdir), resident=sock, shim="c")
    binary = Path(_launcher.SHIM_BINARY).read_bytes()
    for p in paths:
        data = Path(p).read_bytes()
        assert os.stat(p).st_mode & 0o777 == 0o755
        assert data.startswith(b"\x7fELF") and len(data) == len(binary)
        assert _launcher.SHIM_MARKER not in data
        name = os.path.basename(p)
        assert _launcher.shim_conf(name, sock) in data


def test_auto_takes_the_compiled_shim(tmp_path: Path) -> None:
    (p, *_) = _launcher.install(str(tmp_path), resident="/run/r.sock")
    assert Path(p).read_bytes().startswith(b"\x7fELF")


def test_without_a_build_auto_falls_back_with_a_note(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(_launcher, "SHIM_BINARY", str(tmp_path / "missing"))
    paths = _launcher.install(str(tmp_path), resident="/run/r.sock")
    assert Path(paths[0]).read_text().startswith("#!")
    assert "no compiled CNI shim" in capsys.readouterr().err
    with pytest.raises(FileNotFoundError, match="no compiled CNI shim"):
        _launcher.install(str(tmp_path / "c"), resident="/run/r.sock", shim="c")


def test_bad_shim_or_marker_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="shim 'go'"):
        _launcher.install(str(tmp_path), resident="/run/r.sock", shim="go")
    for bad in (b"no marker", _launcher.SHIM_MARKER * 2):
        with pytest.raises(ValueError, match="marker"):
            _launcher.patch_shim(bad, PLUGIN, "/run/r.sock")
    with pytest.raises(ValueError, match="absolute path"):
        _launcher.install(str(tmp_path), resident="/" + "a" * 120, shim="c")
    assert list(tmp_path.iterdir()) == []


def test_unpatched_binary_refuses(tmp_path: Path) -> None:
    p = subprocess.run(
        [_launcher.SHIM_BINARY], input=b"{}", env={"CNI_COMMAND": "ADD"}, capture_output=True
    )
    assert p.returncode == 1 and p.stdout == b""
    assert b"not configured" in p.stderr
