"""The resident CNI daemon: ``python -m rawns.cni serve --socket PATH``.

An exec'd Python plugin pays, on every ADD and DEL, the interpreter's start,
rawns' imports, and the close of an nfnetlink socket after a commit (which
waits for the kernel's RCU grace period). The known way around it (Multus
"thick", Cilium, Calico) is a resident process with everything imported and
sockets open, and thin exec'd shims (:mod:`rawns.cni._shim`) that forward each
invocation to it.

One request per connection on a unix stream socket (mode 0600; a peer whose
``SO_PEERCRED`` uid is neither 0 nor the daemon's own is refused): the
shim's ``CNI_*`` variables, its stdin and, as ``SCM_RIGHTS``, an fd of the
shim's network namespace. A CNI plugin configures the namespace it runs in,
so the daemon does the work in *that* namespace, never its own: it runs the
same command code as the exec'd plugins (:func:`rawns.cni._spec.dispatch`)
with a :class:`~rawns.cni._node.Node`, a handle it keeps open on that
namespace between requests, keyed by the namespace's inode (closed after
``idle`` seconds unused, or after a request that failed). Nothing the kernel
holds is cached: every command asks the kernel afresh. Requests are read
concurrently (a thread per connection, each with a read timeout) and run one
at a time per node namespace; host-local's file lock is kept as in the
exec'd plugins. The framing is sans-I/O (:func:`parse_header`,
:func:`parse_body`, :func:`encode_reply`), so the unit tests drive it
without root.
"""

from __future__ import annotations

import contextlib
import errno
import os
import socket
import stat
import struct
import sys
import threading
import time
from collections.abc import Callable, Mapping

from . import _spec
from ._launcher import PLUGINS
from ._shim import HEADER, MAGIC
from ._spec import CniError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from ..handle import Handle

#: Limits on one request (a configuration with its prevResult is a few KiB).
MAX_PLUGIN = 64
MAX_ENV = 64 << 10
MAX_STDIN = 8 << 20
#: Seconds a peer has to send its whole request, and to take the reply.
IO_TIMEOUT = 10.0
#: Seconds a node namespace's handle stays open unused.
IDLE = 60.0
#: Connections handled at once (further ones wait in the listen backlog).
MAX_CONNECTIONS = 64
_MAX_FDS = 4  # room for a misbehaving peer's extra fds, all closed


class ProtocolError(ValueError):
    """A request that is not a well-formed rawns CNI frame."""


class Parsed:
    """One decoded request: the plugin, its ``CNI_*`` variables, its stdin."""

    __slots__ = ("environ", "plugin", "stdin")

    def __init__(self, plugin: str, environ: dict[str, str], stdin: bytes) -> None:
        self.plugin = plugin
        self.environ = environ
        self.stdin = stdin


def parse_header(data: bytes) -> tuple[int, int, int]:
    """The three lengths of a request header (:data:`HEADER` bytes), checked."""
    if len(data) != HEADER:
        raise ProtocolError(f"request header is {len(data)} bytes, not {HEADER}")
    if data[:4] != MAGIC:
        raise ProtocolError(f"not a rawns CNI request (magic {data[:4]!r})")
    p, e, s = struct.unpack("!III", data[4:])
    for n, limit, what in ((p, MAX_PLUGIN, "plugin name"), (e, MAX_ENV, "environment")):
        if n > limit:
            raise ProtocolError(f"request {what} is {n} bytes (at most {limit})")
    if s > MAX_STDIN:
        raise ProtocolError(f"request stdin is {s} bytes (at most {MAX_STDIN})")
    if p == 0:
        raise ProtocolError("request names no plugin")
    return p, e, s


