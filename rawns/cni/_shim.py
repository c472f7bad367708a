"""The thin shim a runtime execs in resident mode (``python -m rawns.cni install --resident``).

It forwards one invocation to the resident daemon (:mod:`rawns.cni._daemon`)
on a unix socket: its ``CNI_*`` variables, its stdin (the configuration) and,
as ``SCM_RIGHTS``, an fd of its own network namespace (a CNI plugin
configures the namespace it runs in: the daemon works in that one). It prints
the daemon's answer and exits with its status. VERSION it answers itself. If
the daemon cannot be reached, it prints the spec's error 11 ("try again
later") naming the socket. Run with ``-I -S``, it imports only ``os`` and
``sys`` (loaded at start-up anyway) and ``_socket``, the C module behind
``socket`` (whose Python layer imports ``enum``, ``selectors`` and friends:
most of an exec's import time); the fd goes as plain bytes, not an ``array``.
The launcher is this file with the constants below set. csrc/cni_shim.c is the
same program in C (what ``install --resident`` writes when rawns was built with it):
same frame, same texts, without an interpreter's start.

The request frame (big-endian u32s)::

    b"rCN1" | len(plugin) | len(env) | len(stdin) | plugin | env | stdin

``env`` is ``KEY=VALUE\\0`` per ``CNI_*`` variable. The reply::

    b"rCN1" | exit status | len(stdout) | stdout
"""

import _socket
import os
import sys

TYPE_CHECKING = False  # not typing's, nor __future__: the shim imports nothing more
if TYPE_CHECKING:
    from collections.abc import Mapping

# -- set by the launcher (rawns.cni._launcher.resident_script) --
SOCKET = "/run/rawns-cni.sock"
PLUGIN = "rawns-bridge"
SUPPORTED = ("1.0.0", "1.1.0")
# -- end --

MAGIC = b"rCN1"
HEADER = 16  # the request's: magic and three lengths
REPLY_HEADER = 12  # magic, status, length
MAX_REPLY = 16 << 20
TRY_AGAIN_LATER = 11


def _u32(n: int) -> bytes:
    return n.to_bytes(4, "big")


def encode(plugin: str, environ: "Mapping[str, str]", stdin: bytes) -> bytes:
    """The request frame: ``plugin``, the ``CNI_*`` variables of ``environ``, ``stdin``."""
    env = b"".join(
        (k + "=" + v).encode("utf-8", "surrogateescape") + b"\0"
        for k, v in environ.items()
        if k.startswith("CNI_")
    )
    p = plugin.encode()
    return MAGIC + _u32(len(p)) + _u32(len(env)) + _u32(len(stdin)) + p + env + stdin


def decode_reply(data: bytes) -> "tuple[int, bytes]":
    """(exit status, stdout) from a whole reply; ValueError if it is not one."""
    if len(data) < REPLY_HEADER or data[:4] != MAGIC:
        raise ValueError(f"the daemon's reply is not a rawns CNI reply ({len(data)} bytes)")
    status = int.from_bytes(data[4:8], "big")
    n = int.from_bytes(data[8:12], "big")
    if status > 255 or len(data) != REPLY_HEADER + n:
        raise ValueError(f"the daemon's reply is truncated or malformed ({len(data)} bytes)")
    return status, data[REPLY_HEADER:]


def forward(data: bytes, path: str) -> "tuple[int, bytes]":
    """Send one request (and this process's netns fd) to ``path``; the decoded reply.

    Raises OSError if the daemon cannot be reached, ValueError for a bad reply."""
    s = _socket.socket(_socket.AF_UNIX, _socket.SOCK_STREAM)
    try:
        s.connect(path)
        fd = os.open("/proc/self/ns/net", os.O_RDONLY | os.O_CLOEXEC)
        try:
            fds = fd.to_bytes(4, sys.byteorder)  # one C int, as array("i", [fd]) would hold
            sent = s.sendmsg([data], [(_socket.SOL_SOCKET, _socket.SCM_RIGHTS, fds)])
        finally:
            os.close(fd)
        if sent < len(data):  # (sendall of nothing may meet a daemon that answered and closed)
            s.sendall(data[sent:])
        chunks = []
        got = 0
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            chunks.append(chunk)
            got += len(chunk)
            if got > MAX_REPLY:
                raise ValueError(f"the daemon's reply is larger than {MAX_REPLY} bytes")
    finally:
        s.close()
    if not chunks:
        raise ValueError("the daemon closed the connection without answering")
    return decode_reply(b"".join(chunks))


def _json_str(text: str) -> str:
    out = ['"']
    for c in text:
        if c in '"\\':
            out.append("\\" + c)
        elif c < " " or c == "\x7f" or "\ud800" <= c <= "\udfff":
            out.append(f"\\u{ord(c):04x}")
        else:
            out.append(c)
    out.append('"')
    return "".join(out)


def version_answer(supported: "tuple[str, ...]" = SUPPORTED) -> str:
    """What VERSION prints (as rawns.cni._spec.version_answer, without json)."""
    versions = ", ".join(_json_str(v) for v in supported)
    return f'{{"cniVersion": {_json_str(supported[-1])}, "supportedVersions": [{versions}]}}'


def try_again(msg: str, supported: "tuple[str, ...]" = SUPPORTED) -> str:
    """The spec's error 11 as JSON. (The compiled shim, csrc/cni_shim.c, holds this
    text up to the msg string's closing quote, rendered at install by the launcher.)"""
    return (
        f'{{"cniVersion": {_json_str(supported[-1])}, "code": {TRY_AGAIN_LATER}, '
        f'"msg": {_json_str(msg)}}}'
    )


def main() -> int:
    if os.environ.get("CNI_COMMAND") == "VERSION":
        sys.stdout.write(version_answer() + "\n")
        return 0
    stdin = sys.stdin.buffer.read()
    try:
        status, out = forward(encode(PLUGIN, os.environ, stdin), SOCKET)
    except OSError as e:
        why = e.strerror or str(e)
        msg = f"{PLUGIN}: the rawns CNI daemon is not reachable at {SOCKET}: {why}"
        sys.stdout.write(try_again(msg) + "\n")
        return 1
    except ValueError as e:
        sys.stdout.write(try_again(f"{PLUGIN}: rawns CNI daemon at {SOCKET}: {e}") + "\n")
        return 1
    sys.stdout.buffer.write(out)
    sys.stdout.flush()
    return status


if __name__ == "__main__":
    sys.exit(main())
