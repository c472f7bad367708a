"""Real-traffic checks between namespaces: a tiny TCP "who am I talking to" probe.

A :class:`TcpServer` listens inside one namespace and answers every
connection with its own name and the source address it saw; :func:`tcp_check`
connects from another namespace and returns what the far end saw. Sockets are
created inside their namespace by a helper thread (a socket keeps the
namespace it was made in), so the caller's thread never moves.

Every wait is bounded by a timeout; traffic only flows between namespaces the
caller created.
"""

from __future__ import annotations

import contextlib
import ipaddress
import socket
import threading
import time
from dataclasses import dataclass
from types import TracebackType

from . import _check
from .netns import Netns, run_in

__all__ = ["ProbeResult", "TcpServer", "tcp_check"]


@dataclass(frozen=True, slots=True, kw_only=True)
class ProbeResult:
    """What the server said: its name and the client address it saw."""

    server: str
    seen_source: ipaddress.IPv4Address | ipaddress.IPv6Address
    seen_port: int
    seconds: float


def _family(host: str) -> socket.AddressFamily:
    return socket.AF_INET6 if ipaddress.ip_address(host).version == 6 else socket.AF_INET


def _host(host: object) -> str:
    """An IP address as the socket takes it (a link-local IPv6 one may carry %zone:
    a socket, unlike netlink, has a field for it)."""
    if isinstance(host, ipaddress.IPv4Address | ipaddress.IPv6Address):
        return str(host)
    if not isinstance(host, str):
        raise TypeError(
            f"host must be an IP address (str or ipaddress), not {type(host).__name__}: {host!r}"
        )
    try:
        ipaddress.ip_address(host)
    except ValueError:
        raise ValueError(f"host must be an IP address, not {host!r}") from None
    return host


def _ns(ns: object) -> Netns | None:
    if ns is None:
        return None
    if not isinstance(ns, Netns):
        raise TypeError(f"ns must be a rawns.netns.Netns or None, not {type(ns).__name__}: {ns!r}")
    if ns.closed:
        raise ValueError(f"ns {ns!r} is closed")
    return ns


def _timeout(timeout: object) -> float:
    t = _check.seconds(timeout, "timeout")
    if t == 0:
        raise ValueError("timeout must be more than 0 seconds (0 would not wait at all)")
    return t


class TcpServer:
    """A TCP server inside ``ns`` answering ``"<name> <peer-ip> <peer-port>\\n"``.

    Use as a context manager; it stops (and closes its socket) on exit.
    """

    def __init__(self, ns: Netns | None, host: str, port: int, *, name: str) -> None:
        ns = _ns(ns)
        host = _host(host)
        port = _check.port(port, "port")
        # One word: the answer is split on whitespace.
        self.name = _check.text(name, "name", max_bytes=200, forbid=" \t\r\n")
        fam = _family(host)

        def listen() -> socket.socket:
            s = socket.socket(fam, socket.SOCK_STREAM | socket.SOCK_CLOEXEC)
            try:
                s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                if fam == socket.AF_INET6:
                    # IPV6_FREEBIND-like: bind even if DAD has not finished yet.
                    s.setsockopt(socket.IPPROTO_IPV6, 78, 1)  # IPV6_FREEBIND
                else:
                    s.setsockopt(socket.IPPROTO_IP, 15, 1)  # IP_FREEBIND
                s.bind((host, port))
                s.listen(16)
                s.settimeout(0.2)
            except BaseException:
                s.close()
                raise
            return s

        self._sock = run_in(ns, listen)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, name=f"rawns-probe-{name}", daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, peer = self._sock.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            with conn:
                conn.settimeout(2.0)
                with contextlib.suppress(OSError):
                    conn.sendall(f"{self.name} {peer[0]} {peer[1]}\n".encode())

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=2.0)
        self._sock.close()

    def __enter__(self) -> TcpServer:
        return self

    def __exit__(
        self, t: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


def tcp_check(ns: Netns | None, host: str, port: int, *, timeout: float = 3.0) -> ProbeResult:
    """Connect from ``ns`` to ``host:port`` and return what the server saw.

    Raises :class:`OSError` (``ConnectionRefusedError``, ``TimeoutError``...) if
    the connection cannot be made within ``timeout`` seconds;
    :class:`ValueError`/:class:`TypeError` for a bad argument (nothing sent).
    """
    ns = _ns(ns)
    host = _host(host)
    port = _check.port(port, "port")
    timeout = _timeout(timeout)
    fam = _family(host)
    t0 = time.perf_counter()

    def connect() -> socket.socket:
        s = socket.socket(fam, socket.SOCK_STREAM | socket.SOCK_CLOEXEC)
        s.settimeout(timeout)
        try:
            s.connect((host, port))
        except BaseException:
            s.close()
            raise
        return s

    with run_in(ns, connect) as s:
        data = b""
        while not data.endswith(b"\n"):
            chunk = s.recv(256)
            if not chunk:
                break
            data += chunk
    parts = data.decode().split()
    if len(parts) != 3:
        raise ConnectionError(f"unexpected answer from {host}:{port}: {data!r}")
    return ProbeResult(
        server=parts[0],
        seen_source=ipaddress.ip_address(parts[1]),
        seen_port=int(parts[2]),
        seconds=time.perf_counter() - t0,
    )
