"""The thread/fd machinery: :class:`Netns`, helper threads, and owning an fd without a window.

Namespaces belong to threads: rawns moves only helper threads (a fresh one
per call, :func:`_in_new_thread`, :func:`run_in`; or the calling thread's
long-lived worker, which goes back to the caller's namespace after each job:
see "workers" below), or the caller's thread inside
:meth:`Netns.entered`, which always moves it back. A syscall's fd goes
straight into its owner (:func:`_owning`), so that no asynchronous exception
can orphan it. :mod:`rawns.netns` re-exports :class:`Netns` and :func:`run_in`.
"""

from __future__ import annotations

import _thread
import errno
import functools
import os
import stat
import time
from collections.abc import Callable, Iterator
from itertools import starmap
from types import TracebackType

from . import _check
from ._netns_native import CLONE_NEWNET, NS_GET_NSTYPE, _lib, _raise_on_errno, _setns
from ._netns_paths import NETNS_RUN_DIR, PATH_MAX, _remove, delete, validate_name
from ._typing import WeakSet  # not weakref's: _weakrefset costs an import

TYPE_CHECKING = False  # not typing's: importing it costs (rawns._typing)
if TYPE_CHECKING:
    import _queue as queue
    from contextlib import AbstractContextManager
    from typing import Any, TypeVar

    T = TypeVar("T")

FD_MAX = 0x7FFFFFFF

_O_NS = os.O_RDONLY | os.O_CLOEXEC
_THREAD_SELF = "/proc/thread-self/ns/net"


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
        import fcntl  # here: an extension module of its own (issue 13)

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
            try:  # noqa: SIM105 - contextlib.suppress would cost an import (issue 13)
                os.close(fds[0])
            except OSError:
                pass

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

    def entered(self) -> AbstractContextManager[Netns]:
        """Move the *current thread* into this namespace for the block.

        The thread's previous namespace is restored in ``finally``, whatever
        the block raises. Other threads are not affected. Use it for work that
        must run inside (binding a socket, a sysctl); netlink handles don't
        need it (see :meth:`rawns.Handle.open`).
        """
        return (_ENTERED or _entered_cm())(self)

    def run(self, fn: Callable[[], T]) -> T:
        """Call ``fn()`` in a helper thread that has entered this namespace."""
        return run_in(self, fn)


#: contextlib.contextmanager(_entered), made once on first use (contextlib costs an
#: import, issue 13; wrapping per call would cost each entry a functools.wraps).
_ENTERED: Callable[[Netns], AbstractContextManager[Netns]] | None = None


def _entered_cm() -> Callable[[Netns], AbstractContextManager[Netns]]:
    global _ENTERED
    from contextlib import contextmanager

    _ENTERED = contextmanager(_entered)
    return _ENTERED


def _entered(ns: Netns) -> Iterator[Netns]:
    """The body of :meth:`Netns.entered` (a generator for contextlib.contextmanager)."""
    target = ns.fd
    home: list[int] = []
    try:
        # The fd of home goes straight into `home` (see _owning).
        home.extend(starmap(os.open, ((_THREAD_SELF, _O_NS),)))
        try:
            # Inside the try whose finally restores: an exception raised by
            # a signal handler just after setns() returns still brings the
            # thread home (restoring where it never left is harmless).
            _setns(target, CLONE_NEWNET)
            yield ns
        finally:
            # Straight into C, no Python frame first (a signal handler
            # could raise at a frame's start and skip the restore).
            _raise_on_errno(_lib.rawns_setns(home[0], CLONE_NEWNET), "setns")
    finally:
        if home:
            os.close(home[0])


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
    ns: Netns | None,
    fn: Callable[[], T],
    discard: Callable[[T], object] | None = None,
    *,
    pooled: bool = False,
) -> T:
    """``fn()`` in a helper thread that entered ``ns`` first (None: the thread stays
    in the caller's namespace). ``discard`` releases a result the caller, being
    interrupted, will never get (default: its ``close()``). ``pooled`` (only
    with an ``ns``, only for rawns' own jobs) runs it in the caller's worker."""
    fd = -1 if ns is None else ns.fd

    def inside() -> T:
        if fd >= 0:
            _setns(fd, CLONE_NEWNET)
        return fn()

    return _in_new_thread(inside, discard or _close_result, pooled=pooled and fd >= 0)


def _close_result(result: object) -> None:
    close = getattr(result, "close", None)
    if callable(close):
        close()


