"""Network namespaces: named (``ip netns`` compatible), anonymous, entered per thread.

A :class:`Netns` owns one file descriptor on a network namespace. Named
namespaces live where iproute2 keeps them: an empty file under ``/run/netns``
with the namespace bind-mounted on it, ``/run/netns`` itself being a shared
mount so that other mount namespaces (``ip netns exec``) see it. rawns does
exactly what ``ip netns add`` does (iproute2 ``ip/ipnetns.c: netns_add``), so
each tool sees the other's namespaces.

Namespaces belong to threads, not processes: ``unshare(CLONE_NEWNET)`` and
``setns()`` move only the calling thread. rawns never moves the caller's
thread except inside :meth:`Netns.entered`, which always moves it back. New
namespaces are made by a short-lived helper thread, which unshares itself
into the new namespace, pins it (bind mount or fd) and exits; no process is
forked.
"""

from __future__ import annotations

import _thread
import contextlib
import errno
import os
import re
import stat
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

__all__ = [
    "CLONE_NEWNET",
    "NETNS_RUN_DIR",
    "Netns",
    "create",
    "current",
    "delete",
    "dump",
    "exists",
    "new",
    "open",
    "run_in",
    "validate_name",
]

CLONE_NEWNS = 0x00020000
CLONE_NEWNET = 0x40000000
CLONE_NEWUSER = 0x10000000

MS_BIND = 4096
MS_REC = 16384
MS_SHARED = 1 << 20
MNT_DETACH = 2

NETNS_RUN_DIR = "/run/netns"
NAME_MAX = 255

T = TypeVar("T")

# --------------------------------------------------------------------------
# The native shim, with the Python 3.12+ fallback for setns/unshare.

try:
    from . import _native

    _lib = _native.lib
except ImportError:  # pragma: no cover - depends on how rawns was installed
    _lib = None  # type: ignore[assignment]  # fallback below


def _check(ret: int, what: str, target: str = "") -> None:
    if ret < 0:
        err = -ret
        raise OSError(err, f"{what}: {os.strerror(err)}", target or None)


def _setns(fd: int, nstype: int) -> None:
    if _lib is not None:
        _check(_lib.rawns_setns(fd, nstype), "setns")
    elif hasattr(os, "setns"):  # pragma: no cover - Python 3.12+
        os.setns(fd, nstype)
    else:  # pragma: no cover
        raise ImportError("rawns._native is not built and this Python lacks os.setns")


def _unshare(flags: int) -> None:
    if _lib is not None:
        _check(_lib.rawns_unshare(flags), "unshare")
    elif hasattr(os, "unshare"):  # pragma: no cover - Python 3.12+
        os.unshare(flags)
    else:  # pragma: no cover
        raise ImportError("rawns._native is not built and this Python lacks os.unshare")


def _mount(source: str, target: str, fstype: str, flags: int) -> None:
    if _lib is None:  # pragma: no cover
        raise ImportError("rawns._native is required for mount(2)")
    _check(
        _lib.rawns_mount(
            source.encode(), target.encode(), fstype.encode(), flags, _native.ffi.NULL
        ),
        "mount",
        target,
    )


def _umount2(target: str, flags: int) -> None:
    if _lib is None:  # pragma: no cover
        raise ImportError("rawns._native is required for umount2(2)")
    _check(_lib.rawns_umount2(target.encode(), flags), "umount2", target)


# --------------------------------------------------------------------------


_NAME_OK = re.compile(r"[^/\x00]+")


def validate_name(name: object) -> str:
    """Check a namespace name the way ``ip netns add`` does, and stricter.

    Refused with :class:`ValueError` (:class:`TypeError` for a non-string)
    before anything is touched: empty, ``.`` or ``..``, containing ``/`` or
    NUL, longer than 255 bytes, or with whitespace/control characters.
    """
    if not isinstance(name, str):
        raise TypeError(f"namespace name must be str, not {type(name).__name__}: {name!r}")
    if not name:
        raise ValueError("namespace name must not be empty")
    if name in (".", ".."):
        raise ValueError(f"namespace name {name!r} is not allowed")
    if not _NAME_OK.fullmatch(name):
        raise ValueError(f"namespace name {name!r} must not contain '/' or NUL")
    if len(name.encode()) > NAME_MAX:
        raise ValueError(f"namespace name {name[:20]!r}... is longer than {NAME_MAX} bytes")
    if any(c.isspace() or not c.isprintable() for c in name):
        raise ValueError(f"namespace name {name!r} contains whitespace or control characters")
    return name


