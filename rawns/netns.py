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
namespaces are made by a helper thread, which unshares itself into the new
namespace, pins it (bind mount or fd) and goes back into the caller's
namespace; no process is forked. The helper is the calling thread's worker,
kept for the next call (starting and ending a thread that changed namespace
costs more than the work), which ends when idle (``_netns_fd``, "workers").

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

This module holds the verbs that open namespaces (:func:`create`,
:func:`open`, :func:`new`, :func:`current`) and re-exports the rest, each in
a module of its own: ``_netns_paths`` (names, ``/run/netns``, :func:`delete`,
:func:`dump`...), ``_netns_fd`` (:class:`Netns` and the helper threads),
``_netns_signals`` (:func:`unwind_on_signals`) and ``_netns_native`` (the C shim).
"""

from __future__ import annotations

import _thread as _thread  # re-exported: tests interrupt helper threads through it
import errno
import os
from itertools import starmap

from . import _check
from ._netns_fd import (
    _O_NS,
    _THREAD_SELF,
    FD_MAX,
    Netns,
    _check_is_netns,
    _owning,
    run_in,
)
from ._netns_fd import _in_new_thread as _in_new_thread
from ._netns_fd import _run_inside as _run_inside
from ._netns_fd import _stop_workers as _stop_workers
from ._netns_native import CLONE_NEWNET, _needs_root
from ._netns_native import CLONE_NEWNS as CLONE_NEWNS
from ._netns_native import CLONE_NEWUSER as CLONE_NEWUSER
from ._netns_native import MNT_DETACH as MNT_DETACH
from ._netns_native import MS_REC as MS_REC
from ._netns_native import MS_SHARED as MS_SHARED
from ._netns_native import NS_GET_NSTYPE as NS_GET_NSTYPE
from ._netns_native import _lib as _native_lib
from ._netns_native import _mount as _mount
from ._netns_native import _setns as _setns
from ._netns_native import _umount2 as _umount2
from ._netns_native import _unshare as _unshare
from ._netns_paths import NAME_MAX as NAME_MAX
from ._netns_paths import (
    NETNS_RUN_DIR,
    PATH_MAX,
    STALE_PREFIX_MIN,
    delete,
    delete_stale,
    dump,
    exists,
    validate_name,
)
from ._netns_paths import _ensure_run_dir as _ensure_run_dir
from ._netns_paths import _path_for as _path_for
from ._netns_paths import _remove as _remove
from ._netns_paths import _run_dir as _run_dir
from .errors import AlreadyExists

TYPE_CHECKING = False  # not typing's: importing it costs (rawns._typing)
if TYPE_CHECKING:
    from ._netns_signals import SignalUnwinding, Terminated, unwind_on_signals
else:

    def __getattr__(name: str) -> object:
        """The signal helpers (and the signal module) load on first use."""
        if name in ("SignalUnwinding", "Terminated", "unwind_on_signals"):
            from . import _netns_signals

            value = getattr(_netns_signals, name)
            globals()[name] = value
            return value
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


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
    "label",
    "new",
    "open",
    "resolve",
    "run_in",
    "unwind_on_signals",
    "validate_name",
]

PID_MAX = 0x7FFFFFFF


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
    try:
        _ensure_run_dir(rd)
    except PermissionError as e:
        raise _needs_root("netns create", name, e) from e
    try:
        # The file, the namespace, its mount and its fd in one C call, on this
        # thread (rawns_netns_create: all made, or none and the thread home), the
        # result straight into the Netns (see _owning): a signal handler raising
        # here runs before the call or after the fd is owned, never in between.
        ns._fds.extend(starmap(_create_at, ((os.fsencode(path),),)))
        _created(ns, name, path)
    except BaseException:
        if ns._fds and ns._fds[-1] >= 0:  # made, and the caller is interrupted: undo all
            ns.close()
            _remove(path)
        ns._fds.clear()
        raise
    return ns


def _created(ns: Netns, name: str, path: str) -> None:
    """Raise for what rawns_netns_create refused (it returned -errno; nothing was made)."""
    ret = ns._fds[-1]
    if ret >= 0:
        return
    ns._fds.pop()
    err = -ret
    if err == errno.EEXIST:
        raise AlreadyExists(
            errno.EEXIST,
            op="netns create",
            target=name,
            hint=f"a network namespace named {name!r} exists ({path})",
        )
    e = OSError(err, f"netns create: {os.strerror(err)}", path)
    if err in (errno.EPERM, errno.EACCES):
        raise _needs_root("netns create", name, e) from e
    raise e


_create_at = _native_lib.rawns_netns_create


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
        ns._fds.append(os.open(_THREAD_SELF, _O_NS))  # in the helper, where no handler runs
        return ns

    try:
        return _in_new_thread(make, pooled=True)
    except PermissionError as e:
        raise _needs_root("netns new", "(anonymous)", e) from e


#: What every rawns parameter that takes a namespace accepts (see :func:`resolve`).
NetnsLike = Netns | str | os.PathLike[str] | int


def resolve(value: object, what: str = "netns") -> Netns:
    """Open the namespace ``value`` names, the one way every rawns helper reads a namespace.

    Equivalent to: what ``ip netns exec NAME`` / ``nsenter --net=PATH`` /
    ``nsenter --target PID --net`` open.

    ``value`` is a :class:`Netns` (duplicated: the caller keeps its own), a
    name under ``/run/netns`` (``"red"``), an absolute path (a string
    starting with ``/``, or an :class:`os.PathLike`: what CNI runtimes pass,
    ``/proc/<pid>/ns/net`` or ``/var/run/netns/cni-...``), or a pid. A
    relative string with a ``/`` is neither and is refused before any file
    is touched. Returns a new :class:`Netns` the
    caller closes; its ``path`` (or ``name``) says where it came from.
    Raises :class:`TypeError` for another type and :class:`ValueError` /
    :class:`FileNotFoundError` for a bad or missing one, each naming ``what``
    and the value passed.
    """
    try:
        if isinstance(value, Netns):
            if value.closed:
                raise ValueError(f"netns {value!r} is closed")
            return value.dup()
        if isinstance(value, os.PathLike):
            value = os.fspath(value)
        if isinstance(value, str):
            if value.startswith("/"):
                ns = open(path=value)
                ns.path = value
                return ns
            if "/" in value:
                raise ValueError(
                    f"{what} {_check._show(value)} is neither a namespace name (no '/') "
                    "nor an absolute path"
                )
            return open(value)
        if isinstance(value, int) and not isinstance(value, bool):
            ns = open(pid=value)
            ns.path = f"/proc/{value}/ns/net"
            return ns
    except (OSError, ValueError) as e:
        e.add_note(f"{what}: {_check._show(value)}")
        raise
    raise TypeError(
        f"{what} must be a Netns, a namespace name, a path or a pid, not "
        f"{type(value).__name__}: {_check._show(value)}"
    )


def label(ns: Netns) -> str:
    """How a :class:`Netns` is shown to people: its name, its path, or its fd."""
    if not isinstance(ns, Netns):
        raise TypeError(f"ns must be a Netns, not {type(ns).__name__}: {_check._show(ns)}")
    if ns.name or ns.path:
        return ns.name or ns.path or ""
    return "a closed namespace" if ns.closed else f"fd {ns.fd}"