def parse_body(lengths: tuple[int, int, int], body: bytes) -> Parsed:
    """The plugin, ``CNI_*`` variables and stdin of a request's body, checked."""
    p, e, s = lengths
    if len(body) != p + e + s:
        raise ProtocolError(f"request body is {len(body)} bytes, not {p + e + s}")
    try:
        plugin = body[:p].decode("ascii")
    except UnicodeDecodeError:
        raise ProtocolError("request plugin name is not ASCII") from None
    if plugin not in PLUGINS:
        raise ProtocolError(f"no rawns CNI plugin {plugin!r} (one of {', '.join(PLUGINS)})")
    environ: dict[str, str] = {}
    env = body[p : p + e]
    if env and not env.endswith(b"\0"):
        raise ProtocolError("request environment does not end with NUL")
    for item in env.split(b"\0")[:-1] if env else []:
        key, eq, value = item.decode("utf-8", "surrogateescape").partition("=")
        if not eq or not key.startswith("CNI_"):
            raise ProtocolError(f"request environment entry {item[:40]!r} is not CNI_*=VALUE")
        if key in environ:
            raise ProtocolError(f"request environment names {key} twice")
        environ[key] = value
    return Parsed(plugin, environ, body[p + e :])


def encode_reply(status: int, out: bytes) -> bytes:
    """A reply frame: the plugin's exit status and stdout."""
    return MAGIC + struct.pack("!II", status, len(out)) + out


def _error_json(code: int, msg: str) -> bytes:
    import json

    obj = CniError(code, f"rawns CNI daemon: {msg}").to_json(_spec.SUPPORTED[-1])
    return (json.dumps(obj) + "\n").encode()


def error_reply(code: int, msg: str) -> bytes:
    """A reply holding a CNI error object (exit status 1)."""
    return encode_reply(1, _error_json(code, msg))


# ---------------------------------------------------------------------------
# reading one request from a connection


def _take_fds(ancdata: list[tuple[int, int, bytes]], into: list[int]) -> None:
    for level, kind, data in ancdata:
        if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
            n = len(data) - len(data) % 4
            into.extend(struct.unpack(f"{n // 4}i", data[:n]))


def _recv_exact(conn: socket.socket, n: int, what: str) -> bytes:
    buf = bytearray()
    while len(buf) < n:
        chunk = conn.recv(min(n - len(buf), 1 << 20))
        if not chunk:
            raise ProtocolError(f"request truncated: {what} ended after {len(buf)} of {n} bytes")
        buf += chunk
    return bytes(buf)


def read_request(conn: socket.socket) -> tuple[Parsed, list[int]]:
    """Read one request; returns it and the fds that came with it (the caller closes them).

    Raises :class:`ProtocolError` for a malformed or truncated request (any fd received
    is closed then), :class:`OSError` (``TimeoutError``) for a peer too slow.
    """
    fds: list[int] = []
    try:
        head = bytearray()
        while len(head) < HEADER:
            data, anc, flags, _ = conn.recvmsg(
                HEADER - len(head), socket.CMSG_SPACE(_MAX_FDS * 4), socket.MSG_CMSG_CLOEXEC
            )
            _take_fds(anc, fds)
            if flags & socket.MSG_CTRUNC:
                raise ProtocolError(f"request passed more than {_MAX_FDS} fds")
            if not data:
                raise ProtocolError(
                    f"request truncated: header ended after {len(head)} of {HEADER} bytes"
                )
            head += data
        lengths = parse_header(bytes(head))
        body = _recv_exact(conn, sum(lengths), "body")
        return parse_body(lengths, body), fds
    except BaseException:
        for fd in fds:
            os.close(fd)
        raise


# ---------------------------------------------------------------------------
# node namespaces


class _Entry:
    __slots__ = ("handle", "key", "last", "lock", "users")

    def __init__(self, key: tuple[int, int], handle: Handle) -> None:
        self.key = key
        self.handle = handle
        self.lock = threading.Lock()  # one command at a time per node
        self.users = 0
        self.last = time.monotonic()