class Netns:
    """An open network namespace: owns ``fd`` until :meth:`close`.

    Use as a context manager; a named namespace from :func:`create` is also
    deleted on exit when ``delete_on_exit`` is true (the default for
    :func:`create`).
    """

    __slots__ = ("__weakref__", "_delete_on_exit", "_fd", "name", "path")

    def __init__(
        self,
        fd: int,
        *,
        name: str | None = None,
        path: str | None = None,
        delete_on_exit: bool = False,
    ) -> None:
        self._fd = fd
        self.name = name
        self.path = path
        self._delete_on_exit = delete_on_exit

    @property
    def fd(self) -> int:
        if self._fd < 0:
            raise ValueError(f"{self!r} is closed")
        return self._fd

    @property
    def closed(self) -> bool:
        return self._fd < 0

    def close(self) -> None:
        """Close the fd (the namespace lives on while mounted or used)."""
        fd, self._fd = self._fd, -1
        if fd >= 0:
            os.close(fd)

    def delete(self) -> None:
        """Close the fd and remove the name from ``/run/netns`` (``ip netns del``)."""
        self.close()
        if self.name is None:
            raise ValueError("an anonymous namespace has no name to delete")
        delete(self.name)

    def __enter__(self) -> Netns:
        return self

    def __exit__(self, *exc: object) -> None:
        if self._delete_on_exit and self.name is not None:
            self.close()
            with contextlib.suppress(FileNotFoundError):
                delete(self.name)
        else:
            self.close()

    def __del__(self) -> None:
        # Last resort against fd leaks; an explicit close() is the norm.
        if getattr(self, "_fd", -1) >= 0:
            with contextlib.suppress(OSError):
                os.close(self._fd)

    def __repr__(self) -> str:
        what = self.name or self.path or "anonymous"
        return f"<Netns {what} fd={self._fd}>"

    def inode(self) -> int:
        """The namespace's inode number: equal for two fds on the same namespace."""
        return os.fstat(self.fd).st_ino

    def dup(self) -> Netns:
        """A second, independent fd on the same namespace."""
        return _owning(os.dup, self.fd, name=self.name, path=self.path)

    @contextlib.contextmanager
    def entered(self) -> Iterator[Netns]:
        """Move the *current thread* into this namespace for the block.

        The thread's previous namespace is restored in ``finally``, whatever
        the block raises. Other threads are not affected. Use it for work that
        must run inside (binding a socket, a sysctl); netlink handles don't
        need it (see :meth:`rawns.Handle.open`).
        """
        here = os.open("/proc/thread-self/ns/net", os.O_RDONLY | os.O_CLOEXEC)
        try:
            try:
                # Inside the try whose finally restores: an exception raised by
                # a signal handler just after setns() returns still brings the
                # thread home (restoring where it never left is harmless).
                _setns(self.fd, CLONE_NEWNET)
                yield self
            finally:
                # Straight into C, no Python frame first (a signal handler
                # could raise at a frame's start and skip the restore).
                if _lib is not None:
                    _check(_lib.rawns_setns(here, CLONE_NEWNET), "setns")
                else:  # pragma: no cover - Python 3.12+ without the shim
                    os.setns(here, CLONE_NEWNET)
        finally:
            os.close(here)

    def run(self, fn: Callable[[], T]) -> T:
        """Call ``fn()`` in a helper thread that has entered this namespace."""
        return run_in(self, fn)


def _owning(opener: Callable[..., int], *args: Any, **kw: Any) -> Netns:
    """A :class:`Netns` owning the fd that ``opener(*args)`` returns.

    The object exists before the fd, which goes from the call's return
    straight into it: an exception from a signal handler (Ctrl-C, a test
    timeout) can then only land between those two steps, a window of one
    bytecode (an unreferenced Netns closes its fd when collected). create(),
    new() and Handle.open() leave no window at all: their helper threads,
    where Python runs no signal handler, store the fds themselves.
    """
    ns = Netns(-1, **kw)
    ns._fd = opener(*args)
    return ns


