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

Asynchronous exceptions (Ctrl-C, an exception from a signal handler such as a
test timeout, SIGTERM under :func:`unwind_on_signals`) never orphan a
descriptor or a name: CPython runs signal handlers only in the main thread,
between bytecodes (when a call returns, at a function's start, on a backward
jump), never inside C code. So rawns either opens descriptors in a helper
thread, or makes the syscall and stores its result in the owner within one C
call (:func:`_owning`); and a caller interrupted while a helper works waits
for it and releases what it made (:func:`_in_new_thread`).

A script killed by SIGTERM runs no ``finally`` and no ``__exit__``: call
:func:`unwind_on_signals` first, so that SIGTERM/SIGHUP unwind like Ctrl-C. A
run that died anyway (SIGKILL, power loss) leaves its named namespaces behind:
:func:`delete_stale` removes them by prefix.
"""

from __future__ import annotations

import _thread
import contextlib
import errno
import fcntl
import os
import signal
import stat
import threading
from collections.abc import Callable, Iterable, Iterator
from itertools import starmap
from pathlib import Path
from types import FrameType, TracebackType
from typing import Any, TypeVar

from . import _check
from .errors import AlreadyExists, KernelError, PermissionDenied

try:
    from . import _native
except ImportError as _e:  # pragma: no cover - depends on how rawns was installed
    # Python 3.12+ has os.setns/os.unshare but still no mount/umount2, which named
    # namespaces need: there is no fallback that covers everything, so say it now.
    raise ImportError(
        "rawns cannot work without its C extension rawns._native (setns, unshare, "
        f"mount and umount2 from csrc/rawns_ns.c), which is not built here: {_e}. "
        "Build it with `pip install -e .` in the source tree (or install rawns with "
        "pip): cffi compiles it, which needs a C compiler and the Python headers.",
        name="rawns._native",
    ) from _e

__all__ = [
    "CLONE_NEWNET",
    "NETNS_RUN_DIR",
    "STALE_PREFIX_MIN",
    "Netns",
    "SignalUnwinding",
    "Terminated",
    "create",
    "current",
    "delete",
    "delete_stale",
    "dump",
    "exists",
    "new",
    "open",
    "run_in",
    "unwind_on_signals",
    "validate_name",
]

CLONE_NEWNS = 0x00020000
CLONE_NEWNET = 0x40000000
CLONE_NEWUSER = 0x10000000

MS_BIND = 4096
MS_REC = 16384
MS_SHARED = 1 << 20
MNT_DETACH = 2

NS_GET_NSTYPE = 0xB703  # include/uapi/linux/nsfs.h: _IO(0xb7, 0x3)

NETNS_RUN_DIR = "/run/netns"
NAME_MAX = _check.NAME_MAX
PATH_MAX = 4096
FD_MAX = 0x7FFFFFFF
PID_MAX = 0x7FFFFFFF

#: The shortest prefix :func:`delete_stale` accepts: a prefix names one
#: program's namespaces, never "every namespace whose name starts with r".
STALE_PREFIX_MIN = 4

_O_NS = os.O_RDONLY | os.O_CLOEXEC
_THREAD_SELF = "/proc/thread-self/ns/net"

_ROOT_HINT = (
    "this needs root (CAP_SYS_ADMIN): run as root, or call rawns.rootless.enter() "
    "first to work as root in a private user namespace (see rawns/rootless.py)"
)

T = TypeVar("T")

_lib = _native.lib


# --------------------------------------------------------------------------
# The native shim: each call returns 0 or -errno.


def _raise_on_errno(ret: int, what: str, target: str = "") -> None:
    if ret < 0:
        err = -ret
        raise OSError(err, f"{what}: {os.strerror(err)}", target or None)


def _setns(fd: int, nstype: int) -> None:
    _raise_on_errno(_lib.rawns_setns(fd, nstype), "setns")


def _unshare(flags: int) -> None:
    _raise_on_errno(_lib.rawns_unshare(flags), "unshare")


def _mount(source: str, target: str, fstype: str, flags: int) -> None:
    _raise_on_errno(
        _lib.rawns_mount(
            source.encode(), target.encode(), fstype.encode(), flags, _native.ffi.NULL
        ),
        "mount",
        target,
    )


def _umount2(target: str, flags: int) -> None:
    _raise_on_errno(_lib.rawns_umount2(target.encode(), flags), "umount2", target)


def _needs_root(op: str, target: str, e: OSError) -> PermissionDenied:
    """A refused namespace syscall, as PermissionDenied with the way out (root or rootless)."""
    err = PermissionDenied(e.errno or errno.EPERM, op=op, target=target, hint=_ROOT_HINT)
    err.add_note(f"refused: {e}")
    return err


# --------------------------------------------------------------------------
# arguments


def validate_name(name: object) -> str:
    """Check a namespace name the way ``ip netns add`` does, and stricter.

    Refused with :class:`ValueError` (:class:`TypeError` for a non-string)
    before anything is touched: empty, ``.`` or ``..``, containing ``/``,
    ``%`` or NUL, longer than 255 bytes, or with whitespace/control characters.
    """
    return _check.netns_name(name, "namespace name")


def _run_dir(run_dir: object) -> str:
    """An absolute directory path (``/run/netns``, or a test's own)."""
    if isinstance(run_dir, os.PathLike):
        run_dir = os.fspath(run_dir)
    path = _check.text(run_dir, "run_dir", max_bytes=PATH_MAX - 1)
    if not path.startswith("/"):
        raise ValueError(f"run_dir {path!r} must be an absolute path")
    return path


def _prefix(prefix: object, what: str = "prefix") -> str:
    """A namespace name prefix: like a name, but may be empty (in :func:`dump`)."""
    if prefix == "":
        return ""
    try:
        return _check.netns_name(prefix, what)
    except ValueError:
        if prefix in (".", ".."):  # fine as the start of a name ("..a" is one)
            return str(prefix)
        raise


def _netns_arg(ns: object, what: str) -> Netns:
    """An open :class:`Netns` (not None, not a name, not closed)."""
    if not isinstance(ns, Netns):
        raise TypeError(
            f"{what} must be a rawns.netns.Netns, not {type(ns).__name__}: {_check._show(ns)}"
        )
    if ns.closed:
        raise ValueError(f"{what} {ns!r} is closed")
    return ns


def _check_is_netns(fd: int, what: str, advice: str = "") -> None:
    """Refuse an fd that is not a network namespace (a file, another kind of namespace).

    Checked at open, so that the mistake is named here, not by a later
    ``setns: Invalid argument``. NS_GET_NSTYPE (Linux 4.11) asks nsfs itself;
    nsfs inodes are regular files, so anything else is refused without it.
    """
    try:
        mode = os.fstat(fd).st_mode
    except OSError as e:
        if e.errno == errno.EBADF:
            raise ValueError(f"{what} is not an open descriptor") from None
        raise
    if stat.S_ISDIR(mode):
        kind = "a directory"
    elif not stat.S_ISREG(mode):
        kind = "not a regular file"
    else:
        try:
            nstype = fcntl.ioctl(fd, NS_GET_NSTYPE)
        except OSError as e:
            if e.errno not in (errno.ENOTTY, errno.EINVAL):
                raise
            kind = "a plain file"
        else:
            if nstype == CLONE_NEWNET:
                return
            kind = f"a namespace of another type ({nstype:#x})"
    raise ValueError(f"{what} is not a network namespace: it is {kind}{advice}")


# --------------------------------------------------------------------------


class Netns:
    """An open network namespace: owns ``fd`` until :meth:`close`.

    Use as a context manager; a named namespace from :func:`create` is also
    deleted on exit when ``delete_on_exit`` is true (the default for
    :func:`create`). ``Netns(fd)`` takes ownership of ``fd``, which must be a
    network namespace (:class:`ValueError` otherwise).
    """

    # The fd lives in a list (empty when closed) so that a syscall's result can
    # go into it within the same C call (see _owning): there is no moment when
    # the number is held by nobody.
    __slots__ = ("__weakref__", "_delete_on_exit", "_fds", "name", "path")

    def __init__(
        self,
        fd: int = -1,
        *,
        name: str | None = None,
        path: str | None = None,
        delete_on_exit: bool = False,
    ) -> None:
        self._fds: list[int] = []
        fd = _check.integer(fd, "fd", -1, FD_MAX)
        self.name = None if name is None else validate_name(name)
        self.path = None if path is None else _check.text(path, "path", max_bytes=PATH_MAX - 1)
        self._delete_on_exit = _check.boolean(delete_on_exit, "delete_on_exit")
        if fd >= 0:
            _check_is_netns(fd, f"fd {fd}")
            self._fds.append(fd)

    @property
    def fd(self) -> int:
        fds = self._fds
        if not fds:
            raise ValueError(f"{self!r} is closed")
        return fds[0]

    @property
    def closed(self) -> bool:
        return not self._fds

    def close(self) -> None:
        """Close the fd (the namespace lives on while mounted or used). Idempotent."""
        # One swap, no call in between: neither a signal handler nor another
        # thread can run between taking the fd and forgetting it.
        fds, self._fds = self._fds, []
        if fds:
            os.close(fds[0])

    def delete(self) -> None:
        """Close the fd and remove the name from ``/run/netns`` (``ip netns del``)."""
        if self.name is None:
            raise ValueError(f"{self!r} is anonymous: it has no name to delete")
        self.close()
        delete(self.name, run_dir=os.path.dirname(self.path) if self.path else NETNS_RUN_DIR)

    def __enter__(self) -> Netns:
        return self

    def __exit__(
        self, t: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()
        if self._delete_on_exit and self.name is not None and self.path is not None:
            _remove(self.path)

    def __del__(self) -> None:
        # Last resort against fd leaks; an explicit close() is the norm.
        fds = getattr(self, "_fds", None)
        if fds:
            with contextlib.suppress(OSError):
                os.close(fds[0])

    def __repr__(self) -> str:
        what = self.name or self.path or "anonymous"
        fds = getattr(self, "_fds", None)
        return f"<Netns {what} fd={fds[0] if fds else -1}>"

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
        target = self.fd
        home: list[int] = []
        try:
            # The fd of home goes straight into `home` (see _owning).
            home.extend(starmap(os.open, ((_THREAD_SELF, _O_NS),)))
            try:
                # Inside the try whose finally restores: an exception raised by
                # a signal handler just after setns() returns still brings the
                # thread home (restoring where it never left is harmless).
                _setns(target, CLONE_NEWNET)
                yield self
            finally:
                # Straight into C, no Python frame first (a signal handler
                # could raise at a frame's start and skip the restore).
                _raise_on_errno(_lib.rawns_setns(home[0], CLONE_NEWNET), "setns")
        finally:
            if home:
                os.close(home[0])

    def run(self, fn: Callable[[], T]) -> T:
        """Call ``fn()`` in a helper thread that has entered this namespace."""
        return run_in(self, fn)


def _owning(opener: Callable[..., int], *args: Any, **kw: Any) -> Netns:
    """A :class:`Netns` owning the fd that ``opener(*args)`` returns.

    The Netns exists first, and the fd goes from the syscall into it within
    one C call (``list.extend`` driving ``starmap``): no bytecode runs in
    between, so an exception from a signal handler (Ctrl-C, a test timeout)
    can come before the open or after the fd is owned, never in between.
    (``ns.fd = os.open(...)`` leaves a window: CPython runs pending handlers
    as the call returns, before the store.)
    """
    ns = Netns(**kw)
    try:
        ns._fds.extend(starmap(opener, (args,)))
    except BaseException:
        ns.close()
        raise
    return ns


def run_in(ns: Netns | None, fn: Callable[[], T]) -> T:
    """Run ``fn`` in a short-lived thread inside ``ns`` and return its result.

    ``None`` runs ``fn()`` right here. The caller's thread never changes
    namespace; exceptions propagate. Raises :class:`TypeError` for an ``ns``
    that is not a Netns or a ``fn`` that is not callable, :class:`ValueError`
    for a closed Netns.
    """
    if not callable(fn):
        raise TypeError(f"fn must be callable, not {type(fn).__name__}: {_check._show(fn)}")
    if ns is None:
        return fn()
    return _run_inside(_netns_arg(ns, "ns"), fn)


def _run_inside(
    ns: Netns | None, fn: Callable[[], T], discard: Callable[[T], object] | None = None
) -> T:
    """``fn()`` in a helper thread that entered ``ns`` first (None: the thread stays
    in the caller's namespace). ``discard`` releases a result the caller, being
    interrupted, will never get (default: its ``close()``)."""
    fd = -1 if ns is None else ns.fd

    def inside() -> T:
        if fd >= 0:
            _setns(fd, CLONE_NEWNET)
        return fn()

    return _in_new_thread(inside, discard or _close_result)


def _close_result(result: object) -> None:
    close = getattr(result, "close", None)
    if callable(close):
        close()


def _in_new_thread(fn: Callable[[], T], discard: Callable[[T], object] = _close_result) -> T:
    """Call ``fn`` in a fresh thread (which may change namespace and then dies).

    If the caller is interrupted meanwhile (KeyboardInterrupt, an exception
    from a signal handler), the helper is still let finish, and what it made
    is released with ``discard`` (a socket or an fd closed, a name removed)
    before the exception goes on: nothing leaks, and the caller's cleanup
    sees the helper's syscalls complete. The interruption may come even as
    the thread starts (a handler runs when ``start_new_thread`` returns):
    then caller and helper agree through one atomic ``dict.setdefault`` on
    whether the helper runs at all. ``_thread``, not ``threading``, because
    ``Thread.start()`` waits in Python code, where an interruption would
    lose track of a thread that runs anyway.
    """
    box: list[T] = []
    err: list[BaseException] = []
    finished: list[bool] = []
    claim: dict[str, str] = {}
    done = _thread.allocate_lock()
    done.acquire()

    def body() -> None:
        try:
            if claim.setdefault("by", "helper") == "helper":
                box.append(fn())
        except BaseException as e:  # re-raised in the caller
            err.append(e)
        finally:
            finished.append(True)
            done.release()

    try:
        _thread.start_new_thread(body, ())
        done.acquire()
    except BaseException:
        if claim.setdefault("by", "caller") == "helper":
            # The helper runs (briefly): wait on its flag, not the lock (the
            # interruption may have come after acquire() returned).
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


# --------------------------------------------------------------------------
# named namespaces


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


def _path_for(name: object, run_dir: object) -> str:
    name = validate_name(name)
    rd = _run_dir(run_dir)
    path = os.path.join(rd, name)
    # validate_name already excludes '/', '.' and '..'; this is the second lock.
    if os.path.dirname(path) != os.path.normpath(rd) and os.path.dirname(path) != rd.rstrip("/"):
        raise ValueError(f"namespace name {name!r} escapes {rd}")
    return path


def _remove(path: str) -> None:
    """Unmount and unlink a named namespace's file; what is already gone is fine."""
    with contextlib.suppress(OSError):
        _umount2(path, MNT_DETACH)
    with contextlib.suppress(FileNotFoundError):
        os.unlink(path)


def create(name: str, *, run_dir: str = NETNS_RUN_DIR, delete_on_exit: bool = True) -> Netns:
    """Create a named namespace, exactly as ``ip netns add NAME``.

    Equivalent to: ip netns add NAME

    Returns an open :class:`Netns`; used as a context manager it deletes the
    namespace on exit unless ``delete_on_exit=False``. Raises
    :class:`~rawns.errors.AlreadyExists` (a :class:`FileExistsError`) if the
    name is taken, :class:`ValueError`/:class:`TypeError` for a bad argument
    (nothing touched), :class:`~rawns.errors.PermissionDenied` (a
    :class:`PermissionError`, with the hint: root or :mod:`rawns.rootless`)
    without privilege. Nothing is left behind if a step fails or the call is
    interrupted.
    """
    path = _path_for(name, run_dir)
    rd = _run_dir(run_dir)
    ns = Netns(
        name=name, path=path, delete_on_exit=_check.boolean(delete_on_exit, "delete_on_exit")
    )

    def make() -> Netns:
        # All of it in the helper, where no signal handler runs: the name, the
        # mount and the fd are either all made or all undone here.
        _ensure_run_dir(rd)
        # The mount point: an empty file of mode 0, as ip's open(O_CREAT|O_EXCL, 0)
        # makes, but with no descriptor to close.
        try:
            os.mknod(path, stat.S_IFREG)
        except FileExistsError:
            raise AlreadyExists(
                errno.EEXIST,
                op="netns create",
                target=name,
                hint=f"a network namespace named {name!r} exists ({path})",
            ) from None
        try:
            _unshare(CLONE_NEWNET)
            # thread-self, not self: only this thread moved.
            _mount(_THREAD_SELF, path, "none", MS_BIND)
            ns._fds.append(os.open(path, _O_NS))
        except BaseException:
            _remove(path)
            raise
        return ns

    def forget(made: Netns) -> None:
        # The caller was interrupted and never got the namespace: remove it all.
        made.close()
        _remove(path)

    try:
        return _in_new_thread(make, forget)
    except KernelError:
        raise
    except PermissionError as e:
        raise _needs_root("netns create", name, e) from e


def delete(name: str, *, run_dir: str = NETNS_RUN_DIR) -> None:
    """Remove a named namespace (``ip netns del NAME``).

    Equivalent to: ip netns del NAME

    The namespace itself lives on while a process, socket or fd still uses
    it. Raises :class:`FileNotFoundError` if there is no such name,
    :class:`ValueError`/:class:`TypeError` for a bad name or run_dir,
    :class:`~rawns.errors.PermissionDenied` without privilege.
    """
    path = _path_for(name, run_dir)
    if not os.path.lexists(path):
        raise FileNotFoundError(errno.ENOENT, f"no network namespace named {name!r}", path)
    with contextlib.suppress(OSError):
        _umount2(path, MNT_DETACH)
    try:
        os.unlink(path)
    except PermissionError as e:
        raise _needs_root("netns delete", name, e) from e


def exists(name: str, *, run_dir: str = NETNS_RUN_DIR) -> bool:
    """True if ``run_dir`` has a namespace file of that name (mounted or not).

    Raises :class:`ValueError`/:class:`TypeError` for a bad name or run_dir.
    """
    return os.path.exists(_path_for(name, run_dir))


def dump(*, run_dir: str = NETNS_RUN_DIR, prefix: str = "") -> list[str]:
    """Names of the namespaces under ``/run/netns`` (those starting with ``prefix``), sorted.

    Equivalent to: ip netns list
    """
    rd = _run_dir(run_dir)
    prefix = _prefix(prefix)
    try:
        return sorted(p.name for p in Path(rd).iterdir() if p.name.startswith(prefix))
    except FileNotFoundError:
        return []


def delete_stale(prefix: str, *, run_dir: str = NETNS_RUN_DIR) -> list[str]:
    """Delete every named namespace whose name starts with ``prefix``; return their names.

    Equivalent to: for n in $(ip netns list | grep ^PREFIX); do ip netns del $n; done

    For the namespaces a crashed run left behind (killed by SIGKILL, or
    without :func:`unwind_on_signals`): give each run's names a prefix of
    their own and call this at the next start. Also removes a placeholder
    file whose mount never happened. The prefix must be at least
    :data:`STALE_PREFIX_MIN` bytes (:class:`ValueError` for ``""`` or ``"r"``),
    so that no typo deletes every namespace.
    """
    prefix = _prefix(prefix)
    if len(prefix.encode()) < STALE_PREFIX_MIN:
        raise ValueError(
            f"prefix {prefix!r} is too short: delete_stale() needs at least "
            f"{STALE_PREFIX_MIN} bytes, so that it cannot delete namespaces it does not own"
        )
    rd = _run_dir(run_dir)
    removed = []
    for name in dump(run_dir=rd, prefix=prefix):
        path = os.path.join(rd, name)
        if not os.path.lexists(path):
            continue  # another cleaner was faster
        with contextlib.suppress(OSError):
            _umount2(path, MNT_DETACH)
        try:
            os.unlink(path)
        except FileNotFoundError:
            continue
        except PermissionError as e:
            raise _needs_root("netns delete_stale", name, e) from e
        removed.append(name)
    return removed


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
    :class:`FileNotFoundError` for an unknown name, path or pid;
    :class:`ValueError` for a path, fd or name that is not a network
    namespace (a plain file, another kind of namespace, a placeholder never
    mounted) and for a bad value; :class:`TypeError` for a wrong type.
    """
    given = [
        k for k, v in (("name", name), ("path", path), ("pid", pid), ("fd", fd)) if v is not None
    ]
    if len(given) != 1:
        raise TypeError(
            "netns.open() takes exactly one of name, path, pid, fd; "
            + (f"got {', '.join(given)}" if given else "got none")
        )
    if name is not None:
        p = _path_for(name, run_dir)
        try:
            ns = _owning(os.open, p, _O_NS, name=name, path=p)
        except FileNotFoundError:
            raise FileNotFoundError(
                errno.ENOENT, f"no network namespace named {name!r}", p
            ) from None
        what = f"namespace name {name!r} ({p})"
        advice = (
            " (a placeholder whose mount never happened: a crashed `ip netns add` or "
            "create(); remove it with netns.delete())"
        )
    elif path is not None:
        if isinstance(path, os.PathLike):
            path = os.fspath(path)
        path = _check.text(path, "path", max_bytes=PATH_MAX - 1)
        # O_NONBLOCK: a FIFO given by mistake must not block the open.
        ns = _owning(os.open, path, _O_NS | os.O_NONBLOCK | os.O_NOCTTY, path=path)
        what, advice = f"path {path!r}", ""
    elif pid is not None:
        pid = _check.integer(pid, "pid", 1, PID_MAX)
        p = f"/proc/{pid}/ns/net"
        try:
            return _owning(os.open, p, _O_NS, path=p)
        except FileNotFoundError:
            raise FileNotFoundError(errno.ESRCH, f"no process with pid {pid}", p) from None
    else:
        fd = _check.integer(fd, "fd", 0, FD_MAX)
        try:
            ns = _owning(os.dup, fd)
        except OSError as e:
            if e.errno == errno.EBADF:
                raise ValueError(f"fd {fd} is not an open descriptor") from None
            raise
        what, advice = f"fd {fd}", ""
    try:
        _check_is_netns(ns.fd, what, advice)
    except BaseException:
        ns.close()
        raise
    return ns


def current() -> Netns:
    """The calling thread's namespace."""
    return _owning(os.open, _THREAD_SELF, _O_NS, path=_THREAD_SELF)


def new() -> Netns:
    """A new anonymous namespace, alive while its fd is open.

    Equivalent to: unshare --net (no name under /run/netns)

    Raises :class:`~rawns.errors.PermissionDenied` (with the hint: root or
    :mod:`rawns.rootless`) without privilege.
    """
    ns = Netns()

    def make() -> Netns:
        _unshare(CLONE_NEWNET)
        ns._fds.append(os.open(_THREAD_SELF, _O_NS))  # in the helper: see create()
        return ns

    try:
        return _in_new_thread(make)
    except PermissionError as e:
        raise _needs_root("netns new", "(anonymous)", e) from e


# --------------------------------------------------------------------------
# signals


class Terminated(SystemExit):
    """SIGTERM or SIGHUP (or another signal given to :func:`unwind_on_signals`), as an exception.

    A :class:`SystemExit` (not an :class:`Exception`): ``except Exception``
    blocks let it through, while ``with`` blocks and ``finally`` clauses run,
    as for Ctrl-C. Uncaught, the process exits with status ``128 + signum``
    (143 for SIGTERM), what a shell reports for a process the signal killed.
    """

    def __init__(self, signum: int) -> None:
        super().__init__(128 + signum)
        self.signum = signum

    def __str__(self) -> str:
        try:
            return f"terminated by {signal.Signals(self.signum).name}"
        except ValueError:
            return f"terminated by signal {self.signum}"

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.signum,))