class Nodes:
    """The node namespaces' open handles, keyed by (st_dev, st_ino) of the namespace."""

    def __init__(self, idle: float = IDLE) -> None:
        self.idle = idle
        self._lock = threading.Lock()
        self._entries: dict[tuple[int, int], _Entry] = {}

    def __len__(self) -> int:
        with self._lock:
            return len(self._entries)

    def acquire(self, fd: int) -> _Entry:
        """The entry for the namespace ``fd`` names (opened if new), marked in use.

        Raises :class:`ValueError` if ``fd`` is not a network namespace."""
        from .. import netns
        from ..handle import Handle

        st = os.fstat(fd)
        key = (st.st_dev, st.st_ino)
        with self._lock:
            ent = self._entries.get(key)
            if ent is not None:
                ent.users += 1
                return ent
        ns = netns.open(fd=fd)  # a dup, checked to be a network namespace
        try:
            h = Handle.open(netns=ns)  # holds its own dup
        finally:
            ns.close()
        with self._lock:
            ent = self._entries.get(key)
            if ent is None:
                ent = self._entries[key] = _Entry(key, h)
            else:  # another request opened it meanwhile
                h.close()
            ent.users += 1
            return ent

    def release(self, ent: _Entry, *, drop: bool = False) -> None:
        """Done with ``ent``; ``drop`` closes its handle (after a failed request)."""
        with self._lock:
            ent.users -= 1
            ent.last = time.monotonic()
            if drop and self._entries.get(ent.key) is ent:
                del self._entries[ent.key]
            closing = ent.users == 0 and self._entries.get(ent.key) is not ent
        if closing:
            ent.handle.close()

    def reap(self, now: float | None = None) -> int:
        """Close the handles unused for ``idle`` seconds; how many were closed."""
        t = time.monotonic() if now is None else now
        with self._lock:
            old = [e for e in self._entries.values() if e.users == 0 and t - e.last >= self.idle]
            for e in old:
                del self._entries[e.key]
        for e in old:
            e.handle.close()
        return len(old)

    def close(self) -> None:
        with self._lock:
            ents = list(self._entries.values())
            self._entries.clear()
        for e in ents:
            if e.users == 0:
                e.handle.close()


# ---------------------------------------------------------------------------
# serving


def _commands(plugin: str) -> Mapping[str, _spec.Command]:
    import importlib

    commands: Mapping[str, _spec.Command] = importlib.import_module(PLUGINS[plugin]).COMMANDS
    return commands