def run_in(ns: Netns | None, fn: Callable[[], T]) -> T:
    """Run ``fn`` in a short-lived thread inside ``ns`` and return its result.

    The caller's thread never changes namespace; exceptions propagate.
    """
    if ns is None:
        return fn()
    fd = ns.fd

    def inside() -> T:
        _setns(fd, CLONE_NEWNET)
        return fn()

    return _in_new_thread(inside)


def _close_result(result: object) -> None:
    close = getattr(result, "close", None)
    if callable(close):
        close()


def _in_new_thread(fn: Callable[[], T], discard: Callable[[T], object] = _close_result) -> T:
    """Call ``fn`` in a fresh thread (which may change namespace and then dies).

    If the caller is interrupted while waiting (KeyboardInterrupt, an
    exception from a signal handler such as a test timeout), the helper is
    still let finish, and what it made is released with ``discard`` (a
    socket or an fd closed) before the exception goes on: nothing leaks, and
    the caller's cleanup sees the helper's syscalls complete. The thread is
    started with ``_thread`` because ``threading.Thread.start()`` waits in
    Python code, where an interruption would lose track of a thread that
    runs anyway.
    """
    box: list[T] = []
    err: list[BaseException] = []
    finished: list[bool] = []
    done = _thread.allocate_lock()
    done.acquire()

    def body() -> None:
        try:
            box.append(fn())
        except BaseException as e:  # re-raised in the caller
            err.append(e)
        finally:
            finished.append(True)
            done.release()

    _thread.start_new_thread(body, ())
    try:
        done.acquire()
    except BaseException:
        # The interruption may come before or after acquire() returned: wait on
        # the helper's flag, not the lock (the helper runs briefly).
        while not finished:
            with contextlib.suppress(BaseException):
                done.acquire(timeout=0.05)
        if box:
            with contextlib.suppress(Exception):
                discard(box.pop())
        raise
    if err:
        raise err[0]
    return box[0]


def _ensure_run_dir(run_dir: str) -> None:
    """Make ``run_dir`` a shared mount point, as ``ip netns add`` does.

    A shared mount propagates the per-namespace bind mounts into mount
    namespaces made later (``ip netns exec`` makes one per command).
    """
    os.makedirs(run_dir, mode=0o755, exist_ok=True)
    try:
        _mount("none", run_dir, "none", MS_SHARED | MS_REC)
    except OSError as e:
        if e.errno != errno.EINVAL:
            raise
        # Not a mount point yet: bind it onto itself, then make it shared.
        _mount(run_dir, run_dir, "none", MS_BIND | MS_REC)
        _mount("none", run_dir, "none", MS_SHARED | MS_REC)


def _path_for(name: str, run_dir: str) -> str:
    validate_name(name)
    path = os.path.join(run_dir, name)
    # validate_name already excludes '/', '.' and '..'; this is the second lock.
    if os.path.dirname(path) != run_dir.rstrip("/"):
        raise ValueError(f"namespace name {name!r} escapes {run_dir}")
    return path


def create(name: str, *, run_dir: str = NETNS_RUN_DIR, delete_on_exit: bool = True) -> Netns:
    """Create a named namespace, exactly as ``ip netns add NAME``.

    Equivalent to: ip netns add NAME

    Returns an open :class:`Netns`; used as a context manager it deletes the
    namespace on exit unless ``delete_on_exit=False``. Raises
    :class:`FileExistsError` if the name is taken, :class:`ValueError` for a
    bad name (nothing touched), :class:`PermissionError` without privilege.
    Nothing is left behind if a step fails.
    """
    path = _path_for(name, run_dir)
    _ensure_run_dir(run_dir)
    # The mount point: an empty file of mode 0, as ip's open(O_CREAT|O_EXCL, 0)
    # makes, but with no descriptor that an interruption could orphan.
    os.mknod(path, stat.S_IFREG)

    ns = Netns(-1, name=name, path=path, delete_on_exit=delete_on_exit)

    def make() -> None:
        _unshare(CLONE_NEWNET)
        # thread-self, not self: only this thread moved.
        _mount("/proc/thread-self/ns/net", path, "none", MS_BIND)
        # Stored by the helper, where no signal handler runs: the fd cannot be
        # orphaned by an exception raised in the caller's thread.
        ns._fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)

    try:
        _in_new_thread(make)
        return ns
    except BaseException:
        with contextlib.suppress(OSError):
            _umount2(path, MNT_DETACH)
        with contextlib.suppress(OSError):
            os.unlink(path)
        raise