class SignalUnwinding:
    """What :func:`unwind_on_signals` installed; :meth:`restore` (or ``with``) undoes it.

    ``SignalUnwinding(signals)`` is the same as ``unwind_on_signals(signals)``.
    """

    def __init__(self, signals: Iterable[int] = (signal.SIGTERM, signal.SIGHUP)) -> None:
        self.signals = _signals(signals)
        if threading.current_thread() is not threading.main_thread():
            raise ValueError("unwind_on_signals() must be called from the main thread")
        self._old: dict[int, Any] = {}
        try:
            for s in self.signals:
                self._old[s] = signal.signal(s, self._unwind)
        except BaseException:
            self.restore()
            raise

    def _unwind(self, signum: int, frame: FrameType | None) -> None:
        # The first signal unwinds; more of them while the stack unwinds are
        # ignored, so that a second SIGTERM cannot cut a cleanup short (a
        # SIGKILL still can). restore() puts the previous handlers back.
        for s in self.signals:
            signal.signal(s, signal.SIG_IGN)
        raise Terminated(signum)

    def restore(self) -> None:
        """Put back the handlers that were there before. Idempotent."""
        old, self._old = self._old, {}
        for s, handler in old.items():
            signal.signal(s, handler)

    def __enter__(self) -> SignalUnwinding:
        return self

    def __exit__(
        self, t: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.restore()


_UNCATCHABLE = {signal.SIGKILL, signal.SIGSTOP}
_NAMED = {int(s) for s in signal.Signals}


def unwind_on_signals(
    signals: Iterable[int] = (signal.SIGTERM, signal.SIGHUP),
) -> SignalUnwinding:
    """Make SIGTERM and SIGHUP unwind the main thread like Ctrl-C does.

    Equivalent to: trap 'cleanup' TERM HUP (in a shell script)

    By default Python dies of SIGTERM on the spot: no ``finally``, no
    ``__exit__``, so a namespace from ``netns.create()`` stays in
    ``/run/netns``. After this call the signal raises :class:`Terminated` in
    the main thread instead; ``with`` blocks clean up, and an uncaught
    :class:`Terminated` exits with status ``128 + signum``. Later signals of
    these kinds are ignored while that happens. Call it once at the start
    of a script, or use it as a context manager to restore the previous
    handlers at the end of the block::

        with netns.unwind_on_signals(), netns.create("red") as red:
            ...

    Raises :class:`ValueError` outside the main thread, for SIGKILL/SIGSTOP,
    an unknown signal number or an empty list; :class:`TypeError` for
    anything but signal numbers.
    """
    return SignalUnwinding(signals)


def _signals(signals: object) -> tuple[int, ...]:
    """Catchable signal numbers, each once, in order; at least one."""
    if isinstance(signals, int | str | bytes) or not isinstance(signals, Iterable):
        raise TypeError(
            "signals must be a sequence of signal numbers such as (signal.SIGTERM,), "
            f"not {type(signals).__name__}: {_check._show(signals)}"
        )
    valid = signal.valid_signals()
    chosen: list[int] = []
    for s in signals:
        n = _check.integer(s, "signals", 1, signal.NSIG - 1)
        if n not in valid:
            raise ValueError(f"signals: {s!r} is not a signal number of this system")
        if n in _UNCATCHABLE:
            raise ValueError(f"signals: {signal.Signals(n).name} cannot be caught")
        if n not in chosen:
            chosen.append(n)
    if not chosen:
        raise ValueError("signals must name at least one signal")
    # Real-time signals between SIGRTMIN and SIGRTMAX have no enum member: stay ints.
    return tuple(signal.Signals(n) if n in _NAMED else n for n in chosen)