def _environ(cni: Mapping[str, str]) -> dict[str, str]:
    """What the plugin (and an IPAM delegate it execs) sees: the daemon's environment
    without its own ``CNI_*``, plus the shim's."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CNI_")}
    env.update(cni)
    return env


def _peer_allowed(conn: socket.socket) -> tuple[bool, int]:
    raw = conn.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, struct.calcsize("3i"))
    _pid, uid, _gid = struct.unpack("3i", raw)
    return uid in (0, os.getuid()), uid


def handle_connection(
    conn: socket.socket,
    nodes: Nodes,
    *,
    log: Callable[[str], None] | None = None,
) -> int:
    """Serve one connection: read the request, run it in the shim's namespace, reply.

    Returns the exit status sent. Never raises for anything the peer sent or did.
    """
    say = log or (lambda _msg: None)
    try:
        conn.settimeout(IO_TIMEOUT)
        ok, uid = _peer_allowed(conn)
        if not ok:
            say(f"refused a peer with uid {uid}")
            return _send(
                conn, error_reply(_spec.PEER_REFUSED, f"uid {uid} is not allowed"), drain=True
            )
        try:
            req, fds = read_request(conn)
        except ProtocolError as e:
            say(f"bad request: {e}")
            return _send(conn, error_reply(_spec.DECODING_FAILURE, f"bad request: {e}"), drain=True)
        try:
            if len(fds) != 1:
                return _send(
                    conn,
                    error_reply(
                        _spec.DECODING_FAILURE,
                        f"bad request: {len(fds)} fds passed, not one (the shim's namespace)",
                    ),
                )
            try:
                ent = nodes.acquire(fds[0])
            except (OSError, ValueError) as e:
                return _send(
                    conn,
                    error_reply(_spec.IO_FAILURE, f"the namespace fd passed is not usable: {e}"),
                )
        finally:
            for fd in fds:
                os.close(fd)
        from ._node import Node

        status, out = 1, b""
        try:
            with ent.lock:
                status, out = _spec.dispatch(
                    _commands(req.plugin), _environ(req.environ), req.stdin, Node(ent.handle)
                )
        except Exception as e:  # dispatch reports the commands' errors itself: a daemon bug
            say(f"internal error: {e!r}")
            status, out = 1, _error_json(_spec.INTERNAL, f"internal error: {e!r}")
        finally:
            nodes.release(ent, drop=status != 0)
        return _send(conn, encode_reply(status, out))
    except OSError as e:  # the peer went away, or was too slow
        say(f"connection: {e}")
        return -1
    finally:
        conn.close()


def _send(conn: socket.socket, data: bytes, *, drain: bool = False) -> int:
    conn.sendall(data)
    if drain:
        # A request refused part-read: closing with its rest unread would reset the
        # connection, and the peer could lose the reply. Read the rest (bounded) first.
        conn.shutdown(socket.SHUT_WR)
        conn.settimeout(1.0)
        left = MAX_STDIN + MAX_ENV
        with contextlib.suppress(OSError):
            while left > 0 and (chunk := conn.recv(65536)):
                left -= len(chunk)
    return int.from_bytes(data[4:8], "big")


def _preload() -> None:
    """Import what the commands load lazily, so the first request pays no imports."""
    import importlib

    for m in (*PLUGINS.values(), "rawns.pods", "rawns.compose", "rawns.nft", "rawns.tc"):
        try:
            importlib.import_module(m)
        except ImportError as e:
            print(f"rawns CNI daemon: cannot preload {m}: {e}", file=sys.stderr)


def listen(path: str) -> socket.socket:
    """Bind the daemon's socket at ``path`` (mode 0600), replacing a stale one.

    Raises :class:`ValueError` for a bad path, :class:`FileExistsError` if a daemon
    answers there or the path is not a socket."""
    if not os.path.isabs(path) or "\0" in path or len(os.fsencode(path)) > 107:
        raise ValueError(f"socket {path!r} must be an absolute path of at most 107 bytes")
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        pass
    else:
        if not stat.S_ISSOCK(st.st_mode):
            raise FileExistsError(errno.EEXIST, "exists and is not a socket", path)
        probe = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            probe.connect(path)
        except ConnectionRefusedError:
            os.unlink(path)  # stale: left by a daemon that died
        else:
            raise FileExistsError(errno.EEXIST, "a daemon already listens there", path)
        finally:
            probe.close()
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    old = os.umask(0o177)  # born 0600: no window where another user could connect
    try:
        s.bind(path)
    except BaseException:
        s.close()
        raise
    finally:
        os.umask(old)
    os.chmod(path, 0o600)
    s.listen(128)
    return s


def serve(path: str, *, idle: float = IDLE, ready: Callable[[], None] | None = None) -> None:
    """Serve requests on ``path`` until SIGTERM or SIGINT; the socket is removed on exit."""
    import signal

    def stop(signum: int, _frame: object) -> None:
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, stop)
    _preload()
    nodes = Nodes(idle)
    listener = listen(path)
    ident = os.stat(path).st_ino
    slots = threading.BoundedSemaphore(MAX_CONNECTIONS)
    workers: set[threading.Thread] = set()
    done = threading.Event()

    def log(msg: str) -> None:
        print(f"rawns CNI daemon: {msg}", file=sys.stderr, flush=True)

    def work(conn: socket.socket) -> None:
        try:
            handle_connection(conn, nodes, log=log)
        except Exception as e:  # already answered; keep serving
            log(f"internal error: {e!r}")
        finally:
            slots.release()
            workers.discard(threading.current_thread())

    def reaper() -> None:
        while not done.wait(max(idle / 4, 0.05)):
            nodes.reap()

    threading.Thread(target=reaper, name="rawns-cni-reaper", daemon=True).start()
    if ready is not None:
        ready()
    try:
        while True:
            conn, _ = listener.accept()
            slots.acquire()
            t = threading.Thread(target=work, args=(conn,), daemon=True)
            workers.add(t)
            t.start()
    finally:
        done.set()
        listener.close()
        try:
            if os.stat(path).st_ino == ident:  # still ours (not a successor's)
                os.unlink(path)
        except FileNotFoundError:
            pass
        for t in list(workers):  # let requests under way finish (nothing half-made)
            t.join(IO_TIMEOUT * 3)
        nodes.close()
