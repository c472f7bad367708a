"""Handle: the netlink sockets of one network namespace.

``Handle.open(netns=ns)`` makes its sockets *inside* ``ns``: one C call
enters ``ns``, makes the socket and comes back (csrc: ``rawns_socket_in``). A
netlink socket stays bound to the namespace it was created in, so the
caller's thread is never elsewhere once the call returns and no process is
forked (vishvananda/netlink's ``NewHandleAt``). Every verb in rawns takes a Handle
first. A Handle is safe to share between threads: each exchange holds the
channel's lock, so replies are never crossed. It is not shared across
``fork()``: the child would read the parent's replies (same socket, same
port id), so there any use raises :class:`ValueError` (never a deadlock on a
lock some parent thread held); the child closes it and opens its own.
"""

from __future__ import annotations

import _thread  # its locks are threading's; threading itself costs an import
import os
from types import TracebackType

from . import _check
from . import netns as _netns
from ._netns_paths import PATH_MAX
from ._typing import WeakSet  # not weakref's: _weakrefset costs an import
from .transport import NETLINK_NETFILTER, NETLINK_ROUTE, Channel, NetlinkSocket

__all__ = ["Handle"]


_HANDLES: WeakSet[Handle] = WeakSet()


def _after_fork_in_child() -> None:
    # As for channels (rawns.transport): a lock held by a parent thread at
    # fork() time would deadlock the child's close(); use then raises instead.
    for h in list(_HANDLES):
        h._lock = _thread.allocate_lock()


os.register_at_fork(after_in_child=_after_fork_in_child)


def _caller_ident() -> tuple[int, int]:
    """(st_dev, st_ino) of the calling thread's network namespace."""
    st = os.stat("/proc/thread-self/ns/net")
    return (st.st_dev, st.st_ino)


class Handle:
    """rtnetlink (and, on first use, nfnetlink) sockets bound to one namespace."""

    def __init__(self, rtnl: Channel, ns: _netns.Netns | None) -> None:
        # Normally made by open(); a direct call gets its arguments checked too.
        if not all(hasattr(rtnl, a) for a in ("request", "dump", "close", "closed")):
            raise TypeError(f"rtnl must be a Channel, not {type(rtnl).__name__}: {rtnl!r}")
        if ns is not None and not isinstance(ns, _netns.Netns):
            raise TypeError(f"ns must be a Netns or None, not {type(ns).__name__}: {ns!r}")
        self._rtnl = rtnl
        self._nfnl: Channel | None = None
        self._ns = ns  # our own dup, or None for the caller's namespace
        self._lock = _thread.allocate_lock()
        # Which namespace the sockets live in, as the nsfs inode (st_dev, st_ino):
        # objects dumped through this handle carry it, so that a Link from one
        # namespace is never used, by index, on another (rawns._check.same_netns).
        st = os.stat("/proc/thread-self/ns/net") if ns is None else os.fstat(ns.fd)
        self._ident = (st.st_dev, st.st_ino)
        self._label = (ns.name or ns.path or f"fd {ns.fd}") if ns is not None else "the caller's"
        # Kernel errors name the namespace when it is not the caller's (read
        # only on the error path, so the hot path pays nothing for it).
        if ns is not None and self._ident != _caller_ident():
            rtnl.netns_label = self._label
        _HANDLES.add(self)

    @classmethod
    def open(cls, netns: _netns.NetnsLike | None = None) -> Handle:
        """Open a handle on ``netns``: a :class:`~rawns.netns.Netns`, a name, a path or a pid.

        ``None`` means the namespace of the calling thread. Otherwise anything
        :func:`rawns.netns.resolve` takes: a name under ``/run/netns``
        (``"red"``), an absolute path (``/proc/1234/ns/net``,
        ``/var/run/netns/cni-...``, as CNI runtimes pass), or a pid. The
        handle keeps its own fd on the namespace, so a ``Netns`` may be closed
        first. Raises :class:`TypeError` for anything else, :class:`ValueError`
        for a bad name or path, a path that is not a network namespace, or a
        closed Netns (nothing opened), :class:`FileNotFoundError` for an
        unknown name, path or pid.
        """
        if netns is None:
            return cls(Channel(NetlinkSocket(NETLINK_ROUTE)), None)
        if isinstance(netns, str) and not netns.startswith("/"):
            if "/" in netns:
                raise ValueError(
                    f"netns {netns!r} is neither a namespace name (no '/') nor an absolute path"
                )
            _netns.validate_name(netns)
        elif isinstance(netns, _netns.Netns):
            if netns.closed:
                raise ValueError(f"netns {netns!r} is closed")
        elif isinstance(netns, str | os.PathLike):
            _check.text(os.fspath(netns), "netns (a path)", max_bytes=PATH_MAX - 1)
        elif isinstance(netns, int) and not isinstance(netns, bool):
            _check.integer(netns, "netns (a pid)", 1, _netns.PID_MAX)
        else:
            raise TypeError(
                "netns must be a rawns.netns.Netns, a namespace name, a path, a pid or None, "
                f"not {type(netns).__name__}: {netns!r}"
            )
        # On the calling thread: the namespace is opened as an owned fd (_owning), the
        # socket made in it by one C call and owned as it comes out (transport._open_in),
        # so an exception from a signal handler (Ctrl-C, a test timeout) leaves no fd
        # behind; the thread never leaves its namespace for longer than that call.
        ns = _netns.resolve(netns)
        sock: NetlinkSocket | None = None
        try:
            sock = NetlinkSocket(NETLINK_ROUTE, netns_fd=ns.fd)
            return cls(Channel(sock), ns)
        except BaseException:
            if sock is not None:
                sock.close()
            ns.close()
            raise

    @property
    def netns(self) -> _netns.Netns | None:
        return self._ns

    @property
    def netns_ident(self) -> tuple[int, int]:
        """The namespace's identity: (st_dev, st_ino) of its nsfs inode."""
        return self._ident

    @property
    def netns_label(self) -> str:
        """How errors name the handle's namespace: its name, path, or "the caller's"."""
        return self._label

    @property
    def rtnl(self) -> Channel:
        """The rtnetlink channel."""
        if self._rtnl.closed:
            raise ValueError("the handle is closed")
        self._rtnl.check_process()
        return self._rtnl

    @property
    def nfnl(self) -> Channel:
        """The nfnetlink channel, opened in the handle's namespace on first use."""
        if self._rtnl.closed:
            raise ValueError("the handle is closed")
        self._rtnl.check_process()
        with self._lock:
            if self._nfnl is None:
                ns = self._ns
                sock = NetlinkSocket(NETLINK_NETFILTER, netns_fd=None if ns is None else ns.fd)
                self._nfnl = Channel(sock)
                self._nfnl.netns_label = self._rtnl.netns_label
            return self._nfnl

    @property
    def closed(self) -> bool:
        return self._rtnl.closed

    def close(self) -> None:
        """Close every socket and the namespace fd. Idempotent."""
        with self._lock:
            self._rtnl.close()
            if self._nfnl is not None:
                self._nfnl.close()
            if self._ns is not None:
                self._ns.close()

    def __enter__(self) -> Handle:
        return self

    def __exit__(
        self, t: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        where = repr(self._ns) if self._ns is not None else f"pid {os.getpid()} namespace"
        state = "closed" if self.closed else "open"
        return f"<Handle {where} {state}>"


_check.register_handle(Handle)