def _in_new_thread(
    fn: Callable[[], T], discard: Callable[[T], object] = _close_result, *, pooled: bool = False
) -> T:
    """Call ``fn`` in a helper thread (which may change namespace).

    The helper is a fresh thread that dies after, or, with ``pooled``, the
    calling thread's worker (:func:`_dispatch`), which goes back to the
    caller's namespace before the caller resumes. Pooled jobs must not depend
    on the namespace the helper starts in (they enter or unshare one first).

    If the caller is interrupted meanwhile (KeyboardInterrupt, an exception
    from a signal handler), the helper is still let finish, and what it made
    is released with ``discard`` (a socket or an fd closed, a name removed)
    before the exception goes on: nothing leaks, and the caller's cleanup
    sees the helper's syscalls complete. The interruption may come even as
    the thread starts or the job is handed over (a handler runs when
    ``start_new_thread`` or ``put`` returns): then caller and helper agree
    through one atomic ``dict.setdefault`` on whether the helper runs it at
    all. ``_thread``, not ``threading``, because ``Thread.start()`` waits in
    Python code, where an interruption would lose track of a thread that
    runs anyway.
    """
    box: list[T] = []
    err: list[BaseException] = []
    finished: list[bool] = []
    claim: dict[str, str] = {}
    done = _thread.allocate_lock()
    done.acquire()

    def body(after: Callable[[], object] | None = None) -> None:
        try:
            if claim.setdefault("by", "helper") == "helper":
                box.append(fn())
        except BaseException as e:  # re-raised in the caller
            err.append(e)
        finally:
            if after is not None:
                after()  # a worker goes home before its caller may go on
            finished.append(True)
            done.release()

    try:
        if pooled:
            _dispatch(body)
        else:
            _thread.start_new_thread(body, ())
        done.acquire()
    except BaseException:
        if claim.setdefault("by", "caller") == "helper":
            # The helper runs (briefly): wait on its flag, not the lock (the
            # interruption may have come after acquire() returned).
            # (try/except, not contextlib.suppress: contextlib costs an import, issue 13)
            while not finished:
                try:  # noqa: SIM105
                    done.acquire(timeout=0.05)
                except BaseException:  # noqa: S110 - another interruption: wait on
                    pass
            if box:
                try:  # noqa: SIM105
                    discard(box.pop())
                except Exception:  # noqa: S110 - the interruption is what goes on
                    pass
        raise
    if err:
        raise err[0]
    return box[0]


# ---------------------------------------------------------------------------
# workers: one long-lived helper per calling thread
#
# Starting a thread, and above all ending one that changed namespace, costs
# more than the namespace work itself; so netns.create()/new() and the
# pooled _run_inside() hand their job to the calling thread's worker: a
# thread started from that caller (so it shares its root, cwd and mount
# namespace), which runs one job at a time and, after each, setns()es back
# into the caller's current network namespace (opened by the caller's
# thread id, closed again: a parked worker holds no descriptor and pins no
# namespace the caller is not in). It ends after WORKER_IDLE seconds
# without work, if it cannot go back, or when _stop_workers() asks.

WORKER_IDLE = 0.5


class _Worker:
    __slots__ = ("__weakref__", "dead", "jobs", "lock", "pid", "tid")

    def __init__(self) -> None:
        # _queue (the C module: queue.py would load heapq and more), loaded with the
        # first worker: an extension module of its own (issue 13)
        import _queue as queue

        self.jobs: queue.SimpleQueue[Callable[[], object] | None] = queue.SimpleQueue()
        self.lock = _thread.allocate_lock()
        self.dead = False  # set under lock: no job is put into a dead worker
        self.pid = os.getpid()  # a forked child starts its own
        self.tid = 0  # the worker thread's native id, once it runs


_mine = _thread._local()  # the calling thread's _Worker
_workers: WeakSet[_Worker] = WeakSet()


def _serve(w: _Worker) -> None:
    """The worker thread: run jobs until idle, stopped, or stranded."""
    import _queue as queue  # (loaded: the worker's queue is one)

    w.tid = _thread.get_native_id()
    while True:
        try:
            job = w.jobs.get(timeout=WORKER_IDLE)
        except queue.Empty:
            with w.lock:
                if w.jobs.empty():
                    w.dead = True
                    return
            continue
        if job is None:  # _stop_workers
            return
        job()  # never raises: body() keeps the outcome for its caller
        if w.dead:  # could not go back home
            return


def _dispatch(body: Callable[[Callable[[], object] | None], None]) -> None:
    """Hand ``body`` to the calling thread's worker, starting one if needed."""
    caller = _thread.get_native_id()
    while True:
        w: _Worker | None = getattr(_mine, "w", None)
        if w is None or w.dead or w.pid != os.getpid():
            # Started before it is given the job: an interruption in between
            # leaves an idle worker (which ends), never a job nobody runs.
            w = _Worker()
            _workers.add(w)
            _thread.start_new_thread(_serve, (w,))
            _mine.w = w
        with w.lock:  # the worker decides to end under this lock too
            if not w.dead:
                w.jobs.put(functools.partial(body, functools.partial(_go_home, w, caller)))
                return


def _go_home(w: _Worker, caller: int) -> None:
    """In the worker: back into the caller's network namespace; if that fails, end."""
    try:
        fd = os.open(f"/proc/self/task/{caller}/ns/net", _O_NS)
        try:
            _setns(fd, CLONE_NEWNET)
        finally:
            os.close(fd)
    except BaseException:
        with w.lock:
            w.dead = True  # the thread ends, and with it its hold on the namespace


def _stop_workers(wait: float = 1.0) -> None:
    """End every worker of this process and wait (bounded) until their threads are
    gone: :func:`rawns.rootless.enter` needs a single-threaded process."""
    mine = [w for w in list(_workers) if w.pid == os.getpid()]
    for w in mine:
        with w.lock:
            if not w.dead:
                w.dead = True
                w.jobs.put(None)
    deadline = time.monotonic() + wait
    for w in mine:
        while time.monotonic() < deadline:
            if w.tid and not os.path.exists(f"/proc/self/task/{w.tid}"):
                break
            time.sleep(0.001)