def delete(name: str, *, run_dir: str = NETNS_RUN_DIR) -> None:
    """Remove a named namespace (``ip netns del NAME``).

    Equivalent to: ip netns del NAME

    The namespace itself lives on while a process, socket or fd still uses
    it. Raises :class:`FileNotFoundError` if there is no such name.
    """
    path = _path_for(name, run_dir)
    if not os.path.lexists(path):
        raise FileNotFoundError(errno.ENOENT, f"no network namespace named {name!r}", path)
    with contextlib.suppress(OSError):
        _umount2(path, MNT_DETACH)
    os.unlink(path)


def exists(name: str, *, run_dir: str = NETNS_RUN_DIR) -> bool:
    return os.path.exists(_path_for(name, run_dir))


def dump(*, run_dir: str = NETNS_RUN_DIR) -> list[str]:
    """Names of the namespaces under ``/run/netns``, sorted.

    Equivalent to: ip netns list
    """
    try:
        return sorted(p.name for p in Path(run_dir).iterdir())
    except FileNotFoundError:
        return []


def open(
    name: str | None = None,
    *,
    path: str | None = None,
    pid: int | None = None,
    fd: int | None = None,
    run_dir: str = NETNS_RUN_DIR,
) -> Netns:
    """Open an existing namespace by exactly one of name, path, pid or fd.

    Equivalent to: ip netns exec NAME ... / nsenter --net=PATH (what they open)

    ``fd`` is duplicated: the caller keeps its own. Raises
    :class:`FileNotFoundError` for an unknown name, path or pid.
    """
    given = [x is not None for x in (name, path, pid, fd)]
    if sum(given) != 1:
        raise TypeError("netns.open() takes exactly one of name, path, pid, fd")
    if name is not None:
        p = _path_for(name, run_dir)
        try:
            return _owning(os.open, p, os.O_RDONLY | os.O_CLOEXEC, name=name, path=p)
        except FileNotFoundError:
            raise FileNotFoundError(
                errno.ENOENT, f"no network namespace named {name!r}", p
            ) from None
    if path is not None:
        return _owning(os.open, path, os.O_RDONLY | os.O_CLOEXEC, path=path)
    if pid is not None:
        if not isinstance(pid, int) or isinstance(pid, bool) or pid <= 0:
            raise ValueError(f"pid must be a positive int, not {pid!r}")
        p = f"/proc/{pid}/ns/net"
        try:
            return _owning(os.open, p, os.O_RDONLY | os.O_CLOEXEC, path=p)
        except FileNotFoundError:
            raise FileNotFoundError(errno.ESRCH, f"no process with pid {pid}", p) from None
    assert fd is not None
    if not isinstance(fd, int) or isinstance(fd, bool) or fd < 0:
        raise ValueError(f"fd must be a non-negative int, not {fd!r}")
    return _owning(os.dup, fd)


def current() -> Netns:
    """The calling thread's namespace."""
    p = "/proc/thread-self/ns/net"
    return _owning(os.open, p, os.O_RDONLY | os.O_CLOEXEC, path=p)


def new() -> Netns:
    """A new anonymous namespace, alive while its fd is open.

    Equivalent to: unshare --net (no name under /run/netns)
    """

    ns = Netns(-1)

    def make() -> None:
        _unshare(CLONE_NEWNET)
        ns._fd = os.open("/proc/thread-self/ns/net", os.O_RDONLY | os.O_CLOEXEC)  # see create()

    _in_new_thread(make)
    return ns
